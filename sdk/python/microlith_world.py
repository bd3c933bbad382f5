"""The module componentize-py builds: it imports the project's `app`
module, whose `@microlith.actor` class serves the component, and exports
the `actor` world's `WitWorld`."""

import app  # noqa: F401  (the project's actor module)
from microlith._dispatch import WitWorld, _actor

if _actor is None:
    raise RuntimeError("app.py defines no actor class: decorate one class with @microlith.actor")

__all__ = ["WitWorld"]
