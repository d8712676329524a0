"""Check boxes and radio buttons whose state is in the text, not only in the colour.

Textual draws a ticked and an unticked box alike (``▐X▌``) and tells them apart by colour
alone, so under NO_COLOR or on a monochrome terminal the unticked one vanishes or looks
ticked. These draw ``[x]`` / ``[ ]`` and ``(•)`` / ``( )``: readable in any theme.

In a wizard's form Space ticks or chooses and Enter moves on to the next field (the
wizard hears :class:`FieldDone`), as Enter does in a text field.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, RadioButton, RadioSet


class FieldDone(Message):
    """Enter on a box or a list of choices: the wizard moves on to the next field."""

    def __init__(self, field: Widget) -> None:
        super().__init__()
        self.field = field
        """The field Enter was pressed on."""


def _mark(on: bool, ticked: str, unticked: str) -> Content:
    return Content.assemble((ticked, "bold")) if on else Content(unticked)


class TickBox(Checkbox):
    """A check box that reads ``[x]`` when ticked and ``[ ]`` when not."""

    DEFAULT_CSS = """
    TickBox > .toggle--button, TickBox.-on > .toggle--button { background: transparent; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Tick", show=False),
        Binding("enter", "done", "Next", show=False),
    ]

    @property
    def _button(self) -> Content:
        return _mark(self.value, "[x]", "[ ]")

    def action_done(self) -> None:
        self.post_message(FieldDone(self))


class RadioChoice(RadioButton):
    """A radio button that reads ``(•)`` when chosen and ``( )`` when not."""

    @property
    def _button(self) -> Content:
        return _mark(self.value, "(•)", "( )")


class ChoiceSet(RadioSet):
    """A list of :class:`RadioChoice`: the arrows move, Space chooses, Enter chooses and
    moves on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Choose", show=False),
        Binding("enter", "choose_and_go", "Choose and go on", show=False),
    ]

    def action_choose_and_go(self) -> None:
        self.action_toggle_button()
        self.post_message(FieldDone(self))
