"""The five wizards' forms: what each asks before the pre-flight page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from hvtui.errors import HvtuiError, PlanRefused
from hvtui.hyperv.plans import (
    CopyFileRequest,
    EnhancedSessionRequest,
    ExportRequest,
    GuestServicesRequest,
    MigrateRequest,
    Request,
    ResizeRequest,
    VmRef,
)
from hvtui.hyperv.sizes import human, parse_size
from hvtui.model import VM, Disk, Host
from hvtui.model.text import inert
from hvtui.ui.widgets import assemble, plain
from hvtui.ui.wizards.base import Planner, PlanWizard
from hvtui.ui.wizards.toggles import ChoiceSet, RadioChoice, TickBox


def _refs(vms: Sequence[VM]) -> tuple[VmRef, ...]:
    return tuple(VmRef.of(vm) for vm in vms)


def _names(vms: Sequence[VM], limit: int = 6) -> str:
    shown = ", ".join(f"{vm.name} ({vm.host}, {vm.state.name})" for vm in vms[:limit])
    return shown + (f" and {len(vms) - limit} more" if len(vms) > limit else "")


class MigrationWizard(PlanWizard):
    """Cross-version live migration: VMs, a destination host, and where the storage goes."""

    def __init__(self, planner: Planner, vms: Sequence[VM], hosts: Sequence[Host]) -> None:
        self.vms = list(vms)
        sources = {vm.host.lower() for vm in self.vms}
        self.hosts = [h for h in hosts if h.name.lower() not in sources]
        what = self.vms[0].name if len(self.vms) == 1 else f"{len(self.vms)} VMs"
        super().__init__(planner, title=f"Live-migrate {what}")

    def compose_form(self) -> ComposeResult:
        yield Static(assemble(("Moving: ", "bold"), _names(self.vms)))
        versions = sorted({vm.version or "?" for vm in self.vms})
        yield Static(assemble(("Configuration version: ", "bold"), ", ".join(versions)),
                     classes="hint")
        yield Label("Destination host", classes="section")
        options = [(plain(f"{h.name}  ({h.release.short}, runs "
                          f"{', '.join(h.supported_versions)})"), h.name) for h in self.hosts]
        yield Select(options, id="destination", prompt="choose the destination host",
                     allow_blank=True)
        yield Label("Storage", classes="section")
        yield TickBox("Move the VM's disks with it (needed for local storage)",
                       id="include-storage")
        yield Input(placeholder="destination folder, e.g. D:\\VMs (empty: the host's default)",
                    id="storage-path")
        yield Static("Disks on a cluster shared volume or an SMB 3.0 share can stay where they "
                     "are. Clustered VMs move as cluster roles to another node.", classes="hint")

    def make_request(self) -> Request:
        dest = self.query_one("#destination", Select).value
        if not isinstance(dest, str):
            raise PlanRefused("choose the destination host first")
        include = self.query_one("#include-storage", TickBox).value
        path = self.query_one("#storage-path", Input).value.strip()
        if path and not include:
            raise PlanRefused("a storage folder needs 'Move the VM's disks with it' ticked")
        return MigrateRequest(_refs(self.vms), dest, include, path)


class ResizeWizard(PlanWizard):
    """Online VHDX resize: one disk, the new size as people write it."""

    def __init__(self, planner: Planner, disk: Disk, verdict: str = "") -> None:
        self.disk = disk
        self.verdict = verdict
        super().__init__(planner, title=f"Resize {disk.vm_name}'s disk {disk.location}")

    def compose_form(self) -> ComposeResult:
        d = self.disk
        yield Static(assemble(
            ("Disk: ", "bold"), d.path, "\n",
            ("Format: ", "bold"), f"{d.format.name} {d.type.name} on {d.location}", "\n",
            ("Size: ", "bold"), human(d.size),
            ("   minimum: ", "bold"), human(d.min_size) if d.min_size else "not reported",
            ("   file: ", "bold"), human(d.file_size)))
        if self.verdict:
            yield Static(plain(self.verdict), classes="hint")
        yield Label("New size", classes="section")
        yield Input(placeholder="120 GiB, +20G, -10 GB, to minimum, 1.5T", id="size")
        yield Static("", id="size-preview", classes="hint")

    @on(Input.Changed, "#size")
    def _preview(self, event: Input.Changed) -> None:
        preview = self.query_one("#size-preview", Static)
        if not event.value.strip():
            preview.update(plain(""))
            return
        try:
            size = parse_size(event.value)
        except HvtuiError as exc:
            preview.update(plain(exc.user_message()))
            return
        new = size.resolve(self.disk.size, self.disk.min_size)
        preview.update(plain(f"{human(self.disk.size)} -> {human(new)}" if new > 0 else
                             "that leaves nothing of the disk"))

    def make_request(self) -> Request:
        text = self.query_one("#size", Input).value
        parse_size(text)  # an unparsable size is refused here, with examples
        return ResizeRequest(VmRef(self.disk.vm_name, self.disk.host, self.disk.vm_id),
                             self.disk.path, text)


class ExportWizard(PlanWizard):
    """Online export: VMs and a folder on their host."""

    def __init__(self, planner: Planner, vms: Sequence[VM], default_path: str = "") -> None:
        self.vms = list(vms)
        self.default_path = default_path
        what = self.vms[0].name if len(self.vms) == 1 else f"{len(self.vms)} VMs"
        super().__init__(planner, title=f"Export {what}")

    def compose_form(self) -> ComposeResult:
        yield Static(assemble(("Exporting: ", "bold"), _names(self.vms)))
        yield Label("Folder on the VM's host", classes="section")
        # a path with control characters is shown escaped elsewhere; here it would be typed
        # into the host's command as shown, so such a default is left out rather than altered
        default = self.default_path if inert(self.default_path) == self.default_path else ""
        yield Input(value=default, placeholder="e.g. E:\\Exports or \\\\server\\share",
                    id="path")
        yield Static("Each VM goes into <folder>\\<VM name> with its configuration, disks and "
                     "checkpoints. A running VM can be exported from Windows Server 2012 R2 on.",
                     classes="hint")

    def make_request(self) -> Request:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            raise PlanRefused("give the folder to export to")
        return ExportRequest(_refs(self.vms), path)


class _OnOffWizard(PlanWizard):
    on_label = "On"
    off_label = "Off"

    def __init__(self, planner: Planner, *, title: str, current_on: bool) -> None:
        self.current_on = current_on
        super().__init__(planner, title=title)

    def compose_on_off(self) -> ComposeResult:
        with ChoiceSet(id="on-off"):
            yield RadioChoice(self.on_label, value=not self.current_on, id="on")
            yield RadioChoice(self.off_label, value=self.current_on, id="off")

    def chosen_on(self) -> bool:
        return self.query_one("#on-off", ChoiceSet).pressed_index == 0


class EnhancedSessionWizard(_OnOffWizard):
    """Enhanced session mode policy for one or many hosts (Set-VMHost)."""

    on_label = "On: VMConnect may open enhanced sessions (clipboard, drives, audio, USB)"
    off_label = "Off: basic sessions only (the default on Windows Server)"

    def __init__(self, planner: Planner, hosts: Sequence[Host],
                 vms_by_host: Mapping[str, Sequence[VM]] | None = None) -> None:
        self.hosts = list(hosts)
        self.vms_by_host = vms_by_host or {}
        what = self.hosts[0].name if len(self.hosts) == 1 else f"{len(self.hosts)} hosts"
        super().__init__(planner, title=f"Enhanced session mode for {what}",
                         current_on=all(h.enhanced_session_mode for h in self.hosts))

    def compose_form(self) -> ComposeResult:
        for host in self.hosts:
            count = len(self.vms_by_host.get(host.name, ()))
            yield Static(assemble(
                (host.name, "bold"), f"  {host.release.short}  policy ",
                ("on" if host.enhanced_session_mode else "off", "bold"), f"  {count} VM(s)"))
        yield Label("Policy", classes="section")
        yield from self.compose_on_off()
        yield Static("The pre-flight page lists, for each VM, whether enhanced session will be "
                     "available and why not.", classes="hint")

    def make_request(self) -> Request:
        return EnhancedSessionRequest(tuple(h.name for h in self.hosts), self.chosen_on())


class GuestServicesWizard(_OnOffWizard):
    """The Guest Service Interface on one or many VMs (Enable-VMIntegrationService)."""

    on_label = "On: the host can copy files into the guest (Copy-VMFile)"
    off_label = "Off (the default)"

    def __init__(self, planner: Planner, vms: Sequence[VM]) -> None:
        self.vms = list(vms)
        what = self.vms[0].name if len(self.vms) == 1 else f"{len(self.vms)} VMs"
        on_now = all(vm.guest_service_interface is not None and vm.guest_service_interface.enabled
                     for vm in self.vms)
        super().__init__(planner, title=f"Guest services for {what}", current_on=on_now)

    def compose_form(self) -> ComposeResult:
        yield Static(assemble(("VMs: ", "bold"), _names(self.vms)))
        yield Label("Guest Service Interface", classes="section")
        yield from self.compose_on_off()
        yield Static("The pre-flight page shows which guests will get it and which cannot "
                     "(hosts older than 2012 R2, guests of Windows 7 / 2008 R2 and older).",
                     classes="hint")

    def make_request(self) -> Request:
        return GuestServicesRequest(_refs(self.vms), self.chosen_on())


class CopyFileWizard(PlanWizard):
    """Copy-VMFile: a file from the VM's host into the running guest."""

    def __init__(self, planner: Planner, vm: VM) -> None:
        self.vm = vm
        super().__init__(planner, title=f"Copy a file into {vm.name}")

    def compose_form(self) -> ComposeResult:
        gsi = self.vm.guest_service_interface
        state = "on" if gsi is not None and gsi.enabled else "off"
        yield Static(assemble(("VM: ", "bold"), f"{self.vm.name} on {self.vm.host}, "
                                      f"{self.vm.state.name}; Guest Service Interface {state}"))
        yield Label("File on the host", classes="section")
        yield Input(placeholder="e.g. C:\\Tools\\setup.exe", id="source")
        yield Label("Path inside the guest", classes="section")
        yield Input(placeholder="e.g. C:\\Temp\\setup.exe", id="destination")
        yield TickBox("Create missing folders in the guest", value=True, id="create-path")
        yield TickBox("Replace the file if it exists", id="overwrite")

    def make_request(self) -> Request:
        source = self.query_one("#source", Input).value.strip()
        destination = self.query_one("#destination", Input).value.strip()
        if not source or not destination:
            raise PlanRefused("give both the file on the host and the path in the guest")
        return CopyFileRequest(VmRef.of(self.vm), source, destination,
                               self.query_one("#create-path", TickBox).value,
                               self.query_one("#overwrite", TickBox).value)
