"""Wizards and everyday actions for the console (imported by the app at start-up).

Every wizard is a ``ModalScreen[Plan | None]`` that returns a checked plan and never runs
it; the progress page runs confirmed plans. Importing this package registers the actions.
"""

from hvtui.ui.wizards import storage, vm_new
from hvtui.ui.wizards.failover import register_failover
from hvtui.ui.wizards.handlers import register_all
from hvtui.ui.wizards.vm_import import register as register_import  # importvm

register_all()
storage.register_all()  # storage and networking (issue 11)
vm_new.register()  # VMs: create, delete, rename, upgrade (issue 11)
register_failover()  # Replica failover (hvtui.ui.wizards.failover)

# importvm (issue 11): the Import VM wizard on the Hosts pane
register_import()
