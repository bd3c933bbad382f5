//! A small closed-loop HTTP/1.1 load generator: each connection sends its
//! next request when the previous reply arrived.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;

/// What a load phase measured.
#[derive(Debug, Clone)]
pub struct LoadResult {
    /// Completed requests per second.
    pub rps: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Requests that did not return 200.
    pub errors: u64,
}

/// Runs `connections` closed loops against `addr` for `dur`; request `i` of
/// connection `c` goes to `path(c, i)`.
pub async fn run(
    addr: SocketAddr,
    connections: usize,
    dur: Duration,
    path: impl Fn(usize, u64) -> String + Send + Sync + Clone + 'static,
) -> anyhow::Result<LoadResult> {
    let deadline = Instant::now() + dur;
    let mut tasks = Vec::new();
    for c in 0..connections {
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            let mut lat = Vec::with_capacity(100_000);
            let mut errors = 0u64;
            let mut i = 0u64;
            while Instant::now() < deadline {
                let req = Request::post(path(c, i))
                    .header("host", "bench")
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::new()))?;
                let t = Instant::now();
                let resp = send.send_request(req).await?;
                let ok = resp.status().is_success();
                resp.into_body().collect().await?;
                lat.push(t.elapsed());
                if !ok {
                    errors += 1;
                }
                i += 1;
            }
            Ok::<_, anyhow::Error>((lat, errors))
        }));
    }
    let started = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await??;
        all.extend(lat);
        errors += e;
    }
    let elapsed = started.elapsed().max(dur);
    all.sort_unstable();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1))).copied().unwrap_or_default()
    };
    Ok(LoadResult { rps: all.len() as f64 / elapsed.as_secs_f64(), p50: pick(0.5), p99: pick(0.99), errors })
}

/// The median of `xs` by `key`.
pub fn median_by<T: Clone>(xs: &[T], key: impl Fn(&T) -> f64) -> Option<T> {
    let mut v: Vec<T> = xs.to_vec();
    v.sort_by(|a, b| key(a).total_cmp(&key(b)));
    v.get(v.len() / 2).cloned()
}
