//! `probe`: an actor that exercises the host's edges for tests.
//!
//! Payloads and replies are JSON; see `test-actors/README.md` for the table.
//!
//! Its view shows `{"viewer": viewer, "state": {k: v}}` for every state key
//! `v/<k>` (values decoded as JSON, or as a string when they are not JSON);
//! the state key `view-mode` makes it misbehave (see [`Probe::render`]).
//!
//! Upgrades: its state schema is the crate root's `SCHEMA` (0 here, 2 in
//! `probe-v2`). `migrate(from)` obeys the state key `migrate-mode`: absent
//! or `normal` writes `migrated-from` = from and `v/schema` = the new
//! schema (so the view changes); `fail` returns an error, `trap` traps,
//! `call` calls itself (which traps: calls are refused during migrate).
//! `self-check` returns the crate root's `SELF_CHECK`.

use std::hint::black_box;

use microlith_actor::context::ActorRef;
use microlith_actor::{Actor, Error, Request, actors, alarms, context, log, reply, state, view};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::{SCHEMA, SELF_CHECK};

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

#[derive(Deserialize)]
struct Target {
    class: String,
    key: String,
}

impl Target {
    fn actor(&self) -> ActorRef {
        ActorRef::new(&self.class, &self.key)
    }
}

/// One call to make: `payload` is sent as JSON bytes.
#[derive(Deserialize)]
struct CallSpec {
    target: Target,
    method: String,
    #[serde(default)]
    payload: Json,
    #[serde(default)]
    timeout_ms: Option<u32>,
}

impl CallSpec {
    fn bytes(&self) -> Vec<u8> {
        if self.payload.is_null() { Vec::new() } else { self.payload.to_string().into_bytes() }
    }

    /// Makes the call; reports the reply (as JSON when it is) or the error.
    fn run(&self) -> Json {
        let target = self.target.actor();
        let result = match self.timeout_ms {
            Some(ms) => actors::call_with_timeout(&target, &self.method, &self.bytes(), ms),
            None => actors::call(&target, &self.method, &self.bytes()),
        };
        match result {
            Ok(bytes) => json!({"ok": serde_json::from_slice::<Json>(&bytes).unwrap_or(Json::Null)}),
            Err(e) => json!({"error": error_kind(&e), "message": e.to_string(), "cycle": cycle_of(&e)}),
        }
    }
}

fn error_kind(e: &actors::CallError) -> &'static str {
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

fn cycle_of(e: &actors::CallError) -> Json {
    match e {
        actors::CallError::Cycle(actors) => actors.iter().map(|a| json!(format!("{}/{}", a.class, a.key))).collect(),
        _ => Json::Null,
    }
}

/// `call`: optionally writes a key, then makes calls in order.
#[derive(Deserialize)]
struct Calls {
    #[serde(default)]
    set_before: Option<KeyValue>,
    calls: Vec<CallSpec>,
}

/// `poll-then-call`: calls `poll` until its reply equals `until` (at most
/// `max_polls` times), then makes `then`.
#[derive(Deserialize)]
struct PollThenCall {
    poll: CallSpec,
    until: Json,
    max_polls: u32,
    then: CallSpec,
}

#[derive(Deserialize)]
struct SendSpec {
    target: Target,
    method: String,
    #[serde(default)]
    payload: Json,
}

/// `send`: optionally writes a key, sends messages, optionally fails after.
#[derive(Deserialize)]
struct Sends {
    #[serde(default)]
    set_before: Option<KeyValue>,
    sends: Vec<SendSpec>,
    #[serde(default)]
    fail_after: bool,
}

#[derive(Deserialize)]
struct AlarmSpec {
    name: String,
    #[serde(default)]
    at_ms: Option<u64>,
    #[serde(default)]
    in_ms: Option<u64>,
    /// Whether `on-alarm` fails (until `alarm-fail/<name>` is set false).
    #[serde(default)]
    fail: bool,
    /// A probe key whose `attempts/<name>` list records each firing.
    #[serde(default)]
    witness: Option<String>,
}

#[derive(Deserialize)]
struct Name {
    name: String,
}

/// `set-many`: writes every entry in one turn.
#[derive(Deserialize)]
struct SetMany {
    entries: Vec<KeyValue>,
}

/// `relay`: the probe actors (keys) the call still has to pass through.
#[derive(Deserialize)]
struct Relay {
    path: Vec<String>,
}

