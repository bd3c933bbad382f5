"""The `@actor` and `@method` decorators and the export glue that
componentize-py calls (see `microlith_world.py`): `WitWorld` (`handle`,
`on-alarm`), `View` (`view.render`) and `Upgrade` (`upgrade.*`) of the
`actor-full` world."""

import inspect
import typing
from typing import Any, Callable, Dict, Optional

import wit_world
from componentize_py_types import Err
from wit_world import exports as _exports
from wit_world.imports import types as _types

from .actors import CallError
from .errors import ActorError, BadRequest, Failed, UnknownMethod
from .payload import convert, encode, parse

_RAW = object()
_JSON = object()


class _Handler:
    __slots__ = ("fn", "arity", "tp")

    def __init__(self, fn: Callable):
        self.fn = fn
        params = list(inspect.signature(fn).parameters.values())[1:]
        if len(params) > 1:
            raise TypeError(f"actor method {fn.__qualname__} takes more than one payload parameter")
        self.arity = len(params)
        self.tp: Any = _JSON
        if params:
            hint = typing.get_type_hints(fn).get(params[0].name, Any)
            if hint is bytes:
                self.tp = _RAW
            elif hint is not Any:
                self.tp = hint

    def __call__(self, instance: Any, payload: bytes) -> Any:
        if not self.arity:
            return self.fn(instance)
        if self.tp is _RAW:
            return self.fn(instance, payload)
        value = parse(payload)
        return self.fn(instance, value if self.tp is _JSON else convert(value, self.tp))


def method(name: str) -> Callable[[Callable], Callable]:
    """Handles the actor method `name` with the decorated function."""

    def mark(fn: Callable) -> Callable:
        fn.__microlith_method__ = name  # type: ignore[attr-defined]
        return fn

    return mark


HOOKS = ("on_alarm", "view", "migrate", "self_check")
"""Functions of an actor class the host calls through its own exports;
they are never methods that `handle` dispatches to."""

_actor: Optional[type] = None
_handlers: Dict[str, _Handler] = {}
_schema = 0


def _check_schema(cls: type) -> int:
    schema = getattr(cls, "SCHEMA", 0)
    if type(schema) is not int or not 0 <= schema < 2**32:
        raise TypeError(f"{cls.__name__}.SCHEMA must be an int in 0..2**32-1, not {schema!r}")
    return schema


def actor(cls: type) -> type:
    """Makes `cls` the component's actor class (one per component)."""
    global _actor, _schema
    if _actor is not None and _actor is not cls:
        raise TypeError(f"two actor classes: {_actor.__name__} and {cls.__name__}")
    schema = _check_schema(cls)
    handlers: Dict[str, _Handler] = {}
    for klass in reversed(cls.__mro__):
        for attr, fn in vars(klass).items():
            if not inspect.isfunction(fn):
                continue
            name = getattr(fn, "__microlith_method__", None)
            if attr in HOOKS:
                if name is not None:
                    raise TypeError(f"{cls.__name__}.{attr} is called by the host, it cannot be @method({name!r})")
                continue
            if name is None:
                if attr.startswith("_"):
                    continue
                name = attr.replace("_", "-")
            handlers[name] = _Handler(fn)
    _actor = cls
    _schema = schema
    _handlers.clear()
    _handlers.update(handlers)
    return cls


def _wit_error(e: Exception) -> Err:
    if isinstance(e, UnknownMethod):
        return Err(_types.HandleError_UnknownMethod(e.message))
    if isinstance(e, BadRequest) or (isinstance(e, CallError) and e.kind == "bad-request"):
        return Err(_types.HandleError_BadRequest(getattr(e, "message", None) or str(e)))
    return Err(_types.HandleError_Failed(getattr(e, "message", None) or str(e)))


def _instance() -> Any:
    """The one instance of the actor class, created on first use (by
    whichever export runs first) and shared by all exports."""
    if WitWorld._instance is None:
        if _actor is None:
            raise RuntimeError("no actor class: decorate one class in app.py with @microlith.actor")
        WitWorld._instance = _actor()
    return WitWorld._instance


def _hook(name: str) -> Optional[Callable]:
    """The actor's bound `name` hook, or None when its class has none."""
    if _actor is None or not callable(getattr(_actor, name, None)):
        return None
    return getattr(_instance(), name)


def _message(e: Exception) -> str:
    text = (getattr(e, "message", None) if isinstance(e, (ActorError, CallError)) else None) or str(e)
    if isinstance(e, ActorError):
        return text or type(e).__name__
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


class WitWorld(wit_world.WitWorld):
    """The `handle` and `on-alarm` exports, for componentize-py."""

    _instance: Any = None

    def _get(self) -> Any:
        return _instance()

    def handle(self, method: str, payload: bytes) -> bytes:
        handler = _handlers.get(method)
        if handler is None:
            raise Err(_types.HandleError_UnknownMethod(method))
        try:
            return encode(handler(self._get(), payload))
        except (ActorError, CallError) as e:
            raise _wit_error(e) from None

    def on_alarm(self, name: str) -> None:
        fn = _hook("on_alarm")
        if fn is None:
            return
        try:
            fn(name)
        except (ActorError, CallError) as e:
            raise _wit_error(e) from None


class View(_exports.View):
    """The `view` export: `render(viewer)` calls the actor's optional
    `view(self, viewer)` and encodes what it returns as UTF-8 JSON (bytes
    as they are); None (or no `view` at all) is no view."""

    def render(self, viewer: Optional[str]) -> Optional[bytes]:
        fn = _hook("view")
        if fn is None:
            return None
        try:
            value = fn(viewer)
            return None if value is None else encode(value)
        except (ActorError, CallError) as e:
            raise _wit_error(e) from None


class Upgrade(_exports.Upgrade):
    """The `upgrade` export: the class's `SCHEMA` (default 0), its optional
    `migrate(self, from_schema)` and `self_check(self)`."""

    def schema_version(self) -> int:
        return _schema

    def migrate(self, old_schema: int) -> None:
        fn = _hook("migrate")
        try:
            if fn is not None:
                fn(old_schema)
            elif old_schema > _schema:
                raise Failed(
                    f"state has schema {old_schema}, newer than this code's {_schema}; write `migrate` to read it"
                )
        except (ActorError, CallError) as e:
            raise _wit_error(e) from None

    def self_check(self) -> None:
        fn = _hook("self_check")
        if fn is None:
            return
        try:
            fn()
        except Exception as e:  # any failure refuses the deploy, with its message
            raise Err(_message(e)) from None
