"""A host's inventory is decoded on the event loop in short slices, never in one block."""

from __future__ import annotations

import asyncio

from test_decode import RECORDS, VM_ID, WHEN

from hvtui.hyperv.inventory import decode_in_slices
from hvtui.ps.decode import decode_inventory
from hvtui.remote.base import PSObjectData


def many_vms(count: int) -> list[PSObjectData]:
    """RECORDS with ``count`` VMs, each with the first VM's disks, adapters and services."""
    per_vm = [r for r in RECORDS if r.get("VMId") == VM_ID or r.get("Id") == VM_ID]
    rest = [r for r in RECORDS if r not in per_vm]
    records = list(rest)
    for n in range(count):
        vm_id = f"{n:08d}-0000-0000-0000-000000000000"
        for rec in per_vm:
            copy = dict(rec)
            copy["VMId" if "VMId" in rec else "Id"] = vm_id
            if rec.get("Kind") == "VM":
                copy["Name"] = f"vm{n}"
            records.append(copy)
    return records


async def test_slices_give_the_loop_turns_and_the_same_inventory() -> None:
    records = many_vms(40)
    ticks = 0

    async def other_work() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_work())
    await asyncio.sleep(0)
    before = ticks
    sliced = await decode_in_slices("HV-NODE1", records, WHEN, budget=0.0)
    turns = ticks - before
    other.cancel()
    assert sliced == decode_inventory("HV-NODE1", records, WHEN)
    assert len(sliced.vms) == 40
    assert turns >= 40  # with no budget, the loop gets a turn after every VM
