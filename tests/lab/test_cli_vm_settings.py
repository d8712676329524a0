"""``hvtui vm set`` on the lab: a dry run, a change the inventory then reports, refusals
(per release and VM state, bad values, options of another action) and -o json."""

from __future__ import annotations

import json
import re

import pytest
from lab_cli import run_cli

from hvtui import cli


def test_help_names_the_cmdlets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["vm", "set", "--help"])
    # argparse wraps at hyphens too: read the help as one line
    out = " ".join(re.sub(r"-\n\s*", "-", capsys.readouterr().out).split())
    for cmdlet in ("Set-VMMemory", "Set-VMProcessor", "Set-VM", "Enable-/Disable-VM"):
        assert cmdlet in out
    assert "--memory-startup" in out and "--checkpoint-type" in out


def test_dry_run_shows_old_and_new_and_the_exact_powershell(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "vm", "set", "RHEL8-APP", "--memory-startup", "4GB",
                             "--dynamic-memory", "on", "--memory-maximum", "8GB",
                             "--processors", "4", "--checkpoint-type", "standard",
                             "--notes", "it's $(x); `y", "--dry-run")
    assert (code, err) == (0, "")
    assert "PASS  RHEL8-APP: Dynamic memory: off -> on" in out
    assert "RHEL8-APP: Checkpoint type: Production -> Standard" in out
    assert "Set-VMMemory -VMName 'RHEL8-APP' -DynamicMemoryEnabled:$true" in out
    assert "Set-VM -Name 'RHEL8-APP' -Notes 'it''s $(x); `y'" in out
    assert "Dry run: nothing was changed." in out


def test_a_change_runs_and_the_inventory_reports_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "vm", "set", "RHEL8-APP", "--processors", "3",
                           "--start-action", "Nothing", "--stop-action", "ShutDown", "--yes",
                           "-o", "json")
    assert code == 0, out
    done = json.loads(out)
    assert done["result"]["ok"]
    assert [r["outcome"] for r in done["result"]["steps"]] == ["succeeded"]
    code, out, _ = run_cli(capsys, "diff", "RHEL8-APP", "-o", "json")
    assert code == 0
    [shown] = json.loads(out)["vms"]
    assert shown["settings"]["processor_count"] == 3
    assert shown["settings"]["automatic_start_action"] == "Nothing"
    assert shown["settings"]["automatic_stop_action"] == "ShutDown"


def test_processor_count_of_a_running_vm_is_refused_with_the_fix(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "vm", "set", "WIN2022-DC", "--processors", "6", "--yes")
    assert code == 2
    assert "Hyper-V changes this only while a VM is off" in out
    assert "hvtui vm stop WIN2022-DC" in out


def test_checkpoint_type_is_refused_before_2016(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "vm", "set", "BUILD01", "--checkpoint-type", "Standard",
                           "--dry-run", "-o", "json")
    assert code == 2
    plan = json.loads(out)["plan"]
    assert plan["refused"] and plan["steps"] == []
    [fail] = [c for c in plan["checks"] if c["outcome"] == "fail"]
    assert "needs Windows Server 2016 or later" in fail["detail"]


@pytest.mark.parametrize(("argv", "said"), [
    (["vm", "set", "BUILD01", "--processors", "two"], "'two' is not a whole number"),
    (["vm", "set", "BUILD01", "--memory-startup", "1000001"], "2 MB units"),
    (["vm", "set", "BUILD01", "--stop-action", "Hibernate"], "not one of TurnOff, Save"),
    (["vm", "set", "BUILD01"], "no setting given"),
    (["vm", "set", "BUILD01", "--integration-service", "Telepathy=on"],
     "no integration service is called"),
])
def test_bad_input_is_refused_and_changes_nothing(capsys: pytest.CaptureFixture[str],
                                                  argv: list[str], said: str) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert said in err and err.count("\n") == 1


def test_diff_marks_what_differs_across_hosts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "diff", "BUILD01", "WIN2022-SQL02", "SQL01@HV-DR1")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "BUILD01@HV-LEGACY" in lines[0] and "SQL01@HV-DR1" in lines[0]
    checkpoint = next(line for line in lines if "Checkpoint type" in line)
    assert checkpoint.startswith("≠") and "standard only (before 2016)" in checkpoint
    buffer = next(line for line in lines if "Memory buffer" in line)
    assert not buffer.startswith("≠")
    code, out, _ = run_cli(capsys, "diff", "BUILD01", "WIN2022-SQL02", "-o", "json")
    document = json.loads(out)
    assert "checkpoint_type" in document["differ"] and "memory_buffer" not in document["differ"]
