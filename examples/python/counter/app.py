"""`counter`: a durable counter, one per actor key (see examples/README.md).

| method  | payload              | reply          |
|---------|----------------------|----------------|
| `incr`  | empty or `{"by": n}` | `{"value": n}` |
| `get`   | ignored              | `{"value": n}` |
| `reset` | ignored              | `{"value": 0}` |
"""

from dataclasses import dataclass
from typing import Optional

from microlith import U64, Failed, actor, state

KEY = "value"


@dataclass
class Incr:
    by: U64 = 1


@actor
class Counter:
    def incr(self, args: Optional[Incr]):
        value = state.get_json(KEY, 0) + (args.by if args else 1)
        if value >= 2**64:
            raise Failed("counter would overflow u64")
        state.set_json(KEY, value)
        return {"value": value}

    def get(self):
        return {"value": state.get_json(KEY, 0)}

    def reset(self):
        state.delete(KEY)
        return {"value": 0}
