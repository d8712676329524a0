"""Wizards and everyday actions for the console (imported by the app at start-up).

Every wizard is a ``ModalScreen[Plan | None]`` that returns a checked plan and never runs
it; the progress page runs confirmed plans. Importing this package registers the actions.
"""

from hvtui.ui.wizards import edit_disk, storage, vm_new
from hvtui.ui.wizards.failover import register_failover
from hvtui.ui.wizards.handlers import register_all

register_all()
storage.register_all()  # storage and networking (issue 11)
vm_new.register()  # VMs: create, delete, rename, upgrade (issue 11)
register_failover()  # Replica failover (hvtui.ui.wizards.failover)
# host settings (issue 11, hostcfg)
from hvtui.ui.wizards import host_settings  # noqa: E402

host_settings.register()
edit_disk.register()  # Edit Disk, Move-VMStorage, Storage QoS (issue 11)

# VM screen as text (issue 12, thumbs): the screen view and the wall
from hvtui.ui import vm_screen  # noqa: E402

vm_screen.register()
