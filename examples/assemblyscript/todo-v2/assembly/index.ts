// `todo` version 2: the to-do list of examples/assemblyscript/todo with due
// dates, and the migration of version 1's state; a port of
// examples/js/todo-v2 (itself a port of the Rust examples/todo-v2) with the
// same state layout, so it can be deployed over any language's `todo` while
// it runs.
//
// State schema 2 (`todo` v1 is schema 0): items live under `item/{id:020}`
// as {"id": u64, "text": string, "done": bool, "due": "YYYY-MM-DD" | null}
// (v1 called `text` `title` and had no `due`); the next id (starting at 1)
// lives under `next-id`, as in v1.
//
// | method       | payload                          | reply                 |
// |--------------|----------------------------------|-----------------------|
// | `add`        | `{"text": s, "due"?: date}`      | the new item          |
// | `list`       | ignored                          | array of items by id  |
// | `toggle`     | `{"id": n}`                      | the updated item      |
// | `rename`     | `{"id": n, "text": s}`           | the updated item      |
// | `set-due`    | `{"id": n, "due": date or null}` | the updated item      |
// | `remove`     | `{"id": n}`                      | `{"removed": bool}`   |
// | `clear-done` | ignored                          | `{"removed": count}`  |
// | `overdue`    | `{"today": date}`                | open items due before |
//
// A date is YYYY-MM-DD with a month 1-12 and a day 1-31. A `due` that is
// null or absent is no due date (as the JS SDK reads a 'string?' field).
// Texts are trimmed as JavaScript's `trim` does (AssemblyScript's is the
// same); an empty one is a bad request.
//
// View (every viewer): `{"items": [item, ...]}` in id order.
//
// Migration: from schema 0 (v1), every item's `title` becomes `text` and
// `due` is null; an item v1 could not have written (not an object with
// `id`, `title` and `done`) fails the migration, which leaves the actor on
// v1 with its state untouched. Another schema is refused.

import { Actor, ActorError, Args, Json, JsonValue, Reply, Request, register, state } from "microlith";

const SCHEMA: u32 = 2;
const ITEM_PREFIX = "item/";
const NEXT_ID = "next-id";

class Item {
  constructor(public id: u64, public text: string, public done: bool, public due: string | null) {}

  /** Schema 2's layout, in this field order (like the Rust, JS and C ports). */
  toJson(): JsonValue {
    return JsonValue.object()
      .set("id", JsonValue.u64(this.id))
      .set("text", JsonValue.string(this.text))
      .set("done", JsonValue.bool(this.done))
      .set("due", JsonValue.stringOrNull(this.due));
  }

  /** Decodes a stored item (a missing `due` reads as null), or returns null if it is not one. */
  static fromJson(v: JsonValue): Item | null {
    const id = v.get("id");
    const text = v.get("text");
    const done = v.get("done");
    const due = v.get("due");
    if (id == null || !id.isU64() || text == null || !text.isString || done == null || !done.isBool) return null;
    if (due != null && !due.isNull && !due.isString) return null;
    return new Item(id.toU64(), text.text, done.bool, due != null && due.isString ? due.text : null);
  }
}

function key(id: u64): string {
  return ITEM_PREFIX + id.toString().padStart(20, "0");
}

// The outcome of loading an item: the item, or the error reply.
let loadError: Reply | null = null;

function load(id: u64): Item | null {
  loadError = null;
  const v = state.getJson(key(id));
  if (v == null) {
    loadError = Reply.failed("no item " + id.toString());
    return null;
  }
  const item = Item.fromJson(v);
  if (item == null) loadError = Reply.failed("state value under key \"" + key(id) + "\" is not an item");
  return item;
}

function save(item: Item): ActorError | null {
  return state.setJson(key(item.id), item.toJson());
}

/** Every stored item, in id order (keys are zero-padded ids); null (with `loadError`) if one is corrupt. */
function all(): Item[] | null {
  loadError = null;
  const entries = state.scanAll(ITEM_PREFIX);
  const items: Item[] = [];
  for (let i = 0; i < entries.length; i++) {
    const item = Item.fromJson(Json.parseBytes(entries[i].value));
    if (item == null) {
      loadError = Reply.failed("state value under key \"" + entries[i].key + "\" is not an item");
      return null;
    }
    items.push(item);
  }
  return items;
}

