"""The Delete VM dialog (Del on the VMs pane): the VM, its disk files, and whether to delete
them too (issue 11, importvm); its pre-flight page is :mod:`hvtui.hyperv.vm_retire`'s plan,
which keeps a shared disk and any file another VM uses."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, Static

from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.vm_retire import DeleteVmRequest
from hvtui.model import VM
from hvtui.ui.widgets import assemble
from hvtui.ui.wizards.base import Planner, PlanWizard
from hvtui.ui.wizards.toggles import TickBox


class DeleteVmWizard(PlanWizard):
    """Remove-VM, and on request Remove-Item on the VM's disk files."""

    def __init__(self, planner: Planner, vm: VM) -> None:
        self.vm = vm
        super().__init__(planner, title=f"Delete {vm.name}")

    def compose_form(self) -> ComposeResult:
        vm = self.vm
        disks = "\n".join(f"  {d.location}  {d.path}" + ("  (shared)" if d.shared else "")
                          for d in vm.disks) or "  none"
        yield Static(assemble(("VM: ", "bold"), f"{vm.name} on {vm.host}, {vm.state.name}",
                              "\n", ("Its disk files:", "bold"), "\n", disks))
        yield Label("Disk files", classes="section")
        yield TickBox("Also delete its disk files (and their differencing parents) that no "
                      "other VM uses; shared disks stay", id="with-disks")
        yield Static("Unticked, the files stay on the host and the plan lists them.",
                     classes="hint")

    def make_request(self) -> Request:
        return DeleteVmRequest(VmRef.of(self.vm),
                               with_disks=self.query_one("#with-disks", TickBox).value)
