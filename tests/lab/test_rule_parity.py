"""Every rule case through the console's verdict, the pre-flight and the lab: they must agree.

The console and the command line ask one client-side statement of each rule
(:mod:`hvtui.hyperv.rules`, on the release table of :mod:`hvtui.model.versions`); the lab,
which stands for the host, implements the same rules on its own from the reference. For each
case a lab is built with one host of the release and one VM in the state the case names; the
client reads it as it reads any host (the real inventory script, decoded), then:

- console: the verdict the console shows (Disks pane, VM details, Replicas pane);
- pre-flight: the checks a plan runs before anything is sent;
- lab: the real catalog script run on that lab host.

A case where one says yes and another no is a bug in one of them (or a rule the reference
does not settle: then the stricter answer is the one to keep, everywhere).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from hvtui.hyperv.plans import Outcome
from hvtui.hyperv.replica_cluster import frequency_problem
from hvtui.hyperv.sizes import parse_size
from hvtui.hyperv.storage import export_checks, resize_checks
from hvtui.lab import Lab
from hvtui.model import VM, Disk, Host
from hvtui.ps import catalog
from hvtui.ps.decode import decode_inventory, inventory_records
from hvtui.remote.base import ParamValue
from hvtui.ui.explain import export_verdict, resize_verdict

RELEASES = ("2012", "2012R2", "2016", "2019", "2022", "2025")
VERSION = {"2012": "4.0", "2012R2": "5.0", "2016": "8.0", "2019": "9.0", "2022": "10.0",
           "2025": "10.0"}
STATES = ("Running", "Paused", "Saved", "Off")
GiB = 1024**3

HOST = """
[[host]]
name = "{name}"
os = "{release}"
processor = "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz"
processor_family = "CascadeLake-SP"
logical_processors = 16
memory_gb = 64
switches = ["LAN"]

[[host.volume]]
letter = "D"
size_gb = 2000
free_gb = 1500
"""

VM_TEXT = """
[[host.vm]]
name = "VM1"
generation = 1
version = "{version}"
state = "{state}"
os = "Windows Server 2012 R2 Standard"
memory_gb = 4
path = 'D:\\VMs\\VM1'
"""

DISK = """
[[host.vm.disk]]
path = '{path}'
controller = "{controller}"
size_gb = 40
used_gb = 10
shared = {shared}
"""

CLUSTER = """
[[cluster]]
name = "CL1"
nodes = ["HV1"]

