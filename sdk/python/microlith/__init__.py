"""Microlith actors in Python.

An actor class is a plain class decorated with `@actor`, in the project's
`app.py`. Each of its public methods handles the method of the same name,
with `_` written as `-` (`clear_done` handles `clear-done`); `@method("name")`
gives any other name. Names starting with `_` are not methods (helpers),
nor are the hooks the host calls:

* `on_alarm(self, name)` runs when an alarm fires;
* `view(self, viewer)` returns the live view for the principal `viewer`
  (None when anonymous) as a JSON-able value, or None for no view (the
  default); raising `Failed` refuses the viewer;
* `SCHEMA` (a class attribute, default 0) numbers the state layout, and
  `migrate(self, from_schema)` rewrites state written under another
  schema (default: accept older schemas as they are, refuse newer ones);
* `self_check(self)` vets a new version at deploy time: raising refuses
  the deploy with the message (default: passes).

A method takes `self` and at most one more parameter, the payload. Its
annotation says how the payload is decoded:

* a dataclass (or `Optional[...]` of one, or any type `payload.convert`
  knows): the JSON payload is checked strictly against it (unknown fields,
  wrong types, negative `U64`s are `BadRequest`); an empty payload is None;
* `bytes`: the raw payload;
* none or `Any`: the parsed JSON (None when empty).

The return value is the reply: bytes as they are, anything else as JSON
(dataclasses as objects). Raise `BadRequest`, `Failed` or `UnknownMethod`
to fail the turn (nothing commits); any other exception traps.

    from dataclasses import dataclass
    from microlith import actor, state, U64

    @dataclass
    class Incr:
        by: U64 = 1

    @actor
    class Counter:
        def incr(self, args: Incr | None):
            value = state.get_json("value", 0) + (args.by if args else 1)
            state.set_json("value", value)
            return {"value": value}

One instance of the class serves one actor; it may keep caches in fields,
but only `state` is durable.
"""

from . import actors, alarms, context, log, state
from .actors import CallError
from .context import ActorRef
from .errors import ActorError, BadRequest, Failed, UnknownMethod
from .payload import U64, decode, encode, parse
from ._dispatch import actor, method

__all__ = [
    "actor",
    "method",
    "actors",
    "alarms",
    "context",
    "log",
    "state",
    "ActorRef",
    "CallError",
    "ActorError",
    "BadRequest",
    "Failed",
    "UnknownMethod",
    "U64",
    "decode",
    "encode",
    "parse",
]
