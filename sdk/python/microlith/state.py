"""Transactional per-actor key-value state.

Keys are strings ordered by their UTF-8 bytes; values are bytes (a `str`
value is stored as UTF-8). Reads see the turn's own earlier writes; all
writes of a turn commit atomically when the method returns, and none of
them commit when it raises or traps. The `*_json` helpers store JSON.
"""

import json as _json
from typing import Any, List, Optional, Tuple, Union

from componentize_py_types import Err
from wit_world.imports import state as _host
from wit_world.imports import types as _types

from .errors import Failed

SCAN_PAGE = 256
"""Page size `scan_all` asks for. The host may cap it lower."""


def get(key: str) -> Optional[bytes]:
    """The value stored under `key`, or None."""
    return _host.get(key)


def set(key: str, value: Union[bytes, bytearray, str]) -> None:
    """Stores `value` under `key`. A refusal by the host (key or value too
    large, turn write budget spent) raises `Failed`."""
    data = value.encode() if isinstance(value, str) else bytes(value)
    try:
        _host.set(key, data)
    except Err as e:
        raise _refused(key, len(data), e.value) from None


def delete(key: str) -> None:
    """Removes `key`; removing a missing key is not an error."""
    _host.delete(key)


def scan(prefix: str, start_after: Optional[str] = None, limit: int = SCAN_PAGE) -> List[Tuple[str, bytes]]:
    """Up to `limit` (key, value) pairs whose keys start with `prefix`, in
    key order, after `start_after`. A short page does not mean the end;
    only an empty one does (`scan_all` pages for you)."""
    return [(e.key, e.value) for e in _host.scan(prefix, start_after, limit)]


def scan_all(prefix: str) -> List[Tuple[str, bytes]]:
    """Every (key, value) under `prefix`, in key order."""
    out: List[Tuple[str, bytes]] = []
    while True:
        page = scan(prefix, out[-1][0] if out else None, SCAN_PAGE)
        if not page:
            return out
        out.extend(page)


def get_json(key: str, default: Any = None) -> Any:
    """Reads `key` as JSON; `default` when unset. A stored value that is
    not JSON raises `Failed`."""
    raw = get(key)
    return default if raw is None else _decode(key, raw)


def set_json(key: str, value: Any) -> None:
    """Stores `value` under `key` as JSON."""
    try:
        text = _json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise Failed(f"cannot encode state value for key {key!r}: {e}") from None
    set(key, text.encode())


def scan_json(prefix: str, start_after: Optional[str] = None, limit: int = SCAN_PAGE) -> List[Tuple[str, Any]]:
    """Like `scan`, decoding each value as JSON."""
    return [(k, _decode(k, v)) for k, v in scan(prefix, start_after, limit)]


def scan_all_json(prefix: str) -> List[Tuple[str, Any]]:
    """Like `scan_all`, decoding each value as JSON."""
    return [(k, _decode(k, v)) for k, v in scan_all(prefix)]


def _decode(key: str, raw: bytes) -> Any:
    try:
        return _json.loads(raw)
    except ValueError as e:
        raise Failed(f"state value under key {key!r} is not JSON: {e}") from None


def _refused(key: str, size: int, e) -> Failed:
    if isinstance(e, _types.StateError_KeyTooLarge):
        return Failed(f"state key of {len(key.encode())} bytes exceeds the host limit of {e.value} bytes")
    if isinstance(e, _types.StateError_ValueTooLarge):
        return Failed(f"state value of {size} bytes for key {key!r} exceeds the host limit of {e.value} bytes")
    if isinstance(e, _types.StateError_TurnQuotaExceeded):
        return Failed(f"writing key {key!r} would exceed the turn's write budget of {e.value} bytes")
    return Failed(f"state write refused: {e!r}")
