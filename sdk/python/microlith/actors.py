"""Calls and one-way messages to other actors, in the same process.

`call` waits for the target's reply; the target runs the message as a turn
of its own and commits on its own. `send` records a message that is
delivered only if (and once) the current turn commits.

A target is an `ActorRef` or a `(class, key)` tuple.

A `CallError` that escapes a method fails the turn: as `bad-request` when
the callee rejected the payload, as `failed` otherwise.
"""

import json as _json
from typing import Any, List, Optional, Tuple, Union

from componentize_py_types import Err
from wit_world.imports import actors as _host
from wit_world.imports import types as _types

from .context import ActorRef
from .errors import Failed

Target = Union[ActorRef, Tuple[str, str]]

_KINDS = {
    _types.CallError_UnknownClass: "unknown-class",
    _types.CallError_UnknownMethod: "unknown-method",
    _types.CallError_BadRequest: "bad-request",
    _types.CallError_Failed: "failed",
    _types.CallError_Trapped: "trapped",
    _types.CallError_Cycle: "cycle",
    _types.CallError_Timeout: "timeout",
    _types.CallError_Unavailable: "unavailable",
    _types.CallError_Invalid: "invalid",
}


class CallError(Exception):
    """Why a call or send failed. `kind` is the WIT `call-error` case name
    (`unknown-class`, `unknown-method`, `bad-request`, `failed`, `trapped`,
    `cycle`, `timeout`, `unavailable`, `invalid`); `detail` its value: a
    message, the timeout in ms, or for `cycle` the list of `ActorRef`s."""

    def __init__(self, kind: str, detail: Any):
        self.kind = kind
        self.detail = detail
        super().__init__(f"{kind}: {detail}")


def _error(e: Any) -> CallError:
    kind = _KINDS.get(type(e), "invalid")
    detail = getattr(e, "value", e)
    if kind == "cycle":
        detail = [ActorRef(a.class_, a.key) for a in detail]
    return CallError(kind, detail)


def _ref(target: Target) -> _types.ActorRef:
    if isinstance(target, ActorRef):
        return _types.ActorRef(target.class_, target.key)
    class_, key = target
    return _types.ActorRef(class_, key)


def _encode(arg: Any) -> bytes:
    if arg is None:
        return b""
    try:
        return _json.dumps(arg, separators=(",", ":"), ensure_ascii=False).encode()
    except (TypeError, ValueError) as e:
        raise Failed(f"cannot encode payload: {e}") from None


def call(target: Target, method: str, payload: bytes = b"", timeout_ms: Optional[int] = None) -> bytes:
    """Calls `method` on `target` with raw payload bytes and waits for the
    reply (up to `timeout_ms`, default the host's call timeout). Raises
    `CallError`."""
    try:
        return _host.call(_ref(target), method, bytes(payload), timeout_ms)
    except Err as e:
        raise _error(e.value) from None


def call_json(target: Target, method: str, arg: Any = None, timeout_ms: Optional[int] = None) -> Any:
    """Calls with `arg` as JSON (None → empty payload) and decodes the JSON
    reply (empty → None). Raises `CallError`, or `Failed` for a reply that
    is not JSON."""
    reply = call(target, method, _encode(arg), timeout_ms)
    if not reply:
        return None
    try:
        return _json.loads(reply)
    except ValueError as e:
        raise Failed(f"invalid reply from {_ref(target).class_} `{method}`: {e}") from None


def send(target: Target, method: str, payload: bytes = b"") -> None:
    """Sends `method(payload)` to `target` once this turn commits; does not
    wait. Raises `CallError` only for refusals known at once."""
    try:
        _host.send(_ref(target), method, bytes(payload))
    except Err as e:
        raise _error(e.value) from None


def send_json(target: Target, method: str, arg: Any = None) -> None:
    """`send` with `arg` as JSON (None → empty payload)."""
    send(target, method, _encode(arg))
