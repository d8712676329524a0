"""A VM's screen over real WinRM (PSRP) and SSH (issue 12): the thumbnail's bytes cross
each transport intact (a byte[] is one <BA> value in CLIXML), and keys typed over the wire
reach the lab's guest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hvtui.config import load_inventory
from hvtui.hyperv import lookup
from hvtui.hyperv.vm_screen import thumbnails
from hvtui.lab import Lab
from hvtui.lab.server.run import LabEndpoints, start_lab_servers
from hvtui.model.thumbnail import ScreenStatus
from hvtui.ps import catalog
from hvtui.session_setup import inventory_pool


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Lab, LabEndpoints]]:
    lab = Lab.from_scenario(None, instant=True)
    endpoints = await start_lab_servers(lab, tmp_path / "lab")
    try:
        yield lab, endpoints
    finally:
        await endpoints.close()


@pytest.mark.parametrize("transport", ["psrp", "ssh"])
async def test_the_screen_crosses_the_wire_intact_and_keys_reach_the_guest(
        served: tuple[Lab, LabEndpoints], transport: str, tmp_path: Path) -> None:
    lab, endpoints = served
    path = tmp_path / f"{transport}.toml"
    path.write_text(endpoints.inventory_toml(transport), encoding="utf-8")
    pool = inventory_pool(load_inventory(path))
    try:
        estate = await lookup.fresh_estate(pool, ["HV-2022", "HV-NODE2"])
        vms = [v for v in estate.vms() if v.name in ("WIN2022-RDS", "PRINT01", "LNX-WEB01")]
        shots = await thumbnails(pool, vms, 64, 48)
        by_name = {vm.name: shot for vm, shot in zip(vms, shots, strict=True)}
        assert by_name["PRINT01"].status is ScreenStatus.NO_SCREEN
        for name in ("WIN2022-RDS", "LNX-WEB01"):
            shot = by_name[name]
            assert shot.status is ScreenStatus.SHOWN, shot.reason
            assert (shot.width, shot.height, len(shot.pixels)) == (64, 48, 64 * 48)
        direct = await lab.session("HV-2022").invoke(
            catalog.get("vm-screen").text,
            {"VMId": [by_name["WIN2022-RDS"].vm_id], "Width": 64, "Height": 48})
        [record] = direct.objects
        assert isinstance(record["ImageData"], bytes)
        wire = b"".join(p.to_bytes(2, "little") for p in by_name["WIN2022-RDS"].pixels)
        assert wire == record["ImageData"]
        linux = next(v for v in vms if v.name == "LNX-WEB01")
        typed = await pool.invoke("HV-NODE2", catalog.get("vm-keys").text,
                                  {"VMId": linux.id, "SecretText": "r'o\"o`t$x"})
        assert typed.ok, typed.errors
        host = lab.estate.host("HV-NODE2")
        assert host is not None
        assert host.vms[linux.id].typed == "r'o\"o`t$x"  # data, never code
    finally:
        await pool.close()
