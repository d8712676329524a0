"""The lab over the real protocols: pypsrp and asyncssh, unmodified, on 127.0.0.1.

Every inventory and one action of each kind run over both WinRM/PSRP and SSH against
the lab's servers, and `hvtui get` prints the same data in-process, over SSH and
over WinRM.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from hvtui import cli
from hvtui.config import load_inventory
from hvtui.hyperv.inventory import fetch_inventory
from hvtui.lab.server.run import LabEndpoints
from hvtui.ps import catalog
from hvtui.ps.decode import records_of
from hvtui.remote.base import PSResult
from hvtui.remote.pool import SessionPool
from hvtui.session_setup import inventory_pool

TRANSPORTS = ["psrp", "ssh"]


def pool_for(endpoints: LabEndpoints, transport: str, tmp_path: Path) -> SessionPool:
    path = tmp_path / f"{transport}.toml"
    path.write_text(endpoints.inventory_toml(transport), encoding="utf-8")
    return inventory_pool(load_inventory(path))


async def call(pool: SessionPool, host: str, script: str, **params: Any) -> PSResult:
    result = await pool.invoke(host, catalog.get(script).text, params, timeout=30)
    assert result.ok, f"{script} on {host}: {[e.message for e in result.errors]}"
    return result


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_every_inventory_and_each_kind_of_action(
    endpoints: LabEndpoints, transport: str, tmp_path: Path
) -> None:
    pool = pool_for(endpoints, transport, tmp_path)
    try:
        inventories = await asyncio.gather(*(fetch_inventory(pool, h) for h in pool.hosts))
        assert sum(len(i.vms) for i in inventories) >= 30
        by_name = {vm.name: vm for inv in inventories for vm in inv.vms if not vm.replication
                   or vm.replication.mode.name == "Primary"}

        # power, on a name that is data and not code
        saved = await call(pool, "HV-NODE1", "vm-save", Name="経理-DB01")
        assert records_of(saved.objects, "VMState")[0]["State"] == "Saved"
        started = await call(pool, "HV-NODE1", "vm-start", Name="経理-DB01")
        assert records_of(started.objects, "VMState")[0]["State"] == "Running"

        # checkpoints, with a checkpoint name full of quotes
        tricky = "パッチ前 'a' “b” $c `d; e"
        made = await call(pool, "HV-NODE1", "checkpoint-new", Name="O'Brien-APP",
                          CheckpointName=tricky)
        made_record = records_of(made.objects, "Checkpoint")[0]
        assert made_record["Name"] == tricky
        # Hyper-V reads a checkpoint's -Name as a pattern, where ` escapes the next
        # character: no name selects this one, so removing it by id is refused, saying so
        # with the name exactly as given
        refused = await pool.invoke("HV-NODE1", catalog.get("checkpoint-remove").text,
                                    {"VMId": made_record["VMId"], "CheckpointId":
                                     made_record["Id"]}, timeout=30)
        assert not refused.ok
        assert f'The name of the checkpoint "{tricky}" of "O\'Brien-APP" selects 0' in \
            refused.errors[0].message

        # online VHDX resize on SCSI of a running 2012 R2 VM
        disk = next(d for d in by_name["経理-DB01"].disks
                    if d.controller.name == "SCSI" and d.format.name == "VHDX")
        grown = await call(pool, "HV-NODE1", "vhd-resize", Path=disk.path,
                           SizeBytes=disk.size + 10 * 2**30)
        assert records_of(grown.objects, "Vhd")[0]["Size"] == disk.size + 10 * 2**30

        # online export on 2012 R2, with progress
        exported = await call(pool, "HV-DR1", "vm-export", Name="JUMP01", Path="E:\\Exports")
        assert records_of(exported.objects, "Exported")
        assert exported.progress or transport == "ssh"

        # enhanced session policy, guest services, Copy-VMFile
        es = await call(pool, "HV-DR1", "host-enhanced-session", Enabled=True)
        assert records_of(es.objects, "HostSetting")[0]["EnhancedSessionMode"] is True
        await call(pool, "HV-DR1", "vm-integration-service", VMName="DR-DC02",
                   ServiceId="6C09BB55-D683-4DA0-8931-C9BF705F6480", Enabled=True)
        copied = await call(pool, "HV-DR1", "vm-copy-file", Name="DR-DC02",
                            SourcePath="C:\\Tools\\BGInfo\\Bginfo.exe",
                            DestinationPath="C:\\Temp\\Bginfo.exe", CreateFullPath=True)
        assert records_of(copied.objects, "Copied")

        # replication frequency, cluster property
        rep = await call(pool, "HV-NODE1", "replication-frequency", VMName="SQL01",
                         FrequencySec=300)
        assert records_of(rep.objects, "Replication")[0]["FrequencySec"] == 300
        cl = await call(pool, "HV-NODE1", "cluster-drain-on-shutdown", Enabled=False)
        assert records_of(cl.objects, "Cluster")[0]["DrainOnShutdown"] == 0

        # cross-version live migration 2012 -> 2012 R2
        moved = await call(pool, "HV-LEGACY", "vm-move", Name="CENTOS-MON",
                           DestinationHost="HV-DR1", IncludeStorage=True,
                           DestinationStoragePath="E:\\VMs\\CENTOS-MON")
        assert records_of(moved.objects, "Moved")
        after = await fetch_inventory(pool, "HV-DR1")
        arrived = next(vm for vm in after.vms if vm.name == "CENTOS-MON")
        assert arrived.version == "5.0"  # upgraded on arrival

        # a rule the host enforces comes back as a structured error over the wire
        refused = await pool.invoke("HV-DR1", catalog.get("vm-move").text,
                                    {"Name": "CENTOS-MON", "DestinationHost": "HV-LEGACY"})
        assert not refused.ok and refused.errors[0].message
        assert refused.errors[0].error_id
    finally:
        await pool.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_replica_and_cluster_cmdlets_over_the_wire(
    endpoints: LabEndpoints, transport: str, tmp_path: Path
) -> None:
    """Replica and cluster scripts (their cmdlets, with progress and ConfirmImpact High),
    without the inventory, so they are checked on their own."""
    pool = pool_for(endpoints, transport, tmp_path)
    try:
        drained = await call(pool, "HV-NODE1", "cluster-node-suspend", NodeName="HV-NODE1",
                             Drain=True)
        node = records_of(drained.objects, "ClusterNode")[0]
        assert (node["State"], node["DrainStatus"]) == ("Paused", "Completed")
        assert any(p.status.startswith("Moving 'SQL01' to HV-NODE2") for p in drained.progress
                   ) or transport == "ssh"
        resumed = await call(pool, "HV-NODE2", "cluster-node-resume", NodeName="HV-NODE1",
                             Failback="Immediate")
        assert records_of(resumed.objects, "ClusterNode")[0]["State"] == "Up"
        moved = await call(pool, "HV-NODE2", "cluster-role-move", RoleName="EXCH01",
                           NodeName="HV-NODE1", MigrationType="Quick")
        assert records_of(moved.objects, "ClusterGroup")[0]["OwnerNode"] == "HV-NODE1"

        paused = await call(pool, "HV-NODE1", "replication-suspend", VMName="SQL01")
        assert records_of(paused.objects, "Replication")[0]["State"] == "Suspended"
        tested = await call(pool, "HV-DR1", "replica-failover", VMName="FS01", AsTest=True)
        assert records_of(tested.objects, "Replication")[0]["State"] == "Replicating"
        refused = await pool.invoke("HV-DR1", catalog.get("replication-frequency").text,
                                    {"VMName": "FS01", "FrequencySec": 300})
        assert not refused.ok
        assert refused.errors[0].message.startswith(
            "Replication settings cannot be modified on the replica virtual machine 'FS01'.")
        assert refused.errors[0].error_id.endswith(",Microsoft.HyperV.PowerShell.Commands."
                                                   "SetVMReplication")
    finally:
        await pool.close()


async def test_get_prints_the_same_everywhere(endpoints: LabEndpoints, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    outputs = {}
    for transport in ["lab", *TRANSPORTS]:
        for what in ("vms", "hosts", "disks", "clusters"):
            argv = ["get", what, "-o", "json"]
            if transport == "lab":
                argv = ["--lab-speed", "inf", *argv]
            else:
                path = tmp_path / f"{transport}.toml"
                path.write_text(endpoints.inventory_toml(transport), encoding="utf-8")
                argv = ["--inventory", str(path), *argv]
            code = await asyncio.to_thread(cli.main, argv)
            out = capsys.readouterr().out
            assert code == 0, out
            outputs[(transport, what)] = json.loads(out)
    for what in ("vms", "hosts", "disks", "clusters"):
        lab = outputs[("lab", what)]
        assert lab, what
        for transport in TRANSPORTS:
            assert outputs[(transport, what)] == lab, f"{what} differs over {transport}"


async def test_refreshes_over_ssh_reuse_one_powershell_per_host(
    endpoints: LabEndpoints, tmp_path: Path
) -> None:
    """The console refreshes every host again and again: one process per host, not per call."""
    pool = pool_for(endpoints, "ssh", tmp_path)
    try:
        for _ in range(5):
            await asyncio.gather(*(fetch_inventory(pool, h) for h in pool.hosts))
    finally:
        await pool.close()
    assert endpoints.sshd.process_starts == {h: 1 for h in pool.hosts}
