"""Durable named timers. An alarm set in a turn exists once that turn
commits, survives restarts, and runs the actor's `on_alarm(name)` at or
after its time."""

from typing import Optional

from componentize_py_types import Err
from wit_world.imports import alarms as _host
from wit_world.imports import context as _context
from wit_world.imports import types as _types

from .errors import Failed


def _refused(name: str, e) -> Failed:
    if isinstance(e, _types.AlarmError_InvalidName):
        return Failed(f"alarm name {name!r} is empty or longer than {e.value} bytes")
    if isinstance(e, _types.AlarmError_TooMany):
        return Failed(f"the actor already has {e.value} alarms, the most allowed")
    return Failed(f"alarm {name!r} refused: {e!r}")


def set(name: str, at_ms: int) -> None:
    """Sets (or moves) alarm `name` to `at_ms` (ms since the Unix epoch).
    A refusal raises `Failed`."""
    try:
        _host.set_alarm(name, at_ms)
    except Err as e:
        raise _refused(name, e.value) from None


def set_in(name: str, delay_ms: int) -> int:
    """Sets alarm `name` to fire `delay_ms` after the turn's start time;
    returns the due time."""
    at = _context.turn_time() + delay_ms
    set(name, at)
    return at


def cancel(name: str) -> None:
    """Cancels alarm `name`; cancelling a missing alarm is not an error."""
    _host.cancel_alarm(name)


def get(name: str) -> Optional[int]:
    """When alarm `name` is due, if it is set."""
    return _host.get_alarm(name)
