"""A VM's serial console, relayed through hvtui's existing session to the VM's host.

Hyper-V connects a VM's COM port to a named pipe on its host (``Set-VMComPort -Path
\\\\.\\pipe\\NAME``, catalog ``vm-com-port``); while the VM runs, the pipe is served by its
worker process. hvtui does not open a new connection to reach it: each *turn* is one
ordinary call of ``vm-serial-exchange.ps1`` on the host's session (WinRM or SSH alike),
which opens the pipe, writes what was typed, reads what the guest answers until it goes
quiet, and closes the pipe. Why turns and not one long pipeline: both transports run
request/response calls concurrently on one connection (PSRP's runspace pool, the SSH
bootstrap's pool), but neither gives a running pipeline a byte stream of input in hvtui's
Session interface; a turn needs nothing either transport lacks. The cost: what the guest
writes while no turn holds the pipe is lost, so the relay keeps polling (an empty turn
listens for up to ``WAIT_MS``).

What the guest needs: Linux a getty on the port (kernel ``console=ttyS0,115200``, and
``systemctl enable --now serial-getty@ttyS0``); Windows Emergency Management Services
(``bcdedit /ems on`` and ``bcdedit /emssettings EMSPORT:1 EMSBAUDRATE:115200``), which gives
the Special Administration Console (SAC) on COM 1. Generation 2 VMs have no COM ports in
Hyper-V Manager, but ``Set-VMComPort`` still connects them.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import ClassVar

from hvtui.errors import HvtuiError, PlanRefused
from hvtui.hyperv import lookup
from hvtui.hyperv.plans import Check, Plan, Request, VmRef, make_step, passed, warned
from hvtui.model import VM, VMState
from hvtui.ps import catalog
from hvtui.remote.base import ParamValue
from hvtui.remote.pool import SessionPool

EXIT_KEY = "\x1d"
"""Ctrl+] ends an interactive relay, as in telnet and virsh console."""
WAIT_MS = 1000
"""How long an empty turn listens for the guest."""
GUEST_NEEDS = ("Linux guests need a console on ttyS0 (kernel console=ttyS0,115200 and a "
               "serial getty); Windows guests need EMS (bcdedit /ems on, "
               "/emssettings EMSPORT:1), which answers with SAC>")


def pipe_name_for(vm: VM) -> str:
    """A pipe name of the VM's own: 'hvtui-' and the VM's id (names may hold any character,
    an id is safe in a path)."""
    return f"hvtui-{vm.id.lower()}"


def pipe_path(name: str) -> str:
    return "\\\\.\\pipe\\" + name


_PIPE = re.compile(r"^\\\\\.\\pipe\\(.+)$", re.IGNORECASE)


def pipe_of(path: str) -> str | None:
    """The pipe name a COM port's path names on its own host, or None (a pipe on another
    computer, or nothing)."""
    match = _PIPE.match(path.strip())
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class ComPort:
    name: str
    path: str


async def com_ports(pool: SessionPool, vm: VM) -> list[ComPort]:
    """The VM's COM ports, asked of its host now."""
    result = await _invoke(pool, vm, "vm-com-ports", {"VMName": vm.name}, "list the COM ports")
    return [ComPort(str(o.get("Name", "")), str(o.get("Path") or ""))
            for o in result if str(o.get("VMId", "")).lower() == vm.id.lower()]


async def com1_pipe(pool: SessionPool, vm: VM) -> str | None:
    """The pipe COM 1 is connected to on the VM's host now, or None."""
    ports = await com_ports(pool, vm)
    current = next((p for p in ports if p.name == "COM 1"), None)
    return pipe_of(current.path) if current is not None else None


async def connect_com1(pool: SessionPool, vm: VM) -> str:
    """COM 1's pipe name, connecting COM 1 to a pipe of hvtui's first when it has none.
    Unaudited: the console and the CLI plan :class:`SerialPortRequest` instead."""
    current = await com1_pipe(pool, vm)
    if current:
        return current
    name = pipe_name_for(vm)
    await _invoke(pool, vm, "vm-com-port", {"VMName": vm.name, "Number": 1,
                                            "Path": pipe_path(name)}, "connect COM 1")
    return name


