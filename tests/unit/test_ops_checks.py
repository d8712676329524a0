"""Pre-flight checks as pure functions of the model (no host involved)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hvtui import reference
from hvtui.hyperv.guest_features import copy_file_checks, enhanced_session_availability
from hvtui.hyperv.guests import guest_service_guest, windows_level
from hvtui.hyperv.migration import (
    processor_checks,
    storage_checks,
    switch_checks,
    version_check,
)
from hvtui.hyperv.plans import Outcome, VmAction
from hvtui.hyperv.sizes import parse_size
from hvtui.hyperv.storage import export_checks, find_disk, resize_checks
from hvtui.hyperv.vm_actions import action_checks
from hvtui.model import (
    VM,
    ControllerType,
    Disk,
    HeartbeatStatus,
    Host,
    IntegrationService,
    NetworkAdapter,
    VhdFormat,
    VhdType,
    VMState,
    Volume,
)

GiB = 1024**3


def service(name: str, enabled: bool, status: str) -> IntegrationService:
    """An integration service as a host reports it: known by the GUID that ends its Id."""
    guid = next(s.id for s in reference.integration_services() if s.name == name)
    return IntegrationService(name, enabled, status, id=guid)
VERSIONS = {"2012": "6.2.9200", "2012 R2": "6.3.9600", "2016": "10.0.14393",
            "2019": "10.0.17763", "2022": "10.0.20348"}


def host(name: str, release: str, **kw: object) -> Host:
    return Host(name=name, os_name=f"Windows Server {release}", os_version=VERSIONS[release],
                processor_vendor="GenuineIntel", processor_name="Xeon E5-2680",
                switches=("External",), volumes=(Volume("\\\\?\\v1", "D", "Data", 500 * GiB,
                                                         200 * GiB),), **kw)  # type: ignore[arg-type]


def disk(**kw: object) -> Disk:
    base = dict(vm_id="1", vm_name="web01", host="HV1", path="D:\\VMs\\web01\\data.vhdx",
                format=VhdFormat.VHDX, type=VhdType.Dynamic, controller=ControllerType.SCSI,
                controller_number=0, controller_location=1, size=100 * GiB,
                file_size=30 * GiB, min_size=40 * GiB)
    base.update(kw)
    return Disk(**base)  # type: ignore[arg-type]


def vm(**kw: object) -> VM:
    base: dict[str, object] = dict(
        id="1", name="web01", host="HV1", state=VMState.Running, version="5.0",
        guest_os="Windows Server 2012 R2 Datacenter",
        heartbeat=HeartbeatStatus.OkApplicationsHealthy,
        integration_services=(service("Shutdown", True, "OK"),
                              service("Guest Service Interface", False, "")),
        network_adapters=(NetworkAdapter("Network Adapter", "External"),),
        disks=(disk(),), memory_assigned=4 * GiB)
    base.update(kw)
    return VM(**base)  # type: ignore[arg-type]


def outcomes(checks: list) -> set[Outcome]:  # type: ignore[type-arg]
    return {c.outcome for c in checks}


# --- migration ----------------------------------------------------------------------------

def test_2012_to_2012r2_is_the_cross_version_move() -> None:
    check = version_check(vm(version="4.0"), host("A", "2012"), host("B", "2012 R2"))
    assert check.outcome is Outcome.PASS
    assert "4.0 becomes 5.0" in check.detail and "never move back" in check.detail


def test_2012r2_to_2012_is_refused() -> None:
    check = version_check(vm(version="5.0"), host("B", "2012 R2"), host("A", "2012"))
    assert check.outcome is Outcome.FAIL
    assert "never goes from a newer release (2012 R2) to an older one (2012)" in check.detail
    assert "2012 R2 or later" in check.fix


def test_later_versions_follow_each_hosts_supported_list() -> None:
    assert version_check(vm(version="5.0"), host("C", "2016"),
                         host("B", "2012 R2")).outcome is Outcome.PASS
    assert version_check(vm(version="9.0"), host("D", "2019"),
                         host("C", "2016")).outcome is Outcome.FAIL
    refused = version_check(vm(version="5.0"), host("B", "2012 R2"), host("E", "2022"))
    assert refused.outcome is Outcome.FAIL and "Update-VMVersion" in refused.fix
    via = version_check(vm(version="4.0"), host("A", "2012"), host("C", "2016"))
    assert via.outcome is Outcome.FAIL and "2012 R2 host first" in via.fix


def test_running_vm_never_moves_between_vendors() -> None:
    amd = replace(host("B", "2012 R2"), processor_vendor="AuthenticAMD")
    running = processor_checks(vm(), host("A", "2012 R2"), amd)
    assert running[0].outcome is Outcome.FAIL and "shut" in running[0].fix
    off = processor_checks(vm(state=VMState.Off), host("A", "2012 R2"), amd)
    assert Outcome.FAIL not in outcomes(off)


def test_different_processor_models_warn_without_compatibility_mode() -> None:
    newer = replace(host("B", "2012 R2"), processor_name="Xeon Gold 6130")
    checks = processor_checks(vm(), host("A", "2012 R2"), newer)
    assert checks[1].outcome is Outcome.WARN and "CompatibilityForMigrationEnabled" in checks[1].fix
    compat = processor_checks(vm(processor_compatibility=True), host("A", "2012 R2"), newer)
    assert compat[1].outcome is Outcome.PASS


def test_missing_switch_on_destination_fails() -> None:
    dest = replace(host("B", "2012 R2"), switches=("Internal",))
    checks = switch_checks(vm(), dest)
    assert checks[0].outcome is Outcome.FAIL and "'External'" in checks[0].detail


def test_local_storage_must_travel_with_the_vm() -> None:
    dest = host("B", "2012 R2")
    refused = storage_checks(vm(), None, dest, False, "")
    assert refused[0].outcome is Outcome.FAIL and "--include-storage" in refused[0].fix
    moved = storage_checks(vm(), None, dest, True, "D:\\VMs\\web01")
    assert moved[0].outcome is Outcome.PASS and "200.0 GiB free" in moved[0].detail
    smb = vm(disks=(disk(path="\\\\sofs\\vms\\web01.vhdx"),))
    assert storage_checks(smb, None, dest, False, "")[0].outcome is Outcome.PASS


def test_storage_checks_refuse_shared_vhdx_relative_paths_and_full_volumes() -> None:
    dest = host("B", "2012 R2")
    shared = storage_checks(vm(disks=(disk(shared=True),)), None, dest, True, "D:\\x")
    assert "sharable by multiple virtual machines" in shared[0].detail
    relative = storage_checks(vm(), None, dest, True, "VMs")
    assert relative[-1].outcome is Outcome.FAIL
    big = vm(disks=(disk(file_size=300 * GiB),))
    assert storage_checks(big, None, dest, True, "D:\\x")[0].outcome is Outcome.FAIL


# --- resize -------------------------------------------------------------------------------

def test_running_scsi_vhdx_grows_online_on_2012r2() -> None:
    checks, new = resize_checks(vm(), disk(), host("HV1", "2012 R2"), parse_size("+20G"))
    assert new == 120 * GiB
    assert Outcome.FAIL not in outcomes(checks)
    assert any("100.0 GiB" in c.detail and "120.0 GiB" in c.detail for c in checks)


def test_running_ide_vhd_cannot_be_resized_online() -> None:
    ide = disk(format=VhdFormat.VHD, controller=ControllerType.IDE, min_size=0,
               path="D:\\VMs\\web01\\boot.vhd")
    checks, _ = resize_checks(vm(disks=(ide,)), ide, host("HV1", "2012 R2"), parse_size("+1G"))
    online = [c for c in checks if c.name == "Online resize"][0]
    assert online.outcome is Outcome.FAIL
    assert "only VHDX" in online.detail and "IDE controller" in online.detail
    offline, _ = resize_checks(vm(state=VMState.Off, disks=(ide,)), ide,
                               host("HV1", "2012 R2"), parse_size("+1G"))
    assert Outcome.FAIL not in outcomes(offline)


def test_online_resize_needs_2012r2() -> None:
    checks, _ = resize_checks(vm(), disk(), host("HV1", "2012"), parse_size("+1G"))
    assert any("needs Windows Server 2012 R2" in c.detail for c in checks
               if c.outcome is Outcome.FAIL)


def test_shrinking_below_the_minimum_is_refused() -> None:
    checks, _ = resize_checks(vm(state=VMState.Off), disk(), host("HV1", "2012 R2"),
                              parse_size("30 GiB"))
    failure = [c for c in checks if c.outcome is Outcome.FAIL][0]
    assert failure.name == "Minimum size" and "40.0 GiB" in failure.detail
    ok, new = resize_checks(vm(state=VMState.Off), disk(), host("HV1", "2012 R2"),
                            parse_size("to minimum"))
    assert new == 40 * GiB and Outcome.FAIL not in outcomes(ok)


def test_vhd_never_shrinks_and_same_size_is_nothing_to_do() -> None:
    vhd = disk(format=VhdFormat.VHD, min_size=0)
    checks, _ = resize_checks(vm(state=VMState.Off), vhd, host("HV1", "2012 R2"),
                              parse_size("-1G"))
    assert any(c.name == "Shrink" and c.outcome is Outcome.FAIL for c in checks)
    same, new = resize_checks(vm(), disk(), host("HV1", "2012 R2"), parse_size("100 GiB"))
    assert new == 0 and same[0].outcome is Outcome.WARN


@pytest.mark.parametrize(("spec", "path"), [("SCSI 0:1", "data.vhdx"), ("scsi 0/1", "data.vhdx"),
                                            ("0", "boot.vhdx"), ("data.vhdx", "data.vhdx"),
                                            ("D:\\VMs\\web01\\boot.vhdx", "boot.vhdx")])
def test_disks_are_found_by_location_index_or_path(spec: str, path: str) -> None:
    boot = disk(path="D:\\VMs\\web01\\boot.vhdx", controller_location=0)
    assert find_disk(vm(disks=(boot, disk())), spec).path.endswith(path)


# --- export -------------------------------------------------------------------------------

def test_running_export_needs_2012r2() -> None:
    refused = export_checks(vm(), host("HV1", "2012"), "D:\\Exports")
    assert refused[0].outcome is Outcome.FAIL
    assert "Exporting a running VM needs Windows Server 2012 R2" in refused[0].detail
    assert export_checks(vm(), host("HV1", "2012 R2"), "D:\\Exports")[0].outcome is Outcome.PASS
    assert export_checks(vm(state=VMState.Off), host("HV1", "2012"),
                         "D:\\Exports")[0].outcome is Outcome.PASS


def test_export_warns_about_free_space_only_when_reported() -> None:
    big = vm(disks=(disk(file_size=300 * GiB),))
    assert export_checks(big, host("HV1", "2012 R2"), "D:\\E")[-1].outcome is Outcome.WARN
    unknown = export_checks(vm(), host("HV1", "2012 R2"), "Z:\\E")[-1]
    assert unknown.outcome is Outcome.WARN and "does not report" in unknown.detail


# --- guests -------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "level"), [
    ("Windows Server 2012 R2 Datacenter", "2012 R2"), ("Windows 8.1 Pro", "2012 R2"),
    ("Windows Server 2008 R2 Standard", "2008 R2"), ("Windows 7 Enterprise", "2008 R2"),
    ("Windows Server 2012 Standard", "2012"), ("Windows 8 Enterprise", "2012"),
    ("Windows 10 Enterprise", "2016"), ("Windows Server 2022 Datacenter", "2022"),
    ("Ubuntu 22.04", None), ("", None)])
def test_windows_levels(name: str, level: str | None) -> None:
    assert windows_level(name) == level


def test_enhanced_session_availability_says_why_not() -> None:
    on = replace(host("HV1", "2012 R2"), enhanced_session_mode=True)
    assert enhanced_session_availability(vm(), on) is None
    assert "policy of HV1 is off" in (enhanced_session_availability(vm(), host("HV1", "2012 R2"))
                                      or "")
    old = vm(guest_os="Windows Server 2008 R2 Standard")
    assert "older than Windows 8.1" in (enhanced_session_availability(old, on) or "")
    linux = vm(guest_os="Ubuntu 22.04")
    assert "HvSocket" in (enhanced_session_availability(linux, on) or "")
    assert "needs Windows Server 2012 R2" in (
        enhanced_session_availability(vm(), replace(host("HV1", "2012"),
                                                    enhanced_session_mode=True)) or "")
    assert "Off" in (enhanced_session_availability(vm(state=VMState.Off), on) or "")


def test_guest_service_interface_is_not_for_2008r2_guests() -> None:
    assert guest_service_guest(vm(guest_os="Windows Server 2008 R2 Standard"))
    assert guest_service_guest(vm()) is None


def test_copy_file_refused_until_gsi_on_and_running() -> None:
    checks = copy_file_checks(vm(), host("HV1", "2012 R2"), "C:\\a.txt", "C:\\b.txt")
    gsi = [c for c in checks if c.name == "Guest Service Interface"][0]
    assert gsi.outcome is Outcome.FAIL and "guest-services web01 on" in gsi.fix
    on = vm(integration_services=(service("Guest Service Interface", True, "OK"),))
    assert Outcome.FAIL not in outcomes(copy_file_checks(on, host("HV1", "2012 R2"),
                                                         "C:\\a.txt", "C:\\b.txt"))
    off = copy_file_checks(replace(on, state=VMState.Off), host("HV1", "2012 R2"), "C:\\a",
                           "C:\\b")
    assert any(c.name == "VM running" and c.outcome is Outcome.FAIL for c in off)


# --- everyday actions ---------------------------------------------------------------------

def test_shutdown_without_the_shutdown_service_suggests_turn_off() -> None:
    no_ic = vm(integration_services=(service("Shutdown", False, ""),))
    _, refusal, _ = action_checks(no_ic, VmAction.STOP, "")
    assert refusal is not None
    assert "because the Shutdown integration service is unavailable" in refusal.detail
    assert "turn-off" in refusal.fix


def test_state_table() -> None:
    _, refusal, _ = action_checks(vm(state=VMState.Off), VmAction.PAUSE, "")
    assert refusal is not None and "The operation cannot be performed while the virtual " \
                                   "machine is in its current state." in refusal.detail
    _, refusal, nothing = action_checks(vm(), VmAction.START, "")
    assert refusal is None and nothing
    _, refusal, _ = action_checks(vm(state=VMState.RunningCritical), VmAction.SAVE, "")
    assert refusal is not None
    _, refusal, nothing = action_checks(vm(state=VMState.Paused), VmAction.RESUME, "")
    assert refusal is None and not nothing


def test_checkpoint_must_exist_once() -> None:
    _, refusal, _ = action_checks(vm(), VmAction.APPLY_CHECKPOINT, "nope")
    assert refusal is not None and "Unable to find a snapshot" in refusal.detail


# --- rules the console and the pre-flight share (hvtui.hyperv.rules) ------------------------

def test_a_shared_vhdx_resizes_offline_on_2012r2_and_online_from_2016() -> None:
    """What's new in Hyper-V on Windows Server 2016: shared VHDX resize "without downtime"
    is new there, so 2012 R2 refuses it online only (the old pre-flight refused it always)."""
    shared = disk(shared=True, path="C:\\ClusterStorage\\Volume1\\gc.vhdx")
    off = resize_checks(vm(state=VMState.Off, disks=(shared,)), shared, host("HV1", "2012 R2"),
                        parse_size("+10G"))[0]
    assert Outcome.FAIL not in outcomes(off)
    running = resize_checks(vm(disks=(shared,)), shared, host("HV1", "2012 R2"),
                            parse_size("+10G"))[0]
    online = [c for c in running if c.name == "Online resize"][0]
    assert online.outcome is Outcome.FAIL and "shared VHDX" in online.detail
    assert "Windows Server 2016" in online.detail
    newer = resize_checks(vm(disks=(shared,)), shared, host("HV1", "2016"), parse_size("+10G"))
    assert Outcome.FAIL not in outcomes(newer[0])


def test_a_saved_vm_is_exported_from_2012r2_on_only() -> None:
    """R-EXP-1: 2012 exports VMs that are off (the old pre-flight let a saved VM through)."""
    saved = vm(state=VMState.Saved)
    old = export_checks(saved, host("HV1", "2012"), "D:\\Exports")
    assert any(c.outcome is Outcome.FAIL and "Exporting a saved VM needs Windows Server "
               "2012 R2" in c.detail for c in old)
    assert Outcome.FAIL not in outcomes(export_checks(saved, host("HV1", "2012 R2"),
                                                      "D:\\Exports"))


def test_a_saved_vms_disk_is_not_resizable_now() -> None:
    saved = vm(state=VMState.Saved)
    checks, _ = resize_checks(saved, saved.disks[0], host("HV1", "2016"), parse_size("+1G"))
    assert any(c.name == "Online resize" and c.outcome is Outcome.FAIL for c in checks)
