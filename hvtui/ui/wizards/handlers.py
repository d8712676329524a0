"""The console's wizard and everyday-action handlers, registered as mutating actions.

Each handler opens a wizard (or the pre-flight page of an everyday action), and when the
person confirms, hands the plan to the progress page, which runs it through a
:class:`~hvtui.hyperv.operations.PlanRunner` sharing the console's jobs and audit log.
Every action is registered ``mutating=True``: read-only mode hides them all.

Quick actions that lose nothing (start, save, pause, resume, checkpoint ...) run straight
away when their pre-flight passes; a refusal, a warning or a destructive plan opens the
pre-flight page so the person sees why, or confirms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from hvtui.errors import HvtuiError
from hvtui.hyperv.operations import PlanResult, PlanRunner, StepOutcome
from hvtui.hyperv.plans import (
    DrainOnShutdownRequest,
    NodePauseRequest,
    Plan,
    ProcessorCompatRequest,
    ReplicationPauseRequest,
    Request,
    VmAction,
    VmActionRequest,
    VmRef,
    refuse_read_only_hosts,
)
from hvtui.hyperv.preflight import build_plan
from hvtui.model import VM, Cluster, ClusterNode, ClusterRole, Disk, Host, HostStatus
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.wizards.base import Planner, PlanWizard
from hvtui.ui.wizards.everyday import (
    ActionReview,
    CheckpointWizard,
    FrequencyWizard,
    NodeResumeWizard,
    RoleMoveWizard,
)
from hvtui.ui.wizards.forms import (
    CopyFileWizard,
    EnhancedSessionWizard,
    ExportWizard,
    GuestServicesWizard,
    MigrationWizard,
    ResizeWizard,
)
from hvtui.ui.wizards.progress import PlanProgress

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp


def planner(app: HvtuiApp) -> Planner:
    """Plans as the pre-flight page shows them: a host the inventory marks read-only that
    the plan would change (a migration's destination, a role's new node, the replica
    server) is a failed check there, not a surprise at the end."""
    async def plan(request: Request) -> Plan:
        return refuse_read_only_hosts(await build_plan(app.pool, request), app.read_only_hosts)
    return plan


def runner(app: HvtuiApp) -> PlanRunner:
    return PlanRunner(app.pool, audit=app.audit, jobs=app.jobs, read_only=app.read_only,
                      read_only_hosts=app.read_only_hosts)


def _refresh_after(app: HvtuiApp) -> Callable[[Plan], None]:
    def refresh(plan: Plan) -> None:
        hosts = {s.host for s in plan.steps} | {p for s in plan.steps for p in s.peers}
        app.request_refresh(*sorted(hosts))
    return refresh


async def run_wizard(app: HvtuiApp, wizard: PlanWizard) -> None:
    """Show ``wizard``; run the plan it returns on the progress page."""
    plan = await app.push_screen_wait(wizard)
    if plan is None:
        return
    app.selection_started()
    await app.push_screen_wait(PlanProgress(runner(app), plan, after=_refresh_after(app)))


async def quick_or_review(app: HvtuiApp, request: Request, title: str) -> None:
    """Run a harmless passing plan at once; otherwise show its pre-flight page first."""
    try:
        plan = await planner(app)(request)
    except HvtuiError as exc:
        app.flash(exc.user_message(), "critical")
        return
    if plan.refused or plan.destructive or plan.warnings or plan.nothing_to_do:
        await run_wizard(app, ActionReview(planner(app), request, title, plan=plan))
        return
    app.selection_started()
    app.running_plans.add(plan.title)
    try:
        result = await runner(app).run(plan)
    except HvtuiError as exc:  # read-only, or no audit log: nothing was changed
        app.flash(f"{plan.title}: {exc.user_message()}", "critical")
        return
    finally:
        app.running_plans.discard(plan.title)
    _refresh_after(app)(result.plan)
    report_result(app, result)


def report_result(app: HvtuiApp, result: PlanResult) -> None:
    """Say how a plan that ran without a progress page ended, where the person is looking:
    the flash line of the screen on show, with the host's own reason when it failed (and a
    notification that keeps the whole text), and a loud warning for a change the audit log
    could not record."""
    title = result.plan.title
    if result.ok:
        app.flash(f"{title}: {result.summary()}", "ok")
    else:
        reasons = [r.message for r in result.results
                   if r.outcome is not StepOutcome.SUCCEEDED and r.message]
        text = f"{title}: {result.summary()}"
        if reasons:  # the host's own words (a refusal's reason is in the summary already)
            text += f" {reasons[0]}"
        app.flash(text, "critical")
        app.notify(text, title="hvtui", severity="error", timeout=30)
    for problem in result.audit_problems:
        app.notify(f"The audit log could not be written, so this change is NOT recorded: "
                   f"{problem}", title="Audit log", severity="error", timeout=60)


# --- objects of each pane -------------------------------------------------------------------

def _hosts(app: HvtuiApp) -> list[Host]:
    return [s.inventory.host for s in app.estate.hosts if s.inventory is not None]


def _refs(vms: Sequence[VM]) -> tuple[VmRef, ...]:
    return tuple(VmRef.of(vm) for vm in vms)


def _cluster_items(objects: Sequence[Any], kind: type) -> list[tuple[Cluster, Any]]:
    return [(c, item) for c, item in objects if isinstance(item, kind)]


# --- the wizards ----------------------------------------------------------------------------

async def migrate(app: HvtuiApp, vms: list[VM]) -> None:
    await run_wizard(app, MigrationWizard(planner(app), vms, _hosts(app)))


async def resize(app: HvtuiApp, disks: list[Disk]) -> None:
    await run_wizard(app, ResizeWizard(planner(app), disks[0]))


async def export(app: HvtuiApp, vms: list[VM]) -> None:
    await run_wizard(app, ExportWizard(planner(app), vms))


async def enhanced_session(app: HvtuiApp, statuses: list[HostStatus]) -> None:
    hosts = [s.inventory.host for s in statuses if s.inventory is not None]
    if not hosts:
        app.flash("Enhanced session: the selected hosts have not answered yet", "warning")
        return
    vms = {s.name: s.inventory.vms for s in statuses if s.inventory is not None}
    await run_wizard(app, EnhancedSessionWizard(planner(app), hosts, vms))


async def guest_services(app: HvtuiApp, vms: list[VM]) -> None:
    await run_wizard(app, GuestServicesWizard(planner(app), vms))


async def processor_compat(app: HvtuiApp, vms: list[VM]) -> None:
    """Toggle compatibility mode: on unless every selected VM already has it."""
    enabled = not all(vm.processor_compatibility for vm in vms)
    what = vms[0].name if len(vms) == 1 else f"{len(vms)} VMs"
    await quick_or_review(app, ProcessorCompatRequest(_refs(vms), enabled),
                          f"Processor compatibility {'on' if enabled else 'off'} for {what}")


async def copy_file(app: HvtuiApp, vms: list[VM]) -> None:
    await run_wizard(app, CopyFileWizard(planner(app), vms[0]))


# --- everyday actions -----------------------------------------------------------------------

def vm_action(action: VmAction, verb: str) -> Callable[[HvtuiApp, list[VM]], Any]:
    async def handler(app: HvtuiApp, vms: list[VM]) -> None:
        if action in (VmAction.CHECKPOINT, VmAction.APPLY_CHECKPOINT,
                      VmAction.DELETE_CHECKPOINT):
            await run_wizard(app, CheckpointWizard(planner(app), vms, action))
            return
        what = vms[0].name if len(vms) == 1 else f"{len(vms)} VMs"
        await quick_or_review(app, VmActionRequest(action, _refs(vms)), f"{verb} {what}")
    return handler


def replication_pause(pause: bool) -> Callable[[HvtuiApp, list[VM]], Any]:
    async def handler(app: HvtuiApp, vms: list[VM]) -> None:
        verb = "Pause" if pause else "Resume"
        await quick_or_review(app, ReplicationPauseRequest(_refs(vms), pause),
                              f"{verb} replication")
    return handler


async def replica_frequency(app: HvtuiApp, vms: list[VM]) -> None:
    await run_wizard(app, FrequencyWizard(planner(app), vms))


async def drain_node(app: HvtuiApp, objects: list[Any]) -> None:
    nodes = _cluster_items(objects, ClusterNode)
    if not nodes:
        app.flash("Drain: choose a node row", "warning")
        return
    node: ClusterNode = nodes[0][1]
    request = NodePauseRequest(node.name, True)
    await run_wizard(app, ActionReview(planner(app), request, f"Drain and pause {node.name}"))


async def resume_node(app: HvtuiApp, objects: list[Any]) -> None:
    nodes = _cluster_items(objects, ClusterNode)
    if not nodes:
        app.flash("Resume: choose a node row", "warning")
        return
    await run_wizard(app, NodeResumeWizard(planner(app), nodes[0][1].name))


async def drain_on_shutdown(app: HvtuiApp, objects: list[Any]) -> None:
    cluster: Cluster = objects[0][0]
    request = DrainOnShutdownRequest(cluster.name, not cluster.drain_on_shutdown)
    word = "off" if cluster.drain_on_shutdown else "on"
    await run_wizard(app, ActionReview(planner(app), request,
                                       f"DrainOnShutdown {word} for {cluster.name}"))


async def move_role(app: HvtuiApp, objects: list[Any]) -> None:
    roles = _cluster_items(objects, ClusterRole)
    if not roles:
        app.flash("Move: choose a VM role row", "warning")
        return
    cluster, role = roles[0]
    await run_wizard(app, RoleMoveWizard(planner(app), cluster, role))


# --- registration ---------------------------------------------------------------------------

def _spec(id_: str, label: str, key: str, panes: set[str], handler: Any, description: str,
          multi: bool = True) -> ActionSpec:
    return ActionSpec(id=id_, label=label, key=key, panes=panes, mutating=True,
                      handler=handler, description=description, multi=multi)


VM_PANES = {"vms"}

SPECS: tuple[ActionSpec, ...] = (
    # power keys first: the footer shows a pane's keys in this order while they fit
    _spec("vm-start", "Start", "u", VM_PANES, vm_action(VmAction.START, "Start"),
          "Start the VMs"),
    _spec("vm-stop", "Shut down", "d", VM_PANES, vm_action(VmAction.STOP, "Shut down"),
          "Shut the guests down through the Shutdown integration service"),
    _spec("vm-turn-off", "Turn off", "O", VM_PANES, vm_action(VmAction.TURN_OFF, "Turn off"),
          "Turn the VMs off like pulling the plug (asks first)"),
    _spec("vm-save", "Save", "v", VM_PANES, vm_action(VmAction.SAVE, "Save"),
          "Save the VMs' memory and stop them"),
    _spec("vm-pause", "Pause", "p", VM_PANES, vm_action(VmAction.PAUSE, "Pause"),
          "Pause the VMs"),
    _spec("vm-resume", "Resume", "P", VM_PANES, vm_action(VmAction.RESUME, "Resume"),
          "Resume paused VMs"),
    _spec("vm-restart", "Reset", "T", VM_PANES, vm_action(VmAction.RESTART, "Reset"),
          "Reset the VMs (Restart-VM: like pressing reset; asks first)"),
    _spec("migrate", "Migrate", "m", VM_PANES, migrate,
          "Live-migrate the VMs to another host (cross-version: 2012 to 2012 R2)"),
    _spec("export", "Export", "e", VM_PANES, export,
          "Export the VMs to a folder on their host (running VMs from 2012 R2)"),
    _spec("guest-services", "Guest services", "i", VM_PANES, guest_services,
          "Turn the Guest Service Interface on or off"),
    _spec("processor-compat", "CPU compat", "X", VM_PANES, processor_compat,
          "Toggle processor compatibility mode (VM off) for migration across CPU generations"),
    _spec("copy-file", "Copy file in", "f", VM_PANES, copy_file,
          "Copy a file from the host into the running guest (Copy-VMFile)", multi=False),
    _spec("resize-vhd", "Resize", "R", {"disks"}, resize,
          "Grow or shrink the virtual disk (online for VHDX on SCSI from 2012 R2)", multi=False),
    _spec("enhanced-session", "Enhanced session", "E", {"hosts"}, enhanced_session,
          "Turn the hosts' enhanced session mode policy on or off"),
    _spec("vm-checkpoint", "Checkpoint", "c", VM_PANES,
          vm_action(VmAction.CHECKPOINT, "Checkpoint"), "Take a checkpoint of the VMs"),
    _spec("vm-apply-checkpoint", "Apply checkpoint", "C", VM_PANES,
          vm_action(VmAction.APPLY_CHECKPOINT, "Apply checkpoint"),
          "Return the VMs to a checkpoint (asks first)"),
    _spec("vm-delete-checkpoint", "Delete checkpoint", "D", VM_PANES,
          vm_action(VmAction.DELETE_CHECKPOINT, "Delete checkpoint"),
          "Delete a checkpoint of the VMs (asks first)"),
    _spec("replica-frequency", "Frequency", "F", {"replicas"}, replica_frequency,
          "Replicate every 30 s, 5 min or 15 min"),
    _spec("replica-pause", "Pause replication", "p", {"replicas"}, replication_pause(True),
          "Pause replication (changes are kept until it resumes)"),
    _spec("replica-resume", "Resume replication", "P", {"replicas"}, replication_pause(False),
          "Resume paused replication"),
    _spec("cluster-drain", "Drain node", "d", {"clusters"}, drain_node,
          "Move the node's roles away and pause it (asks first)", multi=False),
    _spec("cluster-resume", "Resume node", "u", {"clusters"}, resume_node,
          "Resume a paused node, with a failback choice", multi=False),
    _spec("cluster-drain-on-shutdown", "DrainOnShutdown", "D", {"clusters"}, drain_on_shutdown,
          "Toggle the cluster's DrainOnShutdown property", multi=False),
    _spec("cluster-move", "Move role", "m", {"clusters"}, move_role,
          "Move a clustered VM to another node", multi=False),
)


def register_all() -> None:
    from hvtui.ui.wizards import settings

    for spec in SPECS:
        register_action(spec)
    settings.register()
