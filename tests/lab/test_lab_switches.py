"""The lab's New-/Rename-/Remove-VMSwitch (R-SW) through the catalog script host-switch:
switch types, one external switch per physical adapter, adapters that follow a rename and
are left connected to nothing by a removal (Hyper-V does not refuse it; hvtui's pre-flight
does, tests/lab/test_cli_nics.py)."""

from __future__ import annotations

from test_lab_support import default_lab, estate_vm, kinds, only_error, run

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
