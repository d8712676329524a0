"""A yes/no question that says plainly what the answer does (quit with jobs running, cancel a
job). Dismisses with True for the first button, False for the second, Esc or ``n``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from hvtui.ui.widgets import assemble, plain


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen #confirm-box {
        width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    ConfirmScreen #confirm-title { text-style: bold; color: $warning; }
    ConfirmScreen #confirm-body { height: auto; margin: 1 0; }
    ConfirmScreen #confirm-buttons { height: 3; align-horizontal: right; }
    ConfirmScreen #confirm-buttons Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "No", show=False),
        Binding("y", "answer(True)", "Yes", show=False),
    ]

    def __init__(self, title: str, lines: Sequence[str], yes: str, no: str) -> None:
        super().__init__()
        self.title_text = title
        self.lines = list(lines)
        """What the question is about and what each answer does, one line each ("" for a
        blank line); text from hosts in them is shown inert."""
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        pieces: list[str] = []
        for i, line in enumerate(self.lines):
            pieces += ["\n", line] if i else [line]
        with Vertical(id="confirm-box"):
            yield Static(plain(self.title_text), id="confirm-title")
            yield Static(assemble(*pieces), id="confirm-body")
            with Horizontal(id="confirm-buttons"):
                yield Button(self.yes, id="yes", variant="error")
                yield Button(self.no, id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe answer is the default

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
