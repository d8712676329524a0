"""Helpers shared by the lab's tests (no tests here): run catalog scripts against a lab."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hvtui import reference
from hvtui.lab import Lab
from hvtui.lab.estate import VM
from hvtui.ps import catalog
from hvtui.ps.decode import inventory_records
from hvtui.remote.base import PSResult


def default_lab() -> Lab:
    """The shipped estate, with long operations completing at once."""
    return Lab.from_scenario(instant=True)


async def run(lab: Lab, host: str, script: str, **params: Any) -> PSResult:
    """Run one catalog script exactly as a client sends it: its text plus named parameters."""
    return await lab.session(host).invoke(catalog.get(script).text, params)


def kinds(result: PSResult, kind: str) -> list[dict[str, Any]]:
    return [o for o in result.objects if o.get("Kind") == kind]


async def inventory(lab: Lab, host: str) -> dict[str, list[dict[str, Any]]]:
    result = await run(lab, host, "inventory")
    assert result.ok, result.errors
    grouped: dict[str, list[dict[str, Any]]] = {}
    for obj in inventory_records(host, result.objects):
        grouped.setdefault(str(obj["Kind"]), []).append(obj)
    return grouped


async def vm_record(lab: Lab, host: str, name: str) -> dict[str, Any] | None:
    records = (await inventory(lab, host)).get("VM", [])
    return next((r for r in records if r["Name"] == name), None)


def estate_vm(lab: Lab, host: str, name: str) -> VM:
    """The lab's own VM (what the host knows, whether or not its cmdlets report it)."""
    found = lab.estate.host(host)
    assert found is not None, host
    vms = found.find_vms(name)
    assert len(vms) == 1, (host, name, vms)
    return vms[0]


def service_id(name: str) -> str:
    """The culture-neutral GUID of an integration service, by its English name."""
    return next(s.id for s in reference.integration_services() if s.name == name)


GSI_ID = service_id("Guest Service Interface")


def only_error(result: PSResult) -> Any:
    """The single terminating error a failed script returned."""
    assert result.had_errors, f"expected a failure, got {result.objects}"
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def write_scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


SMALL = """
[lab]
seed = 1
domain = "test.local"

[[host]]
name = "SRC"
os = "2012R2"
processor = "Intel(R) Xeon(R) CPU E5-2680 v2 @ 2.80GHz"
processor_family = "IvyBridge-EP"
logical_processors = 16
memory_gb = 64
switches = ["LAN"]

[host.migration]
enabled = true
any_network = true

[[host.volume]]
letter = "C"
size_gb = 100
free_gb = 50

[[host.volume]]
letter = "D"
size_gb = 1000
free_gb = 800

[[host.vm]]
name = "VM1"
generation = 2
version = "5.0"
state = "Running"
os = "Windows Server 2012 R2 Standard"
memory_gb = 4
path = 'D:\\VMs\\VM1'

[[host.vm.disk]]
path = 'D:\\VMs\\VM1\\VM1.vhdx'
size_gb = 40
used_gb = 10

[[host.vm.adapter]]
switch = "LAN"

[[host]]
name = "DST"
os = "2012R2"
processor = "Intel(R) Xeon(R) CPU E5-2680 v2 @ 2.80GHz"
processor_family = "IvyBridge-EP"
logical_processors = 16
memory_gb = 64
switches = ["LAN"]

[host.migration]
enabled = true
any_network = true

[[host.volume]]
letter = "C"
size_gb = 100
free_gb = 50

[[host.volume]]
letter = "D"
size_gb = 1000
free_gb = 800
"""
"""Two identical 2012 R2 hosts; tests edit this text to make one rule bite at a time."""


def chosen_checkpoint(lab: Lab, host: str, vm: str, checkpoint: str) -> dict[str, str]:
    """checkpoint-restore/-remove's parameters for the one checkpoint of that name (exact
    spelling) of that VM: the ids, as the client sends them."""
    found = estate_vm(lab, host, vm)
    [picked] = [c for c in found.checkpoints if c.name == checkpoint]
    return {"VMId": found.id, "CheckpointId": picked.id}
