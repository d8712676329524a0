"""The lab's Add-/Remove-VMNetworkAdapter, Set-VMNetworkAdapterVlan and the adapter guards:
R-NIC-1 and R-NIC-2 per release, through the catalog script vm-network-adapter."""

from __future__ import annotations

from test_lab_support import default_lab, estate_vm, kinds, only_error, run

from hvtui.lab.failures import GEN2_NO_LEGACY_NIC, INVALID_STATE


def _names(lab: object, host: str, vm: str) -> list[str]:
    return [a.name for a in estate_vm(lab, host, vm).adapters]  # type: ignore[arg-type]


async def test_a_synthetic_adapter_is_hot_added_to_a_running_generation_2_vm_from_2016() -> None:
    lab = default_lab()
    result = await run(lab, "HV-2016", "vm-network-adapter", VMName="MÜN-FS01", Action="Add",
                       Name="Backup 'LAN'", SwitchName="external-lan")
    assert not result.had_errors, result.errors
    added = [a for a in kinds(result, "NetworkAdapter") if a["Name"] == "Backup 'LAN'"]
    assert [(a["SwitchName"], a["IsLegacy"]) for a in added] == [("External-LAN", False)]
    removed = await run(lab, "HV-2016", "vm-network-adapter", VMName="MÜN-FS01",
                        Action="Remove", Name="Backup 'LAN'")
    assert not removed.had_errors, removed.errors
    assert _names(lab, "HV-2016", "MÜN-FS01") == ["Network Adapter"]


async def test_before_2016_an_adapter_is_added_only_while_the_vm_is_off() -> None:
    lab = default_lab()
    refused = await run(lab, "HV-LEGACY", "vm-network-adapter", VMName="LEGACY-SQL",
                        Action="Add", Name="Second")
    assert only_error(refused).message == INVALID_STATE
    assert _names(lab, "HV-LEGACY", "LEGACY-SQL") == ["Network Adapter"]
    taken = await run(lab, "HV-LEGACY", "vm-network-adapter", VMName="BUILD01",
                      Action="Add", Name="PXE", IsLegacy=True)
    assert not taken.had_errors, taken.errors
    assert estate_vm(lab, "HV-LEGACY", "BUILD01").adapters[-1].legacy


async def test_a_generation_2_vm_takes_no_legacy_adapter() -> None:
    lab = default_lab()
    legacy = await run(lab, "HV-2025", "vm-network-adapter", VMName="WIN2022-SQL02",
                       Action="Add", Name="Old", IsLegacy=True)
    assert only_error(legacy).message == GEN2_NO_LEGACY_NIC


async def test_vlan_and_guards_change_on_a_running_vm() -> None:
    lab = default_lab()
    result = await run(lab, "HV-LEGACY", "vm-network-adapter", VMName="LEGACY-SQL",
                       Action="Set", Name="Network Adapter", VlanId=42,
                       MacAddressSpoofing="On", DhcpGuard="On", RouterGuard="Off")
    assert not result.had_errors, result.errors
    [adapter] = kinds(result, "NetworkAdapter")
    assert (adapter["MacAddressSpoofing"], adapter["DhcpGuard"], adapter["RouterGuard"]) \
        == ("On", "On", "Off")
    [lab_adapter] = estate_vm(lab, "HV-LEGACY", "LEGACY-SQL").adapters
    assert lab_adapter.vlan == 42
    untag = await run(lab, "HV-LEGACY", "vm-network-adapter", VMName="LEGACY-SQL",
                      Action="Set", Name="Network Adapter", VlanId=0)
    assert not untag.had_errors, untag.errors
    assert lab_adapter.vlan == 0
