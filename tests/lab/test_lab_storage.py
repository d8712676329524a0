"""Online VHDX resize (R-VHD-1/2) and online export (R-EXP-1)."""

from __future__ import annotations

from typing import Any

from lab_console import console
from test_lab_support import default_lab, inventory, kinds, only_error, run

from hvtui.lab import Lab
from hvtui.lab.failures import INVALID_STATE, NOT_A_VHD

GB = 1024**3
SQL_LOGS = "C:\\ClusterStorage\\Volume1\\SQL01\\Virtual Hard Disks\\SQL01-Logs.vhdx"
SQL_DATA = "C:\\ClusterStorage\\Volume1\\SQL01\\Virtual Hard Disks\\SQL01-Data.vhdx"
FS_SHARES = "C:\\ClusterStorage\\Volume1\\FS01\\Virtual Hard Disks\\FS01-Shares.vhdx"
OBRIEN_VHD = "C:\\ClusterStorage\\Volume1\\O'Brien-APP\\O'Brien-APP.vhd"
RHEL_IDE = "C:\\ClusterStorage\\Volume3\\RHEL-DB01\\RHEL-DB01.vhdx"
PRINT_VHD = "C:\\ClusterStorage\\Volume3\\PRINT01\\PRINT01.vhd"
LEGACY_DATA = "D:\\VMs\\LEGACY-SQL\\LEGACY-SQL-Data.vhdx"
GC_DATA = "C:\\ClusterStorage\\Volume2\\Shared\\GC-SQL-Data.vhdx"


async def disk(lab: Lab, host: str, path: str) -> dict[str, Any]:
    return next(d for d in (await inventory(lab, host))["Disk"] if d["Path"] == path)


async def test_online_expand_of_a_vhdx_on_scsi() -> None:
    """R-VHD-1: VHDX + SCSI + 2012 R2 while the VM runs."""
    lab = default_lab()
    before = await disk(lab, "HV-NODE1", SQL_LOGS)
    result = await run(lab, "HV-NODE1", "vhd-resize", Path=SQL_LOGS, SizeBytes=300 * GB)
    assert result.ok, result.errors
    assert kinds(result, "Vhd") == [
        {
            "Kind": "Vhd",
            "Path": SQL_LOGS,
            "VhdFormat": "VHDX",
            "VhdType": "Dynamic",
            "Size": 300 * GB,
            "FileSize": before["FileSize"],
            "MinimumSize": before["MinimumSize"],
        }
    ]
    assert (await disk(lab, "HV-NODE1", SQL_LOGS))["Size"] == 300 * GB


async def test_online_resize_refused_on_ide() -> None:
    lab = default_lab()
    assert (await run(lab, "HV-NODE2", "vm-resume", Name="RHEL-DB01")).ok
    error = only_error(await run(lab, "HV-NODE2", "vhd-resize", Path=RHEL_IDE, SizeBytes=150 * GB))
    assert error.message == (
        f"Failed to resize the virtual hard disk '{RHEL_IDE}'. It is attached to an IDE "
        "controller of the running virtual machine 'RHEL-DB01'; a disk on an IDE controller can "
        "be resized only while the virtual machine is off."
    )
    assert error.error_id == "InvalidOperation,Microsoft.Vhd.PowerShell.Cmdlets.ResizeVHD"
    assert (await run(lab, "HV-NODE2", "vm-turn-off", Name="RHEL-DB01")).ok
    assert (await run(lab, "HV-NODE2", "vhd-resize", Path=RHEL_IDE, SizeBytes=150 * GB)).ok


async def test_online_resize_refused_for_a_vhd() -> None:
    error = only_error(
        await run(default_lab(), "HV-NODE1", "vhd-resize", Path=OBRIEN_VHD, SizeBytes=80 * GB)
    )
    assert error.message.endswith("only a VHDX can be resized while its virtual machine runs.")


async def test_2012_resizes_offline_only() -> None:
    lab = default_lab()
    error = only_error(
        await run(lab, "HV-LEGACY", "vhd-resize", Path=LEGACY_DATA, SizeBytes=300 * GB)
    )
    assert (
        "Microsoft Windows Server 2012 resizes a virtual hard disk only while it is not in use"
        in (error.message)
    )
    assert (await run(lab, "HV-LEGACY", "vm-stop", Name="LEGACY-SQL")).ok
    assert (await run(lab, "HV-LEGACY", "vhd-resize", Path=LEGACY_DATA, SizeBytes=300 * GB)).ok


