"""hvtui host set on the lab: --help names the cmdlets, --dry-run shows old -> new and the
PowerShell and changes nothing, refusals say why and what to do, a change shows in the next
inventory and in the audit log."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lab_cli import audit, flat, run_cli

from hvtui.cli import main


def _host(capsys: pytest.CaptureFixture[str], name: str) -> dict[str, object]:
    code, out, _ = run_cli(capsys, "get", "hosts", "--host", name, "-o", "json")
    assert code == 0
    [row] = json.loads(out)
    return dict(row)


def test_help_names_the_cmdlets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["host", "set", "--help"])
    out = re.sub(r"-\s+", "-", re.sub(r"\s+", " ", capsys.readouterr().out))
    for cmdlet in ("Set-VMHost", "Enable-VMMigration", "Disable-VMMigration",
                   "Add-VMMigrationNetwork", "Remove-VMMigrationNetwork"):
        assert cmdlet in out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "Set-VMHost" in capsys.readouterr().out


def test_dry_run_shows_old_new_and_the_powershell_and_changes_nothing(
        capsys: pytest.CaptureFixture[str]) -> None:
    before = _host(capsys, "HV-2019")
    code, out, _ = run_cli(capsys, "host", "set", "HV-2019", "--numa-spanning", "off",
                           "--storage-migrations", "4", "--vm-path", "C:\\Hyper-V\\VMs",
                           "--authentication", "CredSSP", "--dry-run")
    text = flat(out)
    assert code == 0, out
    assert "NUMA spanning: on -> off: applies once the Virtual Machine Management service " \
           "restarts" in text
    assert "Simultaneous storage migrations: 2 -> 4" in text
    assert "Authentication: Kerberos -> CredSSP: you must log off and log on again" in text
    assert "signed in on the source host" in text
    assert ("Set-VMHost -VirtualMachinePath 'C:\\Hyper-V\\VMs'; Set-VMHost "
            "-NumaSpanningEnabled:$false; Set-VMHost -MaximumStorageMigrations 4") in text
    assert "Dry run: nothing was changed" in text
    assert _host(capsys, "HV-2019") == before


def test_a_change_shows_in_the_next_inventory_and_the_audit_log(
        capsys: pytest.CaptureFixture[str], state_dir: Path) -> None:
    code, out, err = run_cli(capsys, "host", "set", "HV-2019", "--numa-spanning", "off",
                             "--add-network", "10.0.77.0/24", "--simultaneous", "6",
                             "--vhd-path", "C:\\Disks", "--yes")
    assert code == 0, (out, err)
    after = _host(capsys, "HV-2019")
    assert after["numa_spanning"] is False and after["simultaneous_migrations"] == 6
    assert "10.0.77.0/24" in after["migration_networks"]  # type: ignore[operator]
    assert after["virtual_hard_disk_path"] == "C:\\Disks"
    lines = [e for e in audit(state_dir) if e.get("operation") == "host-settings"]
    assert [e["outcome"] for e in lines][-2:] == ["started", "succeeded"]


def test_the_performance_option_is_refused_on_2012_with_the_fix(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "host", "set", "HV-LEGACY", "--performance", "SMB",
                           "--yes")
    text = flat(out)
    assert code == 2
    assert "Performance option: TCP/IP only (before 2012 R2) -> SMB" in text
    assert "needs Windows Server 2012 R2 or later" in text
    assert "leave the performance option out" in text and "Refused, nothing was changed" in text


def test_a_folder_on_a_volume_the_host_lacks_is_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "host", "set", "HV-2019", "--vm-path", "Q:\\VMs", "--yes")
    assert code == 2
    assert "has no volume Q:" in flat(out)


@pytest.mark.parametrize(("argv", "said"), [
    (["--add-network", "127.0.0.1"], "Hyper-V cannot accept loopback addresses"),
    (["--add-network", "fe80::/64"], "Hyper-V cannot accept link local addresses"),
    (["--add-network", "ten-net"], "'ten-net' is not a subnet"),
    (["--vm-path", "VMs"], "is not a full path on the host"),
    (["--simultaneous", "0"], "--simultaneous: Simultaneous live migrations: 0 is not between"),
    (["--authentication", "NTLM"], "is not one of CredSSP, Kerberos"),
    ([], "no setting given"),
])
def test_bad_input_is_refused_before_anything_runs(
        capsys: pytest.CaptureFixture[str], argv: list[str], said: str) -> None:
    code, out, err = run_cli(capsys, "host", "set", "HV-2019", *argv, "--yes")
    assert code == 2
    assert said in flat(err), err


def test_removing_a_network_the_host_lacks_is_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "host", "set", "HV-2019", "--remove-network",
                           "192.0.2.0/24", "--yes", "-o", "json")
    assert code == 2
    plan = json.loads(out)["plan"]
    assert plan["refused"] is True
    [check] = [c for c in plan["checks"] if c["outcome"] == "fail"]
    assert "has no migration network 192.0.2.0/24" in check["detail"]


def test_quotes_and_dollars_in_a_folder_are_data(capsys: pytest.CaptureFixture[str]) -> None:
    folder = "C:\\O'Brien\\$(Remove-Item C:\\ -Recurse)\\`n;\u2019経理"
    code, out, _ = run_cli(capsys, "host", "set", "HV-2019", "--vm-path", folder, "--yes")
    assert code == 0, out
    assert _host(capsys, "HV-2019")["virtual_machine_path"] == folder
