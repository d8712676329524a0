"""Console access from the VMs pane (issue 12): ``L`` opens the serial console of the VM
under the cursor. When its COM 1 is on no pipe yet, the pre-flight page of connecting it
comes first (Set-VMComPort, audited); read-only mode hides the action, since what is typed
reaches the guest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hvtui.errors import HvtuiError
from hvtui.hyperv.plans import VmRef
from hvtui.hyperv.serial_console import SerialPortRequest, SerialRelay, com1_pipe
from hvtui.model import VM
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.serial_screen import SerialConsoleScreen
from hvtui.ui.wizards.everyday import ActionReview
from hvtui.ui.wizards.handlers import planner, run_wizard

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp


async def serial_console(app: HvtuiApp, vms: list[VM]) -> None:
    vm = vms[0]
    try:
        pipe = await com1_pipe(app.pool, vm)
        if pipe is None:
            request = SerialPortRequest(VmRef(vm.name, vm.host, vm.id))
            await run_wizard(app, ActionReview(planner(app), request,
                                               f"Connect {vm.name}'s COM 1"))
            pipe = await com1_pipe(app.pool, vm)
            if pipe is None:
                return  # cancelled, or the change failed (the progress page said so)
        else:
            app.selection_started()
    except HvtuiError as exc:
        app.flash(exc.user_message(), "critical")
        return
    await app.push_screen(SerialConsoleScreen(SerialRelay(app.pool, vm, pipe)))


SPEC = ActionSpec(id="serial-console", label="Serial", key="t", panes={"vms"}, mutating=True,
                  handler=serial_console, multi=False,
                  description="The VM's serial console through its host (COM 1 on a named "
                              "pipe, Set-VMComPort); Ctrl+] leaves")


def register() -> None:
    register_action(SPEC)
