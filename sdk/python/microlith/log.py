"""Structured logging into the host's log, tagged with class, key and turn."""

from wit_world.imports import log as _host

Level = _host.Level
"""TRACE, DEBUG, INFO, WARN, ERROR."""
_L = Level


def write(level: Level, message: str) -> None:
    """Writes `message` at `level`; the host truncates long messages."""
    _host.write(level, str(message))


def trace(message: str) -> None:
    _host.write(_L.TRACE, str(message))


def debug(message: str) -> None:
    _host.write(_L.DEBUG, str(message))


def info(message: str) -> None:
    _host.write(_L.INFO, str(message))


def warn(message: str) -> None:
    _host.write(_L.WARN, str(message))


def error(message: str) -> None:
    _host.write(_L.ERROR, str(message))