/// State keys under this prefix are shown in the view (without it).
const VIEW_PREFIX: &str = "v/";
/// State key that selects how `render` behaves.
const VIEW_MODE: &str = "view-mode";
/// State key that selects how `migrate` behaves.
const MIGRATE_MODE: &str = "migrate-mode";

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
            "set-many" => {
                let SetMany { entries } = req.json()?;
                for kv in &entries {
                    state::set(&kv.key, kv.value.as_bytes())?;
                }
                reply::json(&json!({"ok": true, "written": entries.len()}))
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
            "read-out-of-bounds" => Ok(vec![read_out_of_bounds()]),
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
            "relay" => {
                // Calls `relay` on the first actor of `path` with the rest;
                // the last one replies with its `end` value. A failed call
                // is reported with the key of the actor that made it.
                let r: Relay = req.json()?;
                let Some((next, rest)) = r.path.split_first() else {
                    let end = state::get("end").map(|v| String::from_utf8_lossy(&v).into_owned());
                    return reply::json(&json!({"end": end}));
                };
                let target = ActorRef { class: "probe".into(), key: next.clone() };
                match actors::call(&target, "relay", json!({"path": rest}).to_string().as_bytes()) {
                    Ok(bytes) => Ok(bytes),
                    Err(e) => reply::json(
                        &json!({"error": error_kind(&e), "message": e.to_string(), "at": context::self_ref().key}),
                    ),
                }
            }
            "call" => {
                let c: Calls = req.json()?;
                if let Some(kv) = &c.set_before {
                    state::set(&kv.key, kv.value.as_bytes())?;
                }
                let results: Vec<Json> = c.calls.iter().map(CallSpec::run).collect();
                reply::json(&results)
            }
            "poll-then-call" => {
                let p: PollThenCall = req.json()?;
                let mut polls = 0;
                loop {
                    polls += 1;
                    if p.poll.run().get("ok") == Some(&p.until) {
                        break;
                    }
                    if polls >= p.max_polls {
                        return Err(Error::failed(format!("gave up after {polls} polls")));
                    }
                }
                reply::json(&json!({"polls": polls, "then": p.then.run()}))
            }
            "send" => {
                let s: Sends = req.json()?;
                if let Some(kv) = &s.set_before {
                    state::set(&kv.key, kv.value.as_bytes())?;
                }
                for m in &s.sends {
                    let payload = if m.payload.is_null() { Vec::new() } else { m.payload.to_string().into_bytes() };
                    actors::send(&m.target.actor(), &m.method, &payload)?;
                }
                if s.fail_after {
                    return Err(Error::failed("failing after send"));
                }
                reply::json(&OK)
            }
            "append" => {
                // Appends `value` to the JSON list under `key`.
                let kv: KeyValue = req.json()?;
                let mut list: Vec<String> = state::get_json(&kv.key)?.unwrap_or_default();
                list.push(kv.value);
                state::set_json(&kv.key, &list)?;
                reply::json(&list.len())
            }
            "caller-actor" => {
                let caller = context::caller_actor().map(|a| format!("{}/{}", a.class, a.key));
                reply::json(&json!({"caller_actor": caller, "caller": context::caller()}))
            }
            "set-alarm" => {
                let a: AlarmSpec = req.json()?;
                let at = match (a.at_ms, a.in_ms) {
                    (Some(at), _) => at,
                    (None, Some(d)) => context::turn_time_ms() + d,
                    (None, None) => return Err(Error::bad_request("give at_ms or in_ms")),
                };
                alarms::set(&a.name, at)?;
                state::set_json(&format!("alarm-fail/{}", a.name), &a.fail)?;
                state::set_json(&format!("alarm-witness/{}", a.name), &a.witness)?;
                reply::json(&json!({"due": at}))
            }
            "cancel-alarm" => {
                let Name { name } = req.json()?;
                alarms::cancel(&name);
                reply::json(&OK)
            }
            "get-alarm" => {
                let Name { name } = req.json()?;
                reply::json(&json!({"due": alarms::get(&name)}))
            }
            "fired" => {
                let Name { name } = req.json()?;
                let count: u64 = state::get_json(&format!("fired/{name}"))?.unwrap_or(0);
                let at: Option<u64> = state::get_json(&format!("fired-at/{name}"))?;
                reply::json(&json!({"count": count, "at": at}))
            }
            _ => Err(req.unknown_method()),
        }
    }

    fn on_alarm(name: &str) -> Result<(), Error> {
        Probe::alarm(name)
    }

    fn view(viewer: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        Probe::render(viewer)
    }

    const SCHEMA: u32 = SCHEMA;

    fn migrate(from: u32) -> Result<(), Error> {
        let mode = state::get(MIGRATE_MODE).map(|v| String::from_utf8_lossy(&v).into_owned());
        match mode.as_deref().unwrap_or("normal") {
            "normal" => {
                state::set("migrated-from", from.to_string().as_bytes())?;
                state::set("v/schema", SCHEMA.to_string().as_bytes())?;
                Ok(())
            }
            "fail" => Err(Error::failed(format!("migration from schema {from} refused by migrate-mode"))),
            "trap" => trap(),
            "call" => {
                let me = context::self_ref();
                actors::call(&me, "get", br#"{"key":"migrate-mode"}"#)?;
                Ok(())
            }
            other => Err(Error::bad_request(format!("unknown migrate-mode {other:?}"))),
        }
    }

    fn self_check() -> Result<(), String> {
        SELF_CHECK.map_err(str::to_string)
    }
}

