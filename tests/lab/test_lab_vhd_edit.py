"""The lab's Edit Disk cmdlets (Optimize-, Convert-, Merge-VHD), Move-VMStorage and storage
QoS (Set-VMHardDiskDrive) per release, through the catalog scripts behind hvtui's plans."""

from __future__ import annotations

from test_lab_support import default_lab, estate_vm, kinds, only_error, run

from hvtui.lab import Lab
from hvtui.lab.estate import Vhd
from hvtui.lab.failures import FILE_EXISTS, INVALID_STATE, NOT_A_VHD, PARAMETER_NOT_FOUND
from hvtui.lab.vhdedit import FIXED_COMPACT, NOT_DIFFERENCING, QOS_MAX_BELOW_MIN

GB = 1024**3


def _vhd(lab: Lab, host: str, path: str) -> Vhd | None:
    found = lab.estate.host(host)
    assert found is not None
    return lab.estate.vhd(found, path)


def _differencing(lab: Lab, host: str, vm_name: str) -> tuple[str, str]:
    """Give ``vm_name``'s first disk a parent: it becomes a differencing child of a new
    parent file (as a VM made from a template disk is)."""
    vm = estate_vm(lab, host, vm_name)
    child = _vhd(lab, host, vm.drives[0].path)
    assert child is not None
    parent_path = child.path.rsplit("\\", 1)[0] + "\\Template.vhdx"
    found = lab.estate.host(host)
    assert found is not None
    lab.estate.add_vhd(found, Vhd(parent_path, "VHDX", "Dynamic", child.size, 10 * GB,
                                  child.size, 32 * 1024**2))
    child.type, child.parent_path = "Differencing", parent_path
    return child.path, parent_path


async def test_compact_takes_a_dynamic_disk_of_an_off_vm_and_refuses_fixed_or_in_use() -> None:
    lab = default_lab()
    # 2012: BUILD01 is off, its dynamic VHDX compacts down towards its minimum size
    vhd = _vhd(lab, "HV-LEGACY", "D:\\VMs\\BUILD01\\BUILD01.vhdx")
    assert vhd is not None
    vhd.minimum_size, before = 5 * GB, vhd.file_size
    result = await run(lab, "HV-LEGACY", "vhd-compact", Path=vhd.path)
    assert not result.had_errors, result.errors
    [record] = kinds(result, "Vhd")
    assert record["FileSizeBefore"] == before > record["FileSize"] == 5 * GB + 4 * 1024**2
    # 2012: LEGACY-SQL runs: its disk is open
    running = await run(lab, "HV-LEGACY", "vhd-compact",
                        Path="D:\\VMs\\LEGACY-SQL\\LEGACY-SQL.vhdx")
    assert "being used by another process" in only_error(running).message
    # 2012 R2 cluster: PRINT01 is off but its VHD is fixed
    fixed = "C:\\ClusterStorage\\Volume3\\PRINT01\\PRINT01.vhd"
    refused = await run(lab, "HV-NODE2", "vhd-compact", Path=fixed)
    error = only_error(refused)
    assert error.message == FIXED_COMPACT.format(fixed)
    assert error.error_id.endswith("Microsoft.Vhd.PowerShell.Cmdlets.OptimizeVHD")


async def test_convert_copies_vhd_to_vhdx_and_fixed_to_dynamic_leaving_the_source() -> None:
    lab = default_lab()
    source = "C:\\ClusterStorage\\Volume3\\PRINT01\\PRINT01.vhd"
    dest = "C:\\ClusterStorage\\Volume3\\PRINT01\\PRINT01.vhdx"
    result = await run(lab, "HV-NODE2", "vhd-convert", Path=source, DestinationPath=dest,
                       VHDType="Dynamic")
    assert not result.had_errors, result.errors
    [record] = kinds(result, "Vhd")
    assert (record["VhdFormat"], record["VhdType"]) == ("VHDX", "Dynamic")
    assert _vhd(lab, "HV-NODE2", source) is not None  # the source stays
    again = await run(lab, "HV-NODE2", "vhd-convert", Path=source, DestinationPath=dest,
                      VHDType="Fixed")
    assert only_error(again).message == FILE_EXISTS
    # 2022: a running VM's disk is not converted
    busy = await run(lab, "HV-2022", "vhd-convert", Path="V:\\VMs\\WIN2022-DC\\WIN2022-DC.vhdx",
                     DestinationPath="V:\\VMs\\WIN2022-DC\\copy.vhdx", VHDType="Fixed")
    assert "being used by another process" in only_error(busy).message
    missing = await run(lab, "HV-2022", "vhd-convert", Path="V:\\VMs\\none.vhdx",
                        DestinationPath="V:\\VMs\\x.vhdx", VHDType="Fixed")
    assert only_error(missing).message == NOT_A_VHD.format("V:\\VMs\\none.vhdx")


