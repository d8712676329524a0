"""Scenario files (the default estate and validation) and generated estates."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from test_lab_support import SMALL, default_lab, inventory, write_scenario

from hvtui.errors import ConfigError
from hvtui.lab import Lab


async def primary_vms(lab: Lab) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    found = []
    for host in lab.host_names:
        for vm in (await inventory(lab, host)).get("VM", []):
            if vm["ReplicationMode"] not in ("Replica", "ExtendedReplica"):
                found.append((host, vm))
    return found


async def test_default_estate_covers_the_features() -> None:
    lab = default_lab()
    assert lab.host_names == [
        "HV-NODE1",
        "HV-NODE2",
        "HV-NODE3",
        "HV-LEGACY",
        "HV-DR1",
        "HV-DR2",
        "HV-2016",
        "HV-2019",
        "HV-2022",
        "HV-2025",
    ]
    # A host of every release hvtui supports, and what a remote session meets there.
    software = {h.name: h.software for h in lab.estate.hosts.values()}
    assert {s.release for s in software.values()} == {
        "2012", "2012 R2", "2016", "2019", "2022", "2025"}
    assert {s.ps_version for s in software.values()} == {(3, 0), (4, 0), (5, 1), (7, 4)}
    assert software["HV-2025"].edition == "Core"
    assert software["HV-2016"].language == "de-DE"
    without = {name for name, s in software.items() if "FailoverClusters" not in s.modules}
    assert {"HV-LEGACY", "HV-2016", "HV-2019"} <= without  # standalone hosts
    assert "FailoverClusters" in software["HV-2025"].modules
    assert lab.estate.cluster_of(lab.estate.hosts["hv-2025"]) is None  # tools, no cluster
    vms = await primary_vms(lab)
    assert len(vms) >= 30
    assert len({host for host, _vm in vms}) >= 6
    # 2012's VM objects have no Generation: the host reports 0 there (the client derives 1).
    assert {vm["Generation"] for h, vm in vms if h != "HV-LEGACY"} == {1, 2}
    assert {vm["Generation"] for h, vm in vms if h == "HV-LEGACY"} == {0}
    guests = {vm["Name"]: vm for _h, vm in vms}
    states = {vm["State"] for vm in guests.values()}
    assert {"Running", "Off", "Saved", "Paused", "RunningCritical", "OffCritical"} <= states
    assert {"経理-DB01", "O'Brien-APP", "WEB “Front” 01", "Cost$Center`App;01"} <= set(guests)


async def test_default_estate_hosts_and_guests() -> None:
    lab = default_lab()
    hosts = {h: (await inventory(lab, h))["Host"][0] for h in lab.host_names}
    assert hosts["HV-LEGACY"]["OSVersion"] == "6.2.9200"
    assert {h["OSName"].split(" Datacenter")[0] for h in hosts.values()} >= {
        "Microsoft Windows Server 2012",
        "Microsoft Windows Server 2012 R2",
        "Microsoft Windows Server 2016 Standard",
        "Microsoft Windows Server 2019",
        "Microsoft Windows Server 2022",
        "Microsoft Windows Server 2025",
    }
    assert hosts["HV-2025"]["PowerShellVersion"].startswith("7.4")
    assert hosts["HV-DR2"]["ProcessorVendor"] == "AuthenticAMD"
    assert hosts["HV-2022"]["SupportedVersions"][0] == "8.0"
    assert all(h["MigrationAuthentication"] in ("CredSSP", "Kerberos") for h in hosts.values())
    # VM.Version is not a property before 2016: 2012 reports '', the lab's VMs are 4.0.
    legacy = (await inventory(lab, "HV-LEGACY"))["VM"]
    assert {vm["Version"] for vm in legacy} == {""}
    assert {vm.version for vm in lab.estate.host("HV-LEGACY").vms.values()} == {"4.0"}  # type: ignore[union-attr]
    linux = windows = 0
    for host in lab.host_names:
        for guest in (await inventory(lab, host)).get("Guest", []):
            linux += any(d in guest["OSName"] for d in ("Ubuntu", "Red Hat", "CentOS"))
            windows += "Windows" in guest["OSName"]
    assert linux >= 2 and windows >= 10


async def test_default_estate_disks() -> None:
    lab = default_lab()
    disks = [d for h in lab.host_names for d in (await inventory(lab, h)).get("Disk", [])]
    pairs = {(d["VhdFormat"], d["ControllerType"]) for d in disks}
    assert {("VHDX", "SCSI"), ("VHD", "IDE")} <= pairs
    linux_blocks = {
        d["BlockSize"] for d in disks if "LNX-WEB01" in d["Path"] or "RHEL-DB01" in d["Path"]
    }
    assert linux_blocks == {1024**2, 32 * 1024**2}
    shared = [d for d in disks if d["Shared"]]
    assert shared and all(d["Path"].startswith("C:\\ClusterStorage\\") for d in shared)
    assert any(d["MinimumIOPS"] for d in disks) and any(d["MaximumIOPS"] for d in disks)
    switches = {
        a["SwitchName"]
        for h in lab.host_names
        for a in (await inventory(lab, h)).get("NetworkAdapter", [])
    }
    assert {"External-LAN", "DMZ"} <= switches


# --- validation --------------------------------------------------------------------------


def bad(tmp_path: Path, text: str) -> ConfigError:
    path = write_scenario(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        Lab.from_scenario(path)
    error = caught.value
    assert str(path) in error.cause and error.hint, error
    return error


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    error = bad(tmp_path, SMALL.replace("memory_gb = 4\n", "memory_gb = = 4\n"))
    assert "not valid TOML" in error.cause and "line" in error.cause and "column" in error.cause


def test_unknown_key_names_the_vm(tmp_path: Path) -> None:
    error = bad(tmp_path, SMALL.replace("memory_gb = 4\n", "memory_gb = 4\nmemroy_mb = 4096\n"))
    assert "host 'SRC' > vm 'VM1'" in error.cause and "unknown key 'memroy_mb'" in error.cause


def test_wrong_type(tmp_path: Path) -> None:
    error = bad(tmp_path, SMALL.replace("memory_gb = 4\n", 'memory_gb = "lots"\n'))
    assert "key 'memory_gb' should be" in error.cause


def test_version_the_host_cannot_run(tmp_path: Path) -> None:
    error = bad(tmp_path, SMALL.replace('version = "5.0"', 'version = "9.0"'))
    assert "configuration version 9.0 is not supported by Microsoft Windows Server 2012 R2" in (
        error.cause
    )
    assert "in_place_upgrade" in (error.hint or "")


def test_unknown_switch(tmp_path: Path) -> None:
    error = bad(tmp_path, SMALL.replace('switch = "LAN"', 'switch = "WAN"'))
    assert "switch 'WAN' is not one of host 'SRC'" in error.cause


def test_generation_2_has_no_ide(tmp_path: Path) -> None:
    error = bad(tmp_path, SMALL.replace("used_gb = 10\n", 'used_gb = 10\ncontroller = "IDE"\n'))
    assert "Generation 2 virtual machines do not support IDE." in error.cause


def test_disk_on_a_missing_volume(tmp_path: Path) -> None:
    error = bad(tmp_path, SMALL.replace("D:\\VMs\\VM1\\VM1.vhdx", "Z:\\VM1.vhdx"))
    assert "is on no volume of host 'SRC'" in error.cause


def test_unknown_processor_family(tmp_path: Path) -> None:
    error = bad(tmp_path, SMALL.replace('"IvyBridge-EP"', '"Pentium"', 1))
    assert "host 'SRC'" in error.cause and "'Pentium'" in error.cause


def test_replication_rules_are_checked(tmp_path: Path) -> None:
    text = (
        SMALL + '\n[[replication]]\nvm = "VM1"\nprimary = "SRC"\nreplica = "DST"\nfrequency = 60\n'
    )
    assert "frequency 60 is not 30, 300 or 900" in bad(tmp_path, text).cause
    same = SMALL + '\n[[replication]]\nvm = "VM1"\nprimary = "SRC"\nreplica = "SRC"\n'
    assert "replica must be another [[host]]" in bad(tmp_path, same).cause


def test_cluster_nodes_must_be_hosts(tmp_path: Path) -> None:
    text = '[[cluster]]\nname = "C1"\nnodes = ["SRC", "GHOST"]\n' + SMALL
    assert "node 'GHOST' is not a [[host]]" in bad(tmp_path, text).cause


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Lab.from_scenario(tmp_path / "nope.toml")
    assert "cannot read scenario" in caught.value.cause


def test_bad_speed() -> None:
    with pytest.raises(ValueError):
        Lab.from_scenario(speed=0)


# --- generated estates -------------------------------------------------------------------


async def test_generated_estate_is_large_realistic_and_reproducible() -> None:
    lab = Lab.generated(100, 100, seed=7, instant=True)
    assert len(lab.host_names) == 100
    assert sum(len(h.vms) for h in lab.estate.hosts.values()) >= 10_000
    # The inventory script runs on a sample of hosts (each run is the real script text).
    results = await asyncio.gather(*(inventory(lab, h) for h in lab.host_names[::33]))
    assert all(len(r["VM"]) >= 100 for r in results)
    clustered = await inventory(lab, "HV001")
    assert clustered["Host"][0]["Cluster"] == "CL01" and clustered["ClusterGroup"]

    def vms(of: Lab) -> list[tuple[str, str, str]]:
        host = of.estate.host("HV050")
        assert host is not None
        return [(v.id, v.name, v.state) for v in host.vms.values()]

    first = [(v["Id"], v["Name"], v["State"]) for v in (await inventory(lab, "HV050"))["VM"]]
    assert sorted((i, n) for i, n, _ in first) == sorted((i, n) for i, n, _ in vms(lab))
    assert vms(Lab.generated(100, 100, seed=7, instant=True)) == vms(lab)
    assert vms(Lab.generated(100, 100, seed=8, instant=True)) != vms(lab)


async def test_generated_estate_answers_actions() -> None:
    lab = Lab.generated(6, 10, seed=1, instant=True)
    from test_lab_support import run

    host = lab.host_names[0]
    vm = (await inventory(lab, host))["VM"][0]
    result = await run(
        lab, host, "vm-save" if vm["State"] == "Running" else "vm-start", Name=vm["Name"]
    )
    assert result.ok or result.errors[0].message