impl Probe {
    /// The view. The state key `view-mode` selects the behaviour:
    ///
    /// - absent or `normal`: `{"viewer": s or null, "state": {k: v}}`
    /// - `none`: no view (`Ok(None)`)
    /// - `error`: `failed("view set to fail")`
    /// - `refuse-anonymous`: `failed(..)` for an anonymous viewer, else normal
    /// - `deny:<p>`: `failed(..)` for viewer `<p>`, else normal
    /// - `trap`: panics (a trap)
    /// - `write`: `state::set` inside render (the host traps it)
    /// - `delete`: `state::delete` inside render (the host traps it)
    /// - `call`: calls itself (`get`) inside render (the host traps it)
    /// - `send`: sends itself `get` inside render (the host traps it)
    /// - `alarm`: sets an alarm inside render (the host traps it)
    /// - `spin`: loops forever (for the deadline)
    /// - `not-json`: returns bytes that are not JSON
    /// - `big:<n>`: normal, plus `"big": "xxx…"` of `n` bytes
    /// - anything else: `bad-request` naming the mode
    fn render(viewer: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        let mode = state::get(VIEW_MODE).map(|v| String::from_utf8_lossy(&v).into_owned());
        let mode = mode.as_deref().unwrap_or("normal");
        let me = context::self_ref();
        match mode {
            "normal" => {}
            "none" => return view::none(),
            "error" => return Err(Error::failed("view set to fail")),
            "refuse-anonymous" if viewer.is_none() => return Err(Error::failed("anonymous viewers are refused")),
            "refuse-anonymous" => {}
            "trap" => panic!("view set to trap"),
            "write" => state::set("written-by-render", b"1")?,
            "delete" => state::delete(VIEW_MODE),
            "call" => {
                actors::call(&me, "get", br#"{"key":"view-mode"}"#)?;
            }
            "send" => actors::send(&me, "get", br#"{"key":"view-mode"}"#)?,
            "alarm" => alarms::set_in("from-render", 1000)?,
            "spin" => {
                let mut n = 0u64;
                loop {
                    n = black_box(n.wrapping_add(1));
                }
            }
            "not-json" => return Ok(Some(b"\xff not json".to_vec())),
            _ => {
                if let Some(denied) = mode.strip_prefix("deny:") {
                    if viewer == Some(denied) {
                        return Err(Error::failed(format!("viewer {denied} is refused")));
                    }
                } else if mode.strip_prefix("big:").is_none() {
                    return Err(Error::bad_request(format!("unknown view-mode {mode:?}")));
                }
            }
        }
        let shown: serde_json::Map<String, Json> = state::scan_all(VIEW_PREFIX)
            .into_iter()
            .map(|(key, value)| {
                let value = serde_json::from_slice(&value)
                    .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(&value).into_owned()));
                (key.strip_prefix(VIEW_PREFIX).unwrap_or(&key).to_owned(), value)
            })
            .collect();
        let mut out = json!({"viewer": viewer, "state": shown});
        if let Some(n) = mode.strip_prefix("big:") {
            let n: usize = n.parse().map_err(|_| Error::bad_request(format!("bad size in view-mode {mode:?}")))?;
            out["big"] = Json::String("x".repeat(n));
        }
        view::json(&out)
    }

    /// Records that alarm `name` fired. When the alarm was set with
    /// `witness`, first appends to a list in that actor (its commit stands
    /// even if this turn fails); when `fail` is set, then fails.
    fn alarm(name: &str) -> Result<(), Error> {
        let witness = state::get_json::<Option<String>>(&format!("alarm-witness/{name}"))?.flatten();
        if let Some(key) = witness {
            let me = context::self_ref();
            let item = json!({"key": format!("attempts/{name}"), "value": me.key});
            actors::call(&ActorRef::new(&me.class, key), "append", item.to_string().as_bytes())?;
        }
        if state::get_json::<bool>(&format!("alarm-fail/{name}"))?.unwrap_or(false) {
            return Err(Error::failed(format!("alarm {name} set to fail")));
        }
        let count: u64 = state::get_json(&format!("fired/{name}"))?.unwrap_or(0);
        state::set_json(&format!("fired/{name}"), &(count + 1))?;
        state::set_json(&format!("fired-at/{name}"), &context::turn_time_ms())?;
        if name.starts_with("again-") && count == 0 {
            alarms::set_in(name, 50)?;
        }
        Ok(())
    }
}

/// Loads a byte 16 bytes below 4 GiB, past the end of any linear memory the
/// host allows, which must trap the turn (by a bounds check or a guard page).
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
fn read_out_of_bounds() -> u8 {
    let addr = black_box(u32::MAX as usize - 15);
    // SAFETY: none; the load is meant to fault, and the host turns the fault
    // into a trap before the value could be used.
    unsafe { core::ptr::read_volatile(addr as *const u8) }
}

#[cfg(not(target_arch = "wasm32"))]
fn read_out_of_bounds() -> u8 {
    std::process::abort()
}

/// Traps with the wasm `unreachable` instruction, bypassing panic handling.
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort();
}

microlith_actor::export_actor!(Probe);
