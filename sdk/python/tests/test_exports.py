"""Native tests of the `view` and `upgrade` exports (`View.render`,
`Upgrade.schema_version`, `migrate`, `self_check`) and of their defaults,
with the host's state replaced by an in-memory fake. Run by
`scripts/lang/python.sh check`:

    PYTHONPATH=sdk/python:sdk/python/bindings python3 -m unittest discover -s sdk/python/tests
"""

import json
import unittest
from typing import Any, Optional
from unittest import mock

from componentize_py_types import Err
from wit_world.imports import state as host_state
from wit_world.imports import types

import microlith
from microlith import BadRequest, CallError, Failed, state
from microlith import _dispatch


class Fake:
    """An in-memory `state` host, installed for one test."""

    def __init__(self) -> None:
        self.store: dict = {}

    def install(self, test: unittest.TestCase) -> None:
        s = self.store
        scan = lambda prefix, after, limit: [  # noqa: E731
            host_state.Entry(k, s[k]) for k in sorted(s) if k.startswith(prefix) and (after is None or k > after)
        ][:limit]
        for name, fn in [("get", s.get), ("set", s.__setitem__), ("delete", lambda k: s.pop(k, None)), ("scan", scan)]:
            patcher = mock.patch.object(host_state, name, fn)
            patcher.start()
            test.addCleanup(patcher.stop)


def fresh() -> None:
    """Forgets the actor class and its instance (one per component)."""
    _dispatch.WitWorld._instance = None
    _dispatch._actor = None


def error(fn, *args) -> Any:
    """The `Err` value `fn(*args)` raises (fails the test if it returns)."""
    try:
        fn(*args)
    except Err as e:
        return e.value
    raise AssertionError(f"{fn.__name__}{args} did not fail")


class DefaultsTest(unittest.TestCase):
    """A class with none of the hooks: no view, schema 0, the default
    migration, a passing self-check."""

    def setUp(self) -> None:
        fresh()
        Fake().install(self)

        @microlith.actor
        class Plain:
            def get(self):
                return 1

        self.world = _dispatch.WitWorld()
        self.view = _dispatch.View()
        self.upgrade = _dispatch.Upgrade()

    def test_no_view(self) -> None:
        self.assertIsNone(self.view.render(None))
        self.assertIsNone(self.view.render("alice"))

    def test_schema_zero_accepts_older_and_refuses_newer(self) -> None:
        self.assertEqual(self.upgrade.schema_version(), 0)
        self.upgrade.migrate(0)
        e = error(self.upgrade.migrate, 3)
        self.assertIsInstance(e, types.HandleError_Failed)
        self.assertIn("schema 3", e.value)
        self.assertIn("this code's 0", e.value)

    def test_self_check_passes(self) -> None:
        self.assertIsNone(self.upgrade.self_check())


