// `todo` version 2: the to-do list of `examples/js/todo` with due dates, and
// the migration of version 1's state; a port of the Rust `examples/todo-v2`
// with the same state layout, so it can be deployed over any language's
// `todo` while it runs.
//
// State schema 2 (`todo` v1 is schema 0): items live under `item/{id:020}`
// as `{"id": n, "text": s, "done": b, "due": "YYYY-MM-DD" | null}` (v1 called
// `text` `title` and had no `due`); the next id lives under `next-id`.
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
// View (every viewer): `{"items": [item, ...]}` in id order.
//
// Migration: from schema 0 (v1), every item's `title` becomes `text` and
// `due` is `null`; an item v1 could not have written (not an object with
// `id`, `title` and `done`) fails the migration, which leaves the actor on
// v1 with its state untouched. Another schema is refused.
import { defineActor, state, text, BadRequest, Failed } from 'microlith-actor';

const ITEM_PREFIX = 'item/';
const NEXT_ID = 'next-id';
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** @typedef {{ id: number, text: string, done: boolean, due: string | null }} Item */

/** @param {number} id */
function key(id) {
  return ITEM_PREFIX + String(id).padStart(20, '0');
}

/** An item in schema 2's layout (this field order, like the Rust port). */
function item(id, text, done, due) {
  return { id, text, done, due };
}

/** @param {string} t */
function validText(t) {
  const trimmed = t.trim();
  if (trimmed === '') throw new BadRequest('text must not be empty');
  return trimmed;
}

/** A `YYYY-MM-DD` date with a month 1-12 and a day 1-31. @param {string} date */
function validDate(date) {
  const m = DATE.exec(date);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[3]) < 1 || Number(m[3]) > 31) {
    throw new BadRequest(`due date ${JSON.stringify(date)} is not YYYY-MM-DD`);
  }
  return date;
}

/** @param {string | undefined} date */
function optionalDate(date) {
  return date === undefined ? null : validDate(date);
}

/** @returns {Item[]} every item, in id order (keys are zero-padded ids) */
function allItems() {
  return state.scanAllJson(ITEM_PREFIX).map((e) => e.value);
}

/** @param {number} id @returns {Item} */
function load(id) {
  const found = state.getJson(key(id));
  if (found === null) throw new Failed(`no item ${id}`);
  return found;
}

/** @param {Item} i */
function save(i) {
  state.setJson(key(i.id), i);
  return i;
}

/** The item `todo` v1 stored as `raw`; throws if v1 could not have written it. */
function v1Item(raw) {
  const old = JSON.parse(text(raw));
  if (old === null || typeof old !== 'object' || Array.isArray(old)) throw new Error('not an object');
  const { id, title, done } = old;
  if (!Number.isSafeInteger(id) || id < 0) throw new Error('`id` is not an unsigned integer');
  if (typeof title !== 'string') throw new Error('`title` is not a string');
  if (typeof done !== 'boolean') throw new Error('`done` is not a boolean');
  return item(id, title, done, null);
}

export default defineActor({
  schema: 2,

  add(req) {
    const { text: t, due } = req.json({ text: 'string', due: 'string?' });
    const i = item(state.getJson(NEXT_ID) ?? 1, validText(t), false, optionalDate(due));
    save(i);
    state.setJson(NEXT_ID, i.id + 1);
    return i;
  },

  list() {
    return allItems();
  },

  toggle(req) {
    const { id } = req.json({ id: 'uint' });
    const i = load(id);
    i.done = !i.done;
    return save(i);
  },

  rename(req) {
    const { id, text: t } = req.json({ id: 'uint', text: 'string' });
    const newText = validText(t);
    const i = load(id);
    i.text = newText;
    return save(i);
  },

  'set-due'(req) {
    const { id, due } = req.json({ id: 'uint', due: 'string?' });
    const newDue = optionalDate(due);
    const i = load(id);
    i.due = newDue;
    return save(i);
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

  overdue(req) {
    const today = validDate(req.json({ today: 'string' }).today);
    // ISO dates order as strings.
    return allItems().filter((i) => !i.done && i.due !== null && i.due < today);
  },

  view() {
    return { items: allItems() };
  },

  migrate(fromSchema) {
    if (fromSchema === 0) {
      for (const { key: k, value } of state.scanAll(ITEM_PREFIX)) {
        let migrated;
        try {
          migrated = v1Item(value);
        } catch (e) {
          throw new Failed(`${k} is not a v1 item (${e instanceof Error ? e.message : e}); leaving this list on v1`);
        }
        save(migrated);
      }
    } else if (fromSchema > 2) {
      throw new Failed(`state schema ${fromSchema} is newer than this code's 2`);
    } else if (fromSchema !== 2) {
      throw new Failed(`state schema ${fromSchema} is not one this code knows (0 or 2)`);
    }
  },

  selfCheck() {
    // The date check the migration and methods rely on.
    validDate('2026-12-01');
    for (const bad of ['2026-13-01', 'tomorrow']) {
      let refused = false;
      try {
        validDate(bad);
      } catch {
        refused = true;
      }
      if (!refused) throw new Failed('the date validation is broken');
    }
  },
});
