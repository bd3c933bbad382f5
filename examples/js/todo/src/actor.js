// `todo`: a to-do list, one per actor key (examples/README.md).
//
// Items live under `item/{id:020}` as `{"id": n, "title": s, "done": b}`;
// the next id (starting at 1) lives under `next-id`.
//
// | method       | payload                 | reply                |
// |--------------|-------------------------|----------------------|
// | `add`        | `{"title": s}`          | the new item         |
// | `list`       | ignored                 | array of items by id |
// | `toggle`     | `{"id": n}`             | the updated item     |
// | `rename`     | `{"id": n, "title": s}` | the updated item     |
// | `remove`     | `{"id": n}`             | `{"removed": bool}`  |
// | `clear-done` | ignored                 | `{"removed": count}` |
//
// View (every viewer): `{"items": [item, ...]}` in id order.
import { defineActor, state, BadRequest, Failed } from 'microlith-actor';

const ITEM_PREFIX = 'item/';
const NEXT_ID = 'next-id';

/** @typedef {{ id: number, title: string, done: boolean }} Item */

/** @param {number} id */
function key(id) {
  return ITEM_PREFIX + String(id).padStart(20, '0');
}

/** @param {string} title */
function validTitle(title) {
  const trimmed = title.trim();
  if (trimmed === '') throw new BadRequest('title must not be empty');
  return trimmed;
}

/**
 * @param {number} id
 * @returns {Item}
 */
function load(id) {
  const item = state.getJson(key(id));
  if (item === null) throw new Failed(`no item ${id}`);
  return item;
}

/**
 * Every item, in id order (keys are zero-padded ids).
 * @returns {Item[]}
 */
function allItems() {
  return state.scanAllJson(ITEM_PREFIX).map((e) => e.value);
}

/** @param {Item} item */
function save(item) {
  state.setJson(key(item.id), item);
}

export default defineActor({
  add(req) {
    const { title } = req.json({ title: 'string' });
    const item = { id: state.getJson(NEXT_ID) ?? 1, title: validTitle(title), done: false };
    save(item);
    state.setJson(NEXT_ID, item.id + 1);
    return item;
  },

  list() {
    return allItems();
  },

  toggle(req) {
    const { id } = req.json({ id: 'uint' });
    const item = load(id);
    item.done = !item.done;
    save(item);
    return item;
  },

  rename(req) {
    const { id, title } = req.json({ id: 'uint', title: 'string' });
    const newTitle = validTitle(title);
    const item = load(id);
    item.title = newTitle;
    save(item);
    return item;
  },

  remove(req) {
    const { id } = req.json({ id: 'uint' });
    const k = key(id);
    const removed = state.get(k) !== null;
    state.delete(k);
    return { removed };
  },

  'clear-done'() {
    const done = state.scanAllJson(ITEM_PREFIX).filter((e) => e.value.done);
    for (const e of done) state.delete(e.key);
    return { removed: done.length };
  },

  view() {
    return { items: allItems() };
  },
});