async def test_merge_folds_a_child_into_its_parent_and_repoints_the_drive() -> None:
    lab = default_lab()
    child, parent = _differencing(lab, "HV-2022", "LEGACY-BIZ")
    result = await run(lab, "HV-2022", "vhd-merge", Path=child, DestinationPath=parent,
                       VMName="LEGACY-BIZ", ControllerType="SCSI", ControllerNumber=0,
                       ControllerLocation=0)
    assert not result.had_errors, result.errors
    assert [r["Path"] for r in kinds(result, "Vhd")] == [parent]
    assert estate_vm(lab, "HV-2022", "LEGACY-BIZ").drives[0].path == parent
    assert _vhd(lab, "HV-2022", child) is None  # no longer a valid disk
    host = lab.estate.host("HV-2022")
    assert host is not None and lab.estate.file_exists(host, child)  # the file is still there
    # a disk with no parent does not merge
    plain = await run(lab, "HV-2022", "vhd-merge", Path=parent, DestinationPath=child)
    assert only_error(plain).message == NOT_DIFFERENCING.format(parent)


async def test_the_chain_is_read_child_first_up_to_the_root() -> None:
    lab = default_lab()
    child, parent = _differencing(lab, "HV-2022", "LEGACY-BIZ")
    host = lab.estate.host("HV-2022")
    assert host is not None
    root = "V:\\VMs\\Templates\\Base.vhdx"
    lab.estate.add_vhd(host, Vhd(root, "VHDX", "Dynamic", 127 * GB, 9 * GB, 127 * GB,
                                 32 * 1024**2))
    above = _vhd(lab, "HV-2022", parent)
    assert above is not None
    above.type, above.parent_path = "Differencing", root
    result = await run(lab, "HV-2022", "vhd-chain", Path=child)
    assert [(r["Path"], r["VhdType"]) for r in kinds(result, "Vhd")] == [
        (child, "Differencing"), (parent, "Differencing"), (root, "Dynamic")]


async def test_merge_is_refused_while_the_chain_is_in_use() -> None:
    lab = default_lab()
    child, parent = _differencing(lab, "HV-2019", "WIN2019-WEB")
    result = await run(lab, "HV-2019", "vhd-merge", Path=child, DestinationPath=parent)
    assert "being used by another process" in only_error(result).message
    assert _vhd(lab, "HV-2019", child) is not None


async def test_storage_moves_while_the_vm_runs_on_2012() -> None:
    lab = default_lab()
    result = await run(lab, "HV-LEGACY", "vm-move-storage", VMName="LEGACY-SQL",
                       DestinationStoragePath="D:\\New\\LEGACY-SQL")
    assert not result.had_errors, result.errors
    [moved] = kinds(result, "StorageMoved")
    assert moved["Path"] == "D:\\New\\LEGACY-SQL"
    assert moved["Disks"] == ["D:\\New\\LEGACY-SQL\\Virtual Hard Disks\\LEGACY-SQL.vhdx",
                              "D:\\New\\LEGACY-SQL\\Virtual Hard Disks\\LEGACY-SQL-Data.vhdx"]
    assert estate_vm(lab, "HV-LEGACY", "LEGACY-SQL").state == "Running"


async def test_storage_move_to_a_missing_drive_or_of_a_critical_vm_is_refused() -> None:
    lab = default_lab()
    nowhere = await run(lab, "HV-2016", "vm-move-storage", VMName="MÜN-FS01",
                        DestinationStoragePath="Q:\\VMs")
    assert "cannot be used on 'HV-2016'" in only_error(nowhere).message
    critical = await run(lab, "HV-LEGACY", "vm-move-storage", VMName="OLD-FAX",
                         DestinationStoragePath="D:\\New\\OLD-FAX")
    assert only_error(critical).message == INVALID_STATE


async def test_storage_qos_is_2012_r2s_and_the_maximum_is_not_below_the_minimum() -> None:
    lab = default_lab()
    ok = await run(lab, "HV-NODE2", "vm-disk-qos", VMName="EXCH01", ControllerType="SCSI",
                   ControllerNumber=0, ControllerLocation=1, MinimumIOPS=200, MaximumIOPS=800)
    assert not ok.had_errors, ok.errors
    [drive] = kinds(ok, "Drive")
    assert (drive["MinimumIOPS"], drive["MaximumIOPS"]) == (200, 800)
    low = await run(lab, "HV-2025", "vm-disk-qos", VMName="WIN2025-APP01", ControllerType="SCSI",
                    ControllerNumber=0, ControllerLocation=0, MinimumIOPS=500, MaximumIOPS=100)
    assert only_error(low).message == QOS_MAX_BELOW_MIN.format(100, 500)
    # 2012: the script's header keeps it off the host; the cmdlet itself has no -MinimumIOPS
    old = await run(lab, "HV-LEGACY", "vm-disk-qos", VMName="BUILD01", ControllerType="IDE",
                    ControllerNumber=0, ControllerLocation=0, MinimumIOPS=1, MaximumIOPS=0)
    assert only_error(old).message == PARAMETER_NOT_FOUND.format("MinimumIOPS")
