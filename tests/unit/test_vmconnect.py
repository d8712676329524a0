"""The full console hand-off: FreeRDP's VMConnect mode when a display and FreeRDP are here,
an .rdp file otherwise."""

from __future__ import annotations

from pathlib import Path

from hvtui.hyperv.vmconnect import hand_off, rdp_file

VM_ID = "aa6b65fc-a7ef-4d0f-a8e3-b148b2b72afb"


def _freerdp(tmp_path: Path, name: str = "xfreerdp") -> str:
    tool = tmp_path / name
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    return str(tmp_path)


def test_launches_xfreerdp_on_port_2179_with_the_vm_id(tmp_path: Path) -> None:
    plan = hand_off("hv1.contoso.com", VM_ID, "CONTOSO\\ops",
                    {"DISPLAY": ":0", "PATH": _freerdp(tmp_path)})
    assert plan.launch and plan.why_not == ""
    assert plan.command == ("xfreerdp", "/v:hv1.contoso.com:2179", f"/vmconnect:{VM_ID}",
                            "/u:CONTOSO\\ops")


def test_without_a_display_it_says_why_and_keeps_the_command(tmp_path: Path) -> None:
    plan = hand_off("hv1", VM_ID, "", {"PATH": _freerdp(tmp_path)})
    assert not plan.launch and "no graphical display" in plan.why_not
    assert plan.command == ("xfreerdp", "/v:hv1:2179", f"/vmconnect:{VM_ID}")


def test_without_freerdp_it_says_so(tmp_path: Path) -> None:
    plan = hand_off("hv1", VM_ID, "", {"DISPLAY": ":0", "PATH": str(tmp_path)})
    assert not plan.launch and "FreeRDP is not installed" in plan.why_not


def test_wayland_alone_takes_the_wayland_client(tmp_path: Path) -> None:
    _freerdp(tmp_path, "xfreerdp")
    plan = hand_off("hv1", VM_ID, "", {"WAYLAND_DISPLAY": "wayland-0",
                                       "PATH": _freerdp(tmp_path, "wlfreerdp")})
    assert plan.launch and plan.command[0] == "wlfreerdp"


def test_the_rdp_file_names_the_vm_and_port_2179() -> None:
    lines = rdp_file("hv1", VM_ID).split("\r\n")
    assert "full address:s:hv1:2179" in lines and f"pcb:s:{VM_ID}" in lines
    assert "server port:i:2179" in lines
