"""Facts about the current turn."""

from dataclasses import dataclass
from typing import Optional

from wit_world.imports import context as _host


@dataclass(frozen=True)
class ActorRef:
    """The address of an actor: its class (service name) and key."""

    class_: str
    key: str

    def __str__(self) -> str:
        return f"{self.class_}/{self.key}"


def self_ref() -> ActorRef:
    """The actor this instance serves."""
    r = _host.self_ref()
    return ActorRef(r.class_, r.key)


def caller() -> Optional[str]:
    """The principal that sent the current message, if known."""
    return _host.caller()


def caller_actor() -> Optional[ActorRef]:
    """The actor that sent the current message, when it came from another
    actor (by `call` or `send`) rather than from a client or an alarm."""
    r = _host.caller_actor()
    return None if r is None else ActorRef(r.class_, r.key)


def turn_time() -> int:
    """The turn's start time in milliseconds since the Unix epoch (constant
    during a turn). Use this rather than a clock."""
    return _host.turn_time()
