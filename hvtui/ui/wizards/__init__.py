"""Wizards and everyday actions for the console (imported by the app at start-up).

Every wizard is a ``ModalScreen[Plan | None]`` that returns a checked plan and never runs
it; the progress page runs confirmed plans. Importing this package registers the actions.
"""

from hvtui.ui.wizards import storage, vm_new
from hvtui.ui.wizards.failover import register_failover
from hvtui.ui.wizards.handlers import register_all

register_all()
storage.register_all()  # storage and networking (issue 11)
vm_new.register()  # VMs: create, delete, rename, upgrade (issue 11)
register_failover()  # Replica failover (hvtui.ui.wizards.failover)

# Replica setup: Enable Replication (VMs pane), Replica server (Hosts pane)
from hvtui.ui.wizards import replication  # noqa: E402

replication.register()
