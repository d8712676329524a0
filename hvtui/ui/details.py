"""The details view of one row: everything about a VM, host, disk, replica, cluster, job.

It follows live refreshes; when its object disappears (a VM deleted or moved, a
host removed) it says so at the top and keeps the last known details below.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from hvtui.ui.actions import get_action, registered_actions, registry_version
from hvtui.ui.describe import Details
from hvtui.ui.panes import PANE_BY_ID
from hvtui.ui.widgets import Flash, KeyHints, styled

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp


def details_content(details: Details) -> Content:
    parts: list[tuple[str, str]] = []
    for section in details.sections:
        parts += [("\n", ""), (section.title, "accent"), ("\n", "")]
        for line in section.lines:
            parts.append(("  ", ""))
            parts.extend(line)
            parts.append(("\n", ""))
    return styled(parts)


class DetailsScreen(Screen[None]):
    """Enter on a row opens this; Esc goes back to the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("r,ctrl+r", "refresh", "Refresh"),
        Binding("j,down", "scroll('down')", "Scroll down", show=False),
        Binding("k,up", "scroll('up')", "Scroll up", show=False),
        Binding("g,home", "scroll('home')", "Top", show=False),
        Binding("G,end", "scroll('end')", "Bottom", show=False),
        Binding("pagedown,space", "scroll('page_down')", "Page down", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
    ]

    def __init__(self, pane: str, key: Hashable) -> None:
        super().__init__(classes="details")
        self.pane = pane
        """The pane the row came from (decides which actions apply)."""
        self.key = key
        self.obj: Any = None
        """The object shown (the last known one when it has gone)."""
        self.gone = False
        self._last: Details | None = None
        self._bound: set[str] = set()

    @property
    def hv(self) -> HvtuiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="details-title")
        yield Static(id="details-gone")
        yield Static(id="details-stale")
        with VerticalScroll(id="details-scroll"):
            yield Static(id="details-body")
        yield Flash(id="flash")
        yield KeyHints(id="keys")

    def on_mount(self) -> None:
        for spec in registered_actions(self.pane):
            if spec.details and spec.id not in self._bound:
                self._bindings.bind(spec.key, f"run_registered('{spec.id}')", spec.label)
                self._bound.add(spec.id)
        self._bound_version = registry_version()
        self.hv.data_changed.subscribe(self, self._data_changed)
        self.show_details()
        self.query_one("#details-scroll").focus()

    def _data_changed(self, _: object) -> None:
        with self.hv.guard("updating the details view"):
            self.show_details()

    def show_details(self) -> None:
        obj = self.hv.lookup(self.pane, self.key)
        title = self.query_one("#details-title", Static)
        gone = self.query_one("#details-gone", Static)
        if obj is None:
            if not self.gone:
                self.gone = True
                what = PANE_BY_ID[self.pane].noun
                name = getattr(self.obj, "name", "") or str(self.key)
                host = getattr(self.obj, "host", "")
                where = f" on {host}" if host else ""
                gone.update(styled([
                    (f" {name}{where} no longer exists ", "critical"),
                    (f"(deleted or moved since the last refresh; {what} list updated). "
                     "Showing the last known details. Esc goes back.", "warning"),
                ]))
                gone.set_class(True, "-visible")
                self.refresh_bindings()
            return
        if self.gone:
            self.gone = False
            gone.set_class(False, "-visible")
            self.refresh_bindings()
        self.obj = obj
        stale = self.query_one("#details-stale", Static)
        note = self.hv.stale_note(obj)
        stale.set_class(note is not None, "-visible")
        stale.update(styled([(f" STALE: {note} ", "stale")]) if note else "")
        details = self.hv.describe(self.pane, self.key, obj)
        if self._last is not None and details.plain() == self._last.plain():
            return
        self._last = details
        title.update(styled([(f" {details.title} ", "accent"), (f"  {details.subtitle}", "muted")]))
        self.query_one("#details-body", Static).update(details_content(details))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run_registered":
            spec = get_action(str(parameters[0])) if parameters else None
            if spec is None or self.pane not in spec.panes or not spec.details:
                return False
            if spec.mutating and not self.hv.may_change([self.obj]):
                return False
            return not self.gone
        return True

    def action_run_registered(self, action_id: str) -> None:
        spec = get_action(action_id)
        if spec is None or self.obj is None or self.gone:
            return
        self.hv.run_action_spec(spec, [self.obj])

    def action_back(self) -> None:
        self.dismiss()

    def action_quit(self) -> None:
        self.hv.request_quit()

    def action_help(self) -> None:
        self.hv.show_help(self)

    def action_refresh(self) -> None:
        count = self.hv.request_refresh()
        self.query_one(Flash).say(f"Refreshing {count} host(s)..." if count else
                                  "Every host is still answering the previous refresh.",
                                  "info", seconds=3)

    def action_scroll(self, where: str) -> None:
        scroll = self.query_one("#details-scroll", VerticalScroll)
        {
            "down": scroll.scroll_down,
            "up": scroll.scroll_up,
            "home": scroll.scroll_home,
            "end": scroll.scroll_end,
            "page_down": scroll.scroll_page_down,
            "page_up": scroll.scroll_page_up,
        }[where](animate=False)
