"""New-VM and its companions on the lab, per release: what each host's cmdlets take and
refuse (R-VER-1, R-GEN-1..3), then vm-new.ps1 end to end, the new VM in the next inventory."""

from __future__ import annotations

from typing import Any

from lab_console import console
from test_lab_support import default_lab, estate_vm, inventory, kinds, only_error, run

from hvtui.lab.failures import (
    FILE_EXISTS,
    GEN2_NO_VHD_FORMAT,
    NOT_A_VHD,
    PARAMETER_NOT_FOUND,
    SWITCH_NOT_FOUND,
)

GB = 1024**3
VHDS = "C:\\Users\\Public\\Documents\\Hyper-V\\Virtual Hard Disks"
VMS = "C:\\ProgramData\\Microsoft\\Windows\\Hyper-V"


def messages(outcome: Any) -> list[str]:
    return [e.message for e in outcome.errors]


def test_2012_new_vm_has_no_generation_and_no_version() -> None:
    lab = default_lab()
    for parameter in ("Generation 2", "Version '4.0'"):
        outcome = console(lab, "HV-LEGACY", f"New-VM -Name 'x' -NoVHD -{parameter}")
        assert messages(outcome) == [PARAMETER_NOT_FOUND.format(parameter.split()[0])]
    assert lab.estate.host("HV-LEGACY").find_vms("x") == []  # type: ignore[union-attr]


def test_2012r2_takes_a_generation_but_no_version() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-NODE1", "New-VM -Name 'g2' -NoVHD -Generation 2 -Version '5.0'")
    assert messages(outcome) == [PARAMETER_NOT_FOUND.format("Version")]
    outcome = console(lab, "HV-NODE1", "(New-VM -Name 'g2' -NoVHD -Generation 2).Generation")
    assert not outcome.failed and outcome.output == [2]
    assert estate_vm(lab, "HV-NODE1", "g2").version == "5.0"


def test_a_version_the_host_does_not_run_is_refused() -> None:
    """R-VER-1: 2022 runs 8.0 to 10.0, not 5.0; 2016 runs up to 8.0."""
    lab = default_lab()
    for host, version in (("HV-2022", "5.0"), ("HV-2016", "9.0")):
        outcome = console(lab, host, f"New-VM -Name 'v' -NoVHD -Version '{version}'")
        assert f"configuration version {version} is not supported" in messages(outcome)[0]
    outcome = console(lab, "HV-2022", "(New-VM -Name 'v' -NoVHD -Version '9.0').Version")
    assert outcome.output == ["9.0"]


def test_generation_2_refuses_a_vhd_and_the_firmware_cmdlets_refuse_generation_1() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-2016", f"New-VM -Name 'g' -Generation 2 -NewVHDPath '{VHDS}\\g.vhd'"
                                      " -NewVHDSizeBytes 1GB")
    assert messages(outcome) == [GEN2_NO_VHD_FORMAT]
    console(lab, "HV-2016", "New-VM -Name 'one' -NoVHD -Generation 1")
    outcome = console(lab, "HV-2016", "Set-VMFirmware -VMName 'one' -EnableSecureBoot 'Off'")
    assert 'The Generation 1 virtual machine or snapshot "one" does not support the ' \
           "VMFirmware cmdlets." in messages(outcome)[0]


def test_switches_and_disk_files_are_the_hosts_own() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-2016", "New-VM -Name 'n' -NoVHD -SwitchName 'Nope'")
    assert messages(outcome) == [SWITCH_NOT_FOUND.format("Nope")]
    outcome = console(lab, "HV-2016", "New-VM -Name 'n' -VHDPath 'C:\\none.vhdx'")
    assert messages(outcome) == [NOT_A_VHD.format("C:\\none.vhdx")]
    assert not console(lab, "HV-2016", f"New-VHD -Path '{VHDS}\\d.vhdx' -SizeBytes 1GB").failed
    outcome = console(lab, "HV-2016", f"New-VHD -Path '{VHDS}\\D.VHDX' -SizeBytes 1GB")
    assert FILE_EXISTS in messages(outcome)[0]
    assert lab.estate.host("HV-2016").find_vms("n") == []  # type: ignore[union-attr]


