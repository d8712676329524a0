"""hvtui console VM on the lab: COM 1 is connected by an audited plan first (--dry-run stops
there), then the guest answers what is typed; an off VM is refused with what to do."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from lab_cli import audit, flat, run_cli

from hvtui.cli import main


def test_help_names_the_cmdlets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["console", "--help"])
    out = re.sub(r"-\s+", "-", flat(capsys.readouterr().out))
    assert "Set-VMComPort" in out and "Ctrl+]" in out and "console=ttyS0" in out


def test_dry_run_shows_set_vmcomport_and_changes_nothing(
        capsys: pytest.CaptureFixture[str], state_dir: Path) -> None:
    code, out, _ = run_cli(capsys, "console", "EDGE-LNX01", "--dry-run")
    assert code == 0
    assert "Set-VMComPort -VMName 'EDGE-LNX01' -Number 1 -Path '\\\\.\\pipe\\hvtui-" in out
    assert "Dry run: nothing was changed." in out
    assert audit(state_dir) == []


def test_lines_typed_come_back_answered(capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch,
                                        state_dir: Path) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("uname\nhostname\nnosuch\n"))
    code, out, _ = run_cli(capsys, "console", "EDGE-LNX01", "--yes")
    assert code == 0, out
    assert "root@edge-lnx01:~# uname\r\nLinux\r\n" in out
    assert "root@edge-lnx01:~# hostname\r\nedge-lnx01\r\n" in out
    assert "-bash: nosuch: command not found" in out
    assert [e["outcome"] for e in audit(state_dir)] == ["started", "succeeded"]
    # the second time COM 1 is on its pipe already: no plan, no change
    monkeypatch.setattr("sys.stdin", io.StringIO("whoami\n"))
    code, out, _ = run_cli(capsys, "console", "EDGE-LNX01")
    assert code == 0 and "Plan:" not in out and "whoami\r\nroot\r\n" in out
    assert len(audit(state_dir)) == 2


def test_an_off_vm_is_refused_with_what_to_do(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = run_cli(capsys, "console", "WIN2022-SQL02", "--yes")
    assert code == 2
    assert "WIN2022-SQL02 is Off: its console answers once it runs" in flat(out)
    assert "serial console does not answer" in err and "start WIN2022-SQL02" in err
