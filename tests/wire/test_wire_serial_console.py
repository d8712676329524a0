"""The serial console round-trips a command in a lab guest over the lab's real WinRM and SSH
endpoints: COM 1 connected to a pipe, then turns through hvtui's existing session."""

from __future__ import annotations

from pathlib import Path

import pytest

from hvtui.config import load_inventory
from hvtui.errors import PlanRefused
from hvtui.hyperv.inventory import fetch_inventory
from hvtui.hyperv.serial_console import SerialRelay, com_ports, connect_com1, pipe_name_for
from hvtui.lab.server.run import LabEndpoints
from hvtui.session_setup import inventory_pool


@pytest.mark.parametrize("transport", ["psrp", "ssh"])
async def test_a_command_round_trips_through_the_serial_console(
        endpoints: LabEndpoints, transport: str, tmp_path: Path) -> None:
    path = tmp_path / f"{transport}.toml"
    path.write_text(endpoints.inventory_toml(transport), encoding="utf-8")
    pool = inventory_pool(load_inventory(path))
    try:
        vms = {vm.name: vm for vm in (await fetch_inventory(pool, "HV-2025")).vms}
        edge = vms["EDGE-LNX01"]
        pipe = await connect_com1(pool, edge)
        assert pipe == pipe_name_for(edge)
        assert [p.path for p in await com_ports(pool, edge) if p.name == "COM 1"] == [
            "\\\\.\\pipe\\" + pipe]
        relay = SerialRelay(pool, edge, pipe)
        answer = await relay.exchange(b"hostname\r")
        assert answer == b"hostname\r\nedge-lnx01\r\nroot@edge-lnx01:~# "
        off = vms["WIN2022-SQL02"]
        off_pipe = await connect_com1(pool, off)
        with pytest.raises(PlanRefused, match="serial console does not answer"):
            await SerialRelay(pool, off, off_pipe).exchange(b"\r", wait_ms=100)
    finally:
        await pool.close()
