"""`todo` version 2: the to-do list of `examples/python/todo` with due
dates, and the migration of version 1's state; a port of the Rust
`examples/todo-v2`, with the same state layout, so it can be deployed over
either language's `todo` while it runs.

State schema 2 (`todo` v1 is schema 0): items live under `item/{id:020}` as
`{"id": n, "text": s, "done": b, "due": "YYYY-MM-DD" | null}` (v1 called
`text` `title` and had no `due`); the next id lives under `next-id`, as in v1.

| method       | payload                          | reply                 |
|--------------|----------------------------------|-----------------------|
| `add`        | `{"text": s, "due"?: date}`      | the new item          |
| `list`       | ignored                          | array of items by id  |
| `toggle`     | `{"id": n}`                      | the updated item      |
| `rename`     | `{"id": n, "text": s}`           | the updated item      |
| `set-due`    | `{"id": n, "due": date or null}` | the updated item      |
| `remove`     | `{"id": n}`                      | `{"removed": bool}`   |
| `clear-done` | ignored                          | `{"removed": count}`  |
| `overdue`    | `{"today": date}`                | open items due before |

View (every viewer): `{"items": [item, ...]}` in id order.

Migration: from schema 0 (v1), every item's `title` becomes `text` and `due`
is `null`; an item v1 could not have written (not an object with `id`,
`title` and `done`) fails the migration, which leaves the actor on v1 with
its state untouched. A schema newer than 2 is refused.
"""

import json
from dataclasses import dataclass
from typing import Optional

from microlith import U64, BadRequest, Failed, actor, state

ITEM_PREFIX = "item/"
NEXT_ID = "next-id"
DIGITS = frozenset("0123456789")


@dataclass
class Add:
    text: str
    due: Optional[str] = None


@dataclass
class Id:
    id: U64


@dataclass
class Rename:
    id: U64
    text: str


@dataclass
class SetDue:
    id: U64
    due: Optional[str] = None


@dataclass
class Today:
    today: str


def key(id: int) -> str:
    return f"{ITEM_PREFIX}{id:020}"


def item(id: int, text: str, done: bool, due: Optional[str]) -> dict:
    """An item in schema 2's layout (this field order, like the Rust port)."""
    return {"id": id, "text": text, "done": done, "due": due}


def valid_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise BadRequest("text must not be empty")
    return text


def valid_date(date: str) -> str:
    """A `YYYY-MM-DD` date with a month 1-12 and a day 1-31."""
    parts = date.split("-")
    ok = len(parts) == 3 and all(
        len(p) == n and set(p) <= DIGITS for p, n in zip(parts, (4, 2, 2))
    )
    if not ok or not 1 <= int(parts[1]) <= 12 or not 1 <= int(parts[2]) <= 31:
        raise BadRequest(f"due date {json.dumps(date, ensure_ascii=False)} is not YYYY-MM-DD")
    return date


def optional_date(date: Optional[str]) -> Optional[str]:
    return None if date is None else valid_date(date)


def all_items() -> list:
    """Every item, in id order (keys are zero-padded ids)."""
    return [i for _, i in state.scan_all_json(ITEM_PREFIX)]


def load(id: int) -> dict:
    found = state.get_json(key(id))
    if found is None:
        raise Failed(f"no item {id}")
    return found


def save(i: dict) -> dict:
    state.set_json(key(i["id"]), i)
    return i


def v1_item(raw: bytes) -> dict:
    """The item `todo` v1 stored as `raw`; ValueError if v1 could not have
    written it."""
    old = json.loads(raw)
    if not isinstance(old, dict):
        raise ValueError("not an object")
    id, title, done = old.get("id"), old.get("title"), old.get("done")
    if type(id) is not int or not 0 <= id < 2**64:
        raise ValueError("`id` is not an unsigned 64-bit integer")
    if not isinstance(title, str):
        raise ValueError("`title` is not a string")
    if type(done) is not bool:
        raise ValueError("`done` is not a boolean")
    return item(id, title, done, None)


@actor
class Todo:
    SCHEMA = 2

    def add(self, args: Add):
        text = valid_text(args.text)
        due = optional_date(args.due)
        id = state.get_json(NEXT_ID, 1)
        if id + 1 >= 2**64:
            raise Failed("item ids exhausted")
        new = save(item(id, text, False, due))
        state.set_json(NEXT_ID, id + 1)
        return new

    def list(self):
        return all_items()

    def toggle(self, args: Id):
        i = load(args.id)
        i["done"] = not i["done"]
        return save(i)

    def rename(self, args: Rename):
        text = valid_text(args.text)
        i = load(args.id)
        i["text"] = text
        return save(i)

    def set_due(self, args: SetDue):
        due = optional_date(args.due)
        i = load(args.id)
        i["due"] = due
        return save(i)

    def remove(self, args: Id):
        removed = state.get(key(args.id)) is not None
        state.delete(key(args.id))
        return {"removed": removed}

    def clear_done(self):
        done = [k for k, i in state.scan_all_json(ITEM_PREFIX) if i["done"]]
        for k in done:
            state.delete(k)
        return {"removed": len(done)}

    def overdue(self, args: Today):
        today = valid_date(args.today)
        # ISO dates order as strings.
        return [i for i in all_items() if not i["done"] and i["due"] is not None and i["due"] < today]

    def view(self, viewer: Optional[str]):
        return {"items": all_items()}

    def migrate(self, from_schema: int):
        if from_schema == 0:
            for k, raw in state.scan_all(ITEM_PREFIX):
                try:
                    new = v1_item(raw)
                except (ValueError, UnicodeDecodeError) as e:
                    raise Failed(f"{k} is not a v1 item ({e}); leaving this list on v1") from None
                save(new)
        elif from_schema > 2:
            raise Failed(f"state schema {from_schema} is newer than this code's 2")
        elif from_schema != 2:
            raise Failed(f"state schema {from_schema} is not one this code knows (0 or 2)")

    def self_check(self):
        # The date check the migration and methods rely on.
        try:
            valid_date("2026-12-01")
        except BadRequest:
            raise Failed("the date validation is broken") from None
        for bad in ("2026-13-01", "tomorrow"):
            try:
                valid_date(bad)
            except BadRequest:
                continue
            raise Failed("the date validation is broken")