class HooksTest(unittest.TestCase):
    def setUp(self) -> None:
        fresh()
        self.fake = Fake()
        self.fake.install(self)
        self.checks = 0
        test = self

        @microlith.actor
        class Todo:
            SCHEMA = 2

            def __init__(self) -> None:
                self.cache = "shared"

            def add(self, title: str):
                n = state.get_json("n", 0) + 1
                state.set_json("n", n)
                state.set_json(f"item/{n}", {"id": n, "title": title})
                return n

            def view(self, viewer: Optional[str]):
                if viewer == "eve":
                    raise Failed("not for eve")
                if viewer == "raw":
                    return b'{"raw":true}'
                if viewer == "nothing":
                    return None
                if viewer == "bad":
                    return {"x": object()}
                if viewer == "bug":
                    raise KeyError("bug")
                items = [item for _, item in state.scan_all_json("item/")]
                return {"items": items, "viewer": viewer, "cache": self.cache}

            def migrate(self, from_schema: int):
                if from_schema == 0:
                    for key, item in state.scan_all_json("item/"):
                        if "title" not in item:
                            raise Failed(f"{key} is not a v1 item")
                        item["text"] = item.pop("title")
                        state.set_json(key, item)
                elif from_schema == 1:
                    raise BadRequest("schema 1 never existed")
                elif from_schema == 7:
                    raise CallError("unavailable", "calls trap here anyway")
                elif from_schema == 8:
                    raise ValueError("a bug")
                elif from_schema > 2:
                    raise Failed(f"state schema {from_schema} is newer than this code's 2")

            def self_check(self):
                test.checks += 1
                if state.get("broken") is not None:
                    raise Failed("the date validation is broken")
                if state.get("bug") is not None:
                    {}["missing"]

        self.world = _dispatch.WitWorld()
        self.view = _dispatch.View()
        self.upgrade = _dispatch.Upgrade()

    def call(self, method: str, payload: bytes = b"") -> Any:
        try:
            return self.world.handle(method, payload)
        except Err as e:
            return e.value

    def test_hooks_and_schema_are_not_methods(self) -> None:
        for name in ["view", "migrate", "self-check", "self_check", "on-alarm", "on_alarm", "SCHEMA", "schema"]:
            got = self.call(name)
            self.assertIsInstance(got, types.HandleError_UnknownMethod, name)
        self.assertEqual(sorted(_dispatch._handlers), ["add"])

    def test_view_renders_json_per_viewer(self) -> None:
        self.assertEqual(self.call("add", b'"ship it"'), b"1")
        got = self.view.render("alice")
        self.assertIsInstance(got, bytes)
        self.assertEqual(
            json.loads(got.decode("utf-8")),
            {"items": [{"id": 1, "title": "ship it"}], "viewer": "alice", "cache": "shared"},
        )
        self.assertEqual(json.loads(self.view.render(None))["viewer"], None)
        self.assertEqual(self.view.render("raw"), b'{"raw":true}')
        self.assertIsNone(self.view.render("nothing"))

    def test_view_is_utf8_json(self) -> None:
        self.call("add", '"Grüße ✓"'.encode())
        got = self.view.render("x")
        self.assertIn("Grüße ✓".encode("utf-8"), got)

    def test_a_refused_viewer_is_a_handle_error(self) -> None:
        e = error(self.view.render, "eve")
        self.assertIsInstance(e, types.HandleError_Failed)
        self.assertEqual(e.value, "not for eve")
        e = error(self.view.render, "bad")
        self.assertIsInstance(e, types.HandleError_Failed)
        self.assertIn("JSON", e.value)
        with self.assertRaises(KeyError):  # traps in the component
            self.view.render("bug")

    def test_schema_and_migration(self) -> None:
        self.assertEqual(self.upgrade.schema_version(), 2)
        self.fake.store["item/1"] = b'{"id":1,"title":"a"}'
        self.upgrade.migrate(0)
        self.assertEqual(json.loads(self.fake.store["item/1"]), {"id": 1, "text": "a"})
        self.upgrade.migrate(2)

    def test_migration_errors_are_handle_errors(self) -> None:
        self.fake.store["item/9"] = b'{"id":9}'
        e = error(self.upgrade.migrate, 0)
        self.assertIsInstance(e, types.HandleError_Failed)
        self.assertEqual(e.value, "item/9 is not a v1 item")
        self.assertIsInstance(error(self.upgrade.migrate, 1), types.HandleError_BadRequest)
        self.assertIsInstance(error(self.upgrade.migrate, 3), types.HandleError_Failed)
        self.assertIsInstance(error(self.upgrade.migrate, 7), types.HandleError_Failed)
        with self.assertRaises(ValueError):  # traps in the component
            self.upgrade.migrate(8)

    def test_self_check_error_is_its_message(self) -> None:
        self.assertIsNone(self.upgrade.self_check())
        self.fake.store["broken"] = b"1"
        self.assertEqual(error(self.upgrade.self_check), "the date validation is broken")
        del self.fake.store["broken"]
        self.fake.store["bug"] = b"1"
        self.assertEqual(error(self.upgrade.self_check), "KeyError: 'missing'")
        self.assertEqual(self.checks, 3)


class DeclarationTest(unittest.TestCase):
    def setUp(self) -> None:
        fresh()

    def tearDown(self) -> None:
        fresh()

    def test_schema_must_be_a_u32(self) -> None:
        for bad in [-1, 2**32, True, "2", 1.0]:
            fresh()
            with self.assertRaises(TypeError, msg=repr(bad)):
                microlith.actor(type("Bad", (), {"SCHEMA": bad}))

    def test_a_hook_cannot_be_a_method(self) -> None:
        with self.assertRaises(TypeError):

            @microlith.actor
            class Confused:
                @microlith.method("render")
                def view(self, viewer):
                    return None

    def test_hooks_are_inherited(self) -> None:
        class Base:
            SCHEMA = 5

            def view(self, viewer):
                return {"base": True}

        @microlith.actor
        class Child(Base):
            def get(self):
                return 1

        self.assertEqual(_dispatch.Upgrade().schema_version(), 5)
        self.assertEqual(_dispatch.View().render(None), b'{"base":true}')
        self.assertEqual(sorted(_dispatch._handlers), ["get"])


if __name__ == "__main__":
    unittest.main()