[[cluster.shared_volume]]
name = "Cluster Disk 1"
path = 'C:\\ClusterStorage\\Volume1'
owner = "HV1"
size_gb = 1000
free_gb = 800
"""


def scenario(tmp_path: Path, release: str, state: str, *, disk: str = "",
             cluster: bool = False, extra: str = "") -> Path:
    text = "[lab]\nseed = 7\ndomain = \"parity.local\"\n"
    text += CLUSTER if cluster else ""
    text += HOST.format(name="HV1", release=release)
    if cluster:
        text += "\n[[host.volume]]\nletter = \"C\"\nsize_gb = 100\nfree_gb = 50\n"
    text += VM_TEXT.format(version=VERSION[release], state=state) + disk + extra
    path = tmp_path / f"{release}-{state}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Seen:
    """One lab host as the client reads it."""

    lab: Lab
    host: Host
    vm: VM


async def read(path: Path) -> Seen:
    lab = Lab.from_scenario(path, instant=True)
    result = await lab.session("HV1").invoke(catalog.get("inventory").text, {})
    assert result.ok, result.errors
    inventory = decode_inventory("HV1", inventory_records("HV1", result.objects))
    [vm] = [v for v in inventory.vms if v.name == "VM1"]
    return Seen(lab, inventory.host, vm)


async def lab_says(seen: Seen, script: str, **params: ParamValue) -> bool:
    result = await seen.lab.session("HV1").invoke(catalog.get(script).text, params)
    return result.ok


def answers(console: bool, preflight: bool, lab: bool) -> dict[str, bool]:
    return {"console": console, "pre-flight": preflight, "lab": lab}


# --- online and offline resize (R-VHD-1) ---------------------------------------------------

DISKS = {
    "VHDX on SCSI": ("D:\\VMs\\VM1\\data.vhdx", "SCSI", False),
    "VHDX on IDE": ("D:\\VMs\\VM1\\data.vhdx", "IDE", False),
    "VHD on SCSI": ("D:\\VMs\\VM1\\data.vhd", "SCSI", False),
    "VHD on IDE": ("D:\\VMs\\VM1\\data.vhd", "IDE", False),
    "shared VHDX": ("C:\\ClusterStorage\\Volume1\\Shared\\data.vhdx", "SCSI", True),
}
RESIZE_CASES = [
    (release, state, kind)
    for release in RELEASES for state in STATES for kind in DISKS
    # Shared VHDX is new in 2012 R2: a 2012 host has no such disk to resize.
    if not (kind == "shared VHDX" and release == "2012")
]


def console_allows_resize(disk: Disk, vm: VM, host: Host) -> bool:
    verdict = resize_verdict(disk, vm, host)
    # "online": resizable (online when it runs); "offline only: ..." resizable now, the VM
    # being off; "VM off first: ...", "not now: ...", "no: ..." not now.
    return verdict.ok or verdict.label.startswith("offline only:")


@pytest.mark.parametrize(("release", "state", "kind"), RESIZE_CASES)
async def test_resize(tmp_path: Path, release: str, state: str, kind: str) -> None:
    path, controller, shared = DISKS[kind]
    seen = await read(scenario(tmp_path, release, state, cluster=shared, disk=DISK.format(
        path=path, controller=controller, shared=str(shared).lower())))
    [disk] = seen.vm.disks
    checks, new = resize_checks(seen.vm, disk, seen.host, parse_size("+1G"))
    preflight = new > 0 and all(c.outcome is not Outcome.FAIL for c in checks)
    lab = await lab_says(seen, "vhd-resize", Path=disk.path, SizeBytes=disk.size + GiB)
    found = answers(console_allows_resize(disk, seen.vm, seen.host), preflight, lab)
    assert len(set(found.values())) == 1, (release, state, kind, found,
                                           [c for c in checks if c.outcome is Outcome.FAIL])


# --- export in each state (R-EXP-1) --------------------------------------------------------

@pytest.mark.parametrize(("release", "state"), [(r, s) for r in RELEASES for s in STATES])
async def test_export(tmp_path: Path, release: str, state: str) -> None:
    seen = await read(scenario(tmp_path, release, state))
    destination = "D:\\Exports"
    checks = export_checks(seen.vm, seen.host, destination)
    preflight = all(c.outcome is not Outcome.FAIL for c in checks)
    lab = await lab_says(seen, "vm-export", Name="VM1", Path=destination)
    found = answers(export_verdict(seen.vm, seen.host).ok, preflight, lab)
    assert len(set(found.values())) == 1, (release, state, found, checks)


# --- replication frequency (R-REP-1) -------------------------------------------------------

REPLICATION = """
[[replication]]
vm = "VM1"
primary = "HV1"
replica = "HV-REPLICA"
frequency = 300
"""


@pytest.mark.parametrize(("release", "seconds"),
                         [(r, s) for r in RELEASES for s in (30, 300, 900)])
async def test_replication_frequency(tmp_path: Path, release: str, seconds: int) -> None:
    # A Replica server of the same release holds the VM's configuration version.
    replica = HOST.format(name="HV-REPLICA", release=release)
    seen = await read(scenario(tmp_path, release, "Running", extra=replica + REPLICATION))
    rep = seen.vm.replication
    assert rep is not None
    console = not rep.frequency_fixed  # the Replicas pane: "5m fixed" on 2012
    preflight = frequency_problem(seen.vm, seen.host, seconds) is None
    lab = await lab_says(seen, "replication-frequency", VMName="VM1", FrequencySec=seconds)
    found = answers(console, preflight, lab)
    assert len(set(found.values())) == 1, (release, seconds, found)


def test_the_cases_cover_every_release_and_state() -> None:
    assert {r for r, _, _ in RESIZE_CASES} == set(RELEASES)
    assert {s for _, s, _ in RESIZE_CASES} == set(STATES)
    assert len(RESIZE_CASES) == 6 * 4 * 5 - 4


def test_a_disagreement_fails() -> None:
    """The comparison itself can fail: a console yes against a lab no is reported."""
    found = answers(True, True, False)
    assert len(set(found.values())) == 2
    assert asyncio.iscoroutinefunction(lab_says)