/** `items` as a JSON array. */
function toJsonArray(items: Item[]): JsonValue {
  const out = JsonValue.array();
  for (let i = 0; i < items.length; i++) out.push(items[i].toJson());
  return out;
}

const HEX = "0123456789abcdef";

/** `s` as JavaScript's `JSON.stringify` writes a string (for messages). */
function jsString(s: string): string {
  let out = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x08) out += "\\b";
    else if (c == 0x0c) out += "\\f";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else if (c < 0x20) out += "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
    else if (c >= 0xd800 && c <= 0xdfff) {
      // A surrogate pair stays as it is; a lone surrogate is escaped.
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s.substring(i, i + 2);
        i++;
      } else {
        out += "\\u" + HEX.charAt(c >> 12) + HEX.charAt((c >> 8) & 15) + HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15);
      }
    } else out += String.fromCharCode(c);
  }
  return out + "\"";
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

/** Null if `date` is YYYY-MM-DD with a month 1-12 and a day 1-31; else the bad-request reply. */
function dateError(date: string): Reply | null {
  let ok = date.length == 10 && date.charCodeAt(4) == 0x2d && date.charCodeAt(7) == 0x2d;
  for (let i = 0; ok && i < 10; i++) ok = i == 4 || i == 7 || isDigit(date.charCodeAt(i));
  if (ok) {
    const month = (date.charCodeAt(5) - 0x30) * 10 + (date.charCodeAt(6) - 0x30);
    const day = (date.charCodeAt(8) - 0x30) * 10 + (date.charCodeAt(9) - 0x30);
    ok = month >= 1 && month <= 12 && day >= 1 && day <= 31;
  }
  if (ok) return null;
  return Reply.badRequest("due date " + jsString(date) + " is not YYYY-MM-DD");
}

/** A payload's optional string field: null when absent or null, else it must be a string. */
function optionalString(args: Args, name: string): string | null {
  return args.has(name) ? args.string(name) : null;
}

/** Null if `due` is none or a valid date; else the bad-request reply. */
function dueError(due: string | null): Reply | null {
  return due == null ? null : dateError(due);
}

// The outcome of reading a v1 item: the item, or why it is not one.
let v1Why = "";

/** The item `todo` v1 stored as `raw` (its title as the text, no due), or
 * null (with `v1Why`) if v1 could not have written it. */
function v1Item(raw: Uint8Array): Item | null {
  const v = Json.parseBytes(raw);
  if (v.isInvalid) {
    v1Why = v.error;
    return null;
  }
  if (!v.isObject) {
    v1Why = "not an object";
    return null;
  }
  const id = v.get("id");
  const title = v.get("title");
  const done = v.get("done");
  if (id == null || !id.isU64()) {
    v1Why = "`id` is not an unsigned integer";
    return null;
  }
  if (title == null || !title.isString) {
    v1Why = "`title` is not a string";
    return null;
  }
  if (done == null || !done.isBool) {
    v1Why = "`done` is not a boolean";
    return null;
  }
  return new Item(id.toU64(), title.text, done.bool, null);
}

