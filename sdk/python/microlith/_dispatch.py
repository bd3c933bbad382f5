"""The `@actor` and `@method` decorators and the `WitWorld` export glue
that componentize-py calls (see `microlith_world.py`)."""

import inspect
import typing
from typing import Any, Callable, Dict, Optional

import wit_world
from componentize_py_types import Err
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


_actor: Optional[type] = None
_handlers: Dict[str, _Handler] = {}


def actor(cls: type) -> type:
    """Makes `cls` the component's actor class (one per component)."""
    global _actor
    if _actor is not None and _actor is not cls:
        raise TypeError(f"two actor classes: {_actor.__name__} and {cls.__name__}")
    handlers: Dict[str, _Handler] = {}
    for klass in reversed(cls.__mro__):
        for attr, fn in vars(klass).items():
            if not inspect.isfunction(fn):
                continue
            name = getattr(fn, "__microlith_method__", None)
            if name is None:
                if attr.startswith("_") or attr == "on_alarm":
                    continue
                name = attr.replace("_", "-")
            handlers[name] = _Handler(fn)
    _actor = cls
    _handlers.clear()
    _handlers.update(handlers)
    return cls


def _wit_error(e: Exception) -> Err:
    if isinstance(e, UnknownMethod):
        return Err(_types.HandleError_UnknownMethod(e.message))
    if isinstance(e, BadRequest) or (isinstance(e, CallError) and e.kind == "bad-request"):
        return Err(_types.HandleError_BadRequest(getattr(e, "message", None) or str(e)))
    return Err(_types.HandleError_Failed(getattr(e, "message", None) or str(e)))


class WitWorld(wit_world.WitWorld):
    """The exports of the `actor` world, for componentize-py."""

    _instance: Any = None

    def _get(self) -> Any:
        if WitWorld._instance is None:
            if _actor is None:
                raise RuntimeError("no actor class: decorate one class in app.py with @microlith.actor")
            WitWorld._instance = _actor()
        return WitWorld._instance

    def handle(self, method: str, payload: bytes) -> bytes:
        handler = _handlers.get(method)
        if handler is None:
            raise Err(_types.HandleError_UnknownMethod(method))
        try:
            return encode(handler(self._get(), payload))
        except (ActorError, CallError) as e:
            raise _wit_error(e) from None

    def on_alarm(self, name: str) -> None:
        instance = self._get()
        fn = getattr(instance, "on_alarm", None)
        if fn is None:
            return
        try:
            fn(name)
        except (ActorError, CallError) as e:
            raise _wit_error(e) from None
