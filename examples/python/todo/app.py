"""`todo`: a to-do list, one per actor key (see examples/README.md).

Items live under `item/{id:020}` as `{"id": n, "title": s, "done": b}`; the
next id (starting at 1) lives under `next-id`.

| method       | payload                 | reply                |
|--------------|-------------------------|----------------------|
| `add`        | `{"title": s}`          | the new item         |
| `list`       | ignored                 | array of items by id |
| `toggle`     | `{"id": n}`             | the updated item     |
| `rename`     | `{"id": n, "title": s}` | the updated item     |
| `remove`     | `{"id": n}`             | `{"removed": bool}`  |
| `clear-done` | ignored                 | `{"removed": count}` |

View (every viewer): `{"items": [item, ...]}` in id order.

State schema 0 (the default `SCHEMA`): `todo-v2` migrates from it.
"""

from dataclasses import dataclass
from typing import Optional

from microlith import U64, BadRequest, Failed, actor, state

ITEM_PREFIX = "item/"
NEXT_ID = "next-id"


@dataclass
class Title:
    title: str


@dataclass
class Id:
    id: U64


@dataclass
class Rename:
    id: U64
    title: str


def key(id: int) -> str:
    return f"{ITEM_PREFIX}{id:020}"


def valid_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise BadRequest("title must not be empty")
    return title


def load(id: int) -> dict:
    item = state.get_json(key(id))
    if item is None:
        raise Failed(f"no item {id}")
    return item


def all_items() -> list:
    """Every item, in id order (keys are zero-padded ids)."""
    return [item for _, item in state.scan_all_json(ITEM_PREFIX)]


def save(item: dict) -> dict:
    state.set_json(key(item["id"]), item)
    return item


@actor
class Todo:
    def add(self, args: Title):
        title = valid_title(args.title)
        id = state.get_json(NEXT_ID, 1)
        if id + 1 >= 2**64:
            raise Failed("item ids exhausted")
        state.set_json(NEXT_ID, id + 1)
        return save({"id": id, "title": title, "done": False})

    def list(self):
        return all_items()

    def toggle(self, args: Id):
        item = load(args.id)
        item["done"] = not item["done"]
        return save(item)

    def rename(self, args: Rename):
        title = valid_title(args.title)
        item = load(args.id)
        item["title"] = title
        return save(item)

    def remove(self, args: Id):
        removed = state.get(key(args.id)) is not None
        state.delete(key(args.id))
        return {"removed": removed}

    def clear_done(self):
        done = [k for k, item in state.scan_all_json(ITEM_PREFIX) if item["done"]]
        for k in done:
            state.delete(k)
        return {"removed": len(done)}

    def view(self, viewer: Optional[str]):
        return {"items": all_items()}
