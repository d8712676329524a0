"""Firmware in the settings editor, on the lab per release: Secure Boot and its template
(Set-VMFirmware; the template from 2016), the virtual TPM (2016+, a key protector first,
the VM off), a generation 1 VM's BIOS startup order (Set-VMBios), and the client's plan
and `hvtui vm set` refusing what a VM or its host cannot take."""

from __future__ import annotations

import pytest
from lab_cli import flat, run_cli
from lab_console import console
from test_lab_support import default_lab, inventory, kinds, run

from hvtui.hyperv.commands import command_for
from hvtui.hyperv.settings_diff import applicable
from hvtui.hyperv.vm_settings import SettingError, startup_order
from hvtui.lab.failures import (
    BIOS_ONLY_GEN1,
    COMMAND_NOT_FOUND,
    INVALID_STATE,
    NO_KEY_PROTECTOR,
    PARAMETER_NOT_FOUND,
)
from hvtui.lab.vmcreate import FIRMWARE_ONLY_GEN2
from hvtui.model import VM, VMState
from hvtui.model.vm_settings import VmSettings
from hvtui.ps import catalog

# --- the lab, per release ------------------------------------------------------------------


async def _settings(lab: object, host: str, name: str) -> dict[str, object]:
    inv = await inventory(lab, host)  # type: ignore[arg-type]
    vm_id = next(v["Id"] for v in inv["VM"] if v["Name"] == name)
    return next(s for s in inv["Settings"] if s["VMId"] == vm_id)


async def test_2016_and_later_take_secure_boot_its_template_and_the_tpm() -> None:
    lab = default_lab()
    result = await run(lab, "HV-2022", "vm-settings", VMName="LEGACY-BIZ", SecureBoot="Off",
                       SecureBootTemplate="MicrosoftUEFICertificateAuthority", Tpm="On")
    assert result.ok, result.errors
    [record] = kinds(result, "Settings")
    assert (record["SecureBoot"], record["SecureBootTemplate"], record["Tpm"]) == (
        "Off", "MicrosoftUEFICertificateAuthority", "On")
    reported = await _settings(lab, "HV-2022", "LEGACY-BIZ")
    assert (reported["SecureBoot"], reported["Tpm"]) == ("Off", "On")
    off = await run(lab, "HV-2022", "vm-settings", VMName="LEGACY-BIZ", Tpm="Off")
    assert off.ok and kinds(off, "Settings")[0]["Tpm"] == "Off"


async def test_2012_r2_has_secure_boot_but_no_template_and_no_tpm() -> None:
    lab = default_lab()
    result = await run(lab, "HV-DR1", "vm-settings", VMName="EXCH01", SecureBoot="Off")
    assert result.ok, result.errors
    assert kinds(result, "Settings")[0]["SecureBoot"] == "Off"
    assert kinds(result, "Settings")[0]["Tpm"] == ""
    template = await run(lab, "HV-DR1", "vm-settings", VMName="EXCH01",
                         SecureBootTemplate="MicrosoftWindows")
    assert not template.ok and "new in Windows Server 2016" in template.errors[0].message
    tpm = await run(lab, "HV-DR1", "vm-settings", VMName="EXCH01", Tpm="On")
    assert not tpm.ok and "new in Windows Server 2016" in tpm.errors[0].message
    direct = console(lab, "HV-DR1", "Set-VMFirmware -VMName 'EXCH01' -SecureBootTemplate "
                                    "'MicrosoftWindows'")
    assert direct.errors[0].message == PARAMETER_NOT_FOUND.format("SecureBootTemplate")
    missing = console(lab, "HV-DR1", "Enable-VMTPM -VMName 'EXCH01'")
    assert missing.errors[0].message == COMMAND_NOT_FOUND.format("Enable-VMTPM")


