//! `conformance`: the reference implementation (Rust) of the actor every
//! guest language implements for the conformance suite. The table of
//! methods is in `conformance/README.md`.

use std::hint::black_box;

use microlith_actor::context::ActorRef;
use microlith_actor::{Actor, Error, Request, actors, alarms, context, log, reply, state, view};
use serde::Deserialize;
use serde_json::{Value, json};

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
struct Prefix {
    prefix: String,
}

#[derive(Deserialize)]
struct Message {
    message: String,
}

#[derive(Deserialize)]
struct Target {
    class: String,
    key: String,
    method: String,
    #[serde(default)]
    payload: Value,
}

impl Target {
    fn parts(&self) -> (ActorRef, Vec<u8>) {
        let bytes = if self.payload.is_null() { Vec::new() } else { self.payload.to_string().into_bytes() };
        (ActorRef::new(&self.class, &self.key), bytes)
    }
}

#[derive(Deserialize)]
struct Alarm {
    name: String,
    in_ms: u64,
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

fn kind(e: &actors::CallError) -> &'static str {
    use actors::CallError as E;
    match e {
        E::UnknownClass(_) => "unknown-class",
        E::UnknownMethod(_) => "unknown-method",
        E::BadRequest(_) => "bad-request",
        E::Failed(_) => "failed",
        E::Trapped(_) => "trapped",
        E::Cycle(_) => "cycle",
        E::Timeout(_) => "timeout",
        E::Unavailable(_) => "unavailable",
        E::Invalid(_) => "invalid",
    }
}

fn ok() -> Result<Vec<u8>, Error> {
    reply::json(&json!({"ok": true}))
}

struct Conformance;

impl Actor for Conformance {
    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        match req.method() {
            "set" => {
                let kv: KeyValue = req.json()?;
                state::set(&kv.key, kv.value.as_bytes())?;
                ok()
            }
            "get" => {
                let Key { key } = req.json()?;
                let value = state::get(&key).map(|v| String::from_utf8_lossy(&v).into_owned());
                reply::json(&json!({"value": value}))
            }
            "delete" => {
                let Key { key } = req.json()?;
                state::delete(&key);
                ok()
            }
            "scan" => {
                let Prefix { prefix } = req.json()?;
                let entries: Vec<Value> = state::scan_all(&prefix)
                    .into_iter()
                    .map(|(key, v)| json!({"key": key, "value": String::from_utf8_lossy(&v)}))
                    .collect();
                reply::json(&entries)
            }
            "set-then-fail" => {
                let kv: KeyValue = req.json()?;
                state::set(&kv.key, kv.value.as_bytes())?;
                Err(Error::failed("failing after a write"))
            }
            "fail" => {
                let Message { message } = req.json()?;
                Err(Error::failed(message))
            }
            "bad" => Err(Error::bad_request("this method always rejects its input")),
            "trap" => trap(),
            "spin" => {
                let mut n = 0u64;
                loop {
                    n = black_box(n.wrapping_add(1));
                }
            }
            "alloc" => {
                let mut kept: Vec<Vec<u8>> = Vec::new();
                loop {
                    let mut chunk = vec![0u8; 1 << 20];
                    for i in (0..chunk.len()).step_by(4096) {
                        chunk[i] = 1;
                    }
                    kept.push(black_box(chunk));
                }
            }
            "echo" => Ok(req.into_payload()),
            "whoami" => {
                let me = context::self_ref();
                reply::json(&json!({"class": me.class, "key": me.key, "caller": context::caller()}))
            }
            "call" => {
                let t: Target = req.json()?;
                let (target, payload) = t.parts();
                match actors::call(&target, &t.method, &payload) {
                    Ok(bytes) => reply::json(&json!({"ok": serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null)})),
                    Err(e) => reply::json(&json!({"error": kind(&e)})),
                }
            }
            "send" => {
                let t: Target = req.json()?;
                let (target, payload) = t.parts();
                actors::send(&target, &t.method, &payload)?;
                ok()
            }
            "set-alarm" => {
                let a: Alarm = req.json()?;
                let due = context::turn_time_ms() + a.in_ms;
                alarms::set(&a.name, due)?;
                reply::json(&json!({"due": due}))
            }
            "fired" => {
                let Name { name } = req.json()?;
                let count: u64 = state::get_json(&format!("fired/{name}"))?.unwrap_or(0);
                reply::json(&json!({"count": count}))
            }
            "log" => {
                let Message { message } = req.json()?;
                log::info(&message);
                ok()
            }
            "ambient" => reply::json(&json!({"wasi": false})),
            _ => Err(req.unknown_method()),
        }
    }

    fn on_alarm(name: &str) -> Result<(), Error> {
        let key = format!("fired/{name}");
        let count: u64 = state::get_json(&key)?.unwrap_or(0);
        state::set_json(&key, &(count + 1))
    }

    fn view(viewer: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        match viewer {
            Some("refused") => return Err(Error::failed("viewer refused")),
            Some("trap") => trap(),
            _ => {}
        }
        let shown = state::get("shown").map(|v| String::from_utf8_lossy(&v).into_owned());
        view::json(&json!({"viewer": viewer, "shown": shown}))
    }
}

/// Traps with the wasm `unreachable` instruction, bypassing panic handling.
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort();
}

microlith_actor::export_actor!(Conformance);
