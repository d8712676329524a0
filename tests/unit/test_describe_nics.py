"""VM details show an adapter's legacy kind, access VLAN and the guards that are on (and
nothing more for an adapter left at Hyper-V's defaults)."""

from __future__ import annotations

import datetime as dt

from hvtui.model import VM, VMState
from hvtui.model.vm import NetworkAdapter
from hvtui.ui.describe import describe_vm

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _line(adapter: NetworkAdapter) -> str:
    vm = VM(id="0e6b3a54-2f0c-4d6e-9a51-7c0f1b2d3e4f", name="web01", host="HV1",
            state=VMState.Running, network_adapters=(adapter,))
    text = describe_vm(vm, None, NOW).plain()
    return next(line for line in text.splitlines() if line.startswith(adapter.name))


def test_vlan_legacy_and_guards_are_shown() -> None:
    line = _line(NetworkAdapter("PXE", "LAN", legacy=True, vlan=120, dhcp_guard=True,
                                router_guard=True))
    assert line.endswith("legacy, VLAN 120, DHCP guard, router guard")


def test_an_adapter_at_the_defaults_shows_no_extras() -> None:
    line = _line(NetworkAdapter("Network Adapter", "LAN", mac_address="00155D010203"))
    assert "VLAN" not in line and "guard" not in line and "legacy" not in line
