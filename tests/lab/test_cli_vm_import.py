"""hvtui vm import on the lab: export a VM, then import it back three ways; --dry-run changes
nothing, a refusal says why and what to do, -o json gives the plan."""

from __future__ import annotations

import json
import re

import pytest
from lab_cli import audit, flat, run_cli

from hvtui.cli import main

EXPORTS = "\\\\NAS01\\Exports"
VMS = "C:\\ProgramData\\Microsoft\\Windows\\Hyper-V"


def _names(capsys: pytest.CaptureFixture[str], host: str) -> list[str]:
    capsys.readouterr()
    assert main(["get", "vms", "--host", host, "-o", "json"]) == 0
    return sorted(r["name"] for r in json.loads(capsys.readouterr().out))


def _export(capsys: pytest.CaptureFixture[str], vm: str, host: str) -> str:
    """Export ``vm`` to the share; the configuration file's path (its name is the VM's id)."""
    code, out, _ = run_cli(capsys, "export", vm, EXPORTS, "--yes")
    assert code == 0, out
    code, out, _ = run_cli(capsys, "get", "vms", "--host", host, "-o", "json")
    [vm_id] = [r["id"] for r in json.loads(out) if r["name"] == vm]
    return f"{EXPORTS}\\{vm}\\Virtual Machines\\{vm_id.upper()}.vmcx"


def test_help_names_the_cmdlets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["vm", "import", "--help"])
    out = re.sub(r"\s+", " ", capsys.readouterr().out)
    for text in ("Compare-VM -Path", "Import-VM", "--copy", "--new-id", "-GenerateNewId"):
        assert text in out


def test_in_place_on_the_same_host_is_refused_with_the_fix(
        capsys: pytest.CaptureFixture[str]) -> None:
    path = _export(capsys, "APP2016", "HV-2019")
    code, out, _ = run_cli(capsys, "vm", "import", "HV-2019", path, "--yes")
    assert code == 2
    text = flat(out)
    assert "APP2016 on HV-2019 already has this VM's id" in text
    assert "import a copy with a new id (--new-id)" in text
    assert "Refused, nothing was changed" in text


def test_copy_with_a_new_id_dry_run_then_for_real(
        capsys: pytest.CaptureFixture[str], state_dir: object) -> None:
    path = _export(capsys, "APP2016", "HV-2019")
    before = _names(capsys, "HV-2019")
    code, out, _ = run_cli(capsys, "vm", "import", "HV-2019", path, "--new-id", "--dry-run")
    text = flat(out)
    assert code == 0, out
    assert "HV-2019 reports no incompatibility" in text
    assert f"Import-VM -Path '{path}' -Copy -GenerateNewId" in text and "Dry run" in text
    assert _names(capsys, "HV-2019") == before
    code, out, _ = run_cli(capsys, "vm", "import", "HV-2019", path, "--new-id", "--yes")
    assert code == 0, out
    assert sorted(_names(capsys, "HV-2019")) == sorted([*before, "APP2016"])
    assert audit(state_dir)[-1]["operation"] == "vm-import"  # type: ignore[arg-type]


def test_a_newer_version_is_explained_on_an_older_host(
        capsys: pytest.CaptureFixture[str]) -> None:
    """R-VER-2: a 9.0 VM from 2019 cannot be imported on 2016 (up to 8.0)."""
    path = _export(capsys, "WIN2019-WEB", "HV-2019")
    code, out, _ = run_cli(capsys, "vm", "import", "HV-2016", path, "--copy", "-o", "json")
    assert code == 2
    plan = json.loads(out)
    failed = [c for c in plan["plan"]["checks"] if c["outcome"] == "fail"]
    assert any("cannot run the VM's configuration version" in c["detail"] for c in failed), failed
    assert any("newer Windows Server release" in c["fix"] for c in failed)


def test_copy_to_another_host_keeps_the_id(capsys: pytest.CaptureFixture[str]) -> None:
    path = _export(capsys, "K8S-NODE1", "HV-2019")
    code, out, _ = run_cli(capsys, "vm", "import", "HV-2022", path, "--copy",
                           "--vm-path", "V:\\VMs", "--yes")
    assert code == 0, out
    assert "K8S-NODE1" in _names(capsys, "HV-2022")
