"""``hvtui events`` on the embedded lab: hosts' events with hvtui's audit log."""

from __future__ import annotations

import json

import pytest
from lab_cli import run_cli


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    code, out, err = run_cli(capsys, "events", *argv, "-o", "json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_help_names_the_cmdlet(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_cli(capsys, "events", "--help")
    assert "Get-WinEvent" in capsys.readouterr().out


def test_a_lagging_replica_is_a_warning_and_vm_filters(
        capsys: pytest.CaptureFixture[str]) -> None:
    document = _json(capsys, "--vm", "EXCH01")
    events = document["events"]
    assert isinstance(events, list) and events
    assert {(e["host"], e["level"], e["id"]) for e in events} == {("HV-NODE2", "Warning", 32315)}
    assert document["unreachable"] == {}


def test_a_stop_shows_with_info_beside_the_audit_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(capsys, "vm", "turn-off", "JUMP01", "--yes")
    assert code == 0, err
    events = _json(capsys, "HV-DR1", "--vm", "JUMP01", "--level", "info")["events"]
    assert isinstance(events, list)
    sources = {(e["source"], e["id"]) for e in events}
    assert ("Microsoft-Windows-Hyper-V-Worker", 18502) in sources
    assert any(source == "hvtui" for source, _ in sources)
    quiet = _json(capsys, "HV-DR1", "--vm", "JUMP01")["events"]
    assert isinstance(quiet, list)
    assert all(e["level"] != "Info" for e in quiet)


def test_a_bad_span_or_host_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "events", "--since", "soon")
    assert code != 0 and "30m, 1h or 2d" in out + err
    code, out, err = run_cli(capsys, "events", "HV-NOPE")
    assert code != 0 and "no host named HV-NOPE" in out + err