def test_the_tpm_needs_a_key_protector_and_the_vm_off() -> None:
    lab = default_lab()
    vm = next(v for v in lab.estate.host("HV-2022").vms.values()  # type: ignore[union-attr]
              if v.name == "LEGACY-BIZ")
    bare = console(lab, "HV-2022", "Enable-VMTPM -VMName 'LEGACY-BIZ'")
    assert [e.message for e in bare.errors] == [
        NO_KEY_PROTECTOR.format("LEGACY-BIZ", vm.id.upper())]
    running = console(lab, "HV-2022", "Set-VMKeyProtector -VMName 'WIN2022-DC' "
                                      "-NewLocalKeyProtector")
    assert [e.message for e in running.errors] == [INVALID_STATE]
    fine = console(lab, "HV-2022", "Set-VMKeyProtector -VMName 'LEGACY-BIZ' "
                                   "-NewLocalKeyProtector; Enable-VMTPM -VMName 'LEGACY-BIZ'; "
                                   "(Get-VMSecurity -VMName 'LEGACY-BIZ').TpmEnabled")
    assert not fine.failed and fine.output == [True]


async def test_a_generation_1_vm_has_a_bios_startup_order_on_every_release() -> None:
    lab = default_lab()
    for host, name in (("HV-LEGACY", "BUILD01"), ("HV-DR1", "ERP-APP")):
        order = ["IDE", "CD", "LegacyNetworkAdapter", "Floppy"]
        result = await run(lab, host, "vm-settings", VMName=name, StartupOrder=order)
        assert result.ok, result.errors
        assert kinds(result, "Settings")[0]["StartupOrder"] == order
        assert (await _settings(lab, host, name))["StartupOrder"] == order


def test_bios_and_firmware_cmdlets_refuse_the_other_generation() -> None:
    lab = default_lab()
    bios = console(lab, "HV-2022", "Get-VMBios -VMName 'LEGACY-BIZ'")
    assert [e.message for e in bios.errors] == [BIOS_ONLY_GEN1.format("LEGACY-BIZ")]
    firmware = console(lab, "HV-DR1", "Get-VMFirmware -VMName 'ERP-APP'")
    assert [e.message for e in firmware.errors] == [FIRMWARE_ONLY_GEN2.format("ERP-APP")]


# --- the client -----------------------------------------------------------------------------


def test_the_startup_order_is_the_four_devices_each_once() -> None:
    assert startup_order(" ide;cd , legacynetworkadapter,FLOPPY") == \
        "IDE, CD, LegacyNetworkAdapter, Floppy"
    for bad in ("IDE, CD", "IDE, IDE, CD, Floppy", "IDE, CD, NetworkAdapter, Floppy"):
        with pytest.raises(SettingError, match="is not the four devices"):
            startup_order(bad)


def test_the_shown_firmware_cmdlets_are_what_the_script_runs() -> None:
    shown = command_for("vm-settings", {"VMName": "a", "SecureBoot": "On",
                                        "SecureBootTemplate": "MicrosoftWindows", "Tpm": "On",
                                        "StartupOrder": ["CD", "IDE", "Floppy",
                                                         "LegacyNetworkAdapter"]})
    text = catalog.get("vm-settings").text
    for words in ("Set-VMFirmware -VMName", "-EnableSecureBoot", "-SecureBootTemplate",
                  "Set-VMKeyProtector -VMName", "-NewLocalKeyProtector", "Enable-VMTPM -VMName",
                  "Set-VMBios -VMName", "-StartupOrder"):
        assert words in shown and words in text


def test_vm_set_dry_run_shows_the_key_protector_and_changes_nothing(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "vm", "set", "LEGACY-BIZ", "--tpm", "on",
                           "--secure-boot-template", "microsoftuefi certificateauthority"
                           .replace(" ", ""), "--dry-run")
    text = flat(out)
    assert code == 0, out
    assert "Trusted Platform Module: Off -> On: hvtui gives LEGACY-BIZ a new local key " \
           "protector first" in text
    assert "Set-VMKeyProtector -VMName 'LEGACY-BIZ' -NewLocalKeyProtector; Enable-VMTPM " \
           "-VMName 'LEGACY-BIZ'" in text
    assert "Dry run: nothing was changed" in text
    code, out, _ = run_cli(capsys, "vm", "set", "LEGACY-BIZ", "--tpm", "Off", "--dry-run")
    assert "already as asked" in flat(out)


