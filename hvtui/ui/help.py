"""``?``: every key binding that works where you are, grouped, plus the commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from hvtui.ui.actions import get_action
from hvtui.ui.panes import PANES
from hvtui.ui.table import VirtualTable
from hvtui.ui.widgets import styled

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

_NOT_INTERESTING = {"copy_text", "maximize", "minimize", "command_palette"}

HelpEntry = tuple[str, str, str]
"""``(group, keys, description)``."""


def bindings_in_context(app: HvtuiApp, screen: Screen[object]) -> list[HelpEntry]:
    """What each key does on ``screen`` now (hidden actions, e.g. in read-only mode, left out)."""
    by_action: dict[tuple[str, str], list[str]] = {}
    groups: dict[tuple[str, str], str] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.action.rpartition(".")[2] in _NOT_INTERESTING:
            continue
        node = active.node
        if binding.action.startswith("run_registered"):
            action_id = binding.action.split("'")[1] if "'" in binding.action else ""
            spec = get_action(action_id)
            group = "Actions" + (" (change things)" if spec is not None and spec.mutating
                                 else "")
            text = spec.description or spec.label if spec is not None else binding.description
        elif isinstance(node, VirtualTable):
            group, text = "Table", binding.description or binding.action
        elif node is app:
            group, text = "Application", binding.description or binding.action
        else:
            group, text = "Console", binding.description or binding.action
        if not active.enabled:
            continue
        ident = (group, text)
        display = binding.key_display or app.get_key_display(Binding(key, binding.action))
        by_action.setdefault(ident, []).append(display)
        groups[ident] = group
    out = [(group, ", ".join(dict.fromkeys(by_action[(group, text)])), text)
           for (group, text) in by_action]
    order = {"Console": 0, "Table": 1, "Actions": 2, "Actions (change things)": 3,
             "Application": 4}
    out.sort(key=lambda e: (order.get(e[0], 9), e[1].lower()))
    out.append(("Application", app.get_key_display(Binding("ctrl+p", "command_palette")),
                "Command palette: panes, actions, hosts and VMs by name"))
    return out


def command_entries() -> list[HelpEntry]:
    out: list[HelpEntry] = []
    for spec in PANES:
        names = " ".join(f":{a}" for a in spec.aliases[:4])
        out.append(("Commands (:)", names, f"show the {spec.title} pane (or key {spec.key})"))
    out.append(("Commands (:)", ":theme NAME", "switch theme (remembered)"))
    out.append(("Commands (:)", ":refresh", "refresh every host now"))
    out.append(("Commands (:)", ":quit :q", "quit"))
    out.append(("Filter (/)", "/text", "show rows containing text (any column, any case)"))
    out.append(("Filter (/)", "/!text", "show rows NOT containing text"))
    return out


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close"),
        Binding("j,down", "scroll('down')", show=False),
        Binding("k,up", "scroll('up')", show=False),
    ]

    def __init__(self, title: str, entries: list[HelpEntry]) -> None:
        super().__init__(classes="help")
        self.title_text = title
        self.entries = entries

    def compose(self) -> ComposeResult:
        parts: list[tuple[str, str]] = [(f" {self.title_text}\n", "accent")]
        group = ""
        width = max((len(keys) for _, keys, _ in self.entries), default=8)
        width = min(width, 28)
        for entry_group, keys, text in self.entries:
            if entry_group != group:
                group = entry_group
                parts.append((f"\n {group}\n", "accent"))
            parts.append((f"   {keys:<{width}}  ", "warning"))
            parts.append((f"{text}\n", ""))
        parts.append(("\n Esc closes this help.", "muted"))
        with VerticalScroll(id="help-scroll"):
            yield Static(styled(parts), id="help-body")

    def action_close(self) -> None:
        self.dismiss()

    def action_scroll(self, where: str) -> None:
        scroll = self.query_one(VerticalScroll)
        (scroll.scroll_down if where == "down" else scroll.scroll_up)(animate=False)
