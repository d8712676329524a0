"""Applying an inventory document, whole or a delta, to what the client knows of a host.

``inventory.ps1`` keeps the document it sent last in the host's session (``$global:``) and,
given that document's token (``-Since``), sends only the groups of records that differ
from it (see :class:`~hvtui.ps.decode.InventoryDocument`). The client keeps its copy of
the same document (:class:`InventoryState`) and the VMs decoded from it: a VM whose group
did not change is the same object as before, so a host where nothing changed costs the
client one small JSON document and no decoding at all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Generator, Mapping
from dataclasses import dataclass

from hvtui.errors import ProtocolError
from hvtui.model import VM, HostInventory
from hvtui.ps.decode import (
    InventoryDocument,
    Record,
    decode_cluster,
    decode_host,
    decode_vm,
    decode_volume,
    with_switches,
)

HOST_KEY = "Host"
VM_KEY = "VM:"
"""Group keys: ``Host`` (the host, its volumes, its cluster) and ``VM:<id>`` (one VM and
everything hanging off it)."""


@dataclass(frozen=True, slots=True)
class InventoryState:
    """The client's copy of the last document a host sent, and what was decoded from it."""

    token: str
    groups: Mapping[str, list[Record]]
    vms: Mapping[str, VM]
    """Decoded VMs by group key."""
    inventory: HostInventory
    deltas: int
    """Deltas applied since the last full document."""


def _by_kind(records: list[Record]) -> dict[str, list[Record]]:
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_kind[str(record.get("Kind") or "")].append(record)
    return by_kind


def apply_steps(host_name: str, document: InventoryDocument, previous: InventoryState | None,
                fetched_at: dt.datetime | None = None
                ) -> Generator[None, None, InventoryState]:
    """The state after ``document``, in steps: it yields after each VM it decodes, so a
    caller on the event loop can hand the loop back between steps."""
    hint = "the host may run a different script version; check the hvtui version"
    if document.full or previous is None:
        if not document.full:
            raise ProtocolError("the host sent changes to an inventory hvtui does not have",
                                host=host_name, hint=hint)
        groups = dict(document.changed)
        kept: Mapping[str, VM] = {}
    else:
        groups = dict(previous.groups)
        for key in document.removed:
            groups.pop(key, None)
        groups.update(document.changed)
        kept = previous.vms

    if previous is not None and not document.full and HOST_KEY not in document.changed:
        host, cluster = previous.inventory.host, previous.inventory.cluster
    else:
        by_kind = _by_kind(groups.get(HOST_KEY, []))
        hosts = by_kind.get("Host", [])
        if len(hosts) != 1:
            raise ProtocolError(
                f"expected one Host record from the inventory script, got {len(hosts)}",
                host=host_name, hint=hint)
        host = decode_host(host_name, hosts[0], (decode_volume(r) for r in by_kind["Volume"]))
        host = with_switches(host, by_kind)
        cluster = decode_cluster(by_kind)
        if previous is not None and host.release != previous.inventory.host.release:
            kept = {}  # what a VM's fields mean depends on the release: decode them anew

    vms: dict[str, VM] = {}
    for key, records in groups.items():
        if not key.startswith(VM_KEY):
            continue
        vm = None if key in document.changed else kept.get(key)
        if vm is None:
            by_kind = _by_kind(records)
            vm_records = by_kind.get("VM", [])
            if not vm_records:
                continue  # parts of a VM that was gone by the time Get-VM ran
            vm = decode_vm(host_name, vm_records[0], by_kind, host.release)
            yield
        vms[key] = vm
    inventory = HostInventory(host=host, vms=tuple(vms.values()), cluster=cluster,
                              fetched_at=fetched_at)
    deltas = 0 if document.full or previous is None else previous.deltas + 1
    return InventoryState(document.token, groups, vms, inventory, deltas)