@pytest.mark.parametrize(("argv", "said"), [
    (["WIN2022-DC", "--tpm", "On"], "WIN2022-DC is Running; Hyper-V changes this only while "
                                    "a VM is off"),
    (["BUILD01", "--secure-boot", "Off"], "BUILD01 is a generation 1 VM: it has a BIOS"),
    (["LEGACY-BIZ", "--startup-order", "CD, IDE, LegacyNetworkAdapter, Floppy"],
     "LEGACY-BIZ is a generation 2 VM: it has UEFI firmware"),
    (["EXCH01", "--host", "HV-DR1", "--tpm", "On"],
     "The virtual TPM needs Windows Server 2016 or later; this host runs Windows Server 2012 R2"),
    (["EXCH01", "--host", "HV-DR1", "--secure-boot-template", "MicrosoftWindows"],
     "Secure Boot templates needs Windows Server 2016 or later"),
])
def test_vm_set_refuses_firmware_a_vm_cannot_take(capsys: pytest.CaptureFixture[str],
                                                 argv: list[str], said: str) -> None:
    code, out, _ = run_cli(capsys, "vm", "set", *argv, "--yes")
    assert code == 2
    assert said in flat(out) and "Refused, nothing was changed" in flat(out)


def test_vm_set_changes_a_bios_startup_order(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "vm", "set", "BUILD01", "--startup-order",
                           "ide, cd, legacynetworkadapter, floppy", "--yes")
    assert code == 0, out
    assert "Set-VMBios -VMName 'BUILD01' -StartupOrder @('IDE', 'CD', 'LegacyNetworkAdapter', " \
           "'Floppy')" in flat(out)
    code, out, _ = run_cli(capsys, "vm", "set", "BUILD01", "--startup-order",
                           "IDE, CD, LegacyNetworkAdapter, Floppy", "--dry-run")
    assert "already as asked" in flat(out)



def test_the_settings_diff_shows_firmware_and_gives_only_what_a_vm_has(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "diff", "LEGACY-BIZ", "BUILD01")
    assert code == 0
    rows = {" ".join(line.strip("≠ ").split()[:3]): line for line in out.splitlines()}
    assert "- (generation 1: BIOS)" in rows["Secure Boot On"]
    assert "CD, IDE, LegacyNetworkAdapter, Floppy" in rows["BIOS startup order"]
    gen1 = VM(name="BUILD01", host="HV-LEGACY", id="1", state=VMState.Off,
              settings=VmSettings(startup_order="CD, IDE, Floppy, LegacyNetworkAdapter"))
    assert applicable(gen1, "startup_order") and not applicable(gen1, "secure_boot")



def test_set_vmfirmware_first_boot_device_reorders_the_boot_order() -> None:
    """The lab's Set-VMFirmware -FirstBootDevice (Example 2 of its page); the editor does not
    offer it yet (see NOTES-hostcfg.md: a Hyper-V object as a parameter value fails through
    PowerShell 7's compatibility layer on 2012 R2 and 2016)."""
    lab = default_lab()
    first = "[string]@((Get-VMFirmware -VMName 'LEGACY-BIZ').BootOrder)[0].BootType"
    assert console(lab, "HV-2022", first).output == ["Drive"]
    moved = console(lab, "HV-2022", "Set-VMFirmware -VMName 'LEGACY-BIZ' -FirstBootDevice "
                                    "@(Get-VMNetworkAdapter -VMName 'LEGACY-BIZ')[0]")
    assert not moved.failed, moved.errors
    assert console(lab, "HV-2022", first).output == ["Network"]
    running = console(lab, "HV-2022", "Set-VMFirmware -VMName 'WIN2022-DC' -FirstBootDevice "
                                      "@(Get-VMNetworkAdapter -VMName 'WIN2022-DC')[0]")
    assert [e.message for e in running.errors] == [INVALID_STATE]
