"""The Events pane's rows (issue 12): one time axis, errors and warnings first, each newest
first; hvtui's jobs under way and hosts that could not answer among the hosts' events."""

from __future__ import annotations

import datetime as dt

from hvtui.hyperv import events as ev
from hvtui.hyperv.audit import AuditEntry
from hvtui.model import Job, JobState
from hvtui.ui import panes as P
from hvtui.ui.tablemodel import TableModel

T0 = dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC)


def _event(minutes: int, level: int, host: str = "HV1", event_id: int = 18500,
           message: str = "") -> ev.Event:
    return ev.Event(T0 + dt.timedelta(minutes=minutes), host, level,
                    "Microsoft-Windows-Hyper-V-VMMS", "Microsoft-Windows-Hyper-V-VMMS-Admin",
                    event_id, message or f"event at {minutes}")


def _shown(events: list[ev.Event]) -> list[tuple[str, ...]]:
    spec = P.EVENTS
    model = TableModel(spec.columns, sort=spec.sort, tiebreak=spec.tiebreak)
    model.set_rows(row for row, _ in P.event_rows(events))
    return [row.cells for row in model.view]


def test_errors_and_warnings_first_each_newest_first_as_the_cli_orders_them() -> None:
    events = [_event(0, ev.INFORMATION), _event(5, ev.INFORMATION), _event(1, ev.ERROR),
              _event(3, ev.WARNING, host="HV2"), _event(2, ev.CRITICAL)]
    shown = _shown(events)
    assert [r[6] for r in shown] == [e.message for e in ev.ordered(events)]
    assert [r[1] for r in shown] == ["Warning", "Critical", "Error", "Info", "Info"]
    assert shown[0][0] == "2025-01-06 08:03:00" and shown[0][2] == "HV2"


def test_same_event_twice_in_one_second_is_two_rows_and_sources_are_short() -> None:
    twice = [_event(0, ev.ERROR, event_id=21502), _event(0, ev.ERROR, event_id=21502)]
    rows = P.event_rows(twice)
    assert len({row.key for row, _ in rows}) == 2
    assert rows[0][0].cells[3] == "VMMS" and rows[0][0].group == "HV1"


def test_jobs_under_way_are_events_and_finished_ones_are_left_to_the_audit_log() -> None:
    running = Job(1, "HV1", "Export DC01", "DC01", T0, JobState.Running, 40, "copying")
    done = Job(2, "HV1", "Export WEB", "WEB", T0, JobState.Completed, 100, "done", T0)
    [job] = ev.job_events([running, done])
    assert job.vm_name == "DC01" and job.level == ev.INFORMATION
    assert job.message == "job 1 running 40%: Export DC01: copying"
    assert P.event_rows([job])[0][0].cells[3] == "hvtui job"


def test_audit_lines_are_kept_by_the_consoles_clock_and_failures_are_errors() -> None:
    old = AuditEntry((T0 - dt.timedelta(days=2)).isoformat(), "ann", "HV1", "vm-move",
                     {"VMName": "DC01"}, "failed", "refused by the host")
    new = AuditEntry(T0.isoformat(), "ann", "HV1", "vm-move", {"VMName": "DC01"}, "failed",
                     "refused by the host")
    [kept] = ev.audit_events([old, new], 24 * 60, now=T0 + dt.timedelta(minutes=1))
    assert kept.level == ev.ERROR and kept.vm_name == "DC01" and kept.source == "hvtui"


def test_a_host_that_could_not_answer_is_an_error_row_of_its_own() -> None:
    [row] = P.event_rows(ev.problem_events({"HV9": "HV9 did not list its events: denied"}, T0))
    assert row[0].cells[1:4] == ("Error", "HV9", "hvtui events")
    assert "denied" in row[0].cells[6]


def test_the_vm_an_event_names_in_each_of_hyper_vs_message_forms() -> None:
    gid = "0A1B2C3D-0000-4000-8000-000000000001"
    forms = {
        f"Virtual machine migration operation for 'MÜN-FS01' failed at migration source "
        f"'HV-2016'. (Virtual machine ID {gid}) refused": "MÜN-FS01",
        f"Hyper-V failed to replicate changes for virtual machine EXCH 01 (Virtual Machine ID "
        f"{gid}). Hyper-V will retry replication after 5 minute(s).": "EXCH 01",
        f"The Virtual Machine Management service successfully completed the live migration of "
        f"virtual machine 'SQL' with a blackout time of 0.4 seconds (VMID {gid}).": "SQL",
    }
    for message, name in forms.items():
        event = ev.Event(T0, "HV1", ev.INFORMATION, "p", "c", 1, message,
                         *ev._vm_of(message))
        assert (event.vm_name, event.vm_id) == (name, gid.lower()), message
        assert ev.about_vm([event], "nobody", gid) == [event]
    role = "Clustered role 'DC01' is moving from cluster node 'A' to cluster node 'B'."
    assert ev._vm_of(role) == ("", "DC01")
