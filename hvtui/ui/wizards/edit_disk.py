"""Edit Disk and storage moves in the console (issue 11): compact, convert or merge the disk
under the cursor, or set its storage QoS; move a VM's storage to another folder.

``E`` on the disks pane opens the Edit Disk wizard, ``M`` on the VMs pane the storage move.
Both return a checked plan (hvtui.hyperv.vhd_edit) and never run it themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.sizes import human
from hvtui.hyperv.vhd_edit import (
    DiskCompactRequest,
    DiskConvertRequest,
    DiskMergeRequest,
    DiskQosRequest,
    MoveStorageRequest,
)
from hvtui.model import VM, Disk
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.widgets import assemble
from hvtui.ui.wizards.base import Planner, PlanWizard
from hvtui.ui.wizards.handlers import planner, run_wizard
from hvtui.ui.wizards.toggles import ChoiceSet, RadioChoice, TickBox

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

OPERATIONS = ("compact", "convert", "merge", "qos")


def _converted_path(disk: Disk) -> str:
    """A suggestion for the new file: the other format beside the disk."""
    stem, _, ext = disk.path.rpartition(".")
    return f"{stem}-converted.{'vhd' if ext.lower() == 'vhdx' else 'vhdx'}" if stem else ""


def _whole(text: str, what: str) -> int:
    try:
        value = int(text.strip() or "0")
    except ValueError:
        raise PlanRefused(f"'{text}' is not a whole number of IOPS",
                          hint=f"give the {what} as a number, 0 for none") from None
    return value


class EditDiskWizard(PlanWizard):
    """Hyper-V Manager's Edit Disk for one VM's disk, plus its storage QoS."""

    def __init__(self, planner: Planner, disk: Disk) -> None:
        self.disk = disk
        super().__init__(planner, title=f"Edit {disk.vm_name}'s disk {disk.location}")

    def compose_form(self) -> ComposeResult:
        disk = self.disk
        chain = f" -> {disk.parent_path}" if disk.parent_path else ""
        yield Static(assemble(("Disk: ", "bold"), f"{disk.path}{chain}", "\n",
                              ("Kind: ", "bold"), f"{disk.type.name.lower()} "
                                                  f"{disk.format.name}, {human(disk.size)}, "
                                                  f"file {human(disk.file_size)}", "\n",
                              ("QoS: ", "bold"), f"minimum {disk.min_iops}, maximum "
                                                 f"{disk.max_iops or 'unlimited'}"))
        yield Label("What to do", classes="section")
        with ChoiceSet(id="operation"):
            yield RadioChoice("Compact: reclaim unused blocks (Optimize-VHD, VM off)",
                              value=True, id="compact")
            yield RadioChoice("Convert into a new file: VHD/VHDX, fixed/dynamic "
                              "(Convert-VHD, VM off)", id="convert")
            yield RadioChoice("Merge into its parent (Merge-VHD, VM off)", id="merge")
            yield RadioChoice("Storage QoS: minimum/maximum IOPS (Set-VMHardDiskDrive)",
                              id="qos")
        yield Label("Convert: new file (.vhdx or .vhd) and type", classes="section")
        yield Input(value=_converted_path(disk), id="destination")
        with ChoiceSet(id="vhd-type"):
            yield RadioChoice("Dynamic", value=True, id="dynamic")
            yield RadioChoice("Fixed", id="fixed")
        yield TickBox("Then attach the new file in place of the old one", id="replace")
        yield Label("QoS: minimum and maximum normalized IOPS (8 KB each; 0: none)",
                    classes="section")
        yield Input(value=str(disk.min_iops), id="min-iops")
        yield Input(value=str(disk.max_iops), id="max-iops")

    def make_request(self) -> Request:
        disk = self.disk
        vm = VmRef(disk.vm_name, disk.host, disk.vm_id)
        operation = OPERATIONS[self.query_one("#operation", ChoiceSet).pressed_index]
        if operation == "compact":
            return DiskCompactRequest(vm, disk.path)
        if operation == "merge":
            return DiskMergeRequest(vm, disk.path)
        if operation == "convert":
            destination = self.query_one("#destination", Input).value.strip()
            if not destination:
                raise PlanRefused("give the new file's full path on the VM's host")
            kind = ("Dynamic", "Fixed")[self.query_one("#vhd-type", ChoiceSet).pressed_index]
            return DiskConvertRequest(vm, disk.path, destination, kind,
                                      self.query_one("#replace", TickBox).value)
        return DiskQosRequest(vm, disk.path,
                              _whole(self.query_one("#min-iops", Input).value, "minimum"),
                              _whole(self.query_one("#max-iops", Input).value, "maximum"))


class MoveStorageWizard(PlanWizard):
    """A VM's files to another folder of its own host (Move-VMStorage)."""

    def __init__(self, planner: Planner, vm: VM) -> None:
        self.vm = vm
        super().__init__(planner, title=f"Move {vm.name}'s storage")

    def compose_form(self) -> ComposeResult:
        vm = self.vm
        disks = "\n".join(f"  {d.location}  {d.path}" for d in vm.disks) or "  none"
        yield Static(assemble(("VM: ", "bold"), f"{vm.name} on {vm.host}, {vm.state.name}",
                              "\n", ("Folder now: ", "bold"), vm.path or "?", "\n",
                              ("Disks:", "bold"), "\n", disks))
        yield Label("New folder on the same host (disks go to its 'Virtual Hard Disks')",
                    classes="section")
        yield Input(placeholder=f"e.g. E:\\VMs\\{vm.name}", id="storage-path")

    def make_request(self) -> Request:
        path = self.query_one("#storage-path", Input).value.strip()
        if not path:
            raise PlanRefused("give the folder's full path on the VM's host")
        return MoveStorageRequest(VmRef.of(self.vm), path)


async def edit_disk(app: HvtuiApp, disks: list[Disk]) -> None:
    await run_wizard(app, EditDiskWizard(planner(app), disks[0]))


async def move_storage(app: HvtuiApp, vms: list[VM]) -> None:
    await run_wizard(app, MoveStorageWizard(planner(app), vms[0]))


def _spec(id_: str, label: str, key: str, panes: set[str], handler: Any,
          description: str) -> ActionSpec:
    return ActionSpec(id=id_, label=label, key=key, panes=panes, mutating=True,
                      handler=handler, description=description, multi=False)


SPECS: tuple[ActionSpec, ...] = (
    _spec("disk-edit", "Edit disk", "E", {"disks"}, edit_disk,
          "Compact, convert or merge the disk, or set its storage QoS (Optimize-VHD, "
          "Convert-VHD, Merge-VHD, Set-VMHardDiskDrive)"),
    _spec("vm-move-storage", "Move storage", "M", {"vms"}, move_storage,
          "Move the VM's files to another folder of its host, running or not "
          "(Move-VMStorage)"),
)


def register() -> None:
    for spec in SPECS:
        register_action(spec)
