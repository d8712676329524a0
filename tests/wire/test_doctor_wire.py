"""``hvtui doctor`` over the real protocols: the lab behind WinRM and SSH on 127.0.0.1.

The same hosts give the same answers in process, over WinRM (pypsrp) and over SSH
(asyncssh); only the connection each host is reached through differs. A host that cannot
be reached is reported on its own while the others answer, and the exit code says so.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from hvtui import cli
from hvtui.lab.server.run import LabEndpoints

TRANSPORTS = ["psrp", "ssh"]


def inventory(endpoints: LabEndpoints, transport: str, tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / f"{transport}.toml"
    path.write_text(endpoints.inventory_toml(transport) + extra, encoding="utf-8")
    return path


async def doctor(capsys: pytest.CaptureFixture[str], *options: str, hosts: tuple[str, ...] = ()
                 ) -> tuple[int, Any, str]:
    code = await asyncio.to_thread(cli.main, [*options, "doctor", *hosts, "-o", "json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def without_connection(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in ("transport", "authentication")}


async def test_doctor_says_the_same_in_process_over_winrm_and_over_ssh(
        endpoints: LabEndpoints, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lab, _ = await doctor(capsys, "--lab-speed", "inf")
    assert code == 0
    by_host = {r["host"]: r for r in lab}
    legacy = by_host["HV-LEGACY"]
    assert legacy["powershell"] == {"edition": "Desktop", "version": "3.0"}
    assert "Get-VMReplication -ReplicationRelationshipType" in legacy["absent"]
    assert legacy["modules"]["FailoverClusters"]["installed"] is False
    assert by_host["HV-NODE1"]["modules"]["FailoverClusters"] == {
        "installed": True, "version": "2.0.0.0", "loaded": "native"}
    for transport in TRANSPORTS:
        code, wire, err = await doctor(capsys, "--inventory",
                                       str(inventory(endpoints, transport, tmp_path)))
        assert (code, err) == (0, ""), transport
        assert [without_connection(r) for r in wire] == [without_connection(r) for r in lab], \
            f"doctor differs over {transport}"
        first = wire[0]
        if transport == "psrp":
            assert first["transport"].startswith("WinRM over HTTPS port ")
            assert first["authentication"].startswith("Basic as labadmin; certificate checked")
        else:
            assert first["transport"].startswith("SSH port ")
            assert first["authentication"].startswith("public key (key ")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_host_that_cannot_be_asked_is_reported_while_the_others_answer(
        endpoints: LabEndpoints, transport: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    port = closed_port()
    dead = (f'\n[[host]]\nname = "HV-GONE"\naddress = "127.0.0.1"\nport = {port}\n'
            'timeout = 10\n')
    dead += ('transport = "ssh"\n' if transport == "ssh" else
             'transport = "psrp"\nscheme = "https"\nauth = "basic"\n'
             f'password_file = \'{endpoints.password_file}\'\n')
    path = inventory(endpoints, transport, tmp_path, dead)
    code, shown, err = await doctor(capsys, "--inventory", str(path),
                                    hosts=("HV-LEGACY", "HV-GONE"))
    assert code == 1
    gone = next(r for r in shown if r["host"] == "HV-GONE")
    assert gone["reachable"] is False and "HV-GONE" in gone["error"]
    assert gone["error"] in err
    legacy = next(r for r in shown if r["host"] == "HV-LEGACY")
    assert legacy["reachable"] is True and "Copy-VMFile" in legacy["absent"]
