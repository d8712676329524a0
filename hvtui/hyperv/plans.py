"""Plans: what a change will do, checked before anything runs.

Every change in hvtui is a :class:`Plan`: the pre-flight :class:`Check` list (pass, warn or
fail, each with a fix), and the :class:`Step` list, each step one catalog script on one host
with its parameters and the exact PowerShell a person can read before confirming. A plan is
plain frozen data: wizards and the command line build one and hand it to
:mod:`hvtui.hyperv.operations`, which re-checks it against the hosts and runs it.

The request types say what a person asked for; the plan is what hvtui will do about it
against the hosts' state at the time it was checked.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

from hvtui.errors import PlanRefused
from hvtui.hyperv.commands import command_for
from hvtui.model import VM, Host
from hvtui.ps import catalog
from hvtui.remote.base import ParamValue


class Outcome(enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Check:
    """One pre-flight check, as a line of the checklist."""

    name: str
    """What was checked, e.g. ``Configuration version``."""
    outcome: Outcome
    detail: str
    """What hvtui found, in plain words (the host's own message when the host said no)."""
    fix: str = ""
    """What to do about a warning or failure."""
    subject: str = ""
    """The VM, disk or host the check is about (empty when the plan has one subject)."""

    @property
    def label(self) -> str:
        return f"{self.subject}: {self.name}" if self.subject else self.name


def passed(name: str, detail: str, subject: str = "") -> Check:
    return Check(name, Outcome.PASS, detail, "", subject)


def warned(name: str, detail: str, fix: str = "", subject: str = "") -> Check:
    return Check(name, Outcome.WARN, detail, fix, subject)


def failed(name: str, detail: str, fix: str, subject: str = "") -> Check:
    return Check(name, Outcome.FAIL, detail, fix, subject)


@dataclass(frozen=True, slots=True)
class Step:
    """One catalog script run on one host."""

    host: str
    script: str
    """Catalog script name, e.g. ``vm-move``."""
    parameters: Mapping[str, ParamValue] = field(hash=False)
    description: str
    """For people: ``Live-migrate web01 from HV-2012 to HV-2012R2``."""
    command: str
    """The exact PowerShell that runs, as shown before confirming."""
    target: str = ""
    """The object acted on (VM, node, host), named in confirmations, jobs and the audit log."""
    destructive: bool = False
    """Loses state or interrupts service (turn off, apply/delete checkpoint, drain)."""
    long: bool = False
    """Runs as a job with progress (migration, export, resize, drain)."""
    peers: tuple[str, ...] = ()
    """Other hosts the step changes or keeps busy: a migration's destination, the node a
    cluster role moves to, the replica server. Read-only hosts are checked against these
    too, and simultaneous migrations are queued by them."""
    advice: tuple[tuple[str, str], ...] = field(default=(), hash=False)
    """What to do when the host's message holds a code (an HRESULT such as ``0x80070050``,
    the same in every display language): (code, advice) pairs."""

    def advise(self, message: str) -> str:
        """The host's ``message``, with what to do next when it holds a known code."""
        for code, advice in self.advice:
            if code.lower() in message.lower():
                return f"{message}. {advice}"
        return message

    @property
    def identity(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """What makes two steps the same change (used to notice the estate moved on)."""
        return (self.host.lower(), self.script,
                tuple(sorted((k, repr(v)) for k, v in self.parameters.items())))


def script_refusal(host: Host, script: str) -> str | None:
    """Why ``script`` must not run on ``host`` (its header's releases, modules and editions),
    or None. This is where the client honours what a catalog script declares it needs."""
    return catalog.get(script).refusal(host.name, host.release.short, host.modules, host.edition)


def make_step(host: Host, script: str, parameters: Mapping[str, ParamValue], description: str,
              *, target: str = "", destructive: bool = False, long: bool = False,
              peers: tuple[str, ...] = (), shown: Mapping[str, ParamValue] | None = None,
              advice: tuple[tuple[str, str], ...] = ()) -> Step:
    """A step for a catalog script on ``host``, as the host reported itself just now.

    Refuses (:class:`~hvtui.errors.PlanRefused`) a script whose header excludes the host's
    release, modules or PowerShell edition, before anything runs; parameters the script does
    not declare are a bug. ``shown`` adds values only the shown command uses (the host's own
    name for an integration service, say), never sent to the host.
    """
    known = catalog.get(script)
    unknown = sorted(set(parameters) - set(known.parameters))
    if unknown:
        raise ValueError(f"{script}.ps1 has no parameter(s) {', '.join(unknown)}")
    refusal = script_refusal(host, script)
    if refusal is not None:
        raise PlanRefused(refusal, host=host.name,
                          hint="run it on a host that has what the script needs")
    params = dict(parameters)
    try:
        command = command_for(script, {**params, **(shown or {})})
    except ValueError as exc:  # a value PowerShell cannot be given (a NUL in a VM's name)
        raise PlanRefused(f"{description}: {exc}", host=host.name,
                          hint="rename the object on the host first") from None
    return Step(host=host.name, script=script, parameters=params, description=description,
                command=command,
                target=target, destructive=destructive, long=long, peers=peers,
                advice=advice)


# --- what people ask for ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VmRef:
    """A VM by name, on one host when given (a replica shares its primary's name).

    The console also gives the VM's id: the plan is then about that very VM, whatever else
    is called alike; the command line names VMs by name only."""

    name: str
    host: str | None = None
    id: str | None = field(default=None, compare=False)
    """The VM's id when it was picked from the estate (the console)."""

    @classmethod
    def of(cls, vm: VM) -> VmRef:
        """The reference to a VM picked in the console."""
        return cls(vm.name, vm.host, vm.id)

    def __str__(self) -> str:
        return f"{self.name} on {self.host}" if self.host else self.name


@dataclass(frozen=True, slots=True)
class Request:
    kind: ClassVar[str] = "request"
    """The operation name used in the audit log and the command line."""

    def audit_parameters(self) -> dict[str, Any]:
        """The request as plain JSON-able data, for the audit log."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _plain(value: object) -> Any:
    if isinstance(value, VmRef):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class MigrateRequest(Request):
    kind: ClassVar[str] = "migrate"
    vms: tuple[VmRef, ...]
    destination: str
    include_storage: bool = False
    storage_path: str = ""


@dataclass(frozen=True, slots=True)
class ResizeRequest(Request):
    kind: ClassVar[str] = "resize-vhd"
    vm: VmRef
    disk: str
    """A disk path, a controller location such as ``SCSI 0:1``, or the index (from 0)."""
    size: str
    """As the person wrote it: ``120 GiB``, ``+20G``, ``to minimum`` (see :mod:`sizes`)."""


@dataclass(frozen=True, slots=True)
class ExportRequest(Request):
    kind: ClassVar[str] = "export"
    vms: tuple[VmRef, ...]
    path: str


@dataclass(frozen=True, slots=True)
class EnhancedSessionRequest(Request):
    kind: ClassVar[str] = "enhanced-session"
    hosts: tuple[str, ...]
    enabled: bool


@dataclass(frozen=True, slots=True)
class HostMigrationRequest(Request):
    kind: ClassVar[str] = "host-migration"
    hosts: tuple[str, ...]
    enabled: bool


@dataclass(frozen=True, slots=True)
class ProcessorCompatRequest(Request):
    kind: ClassVar[str] = "processor-compat"
    vms: tuple[VmRef, ...]
    enabled: bool


@dataclass(frozen=True, slots=True)
class GuestServicesRequest(Request):
    kind: ClassVar[str] = "guest-services"
    vms: tuple[VmRef, ...]
    enabled: bool


@dataclass(frozen=True, slots=True)
class CopyFileRequest(Request):
    kind: ClassVar[str] = "copy-file"
    vm: VmRef
    source: str
    """A file on the VM's host."""
    destination: str
    """Where it goes inside the guest."""
    create_full_path: bool = True
    overwrite: bool = False


class VmAction(enum.Enum):
    """Everyday actions on VMs, by their command-line names."""

    START = "start"
    STOP = "stop"
    TURN_OFF = "turn-off"
    SAVE = "save"
    PAUSE = "pause"
    RESUME = "resume"
    RESTART = "restart"
    CHECKPOINT = "checkpoint"
    APPLY_CHECKPOINT = "apply-checkpoint"
    DELETE_CHECKPOINT = "delete-checkpoint"


@dataclass(frozen=True, slots=True)
class VmActionRequest(Request):
    kind: ClassVar[str] = "vm"
    action: VmAction
    vms: tuple[VmRef, ...]
    checkpoint: str = ""
    """The checkpoint's name (new, to apply or to delete)."""


@dataclass(frozen=True, slots=True)
class ReplicaFrequencyRequest(Request):
    kind: ClassVar[str] = "replica-frequency"
    vms: tuple[VmRef, ...]
    seconds: int


@dataclass(frozen=True, slots=True)
class ReplicationPauseRequest(Request):
    kind: ClassVar[str] = "replica-pause"
    vms: tuple[VmRef, ...]
    pause: bool
    """True to pause (suspend) replication, False to resume it."""


@dataclass(frozen=True, slots=True)
class NodePauseRequest(Request):
    kind: ClassVar[str] = "cluster-node"
    node: str
    pause: bool
    """True drains and pauses the node; False resumes it."""
    failback: str = "NoFailback"
    """On resume: ``NoFailback``, ``Immediate`` or ``Policy``."""
    force_drain: bool = False


@dataclass(frozen=True, slots=True)
class DrainOnShutdownRequest(Request):
    kind: ClassVar[str] = "cluster-drain-on-shutdown"
    cluster: str
    """The cluster's name, or one of its nodes."""
    enabled: bool


@dataclass(frozen=True, slots=True)
class RoleMoveRequest(Request):
    kind: ClassVar[str] = "cluster-move"
    vm: VmRef
    node: str
    migration_type: str = "Live"


# --- the plan -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    """Checked steps for one request."""

    title: str
    request: Request
    checks: tuple[Check, ...]
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    """What to do afterwards (e.g. extend the partition inside the guest)."""
    limits: tuple[tuple[str, int], ...] = ()
    """Per host, how many steps may run at once (simultaneous live migrations); empty: one
    step after the other."""

    @property
    def operation(self) -> str:
        return self.request.kind

    @property
    def checks_by_outcome(self) -> tuple[Check, ...]:
        """The checklist as people read it: FAIL first, then WARN, then PASS (each group in
        the planner's order)."""
        rank = {Outcome.FAIL: 0, Outcome.WARN: 1, Outcome.PASS: 2}
        return tuple(sorted(self.checks, key=lambda c: rank[c.outcome]))

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.outcome is Outcome.FAIL)

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.outcome is Outcome.WARN)

    @property
    def refused(self) -> bool:
        """A failed check refuses the whole plan."""
        return bool(self.failures)

    @property
    def nothing_to_do(self) -> bool:
        return not self.refused and not self.steps

    @property
    def destructive(self) -> bool:
        return any(s.destructive for s in self.steps)

    @property
    def targets(self) -> tuple[str, ...]:
        """The objects the steps act on, each once, in order."""
        seen: dict[str, None] = {}
        for step in self.steps:
            seen.setdefault(step.target or step.host, None)
        return tuple(seen)

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts the steps run on."""
        seen: dict[str, None] = {}
        for step in self.steps:
            seen.setdefault(step.host, None)
        return tuple(seen)

    @property
    def touched_hosts(self) -> tuple[str, ...]:
        """Every host the plan changes: where the steps run, and their peers."""
        seen: dict[str, None] = {}
        for step in self.steps:
            for host in (step.host, *step.peers):
                if not any(same_host(host, h) for h in seen):
                    seen.setdefault(host, None)
        return tuple(seen)

    def refusal(self) -> str:
        """Why the plan is refused, one clause per failed check."""
        return "; ".join(f"{c.label}: {c.detail}" for c in self.failures)

    def limit(self, host: str) -> int | None:
        return next((n for h, n in self.limits if h.lower() == host.lower()), None)


def same_host(a: str, b: str) -> bool:
    """Whether two names are one host: case-insensitive, ``HV-DR1`` = ``hv-dr1.contoso.local``
    (cluster nodes and replica servers are often named without the domain)."""
    a, b = a.casefold().rstrip("."), b.casefold().rstrip(".")
    if a == b:
        return True
    if not a or not b or a.replace(".", "").isdigit() or b.replace(".", "").isdigit():
        return False
    return a.split(".", 1)[0] == b.split(".", 1)[0] and ("." not in a or "." not in b)


def refuse_read_only_hosts(plan: Plan, read_only_hosts: Collection[str]) -> Plan:
    """``plan`` with a failed check for each read-only host it would change (itself when none)."""
    if not read_only_hosts or not plan.steps:
        return plan
    locked = [h for h in plan.touched_hosts if any(same_host(h, r) for r in read_only_hosts)]
    if not locked:
        return plan
    checks = tuple(failed("Read-only host", f"{h} is read-only in the inventory, and this plan "
                                            "would change it",
                          f"remove read_only from {h} in the inventory to make changes there",
                          h) for h in locked)
    return replace(plan, checks=plan.checks + checks)


def skip_or_refuse(cannot: list[Check], proceeding: int, bulk: bool) -> list[Check]:
    """Targets that cannot take the change: skipped (a warning) while others in a bulk request
    proceed; a failure that refuses the plan when the request names one target or none can."""
    if bulk and proceeding:
        return [warned(c.name, f"skipped: {c.detail}", c.fix, c.subject) for c in cannot]
    return [failed(c.name, c.detail, c.fix, c.subject) for c in cannot]
