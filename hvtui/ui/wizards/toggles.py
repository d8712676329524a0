"""Check boxes and radio buttons whose state is in the text, not only in the colour.

Textual draws a ticked and an unticked box alike (``▐X▌``) and tells them apart by colour
alone, so under NO_COLOR or on a monochrome terminal the unticked one vanishes or looks
ticked. These draw ``[x]`` / ``[ ]`` and ``(•)`` / ``( )``: readable in any theme.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox, RadioButton


def _mark(on: bool, ticked: str, unticked: str) -> Content:
    return Content.assemble((ticked, "bold")) if on else Content(unticked)


class TickBox(Checkbox):
    """A check box that reads ``[x]`` when ticked and ``[ ]`` when not."""

    DEFAULT_CSS = """
    TickBox > .toggle--button, TickBox.-on > .toggle--button { background: transparent; }
    """

    @property
    def _button(self) -> Content:
        return _mark(self.value, "[x]", "[ ]")


class RadioChoice(RadioButton):
    """A radio button that reads ``(•)`` when chosen and ``( )`` when not."""

    @property
    def _button(self) -> Content:
        return _mark(self.value, "(•)", "( )")
