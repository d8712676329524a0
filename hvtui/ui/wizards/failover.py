"""The failover wizard of the Replicas pane: the steps this copy allows next (test, planned
or unplanned failover, complete, cancel, reverse, resynchronise, remove), then the
pre-flight page with the PowerShell in the order it runs on each host."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Select, Static

from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.recovery_points import RecoveryPoint, recovery_points
from hvtui.hyperv.replica_failover import FailoverRequest
from hvtui.model import VM
from hvtui.model.failover import FailoverAction, find_test_vm, next_actions, own_relationship
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.widgets import assemble, plain
from hvtui.ui.wizards.base import Planner, PlanWizard
from hvtui.ui.wizards.toggles import ChoiceSet, RadioChoice, TickBox

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

WHAT_IT_DOES: dict[FailoverAction, str] = {
    FailoverAction.TEST: "a test VM from the latest recovery point, on the network below; the "
                         "replica goes on receiving changes",
    FailoverAction.STOP_TEST: "turn the test VM off and delete it",
    FailoverAction.PLANNED: "shut the primary down, prepare it, fail the replica over, "
                            "reverse replication, start it: nothing is lost",
    FailoverAction.FAILOVER: "start the replica from its latest recovery point: later "
                             "changes are lost",
    FailoverAction.COMPLETE: "keep the failover: the other recovery points are deleted",
    FailoverAction.CANCEL: "go back: the failed-over replica is turned off (or a prepared "
                           "primary may start again)",
    FailoverAction.REVERSE: "this copy becomes the primary and replicates to the old one",
    FailoverAction.RESYNC: "compare both copies and send what differs",
    FailoverAction.REMOVE: "stop replicating this copy; the VM stays",
}


class FailoverWizard(PlanWizard):
    """Choose the next failover step for one copy of a replicated VM."""

    def __init__(self, planner: Planner, vm: VM, has_test_vm: bool,
                 switches: Sequence[str] = (), points: Sequence[RecoveryPoint] = ()) -> None:
        self.vm = vm
        self.choices = next_actions(vm, has_test_vm)
        self.switches = tuple(switches)
        """The virtual switches of the copy's host, for the test VM's network."""
        self.points = tuple(points)
        """The replica's recovery points, newest first, for an unplanned failover."""
        super().__init__(planner, title=f"Failover: {vm.name} on {vm.host}")

    def compose_form(self) -> ComposeResult:
        rep = own_relationship(self.vm)
        where = f"{rep.mode} on {self.vm.host}, {rep.state.name}" if rep else "not replicated"
        yield Static(assemble(("VM: ", "bold"), self.vm.name, ("   ", ""), where))
        if not self.choices:
            yield Static("Nothing can be done to this copy's replication now.",
                         classes="hint")
            return
        with ChoiceSet(id="action"):
            for i, action in enumerate(self.choices):
                yield RadioChoice(f"{action.words.capitalize()}: {WHAT_IT_DOES[action]}",
                                  value=i == 0)
        if any(a in (FailoverAction.PLANNED, FailoverAction.FAILOVER) for a in self.choices):
            yield TickBox("Start the VM that takes over", value=True, id="start")
        if FailoverAction.TEST in self.choices:
            yield Select([(plain(s), s) for s in self.switches], id="switch",
                         prompt="test failover: the test VM on no network", allow_blank=True)
        if FailoverAction.FAILOVER in self.choices and len(self.points) > 1:
            yield Select([(plain(f"{p.when_text}  {p.name}"), p.id) for p in self.points[1:]],
                         id="point", allow_blank=True,
                         prompt=f"failover: the latest recovery point "
                                f"({self.points[0].when_text})")

    def make_request(self) -> Request:
        index = self.query_one("#action", ChoiceSet).pressed_index if self.choices else -1
        if index < 0:
            raise PlanRefused("choose a step first")
        boxes = self.query("#start").results(TickBox)
        start = next((b.value for b in boxes), True)
        picked = [w.value for w in self.query("#switch").results(Select)]
        switch = picked[0] if picked and isinstance(picked[0], str) else ""
        chosen = [w.value for w in self.query("#point").results(Select)]
        point = chosen[0] if chosen and isinstance(chosen[0], str) else ""
        action = self.choices[index]
        return FailoverRequest(action, VmRef.of(self.vm), start=start,
                               switch=switch if action is FailoverAction.TEST else "",
                               recovery_point=point if action is FailoverAction.FAILOVER
                               else "")


async def failover(app: HvtuiApp, vms: list[VM]) -> None:
    from hvtui.ui.wizards.handlers import planner, run_wizard

    vm = vms[0]
    host = [v for v in app.estate.vms() if v.host.casefold() == vm.host.casefold()]
    status = app.estate.status(vm.host)
    switches = status.inventory.host.switches if status and status.inventory else ()
    points: list[RecoveryPoint] = []
    if FailoverAction.FAILOVER in next_actions(vm, False):
        try:
            points = await recovery_points(app.pool, vm)
        except PlanRefused:
            points = []  # the wizard offers the latest point; its pre-flight reads again
    await run_wizard(app, FailoverWizard(planner(app), vm, find_test_vm(vm, host) is not None,
                                         switches, points))


SPEC = ActionSpec(id="replica-failover", label="Failover", key="o", panes={"replicas"},
                  mutating=True, handler=failover, multi=False,
                  description="Test, planned or unplanned failover, complete, cancel, "
                              "reverse, resynchronise or remove: what this copy allows next")


def register_failover() -> None:
    register_action(SPEC)
