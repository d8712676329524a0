"""Wizards and everyday actions for the console (imported by the app at start-up).

Every wizard is a ``ModalScreen[Plan | None]`` that returns a checked plan and never runs
it; the progress page runs confirmed plans. Importing this package registers the actions.
"""

from hvtui.ui.wizards.handlers import register_all

register_all()

# Replica failover (hvtui.ui.wizards.failover)
from hvtui.ui.wizards.failover import register_failover  # noqa: E402

register_failover()
