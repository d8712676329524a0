"""A VM's COM ports and the named pipe behind them: Get-VMComPort, Set-VMComPort, and the
``System.IO.Pipes.NamedPipeClientStream`` a script opens on the host to talk to the guest.

Hyper-V connects a VM's COM port to a named pipe on its host (``Set-VMComPort -Path
\\\\.\\pipe\\NAME``); while the VM runs, its worker process is the pipe's server, and a
client on the host (PuTTY, or hvtui's ``vm-serial-exchange.ps1``) talks to whatever the
guest runs on that port: a Linux getty on ttyS0 (``console=ttyS0``), or Windows' Emergency
Management Services console (SAC). With the VM off or saved there is no pipe, so a client's
``Connect(timeout)`` times out. UNCONFIRMED: the reference says nothing of COM ports; the
lab lets the path change in any state (Hyper-V Manager greys the setting out only for a
running VM on some releases) and serves one client at a time, as a pipe with one instance.

Behind each pipe the lab runs a small guest console per VM: it echoes what is typed, edits
the line (backspace, Ctrl+C), and answers a few commands after a prompt. A paused guest
reads nothing and answers nothing. The console's texts are the guest's, not Hyper-V's.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM, Estate, Host
from hvtui.lab.failures import invalid_argument
from hvtui.lab.power import each_operand, only_modelled
from hvtui.lab.pwsh import types as T
from hvtui.lab.pwsh.members import VOID
from hvtui.lab.pwsh.operators import method_error
from hvtui.lab.pwsh.values import Lazy, PSObject

if TYPE_CHECKING:
    from hvtui.lab.runtime import HostRuntime

PIPE_PREFIX = "\\\\.\\pipe\\"
"""How a COM port's path names a pipe on the VM's own host."""
TIMED_OUT = "The operation has timed out."
"""System.TimeoutException's message: NamedPipeClientStream.Connect(timeout) found no
server in time (.NET's own text)."""
NOT_CONNECTED = "Pipe hasn't been connected yet."
"""InvalidOperationException from a pipe stream used before Connect (.NET's own text)."""
BAD_NUMBER = "The COM port number must be 1 or 2."
"""UNCONFIRMED wording: a VM has two COM ports; the reference has no text for another."""

_HV = "Microsoft.HyperV.PowerShell."


# --- Get-VMComPort / Set-VMComPort ---------------------------------------------------------------


def com_path(vm: VM, number: int) -> str:
    return vm.com1 if number == 1 else vm.com2


def com_object(call: CmdletCall, vm: VM, number: int) -> PSObject:
    """Get-VMComPort's VMComPort (UNCONFIRMED shape: the reference has no sample; the
    properties are the documented ones the catalog reads)."""
    name = f"COM {number}"
    path = com_path(vm, number)
    return PSObject([
        ("Path", path),
        ("DebuggerMode", "Off"),
        ("Name", name),
        ("VMName", vm.name),
        ("VMId", objects._uid(vm.id)),
        ("ComputerName", call.view.host.name),
    ], type_names=(_HV + "VMComPort", _HV + "VMDevice", _HV + "VirtualizationObject",
                   "System.Object"),
        to_string=lambda: f"VMComPort (Name = '{name}') [VMName = '{vm.name}']")


@emulates("Get-VMComPort")
def get_vmcomport(call: CmdletCall) -> None:
    only_modelled(call, ("VMName", "VM", "Number"))
    numbers = [int(call.arg("Number"))] if call.given("Number") else [1, 2]
    with call.lock:
        for vm in call.target_vms():
            for number in numbers:
                if number in (1, 2):
                    call.write(com_object(call, vm, number))


@emulates("Set-VMComPort")
def set_vmcomport(call: CmdletCall) -> None:
    only_modelled(call, ("VMName", "VM", "Number", "Path", "Passthru"))
    number = int(call.arg("Number"))
    path = str(call.arg("Path") or "")

    def configure(vm: VM) -> None:
        if number not in (1, 2):
            raise invalid_argument(call.name, BAD_NUMBER, vm.name)
        if not call.inv.should_process(vm.name):
            return
        call.idle(vm)
        if number == 1:
            vm.com1 = path
        else:
            vm.com2 = path
        if call.switch("Passthru"):
            call.write(com_object(call, vm, number))

    with call.lock:
        each_operand(call, call.target_vms(), configure)


# --- the guest behind the pipe -------------------------------------------------------------------


class GuestConsole:
    """What a guest answers on its serial console: a shell on Linux, SAC on Windows."""

    def __init__(self, vm: VM) -> None:
        self.vm = vm
        self.line = ""
        self.output = bytearray()
        self.lock = threading.Lock()

    @property
    def prompt(self) -> str:
        return f"root@{self.hostname}:~# " if self.vm.linux else "SAC>"

    @property
    def hostname(self) -> str:
        return self.vm.name.lower() if self.vm.linux else self.vm.name.upper()

    def feed(self, data: bytes) -> None:
        """The guest reads ``data`` typed on its console."""
        for ch in data.decode("utf-8", "replace"):
            if ch in "\r\n":
                command, self.line = self.line, ""
                self._say("\r\n")
                answer = self.answer(command.strip())
                if answer:
                    self._say(answer.replace("\n", "\r\n") + "\r\n")
                self._say(self.prompt)
            elif ch in "\x7f\b":
                if self.line:
                    self.line = self.line[:-1]
                    self._say("\b \b")
            elif ch == "\x03":
                self.line = ""
                self._say("^C\r\n" + self.prompt)
            elif ch >= " ":
                self.line += ch
                self._say(ch)

    def _say(self, text: str) -> None:
        self.output += text.encode("utf-8")

    def answer(self, command: str) -> str:
        return self._linux(command) if self.vm.linux else self._sac(command)

    def _linux(self, command: str) -> str:
        words = command.split()
        if not words:
            return ""
        verb, rest = words[0], command[len(words[0]):].strip()
        answers: dict[str, Callable[[], str]] = {
            "uname": lambda: (f"Linux {self.hostname} 5.14.0-362.8.1.el9_3.x86_64 #1 SMP "
                              "x86_64 GNU/Linux" if "-a" in words else "Linux"),
            "hostname": lambda: self.hostname,
            "whoami": lambda: "root",
            "echo": lambda: rest,
            "cat": lambda: (f"NAME=\"{self.vm.guest_os or 'Linux'}\""
                            if rest == "/etc/os-release" else
                            f"cat: {rest or '-'}: No such file or directory"),
            "help": lambda: "commands: uname [-a], hostname, whoami, echo TEXT, "
                            "cat /etc/os-release, help",
        }
        if verb in answers:
            return answers[verb]()
        return f"-bash: {verb}: command not found"

    def _sac(self, command: str) -> str:
        verb = command.split()[0].lower() if command.split() else ""
        if not verb:
            return ""
        if verb in ("?", "help"):
            return ("ch           Channel management commands.\n"
                    "cmd          Create a Command Prompt channel.\n"
                    "id           Display the computer identification information.\n"
                    "restart      Restart the system immediately.\n"
                    "?            Display this list.")
        if verb == "id":
            return (f"Computer Name: {self.hostname}\n"
                    f"Computer GUID: {self.vm.id}\n"
                    f"Product:       {self.vm.guest_os or 'Windows'}")
        if verb == "cmd":
            return "The Command Prompt session was successfully launched."
        return "Unrecognized command.  Try '?' for more information."


_consoles: weakref.WeakKeyDictionary[Estate, dict[str, GuestConsole]] = \
    weakref.WeakKeyDictionary()
_consoles_lock = threading.Lock()


def guest_console(estate: Estate, vm: VM) -> GuestConsole:
    """The VM's guest console (one per VM of a lab, kept while the lab lives)."""
    with _consoles_lock:
        per_vm = _consoles.setdefault(estate, {})
        console = per_vm.get(vm.id)
        if console is None or console.vm is not vm:
            console = per_vm[vm.id] = GuestConsole(vm)
        return console


def pipe_server(host: Host, name: str) -> VM | None:
    """The VM serving pipe ``name`` on ``host`` now: its COM port names the pipe and its
    worker process runs (Running or Paused)."""
    wanted = (PIPE_PREFIX + name).lower()
    for vm in host.vms.values():
        if vm.state in ("Running", "Paused") and wanted in (vm.com1.lower(), vm.com2.lower()):
            return vm
    return None


# --- NamedPipeClientStream -------------------------------------------------------------------


class PipeClient:
    """The client end a script opens: Connect, Write, Flush, ReadAsync (a Task with Wait and
    Result), Dispose. Bytes are lists of ints, as the engine keeps a byte[]."""

    def __init__(self, runtime: HostRuntime, server: str, name: str) -> None:
        self.runtime = runtime
        self.server = server
        self.name = name
        self.console: GuestConsole | None = None

    def connect(self, timeout: Any = None) -> object:
        estate = self.runtime.estate
        with estate.lock:
            vm = pipe_server(self.runtime.host, self.name) if self.server == "." else None
        if vm is None:
            # no server: Connect waits its whole timeout (and forever without one)
            self.runtime.sleep(int(timeout) / 1000 if timeout is not None else 30.0)
            raise method_error("Connect", 0 if timeout is None else 1, "TimeoutException",
                               TIMED_OUT)
        self.console = guest_console(estate, vm)
        return VOID

    def _guest(self, method: str, args: int) -> GuestConsole:
        if self.console is None:
            raise method_error(method, args, "InvalidOperationException", NOT_CONNECTED)
        return self.console

    def write(self, data: Any, offset: Any, count: Any) -> object:
        console = self._guest("Write", 3)
        chunk = bytes(int(b) & 0xFF for b in list(data)[int(offset):int(offset) + int(count)])
        with console.lock:
            if console.vm.state == "Running":
                console.feed(chunk)
        return VOID

    def read_async(self, buffer: Any, offset: Any, count: Any) -> PSObject:
        console = self._guest("ReadAsync", 3)
        got: list[int] = []

        def take() -> bool:
            if got:
                return True
            with console.lock:
                if not console.output or self.console is None:
                    return False
                size = min(int(count), len(console.output))
                data, console.output[:size] = bytes(console.output[:size]), b""
            buffer[int(offset):int(offset) + size] = list(data)
            got.append(size)
            return True

        def wait(milliseconds: Any = -1) -> bool:
            if take():
                return True
            self.runtime.sleep(max(int(milliseconds), 0) / 1000)
            return take()

        return PSObject([("IsCompleted", Lazy(take)),
                         ("Result", Lazy(lambda: got[0] if take() else 0))],
                        type_names=("System.Threading.Tasks.Task`1[[System.Int32]]",
                                    "System.Threading.Tasks.Task", "System.Object"),
                        methods={"wait": wait}, settable=False)

    def dispose(self) -> object:
        self.console = None
        return VOID

    def as_object(self) -> PSObject:
        return PSObject([("IsConnected", Lazy(lambda: self.console is not None)),
                         ("CanRead", True), ("CanWrite", True)],
                        type_names=(T.NAMED_PIPE_CLIENT, "System.IO.Pipes.PipeStream",
                                    "System.IO.Stream", "System.MarshalByRefObject",
                                    "System.Object"),
                        methods={"connect": self.connect, "write": self.write,
                                 "flush": lambda: VOID, "readasync": self.read_async,
                                 "dispose": self.dispose, "close": self.dispose},
                        to_string=lambda: T.NAMED_PIPE_CLIENT, settable=False)


def new_pipe_client(runtime: HostRuntime, args: list[Any]) -> PSObject:
    """``New-Object System.IO.Pipes.NamedPipeClientStream -ArgumentList SERVER, NAME, ...``
    (direction and options are taken as given: the lab's pipe is two-way)."""
    server = str(args[0]) if len(args) >= 2 else "."
    name = str(args[1]) if len(args) >= 2 else str(args[0]) if args else ""
    return PipeClient(runtime, server, name).as_object()
