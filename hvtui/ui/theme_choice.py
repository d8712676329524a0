"""Which theme the console starts with, switching by name, and remembering the choice.

The theme files themselves are read by :mod:`hvtui.ui.themes`; this is the app's part:
``--theme``, else the settings file, else what the terminal can show, with one sentence
for each thing that could not be honoured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hvtui.errors import ConfigError
from hvtui.ui.settings import load_settings, save_setting
from hvtui.ui.themes import (
    DEFAULT_THEME,
    SIXTEEN_COLOUR_THEME,
    load_themes,
    resolve_theme_name,
    theme_label,
)

if TYPE_CHECKING:
    from hvtui.ui.console import HvtuiApp


class ThemeChoice:
    """Owned by the app: registers the theme files and picks, switches and remembers."""

    def __init__(self, app: HvtuiApp) -> None:
        self._app = app
        self.ready = False
        """False until start-up is over: only a person's later switch is remembered."""

    def setup(self, requested: str | None) -> list[str]:
        """Register the theme files and set the starting theme; the problems to tell."""
        app = self._app
        problems: list[str] = []
        loaded = load_themes()
        for theme in loaded.themes:
            app.register_theme(theme)
        problems.extend(f"Theme file skipped: {p}" for p in loaded.problems)
        try:
            settings = load_settings()
        except ConfigError as exc:
            settings = {}
            problems.append(exc.user_message())
        source = "--theme"
        if not requested:
            saved = settings.get("theme")
            requested, source = (saved, "the settings file") if isinstance(saved, str) else \
                (None, "")
        chosen = None
        if requested:
            chosen = resolve_theme_name(requested, app.available_themes)
            if chosen is None:
                names = ", ".join(sorted(theme_label(n) for n in app.available_themes
                                         if n.startswith("hvtui")))
                problems.append(f"Theme {requested!r} (from {source}) is not available; "
                                f"using the default. Themes: {names}")
        if chosen is None:
            colours = app.console.color_system
            chosen = SIXTEEN_COLOUR_THEME if colours in ("standard", "windows") else DEFAULT_THEME
            if chosen not in app.available_themes:
                chosen = DEFAULT_THEME if DEFAULT_THEME in app.available_themes else \
                    "textual-dark"
        app.theme = chosen
        return problems

    def remember(self, name: str) -> None:
        """The theme changed: keep it for the next start (after start-up only)."""
        if not self.ready:
            return
        try:
            save_setting("theme", name)
        except OSError as exc:
            self._app.notify(f"Could not remember the theme: {exc}", severity="warning")

    def choose(self, name: str) -> None:
        """Switch theme by name (``dark`` or ``hvtui-dark``); the choice is remembered."""
        app = self._app
        chosen = resolve_theme_name(name, app.available_themes) if name else None
        if chosen is None:
            names = " ".join(sorted(n.removeprefix("hvtui-") for n in app.available_themes
                                    if n.startswith("hvtui-")))
            app.flash(f"No theme {name!r}. Themes: {names}", "critical")
            return
        app.theme = chosen
        app.flash(f"Theme {theme_label(chosen)}", "muted")
