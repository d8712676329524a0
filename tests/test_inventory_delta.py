"""Inventory deltas: the host keeps the document it sent last, the client its copy.

The first inventory of a session is whole; each later one names the document before it
(-Since <token>) and carries only the groups that changed. The result is always the
inventory a whole document would give.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_decode import RECORDS, VM_ID, WHEN
from test_lab_support import default_lab
from test_wire_lab import TRANSPORTS, pool_for

from hvtui.errors import ProtocolError
from hvtui.hyperv.inventory import FULL_EVERY, InventoryReader, fetch_inventory
from hvtui.lab import Lab
from hvtui.lab.server.run import LabEndpoints
from hvtui.ps import catalog
from hvtui.ps.decode import InventoryDocument, Record, decode_inventory, inventory_document
from hvtui.ps.decode_delta import InventoryState, apply_steps
from hvtui.remote.base import Session
from hvtui.remote.pool import SessionPool

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


# --------------------------------------------------------------- the lab runs the script


def lab_pool(lab: Lab) -> SessionPool:
    def factory(host: str) -> Callable[[], Session]:
        return lambda: lab.session(host)

    return SessionPool({h: factory(h) for h in lab.host_names})


async def test_every_emulated_release_answers_with_deltas() -> None:
    """Each host of the shipped estate (2012 to 2025, Windows PowerShell 3.0 to 7.4): the
    second inventory is an empty delta, and a change comes back as that VM's group alone."""
    lab = default_lab()
    pool = lab_pool(lab)
    reader = InventoryReader()
    try:
        for host in lab.host_names:
            first = await reader.fetch(pool, host)
            second = await reader.fetch(pool, host)
            state = reader.state(host)
            assert state is not None and state.deltas == 1, host
            assert second.vms == first.vms and second.host == first.host, host
            assert all(a is b for a, b in zip(second.vms, first.vms, strict=True)), host
    finally:
        await pool.close()


async def test_a_change_on_the_host_comes_back_as_that_vm_only() -> None:
    lab = default_lab()
    pool = lab_pool(lab)
    reader = InventoryReader()
    try:
        before = await reader.fetch(pool, "HV-NODE1")
        state = reader.state("HV-NODE1")
        assert state is not None
        saved = await pool.invoke("HV-NODE1", catalog.get("vm-save").text, {"Name": "SQL01"})
        assert saved.ok
        reply = await pool.invoke("HV-NODE1", catalog.get("inventory").text,
                                  {"Since": state.token})
        document = inventory_document("HV-NODE1", reply.objects)
        sql01 = next(vm for vm in before.vms if vm.name == "SQL01")
        assert not document.full and set(document.changed) <= {f"VM:{sql01.id}", "Host"}
        assert f"VM:{sql01.id}" in document.changed
        # That reply moved the host's side on: the reader's token is no longer the host's,
        # so the reader is answered with a whole inventory, equal to a fresh one.
        after = await reader.fetch(pool, "HV-NODE1")
        after_state = reader.state("HV-NODE1")
        assert after_state is not None and after_state.deltas == 0
        assert next(vm for vm in after.vms if vm.name == "SQL01").state.name == "Saved"
        fresh = await fetch_inventory(pool, "HV-NODE1")
        assert after.vms == fresh.vms
    finally:
        await pool.close()


async def test_each_session_keeps_its_own_side_and_a_full_inventory_comes_periodically(
) -> None:
    lab = default_lab()
    one, other = lab.session("HV-2019"), lab.session("HV-2019")
    script = catalog.get("inventory").text
    first = inventory_document("HV-2019", (await one.invoke(script, {})).objects)
    # Another session (another client's runspace) does not have the first one's document.
    elsewhere = inventory_document("HV-2019", (await other.invoke(
        script, {"Since": first.token})).objects)
    assert elsewhere.full
    again = inventory_document("HV-2019", (await one.invoke(
        script, {"Since": first.token})).objects)
    assert not again.full and not again.changed and not again.removed

    pool = lab_pool(lab)
    reader = InventoryReader()
    try:
        deltas = []
        for _ in range(FULL_EVERY + 3):
            await reader.fetch(pool, "HV-2019")
            state = reader.state("HV-2019")
            assert state is not None
            deltas.append(state.deltas)
        # whole, FULL_EVERY deltas, whole again
        assert deltas == [*range(FULL_EVERY + 1), 0, 1]
    finally:
        await pool.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_deltas_over_the_real_transports(endpoints: LabEndpoints, transport: str,
                                               tmp_path: Path) -> None:
    """The SSH session's PowerShell process and the WinRM runspace pool keep the host's
    side between calls."""
    pool = pool_for(endpoints, transport, tmp_path)
    reader = InventoryReader()
    try:
        hosts = ["HV-LEGACY", "HV-2025"]
        firsts = await asyncio.gather(*(reader.fetch(pool, h) for h in hosts))
        seconds = await asyncio.gather(*(reader.fetch(pool, h) for h in hosts))
        for host, first, second in zip(hosts, firsts, seconds, strict=True):
            state = reader.state(host)
            assert state is not None and state.deltas == 1, (transport, host)
            assert second.vms == first.vms, (transport, host)
    finally:
        await pool.close()
