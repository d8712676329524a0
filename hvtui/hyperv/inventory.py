"""Reading hosts: one inventory script call per host per refresh."""

from __future__ import annotations

import asyncio
import datetime as dt

from hvtui.errors import ScriptError
from hvtui.model import HostInventory
from hvtui.ps import catalog
from hvtui.ps.decode import decode_inventory, inventory_records
from hvtui.remote.base import PSResult
from hvtui.remote.pool import SessionPool


def raise_for_errors(host: str, what: str, result: PSResult) -> None:
    """Turn a failed script run into a ScriptError carrying the host's own message."""
    if result.ok:
        return
    if result.errors:
        first = result.errors[0]
        more = f" (+{len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
        cause = f"{what}: {first.message}{more}"
        hint = f"error id {first.error_id}" if first.error_id else None
    else:
        cause, hint = f"{what}: the script failed without an error record", None
    raise ScriptError(cause, host=host, hint=hint)


async def fetch_inventory(pool: SessionPool, host: str, *, timeout: float | None = None
                          ) -> HostInventory:
    """The whole inventory of ``host`` in one round trip."""
    script = catalog.get("inventory")
    result = await pool.invoke(host, script.text, {}, timeout=timeout)
    raise_for_errors(host, "reading the inventory", result)
    # Decoding thousands of records is CPU work: keep it off the event loop (the UI's).
    return await asyncio.to_thread(decode_inventory, host,
                                   inventory_records(host, result.objects),
                                   dt.datetime.now(dt.UTC))
