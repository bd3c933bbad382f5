"""Native tests of the SDK's payload decoding and dispatch, with the host
imports replaced by an in-memory fake. Run by `scripts/lang/python.sh check`:

    PYTHONPATH=sdk/python:sdk/python/bindings python3 -m unittest discover -s sdk/python/tests
"""

import unittest
from dataclasses import dataclass
from typing import Any, Optional

from componentize_py_types import Err
from wit_world.imports import state as host_state
from wit_world.imports import types

import microlith
from microlith import U64, BadRequest, Failed, decode, encode, state
from microlith import _dispatch

STORE: dict = {}


def _set(key: str, value: bytes) -> None:
    if len(key) > 10:
        raise Err(types.StateError_KeyTooLarge(10))
    STORE[key] = value


host_state.get = STORE.get
host_state.set = _set
host_state.delete = lambda key: STORE.pop(key, None)
host_state.scan = lambda prefix, after, limit: [
    host_state.Entry(k, STORE[k]) for k in sorted(STORE) if k.startswith(prefix) and (after is None or k > after)
][:limit]


@dataclass
class Incr:
    by: U64 = 1


@dataclass
class Item:
    id: int
    title: str
    tags: Optional[list[str]] = None


class PayloadTest(unittest.TestCase):
    def test_strict_dataclasses(self) -> None:
        self.assertEqual(decode(b'{"by": 5}', Incr), Incr(5))
        self.assertEqual(decode(b"{}", Incr), Incr(1))
        self.assertIsNone(decode(b"", Optional[Incr]))
        self.assertEqual(decode(b'{"id": 1, "title": "t", "tags": ["a"]}', Item), Item(1, "t", ["a"]))
        for bad in [b'{"by": "two"}', b'{"by": -1}', b'{"by": 1.5}', b'{"by": true}', b"[1]",
                    b'{"by": 1, "extra": true}', b'{"by": 18446744073709551616}', b"{", b"\xff"]:
            with self.assertRaises(BadRequest, msg=bad):
                decode(bad, Optional[Incr])
        with self.assertRaises(BadRequest):
            decode(b'{"title": "t"}', Item)
        with self.assertRaises(BadRequest):
            decode(b'{"id": 1, "title": "t", "tags": [1]}', Item)

    def test_encode(self) -> None:
        self.assertEqual(encode({"a": "ü"}), '{"a":"ü"}'.encode())
        self.assertEqual(encode(b"\x00raw"), b"\x00raw")
        self.assertEqual(encode(Incr(3)), b'{"by":3}')
        with self.assertRaises(Failed):
            encode(object())


class DispatchTest(unittest.TestCase):
    def setUp(self) -> None:
        STORE.clear()
        _dispatch.WitWorld._instance = None
        _dispatch._actor = None

        @microlith.actor
        class Demo:
            def incr(self, args: Optional[Incr]) -> Any:
                value = state.get_json("n", 0) + (args.by if args else 1)
                state.set_json("n", value)
                return {"value": value}

            def clear_done(self) -> Any:
                return "cleared"

            @microlith.method("raw.echo")
            def echo(self, payload: bytes) -> bytes:
                return payload

            def anything(self, value):
                return value

            def long_key(self):
                state.set("a-very-long-key", b"x")

            def crash(self):
                raise KeyError("bug")

            def _helper(self):
                raise AssertionError("not a method")

        self.world = _dispatch.WitWorld()

    def call(self, method: str, payload: bytes = b"") -> Any:
        try:
            return self.world.handle(method, payload)
        except Err as e:
            return e.value

    def test_methods(self) -> None:
        self.assertEqual(self.call("incr"), b'{"value":1}')
        self.assertEqual(self.call("incr", b'{"by":41}'), b'{"value":42}')
        self.assertEqual(self.call("clear-done"), b'"cleared"')
        self.assertEqual(self.call("raw.echo", b"\x00x"), b"\x00x")
        self.assertEqual(self.call("anything"), b"null")
        self.assertEqual(self.call("anything", b"[1,2]"), b"[1,2]")
        self.assertEqual(sorted(STORE), ["n"])

    def test_errors(self) -> None:
        self.assertIsInstance(self.call("incr", b'{"by":-1}'), types.HandleError_BadRequest)
        self.assertIsInstance(self.call("_helper"), types.HandleError_UnknownMethod)
        self.assertIsInstance(self.call("echo"), types.HandleError_UnknownMethod)
        self.assertIsInstance(self.call("clear_done"), types.HandleError_UnknownMethod)
        failed = self.call("long-key")
        self.assertIsInstance(failed, types.HandleError_Failed)
        self.assertIn("limit of 10 bytes", failed.value)
        with self.assertRaises(KeyError):  # traps in the component
            self.world.handle("crash", b"")
        self.world.on_alarm("none")  # no on_alarm: ignored


if __name__ == "__main__":
    unittest.main()
