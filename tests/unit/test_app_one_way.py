"""The app never reaches into its main screen: it tells it what changed by signals and asks
it things by messages. import-linter keeps the main screen out of the app's imports
(``pyproject.toml``); this keeps the app's code from reaching the screen it is handed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "hvtui" / "ui"
APP_MODULES = ("app.py", "console.py", "feed.py", "action_runner.py", "lifecycle.py",
               "theme_choice.py", "error_report.py", "navigation.py")
"""The app and its collaborators."""
SCREEN_NAMES = frozenset({"main_screen", "_main"})


def reaches_into_the_screen(source: str) -> list[str]:
    """Each place the code uses the main screen for more than handing it out: an attribute of
    it (``self.main_screen.show_pane``) or a local name bound to it (``main = ...``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                and node.value.attr in SCREEN_NAMES:
            found.append(f"line {node.lineno}: .{node.value.attr}.{node.attr}")
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr):
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(value, ast.Attribute) and value.attr in SCREEN_NAMES \
                    and not all(isinstance(t, ast.Attribute) for t in targets):
                found.append(f"line {node.lineno}: a name for .{value.attr}")
    return sorted(found)


@pytest.mark.parametrize("module", APP_MODULES)
def test_the_app_never_reaches_into_its_main_screen(module: str) -> None:
    assert not reaches_into_the_screen((UI / module).read_text(encoding="utf-8"))


def test_the_check_finds_what_the_app_used_to_do() -> None:
    """The check can fail: these are lines the app had before it posted messages."""
    old = ("def on_job_updated(self, message):\n"
           "    self.main_screen.pane_stale('jobs')\n"
           "def _clock_tick(self):\n"
           "    main = self.main_screen\n"
           "    main.update_status()\n")
    assert reaches_into_the_screen(old) == ["line 2: .main_screen.pane_stale",
                                            "line 4: a name for .main_screen"]
    assert not reaches_into_the_screen("def get(self):\n    return self._main\n")
