"""The New VM wizard (host, name, generation, version, memory, processors, switch, disk,
ISO and Secure Boot; its pre-flight page is the plan of :mod:`hvtui.hyperv.vm_create`),
and the console's Delete VM and Rename VM (:mod:`hvtui.hyperv.vm_retire`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.vm_create import NewVmRequest
from hvtui.hyperv.vm_retire import RenameVmRequest, UpgradeVersionRequest
from hvtui.model import VM, Host, HostStatus
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.widgets import plain
from hvtui.ui.wizards.base import Planner, PlanWizard
from hvtui.ui.wizards.toggles import TickBox

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

NO_SWITCH = "(not connected)"


class NewVmWizard(PlanWizard):
    """Everything New-VM and its companions set, with the host's own choices offered."""

    def __init__(self, planner: Planner, hosts: Sequence[Host], host: str = "") -> None:
        self.hosts = {h.name: h for h in hosts}
        self.start_host = host if host in self.hosts else next(iter(self.hosts), "")
        super().__init__(planner, title="New virtual machine")

    def _host(self) -> Host | None:
        value = self.query_one("#host", Select).value if self.is_mounted else self.start_host
        return self.hosts.get(value) if isinstance(value, str) else None

    def compose_form(self) -> ComposeResult:
        yield Label("Host", classes="section")
        yield Select([(plain(f"{h.name}  ({h.release.short})"), h.name)
                      for h in self.hosts.values()], id="host", value=self.start_host or
                     Select.BLANK, allow_blank=not self.start_host, prompt="choose the host")
        yield Label("Name", classes="section")
        yield Input(placeholder="the VM's name (unique on the host)", id="name")
        yield Label("Generation and configuration version", classes="section")
        yield Select([], id="generation", prompt="generation", allow_blank=True)
        yield Select([], id="version", prompt="the host's default version", allow_blank=True)
        yield Static("", id="version-hint", classes="hint")
        yield Label("Memory and processors", classes="section")
        yield Input(value="2GB", placeholder="startup memory, e.g. 4GB", id="memory")
        yield TickBox("Dynamic memory", id="dynamic")
        yield Input(placeholder="dynamic memory's maximum (empty: 1 TB)", id="max-memory")
        yield Input(value="1", placeholder="virtual processors", id="processors")
        yield Label("Network", classes="section")
        yield Select([], id="switch", prompt=NO_SWITCH, allow_blank=True)
        yield Label("Disk", classes="section")
        yield Input(value="60GB", placeholder="new VHDX size, e.g. 60GB (empty: no new disk)",
                    id="disk-size")
        yield TickBox("Fixed size (written in full now; dynamic grows as used)", id="fixed")
        yield Input(placeholder="new VHDX path (empty: the host's disk folder\\<name>.vhdx)",
                    id="disk-path")
        yield Input(placeholder="or an existing disk to attach instead, e.g. D:\\VMs\\a.vhdx",
                    id="existing-disk")
        yield Label("Install from", classes="section")
        yield Input(placeholder="ISO file on the host, e.g. D:\\ISO\\setup.iso (optional)",
                    id="iso")
        yield TickBox("Secure Boot (generation 2)", value=True, id="secure-boot")
        yield TickBox("Linux guest (Secure Boot template MicrosoftUEFICertificateAuthority)",
                      id="linux")
        # importvm (issue 11): on a cluster node, the VM can become a cluster role at once.
        yield Label("VM folder", classes="section")
        yield Input(placeholder="folder for the VM's own folder (empty: the host's VM folder)",
                    id="vm-path")
        yield Label("High availability", classes="section", id="ha-section")
        yield TickBox("Make it highly available (a role of the node's cluster; its folder "
                      "and disk on a Cluster Shared Volume)", id="highly-available")

    def on_mount(self) -> None:
        self._host_chosen()

    @on(Select.Changed, "#host")
    def _host_changed(self, _event: Select.Changed) -> None:
        self._host_chosen()

    def _host_chosen(self) -> None:
        host = self._host()
        generation = self.query_one("#generation", Select)
        version = self.query_one("#version", Select)
        switch = self.query_one("#switch", Select)
        hint = self.query_one("#version-hint", Static)
        if host is None:
            for select in (generation, version, switch):
                select.set_options([])
            hint.update(plain(""))
            return
        generations = host.release.generations
        generation.set_options([(plain(f"Generation {g}" + (" (UEFI)" if g == 2 else
                                                            " (BIOS)")), g)
                                for g in generations])
        generation.value = max(generations)
        default = host.default_version or host.release.default_version
        version.set_options([(plain(v + ("  (default)" if v == default else "")), v)
                             for v in reversed(host.supported_versions)])
        version.value = default if default in host.supported_versions else Select.BLANK
        hint.update(plain(f"{host.name} runs {host.release.name}: configuration versions "
                          f"{', '.join(host.supported_versions)}; default {default}."))
        switch.set_options([(plain(s), s) for s in host.switches])
        # importvm: high availability only where there is a cluster to join
        for widget_id in ("#ha-section", "#highly-available"):
            self.query_one(widget_id).display = bool(host.cluster)

    def make_request(self) -> Request:
        host = self._host()
        if host is None:
            raise PlanRefused("choose the host first")
        name = self.query_one("#name", Input).value
        if not name.strip():
            raise PlanRefused("give the VM a name")
        generation = self.query_one("#generation", Select).value
        version = self.query_one("#version", Select).value
        switch = self.query_one("#switch", Select).value
        processors_text = self.query_one("#processors", Input).value.strip() or "1"
        if not processors_text.isdigit():
            raise PlanRefused(f"{processors_text!r} is not a number of processors")

        def text(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value.strip()

        return NewVmRequest(
            host=host.name, name=name,
            generation=generation if isinstance(generation, int) else 0,
            version=version if isinstance(version, str) else "",
            memory=text("memory") or "2GB",
            dynamic_memory=self.query_one("#dynamic", TickBox).value,
            memory_maximum=text("max-memory"), processors=int(processors_text),
            switch=switch if isinstance(switch, str) else "",
            disk_size="" if text("existing-disk") else text("disk-size"),
            disk_path=text("disk-path"), fixed=self.query_one("#fixed", TickBox).value,
            existing_disk=text("existing-disk"), iso=text("iso"),
            secure_boot=self.query_one("#secure-boot", TickBox).value,
            linux=self.query_one("#linux", TickBox).value, path=text("vm-path"),
            highly_available=bool(host.cluster)
            and self.query_one("#highly-available", TickBox).value)


class RenameVmWizard(PlanWizard):
    """Rename-VM: the new name, checked against the host's other VMs."""

    def __init__(self, planner: Planner, vm: VM) -> None:
        self.vm = vm
        super().__init__(planner, title=f"Rename {vm.name}")

    def compose_form(self) -> ComposeResult:
        yield Static(plain(f"{self.vm.name} on {self.vm.host}, {self.vm.state.name}"))
        yield Label("New name", classes="section")
        yield Input(value=self.vm.name, id="new-name")
        yield Static("The VM's files keep their names.", classes="hint")

    def make_request(self) -> Request:
        return RenameVmRequest(VmRef.of(self.vm), self.query_one("#new-name", Input).value)


# --- the actions ------------------------------------------------------------------------------


async def new_vm(app: HvtuiApp, objects: list[VM | HostStatus]) -> None:
    from hvtui.ui.wizards.handlers import planner, run_wizard

    hosts = [s.inventory.host for s in app.estate.hosts if s.inventory is not None]
    if not hosts:
        app.flash("New VM: no host has answered yet", "warning")
        return
    first = objects[0] if objects else None
    near = first.host if isinstance(first, VM) else first.name if first is not None else ""
    await run_wizard(app, NewVmWizard(planner(app), hosts, near))


async def delete_vm(app: HvtuiApp, vms: list[VM]) -> None:
    from hvtui.ui.wizards.handlers import planner, run_wizard
    from hvtui.ui.wizards.vm_delete import DeleteVmWizard  # importvm: with its disks

    await run_wizard(app, DeleteVmWizard(planner(app), vms[0]))


async def upgrade_vm(app: HvtuiApp, vms: list[VM]) -> None:
    from hvtui.ui.wizards.everyday import ActionReview
    from hvtui.ui.wizards.handlers import planner, run_wizard

    vm = vms[0]
    await run_wizard(app, ActionReview(planner(app), UpgradeVersionRequest(VmRef.of(vm)),
                                       f"Upgrade {vm.name}'s configuration version"))


async def rename_vm(app: HvtuiApp, vms: list[VM]) -> None:
    from hvtui.ui.wizards.handlers import planner, run_wizard

    await run_wizard(app, RenameVmWizard(planner(app), vms[0]))


def register() -> None:
    register_action(ActionSpec(
        id="vm-new", label="New VM", key="n", panes={"vms", "hosts"}, mutating=True,
        handler=new_vm, multi=False, details=False,
        description="Create a VM on a host (New-VM): generation, version, memory, "
                    "processors, switch, disk, ISO, Secure Boot"))
    register_action(ActionSpec(
        id="vm-delete", label="Delete VM", key="delete", panes={"vms"}, mutating=True,
        handler=delete_vm, multi=False,
        description="Delete the VM (Remove-VM; off or saved VMs), and on request its "
                    "disk files (Remove-Item)"))
    register_action(ActionSpec(
        id="vm-rename", label="Rename VM", key="f2", panes={"vms"}, mutating=True,
        handler=rename_vm, multi=False, description="Rename the VM (Rename-VM)"))
    register_action(ActionSpec(
        id="vm-upgrade-version", label="Upgrade version", key="U", panes={"vms"},
        mutating=True, handler=upgrade_vm, multi=False,
        description="Upgrade the VM's configuration version (Update-VMVersion; one way)"))
