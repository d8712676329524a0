"""Small widgets around the tables: top bar, crumb, flash line, prompt, status bar.

Also the one way text reaches a widget: :func:`assemble`, :func:`styled` and :func:`plain`
build :class:`~textual.content.Content` (never markup, so a ``[`` in a VM name is just a
character) with every piece made inert (control characters visibly escaped, see
:mod:`hvtui.model.text`). Names, notes, paths and messages come from hosts and guests; a
test renders a corpus of hostile ones through every screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.cells import cell_len
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.dom import NoScreen
from textual.suggester import SuggestFromList
from textual.timer import Timer
from textual.widgets import Input, Static

from hvtui.model.text import inert
from hvtui.ui.panes import PANES

Piece = tuple[str, str] | str
"""A piece of :func:`assemble`: text, or (text, Textual style)."""


def _inert(text: str) -> str:
    # New lines around a piece are the screen's own layout; inside it they may be a host's
    # text, shown escaped (so a name can never add a line of its own to a details view).
    body = text.strip("\n")
    if not body:
        return text
    start = text.index(body)
    return text[:start] + inert(body) + text[start + len(body):]


def assemble(*pieces: Piece) -> Content:
    """``Content.assemble`` with every piece's text inert."""
    return Content.assemble(*((_inert(p[0]), p[1]) if isinstance(p, tuple) else _inert(p)
                              for p in pieces))


def plain(text: str) -> Content:
    """Unstyled text, inert, never read as markup."""
    return Content(_inert(text))


def styled(parts: Iterable[tuple[str, str]]) -> Content:
    """``(text, role)`` spans -> Content whose styles are the theme's ``$hv-<role>``."""
    pieces: list[Piece] = []
    for text, role in parts:
        if not text:
            continue
        pieces.append((text, _style(role)) if role else text)
    return assemble(*pieces)


def _style(role: str) -> str:
    if role == "critical":
        return "$hv-critical bold"  # bold survives NO_COLOR and monochrome terminals
    return f"$hv-{role}"


class TopBar(Static):
    """``hvtui  1 Hosts  2 VMs ...  READ-ONLY``: where you are and how to move."""

    def show(self, current: str, read_only: bool) -> None:
        pieces: list[tuple[str, str] | str] = [(" hvtui ", "$hv-accent bold")]
        for spec in PANES:
            if spec.id == current:
                # reverse video marks the current pane without relying on colour
                pieces.append((f" {spec.key} {spec.title} ", "$hv-accent reverse bold"))
            else:
                pieces.append((f" {spec.key}", "$hv-muted"))
                pieces.append(f" {spec.title} ")
        if read_only:
            pieces.append(" ")
            pieces.append((" READ-ONLY ", "$hv-warning reverse bold"))
        self.update(Content.assemble(*pieces))


class Crumb(Static):
    """The current pane's title, counts, sort and filter."""


class StatusBar(Static):
    """Estate totals, problems and staleness."""

    def show(self, parts: list[tuple[str, str]]) -> None:
        self.update(styled([(" ", ""), *parts]))


class Flash(Static):
    """One line of feedback in place (k9s' flash): unknown command, VM gone, refreshing."""

    _timer: Timer | None = None
    message: str = ""
    """The text on show ("" when nothing is)."""

    def say(self, text: str, role: str = "info", *, seconds: float = 8.0) -> None:
        self.message = text
        self.update(styled([(" ", ""), (text, role)]))
        self.set_class(True, "-visible")
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(seconds, self.clear)

    def clear(self) -> None:
        self.message = ""
        self.update("")
        self.set_class(False, "-visible")


COMMAND_WORDS: list[str] = sorted({alias for p in PANES for alias in p.aliases}
                                  | {"help", "quit", "q", "refresh", "theme", "filter"})


def complete_command(text: str) -> str:
    """``di`` -> ``disk``: the command line's text with its first word completed as the
    suggestion shows it (the first command word it begins), else unchanged."""
    stripped = text.lstrip()
    word, _, rest = stripped.partition(" ")
    if not word or word.lower() in COMMAND_WORDS:
        return text
    found = next((w for w in COMMAND_WORDS if w.startswith(word.lower())), None)
    if found is None:
        return text
    return found + (" " + rest if rest else "")


