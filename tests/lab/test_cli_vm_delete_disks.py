"""hvtui vm delete --with-disks on the lab: the plan names the files and the Remove-Item line,
--dry-run deletes nothing, the real run deletes the VM and its disk file (the result says
which), and without the option the file stays and is listed."""

from __future__ import annotations

import json
import re

import pytest
from lab_cli import flat, run_cli

from hvtui.cli import main

DISK = "D:\\VMs\\BUILD01\\BUILD01.vhdx"


def test_help_names_the_option_and_the_cmdlets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["vm", "delete", "--help"])
    out = re.sub(r"\s+", " ", capsys.readouterr().out)
    for text in ("--with-disks", "Remove-VM", "Remove-Item", "another VM uses"):
        assert text in out


def test_dry_run_then_delete_with_the_disk(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "vm", "delete", "BUILD01", "--with-disks", "--dry-run")
    text = flat(out)
    assert code == 0, out
    assert f"Remove-VM -Name 'BUILD01' -Force; Remove-Item -LiteralPath @('{DISK}') -Force" \
        in text
    assert "This cannot be undone" in text and "Dry run" in text
    code, out, _ = run_cli(capsys, "vm", "delete", "BUILD01", "--with-disks", "--yes",
                           "-o", "json")
    assert code == 0, out
    [step] = json.loads(out)["result"]["steps"]
    [record] = step["objects"]
    assert record["Deleted"] == [DISK] and record["NotDeleted"] == []
    # The file is gone: a new VM cannot attach it.
    code, out, _ = run_cli(capsys, "vm", "new", "HV-LEGACY", "BUILD02", "--disk", DISK,
                           "--yes")
    assert code != 0


def test_without_the_option_the_file_stays_and_is_listed(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "vm", "delete", "BUILD01", "--yes", "-o", "json")
    assert code == 0, out
    document = json.loads(out)
    assert any(DISK in n for n in document["plan"]["notes"])
    [step] = document["result"]["steps"]
    assert step["objects"][0]["KeptDisks"] == [DISK] and step["objects"][0]["Deleted"] == []
    code, out, _ = run_cli(capsys, "vm", "new", "HV-LEGACY", "BUILD02", "--disk", DISK,
                           "--yes")
    assert code == 0, out
