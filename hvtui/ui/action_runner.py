"""Running a registered action (a wizard, a quick change) on the rows a screen selected.

The screens ask; the runner refuses what may not run here (read-only console, hosts the
inventory marks read-only, nothing selected, several rows for a one-row action) with a
sentence in the flash line, and otherwise calls the action's handler, as a worker when it
is a coroutine so its failures are reported like every other.
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from hvtui.ui import panes as P
from hvtui.ui.actions import ActionSpec

if TYPE_CHECKING:
    from hvtui.ui.console import HvtuiApp

_SELECTION_STARTED: contextvars.ContextVar[Callable[[], None] | None] = \
    contextvars.ContextVar("hvtui_selection_started", default=None)
"""What :meth:`ActionRunner.selection_started` does for the action being started (clear
marks)."""


class ActionRunner:
    """Owned by the app: who may change what, and starting actions' handlers."""

    def __init__(self, app: HvtuiApp) -> None:
        self._app = app

    def locked_hosts(self, objects: Iterable[object]) -> list[str]:
        """The read-only hosts (per the inventory) that ``objects`` live on."""
        locked = self._app.read_only_hosts
        if not locked:
            return []
        hosts = {h for obj in objects for h in P.object_hosts(obj)}
        return sorted(h for h in hosts if h.casefold() in locked)

    def may_change(self, objects: Iterable[object]) -> bool:
        """Whether a mutating action may be offered for these objects."""
        return not self._app.read_only and not self.locked_hosts(objects)

    @staticmethod
    def selection_started() -> None:
        """A handler calls this once its action is confirmed or running: the marks of the rows
        it was given are cleared then (as k9s does), and kept when the person cancels."""
        started = _SELECTION_STARTED.get()
        if started is not None:
            _SELECTION_STARTED.set(None)  # once per action (the handler's own context)
            started()

    def run(self, spec: ActionSpec, objects: list[Any],
            started: Callable[[], None] | None = None) -> None:
        """Call ``spec``'s handler with the selected objects (never in read-only mode when it
        changes things). ``started`` runs when the handler calls :meth:`selection_started`."""
        app = self._app
        if spec.mutating and app.read_only:
            app.flash(f"{spec.label} changes things; hvtui runs read-only", "warning")
            return
        locked = self.locked_hosts(objects) if spec.mutating else []
        if locked:
            app.flash(f"{spec.label} changes things; the inventory marks "
                      f"{', '.join(locked)} read-only", "warning")
            return
        if not objects:
            app.flash(f"{spec.label}: nothing selected", "warning")
            return
        if not spec.multi and len(objects) > 1:
            app.flash(f"{spec.label} works on one row at a time; Esc clears the marks",
                      "warning")
            return
        # The handler (and its worker, which copies this context) sees its own callback.
        token = _SELECTION_STARTED.set(started)
        try:
            with app.guard(f"starting {spec.label}"):
                result = spec.handler(app, list(objects))
                if inspect.isawaitable(result):
                    async def run() -> None:
                        await result

                    app.run_worker(run(), name=spec.label, group="actions",
                                   exit_on_error=False)
        finally:
            _SELECTION_STARTED.reset(token)
