"""Every wizard and everyday action as a command, for scripts and change tickets.

    hvtui migrate VM [VM ...] --to HOST [--include-storage] [--storage-path P]
    hvtui resize-vhd VM DISK SIZE          DISK: path, 'SCSI 0:1' or index; SIZE: '+20G' ...
    hvtui export VM [VM ...] PATH
    hvtui enhanced-session HOST [HOST ...] on|off
    hvtui host-migration HOST [HOST ...] on|off
    hvtui guest-services VM [VM ...] on|off
    hvtui processor-compat VM [VM ...] on|off
    hvtui copy-file VM SRC DST [--overwrite] [--no-create-path]
    hvtui vm start|stop|turn-off|save|pause|resume|restart|checkpoint|apply-checkpoint|
             delete-checkpoint VM [VM ...] [--name N]
    hvtui vm new HOST NAME [...]                               (see hvtui.cli_vms)
    hvtui vm set VM [VM ...] [--memory-startup 4GB] [--processors 4] ...   (hvtui.cli_settings)
    hvtui replica frequency VM [VM ...] 30|300|900
    hvtui replica pause|resume VM [VM ...]
    hvtui replica test-failover|stop-test|planned-failover|failover|complete|cancel|
                  reverse|resync|remove VM [--host H] [--no-start]   (see cli_failover)
    hvtui replica enable VM --to HOST | server HOST [...]   (see cli_replsetup)
    hvtui cluster drain NODE [--force] | resume NODE [--failback ...]
    hvtui cluster drain-on-shutdown CLUSTER on|off | move VM --to NODE [--type Live]

Each command checks first (the same pre-flight as the console's wizards), prints the
checklist and the exact PowerShell, then runs. ``--dry-run`` stops after printing;
``--yes`` confirms destructive changes, which otherwise need a terminal to ask on.

A command works in three phases on one event loop: check (read the hosts, build the
plan), ask (outside the loop: a signal there ends hvtui before anything changed), run
(SIGINT, SIGTERM and SIGHUP cancel the running step, which the audit log records as
interrupted). Exit status (see :mod:`hvtui.cli`): 0 done or nothing to do, 1 partial (a
step failed or was interrupted on the host, or its audit line could not be written), 2
refused, declined or bad input (nothing changed), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shutil
import sys
import textwrap
from collections.abc import Callable
from typing import Any, TextIO

from hvtui import cli_ha, cli_import, cli_settings, cli_vms
from hvtui.cli_io import Output, interruptible, say_error
from hvtui.config import on_terminal
from hvtui.errors import AuditError, HvtuiError, Interrupted, PlanRefused
from hvtui.hyperv.audit import AuditLog
from hvtui.hyperv.jobs import JobManager
from hvtui.hyperv.operations import (
    PlanResult,
    PlanRunner,
    RunEvent,
    StepOutcome,
    check_command,
)
from hvtui.hyperv.plans import (
    CopyFileRequest,
    DrainOnShutdownRequest,
    EnhancedSessionRequest,
    ExportRequest,
    GuestServicesRequest,
    HostMigrationRequest,
    MigrateRequest,
    NodePauseRequest,
    Outcome,
    Plan,
    ProcessorCompatRequest,
    ReplicaFrequencyRequest,
    ReplicationPauseRequest,
    Request,
    ResizeRequest,
    RoleMoveRequest,
    VmAction,
    VmActionRequest,
    VmRef,
    refuse_read_only_hosts,
)
from hvtui.hyperv.preflight import build_plan
from hvtui.hyperv.replica_cluster import FAILBACKS, MIGRATION_TYPES
from hvtui.model.text import inert
from hvtui.remote.pool import SessionPool
from hvtui.session_setup import Source

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_REFUSED = 2

RequestMaker = Callable[[argparse.Namespace], Request]


# --- printing -----------------------------------------------------------------------------

_MARK = {Outcome.PASS: "PASS", Outcome.WARN: "WARN", Outcome.FAIL: "FAIL"}


def _width() -> int:
    return max(60, min(120, shutil.get_terminal_size((100, 24)).columns))


def _wrap(text: str, indent: str, first: str = "") -> str:
    # inert first: a newline or escape sequence inside a host's message stays one visible
    # piece of text, never a new line or a terminal command
    return textwrap.fill(inert(text), width=_width(), initial_indent=first or indent,
                         subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False)


def format_plan(plan: Plan) -> str:
    """The checklist, the exact PowerShell per host, and the notes, as plain text."""
    lines = [f"Plan: {inert(plan.title)}", "", "Pre-flight checks:"]
    for check in plan.checks_by_outcome:
        lines.append(_wrap(f"{check.label}: {check.detail}", " " * 8,
                           f"  {_MARK[check.outcome]}  "))
        if check.fix and check.outcome is not Outcome.PASS:
            lines.append(_wrap(f"fix: {check.fix}", " " * 13, " " * 8))
    if not plan.checks:
        lines.append("  (none)")
    lines.append("")
    if plan.steps:
        lines.append("PowerShell that will run:")
        for step in plan.steps:
            flags = [f for f, on in (("destructive", step.destructive), ("job", step.long)) if on]
            suffix = f"  [{', '.join(flags)}]" if flags else ""
            lines.append(_wrap(f"{step.description}{suffix}", "      ", "  - "))
            lines.append(f"      on {inert(step.host)}:  {inert(step.command)}")
    elif plan.refused:
        lines.append("Nothing will run: the plan is refused until the failed checks are fixed.")
    else:
        lines.append("Nothing to run: everything is already as asked.")
    if plan.notes:
        lines += ["", "Afterwards:"] + [_wrap(n, "    ", "  * ") for n in plan.notes]
    counts = {o: sum(1 for c in plan.checks if c.outcome is o) for o in Outcome}
    lines += ["", f"Checks: {counts[Outcome.PASS]} pass, {counts[Outcome.WARN]} warn, "
                  f"{counts[Outcome.FAIL]} fail."]
    return "\n".join(lines)


def format_result(result: PlanResult) -> str:
    lines = []
    marks = {StepOutcome.SUCCEEDED: "done   ", StepOutcome.FAILED: "FAILED ",
             StepOutcome.INTERRUPTED: "STOPPED", StepOutcome.NOT_RUN: "not run"}
    for r in result.results:
        lines.append(_wrap(r.step.description, " " * 11, f"  {marks[r.outcome]}  "))
        if r.message:
            lines.append(_wrap(r.message, " " * 13, " " * 11))
    lines.append(inert(result.summary()))
    return "\n".join(lines)


def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as ``-o json`` prints it: every string exact, steps in the order they run."""
    return {
        "title": plan.title, "operation": plan.operation,
        "request": plan.request.audit_parameters(), "refused": plan.refused,
        "destructive": plan.destructive,
        "checks": [{"name": c.name, "subject": c.subject, "outcome": c.outcome.value,
                    "detail": c.detail, "fix": c.fix} for c in plan.checks_by_outcome],
        "steps": [{"host": s.host, "script": s.script, "description": s.description,
                   "command": s.command, "target": s.target, "destructive": s.destructive,
                   "job": s.long} for s in plan.steps],
        "notes": list(plan.notes),
    }


