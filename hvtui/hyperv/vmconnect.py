"""Full console hand-off: the VM's console in FreeRDP's VMConnect mode, or an .rdp file.

Hyper-V's VMConnect talks RDP to the host's Virtual Machine Management Service on TCP 2179
and names the VM by its id (the pre-connection blob, ``pcb``). FreeRDP does the same with
``/v:HOST:2179 /vmconnect:VMID``. Nothing here changes the host; the certificate the host
presents is checked by FreeRDP as it always does (no ``/cert:ignore``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass

VMCONNECT_PORT = 2179
"""The port Hyper-V's VMMS listens on for VMConnect (RDP with a pre-connection blob)."""
FREERDP_NAMES = ("xfreerdp3", "xfreerdp", "wlfreerdp3", "wlfreerdp")
"""FreeRDP's clients by executable name, X11 and Wayland, 3.x first."""


@dataclass(frozen=True, slots=True)
class HandOff:
    """What ``hvtui connect`` does for one VM."""

    command: tuple[str, ...]
    """The FreeRDP command line (run when a display and FreeRDP are present)."""
    rdp_text: str
    """The .rdp file's contents (written otherwise, for mstsc or Remmina)."""
    launch: bool
    """True when there is a graphical display and a FreeRDP client to launch."""
    why_not: str = ""
    """Why it is not launched, when ``launch`` is False."""


def display_present(env: Mapping[str, str]) -> bool:
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def freerdp(env: Mapping[str, str]) -> str | None:
    """The FreeRDP client to run: a Wayland one only under Wayland without X."""
    wayland_only = bool(env.get("WAYLAND_DISPLAY")) and not env.get("DISPLAY")
    for name in FREERDP_NAMES:
        if name.startswith("x") and wayland_only:
            continue
        if shutil.which(name, path=env.get("PATH", os.defpath)):
            return name
    return None


def rdp_file(address: str, vm_id: str) -> str:
    """An .rdp file that opens the VM's console (UNCONFIRMED beyond what VMConnect's own
    files are widely documented to hold: the host on port 2179 and ``pcb`` = the VM id;
    RDP's own security layer, as VMConnect negotiates it)."""
    lines = [f"full address:s:{address}:{VMCONNECT_PORT}",
             f"server port:i:{VMCONNECT_PORT}",
             f"pcb:s:{vm_id}",
             "negotiate security layer:i:0",
             "authentication level:i:2",
             "prompt for credentials:i:1"]
    return "\r\n".join(lines) + "\r\n"


def hand_off(address: str, vm_id: str, user: str, env: Mapping[str, str]) -> HandOff:
    client = freerdp(env)
    command = (client or "xfreerdp", f"/v:{address}:{VMCONNECT_PORT}", f"/vmconnect:{vm_id}",
               *((f"/u:{user}",) if user else ()))
    if not display_present(env):
        why = "no graphical display here (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    elif client is None:
        why = "FreeRDP is not installed here (xfreerdp, wlfreerdp)"
    else:
        why = ""
    return HandOff(command, rdp_file(address, vm_id), launch=not why, why_not=why)