@dataclass(frozen=True, slots=True)
class SerialPortRequest(Request):
    """Connect a VM's COM 1 to a named pipe on its host, for the serial console."""

    kind: ClassVar[str] = "serial-port"
    vm: VmRef


async def plan_serial_port(pool: SessionPool, request: SerialPortRequest) -> Plan:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [request.vm]))
    vm = lookup.vm(estate, request.vm)
    host = lookup.host(estate, vm.host)
    ports = await com_ports(pool, vm)
    current = next((p.path for p in ports if p.name == "COM 1"), "")
    checks: list[Check] = []
    steps = []
    title = f"Connect {vm.name}'s COM 1 for its serial console"
    if pipe_of(current):
        checks.append(passed("COM 1", f"already connected to {current}: nothing to change"))
    else:
        if current:
            checks.append(warned("COM 1", f"connected to {current}, which is no pipe on "
                                          f"{vm.host}: it is replaced",
                                 "put it back afterwards if something else used it"))
        else:
            checks.append(passed("COM 1", "not connected: it is connected to a pipe of "
                                          "hvtui's on the VM's host"))
        steps.append(make_step(host, "vm-com-port",
                               {"VMName": vm.name, "Number": 1,
                                "Path": pipe_path(pipe_name_for(vm))},
                               f"Connect {vm.name}'s COM 1 to {pipe_path(pipe_name_for(vm))}",
                               target=vm.name))
    if vm.state.base is not VMState.Running:
        checks.append(warned("VM state", f"{vm.name} is {vm.state.base.name}: its console "
                                         "answers once it runs",
                             f"start {vm.name}, then open the console"))
    checks.append(passed("Guest", GUEST_NEEDS))
    checks = [Check(c.name, c.outcome, c.detail, c.fix, vm.name) for c in checks]
    return Plan(title=title, request=request, checks=tuple(checks), steps=tuple(steps))


class SerialRelay:
    """Turns through one VM's COM 1 pipe: ``exchange(typed)`` returns what the guest said."""

    def __init__(self, pool: SessionPool, vm: VM, pipe: str) -> None:
        self.pool = pool
        self.vm = vm
        self.pipe = pipe

    async def exchange(self, typed: bytes = b"", *, wait_ms: int = WAIT_MS) -> bytes:
        params: dict[str, ParamValue] = {
            "PipeName": self.pipe, "Send": base64.b64encode(typed).decode("ascii"),
            "WaitMs": wait_ms}
        try:
            result = await self.pool.invoke(self.vm.host,
                                            catalog.get("vm-serial-exchange").text, params)
        except HvtuiError as exc:
            raise PlanRefused(f"the serial console of {self.vm.name} on {self.vm.host} was "
                              f"lost: {exc.user_message()}", host=self.vm.host,
                              hint="check the host is reachable and open the console again"
                              ) from None
        if not result.ok:
            if any(e.error_id == "TimeoutException" for e in result.errors):
                raise PlanRefused(
                    f"{self.vm.name}'s serial console does not answer: no pipe "
                    f"\\\\.\\pipe\\{self.pipe} is served on {self.vm.host} (the VM is not "
                    "running, or its COM 1 was connected elsewhere)",
                    host=self.vm.host, hint=f"start {self.vm.name}, then open the console")
            message = "; ".join(e.message for e in result.errors)
            raise PlanRefused(f"{self.vm.host} could not relay {self.vm.name}'s serial "
                              f"console: {message}", host=self.vm.host,
                              hint="refresh and retry")
        return b"".join(base64.b64decode(str(o.get("Data") or ""))
                        for o in result.objects if o.get("Kind") == "SerialChunk")


async def _invoke(pool: SessionPool, vm: VM, script: str, params: dict[str, ParamValue],
                  what: str) -> list[dict[str, object]]:
    try:
        result = await pool.invoke(vm.host, catalog.get(script).text, params)
    except HvtuiError as exc:
        raise PlanRefused(f"could not {what} of {vm.name} on {vm.host}: "
                          f"{exc.user_message()}", host=vm.host,
                          hint="check the host is reachable and retry") from None
    if not result.ok:
        message = "; ".join(e.message for e in result.errors) or "no message"
        raise PlanRefused(f"{vm.host} could not {what} of {vm.name}: {message}",
                          host=vm.host, hint="refresh and retry")
    return [dict(o) for o in result.objects]
