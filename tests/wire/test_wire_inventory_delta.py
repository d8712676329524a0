"""Inventory deltas over the real transports: the SSH session's PowerShell process and the
WinRM runspace pool keep the host's side between calls."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from test_wire_lab import TRANSPORTS, pool_for

from hvtui.hyperv.inventory import InventoryReader
from hvtui.lab.server.run import LabEndpoints


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
