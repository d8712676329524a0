"""The serial console screen: a VM's COM 1, relayed through hvtui's session to its host.

What the guest writes is shown as text (carriage returns and backspaces applied, other
control characters escaped, so a guest cannot drive this terminal); keys typed go to the
guest (Enter as CR, Backspace as DEL, Ctrl+C as ETX). Ctrl+] leaves, as the footer says.
The relay runs as one worker taking turns (:class:`hvtui.hyperv.serial_console.SerialRelay`).
"""

from __future__ import annotations

import asyncio

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from hvtui.errors import HvtuiError
from hvtui.hyperv.serial_console import GUEST_NEEDS, SerialRelay
from hvtui.model.text import inert

IDLE_WAIT_MS = 250
"""An empty turn listens this long; keys typed meanwhile wait at most this much."""
KEEP_LINES = 500
"""Lines of guest output the screen keeps."""
_KEYS = {"enter": b"\r", "backspace": b"\x7f", "ctrl+c": b"\x03", "tab": b"\t",
         "ctrl+d": b"\x04", "ctrl+u": b"\x15", "ctrl+l": b"\x0c"}
LEAVE_KEYS = ("ctrl+right_square_bracket", "ctrl+]")


class GuestText:
    """The guest's output as lines of text, as a simple terminal would show it."""

    def __init__(self) -> None:
        self.lines: list[str] = [""]

    def feed(self, data: bytes) -> None:
        for ch in data.decode("utf-8", "replace"):
            if ch == "\n":
                self.lines.append("")
            elif ch == "\r":
                continue  # CR LF ends a line; a lone CR redraws it (kept simple: ignored)
            elif ch == "\b":
                self.lines[-1] = self.lines[-1][:-1]
            elif ch == "\t" or ch.isprintable():
                self.lines[-1] += ch
            else:
                self.lines[-1] += inert(ch)
        del self.lines[:-KEEP_LINES]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class SerialConsoleScreen(Screen[None]):
    """One VM's serial console; Ctrl+] goes back."""

    DEFAULT_CSS = """
    SerialConsoleScreen #serial-title { background: $boost; text-style: bold; }
    SerialConsoleScreen #serial-output { height: 1fr; }
    SerialConsoleScreen #serial-hint { color: $text-muted; }
    """

    BINDINGS = [Binding("ctrl+right_square_bracket", "leave", "Leave (Ctrl+])",
                        priority=True)]

    def __init__(self, relay: SerialRelay) -> None:
        super().__init__()
        self.relay = relay
        self.output = GuestText()
        self.typed: asyncio.Queue[bytes] = asyncio.Queue()
        self.problem = ""

    def compose(self) -> ComposeResult:
        vm = self.relay.vm
        yield Static(f"Serial console of {inert(vm.name)} on {inert(vm.host)} (COM 1, "
                     f"\\\\.\\pipe\\{self.relay.pipe}). Ctrl+] leaves.", id="serial-title",
                     markup=False)
        yield Static("", id="serial-output", markup=False)
        yield Static(GUEST_NEEDS, id="serial-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.typed.put_nowait(b"\r")  # a fresh prompt
        self.relay_turns()

    def on_key(self, event: events.Key) -> None:
        if event.key in LEAVE_KEYS:
            return
        data = _KEYS.get(event.key)
        if data is None and event.character and event.is_printable:
            data = event.character.encode("utf-8")
        if data is not None:
            event.stop()
            event.prevent_default()
            self.typed.put_nowait(data)

    def action_leave(self) -> None:
        self.app.pop_screen()

    @work(exclusive=True, group="serial")
    async def relay_turns(self) -> None:
        while True:
            data = b""
            while not self.typed.empty():
                data += self.typed.get_nowait()
            try:
                answer = await self.relay.exchange(data, wait_ms=IDLE_WAIT_MS)
            except HvtuiError as exc:
                self.problem = exc.user_message()
                self.query_one("#serial-hint", Static).update(
                    f"{self.problem}\nCtrl+] leaves.")
                return
            if answer:
                self.output.feed(answer)
                self.show_output()

    def show_output(self) -> None:
        """The last lines that fit: the prompt stays in sight as a terminal keeps it."""
        room = max(self.size.height - 6, 3)
        self.query_one("#serial-output", Static).update("\n".join(self.output.lines[-room:]))

    def on_resize(self) -> None:
        self.show_output()
