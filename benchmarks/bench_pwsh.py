"""The lab's PowerShell engine: what running inventory.ps1 costs per VM.

    python benchmarks/bench_pwsh.py [--vms 1000] [--repeat 5]

Runs the real ``inventory.ps1`` through the engine against the tests' fake Hyper-V host
(tests/support/pwsh_fake.py) with N VMs, and a plain-Python loop that builds the same records from
the same fake objects. Prints ratios measured in one run (the machine is shared and noisy;
absolute times mean little):

1. engine per VM / plain Python per VM (both including the conversion to plain data);
2. the first run of a script text (parse and compile) / a later run;
3. per-VM cost at N VMs / per-VM cost at N/10 VMs (1.0 = linear).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from pwsh_fake import FakeHost, FakeVM  # noqa: E402

from hvtui.lab.pwsh import PSObject, run, to_plain  # noqa: E402
from hvtui.lab.pwsh.engine import _CACHE  # noqa: E402
from hvtui.ps import catalog  # noqa: E402

SCRIPT = catalog.get("inventory").text


def estate(vms: int) -> FakeHost:
    return FakeHost(clustered=True, vms=[
        FakeVM(f"vm{i:05d}", "Running" if i % 3 else "Off",
               replication="Primary" if i % 10 == 0 else "None", snapshots=i % 3, disks=2)
        for i in range(vms)])


def engine(host: FakeHost) -> list[Any]:
    outcome = run(SCRIPT, {}, host)
    assert not outcome.failed, outcome.errors
    return [to_plain(o) for o in outcome.output]


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def plain_python(host: FakeHost) -> list[dict[str, Any]]:
    """The per-VM records inventory.ps1 emits, built directly from the same fake objects."""
    commands = {name: host.command(name) for name in (
        "Get-VMProcessor", "Get-VMHardDiskDrive", "Get-VHD", "Get-VMSnapshot",
        "Get-VMNetworkAdapter", "Get-VMIntegrationService")}
    assert all(commands.values())
    records: list[dict[str, Any]] = []
    for fake in host.vms:
        vm = fake.ps()
        vm_id = str(vm.get("Id"))
        records.append({
            "Kind": "VM", "Id": vm_id, "Name": vm.get("Name"), "State": str(vm.get("State")),
            "CPUUsage": int(vm.get("CPUUsage")), "MemoryAssigned": vm.get("MemoryAssigned"),
            "MemoryDemand": vm.get("MemoryDemand"), "MemoryStartup": vm.get("MemoryStartup"),
            "DynamicMemoryEnabled": bool(vm.get("DynamicMemoryEnabled")),
            "UptimeSeconds": round(vm.get("Uptime").total_seconds()),
            "Status": vm.get("Status"), "Generation": vm.get("Generation"),
            "Version": vm.get("Version"), "Heartbeat": str(vm.get("Heartbeat")),
            "ProcessorCount": vm.get("ProcessorCount"), "CompatibilityForMigration": False,
            "IsClustered": bool(vm.get("IsClustered")), "Path": vm.get("Path"),
            "ReplicationMode": str(vm.get("ReplicationMode")), "Notes": _s(vm.get("Notes"))})
        records.append({"Kind": "Guest", "VMId": vm_id, "OSName": ""})
        for index in range(fake.disks):
            path = f"C:\\VHDs\\{fake.name}-{index}.vhdx"
            records.append({
                "Kind": "Disk", "VMId": vm_id, "Path": path, "ControllerType": "SCSI",
                "ControllerNumber": 0, "ControllerLocation": index, "MinimumIOPS": 0,
                "MaximumIOPS": 0, "Shared": False, "VhdFormat": "VHDX", "VhdType": "Dynamic",
                "Size": 40 * 1024**3, "FileSize": 9 * 1024**3, "MinimumSize": 20 * 1024**3,
                "BlockSize": 32 * 1024**2, "ParentPath": ""})
        for index in range(fake.snapshots):
            records.append({"Kind": "Checkpoint", "VMId": vm_id, "Id": str(index + 1),
                            "Name": f"{fake.name} - cp{index}", "ParentId": "",
                            "CreationTime": None, "SnapshotType": "Standard"})
        records.append({"Kind": "NetworkAdapter", "VMId": vm_id, "Name": "Network Adapter",
                        "SwitchName": "External", "MacAddress": "00155D010203",
                        "IPAddresses": ["10.0.0.5", "fe80::1"], "Status": "Ok"})
        for name in ("Heartbeat", "Guest Service Interface"):
            records.append({"Kind": "IntegrationService", "VMId": vm_id, "Name": name,
                            "Enabled": name != "Guest Service Interface",
                            "PrimaryStatus": "OK", "SecondaryStatus": ""})
        if fake.replication != "None":
            records.append({"Kind": "Replication", "VMId": vm_id, "Relationship": "Simple",
                            "Mode": fake.replication, "State": "Replicating",
                            "Health": "Normal", "PrimaryServer": "HV-FAKE",
                            "ReplicaServer": "HV-DR", "FrequencySec": 300,
                            "LastReplicationTime": None})
        assert isinstance(vm, PSObject)
    return records


def best(function: Any, host: FakeHost, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(host)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    host = estate(args.vms)
    vm_records = [r for r in engine(host) if r["Kind"] not in (  # type: ignore[index]
        "Host", "Volume", "Cluster", "ClusterNode", "ClusterGroup", "ClusterSharedVolume")]
    assert len(vm_records) == len(plain_python(host)), "the two build different records"

    _CACHE.clear()
    small = estate(max(1, args.vms // 10))
    start = time.perf_counter()
    engine(small)
    first = time.perf_counter() - start
    later = statistics.median(best(engine, small, 1) for _ in range(args.repeat))

    engine_time = best(engine, host, args.repeat) / args.vms
    python_time = best(plain_python, host, args.repeat) / args.vms
    small_time = best(engine, small, args.repeat) / len(small.vms)

    print(f"inventory.ps1, {args.vms} VMs, best of {args.repeat}")
    print(f"  engine per VM / plain Python per VM:        {engine_time / python_time:6.1f}x")
    print(f"  first run of a text / later run ({len(small.vms)} VMs): {first / later:6.1f}x")
    print(f"  per VM at {args.vms} / per VM at {len(small.vms)}:          "
          f"{engine_time / small_time:6.2f}x")


if __name__ == "__main__":
    main()