def result_json(result: PlanResult) -> dict[str, Any]:
    """What ran, step by step, as ``-o json`` prints it."""
    return {
        "ok": result.ok, "refused": result.refused, "summary": result.summary(),
        "steps": [{"description": r.step.description, "host": r.step.host,
                   "command": r.step.command, "outcome": r.outcome.value,
                   "message": r.message, "warnings": list(r.warnings),
                   "objects": [dict(o) for o in r.objects]}
                  for r in result.results],
        "audit_problems": list(result.audit_problems),
    }


def _write_json(out: Output, document: dict[str, Any]) -> None:
    # ensure_ascii: control and bidirectional characters travel as \u escapes, exact once
    # parsed and inert on a terminal.
    out.write(json.dumps(document, indent=2, ensure_ascii=True, default=_json_value))


def _json_value(value: object) -> str:
    """A value JSON has no type for (a step's objects hold dates, GUIDs): ISO 8601 or text."""
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)


class _Progress:
    """Prints each job's progress when it moves (no carriage-return tricks: logs stay clean),
    and remembers which steps are running (named if hvtui is interrupted)."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self._last: dict[int, tuple[int, str]] = {}
        self.running: dict[str, str] = {}
        """Description -> the command that shows its state, for steps under way."""

    def __call__(self, event: RunEvent) -> None:
        step = event.step
        if event.kind == "step-started" and step is not None:
            self.running[step.description] = check_command(step)
            if not step.long:
                self.out.write(f"  ... {inert(step.description)}")
        elif event.kind == "step-finished" and step is not None:
            self.running.pop(step.description, None)
        elif event.kind == "job" and event.job is not None:
            job = event.job
            now = (job.percent, job.status)
            if self._last.get(job.id) != now:
                self._last[job.id] = now
                self.out.write(f"  [job {job.id} {job.percent:3d}%] {inert(job.operation)}: "
                               f"{inert(job.status)}")

    def interrupted(self, why: str, audit: AuditLog) -> Interrupted:
        """The one line to print when a signal stopped the run."""
        if not self.running:
            return Interrupted(f"{why}; no step was running, nothing more was changed",
                               hint=f"the audit log is {audit.path}")
        steps = "; ".join(f"'{d}' (check with `{c}`)" for d, c in self.running.items())
        return Interrupted(f"{why} while {steps} ran: its state on the host is unknown",
                           hint=f"recorded as interrupted in {audit.path}")


# --- confirming ---------------------------------------------------------------------------


def _confirm(plan: Plan, args: argparse.Namespace, stdin: TextIO | None, out: Output) -> bool:
    """Ask before a destructive change; True to go ahead. Refuses without a terminal."""
    if not plan.destructive or args.yes:
        return True
    targets = plan.targets
    named = inert(", ".join(targets))
    if stdin is None or not on_terminal(stdin):
        raise PlanRefused(f"{plan.title} is destructive ({named}) and there is no terminal to "
                          "ask on", hint="pass --yes to confirm it in a script")
    if len(targets) > 1:
        out.write(f"This changes {len(targets)} objects: {named}.")
        out.write(f"Type {len(targets)} to confirm: ", end="")
        return stdin.readline().strip() == str(len(targets))
    out.write(f"{plan.title}: this is destructive for {named}. Go ahead? [y/N] ", end="")
    return stdin.readline().strip().lower() in ("y", "yes")


# --- running ------------------------------------------------------------------------------


def run_request(args: argparse.Namespace, make: RequestMaker, *,
                stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """The handler of every action command."""
    from hvtui.session_setup import open_pool

    request = make(args)
    output = Output(out or sys.stdout)
    pool, source = open_pool(args)
    with asyncio.Runner() as loop:
        try:
            # sys.stdin is None when the command runs with standard input closed (cron, CI).
            return _act(loop, args, request, pool, source, stdin or sys.stdin, output)
        finally:
            loop.run(pool.close())


def _act(loop: asyncio.Runner, args: argparse.Namespace, request: Request, pool: SessionPool,
         source: Source, stdin: TextIO | None, out: Output) -> int:
    read_only = bool(getattr(args, "read_only", False) or source.read_only)
    audit = AuditLog(accounts=source.accounts)
    if read_only and not args.dry_run:
        raise PlanRefused(f"'{request.kind}' changes hosts and hvtui runs read-only",
                          hint="drop --read-only (or the inventory's read_only) to make "
                               "changes; --dry-run still shows the plan")
    if not args.dry_run:
        audit.ensure_writable()  # no audit, no change: say so before checking or asking
    try:
        plan = loop.run(build_plan(pool, request))
    except HvtuiError as exc:
        if not args.dry_run:
            _note(audit, exc.host or "", request.kind, request.audit_parameters(), "refused",
                  exc.user_message())
        raise
    plan = refuse_read_only_hosts(plan, source.read_only_hosts)
    as_json = getattr(args, "output", "table") == "json"
    report = out
    if as_json:
        out = Output(sys.stderr)  # stdout holds one JSON document; the prompt and progress
    else:                          # go to stderr
        out.write(format_plan(plan))
    if args.dry_run:
        if as_json:
            _write_json(report, {"dry_run": True, "plan": plan_json(plan), "result": None})
        out.write("\nDry run: nothing was changed.")
        return EXIT_REFUSED if plan.refused else EXIT_OK
    runner = PlanRunner(pool, audit=audit, jobs=JobManager(),
                        read_only_hosts=source.read_only_hosts)
    progress = _Progress(out)
    if plan.refused:
        result = loop.run(runner.run(plan))  # re-checks, audits the refusal
    elif plan.nothing_to_do:
        if as_json:
            _write_json(report, {"dry_run": False, "plan": plan_json(plan), "result": None})
        out.write("\nNothing to do: everything is already as asked.")
        return EXIT_OK
    else:
        try:
            confirmed = _confirm(plan, args, stdin, out)
        except PlanRefused as exc:
            _audit_plan(audit, plan, "refused", exc.user_message())
            raise
        except KeyboardInterrupt:
            _audit_plan(audit, plan, "cancelled", "interrupted at the confirmation prompt")
            raise
        if not confirmed:
            _audit_plan(audit, plan, "cancelled", "declined at the confirmation prompt")
            out.write("\nCancelled: nothing was changed.")
            return EXIT_REFUSED
        if not as_json:
            out.write()
        try:
            result = loop.run(interruptible(runner.run(plan, None if as_json else progress)))
        except Interrupted as exc:
            raise progress.interrupted(exc.cause, audit) from None
    out.write()
    out.write(format_result(result))
    if as_json:
        _write_json(report, {"dry_run": False, "plan": plan_json(result.plan),
                             "result": result_json(result)})
    for problem in result.audit_problems:
        say_error(f"WARNING: the audit log {audit.path} could not be written, so this is NOT "
                  f"recorded: {problem}")
    if result.refused:
        return EXIT_REFUSED
    return EXIT_OK if result.ok and not result.audit_problems else EXIT_PARTIAL


def _note(audit: AuditLog, host: str, operation: str, parameters: dict[str, Any], outcome: str,
          message: str) -> None:
    """Record a refusal or a cancellation; when the log fails, nothing changed: say so."""
    try:
        audit.record(host, operation, parameters, outcome, message)
    except AuditError as exc:
        say_error(f"WARNING: could not record '{outcome}' in the audit log: {exc.cause}")


def _audit_plan(audit: AuditLog, plan: Plan, outcome: str, message: str) -> None:
    for host in plan.hosts or ("",):
        _note(audit, host, plan.operation, plan.request.audit_parameters(), outcome, message)


# --- the commands -------------------------------------------------------------------------


def _refs(args: argparse.Namespace, names: list[str]) -> tuple[VmRef, ...]:
    return tuple(VmRef(n, args.host) for n in names)


def _on_off(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("on", "enable", "enabled", "true", "yes"):
        return True
    if lowered in ("off", "disable", "disabled", "false", "no"):
        return False
    raise PlanRefused(f"{value!r} is neither on nor off", hint="say on or off")


def _split_last(items: list[str], what: str) -> tuple[list[str], str]:
    """``A B C on`` -> (``[A, B, C]``, ``on``): several objects then one value."""
    if len(items) < 2:
        raise PlanRefused(f"name at least one {what} and then the value",
                          hint="see the command's --help")
    return items[:-1], items[-1]


def _common(p: argparse.ArgumentParser, *, host: bool = True) -> None:
    p.add_argument("--dry-run", action="store_true",
                   help="check and print the plan and its PowerShell; change nothing")
    p.add_argument("--yes", "-y", action="store_true",
                   help="confirm destructive changes without asking (for scripts)")
    if host:
        p.add_argument("--host", help="the VM's host, when the name exists on several (a "
                                      "replica carries its primary's name)")
    p.add_argument("-o", "--output", default="table", choices=["table", "json"],
                   help="json: the plan and what each step did as one JSON document on "
                        "stdout (the prompt and progress go to stderr)")


def run_command(args: argparse.Namespace) -> int:
    """``handler`` of every action command: the request comes from ``args.make_request``."""
    return run_request(args, args.make_request)


def _handler(make: RequestMaker) -> dict[str, Any]:
    return {"handler": run_command, "make_request": make}


common_options = _common
"""For the command modules registered beside this one (hvtui.cli_storage)."""
handler = _handler


# serial console (issue 12): a command that plans a change and then does more in its loop
def act_on_request(loop: asyncio.Runner, args: argparse.Namespace, request: Request,
                   pool: SessionPool, source: Source, stdin: TextIO | None, out: TextIO
                   ) -> int:
    """Plan, confirm, run and audit ``request`` as every action command does, on a pool and
    loop the caller keeps (``hvtui console`` relays the VM's console afterwards)."""
    return _act(loop, args, request, pool, source, stdin, Output(out))


def _migrate(a: argparse.Namespace) -> Request:
    if a.storage_path and not a.include_storage:
        raise PlanRefused("--storage-path needs --include-storage",
                          hint="add --include-storage to move the disks with the VM")
    return MigrateRequest(_refs(a, a.vms), a.to, a.include_storage, a.storage_path)


def _export(a: argparse.Namespace) -> Request:
    names, path = _split_last(a.items, "VM")
    return ExportRequest(_refs(a, names), path)


def _hosts_toggle(cls: type[EnhancedSessionRequest] | type[HostMigrationRequest]
                  ) -> RequestMaker:
    def make(a: argparse.Namespace) -> Request:
        hosts, value = _split_last(a.items, "host")
        return cls(tuple(hosts), _on_off(value))
    return make


def _guest_services(a: argparse.Namespace) -> Request:
    names, value = _split_last(a.items, "VM")
    return GuestServicesRequest(_refs(a, names), _on_off(value))


def _processor_compat(a: argparse.Namespace) -> Request:
    names, value = _split_last(a.items, "VM")
    return ProcessorCompatRequest(_refs(a, names), _on_off(value))


def _vm(a: argparse.Namespace) -> Request:
    return VmActionRequest(VmAction(a.action), _refs(a, a.vms), a.name or "")


def _frequency(a: argparse.Namespace) -> Request:
    names, value = _split_last(a.items, "VM")
    try:
        seconds = int(value)
    except ValueError:
        raise PlanRefused(f"{value!r} is not a number of seconds",
                          hint="use 30, 300 or 900") from None
    return ReplicaFrequencyRequest(_refs(a, names), seconds)


def _replication_pause(pause: bool) -> RequestMaker:
    return lambda a: ReplicationPauseRequest(_refs(a, a.vms), pause)


def register(sub: Any) -> None:
    """Add the action commands to ``hvtui``'s sub-parsers."""
    p = sub.add_parser("migrate", help="live-migrate VMs to another host (Move-VM)",
                       description="Live-migrate VMs to another host. Clustered VMs move as "
                                   "cluster roles to another node.")
    p.add_argument("vms", nargs="+", metavar="VM")
    p.add_argument("--to", required=True, metavar="HOST", help="destination host (or node)")
    p.add_argument("--include-storage", action="store_true",
                   help="move the VM's disks with it (needed when they are on local storage)")
    p.add_argument("--storage-path", default="", metavar="PATH",
                   help="where the disks go on the destination (default: its default folders)")
    _common(p)
    p.set_defaults(**_handler(_migrate))

    p = sub.add_parser("resize-vhd", help="grow or shrink a VM's virtual disk (Resize-VHD)")
    p.add_argument("vm", metavar="VM")
    p.add_argument("disk", metavar="DISK", help="path, location such as 'SCSI 0:1', or index "
                                                "from 0")
    p.add_argument("size", metavar="SIZE", help="'120 GiB', '+20G', '-10 GB', 'to minimum', "
                                                "'1.5T' or bytes")
    _common(p)
    p.set_defaults(**_handler(
        lambda a: ResizeRequest(VmRef(a.vm, a.host), a.disk, a.size)))

    p = sub.add_parser("export", help="export VMs to a folder on their host (Export-VM)")
    p.add_argument("items", nargs="+", metavar="VM [VM ...] PATH")
    _common(p)
    p.set_defaults(**_handler(_export))

    p = sub.add_parser("enhanced-session", help="turn hosts' enhanced session policy on/off")
    p.add_argument("items", nargs="+", metavar="HOST [HOST ...] on|off")
    _common(p, host=False)
    p.set_defaults(**_handler(_hosts_toggle(EnhancedSessionRequest)))

    p = sub.add_parser("host-migration", help="allow or forbid live migration on hosts")
    p.add_argument("items", nargs="+", metavar="HOST [HOST ...] on|off")
    _common(p, host=False)
    p.set_defaults(**_handler(_hosts_toggle(HostMigrationRequest)))

    p = sub.add_parser("guest-services", help="turn the Guest Service Interface on/off")
    p.add_argument("items", nargs="+", metavar="VM [VM ...] on|off")
    _common(p)
    p.set_defaults(**_handler(_guest_services))

    p = sub.add_parser("processor-compat", help="processor compatibility mode on/off for "
                                                "live migration between processor generations")
    p.add_argument("items", nargs="+", metavar="VM [VM ...] on|off")
    _common(p)
    p.set_defaults(**_handler(_processor_compat))

    p = sub.add_parser("copy-file", help="copy a file from the host into a running guest "
                                         "(Copy-VMFile)")
    p.add_argument("vm", metavar="VM")
    p.add_argument("source", metavar="SRC", help="the file's full path on the VM's host")
    p.add_argument("destination", metavar="DST", help="full path inside the guest")
    p.add_argument("--overwrite", action="store_true", help="replace the file if it exists")
    p.add_argument("--no-create-path", action="store_true",
                   help="fail instead of creating missing folders in the guest")
    _common(p)
    p.set_defaults(**_handler(lambda a: CopyFileRequest(
        VmRef(a.vm, a.host), a.source, a.destination, not a.no_create_path, a.overwrite)))

    vm = sub.add_parser("vm", help="create, delete, rename and set VMs; power and checkpoint "
                                   "actions")
    vsub = vm.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action in VmAction:
        p = vsub.add_parser(action.value, help=f"{action.value} VMs")
        p.add_argument("vms", nargs="+", metavar="VM")
        p.add_argument("--name", help="checkpoint name (checkpoint, apply-checkpoint, "
                                      "delete-checkpoint)")
        _common(p)
        p.set_defaults(**_handler(_vm))
    p = vsub.add_parser("set", help=cli_settings.HELP)
    p.add_argument("vms", nargs="+", metavar="VM")
    cli_settings.add_arguments(p)
    _common(p)
    p.set_defaults(**_handler(cli_settings.request))
    cli_vms.register(vsub, _common, _handler)
    # Move-VMStorage (issue 11, Edit Disk): hvtui vm move-storage
    from hvtui import cli_storage
    cli_storage.register_vm(vsub)
    cli_import.register(vsub, _common, _handler)  # import (issue 11, importvm)
    cli_ha.register(vsub, _common, _handler)  # high availability (issue 11, importvm)

    replica = sub.add_parser("replica", help="Hyper-V Replica actions")
    rsub = replica.add_subparsers(dest="replica_command", required=True)
    p = rsub.add_parser("frequency", help="how often changes are sent: 30, 300 or 900 s")
    p.add_argument("items", nargs="+", metavar="VM [VM ...] SECONDS")
    _common(p)
    p.set_defaults(**_handler(_frequency))
    for name, pause in (("pause", True), ("resume", False)):
        p = rsub.add_parser(name, help=f"{name} replication")
        p.add_argument("vms", nargs="+", metavar="VM")
        _common(p)
        p.set_defaults(**_handler(_replication_pause(pause)))
    # Replica failover: test, planned, unplanned, complete, cancel, reverse, resync, remove
    from hvtui import cli_failover
    cli_failover.register(rsub, _common, _handler)
    # Replica setup: enable replication, Replica server settings
    from hvtui import cli_replsetup
    cli_replsetup.register(rsub, _common, _handler)

    cluster = sub.add_parser("cluster", help="failover cluster actions")
    csub = cluster.add_subparsers(dest="cluster_command", required=True)
    p = csub.add_parser("drain", help="move a node's roles away and pause it")
    p.add_argument("node", metavar="NODE")
    p.add_argument("--force", action="store_true",
                   help="also move roles that cannot move safely (stopping them)")
    _common(p, host=False)
    p.set_defaults(**_handler(
        lambda a: NodePauseRequest(a.node, True, force_drain=a.force)))
    p = csub.add_parser("resume", help="resume a paused node")
    p.add_argument("node", metavar="NODE")
    p.add_argument("--failback", default="NoFailback", choices=FAILBACKS,
                   help="move roles back: NoFailback (default), Immediate, Policy")
    _common(p, host=False)
    p.set_defaults(**_handler(
        lambda a: NodePauseRequest(a.node, False, failback=a.failback)))
    p = csub.add_parser("drain-on-shutdown", help="turn the cluster's DrainOnShutdown on/off")
    p.add_argument("cluster", metavar="CLUSTER", help="the cluster or one of its nodes")
    p.add_argument("state", choices=["on", "off"])
    _common(p, host=False)
    p.set_defaults(**_handler(
        lambda a: DrainOnShutdownRequest(a.cluster, _on_off(a.state))))
    p = csub.add_parser("move", help="move a clustered VM to another node")
    p.add_argument("vm", metavar="VM")
    p.add_argument("--to", required=True, metavar="NODE")
    p.add_argument("--type", default="Live", choices=MIGRATION_TYPES)
    _common(p)
    p.set_defaults(**_handler(
        lambda a: RoleMoveRequest(VmRef(a.vm, a.host), a.to, a.type)))

    # console access: serial console (issue 12)
    from hvtui import cli_console
    cli_console.register(sub)
