"""host-settings.ps1 on the lab, per release: default folders, NUMA spanning, live and
storage migrations and migration networks, as Set-VMHost, Enable-/Disable-VMMigration and
Add-/Remove-VMMigrationNetwork take them; what 2012 lacks fails there as on a real host."""

from __future__ import annotations

from typing import Any

import pytest
from lab_console import console
from test_lab_support import default_lab, inventory, kinds, run

from hvtui.lab import pwsh
from hvtui.lab.failures import (
    MIGRATION_NETWORK_LINK_LOCAL,
    MIGRATION_NETWORK_LOOPBACK,
    PARAMETER_NOT_FOUND,
)


def plain(outcome: pwsh.Outcome) -> list[Any]:
    return [pwsh.to_plain(value) for value in outcome.output]


@pytest.mark.parametrize("host", ["HV-LEGACY", "HV-NODE1", "HV-2016", "HV-2022", "HV-2025"])
async def test_every_release_takes_folders_numa_counts_and_networks(host: str) -> None:
    lab = default_lab()
    result = await run(lab, host, "host-settings", VirtualMachinePath="D:\\Hyper-V\\VMs",
                       VirtualHardDiskPath="D:\\Hyper-V\\Disks", NumaSpanningEnabled=False,
                       MaximumStorageMigrations=3, MaximumVirtualMachineMigrations=5,
                       AuthenticationType="Kerberos", UseAnyNetworkForMigration=False,
                       MigrationEnabled=True, AddMigrationNetworks=["10.0.77.0/24"])
    assert result.ok, result.errors
    [record] = kinds(result, "HostSetting")
    assert (record["VirtualMachinePath"], record["VirtualHardDiskPath"],
            record["NumaSpanningEnabled"], record["MaximumStorageMigrations"],
            record["MaximumMigrations"], record["MigrationAuthentication"],
            record["UseAnyNetworkForMigration"], record["MigrationEnabled"]) == (
        "D:\\Hyper-V\\VMs", "D:\\Hyper-V\\Disks", False, 3, 5, "Kerberos", False, True)
    assert "10.0.77.0/24" in record["MigrationNetworks"]
    # the next inventory reports the same
    [reported] = (await inventory(lab, host))["Host"]
    assert (reported["NumaSpanningEnabled"], reported["MaximumStorageMigrations"],
            reported["VirtualMachinePath"]) == (False, 3, "D:\\Hyper-V\\VMs")
    assert "10.0.77.0/24" in reported["MigrationNetworks"]


async def test_the_performance_option_is_2012_r2s_and_2012_refuses_it() -> None:
    lab = default_lab()
    refused = await run(lab, "HV-LEGACY", "host-settings", PerformanceOption="SMB",
                        NumaSpanningEnabled=False)
    assert not refused.ok
    assert "new in Windows Server 2012 R2" in refused.errors[0].message
    direct = console(lab, "HV-LEGACY", "Set-VMHost -VirtualMachineMigrationPerformanceOption SMB")
    assert direct.errors[0].message == PARAMETER_NOT_FOUND.format(
        "VirtualMachineMigrationPerformanceOption")
    taken = await run(lab, "HV-NODE1", "host-settings", PerformanceOption="SMB")
    assert taken.ok, taken.errors
    assert kinds(taken, "HostSetting")[0]["MigrationPerformance"] == "SMB"


async def test_networks_are_added_before_any_is_removed_and_migration_turns_off_last() -> None:
    lab = default_lab()
    before = (await inventory(lab, "HV-2022"))["Host"][0]["MigrationNetworks"]
    assert before
    result = await run(lab, "HV-2022", "host-settings", AddMigrationNetworks=["10.9.0.0/16"],
                       RemoveMigrationNetworks=list(before), MigrationEnabled=False)
    assert result.ok, result.errors
    [record] = kinds(result, "HostSetting")
    assert record["MigrationNetworks"] == ["10.9.0.0/16"] and record["MigrationEnabled"] is False


@pytest.mark.parametrize(("subnet", "message"), [
    ("127.0.0.0/8", MIGRATION_NETWORK_LOOPBACK),
    ("::1", MIGRATION_NETWORK_LOOPBACK),
    ("169.254.0.0/16", MIGRATION_NETWORK_LINK_LOCAL),
    ("fe80::/64", MIGRATION_NETWORK_LINK_LOCAL),
])
def test_loopback_and_link_local_networks_are_refused_with_the_hosts_words(
        subnet: str, message: str) -> None:
    lab = default_lab()
    outcome = console(lab, "HV-2019", f"Add-VMMigrationNetwork -Subnet '{subnet}'")
    assert [(e.message, e.category) for e in outcome.errors] == [(message, "InvalidArgument")]
    listed = console(lab, "HV-2019", "Get-VMMigrationNetwork | ForEach-Object { $_.Subnet }")
    assert subnet not in plain(listed)


def test_set_vmhost_takes_numa_spanning_and_storage_migrations() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-2016", "Set-VMHost -NumaSpanningEnabled $false "
                                      "-MaximumStorageMigrations 4 -Passthru")
    assert not outcome.failed, outcome.errors
    shown = plain(outcome)[0]
    assert (shown["NumaSpanningEnabled"], shown["MaximumStorageMigrations"]) == (False, 4)
