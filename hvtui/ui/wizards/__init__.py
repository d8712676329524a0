"""Wizards and everyday actions for the console (imported by the app at start-up).

Every wizard is a ``ModalScreen[Plan | None]`` that returns a checked plan and never runs
it; the progress page runs confirmed plans. Importing this package registers the actions.
"""

from hvtui.ui import vm_screen
from hvtui.ui.wizards import (
    console_access,
    edit_disk,
    host_settings,
    network,
    replication,
    storage,
    vm_new,
)
from hvtui.ui.wizards.failover import register_failover
from hvtui.ui.wizards.handlers import register_all
from hvtui.ui.wizards.vm_import import register as register_import

register_all()
storage.register_all()  # storage (issue 11)
vm_new.register()  # VMs: create, delete, rename, upgrade (issue 11)
register_failover()  # Replica failover (hvtui.ui.wizards.failover)
host_settings.register()  # host settings (issue 11)
edit_disk.register()  # Edit Disk, Move-VMStorage, Storage QoS (issue 11)
vm_screen.register()  # VM screen as text: the screen view and the wall (issue 12)
network.register()  # network adapters and the Virtual Switch Manager (issue 11)
console_access.register()  # console access: serial console (issue 12)
register_import()  # the Import VM wizard on the Hosts pane (issue 11)
replication.register()  # Enable Replication (VMs), Replica server (Hosts) (issue 12)
