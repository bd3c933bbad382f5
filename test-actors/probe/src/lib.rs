//! `probe`: an actor that exercises the host's edges for tests.
//!
//! Payloads and replies are JSON; see `test-actors/README.md` for the table.

use std::hint::black_box;

use microlith_actor::{Actor, Error, Request, context, log, reply, state};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Key {
    key: String,
}

#[derive(Deserialize)]
struct KeyValue {
    key: String,
    value: String,
}

#[derive(Deserialize)]
struct Scan {
    prefix: String,
    #[serde(default)]
    start_after: Option<String>,
    limit: u32,
}

#[derive(Serialize)]
struct Entry {
    key: String,
    value: String,
}

#[derive(Deserialize)]
struct Message {
    message: String,
}

#[derive(Deserialize)]
struct WriteBytes {
    key: String,
    size: usize,
}

#[derive(Serialize)]
struct Ack {
    ok: bool,
}

#[derive(Serialize)]
struct Value {
    value: Option<String>,
}

#[derive(Serialize)]
struct WhoAmI {
    class: String,
    key: String,
    caller: Option<String>,
    turn_time: u64,
}

const OK: Ack = Ack { ok: true };

struct Probe;

impl Actor for Probe {
    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        match req.method() {
            "set" => {
                let kv: KeyValue = req.json()?;
                state::set(&kv.key, kv.value.as_bytes())?;
                reply::json(&OK)
            }
            "get" => {
                let Key { key } = req.json()?;
                let value = state::get(&key).map(|v| String::from_utf8_lossy(&v).into_owned());
                reply::json(&Value { value })
            }
            "delete" => {
                let Key { key } = req.json()?;
                state::delete(&key);
                reply::json(&OK)
            }
            "set-then-error" => {
                let kv: KeyValue = req.json()?;
                state::set(&kv.key, kv.value.as_bytes())?;
                Err(Error::failed("refused after write"))
            }
            "set-then-trap" => {
                let kv: KeyValue = req.json()?;
                state::set(&kv.key, kv.value.as_bytes())?;
                trap()
            }
            "spin" => {
                let mut n = 0u64;
                loop {
                    n = black_box(n.wrapping_add(1));
                }
            }
            "alloc-bomb" => {
                const CHUNK: usize = 1 << 20;
                let mut kept: Vec<Vec<u8>> = Vec::new();
                loop {
                    let mut chunk = vec![0u8; CHUNK];
                    for i in (0..CHUNK).step_by(4096) {
                        chunk[i] = 1;
                    }
                    kept.push(black_box(chunk));
                }
            }
            "scan" => {
                let s: Scan = req.json()?;
                let entries: Vec<Entry> = state::scan(&s.prefix, s.start_after.as_deref(), s.limit)
                    .into_iter()
                    .map(|(key, v)| Entry { key, value: String::from_utf8_lossy(&v).into_owned() })
                    .collect();
                reply::json(&entries)
            }
            "whoami" => {
                let me = context::self_ref();
                reply::json(&WhoAmI {
                    class: me.class,
                    key: me.key,
                    caller: context::caller(),
                    turn_time: context::turn_time_ms(),
                })
            }
            "log" => {
                let Message { message } = req.json()?;
                log::info(&message);
                reply::json(&OK)
            }
            "write-bytes" => {
                let w: WriteBytes = req.json()?;
                state::set(&w.key, &vec![b'x'; w.size])?;
                reply::json(&OK)
            }
            "echo" => Ok(req.into_payload()),
            _ => Err(req.unknown_method()),
        }
    }
}

/// Traps with the wasm `unreachable` instruction, bypassing panic handling.
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort();
}

microlith_actor::export_actor!(Probe);
