//! `microlith watch <class>/<key>`: print an actor's live view, over the
//! WebSocket protocol (`docs/protocol.md`).
//!
//! Prints the view (pretty JSON) on the snapshot and again after every
//! delta, or with `--patches` each delta's JSON Patch on one line. If the
//! connection drops it reconnects with exponential backoff and resumes the
//! subscription where it left off (the server sends the missed deltas, or a
//! fresh snapshot). Status goes to stderr; Ctrl-C (or SIGTERM) exits cleanly.

use std::io::Write as _;
use std::time::Duration;

use anyhow::Context as _;
use microlith_client::ClientError;
use microlith_client::ws::{Event, Resume, Subscription, WsClient};
use microlith_protocol::v1::ErrorCode;

use super::DEFAULT_SERVER;

/// First wait before reconnecting; doubled after each failure.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait between reconnects.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Flags of `watch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The actor, as `class/key`.
    pub actor: String,
    /// Print each delta's JSON Patch (one line) instead of the whole view.
    #[arg(long)]
    pub patches: bool,
    /// Server URL (`http(s)://host:port`; or the `ws(s)://…/v1/ws` URL itself).
    #[arg(long, env = "MICROLITH_SERVER", default_value = DEFAULT_SERVER)]
    pub server: String,
    /// A signed JWT whose `sub` is the viewer (default: anonymous).
    #[arg(long, env = "MICROLITH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.actor.split_once('/') {
        Some((class, key)) if !class.is_empty() && !key.is_empty() => {}
        _ => anyhow::bail!("the actor must be written class/key, got {:?}", args.actor),
    }
    let url = microlith_client::ws::ws_url(&args.server)?;
    let stop = stop_signal();
    tokio::pin!(stop);

    let mut resume: Option<Resume> = None;
    let mut backoff = MIN_BACKOFF;
    loop {
        let attempt = async {
            let client = WsClient::connect(&url, args.token.clone()).await?;
            let sub = client.subscribe(&args.actor, resume.clone()).await?;
            Ok::<_, ClientError>((client, sub))
        };
        let attempt = tokio::select! {
            r = attempt => r,
            () = &mut stop => return Ok(()),
        };
        let (client, mut sub) = match attempt {
            Ok(ok) => ok,
            Err(e) if is_fatal(&e) => return Err(e).with_context(|| format!("watching {}", args.actor)),
            Err(e) => {
                eprintln!("watch: {e}; retrying in {} ms", backoff.as_millis());
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = &mut stop => return Ok(()),
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = MIN_BACKOFF;
        eprintln!("watch: subscribed to {} at {url}", args.actor);

        let lost = loop {
            let event = tokio::select! {
                e = sub.next() => e,
                () = &mut stop => {
                    let _ = tokio::time::timeout(Duration::from_secs(2), client.unsubscribe(sub)).await;
                    client.close().await;
                    return Ok(());
                }
            };
            match event {
                Some(Ok(event)) => {
                    if let Err(e) = show(&args, &sub, event) {
                        return e.into_result();
                    }
                    resume = sub.resume_point();
                }
                Some(Err(e @ (ClientError::Gap { .. } | ClientError::Patch(_) | ClientError::Protocol(_)))) => {
                    // The local view cannot be trusted: start over with a snapshot.
                    resume = None;
                    break e;
                }
                Some(Err(e)) => break e,
                None => break ClientError::Disconnected("the subscription ended".into()),
            }
        };
        drop(sub);
        drop(client);
        eprintln!("watch: {lost}; reconnecting in {} ms", backoff.as_millis());
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = &mut stop => return Ok(()),
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Why `show` stopped the watch.
enum Stop {
    /// Stdout is gone (`watch … | head`): a clean end.
    Closed,
    /// The view failed, or printing failed otherwise.
    Failed(anyhow::Error),
}

impl Stop {
    fn into_result(self) -> anyhow::Result<()> {
        match self {
            Self::Closed => Ok(()),
            Self::Failed(e) => Err(e),
        }
    }
}

fn show(args: &Args, sub: &Subscription, event: Event) -> Result<(), Stop> {
    let text = match event {
        Event::Snapshot { view, .. } => pretty(&view),
        Event::Resumed { seq, .. } => {
            eprintln!("watch: resumed at seq {seq}");
            return Ok(());
        }
        Event::Delta { patch, .. } if args.patches => serde_json::to_string(&patch).unwrap_or_else(|e| e.to_string()),
        Event::Delta { .. } => pretty(sub.view()),
        Event::Error { code, message } => {
            return Err(Stop::Failed(anyhow::anyhow!("the view of {} failed: {code:?}: {message}", args.actor)));
        }
    };
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Stop::Closed),
        Err(e) => Err(Stop::Failed(e.into())),
    }
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| e.to_string())
}

/// Errors that retrying will not fix.
fn is_fatal(e: &ClientError) -> bool {
    match e {
        ClientError::Url(_) | ClientError::Rejected { .. } => true,
        // No `/v1/ws` there (404), or the upgrade was refused outright.
        ClientError::WebSocket(e) => match e.as_ref() {
            tokio_tungstenite::tungstenite::Error::Http(resp) => {
                matches!(resp.status().as_u16(), 400 | 401 | 403 | 404 | 405)
            }
            _ => false,
        },
        ClientError::Remote { code, .. } => matches!(
            code,
            ErrorCode::UnknownClass
                | ErrorCode::InvalidName
                | ErrorCode::Unauthorized
                | ErrorCode::NotFound
                | ErrorCode::InvalidFrame
                | ErrorCode::UnknownOp
                | ErrorCode::GuestError
                | ErrorCode::GuestTrap
        ),
        _ => false,
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
