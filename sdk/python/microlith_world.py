"""The module componentize-py builds: it imports the project's `app`
module, whose `@microlith.actor` class serves the component, and exports
the `actor-full` world: `WitWorld` (`handle`, `on-alarm`), `View`
(`view.render`) and `Upgrade` (`upgrade.schema-version`, `migrate`,
`self-check`)."""

import app  # noqa: F401  (the project's actor module)
from microlith._dispatch import Upgrade, View, WitWorld, _actor

if _actor is None:
    raise RuntimeError("app.py defines no actor class: decorate one class with @microlith.actor")

__all__ = ["WitWorld", "View", "Upgrade"]
