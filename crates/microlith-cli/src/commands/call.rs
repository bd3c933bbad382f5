//! `microlith call <class>/<key> <method> [json]`.

use anyhow::Context as _;

use super::ServerFlags;

/// Flags of `call`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The actor, as `class/key`.
    pub actor: String,
    /// The method.
    pub method: String,
    /// JSON payload (default: none).
    pub payload: Option<String>,
    #[command(flatten)]
    pub server: ServerFlags,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let (class, key) = args
        .actor
        .split_once('/')
        .with_context(|| format!("the actor must be written class/key, got {:?}", args.actor))?;
    let payload = match &args.payload {
        Some(p) => {
            serde_json::from_str::<serde_json::Value>(p)
                .with_context(|| format!("the payload is not valid JSON: {p}"))?;
            p.clone().into_bytes()
        }
        None => Vec::new(),
    };
    let client = args.server.client()?;
    let reply = client.call_raw(class, key, &args.method, payload).await?;
    match serde_json::from_slice::<serde_json::Value>(&reply) {
        Ok(v) => println!("{}", serde_json::to_string_pretty(&v)?),
        Err(_) => println!("{}", String::from_utf8_lossy(&reply)),
    }
    Ok(())
}
