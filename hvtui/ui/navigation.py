"""What the app asks the main screen to do, as messages the screen handles.

The command palette lists panes, sorts and actions; choosing one goes through the app
(which first closes whatever screen is on top) and arrives here as a message posted to
the main screen. The app never calls the screen's methods: data flows one way, screens
ask the app, the app tells screens by messages and signals.
"""

from __future__ import annotations

from textual.message import Message


class ShowPane(Message, bubble=False):
    """Show ``pane``; open the prompt in ``prompt`` mode (``:`` or ``/``) when given."""

    def __init__(self, pane: str, prompt: str | None = None) -> None:
        super().__init__()
        self.pane = pane
        self.prompt = prompt


class SortBy(Message, bubble=False):
    """Sort the current pane by its ``column``-th column, ascending."""

    def __init__(self, column: int) -> None:
        super().__init__()
        self.column = column


class RunOnSelection(Message, bubble=False):
    """Run the registered action ``action_id`` on the current pane's selection."""

    def __init__(self, action_id: str) -> None:
        super().__init__()
        self.action_id = action_id