def test_hyper_v_itself_accepts_a_second_vm_of_the_same_name() -> None:
    """Only hvtui's pre-flight refuses a duplicate name (test_ops_vm_new): the host does not."""
    lab = default_lab()
    outcome = console(lab, "HV-2019", "New-VM -Name 'DUP' -NoVHD; New-VM -Name 'dup' -NoVHD")
    assert not outcome.failed
    assert len(lab.estate.host("HV-2019").find_vms("dup")) == 2  # type: ignore[union-attr]


async def test_vm_new_creates_what_was_asked_and_the_inventory_shows_it() -> None:
    lab = default_lab()
    result = await run(lab, "HV-2025", "vm-new", Name="Web 05 'ü' $x;", Path=VMS, Generation=2,
                       Version="10.0", MemoryStartupBytes=4 * GB, DynamicMemory=True,
                       MemoryMaximumBytes=8 * GB, ProcessorCount=4, SwitchName="dmz",
                       NewVhdPath=f"{VHDS}\\web05.vhdx", NewVhdSizeBytes=60 * GB,
                       NewVhdFixed=True, SecureBoot="On",
                       SecureBootTemplate="MicrosoftUEFICertificateAuthority")
    assert result.ok, result.errors
    [created] = kinds(result, "Created")
    assert created["Name"] == "Web 05 'ü' $x;" and created["Version"] == "10.0"
    vm = estate_vm(lab, "HV-2025", "Web 05 'ü' $x;")
    assert (vm.cpus, vm.memory_startup, vm.dynamic_memory, vm.memory_maximum) == \
        (4, 4 * GB, True, 8 * GB)
    assert vm.secure_boot_template == "MicrosoftUEFICertificateAuthority"
    assert [a.switch for a in vm.adapters] == ["DMZ"]
    records = await inventory(lab, "HV-2025")
    [row] = [r for r in records["VM"] if r["Name"] == "Web 05 'ü' $x;"]
    assert (row["State"], row["Generation"], row["ProcessorCount"]) == ("Off", 2, 4)
    disk = next(d for d in records["Disk"] if d["Path"] == f"{VHDS}\\web05.vhdx")
    assert (disk["VhdType"], disk["Size"]) == ("Fixed", 60 * GB)


async def test_vm_new_on_2012_makes_generation_1_and_refuses_generation_2() -> None:
    lab = default_lab()
    result = await run(lab, "HV-LEGACY", "vm-new", Name="old", Path=VMS, Generation=2,
                       MemoryStartupBytes=GB)
    assert "generation 1 virtual machines" in only_error(result).message
    result = await run(lab, "HV-LEGACY", "vm-new", Name="old", Path=VMS, Generation=1,
                       MemoryStartupBytes=GB, NewVhdPath=f"{VHDS}\\old.vhdx",
                       NewVhdSizeBytes=20 * GB, IsoPath="D:\\ISO\\WindowsServer2012R2-Eval.iso")
    assert result.ok, result.errors
    vm = estate_vm(lab, "HV-LEGACY", "old")
    assert vm.generation == 1 and vm.version == "4.0"
    assert [(d.controller_type, d.controller_number, d.controller_location)
            for d in vm.drives] == [("IDE", 0, 0)]
    assert [d.path for d in vm.dvds] == ["D:\\ISO\\WindowsServer2012R2-Eval.iso"]


async def test_an_existing_disk_is_checked_before_anything_is_created() -> None:
    lab = default_lab()
    result = await run(lab, "HV-2016", "vm-new", Name="e", Path=VMS, Generation=2,
                       Version="8.0", MemoryStartupBytes=GB, VhdPath="C:\\missing.vhdx")
    assert only_error(result).message == NOT_A_VHD.format("C:\\missing.vhdx")
    assert lab.estate.host("HV-2016").find_vms("e") == []  # type: ignore[union-attr]
