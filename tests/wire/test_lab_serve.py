"""`hvtui lab serve` behaves like hosts that restart: same ports, keys and password.

A console left open must reconnect on its own after the lab restarts, `--fresh`
makes new secrets, and two runs never share (or overwrite) one state folder.
"""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from hvtui.config import load_inventory
from hvtui.errors import ConfigError, RemoteError
from hvtui.lab import Lab
from hvtui.lab.server.run import LabEndpoints, start_lab_servers
from hvtui.ps import catalog
from hvtui.remote.pool import SessionPool
from hvtui.session_setup import inventory_pool


def lab() -> Lab:
    return Lab.from_scenario(None, instant=True)


def identity(endpoints: LabEndpoints) -> dict[str, object]:
    """Everything a client relies on to find and trust the lab."""
    return {
        "winrm": dict(endpoints.winrm_ports),
        "winrm-http": dict(endpoints.winrm_http_ports),
        "ssh": dict(endpoints.ssh_ports),
        "password": endpoints.password_file.read_bytes(),
        "client key": endpoints.client_key.read_bytes(),
        "tls": endpoints.certificate.thumbprint,
        "host key": endpoints.sshd.fingerprint,
    }


async def test_a_restart_keeps_ports_and_secrets_and_fresh_replaces_them(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    first = await start_lab_servers(lab(), folder)
    before = identity(first)
    await first.close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for secret in ("password", "client_ed25519", "ssh_host_ed25519", "winrm-lab-key.pem"):
        assert stat.S_IMODE((folder / secret).stat().st_mode) == 0o600, secret

    again = await start_lab_servers(lab(), folder)
    assert identity(again) == before
    await again.close()

    fresh = await start_lab_servers(lab(), folder, fresh=True)
    after = identity(fresh)
    await fresh.close()
    for key in ("password", "client key", "tls", "host key"):
        assert after[key] != before[key], key


async def until_it_answers(pool: SessionPool, host: str, seconds: float = 60) -> int:
    """Call ``host`` until it answers (the pool backs off between tries); return failures."""
    failures = 0
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        try:
            result = await pool.invoke(host, catalog.get("inventory").text, {}, timeout=30)
        except RemoteError:
            failures += 1
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(max(0.2, pool.backoff_remaining(host)))
        else:
            assert result.ok
            return failures


@pytest.mark.parametrize(("transport", "winrm_auth"),
                         [("psrp", "basic"), ("psrp", "ntlm"), ("ssh", "basic")])
async def test_an_open_console_reconnects_after_the_lab_restarts(
    tmp_path: Path, transport: str, winrm_auth: str
) -> None:
    folder = tmp_path / "lab"
    endpoints = await start_lab_servers(lab(), folder)
    inventory = tmp_path / "inventory.toml"
    inventory.write_text(endpoints.inventory_toml(transport, winrm_auth), encoding="utf-8")
    pool = inventory_pool(load_inventory(inventory))  # the "console", left open
    try:
        assert await until_it_answers(pool, "HV-DR1") == 0
        await endpoints.close()  # the lab stops...
        endpoints = await start_lab_servers(lab(), folder)  # ...and comes back
        failures = await until_it_answers(pool, "HV-DR1")  # same pool, same inventory file
        assert failures <= 1  # at most the call that found the old session gone
    finally:
        await pool.close()
        await endpoints.close()


async def test_a_second_run_on_the_same_folder_is_refused_and_touches_nothing(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "lab"
    first = await start_lab_servers(lab(), folder)
    before = identity(first)
    try:
        with pytest.raises(ConfigError) as caught:
            await start_lab_servers(lab(), folder, fresh=True)
        message = caught.value.user_message()
        assert str(os.getpid()) in message and str(folder) in message
        assert "--state-dir" in message
        assert identity(first) == before
        other = await start_lab_servers(lab(), tmp_path / "other")  # its own folder: fine
        await other.close()
    finally:
        await first.close()


async def test_a_kept_port_that_is_taken_is_named_with_the_fix(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    first = await start_lab_servers(lab(), folder)
    port = first.ssh_ports["HV-DR1"]
    await first.close()
    squatter = await asyncio.start_server(lambda r, w: None, "127.0.0.1", port)
    try:
        with pytest.raises(ConfigError) as caught:
            await start_lab_servers(lab(), folder)
        message = caught.value.user_message()
        assert f"port {port}" in message and "HV-DR1" in message and "--fresh" in message
    finally:
        squatter.close()
    # The failed start left the folder free for the next one.
    again = await start_lab_servers(lab(), folder)
    await again.close()


def serve(state: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "hvtui.cli", "--lab-speed", "inf", "lab", "serve",
         "--state-dir", str(state), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def ready(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        if line.strip() == "READY":
            return lines
        lines.append(line)
    raise AssertionError(f"lab serve did not start: {''.join(lines)}")


def test_the_command_keeps_its_ports_and_refuses_a_second_run(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = serve(state)
    try:
        table = ready(first)
        second = serve(state)
        _, err = second.communicate(timeout=60)
        assert second.returncode != 0
        assert err.count("\n") == 1 and "another `hvtui lab serve`" in err
        assert str(first.pid) in err
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    restarted = serve(state)
    try:
        assert ready(restarted)[:10] == table[:10]  # the same hosts on the same ports
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.communicate(timeout=60)
