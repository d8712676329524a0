"""A generation 2 VM's first boot device (vm-boot-order.ps1: Set-VMFirmware -FirstBootDevice
with one of the VM's own devices), on the lab per release; why its header allows Windows
PowerShell only; and `hvtui vm set --first-boot` with --dry-run and its refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from lab_cli import flat, run_cli
from lab_console import console
from test_lab_support import SMALL, default_lab, inventory, kinds, run, write_scenario

from hvtui.hyperv.commands import command_for
from hvtui.lab import Lab
from hvtui.lab.failures import INVALID_STATE
from hvtui.ps import catalog

SCRIPT = catalog.get("vm-boot-order")


async def _first_boot(lab: Lab, host: str, name: str) -> object:
    inv = await inventory(lab, host)
    vm_id = next(v["Id"] for v in inv["VM"] if v["Name"] == name)
    return next(s for s in inv["Settings"] if s["VMId"] == vm_id)["FirstBootDevice"]


@pytest.mark.parametrize(("host", "vm"), [("HV-DR1", "EXCH01"), ("HV-2016", "MÜN-LNX01"),
                                          ("HV-2019", "RHEL8-APP"), ("HV-2022", "LEGACY-BIZ")])
async def test_2012_r2_and_later_boot_a_generation_2_vm_from_the_device_chosen(
        host: str, vm: str) -> None:
    lab = default_lab()
    assert await _first_boot(lab, host, vm) == "HardDrive"
    result = await run(lab, host, "vm-boot-order", VMName=vm, FirstBootDevice="Network")
    assert result.ok, result.errors
    assert [r["FirstBootDevice"] for r in kinds(result, "BootOrder")] == ["Network"]
    assert await _first_boot(lab, host, vm) == "Network"
    back = await run(lab, host, "vm-boot-order", VMName=vm, FirstBootDevice="HardDrive")
    assert back.ok and kinds(back, "BootOrder")[0]["FirstBootDevice"] == "HardDrive"


async def test_a_vm_without_that_device_and_a_running_vm_are_refused_by_the_host() -> None:
    lab = default_lab()
    no_dvd = await run(lab, "HV-2022", "vm-boot-order", VMName="LEGACY-BIZ",
                       FirstBootDevice="DVD")
    assert not no_dvd.ok
    assert "The VM has no DVD device to boot from: add one first." in no_dvd.errors[0].message
    running = await run(lab, "HV-2022", "vm-boot-order", VMName="WIN2022-DC",
                        FirstBootDevice="Network")
    assert [e.message for e in running.errors] == [INVALID_STATE]


def test_the_header_keeps_it_off_2012_and_off_powershell_7() -> None:
    desktop = SCRIPT.refusal("HV-2016", "2016", ["Hyper-V"], "Desktop")
    assert desktop is None
    old = SCRIPT.refusal("HV-LEGACY", "2012", ["Hyper-V"])
    assert old and "runs on Windows Server 2012 R2 and later only" in old
    core = SCRIPT.refusal("HV-2025", "2025", ["Hyper-V"], "Core")
    assert core and "does not run on HV-2025 under PowerShell 7" in core
    assert "PowerShell#14738" in core


def test_under_pwsh_7_on_2016_the_device_object_is_refused(tmp_path: Path) -> None:
    """What the Editions line guards against: on 2016 pwsh 7 loads Hyper-V through the
    compatibility layer, the drive comes back deserialized and Set-VMFirmware refuses it."""
    text = SMALL.replace('os = "2012R2"', 'os = "2016"', 1).replace(
        'switches = ["LAN"]\n', 'switches = ["LAN"]\npowershell = "7.4"\n', 1).replace(
        'state = "Running"', 'state = "Off"', 1)
    lab = Lab.from_scenario(write_scenario(tmp_path, text), instant=True)
    outcome = console(lab, "SRC", SCRIPT.text, VMName="VM1", FirstBootDevice="Network")
    assert outcome.failed and "Cannot convert" in outcome.errors[0].message


def test_the_shown_command_is_what_the_script_runs() -> None:
    shown = command_for("vm-boot-order", {"VMName": "a", "FirstBootDevice": "DVD"})
    assert shown == ("$device = @(Get-VMDvdDrive -VMName 'a')[0]; Set-VMFirmware -VMName 'a' "
                     "-FirstBootDevice $device")
    for words in ("@(Get-VMDvdDrive -VMName $VMName)[0]",
                  "Set-VMFirmware -VMName $VMName -FirstBootDevice $device"):
        assert words in SCRIPT.text


# --- hvtui vm set --first-boot ----------------------------------------------------------------


def test_vm_set_first_boot_dry_run_and_the_job(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "vm", "set", "LEGACY-BIZ", "--first-boot", "network",
                           "--secure-boot", "off", "--dry-run")
    text = flat(out)
    assert code == 0, out
    assert "First boot device: HardDrive -> Network" in text
    assert ("$device = @(Get-VMNetworkAdapter -VMName 'LEGACY-BIZ')[0]; Set-VMFirmware "
            "-VMName 'LEGACY-BIZ' -FirstBootDevice $device") in text
    # Secure Boot goes through vm-settings.ps1 first, the boot order after it
    assert text.index("-EnableSecureBoot") < text.index("-FirstBootDevice")
    code, out, _ = run_cli(capsys, "vm", "set", "LEGACY-BIZ", "--first-boot", "Network",
                           "--yes")
    assert code == 0, out
    code, out, _ = run_cli(capsys, "vm", "set", "LEGACY-BIZ", "--first-boot", "Network",
                           "--dry-run")
    assert code == 0 and "already as asked" in flat(out)


@pytest.mark.parametrize(("argv", "words"), [
    (("BUILD01", "--first-boot", "DVD"), "BUILD01 is a generation 1 VM"),
    (("LEGACY-BIZ", "--first-boot", "DVD"), "LEGACY-BIZ boots from its first DVD drive"),
    (("WIN2022-DC", "--first-boot", "Network"), "Hyper-V changes this only while a VM is off"),
    (("WIN2022-SQL02", "--first-boot", "Network"),
     "vm-boot-order.ps1 does not run on HV-2025 under PowerShell 7"),
])
def test_vm_set_first_boot_refusals(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
                                    words: str) -> None:
    code, out, _ = run_cli(capsys, "vm", "set", *argv, "--yes")
    assert words in flat(out)
    if "boots from its first DVD" not in words:
        assert code == 2, out


def test_vm_set_first_boot_takes_only_its_choices(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "vm", "set", "LEGACY-BIZ", "--first-boot", "USB", "--yes")
    assert code == 2 and "'USB' is not one of HardDrive, DVD, Network" in flat(err)


def test_the_settings_diff_shows_the_first_boot_device(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    code, out, _ = run_cli(capsys, "diff", "LEGACY-BIZ", "BUILD01")
    assert code == 0
    row = next(line for line in out.splitlines() if "First boot device" in line)
    assert "HardDrive" in row and "- (generation 1: BIOS)" in row
