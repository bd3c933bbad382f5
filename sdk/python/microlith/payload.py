"""JSON payloads: decoding (strictly, into dataclasses) and encoding.

An empty payload decodes as None. `decode(payload, T)` checks the JSON
against the type `T` and raises `BadRequest` when it does not fit:

* a dataclass: a JSON object with exactly its fields (unknown fields are
  rejected, fields with defaults may be left out);
* `int` (not bool, not 1.5), `U64` (an int in 0..2**64-1), `float` (int or
  float), `str`, `bool`, `None`;
* `Optional[T]` / `T | None`, `list[T]`, `dict[str, T]`, `Any`.
"""

import dataclasses
import json
import types
import typing
from typing import Any, NewType

from .errors import BadRequest, Failed

U64 = NewType("U64", int)
"""An unsigned 64-bit integer, like Rust's u64: negative numbers, numbers
past 2**64-1 and non-integers are bad requests."""


def parse(payload: bytes) -> Any:
    """The JSON value of `payload`; None when it is empty."""
    if not payload:
        return None
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest(f"payload is not JSON: {e}") from None


def decode(payload: bytes, tp: Any) -> Any:
    """`payload` parsed as JSON and checked against `tp`."""
    return convert(parse(payload), tp)


def encode(value: Any) -> bytes:
    """`value` as compact JSON bytes; bytes are returned as they are."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    except (TypeError, ValueError) as e:
        raise Failed(f"cannot encode the reply as JSON: {e}") from None


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp)


def convert(value: Any, tp: Any, path: str = "payload") -> Any:
    """Checks the JSON value `value` against `tp`, building dataclasses."""
    if tp is Any or tp is typing.Any:
        return value
    if tp is None or tp is type(None):
        if value is not None:
            raise BadRequest(f"{path}: expected null")
        return None
    if tp is U64:
        if type(value) is not int or not 0 <= value < 2**64:
            raise BadRequest(f"{path}: expected an unsigned 64-bit integer, got {json.dumps(value)}")
        return value
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return convert(value, arg, path)
            except BadRequest as e:
                errors.append(e.message)
        raise BadRequest("; ".join(errors) or f"{path}: unexpected value")
    if origin is list or tp is list:
        if not isinstance(value, list):
            raise BadRequest(f"{path}: expected an array")
        (item,) = typing.get_args(tp) or (Any,)
        return [convert(v, item, f"{path}[{i}]") for i, v in enumerate(value)]
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise BadRequest(f"{path}: expected an object")
        _, item = typing.get_args(tp) or (str, Any)
        return {k: convert(v, item, f"{path}.{k}") for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        return _dataclass(value, tp, path)
    if tp is bool:
        if type(value) is not bool:
            raise BadRequest(f"{path}: expected a boolean")
        return value
    if tp is int:
        if type(value) is not int:
            raise BadRequest(f"{path}: expected an integer, got {json.dumps(value)}")
        return value
    if tp is float:
        if type(value) not in (int, float):
            raise BadRequest(f"{path}: expected a number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise BadRequest(f"{path}: expected a string")
        return value
    raise TypeError(f"microlith.payload: unsupported type {_name(tp)} at {path}")


_HINTS: dict = {}


def _dataclass(value: Any, tp: type, path: str) -> Any:
    if not isinstance(value, dict):
        raise BadRequest(f"{path}: expected an object for {tp.__name__}")
    hints = _HINTS.get(tp)
    if hints is None:
        hints = _HINTS[tp] = typing.get_type_hints(tp)
    fields = {f.name: f for f in dataclasses.fields(tp) if f.init}
    unknown = [k for k in value if k not in fields]
    if unknown:
        raise BadRequest(f"{path}: unknown field {unknown[0]!r}")
    kwargs = {}
    for name, f in fields.items():
        if name in value:
            kwargs[name] = convert(value[name], hints[name], f"{path}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise BadRequest(f"{path}: missing field {name!r}")
    return tp(**kwargs)
