"""Deleting a VM with its disks on the lab: Remove-Item against the host's files (a disk a
running VM holds is refused with Windows' text, a missing one is not found), and
vm-remove.ps1 -DeleteDisks, which follows a differencing chain to its base and stops at a
file another VM still uses."""

from __future__ import annotations

import asyncio

from lab_console import console
from test_lab_support import default_lab, estate_vm, run

from hvtui.lab.estate import Vhd
from hvtui.lab.files import IN_USE, PATH_NOT_FOUND

VHDS = "D:\\VMs"
GB = 1024**3


def _messages(lab: object, host: str, text: str, **params: object) -> list[str]:
    return [e.message for e in console(lab, host, text, **params).errors]  # type: ignore[arg-type]


def test_remove_item_refuses_a_running_vms_disk_and_a_missing_file() -> None:
    lab = default_lab()
    disk = estate_vm(lab, "HV-LEGACY", "ERP-APP").drives[0].path
    text = "param($P) Remove-Item -LiteralPath $P -Force"
    assert _messages(lab, "HV-LEGACY", text, P=disk) == [
        IN_USE.format(disk, disk.rsplit("\\", 1)[-1])]
    missing = "D:\\VMs\\nothing.vhdx"
    assert _messages(lab, "HV-LEGACY", text, P=missing) == [PATH_NOT_FOUND.format(missing)]
    off = estate_vm(lab, "HV-LEGACY", "BUILD01").drives[0].path
    assert _messages(lab, "HV-LEGACY", text, P=off) == []  # an off VM holds nothing open
    host = lab.estate.host("HV-LEGACY")
    assert host is not None and lab.estate.vhd(host, off) is None


def test_delete_disks_follows_the_chain_and_keeps_a_base_another_vm_uses() -> None:
    lab = default_lab()
    host = "HV-2016"
    found = lab.estate.host(host)
    assert found is not None
    # A chain New-VHD does not make in the lab (no -Differencing): base <- a <- a2 (A's
    # checkpoint), and base <- b (B's disk).
    for name, parent in (("base.vhdx", ""), ("a.vhdx", "base.vhdx"), ("a2.avhdx", "a.vhdx"),
                         ("b.vhdx", "base.vhdx")):
        lab.estate.add_vhd(found, Vhd(f"{VHDS}\\{name}", "VHDX",
                                      "Differencing" if parent else "Dynamic", GB, GB // 4,
                                      None, 2 * 1024**2,
                                      f"{VHDS}\\{parent}" if parent else ""))
    outcome = console(lab, host, f"New-VM -Name 'A' -VHDPath '{VHDS}\\a2.avhdx' | Out-Null; "
                                 f"New-VM -Name 'B' -VHDPath '{VHDS}\\b.vhdx' | Out-Null")
    assert not outcome.errors, [e.message for e in outcome.errors]
    vm = estate_vm(lab, host, "A")
    result = asyncio.run(run(lab, host, "vm-remove", VMId=vm.id,
                             DeleteDisks=[f"{VHDS}\\a2.avhdx"]))
    assert result.ok, result.errors
    [record] = result.objects
    assert record["Deleted"] == [f"{VHDS}\\a2.avhdx", f"{VHDS}\\a.vhdx"]
    assert record["InUse"] == [f"{VHDS}\\base.vhdx"]
    assert any("another VM on this host uses it" in w for w in result.warnings)
    assert lab.estate.vhd(found, f"{VHDS}\\a.vhdx") is None
    assert lab.estate.vhd(found, f"{VHDS}\\base.vhdx") is not None
    assert found.find_vms("A") == []