async def test_a_saved_vms_disk_is_not_resized() -> None:
    path = "C:\\ClusterStorage\\Volume3\\Cost$Center`App;01\\Cost$Center`App;01.vhdx"
    error = only_error(
        await run(default_lab(), "HV-NODE2", "vhd-resize", Path=path, SizeBytes=100 * GB)
    )
    assert error.message == INVALID_STATE


async def test_shared_vhdx_cannot_be_resized_online_on_2012r2() -> None:
    error = only_error(
        await run(default_lab(), "HV-NODE1", "vhd-resize", Path=GC_DATA, SizeBytes=400 * GB)
    )
    assert "cannot resize a shared VHDX online" in error.message


async def test_shrink_only_vhdx_and_never_below_minimum() -> None:
    lab = default_lab()
    error = only_error(await run(lab, "HV-NODE1", "vhd-resize", Path=FS_SHARES, SizeBytes=650 * GB))
    assert error.message == (
        f"Failed to resize the virtual hard disk '{FS_SHARES}'. The requested size "
        f"({650 * GB} bytes) is smaller than its minimum size ({700 * GB} bytes); shrink the "
        "partitions inside the guest first."
    )
    shrunk = await run(lab, "HV-NODE1", "vhd-resize", Path=FS_SHARES, SizeBytes=800 * GB)
    assert kinds(shrunk, "Vhd")[0]["Size"] == 800 * GB
    refused = only_error(
        await run(lab, "HV-NODE2", "vhd-resize", Path=PRINT_VHD, SizeBytes=30 * GB)
    )
    assert "Only a VHDX can shrink" in refused.message


async def test_to_minimum_size() -> None:
    lab = default_lab()
    result = await run(lab, "HV-NODE1", "vhd-resize", Path=FS_SHARES, ToMinimumSize=True)
    record = kinds(result, "Vhd")[0]
    assert record["Size"] == record["MinimumSize"] == 700 * GB
    assert record["FileSize"] <= record["Size"] + 4 * 1024**2


async def test_fixed_disk_growth_takes_time_and_space() -> None:
    lab = default_lab()
    csv_before = next(
        c
        for c in (await inventory(lab, "HV-NODE1"))["ClusterSharedVolume"]
        if c["Path"].endswith("Volume1")
    )
    result = await run(lab, "HV-NODE1", "vhd-resize", Path=SQL_DATA, SizeBytes=600 * GB)
    record = kinds(result, "Vhd")[0]
    assert record["VhdType"] == "Fixed" and record["FileSize"] == 600 * GB + 4 * 1024**2
    assert result.progress and result.progress[-1].percent == 100
    csv_after = next(
        c
        for c in (await inventory(lab, "HV-NODE1"))["ClusterSharedVolume"]
        if c["Path"].endswith("Volume1")
    )
    assert csv_before["FreeSpace"] - csv_after["FreeSpace"] == 100 * GB


async def test_offline_vhd_expands() -> None:
    result = await run(default_lab(), "HV-NODE2", "vhd-resize", Path=PRINT_VHD, SizeBytes=50 * GB)
    assert kinds(result, "Vhd")[0]["FileSize"] == 50 * GB + 512


async def test_resize_of_a_missing_file() -> None:
    error = only_error(
        await run(default_lab(), "HV-NODE1", "vhd-resize", Path="C:\\nope\\disk.vhdx", SizeBytes=GB)
    )
    assert error.message == NOT_A_VHD.format("C:\\nope\\disk.vhdx")
    assert error.message == "'C:\\nope\\disk.vhdx' is not an existing virtual hard disk file."


async def test_resize_size_limits() -> None:
    lab = default_lab()
    error = only_error(
        await run(lab, "HV-NODE2", "vhd-resize", Path=PRINT_VHD, SizeBytes=2041 * GB)
    )
    assert "largest VHD" in error.message
    error = only_error(
        await run(lab, "HV-NODE1", "vhd-resize", Path=SQL_LOGS, SizeBytes=300 * GB + 100)
    )
    assert "multiple of 512 bytes" in error.message


# --- export ----------------------------------------------------------------------------------


