//! `todo` version 2: the to-do list of `examples/todo` with due dates, and
//! the migration of version 1's state. Deploy it over `todo` while it runs.
//!
//! State schema 2 (`todo` v1 is schema 0): items live under
//! `item/{id:020}` as `{"id":u64,"text":String,"done":bool,"due":"YYYY-MM-DD"|null}`
//! (v1 called `text` `title` and had no `due`); the next id lives under
//! `next-id`, as in v1.
//!
//! | method       | payload                                | reply                 |
//! |--------------|----------------------------------------|-----------------------|
//! | `add`        | `{"text": s, "due"?: date}`            | the new item          |
//! | `list`       | ignored                                | array of items by id  |
//! | `toggle`     | `{"id": n}`                            | the updated item      |
//! | `rename`     | `{"id": n, "text": s}`                 | the updated item      |
//! | `set-due`    | `{"id": n, "due": date or null}`       | the updated item      |
//! | `remove`     | `{"id": n}`                            | `{"removed": bool}`   |
//! | `clear-done` | ignored                                | `{"removed": count}`  |
//! | `overdue`    | `{"today": date}`                      | open items due before |
//!
//! View (every viewer): `{"items": [item, ...]}` in id order.
//!
//! Migration: from schema 0 (v1), every item's `title` becomes `text` and
//! `due` is `null`; an item v1 could not have written (not an object with
//! `id`, `title` and `done`) fails the migration, which leaves the actor on
//! v1 with its state untouched. A schema newer than 2 is refused.

use microlith_actor::{Actor, Error, Request, reply, state, view};
use serde::{Deserialize, Serialize};

const ITEM_PREFIX: &str = "item/";
const NEXT_ID: &str = "next-id";

#[derive(Serialize, Deserialize)]
struct Item {
    id: u64,
    text: String,
    done: bool,
    due: Option<String>,
}

/// An item as `todo` v1 (schema 0) stored it.
#[derive(Deserialize)]
struct ItemV1 {
    id: u64,
    title: String,
    done: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Add {
    text: String,
    #[serde(default)]
    due: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Id {
    id: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rename {
    id: u64,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetDue {
    id: u64,
    due: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Today {
    today: String,
}

#[derive(Serialize)]
struct Items {
    items: Vec<Item>,
}

#[derive(Serialize)]
struct Removed<T> {
    removed: T,
}

struct Todo;

impl Actor for Todo {
    const SCHEMA: u32 = 2;

    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        match req.method() {
            "add" => {
                let Add { text, due } = req.json()?;
                let text = valid_text(&text)?;
                let due = due.as_deref().map(valid_date).transpose()?;
                let id = state::get_json::<u64>(NEXT_ID)?.unwrap_or(1);
                let next = id.checked_add(1).ok_or_else(|| Error::failed("item ids exhausted"))?;
                let item = Item { id, text, done: false, due };
                save(&item)?;
                state::set_json(NEXT_ID, &next)?;
                reply::json(&item)
            }
            "list" => reply::json(&all_items()?),
            "toggle" => {
                let Id { id } = req.json()?;
                let mut item = load(id)?;
                item.done = !item.done;
                save(&item)?;
                reply::json(&item)
            }
            "rename" => {
                let Rename { id, text } = req.json()?;
                let text = valid_text(&text)?;
                let mut item = load(id)?;
                item.text = text;
                save(&item)?;
                reply::json(&item)
            }
            "set-due" => {
                let SetDue { id, due } = req.json()?;
                let due = due.as_deref().map(valid_date).transpose()?;
                let mut item = load(id)?;
                item.due = due;
                save(&item)?;
                reply::json(&item)
            }
            "remove" => {
                let Id { id } = req.json()?;
                let key = key(id);
                let removed = state::get(&key).is_some();
                state::delete(&key);
                reply::json(&Removed { removed })
            }
            "clear-done" => {
                let done: Vec<String> = state::scan_all_json::<Item>(ITEM_PREFIX)?
                    .into_iter()
                    .filter(|(_, item)| item.done)
                    .map(|(key, _)| key)
                    .collect();
                for key in &done {
                    state::delete(key);
                }
                reply::json(&Removed { removed: done.len() })
            }
            "overdue" => {
                let Today { today } = req.json()?;
                let today = valid_date(&today)?;
                // ISO dates order as strings.
                let overdue: Vec<Item> = all_items()?
                    .into_iter()
                    .filter(|i| !i.done && i.due.as_deref().is_some_and(|d| d < today.as_str()))
                    .collect();
                reply::json(&overdue)
            }
            _ => Err(req.unknown_method()),
        }
    }

    fn view(_viewer: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        view::json(&Items { items: all_items()? })
    }

    fn migrate(from: u32) -> Result<(), Error> {
        match from {
            0 => {
                for (key, bytes) in state::scan_all(ITEM_PREFIX) {
                    let old: ItemV1 = serde_json::from_slice(&bytes)
                        .map_err(|e| Error::failed(format!("{key} is not a v1 item ({e}); leaving this list on v1")))?;
                    save(&Item { id: old.id, text: old.title, done: old.done, due: None })?;
                }
                Ok(())
            }
            2 => Ok(()),
            newer if newer > 2 => Err(Error::failed(format!("state schema {newer} is newer than this code's 2"))),
            other => Err(Error::failed(format!("state schema {other} is not one this code knows (0 or 2)"))),
        }
    }

    fn self_check() -> Result<(), String> {
        // The date check the migration and methods rely on.
        match (valid_date("2026-12-01"), valid_date("2026-13-01"), valid_date("tomorrow")) {
            (Ok(_), Err(_), Err(_)) => Ok(()),
            _ => Err("the date validation is broken".into()),
        }
    }
}

/// Every item, in id order (keys are zero-padded ids).
fn all_items() -> Result<Vec<Item>, Error> {
    Ok(state::scan_all_json(ITEM_PREFIX)?.into_iter().map(|(_, item)| item).collect())
}

fn key(id: u64) -> String {
    format!("{ITEM_PREFIX}{id:020}")
}

fn valid_text(text: &str) -> Result<String, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::bad_request("text must not be empty"));
    }
    Ok(text.to_owned())
}

/// A `YYYY-MM-DD` date with a month 1–12 and a day 1–31.
fn valid_date(date: &str) -> Result<String, Error> {
    let bad = || Error::bad_request(format!("due date {date:?} is not YYYY-MM-DD"));
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return Err(bad());
    }
    let (m, d): (u32, u32) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    Ok(date.to_owned())
}

fn load(id: u64) -> Result<Item, Error> {
    state::get_json(&key(id))?.ok_or_else(|| Error::failed(format!("no item {id}")))
}

fn save(item: &Item) -> Result<(), Error> {
    state::set_json(&key(item.id), item)
}

microlith_actor::export_actor!(Todo);
