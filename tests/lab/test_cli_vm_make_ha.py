"""hvtui vm make-ha on the lab: refused before the host is asked for a VM with files on
local storage (each named, with the fix) and on a host that is no cluster node; a dry run
then the real thing for a VM on Cluster Shared Volumes, audited; a second time is refused."""

from __future__ import annotations

import json
import re

import pytest
from lab_cli import audit, flat, run_cli

from hvtui.cli import main


def test_help_names_the_cmdlet(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["vm", "make-ha", "--help"])
    out = re.sub(r"\s+", " ", capsys.readouterr().out)
    assert "Add-ClusterVirtualMachineRole" in out and "Cluster Shared Volume" in out


def test_local_storage_and_a_standalone_host_are_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "vm", "make-ha", "DC01", "--yes")
    text = flat(out)
    assert code == 2
    assert "disk D:\\Hyper-V\\DC01\\Virtual Hard Disks\\DC01.vhdx is not on cluster storage" \
        in text
    assert "Move-VMStorage" in text and "Refused, nothing was changed" in text
    code, out, _ = run_cli(capsys, "vm", "make-ha", "EDGE-LNX01", "--yes", "-o", "json")
    assert code == 2
    failed = [c for c in json.loads(out)["plan"]["checks"] if c["outcome"] == "fail"]
    assert [c["detail"] for c in failed] == ["HV-2025 is not a node of a failover cluster"]


def test_dry_run_then_for_real_then_refused_as_a_role_already(
        capsys: pytest.CaptureFixture[str], state_dir: object) -> None:
    code, out, _ = run_cli(capsys, "vm", "make-ha", "GC-SQL-B", "--dry-run")
    text = flat(out)
    assert code == 0, out
    assert "Add-ClusterVirtualMachineRole -VMName 'GC-SQL-B'" in text and "Dry run" in text
    code, out, _ = run_cli(capsys, "vm", "make-ha", "GC-SQL-B", "--yes", "-o", "json")
    assert code == 0, out
    [step] = json.loads(out)["result"]["steps"]
    assert step["objects"][0]["OwnerNode"] == "HV-NODE2"
    assert audit(state_dir)[-1]["operation"] == "vm-make-ha"  # type: ignore[arg-type]
    code, out, _ = run_cli(capsys, "vm", "make-ha", "GC-SQL-B", "--yes")
    assert code == 2 and "GC-SQL-B is already a role of HVC01" in flat(out)


def test_new_vm_highly_available_needs_its_files_on_a_csv(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "vm", "new", "HV-NODE1", "HA01", "--highly-available",
                           "--disk-size", "10GB", "--yes")
    text = flat(out)
    assert code == 2
    assert "the VM's folder C:\\ProgramData\\Microsoft\\Windows\\Hyper-V is not on a Cluster " \
           "Shared Volume" in text
    csv = "C:\\ClusterStorage\\Volume1"
    code, out, _ = run_cli(capsys, "vm", "new", "HV-NODE1", "HA01", "--highly-available",
                           "--disk-size", "10GB", "--path", csv,
                           "--disk-path", f"{csv}\\HA01\\HA01.vhdx", "--yes", "-o", "json")
    assert code == 0, out
    steps = json.loads(out)["result"]["steps"]
    assert "New-VM" in steps[0]["command"]
    assert steps[1]["command"] == "Add-ClusterVirtualMachineRole -VMName 'HA01'"
    assert steps[1]["objects"][0]["Name"] == "HA01"
    code, out, _ = run_cli(capsys, "vm", "new", "HV-2025", "HA02", "--highly-available",
                           "--yes")
    assert code == 2 and "HV-2025 is not a node of a failover cluster" in flat(out)
