"""The lab's New-/Rename-/Remove-VMSwitch (R-SW) through the catalog script host-switch:
switch types, one external switch per physical adapter, adapters that follow a rename and
are left connected to nothing by a removal (Hyper-V does not refuse it; hvtui's pre-flight
does, tests/lab/test_cli_nics.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_lab_support import SMALL, default_lab, estate_vm, kinds, only_error, run, write_scenario

from hvtui.errors import ConfigError
from hvtui.lab import Lab
from hvtui.lab.switches import ADAPTER_BOUND, NO_NET_ADAPTER


def _types(result: object) -> dict[str, tuple[str, str, bool]]:
    return {s["Name"]: (s["SwitchType"], s["NetAdapterInterfaceDescription"],
                        s["AllowManagementOS"])
            for s in kinds(result, "Switch")}  # type: ignore[arg-type]


async def test_internal_private_and_external_switches_on_every_release() -> None:
    lab = default_lab()
    for host in ("HV-LEGACY", "HV-2016", "HV-2025"):
        internal = await run(lab, host, "host-switch", Action="New", Name="Int",
                             SwitchType="Internal")
        private = await run(lab, host, "host-switch", Action="New", Name="Priv",
                            SwitchType="Private")
        external = await run(lab, host, "host-switch", Action="New", Name="Ext",
                             NetAdapterName="Ethernet 4", AllowManagementOS=False)
        for result in (internal, private, external):
            assert not result.had_errors, (host, result.errors)
        switches = _types(external)
        assert switches["Int"] == ("Internal", "", True)
        assert switches["Priv"] == ("Private", "", False)
        assert switches["Ext"] == ("External", "Ethernet 4", False)
        assert switches["External-LAN"][0] == "External"


async def test_an_adapter_binds_one_external_switch_and_must_exist() -> None:
    lab = default_lab()
    bound = await run(lab, "HV-2016", "host-switch", Action="New", Name="Second",
                      NetAdapterName="ethernet")
    assert only_error(bound).message == ADAPTER_BOUND.format("Ethernet", "External-LAN")
    missing = await run(lab, "HV-2016", "host-switch", Action="New", Name="Second",
                        NetAdapterName="Wi-Fi")
    assert only_error(missing).message == NO_NET_ADAPTER.format("Wi-Fi")


async def test_adapters_follow_a_rename_and_are_disconnected_by_a_removal() -> None:
    lab = default_lab()
    renamed = await run(lab, "HV-2016", "host-switch", Action="Rename", Name="external-lan",
                        NewName="LAN 'Main'")
    assert not renamed.had_errors, renamed.errors
    assert _types(renamed)["LAN 'Main'"] == ("External", "Ethernet", True)
    vm = estate_vm(lab, "HV-2016", "MÜN-FS01")
    assert [a.switch for a in vm.adapters] == ["LAN 'Main'"]
    removed = await run(lab, "HV-2016", "host-switch", Action="Remove", Name="LAN 'Main'")
    assert not removed.had_errors, removed.errors
    assert kinds(removed, "Switch") == []
    assert [a.switch for a in vm.adapters] == [""]


async def test_a_scenario_declares_switch_types_and_physical_adapters(tmp_path: Path) -> None:
    text = SMALL.replace('switches = ["LAN"]', 'switches = ["LAN"]\n'
                         'internal_switches = ["Lab"]\nprivate_switches = ["Heartbeat"]\n'
                         'net_adapters = ["SLOT 3 Port 1", "SLOT 3 Port 2"]', 1)
    lab = Lab.from_scenario(write_scenario(tmp_path, text))
    result = await run(lab, "SRC", "host-switch", Action="New", Name="Backup",
                       NetAdapterName="SLOT 3 Port 2")
    assert not result.had_errors, result.errors
    assert _types(result) == {"LAN": ("External", "SLOT 3 Port 1", True),
                              "Lab": ("Internal", "", True),
                              "Heartbeat": ("Private", "", False),
                              "Backup": ("External", "SLOT 3 Port 2", True)}


def test_a_scenario_with_more_external_switches_than_adapters_is_refused(
        tmp_path: Path) -> None:
    text = SMALL.replace('switches = ["LAN"]', 'switches = ["LAN", "DMZ"]\n'
                         'net_adapters = ["NIC1"]', 1)
    with pytest.raises(ConfigError) as caught:
        Lab.from_scenario(write_scenario(tmp_path, text))
    assert "2 external switches but 1 physical adapters" in caught.value.cause
    assert "internal_switches" in (caught.value.hint or "")
