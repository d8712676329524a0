"""Helpers shared by the console's Pilot and snapshot tests (no tests here).

Every console test runs on the real embedded lab (``hvtui.connect.lab_pool``,
speed = inf) with its clock frozen, so what is shown is the same on every run.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from hvtui.remote.pool import SessionPool
from hvtui.screenshots.panes import LAB_START, frozen_lab_pool, until_shown
from hvtui.ui.app import HvtuiApp, make_app

_TEXT = re.compile(r'<text[^>]*\sx="([\d.]+)"\sy="([\d.]+)"[^>]*clip-path="url\(#[\w-]*-line-\d+\)"'
                   r'[^>]*>(.*?)</text>', re.S)


def console(pool: SessionPool | None = None, **kwargs: Any) -> HvtuiApp:
    """The console as the CLI builds it, on the frozen lab, with a frozen 'now'."""
    kwargs.setdefault("theme", "dark")
    kwargs.setdefault("refresh_interval", 3600)
    kwargs.setdefault("clock", lambda: LAB_START)
    return make_app(pool if pool is not None else frozen_lab_pool(), **kwargs)


def screen_lines(app: HvtuiApp) -> list[str]:
    """What the terminal shows, line by line (from the app's own SVG export)."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in _TEXT.findall(svg):
        rows.setdefault(float(y), []).append((float(x), html.unescape(text)))
    out = []
    for y in sorted(rows):
        out.append("".join(t for _, t in sorted(rows[y])).replace("\xa0", " ").rstrip())
    return out


def screen_text(app: HvtuiApp) -> str:
    return "\n".join(screen_lines(app))


def table_rows(app: HvtuiApp) -> Iterator[tuple[str, ...]]:
    """The current pane's rows in the order shown (all of them, not only the visible ones)."""
    for row in app.main_screen.table.model.view:
        yield row.cells


__all__ = ["LAB_START", "console", "screen_lines", "screen_text", "table_rows", "until_shown"]
