"""The pure render layer: model values -> short text and a semantic colour role.

Nothing here imports Textual. A *role* is a name such as ``running`` or
``critical``; the theme maps each role to a colour (CSS variable ``$hv-<role>``),
so the same VM state looks right in every theme, and tests can assert on roles.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from hvtui.model import (
    VM,
    ClusterGroupState,
    ClusterNodeState,
    ClusterResourceState,
    DrainStatus,
    HeartbeatStatus,
    Job,
    JobState,
    ReplicationHealth,
    VMState,
)

ROLES: Final[tuple[str, ...]] = (
    "running", "off", "saved", "paused", "busy", "critical", "warning", "ok", "muted",
    "accent", "stale", "info",
)
"""Every semantic colour role a theme may define (as ``hv-<role>``)."""

ROLE_DEFAULTS: Final[dict[str, str]] = {
    # Mid-tone colours readable on dark and light backgrounds; hvtui's own themes
    # override every one of them.
    "running": "#3fb950",
    "off": "#8b949e",
    "saved": "#58a6ff",
    "paused": "#d29922",
    "busy": "#bc8cff",
    "critical": "#f85149",
    "warning": "#d29922",
    "ok": "#3fb950",
    "muted": "#8b949e",
    "accent": "#58a6ff",
    "stale": "#d29922",
    "info": "#58a6ff",
}

# Health severities: lower sorts first, so "problems first" is an ascending sort.
CRITICAL: Final = 0
WARNING: Final = 1
OK: Final = 2
UNKNOWN: Final = 3
SEVERITY_ROLE: Final[dict[int, str]] = {CRITICAL: "critical", WARNING: "warning", OK: "ok",
                                        UNKNOWN: "muted"}
SEVERITY_WORD: Final[dict[int, str]] = {CRITICAL: "critical", WARNING: "warning", OK: "ok",
                                        UNKNOWN: "unknown"}


# --- VM state and health --------------------------------------------------------------------

_STATE_ROLE: Final[dict[VMState, str]] = {
    VMState.Running: "running",
    VMState.Off: "off",
    VMState.Saved: "saved",
    VMState.FastSaved: "saved",
    VMState.Hibernated: "saved",
    VMState.Paused: "paused",
}


def _state_role(state: VMState) -> str:
    if state.is_critical:
        return "critical"
    role = _STATE_ROLE.get(state)
    if role is not None:
        return role
    if state is VMState.Other:
        return "muted"
    return "busy"


_STATE_ROLES: Final[dict[VMState, str]] = {state: _state_role(state) for state in VMState}


def vm_state_role(state: VMState) -> str:
    """Critical states are ``critical``; transitions (Starting, Saving...) are ``busy``."""
    return _STATE_ROLES[state]


_HEARTBEAT_BAD: Final = frozenset({HeartbeatStatus.Error, HeartbeatStatus.LostCommunication,
                                   HeartbeatStatus.OkApplicationsCritical})
CRITICAL_STATES: Final = frozenset(s for s in VMState if s.is_critical)
RUNNING_STATES: Final = frozenset(s for s in VMState if s.is_running)
"""Precomputed: the model's properties are called tens of thousands of times per refresh."""


def vm_health(vm: VM) -> tuple[int, str]:
    """``(severity, reason)`` for one VM: what an admin triaging the estate needs first."""
    if vm.state in CRITICAL_STATES:
        return CRITICAL, f"state {vm.state.name}: the VM's storage or configuration is unreachable"
    rep = vm.replication or vm.extended_replication
    if rep is None and vm.heartbeat is None:
        return OK, ""
    running = vm.state in RUNNING_STATES
    if running and vm.heartbeat in _HEARTBEAT_BAD:
        return CRITICAL, f"heartbeat {vm.heartbeat.name if vm.heartbeat else ''}"
    if rep is not None and rep.health is ReplicationHealth.Critical:
        return CRITICAL, "replication critical"
    if rep is not None and rep.health is ReplicationHealth.Warning:
        return WARNING, "replication warning"
    if running and vm.heartbeat is HeartbeatStatus.NoContact:
        return WARNING, "no heartbeat from the guest"
    return OK, ""


_REP_ROLE: Final = {ReplicationHealth.Normal: "ok", ReplicationHealth.Warning: "warning",
                    ReplicationHealth.Critical: "critical"}
_REP_SEVERITY: Final = {ReplicationHealth.Critical: CRITICAL, ReplicationHealth.Warning: WARNING,
                        ReplicationHealth.Normal: OK}


def replication_health_role(health: ReplicationHealth) -> str:
    return _REP_ROLE.get(health, "muted")


def replication_severity(health: ReplicationHealth) -> int:
    return _REP_SEVERITY.get(health, UNKNOWN)


def heartbeat_role(heartbeat: HeartbeatStatus | None, running: bool) -> str:
    if heartbeat is None or not running:
        return "muted"
    if heartbeat in _HEARTBEAT_BAD:
        return "critical"
    if heartbeat.is_ok:
        return "ok"
    if heartbeat is HeartbeatStatus.NoContact:
        return "warning"
    return "muted"


