"""``hvtui replica <failover command>`` on the embedded lab: dry runs, a walk through test,
planned and unplanned failover to completion, a refusal of each, ``-o json``, and
``--help`` naming the cmdlets. The lab's estate is kept in the test's state folder, so each
command sees what the one before it changed, as on a real estate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab_cli import flat, run_cli

from hvtui.cli import build_parser
from hvtui.cli_failover import HELP
from hvtui.model.failover import FailoverAction


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code, out, err = run_cli(capsys, "replica", *argv)
    return code, flat(out), err


def audit(state_dir: Path) -> list[tuple[str, str, str]]:
    lines = (state_dir / "audit.jsonl").read_text().splitlines()
    return [(e["host"], e["operation"], e["outcome"]) for e in map(json.loads, lines)]


@pytest.mark.parametrize("argv", [["test-failover", "FS01"], ["planned-failover", "FS01"],
                                  ["failover", "FS01"], ["remove", "SQL01"],
                                  ["failover", "ERP-APP", "--no-start"]],
                         ids=lambda a: " ".join(a))
def test_dry_runs_change_nothing(capsys: pytest.CaptureFixture[str], state_dir: Path,
                                 argv: list[str]) -> None:
    code, out, err = run(capsys, *argv, "--dry-run")
    assert code == 0, out + err
    assert "PowerShell that will run:" in out and "Dry run: nothing was changed." in out
    assert not (state_dir / "audit.jsonl").exists()


def test_planned_failover_shows_its_order_then_runs_it(capsys: pytest.CaptureFixture[str],
                                                      state_dir: Path) -> None:
    code, out, _ = run(capsys, "planned-failover", "FS01", "--dry-run")
    assert code == 0
    shown = [out.index(f"{n}. ") for n in range(1, 6)]
    assert shown == sorted(shown)
    assert ("on HV-NODE1: Start-VMFailover -VMName 'FS01' -Prepare -Confirm:$false" in out)
    assert "on HV-DR1: Set-VMReplication -VMName 'FS01' -Reverse" in out
    code, out, err = run(capsys, "planned-failover", "FS01")  # no terminal, no --yes
    assert code == 2 and "pass --yes" in err
    code, out, err = run(capsys, "planned-failover", "FS01", "--yes")
    assert code == 0, out + err
    assert "Done: 5 of 5 step(s) succeeded." in out
    assert [a for a in audit(state_dir) if a[2] != "refused"] == [
        ("HV-NODE1", "vm-stop", "started"), ("HV-NODE1", "vm-stop", "succeeded"),
        ("HV-NODE1", "replica-failover", "started"),
        ("HV-NODE1", "replica-failover", "succeeded"),
        ("HV-DR1", "replica-failover", "started"), ("HV-DR1", "replica-failover", "succeeded"),
        ("HV-DR1", "replication-reverse", "started"),
        ("HV-DR1", "replication-reverse", "succeeded"),
        ("HV-DR1", "vm-start", "started"), ("HV-DR1", "vm-start", "succeeded")]
    # And back: the roles swapped, so the same command now runs the other way.
    code, out, _ = run(capsys, "planned-failover", "FS01", "--dry-run")
    assert code == 0 and "on HV-DR1: Stop-VM -Name 'FS01' -Force" in out


def test_unplanned_failover_to_completion_and_a_refusal(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    code, out, err = run(capsys, "complete", "FS01")
    assert code == 2
    assert ("The operation cannot be performed while the virtual machine 'FS01' is in the "
            "current replication state." in out)
    assert "allowed now: test failover, failover (unplanned), remove replication" in out
    code, out, err = run(capsys, "failover", "FS01", "--yes")
    assert code == 0, out + err
    assert "hvtui replica complete FS01 --host HV-DR1" in out  # what comes next
    code, out, err = run(capsys, "complete", "FS01", "--yes")
    assert code == 0, out + err
    code, out, _ = run(capsys, "cancel", "FS01", "--dry-run")
    assert code == 2 and "allowed now: reverse replication, remove replication" in out


def test_test_failover_and_stop_test(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test-failover", "FS01")
    assert code == 0, out + err  # not destructive: no confirmation needed
    code, out, _ = run(capsys, "test-failover", "FS01", "--dry-run")
    assert code == 2 and "allowed now: stop the test failover" in out
    code, out, err = run(capsys, "stop-test", "FS01", "--yes")
    assert code == 0, out + err


def test_json_output_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "replica", "planned-failover", "FS01", "--yes", "-o", "json")
    assert code == 0
    document = json.loads(out)
    assert [s["command"] for s in document["plan"]["steps"]][1] == (
        "Start-VMFailover -VMName 'FS01' -Prepare -Confirm:$false")
    assert document["result"]["ok"]
    assert [s["outcome"] for s in document["result"]["steps"]] == ["succeeded"] * 5


def test_help_names_the_cmdlets() -> None:
    parser = build_parser()
    helps = {a: parser.parse_args(["replica", a.value, "VM"]) for a in FailoverAction}
    assert set(helps) == set(HELP)
    for action, (short, _) in HELP.items():
        assert "(" in short and "-VM" in short.split("(")[-1], action
