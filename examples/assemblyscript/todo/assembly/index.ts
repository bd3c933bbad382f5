// `todo`: a to-do list, one per actor key (see examples/README.md).
//
// Items live under `item/{id:020}` as {"id": u64, "title": string, "done": bool};
// the next id (starting at 1) lives under `next-id`.
//
// | method       | payload                   | reply                 |
// |--------------|---------------------------|-----------------------|
// | `add`        | `{"title": s}`            | the new item          |
// | `list`       | ignored                   | array of items by id  |
// | `toggle`     | `{"id": n}`               | the updated item      |
// | `rename`     | `{"id": n, "title": s}`   | the updated item      |
// | `remove`     | `{"id": n}`               | `{"removed": bool}`   |
// | `clear-done` | ignored                   | `{"removed": count}`  |
//
// View (every viewer): `{"items": [item, ...]}` in id order.

import { Actor, ActorError, Json, JsonValue, Reply, Request, register, state } from "microlith";

const ITEM_PREFIX = "item/";
const NEXT_ID = "next-id";

class Item {
  constructor(public id: u64, public title: string, public done: bool) {}

  toJson(): JsonValue {
    return JsonValue.object()
      .set("id", JsonValue.u64(this.id))
      .set("title", JsonValue.string(this.title))
      .set("done", JsonValue.bool(this.done));
  }

  /** Decodes a stored item, or returns null if it is not one. */
  static fromJson(v: JsonValue): Item | null {
    const id = v.get("id");
    const title = v.get("title");
    const done = v.get("done");
    if (id == null || !id.isU64() || title == null || !title.isString || done == null || !done.isBool) return null;
    return new Item(id.toU64(), title.text, done.bool);
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

/** Every stored item, in id order; null (with `loadError`) if one is corrupt. */
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

/** Every stored item as a JSON array, in id order; null (with `loadError`) if one is corrupt. */
function allJson(): JsonValue | null {
  const items = all();
  if (items == null) return null;
  const out = JsonValue.array();
  for (let i = 0; i < items.length; i++) out.push(items[i].toJson());
  return out;
}

class Todo extends Actor {
  handle(req: Request): Reply {
    const m = req.method;
    if (m == "add") {
      const args = req.args();
      const title = args.string("title").trim();
      const bad = args.check();
      if (bad) return bad;
      if (title.length == 0) return Reply.badRequest("title must not be empty");
      const next = state.getJson(NEXT_ID);
      if (next != null && !next.isU64()) return Reply.failed("state value under \"next-id\" is not a u64");
      const id: u64 = next == null ? 1 : next.toU64();
      if (id == U64.MAX_VALUE) return Reply.failed("item ids exhausted");
      const item = new Item(id, title, false);
      let err = save(item);
      if (err) return Reply.error(err);
      err = state.setJson(NEXT_ID, JsonValue.u64(id + 1));
      if (err) return Reply.error(err);
      return Reply.json(item.toJson());
    }
    if (m == "list") {
      const items = allJson();
      if (items == null) return loadError!;
      return Reply.json(items);
    }
    if (m == "toggle" || m == "rename" || m == "remove") {
      const args = req.args();
      const id = args.u64("id");
      const title = m == "rename" ? args.string("title").trim() : "";
      const bad = args.check();
      if (bad) return bad;
      if (m == "remove") {
        const k = key(id);
        const removed = state.get(k) != null;
        state.remove(k);
        return Reply.json(JsonValue.object().set("removed", JsonValue.bool(removed)));
      }
      if (m == "rename" && title.length == 0) return Reply.badRequest("title must not be empty");
      const item = load(id);
      if (item == null) return loadError!;
      if (m == "toggle") item.done = !item.done;
      else item.title = title;
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
    return req.unknownMethod();
  }

  view(viewer: string | null): Reply {
    const items = allJson();
    if (items == null) return loadError!;
    return Reply.json(JsonValue.object().set("items", items));
  }
}

register(new Todo());