_HEARTBEAT_TEXT: Final = {
    HeartbeatStatus.OkApplicationsHealthy: "OK",
    HeartbeatStatus.OkApplicationsUnknown: "OK",
    HeartbeatStatus.OkApplicationsCritical: "OK, apps critical",
    HeartbeatStatus.NoContact: "No contact",
    HeartbeatStatus.LostCommunication: "Lost",
}


def heartbeat_text(heartbeat: HeartbeatStatus | None) -> str:
    if heartbeat is None:
        return "-"
    return _HEARTBEAT_TEXT.get(heartbeat) or heartbeat.name


# --- clusters, jobs, audit ------------------------------------------------------------------

def node_state_role(state: ClusterNodeState) -> str:
    return {
        ClusterNodeState.Up: "ok",
        ClusterNodeState.Paused: "warning",
        ClusterNodeState.Down: "critical",
        ClusterNodeState.Joining: "busy",
    }.get(state, "muted")


def drain_role(status: DrainStatus) -> str:
    return {
        DrainStatus.InProgress: "busy",
        DrainStatus.Completed: "info",
        DrainStatus.Failed: "critical",
    }.get(status, "muted")


def group_state_role(state: ClusterGroupState) -> str:
    return {
        ClusterGroupState.Online: "running",
        ClusterGroupState.Offline: "off",
        ClusterGroupState.Failed: "critical",
        ClusterGroupState.PartialOnline: "warning",
        ClusterGroupState.Pending: "busy",
    }.get(state, "muted")


def csv_state_role(state: ClusterResourceState) -> str:
    return {
        ClusterResourceState.Online: "ok",
        ClusterResourceState.Pending: "warning",
        ClusterResourceState.OnlinePending: "warning",
        ClusterResourceState.OfflinePending: "warning",
        ClusterResourceState.Offline: "critical",
        ClusterResourceState.Failed: "critical",
    }.get(state, "muted")


def job_state_role(state: JobState) -> str:
    return {
        JobState.Queued: "muted",
        JobState.Running: "busy",
        JobState.Completed: "ok",
        JobState.Failed: "critical",
        JobState.Cancelled: "warning",
    }[state]


def audit_outcome_role(outcome: str) -> str:
    return {
        "succeeded": "ok",
        "failed": "critical",
        "refused": "warning",
        "cancelled": "warning",
        "started": "busy",
    }.get(outcome, "muted")


# --- numbers, sizes, times ------------------------------------------------------------------

_UNITS: Final = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def fmt_bytes(n: int) -> str:
    """Binary units, named as such (``4.0 GiB``, ``512 MiB``): the one unit system of the
    console, the wizards (:func:`hvtui.hyperv.sizes.human`) and ``hvtui get`` tables."""
    if n <= 0:
        return "0 B" if n == 0 else "-"
    value = float(n)
    unit = 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        return f"{n} B"
    return f"{value:.1f} {_UNITS[unit]}" if value < 100 else f"{value:.0f} {_UNITS[unit]}"


def fmt_duration(seconds: float) -> str:
    """``3d 4h``, ``5h 12m``, ``12m 5s``, ``45s``; two units at most."""
    s = int(seconds)
    if s <= 0:
        return "0s"
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def fmt_age(seconds: float | None) -> str:
    """How long ago, compact: ``now``, ``12s``, ``5m``, ``2h``, ``3d``; ``never`` for None."""
    if seconds is None:
        return "never"
    s = int(seconds)
    if s < 2:
        return "now"
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def age_seconds(then: dt.datetime | None, now: dt.datetime) -> float | None:
    """Seconds from ``then`` to ``now`` (never negative: clocks of hosts drift)."""
    if then is None:
        return None
    return max(0.0, (now - then).total_seconds())


def fmt_frequency(seconds: int, fixed: bool = False) -> str:
    """``30s``, ``5m``; ``5m fixed`` where the host cannot change it (2012); ``?`` when the
    host did not report it."""
    if seconds <= 0:
        return "?"
    text = f"{seconds}s" if seconds < 60 else f"{seconds // 60}m"
    return f"{text} fixed" if fixed else text


def fmt_drain_on_shutdown(value: bool | None) -> tuple[str, str]:
    """(text, role) for a cluster's DrainOnShutdown; None: the release has no such setting."""
    if value is None:
        return "DrainOnShutdown n/a (2012)", "muted"
    return ("DrainOnShutdown on", "ok") if value else ("DrainOnShutdown OFF", "warning")


def fmt_time(when: dt.datetime | None) -> str:
    """Local wall-clock time for jobs and audit entries."""
    if when is None:
        return "-"
    return when.astimezone().strftime("%H:%M:%S")


def progress_bar(percent: int, width: int = 10) -> str:
    """``#####-----  50%`` in plain ASCII so it survives any terminal."""
    pct = max(0, min(100, percent))
    filled = round(width * pct / 100)
    return f"{'#' * filled}{'-' * (width - filled)} {pct:3d}%"


def job_timing(job: Job, now: dt.datetime) -> str:
    """``12s elapsed, about 18s left`` while a job runs; ``took 30s`` once it ended."""
    if job.finished is not None:
        return f"took {fmt_duration(job.elapsed(now))}"
    left = job.remaining(now)
    text = f"{fmt_duration(job.elapsed(now))} elapsed"
    return text + (f", about {fmt_duration(left)} left" if left is not None else "")
