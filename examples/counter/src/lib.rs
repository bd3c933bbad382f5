//! `counter`: a durable counter, one per actor key.
//!
//! | method  | payload              | reply            |
//! |---------|----------------------|------------------|
//! | `incr`  | empty or `{"by": n}` | `{"value": n}`   |
//! | `get`   | ignored              | `{"value": n}`   |
//! | `reset` | ignored              | `{"value": 0}`   |
//!
//! View (every viewer): `{"value": n}`.

use microlith_actor::{Actor, Error, Request, reply, state, view};
use serde::{Deserialize, Serialize};

const KEY: &str = "value";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Incr {
    #[serde(default = "one")]
    by: u64,
}

fn one() -> u64 {
    1
}

#[derive(Serialize)]
struct Value {
    value: u64,
}

struct Counter;

impl Actor for Counter {
    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        let value = match req.method() {
            "incr" => {
                let by = req.json::<Option<Incr>>()?.map_or(1, |i| i.by);
                let value = current()?.checked_add(by).ok_or_else(|| Error::failed("counter would overflow u64"))?;
                state::set_json(KEY, &value)?;
                value
            }
            "get" => current()?,
            "reset" => {
                state::delete(KEY);
                0
            }
            _ => return Err(req.unknown_method()),
        };
        reply::json(&Value { value })
    }

    fn view(_viewer: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        view::json(&Value { value: current()? })
    }
}

fn current() -> Result<u64, Error> {
    Ok(state::get_json(KEY)?.unwrap_or(0))
}

microlith_actor::export_actor!(Counter);
