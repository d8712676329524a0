"""Everyday actions' dialogs: the pre-flight page alone, and the few that ask one thing first.

Power and checkpoint actions, replica and cluster actions reuse the wizard frame: the plan
is checked as the dialog opens, so a refusal shows its reason and fix, and a destructive
plan names its objects (and asks for their count when there are several).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import (
    NodePauseRequest,
    Plan,
    ReplicaFrequencyRequest,
    Request,
    RoleMoveRequest,
    VmAction,
    VmActionRequest,
    VmRef,
)
from hvtui.hyperv.replica_cluster import FAILBACKS, MIGRATION_TYPES
from hvtui.model import FREQUENCIES, VM, Cluster, ClusterRole
from hvtui.ui.widgets import assemble, plain
from hvtui.ui.wizards.base import Planner, PlanWizard
from hvtui.ui.wizards.toggles import ChoiceSet, RadioChoice


class ActionReview(PlanWizard):
    """The pre-flight page for a request that needs no form (checked on opening)."""

    def __init__(self, planner: Planner, request: Request, title: str,
                 plan: Plan | None = None) -> None:
        self.request = request
        super().__init__(planner, title=title, plan=plan)

    @property
    def has_form(self) -> bool:
        return False

    def make_request(self) -> Request:
        return self.request


class CheckpointWizard(PlanWizard):
    """Take, apply or delete a checkpoint: the name first (picked from the VM's checkpoints)."""

    def __init__(self, planner: Planner, vms: Sequence[VM], action: VmAction) -> None:
        self.vms = list(vms)
        self.action = action
        verb = {VmAction.CHECKPOINT: "Checkpoint", VmAction.APPLY_CHECKPOINT: "Apply a "
                "checkpoint of", VmAction.DELETE_CHECKPOINT: "Delete a checkpoint of"}[action]
        what = self.vms[0].name if len(self.vms) == 1 else f"{len(self.vms)} VMs"
        super().__init__(planner, title=f"{verb} {what}")

    def _common_names(self) -> list[str]:
        names: list[str] | None = None
        for vm in self.vms:
            own = [c.name for c in vm.checkpoints]
            names = own if names is None else [n for n in names if n in own]
        return list(dict.fromkeys(names or []))

    def compose_form(self) -> ComposeResult:
        yield Static(assemble(("VMs: ", "bold"), ", ".join(vm.name for vm in self.vms)))
        if self.action is VmAction.CHECKPOINT:
            yield Label("Checkpoint name (empty: Hyper-V's '<VM> - (<date>)')", classes="section")
            yield Input(placeholder="e.g. before patching", id="name")
            return
        names = self._common_names()
        yield Label("Checkpoint", classes="section")
        if names:
            yield Select([(plain(n), n) for n in names], id="name",
                         prompt="choose a checkpoint")
        else:
            yield Static("The selected VMs have no checkpoint in common.", classes="hint")

    def make_request(self) -> Request:
        refs = tuple(VmRef.of(vm) for vm in self.vms)
        if self.action is VmAction.CHECKPOINT:
            name = self.query_one("#name", Input).value.strip()
            return VmActionRequest(self.action, refs, name)
        selects = self.query("#name").results(Select)
        value = next((s.value for s in selects), None)
        if not isinstance(value, str):
            raise PlanRefused("choose a checkpoint first")
        return VmActionRequest(self.action, refs, value)


class FrequencyWizard(PlanWizard):
    """How often a primary VM sends its changes to the replica."""

    def __init__(self, planner: Planner, vms: Sequence[VM]) -> None:
        self.vms = list(vms)
        what = self.vms[0].name if len(self.vms) == 1 else f"{len(self.vms)} VMs"
        super().__init__(planner, title=f"Replication frequency of {what}")

    def compose_form(self) -> ComposeResult:
        current = {vm.replication.frequency_sec for vm in self.vms if vm.replication}
        yield Static(assemble(("VMs: ", "bold"), ", ".join(vm.name for vm in self.vms)))
        words = {30: "30 seconds", 300: "5 minutes", 900: "15 minutes"}
        with ChoiceSet(id="frequency"):
            for seconds in FREQUENCIES:
                yield RadioChoice(words[seconds], value=current == {seconds})
        yield Static("30 s and 15 min need Windows Server 2012 R2; 2012 replicates every "
                     "5 minutes.", classes="hint")

    def make_request(self) -> Request:
        index = self.query_one("#frequency", ChoiceSet).pressed_index
        if index < 0:
            raise PlanRefused("choose a frequency first")
        return ReplicaFrequencyRequest(tuple(VmRef.of(vm) for vm in self.vms),
                                       FREQUENCIES[index])


class NodeResumeWizard(PlanWizard):
    """Resume a paused cluster node, choosing whether its roles come back."""

    def __init__(self, planner: Planner, node: str) -> None:
        self.node = node
        super().__init__(planner, title=f"Resume node {node}")

    def compose_form(self) -> ComposeResult:
        words = {"NoFailback": "No failback: roles stay where they are",
                 "Immediate": "Immediate: roles that prefer this node move back now",
                 "Policy": "Policy: roles move back within their failback window"}
        yield Label("Failback", classes="section")
        with ChoiceSet(id="failback"):
            for i, choice in enumerate(FAILBACKS):
                yield RadioChoice(words[choice], value=i == 0)

    def make_request(self) -> Request:
        index = max(0, self.query_one("#failback", ChoiceSet).pressed_index)
        return NodePauseRequest(self.node, False, failback=FAILBACKS[index])


class RoleMoveWizard(PlanWizard):
    """Move a clustered VM role to another node (Move-ClusterVirtualMachineRole)."""

    def __init__(self, planner: Planner, cluster: Cluster, role: ClusterRole) -> None:
        self.cluster = cluster
        self.role = role
        super().__init__(planner, title=f"Move {role.name} to another node")

    def compose_form(self) -> ComposeResult:
        yield Static(assemble(("Role: ", "bold"), f"{self.role.name} on "
                                      f"{self.role.owner_node} ({self.role.state.name})"))
        nodes = [(plain(f"{n.name} ({n.state.name})"), n.name) for n in self.cluster.nodes
                 if n.name.lower() != self.role.owner_node.lower()]
        yield Label("Node", classes="section")
        yield Select(nodes, id="node", prompt="choose a node")
        yield Label("How", classes="section")
        with ChoiceSet(id="type"):
            for i, kind in enumerate(MIGRATION_TYPES):
                yield RadioChoice(_MOVE_WORDS[kind], value=i == 0)

    def make_request(self) -> Request:
        node = self.query_one("#node", Select).value
        if not isinstance(node, str):
            raise PlanRefused("choose a node first")
        kind = MIGRATION_TYPES[max(0, self.query_one("#type", ChoiceSet).pressed_index)]
        return RoleMoveRequest(VmRef(self.role.name), node, kind)


_MOVE_WORDS = {"Live": "Live: keeps running", "Quick": "Quick: saved, moved, restored",
               "Shutdown": "Shut down, move, start", "ShutdownForce": "Force shut down, move",
               "TurnOff": "Turn off, move"}
