"""Unexpected errors: logged with their traceback, told once in words, never shown as one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

from hvtui.ui.crashlog import log_exception, one_line

if TYPE_CHECKING:
    from textual.app import App


class ErrorReporter:
    """Owned by the app: every unexpected error goes through :meth:`report`."""

    def __init__(self, app: App[None]) -> None:
        self._app = app
        self.unexpected: list[BaseException] = []
        """Every unexpected error reported (logged and notified) during this run."""
        self._reported: set[tuple[str, str]] = set()

    def report(self, error: BaseException, context: str = "") -> None:
        """Log an unexpected error with its traceback and tell the user where the log is (once
        per distinct error: a failing timer must not flood the screen)."""
        self.unexpected.append(error)
        path = log_exception(error, context)
        key = (type(error).__name__, str(error))
        if key in self._reported:
            return
        self._reported.add(key)
        what = f" while {context}" if context else ""
        with suppress(Exception):  # reporting must never fail
            self._app.notify(f"Unexpected error{what}: {one_line(error)}. Details in {path}",
                             title="hvtui", severity="error", timeout=15, markup=False)

    @contextmanager
    def guard(self, context: str) -> Iterator[None]:
        """Report what the block raises instead of letting it stop the console."""
        try:
            yield
        except Exception as error:  # noqa: BLE001
            self.report(error, context)
