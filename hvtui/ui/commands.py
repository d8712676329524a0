"""Command palette (ctrl+p): every pane, action, theme, host and VM by name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from hvtui.model.text import inert
from hvtui.ui.actions import registered_actions
from hvtui.ui.panes import PANES
from hvtui.ui.themes import theme_label
from hvtui.ui.widgets import plain

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

Command = tuple[str, str, Callable[[], object]]
_MAX_VM_HITS = 50


class HvtuiCommands(Provider):
    """Panes, console actions, registered actions, themes and hosts; VMs when searched."""

    @property
    def hv(self) -> HvtuiApp:
        return self.app  # type: ignore[return-value]

    def _commands(self) -> Iterator[Command]:
        app = self.hv
        main = app.main_screen
        for spec in PANES:
            yield (f"Show {spec.title}", f"the {spec.title} pane (key {spec.key}, "
                   f":{spec.aliases[0]})", partial(app.go_to_pane, spec.id))
        yield ("Refresh all hosts", "ask every host for a fresh inventory now (r)",
               app.request_refresh)
        yield ("Filter the table", "show only rows containing some text (/)",
               partial(app.go_to_pane, main.current, "/"))
        yield ("Command line", "type a :command (:)", partial(app.go_to_pane, main.current, ":"))
        yield ("Key bindings", "every key that works here (?)",
               partial(app.show_help, main, main.current))
        pane = main.current
        spec = next(p for p in PANES if p.id == pane)
        for index, column in enumerate(spec.columns):
            yield (f"Sort {spec.title} by {column.label}", "problems first when sorting by health",
                   partial(app.sort_current, index))
        for action in registered_actions(pane):
            if action.mutating and app.read_only:
                continue
            yield (f"{action.label} ({spec.title})",
                   action.description or f"run on the selected {spec.noun}",
                   partial(app.run_action_on_selection, action.id))
        for name in sorted(app.available_themes):
            yield (f"Theme: {theme_label(name)}", "switch the colours (remembered)",
                   partial(app.choose_theme, name))
        for status in app.estate.hosts:
            state = "unreachable" if status.error else "host"
            yield (f"Host {status.name}", f"{state}: open its details",
                   partial(app.open_details, "hosts", status.name.lower()))

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            if title.startswith("Theme: ") or title.startswith("Sort "):
                continue  # keep the opening list short; they are found by typing
            # Content, not a str: the palette reads a str as markup, and host names are data
            yield DiscoveryHit(plain(title), callback, help=escape(inert(help_text)))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(inert(title)), callback,
                          help=escape(inert(help_text)))
        needle = query.strip().casefold()
        if len(needle) < 2:
            return
        hits = 0
        for index, vm in enumerate(self.hv.estate.vms()):
            if index % 500 == 499:
                await asyncio.sleep(0)  # ten thousand VMs must not freeze typing
            if needle not in vm.name.casefold():
                continue
            title = inert(f"VM {vm.name} on {vm.host}")
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title),
                          partial(self.hv.open_details, "vms", vm.key),
                          help=f"{vm.state.name}: open its details")
                hits += 1
                if hits >= _MAX_VM_HITS:
                    return
