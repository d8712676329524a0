"""A frozen host is reported within its own timeout, over WinRM and over SSH.

"Frozen" is what admins meet: a host whose TCP stack still accepts connections but
that answers nothing (the lab's fault injection holds every request), or a port that
accepts and never speaks. Whatever the transport does inside (pypsrp retries a read
timeout five times), the pool reports the host within its own timeout plus a grace,
the other hosts keep answering, and no worker thread outlives the call for long.

Timing bounds are deliberately generous (the machine is shared): they catch a host
that blocks for minutes, not a few hundred milliseconds of noise.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hvtui import cli
from hvtui.config import load_inventory
from hvtui.errors import ConnectError, RemoteTimeout
from hvtui.lab.server.faults import FaultPlan
from hvtui.lab.server.run import LabEndpoints
from hvtui.ps import catalog
from hvtui.remote.ssh import SSHSession
from hvtui.remote.ssh_config import SSHEndpoint
from hvtui.session_setup import inventory_pool

TRANSPORTS = ["psrp", "ssh"]
FROZEN = "HV-DR1"
OTHER = "HV-NODE1"
TIMEOUT = 2.0
HANG_GUARD = 120.0
"""Seconds after which a call is taken as hanging (the frozen host holds calls for an hour):
a guard against a test that never ends, not a measure of speed, which no test asserts."""


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A port that accepts TCP connections and never sends a byte."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield int(server.sockets[0].getsockname()[1])
    for writer in held:
        writer.transport.abort()
    server.close()


def inventory_text(endpoints: LabEndpoints, transport: str, *, port: int | None = None) -> str:
    """The lab's inventory, with FROZEN's own short timeout (and maybe another port)."""
    blocks = endpoints.inventory_toml(transport).split("[[host]]")
    for i, block in enumerate(blocks):
        if f"name = '{FROZEN}'" in block:
            if port is not None:
                block = re.sub(r"port = \d+", f"port = {port}", block)
            blocks[i] = block.rstrip("\n") + f"\ntimeout = {TIMEOUT}\n\n"
    return "[[host]]".join(blocks)


def psrp_threads(host: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(f"psrp-{host}")]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_host_frozen_mid_session_is_reported_within_its_timeout(
    endpoints: LabEndpoints, transport: str, tmp_path: Path
) -> None:
    path = tmp_path / "inventory.toml"
    path.write_text(inventory_text(endpoints, transport), encoding="utf-8")
    pool = inventory_pool(load_inventory(path))
    script = catalog.get("inventory").text
    try:
        assert (await pool.invoke(FROZEN, script)).ok  # the session is open and working
        for server in (endpoints.wsman, endpoints.sshd):
            server.set_fault(FROZEN, FaultPlan(delay=3600))
        frozen = asyncio.create_task(pool.invoke(FROZEN, script))
        other = await pool.invoke(OTHER, script)  # the others keep answering meanwhile
        assert other.ok
        with pytest.raises(RemoteTimeout) as caught:  # hvtui's own timeout, not a hang
            await asyncio.wait_for(frozen, HANG_GUARD)
        assert caught.value.host == FROZEN
        assert f"{TIMEOUT:g} s" in caught.value.user_message()
    finally:
        await pool.close()
    # No worker thread keeps waiting on the frozen host (pypsrp would retry for minutes).
    deadline = time.monotonic() + HANG_GUARD
    while psrp_threads(FROZEN) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert not psrp_threads(FROZEN)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_silent_port_is_one_clear_line_and_the_others_answer(
    endpoints: LabEndpoints, transport: str, silent_port: int, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "inventory.toml"
    path.write_text(inventory_text(endpoints, transport, port=silent_port), encoding="utf-8")
    code = await asyncio.wait_for(
        asyncio.to_thread(cli.main, ["--inventory", str(path), "get", "hosts"]), HANG_GUARD)
    captured = capsys.readouterr()
    assert code == 1
    problems = captured.err.strip().splitlines()
    assert len(problems) == 1, captured.err
    assert FROZEN in problems[0]
    if transport == "psrp":
        assert f"127.0.0.1:{silent_port}" in problems[0]  # names where it looked
        assert "no WinRM answer" in problems[0] and "opening" in problems[0]
        assert f"port {silent_port}" in problems[0]  # and what to check
    else:
        assert "no answer" in problems[0]
    assert OTHER in captured.out  # every other host answered


async def test_a_call_that_times_out_while_still_connecting_says_nothing_ran(
        silent_port: int) -> None:
    """The call's timeout can fire before the SSH handshake's own (a slow machine, a long
    ConnectTimeout): that is a connection that never happened, not a call the host may
    still finish."""
    endpoint = SSHEndpoint("localhost", port=silent_port, username="labadmin", keys=(),
                           password="unused", agent=False, connect_timeout=600)
    session = SSHSession("SILENT", endpoint)
    try:
        with pytest.raises(ConnectError) as caught:
            await asyncio.wait_for(session.invoke("Get-VM", timeout=0.5), HANG_GUARD)
    finally:
        await session.close()
    message = caught.value.user_message()
    assert f"no answer from localhost:{silent_port} while connecting" in message
    assert "nothing ran on the host" in message
    assert "may still finish" not in message
