//! `todo`: a to-do list, one per actor key.
//!
//! Items live under `item/{id:020}` as `{"id":u64,"title":String,"done":bool}`;
//! the next id (starting at 1) lives under `next-id`.
//!
//! | method       | payload                   | reply                 |
//! |--------------|---------------------------|-----------------------|
//! | `add`        | `{"title": s}`            | the new item          |
//! | `list`       | ignored                   | array of items by id  |
//! | `toggle`     | `{"id": n}`               | the updated item      |
//! | `rename`     | `{"id": n, "title": s}`   | the updated item      |
//! | `remove`     | `{"id": n}`               | `{"removed": bool}`   |
//! | `clear-done` | ignored                   | `{"removed": count}`  |
//!
//! View (every viewer): `{"items": [item, ...]}` in id order.

use microlith_actor::{Actor, Error, Request, reply, state, view};
use serde::{Deserialize, Serialize};

const ITEM_PREFIX: &str = "item/";
const NEXT_ID: &str = "next-id";

#[derive(Serialize, Deserialize)]
struct Item {
    id: u64,
    title: String,
    done: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Title {
    title: String,
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
    title: String,
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
    fn handle(req: Request) -> Result<Vec<u8>, Error> {
        match req.method() {
            "add" => {
                let Title { title } = req.json()?;
                let title = valid_title(&title)?;
                let id = state::get_json::<u64>(NEXT_ID)?.unwrap_or(1);
                let next = id.checked_add(1).ok_or_else(|| Error::failed("item ids exhausted"))?;
                let item = Item { id, title, done: false };
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
                let Rename { id, title } = req.json()?;
                let title = valid_title(&title)?;
                let mut item = load(id)?;
                item.title = title;
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
            _ => Err(req.unknown_method()),
        }
    }

    fn view(_viewer: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
        view::json(&Items { items: all_items()? })
    }
}

/// Every item, in id order (keys are zero-padded ids).
fn all_items() -> Result<Vec<Item>, Error> {
    Ok(state::scan_all_json(ITEM_PREFIX)?.into_iter().map(|(_, item)| item).collect())
}

fn key(id: u64) -> String {
    format!("{ITEM_PREFIX}{id:020}")
}

fn valid_title(title: &str) -> Result<String, Error> {
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::bad_request("title must not be empty"));
    }
    Ok(title.to_owned())
}

fn load(id: u64) -> Result<Item, Error> {
    state::get_json(&key(id))?.ok_or_else(|| Error::failed(format!("no item {id}")))
}

fn save(item: &Item) -> Result<(), Error> {
    state::set_json(&key(item.id), item)
}

microlith_actor::export_actor!(Todo);