async def test_running_vm_exports_online_on_2012r2() -> None:
    """R-EXP-1: exporting a running VM is new in 2012 R2."""
    lab = default_lab()
    result = await run(lab, "HV-NODE1", "vm-export", Name="DC01", Path="D:\\Exports")
    assert result.ok, result.errors
    assert result.objects == [{"Kind": "Exported", "Name": "DC01", "Path": "D:\\Exports"}]
    assert result.progress[0].percent == 0 and result.progress[-1].percent == 100
    states = {v["Name"]: v["State"] for v in (await inventory(lab, "HV-NODE1"))["VM"]}
    assert states["DC01"] == "Running"
    again = only_error(await run(lab, "HV-NODE1", "vm-export", Name="DC01", Path="D:\\Exports"))
    assert "The file exists." in again.message


async def test_2012_refuses_to_export_a_running_vm() -> None:
    lab = default_lab()
    error = only_error(
        await run(lab, "HV-LEGACY", "vm-export", Name="CENTOS-MON", Path="D:\\Exports")
    )
    assert error.message == INVALID_STATE
    assert error.error_id == "InvalidState,Microsoft.HyperV.PowerShell.Commands.ExportVM"
    assert (await run(lab, "HV-LEGACY", "vm-turn-off", Name="CENTOS-MON")).ok
    assert (await run(lab, "HV-LEGACY", "vm-export", Name="CENTOS-MON", Path="D:\\Exports")).ok


async def test_export_to_a_path_the_host_rejects() -> None:
    lab = default_lab()
    for path in ("Q:\\Exports", "exports"):
        error = only_error(await run(lab, "HV-NODE1", "vm-export", Name="DC01", Path=path))
        assert error.message == (
            f"Failed to export virtual machine 'DC01' to '{path}\\DC01': The system cannot find "
            "the path specified. (0x80070003)"
        )
    error = only_error(await run(lab, "HV-NODE1", "vm-export", Name="DC01", Path="D:\\Ex|ports"))
    assert "The filename, directory name, or volume label syntax is incorrect." in error.message


async def test_export_to_a_file_share_works() -> None:
    result = await run(
        default_lab(), "HV-2019", "vm-export", Name="APP2016", Path="\\\\NAS01\\Exports"
    )
    assert result.ok


# --- the cmdlets themselves, beyond what the catalog scripts call -----------------------------


def test_resize_vhd_takes_wildcards_and_passthru_writes_the_disk() -> None:
    lab = default_lab()
    folder = "C:\\ClusterStorage\\Volume1\\SQL01\\Virtual Hard Disks"
    outcome = console(lab, "HV-NODE1",
                      f"Resize-VHD -Path '{folder}\\*-Logs.vhdx' -SizeBytes {300 * GB} -Passthru")
    assert not outcome.errors
    [vhd] = outcome.output
    assert vhd.type_names[0] == "Microsoft.Vhd.PowerShell.VirtualHardDisk"
    assert (vhd.get("Path"), vhd.get("Size")) == (SQL_LOGS, 300 * GB)
    assert [p.status for p in outcome.progress] == ["0%", "100%"]
    assert {p.activity for p in outcome.progress} == {"Resize a virtual hard disk"}


def test_a_path_that_names_no_disk_is_a_non_terminating_error() -> None:
    """VhdPathResolver: InvalidArgument with R-VHD-2's text, written per path (the other
    paths of the call are still resized)."""
    outcome = console(default_lab(), "HV-NODE2",
                      f"Resize-VHD -Path 'C:\\nope\\disk.txt', '{PRINT_VHD}' "
                      f"-SizeBytes {50 * GB} -Passthru")
    [error] = outcome.errors
    assert error.message == NOT_A_VHD.format("C:\\nope\\disk.txt")
    assert (error.category, error.fqid) == (
        "InvalidArgument", "InvalidParameter,Microsoft.Vhd.PowerShell.Cmdlets.ResizeVHD")
    assert [v.get("Size") for v in outcome.output] == [50 * GB]


def test_capture_live_state_is_a_2016_parameter() -> None:
    """R-EXP-1: -CaptureLiveState is 2016's; a 2012 R2 host's binder does not know it."""
    lab = default_lab()
    old = console(lab, "HV-DR1", "Export-VM -Name 'JUMP01' -Path 'E:\\Exports' "
                                  "-CaptureLiveState CaptureCrashConsistentState")
    assert old.errors[0].message == (
        "A parameter cannot be found that matches parameter name 'CaptureLiveState'.")
    new = console(lab, "HV-2019", "Export-VM -Name 'APP2016' -Path '\\\\NAS01\\Exports' "
                                   "-CaptureLiveState CaptureCrashConsistentState -Passthru")
    assert not new.errors
    assert [vm.get("Name") for vm in new.output] == ["APP2016"]
