"""Inventory deltas on the lab's hosts: the script's text runs on every emulated release,
and each session (one client's runspace) keeps its own side between calls."""

from __future__ import annotations

import gc
from collections.abc import Callable

from test_lab_support import default_lab

from hvtui.hyperv.inventory import FULL_EVERY, InventoryReader, fetch_inventory
from hvtui.lab import Lab
from hvtui.ps import catalog
from hvtui.ps.decode import inventory_document
from hvtui.remote.base import Session
from hvtui.remote.pool import SessionPool


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


async def test_a_landed_inventory_is_out_of_the_cyclic_collectors_sight() -> None:
    lab = Lab.generated(1, 3, seed=0, instant=True)
    pool = lab_pool(lab)
    try:
        inventory = await fetch_inventory(pool, lab.host_names[0])
    finally:
        await pool.close()
    # A full collection would walk every tracked object; the inventory is frozen (acyclic
    # data, freed by reference counting when replaced), so it is no longer among them.
    vm = inventory.vms[0]
    assert gc.is_tracked(vm)
    assert not any(obj is vm for obj in gc.get_objects())
