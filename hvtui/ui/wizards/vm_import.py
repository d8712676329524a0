"""The Import VM wizard (Hosts pane): the exported VM's configuration file, the way to import
it (register in place, copy, copy with a new id) and, for a copy, the folders; its pre-flight
page is the plan of :mod:`hvtui.hyperv.vm_import` (Compare-VM -Path first, explained).
Also the VMs pane's Make HA (:mod:`hvtui.hyperv.vm_ha`), the rest of issue 11's part."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.vm_ha import MakeHaRequest
from hvtui.hyperv.vm_import import MODES, ImportVmRequest
from hvtui.model import VM, Host, HostStatus
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.widgets import plain
from hvtui.ui.wizards.base import Planner, PlanWizard
from hvtui.ui.wizards.toggles import ChoiceSet, RadioChoice

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp


class ImportVmWizard(PlanWizard):
    """Import-VM: where the export is, how to import it, and where a copy goes."""

    def __init__(self, planner: Planner, hosts: Sequence[Host], host: str = "") -> None:
        self.hosts = {h.name: h for h in hosts}
        self.start_host = host if host in self.hosts else next(iter(self.hosts), "")
        super().__init__(planner, title="Import a virtual machine")

    def _host(self) -> Host | None:
        value = self.query_one("#host", Select).value if self.is_mounted else self.start_host
        return self.hosts.get(value) if isinstance(value, str) else None

    def compose_form(self) -> ComposeResult:
        yield Label("Host", classes="section")
        yield Select([(plain(f"{h.name}  ({h.release.short})"), h.name)
                      for h in self.hosts.values()], id="host", value=self.start_host or
                     Select.BLANK, allow_blank=not self.start_host, prompt="choose the host")
        yield Label("The exported VM's configuration file, as the host sees it",
                    classes="section")
        yield Input(placeholder="e.g. D:\\Exports\\WEB01\\Virtual Machines\\<id>.vmcx",
                    id="path")
        yield Static(plain("Export-VM writes it in <folder>\\<VM>\\Virtual Machines; its name "
                           "is the VM's id (.xml before Windows Server 2016)."), classes="hint")
        yield Label("How", classes="section")
        with ChoiceSet(id="mode"):
            yield RadioChoice("Register in place (the files stay where they are; same id)",
                              value=True, id="register")
            yield RadioChoice("Restore a copy (files copied to the host's folders; same id)",
                              id="copy")
            yield RadioChoice("Copy with a new id (the export can be imported again)",
                              id="new-id")
        yield Label("Copy only: folders (empty: the host's defaults)", classes="section")
        yield Input(id="vhd-path")
        yield Input(id="vm-path")

    def on_mount(self) -> None:
        self._host_chosen()

    @on(Select.Changed, "#host")
    def _host_changed(self, _event: Select.Changed) -> None:
        self._host_chosen()

    def _host_chosen(self) -> None:
        host = self._host()
        disks = host.virtual_hard_disk_path if host else ""
        files = host.virtual_machine_path if host else ""
        self.query_one("#vhd-path", Input).placeholder = (
            f"disks to (default {disks})" if disks else "disks to (default: the host's folder)")
        self.query_one("#vm-path", Input).placeholder = (
            f"VM files to (default {files})" if files else
            "VM files to (default: the host's folder)")

    def make_request(self) -> Request:
        host = self._host()
        if host is None:
            raise PlanRefused("choose the host first")
        path = self.query_one("#path", Input).value.strip()
        if not path:
            raise PlanRefused("give the full path of the exported VM's .vmcx file on the host")
        mode = MODES[self.query_one("#mode", ChoiceSet).pressed_index]
        return ImportVmRequest(host=host.name, path=path, mode=mode,
                               vhd_path=self.query_one("#vhd-path", Input).value.strip(),
                               vm_path=self.query_one("#vm-path", Input).value.strip())


async def import_vm(app: HvtuiApp, objects: list[VM | HostStatus]) -> None:
    from hvtui.ui.wizards.handlers import planner, run_wizard

    hosts = [s.inventory.host for s in app.estate.hosts if s.inventory is not None]
    if not hosts:
        app.flash("Import VM: no host has answered yet", "warning")
        return
    first = objects[0] if objects else None
    near = first.host if isinstance(first, VM) else first.name if first is not None else ""
    await run_wizard(app, ImportVmWizard(planner(app), hosts, near))


async def make_ha(app: HvtuiApp, vms: list[VM]) -> None:
    from hvtui.ui.wizards.everyday import ActionReview
    from hvtui.ui.wizards.handlers import planner, run_wizard

    vm = vms[0]
    await run_wizard(app, ActionReview(planner(app), MakeHaRequest(VmRef.of(vm)),
                                       f"Make {vm.name} highly available"))


def register() -> None:
    register_action(ActionSpec(
        id="vm-import", label="Import VM", key="I", panes={"hosts"}, mutating=True,
        handler=import_vm, multi=False, details=False,
        description="Import an exported VM (Compare-VM -Path, then Import-VM): register in "
                    "place, restore a copy, or copy with a new id"))
    register_action(ActionSpec(
        id="vm-make-ha", label="Make HA", key="H", panes={"vms"}, mutating=True,
        handler=make_ha, multi=False,
        description="Make the VM a role of its node's cluster (Add-ClusterVirtualMachineRole; "
                    "its files on a Cluster Shared Volume)"))