class TodoV2 extends Actor {
  handle(req: Request): Reply {
    const m = req.method;
    if (m == "add") {
      const args = req.args();
      const text = args.string("text").trim();
      const due = optionalString(args, "due");
      const bad = args.check();
      if (bad) return bad;
      if (text.length == 0) return Reply.badRequest("text must not be empty");
      const badDue = dueError(due);
      if (badDue) return badDue;
      const next = state.getJson(NEXT_ID);
      if (next != null && !next.isU64()) return Reply.failed("state value under \"next-id\" is not a u64");
      const id: u64 = next == null ? 1 : next.toU64();
      if (id == U64.MAX_VALUE) return Reply.failed("item ids exhausted");
      const item = new Item(id, text, false, due);
      let err = save(item);
      if (err) return Reply.error(err);
      err = state.setJson(NEXT_ID, JsonValue.u64(id + 1));
      if (err) return Reply.error(err);
      return Reply.json(item.toJson());
    }
    if (m == "list") {
      const items = all();
      if (items == null) return loadError!;
      return Reply.json(toJsonArray(items));
    }
    if (m == "toggle" || m == "rename" || m == "set-due" || m == "remove") {
      const args = req.args();
      const id = args.u64("id");
      const text = m == "rename" ? args.string("text").trim() : "";
      const due = m == "set-due" ? optionalString(args, "due") : null;
      const bad = args.check();
      if (bad) return bad;
      if (m == "remove") {
        const k = key(id);
        const removed = state.get(k) != null;
        state.remove(k);
        return Reply.json(JsonValue.object().set("removed", JsonValue.bool(removed)));
      }
      if (m == "rename" && text.length == 0) return Reply.badRequest("text must not be empty");
      const badDue = dueError(due);
      if (badDue) return badDue;
      const item = load(id);
      if (item == null) return loadError!;
      if (m == "toggle") item.done = !item.done;
      else if (m == "rename") item.text = text;
      else item.due = due;
      const err = save(item);
      if (err) return Reply.error(err);
      return Reply.json(item.toJson());
    }
    if (m == "clear-done") {
      const items = all();
      if (items == null) return loadError!;
      let removed: u64 = 0;
      for (let i = 0; i < items.length; i++) {
        if (!items[i].done) continue;
        state.remove(key(items[i].id));
        removed++;
      }
      return Reply.json(JsonValue.object().set("removed", JsonValue.u64(removed)));
    }
    if (m == "overdue") {
      const args = req.args();
      const today = args.string("today");
      const bad = args.check();
      if (bad) return bad;
      const badToday = dateError(today);
      if (badToday) return badToday;
      const items = all();
      if (items == null) return loadError!;
      const out = JsonValue.array();
      for (let i = 0; i < items.length; i++) {
        const due = items[i].due;
        // ISO dates order as strings.
        if (!items[i].done && due != null && due < today) out.push(items[i].toJson());
      }
      return Reply.json(out);
    }
    return req.unknownMethod();
  }

  view(viewer: string | null): Reply {
    const items = all();
    if (items == null) return loadError!;
    return Reply.json(JsonValue.object().set("items", toJsonArray(items)));
  }

  // ---- upgrades ------------------------------------------------------------

  schema(): u32 {
    return SCHEMA;
  }

  migrate(oldSchema: u32): Reply {
    if (oldSchema == SCHEMA) return Reply.empty();
    if (oldSchema > SCHEMA) {
      return Reply.failed(
        "state schema " + oldSchema.toString() + " is newer than this code's " + SCHEMA.toString(),
      );
    }
    if (oldSchema != 0) {
      return Reply.failed(
        "state schema " + oldSchema.toString() + " is not one this code knows (0 or " + SCHEMA.toString() + ")",
      );
    }
    // Read (and check) every v1 item first (`scanAll` has read them all
    // when it returns), then write them all in schema 2's layout, each
    // under the key of its own id (where `save` puts it).
    const entries = state.scanAll(ITEM_PREFIX);
    const items: Item[] = [];
    for (let i = 0; i < entries.length; i++) {
      const item = v1Item(entries[i].value);
      if (item == null) {
        return Reply.failed(entries[i].key + " is not a v1 item (" + v1Why + "); leaving this list on v1");
      }
      items.push(item);
    }
    for (let i = 0; i < items.length; i++) {
      const err = save(items[i]);
      if (err) return Reply.error(err);
    }
    return Reply.empty();
  }

  selfCheck(): Reply {
    // The date check the migration and methods rely on.
    const ok = dateError("2026-12-01") == null && dateError("2026-13-01") != null && dateError("tomorrow") != null;
    if (!ok) return Reply.failed("the date validation is broken");
    return Reply.empty();
  }
}

register(new TodoV2());
