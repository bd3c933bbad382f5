"""`conformance`: the Python implementation of the actor every guest
language implements for the conformance suite (conformance/README.md)."""

from dataclasses import dataclass
from typing import Any

from microlith import (
    U64,
    BadRequest,
    CallError,
    Failed,
    actor,
    actors,
    alarms,
    context,
    log,
    state,
)


@dataclass
class Key:
    key: str


@dataclass
class KeyValue:
    key: str
    value: str


@dataclass
class Prefix:
    prefix: str


@dataclass
class Message:
    message: str


@dataclass
class Target:
    class_: str
    key: str
    method: str
    payload: Any = None


@dataclass
class Alarm:
    name: str
    in_ms: U64


@dataclass
class Name:
    name: str


def target(raw: Any) -> Target:
    """`Target` from the JSON payload (`class` is a keyword in Python)."""
    if not isinstance(raw, dict) or not all(isinstance(raw.get(f), str) for f in ("class", "key", "method")):
        raise BadRequest("expected {class, key, method, payload}")
    return Target(raw["class"], raw["key"], raw["method"], raw.get("payload"))


OK = {"ok": True}


@actor
class Conformance:
    def set(self, kv: KeyValue):
        state.set(kv.key, kv.value)
        return OK

    def get(self, k: Key):
        value = state.get(k.key)
        return {"value": None if value is None else value.decode(errors="replace")}

    def delete(self, k: Key):
        state.delete(k.key)
        return OK

    def scan(self, p: Prefix):
        return [{"key": k, "value": v.decode(errors="replace")} for k, v in state.scan_all(p.prefix)]

    def set_then_fail(self, kv: KeyValue):
        state.set(kv.key, kv.value)
        raise Failed("failing after a write")

    def fail(self, m: Message):
        raise Failed(m.message)

    def bad(self):
        raise BadRequest("this method always rejects its input")

    def trap(self):
        # Any exception other than the SDK's turn errors traps the instance.
        raise RuntimeError("trap requested")

    def spin(self):
        n = 0
        while True:
            n += 1

    def alloc(self):
        kept = []
        while True:
            chunk = bytearray(1 << 20)
            for i in range(0, len(chunk), 4096):
                chunk[i] = 1
            kept.append(chunk)

    def echo(self, payload: bytes):
        return payload

    def whoami(self):
        me = context.self_ref()
        return {"class": me.class_, "key": me.key, "caller": context.caller()}

    def call(self, raw):
        t = target(raw)
        payload = b"" if t.payload is None else actors_json(t.payload)
        try:
            reply = actors.call((t.class_, t.key), t.method, payload)
        except CallError as e:
            return {"error": e.kind}
        return {"ok": parse_or_none(reply)}

    def send(self, raw):
        t = target(raw)
        payload = b"" if t.payload is None else actors_json(t.payload)
        actors.send((t.class_, t.key), t.method, payload)
        return OK

    def set_alarm(self, a: Alarm):
        return {"due": alarms.set_in(a.name, a.in_ms)}

    def fired(self, n: Name):
        return {"count": state.get_json(f"fired/{n.name}", 0)}

    def log(self, m: Message):
        log.info(m.message)
        return OK

    def ambient(self):
        """Tries the ambient authority a guest must not have."""
        import os

        try:
            with open("/etc/passwd", "rb") as f:
                file = f.read(80).decode(errors="replace")
        except OSError:
            file = "denied"
        env = sorted(os.environ.keys())
        try:
            import socket

            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.settimeout(1.0)
                s.connect(("127.0.0.1", 7070))
                sock = "connected to 127.0.0.1:7070"
            finally:
                s.close()
        except (OSError, ImportError, AttributeError, NotImplementedError):
            sock = "denied"
        return {"wasi": True, "file": file, "env": env, "socket": sock}

    def on_alarm(self, name: str):
        key = f"fired/{name}"
        state.set_json(key, state.get_json(key, 0) + 1)

    def view(self, viewer):
        if viewer == "refused":
            raise Failed("viewer refused")
        if viewer == "trap":
            raise RuntimeError("a view that traps")
        shown = state.get("shown")
        return {"viewer": viewer, "shown": None if shown is None else shown.decode(errors="replace")}


def actors_json(value: Any) -> bytes:
    import json

    return json.dumps(value, separators=(",", ":")).encode()


def parse_or_none(reply: bytes) -> Any:
    import json

    try:
        return json.loads(reply)
    except ValueError:
        return None