class Prompt(Input):
    """The ``:`` command line and ``/`` filter share one prompt at the bottom (as in k9s).
    On the command line Tab accepts the suggestion, and Enter goes where it says."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "complete", "Complete", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(suggester=SuggestFromList(COMMAND_WORDS, case_sensitive=False),
                         **kwargs)  # type: ignore[arg-type]
        self.mode = ":"

    def open(self, mode: str, value: str = "") -> None:
        self.mode = mode
        self.placeholder = ("command: hosts vms disks replicas clusters jobs audit theme quit"
                            if mode == ":" else
                            "filter: text to match, !text to exclude, @HOST one host's rows")
        self.value = value
        self.cursor_position = len(value)
        # Focus now, not on the next message as Widget.focus() does: keys typed or pasted
        # right after ':' are already queued and would reach the table instead (where 'a'
        # opens Add disk).
        self.screen.set_focus(self)

    def action_complete(self) -> None:
        if self.mode == ":":
            self.value = complete_command(self.value)
            self.cursor_position = len(self.value)

    def close(self) -> None:
        self.value = ""


class KeyHints(Static):
    """The footer: the keys that work here, as one line of text.

    Textual's Footer recomposes a widget per key on every focus change (tens of ms);
    this re-renders one line when the bindings change, and lists mutating actions only
    when they are allowed (``check_action`` hides them in read-only mode).

    The current pane's own keys come first (a VM's power keys on the VMs pane), then the
    console's. A key that does not fit the width is left out whole, never cut mid-word:
    first the console's lesser keys, then the pane's last ones; Help, Command, Filter and
    Quit always stay (Help lists every key).
    """

    DEFAULT_CSS = """
    KeyHints {
        height: 1;
        background: $panel;
    }
    """

    ESSENTIAL: ClassVar[frozenset[str]] = frozenset({"help", "command_line", "filter", "quit"})
    """Console actions shown at any width."""
    PANE_ACTIONS: ClassVar[frozenset[str]] = frozenset({"drill", "cancel_job"})
    """Console actions that belong to one pane (shown with the pane's keys)."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._changed)
        self.call_after_refresh(self.show_keys)

    def on_resize(self) -> None:
        self.show_keys()

    def _changed(self, _screen: object) -> None:
        if self.is_attached:
            self.call_after_refresh(self.show_keys)

    def show_keys(self) -> None:
        try:
            bindings = self.screen.active_bindings
        except NoScreen:  # the screen went away (a details view closed) before this ran
            return
        seen: set[str] = set()
        pane: list[tuple[str, str]] = []
        console: list[tuple[str, str]] = []
        essential: set[tuple[str, str]] = set()
        for active in bindings.values():
            binding = active.binding
            if not binding.show or not active.enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            item = (binding.key_display or self.app.get_key_display(binding),
                    binding.description)
            name = binding.action.partition("(")[0]
            if name == "run_registered" or name in self.PANE_ACTIONS:
                pane.append(item)
            else:
                console.append(item)
                if name in self.ESSENTIAL:
                    essential.add(item)
        if self.app.ENABLE_COMMAND_PALETTE:
            console.append(("^p", "Palette"))
        shown = self._fit([*sorted(essential, key=console.index), *pane, *console],
                          self.size.width or 80)
        parts: list[tuple[str, str] | str] = []
        for key, description in [i for i in pane if i in shown] + \
                [i for i in console if i in shown]:
            parts.append((f" {key}", "$footer-key-foreground bold"))
            parts.append(f" {description} ")
        self.update(Content.assemble(*parts))

    @staticmethod
    def _fit(by_priority: list[tuple[str, str]], width: int) -> set[tuple[str, str]]:
        """The items that fit ``width``, taken in priority order, each whole or not at all."""
        shown: set[tuple[str, str]] = set()
        used = 0
        for key, description in by_priority:
            cells = cell_len(f" {key} {description} ")
            if (key, description) not in shown and used + cells <= width:
                shown.add((key, description))
                used += cells
        return shown
