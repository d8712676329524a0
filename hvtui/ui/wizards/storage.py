"""Storage and networking changes in the console (issue 11): add a disk to a VM, detach one.

Registered as mutating actions beside the other wizards (read-only mode hides them):
``a`` on the VMs pane opens the Add disk wizard, ``I`` the ISO wizard (mount or eject),
``D`` on the disks pane detaches the disk
under the cursor after its pre-flight page (a detach is destructive: it asks first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.vm_disks import DiskAddRequest, DiskRemoveRequest
from hvtui.hyperv.vm_dvd import IsoRequest
from hvtui.model import VM, Disk, Host
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.widgets import assemble
from hvtui.ui.wizards.base import Planner, PlanWizard
from hvtui.ui.wizards.everyday import ActionReview
from hvtui.ui.wizards.handlers import planner, run_wizard
from hvtui.ui.wizards.toggles import ChoiceSet, RadioChoice, TickBox

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp


class DiskAddWizard(PlanWizard):
    """A disk for one VM: an existing file, or a new one of a given size; SCSI or IDE."""

    def __init__(self, planner: Planner, vm: VM, default_folder: str = "") -> None:
        self.vm = vm
        self.default_folder = default_folder
        super().__init__(planner, title=f"Add a disk to {vm.name}")

    def compose_form(self) -> ComposeResult:
        vm = self.vm
        disks = ", ".join(f"{d.location}" for d in vm.disks) or "none"
        yield Static(assemble(("VM: ", "bold"), f"{vm.name} on {vm.host}, {vm.state.name}, "
                                               f"generation {vm.generation or '?'}", "\n",
                              ("Disks now: ", "bold"), disks))
        yield Label("Controller", classes="section")
        with ChoiceSet(id="controller"):
            yield RadioChoice("SCSI (takes disks while the VM runs)", value=True, id="scsi")
            yield RadioChoice("IDE (generation 1, VM off)", id="ide")
        yield Label("Disk file on the VM's host (.vhdx or .vhd)", classes="section")
        folder = self.default_folder.rstrip("\\") or "D:\\VHDs"
        yield Input(placeholder=f"e.g. {folder}\\{vm.name}-data.vhdx", id="path")
        yield Label("New disk size (empty: attach an existing disk)", classes="section")
        yield Input(placeholder="e.g. 40 GiB", id="size")
        yield TickBox("Fixed size (takes all its space now; else dynamic)", id="fixed")

    def make_request(self) -> Request:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            raise PlanRefused("give the disk file's full path on the VM's host")
        controller = ("SCSI", "IDE")[self.query_one("#controller", ChoiceSet).pressed_index]
        return DiskAddRequest(VmRef.of(self.vm), path, controller,
                              self.query_one("#size", Input).value.strip(),
                              self.query_one("#fixed", TickBox).value)


class IsoWizard(PlanWizard):
    """An ISO file of the VM's host into its DVD drive, or the drive emptied."""

    def __init__(self, planner: Planner, vm: VM) -> None:
        self.vm = vm
        super().__init__(planner, title=f"ISO in {vm.name}'s DVD drive")

    def compose_form(self) -> ComposeResult:
        vm = self.vm
        yield Static(assemble(("VM: ", "bold"), f"{vm.name} on {vm.host}, {vm.state.name}"))
        with ChoiceSet(id="iso-action"):
            yield RadioChoice("Mount an ISO file", value=True, id="mount")
            yield RadioChoice("Eject (empty the DVD drive)", id="eject")
        yield Label("ISO file on the VM's host", classes="section")
        yield Input(placeholder="e.g. D:\\ISO\\setup.iso", id="iso-path")

    def make_request(self) -> Request:
        if self.query_one("#iso-action", ChoiceSet).pressed_index == 1:
            return IsoRequest(VmRef.of(self.vm), "")
        path = self.query_one("#iso-path", Input).value.strip()
        if not path:
            raise PlanRefused("give the ISO file's full path on the VM's host, or choose Eject")
        return IsoRequest(VmRef.of(self.vm), path)


def _host_of(app: HvtuiApp, name: str) -> Host | None:
    status = app.estate.status(name)
    return status.inventory.host if status is not None and status.inventory else None


async def add_disk(app: HvtuiApp, vms: list[VM]) -> None:
    vm = vms[0]
    host = _host_of(app, vm.host)
    await run_wizard(app, DiskAddWizard(planner(app), vm,
                                        host.virtual_hard_disk_path if host else ""))


async def remove_disk(app: HvtuiApp, disks: list[Disk]) -> None:
    disk = disks[0]
    request = DiskRemoveRequest(VmRef(disk.vm_name, disk.host, disk.vm_id), disk.path)
    await run_wizard(app, ActionReview(planner(app), request,
                                       f"Detach {disk.vm_name}'s disk {disk.location}"))


async def iso(app: HvtuiApp, vms: list[VM]) -> None:
    await run_wizard(app, IsoWizard(planner(app), vms[0]))


def _spec(id_: str, label: str, key: str, panes: set[str], handler: Any,
          description: str) -> ActionSpec:
    return ActionSpec(id=id_, label=label, key=key, panes=panes, mutating=True,
                      handler=handler, description=description, multi=False)


SPECS: tuple[ActionSpec, ...] = (
    _spec("disk-add", "Add disk", "a", {"vms"}, add_disk,
          "Attach an existing or new virtual disk on SCSI or IDE (Add-VMHardDiskDrive)"),
    _spec("iso", "ISO", "I", {"vms"}, iso,
          "Mount an ISO in the VM's DVD drive, or eject it (Set-VMDvdDrive)"),
    _spec("disk-remove", "Detach disk", "D", {"disks"}, remove_disk,
          "Detach the disk from its VM; the file stays (Remove-VMHardDiskDrive; asks first)"),
)


def register_all() -> None:
    for spec in SPECS:
        register_action(spec)
