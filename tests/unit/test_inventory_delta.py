"""Inventory deltas: the host keeps the document it sent last, the client its copy.

The first inventory of a session is whole; each later one names the document before it
(-Since <token>) and carries only the groups that changed. The result is always the
inventory a whole document would give.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from test_decode import RECORDS, VM_ID, WHEN

from hvtui.errors import ProtocolError
from hvtui.ps.decode import InventoryDocument, Record, decode_inventory
from hvtui.ps.decode_delta import InventoryState, apply_steps

OTHER_ID = "6f1c2a9e-0000-4000-8000-000000000002"


def grouped(records: list[dict[str, Any]]) -> dict[str, list[Record]]:
    """Records grouped as inventory.ps1 groups them."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        key = "Host"
        if record["Kind"] == "VM":
            key = "VM:" + record["Id"]
        elif record.get("VMId"):
            key = "VM:" + record["VMId"]
        groups.setdefault(key, []).append(record)
    return groups


def two_vms() -> list[dict[str, Any]]:
    records = copy.deepcopy(RECORDS)
    other = {**next(r for r in records if r["Kind"] == "VM"), "Id": OTHER_ID, "Name": "web01"}
    return [*records, other]


def apply(document: InventoryDocument, previous: InventoryState | None) -> InventoryState:
    steps = apply_steps("HV-NODE1", document, previous, WHEN)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            state: InventoryState = done.value
            return state


def full(records: list[dict[str, Any]], token: str = "t1") -> InventoryState:
    return apply(InventoryDocument(token, True, grouped(records), ()), None)


def test_a_whole_document_decodes_as_the_flat_records_do() -> None:
    state = full(two_vms())
    assert state.inventory == decode_inventory("HV-NODE1", two_vms(), WHEN)
    assert [vm.name for vm in state.inventory.vms][1] == "web01"
    assert state.deltas == 0


def test_an_empty_delta_keeps_every_object_and_only_takes_the_new_token() -> None:
    before = full(two_vms())
    after = apply(InventoryDocument("t2", False, {}, ()), before)
    assert after.token == "t2" and after.deltas == 1
    assert all(a is b for a, b in zip(after.inventory.vms, before.inventory.vms, strict=True))
    assert after.inventory.host is before.inventory.host


def test_a_changed_vm_is_decoded_anew_and_the_others_are_kept() -> None:
    before = full(two_vms())
    changed = grouped(two_vms())[f"VM:{VM_ID}"]
    changed[0] = {**changed[0], "State": "Off", "Name": "renamed"}
    after = apply(InventoryDocument("t2", False, {f"VM:{VM_ID}": changed}, ()), before)
    first, second = after.inventory.vms
    assert (first.name, first.state.name) == ("renamed", "Off")
    assert second is before.inventory.vms[1]
    expected = [dict(changed[0]) if r["Kind"] == "VM" and r["Id"] == VM_ID else r
                for r in two_vms()]
    assert after.inventory == decode_inventory("HV-NODE1", expected, WHEN)


def test_removed_and_new_vms() -> None:
    before = full(RECORDS)
    new: Record = {**next(r for r in RECORDS if r["Kind"] == "VM"), "Id": OTHER_ID,
                   "Name": "new01"}
    after = apply(InventoryDocument("t2", False, {f"VM:{OTHER_ID}": [new]}, (f"VM:{VM_ID}",)),
                  before)
    assert [vm.name for vm in after.inventory.vms] == ["new01"]
    assert f"VM:{VM_ID}" not in after.groups


def test_a_host_record_change_keeps_the_vms_unless_the_release_changes() -> None:
    before = full(two_vms())
    host_group = grouped(two_vms())["Host"]
    busier: list[Record] = [{**r, "CpuLoadPercent": 90} if r["Kind"] == "Host" else r
                            for r in host_group]
    after = apply(InventoryDocument("t2", False, {"Host": busier}, ()), before)
    assert after.inventory.host.cpu_percent == 90
    assert after.inventory.vms[0] is before.inventory.vms[0]

    upgraded: list[Record] = [
        {**r, "OSVersion": "10.0.20348", "OSName": "Microsoft Windows Server 2022"}
        if r["Kind"] == "Host" else r for r in host_group]
    after = apply(InventoryDocument("t3", False, {"Host": upgraded}, ()), after)
    assert after.inventory.vms[0] is not before.inventory.vms[0]
    assert after.inventory.vms == decode_inventory(
        "HV-NODE1", [r for r in two_vms() if r["Kind"] != "Host"] + [dict(upgraded[0])],
        WHEN).vms


def test_a_delta_without_a_base_or_a_whole_document_without_a_host_is_refused() -> None:
    with pytest.raises(ProtocolError, match="does not have"):
        apply(InventoryDocument("t2", False, {}, ()), None)
    with pytest.raises(ProtocolError, match="one Host record"):
        full([r for r in RECORDS if r["Kind"] != "Host"])
