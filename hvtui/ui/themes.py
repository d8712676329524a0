"""Themes are data: TOML files loaded into :class:`textual.theme.Theme` at start.

The packaged themes live in the top-level ``themes/`` directory, which the wheel
ships as the package ``hvtui.themes`` (read through importlib.resources, so an
installed wheel works too). Users may add their own in ``<config dir>/themes/``.
A file that does not load is skipped and reported (once) with the reason; the
console falls back to the default theme.

File format::

    name = "hvtui-dark"        # what --theme, the settings file and the palette use
    dark = true
    ansi = false               # true: ANSI colour names only (16-colour terminals)
    [colors]                   # Textual's base colours; primary is required
    primary = "#4f9ee8"
    [roles]                    # hvtui's semantic roles -> CSS variables $hv-<role>
    running = "#3fb950"
    [variables]                # any other Textual theme variable
    "block-cursor-background" = "#264f78"
"""

from __future__ import annotations

import importlib.resources
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from hvtui.config import config_dir
from hvtui.ui.render import ROLES

DEFAULT_THEME = "hvtui-dark"
SIXTEEN_COLOUR_THEME = "hvtui-16"
_BASE_COLOURS = ("primary", "secondary", "warning", "error", "success", "accent",
                 "foreground", "background", "surface", "panel", "boost")
_TOP_KEYS = {"name", "dark", "ansi", "description", "colors", "roles", "variables"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


class ThemeFileError(ValueError):
    """A theme file that cannot be used, with the reason in plain words."""


@dataclass(slots=True)
class ThemeLoad:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """One line per file that failed: ``<file>: <reason>``."""
    descriptions: dict[str, str] = field(default_factory=dict)


def _colour(value: object, where: str, ansi: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ThemeFileError(f"{where} must be a colour string, not {value!r}")
    text = value.strip()
    if ansi and not text.startswith("ansi_"):
        raise ThemeFileError(f"{where} = {text!r}: an ansi theme may only use ANSI colour "
                             "names such as ansi_green or ansi_bright_red")
    try:
        Color.parse(text)
    except ColorParseError:
        raise ThemeFileError(f"{where} = {text!r} is not a colour") from None
    return text


_TEXT_STYLES = {"bold", "italic", "reverse", "underline", "strike", "dim", "none", "not"}
_PERCENT = re.compile(r"^\d{1,3}%$")


def _variable(value: object, where: str) -> str:
    """A Textual variable value: a colour (optionally with an alpha %) or text styles.

    Checked here because a bad value would otherwise break the stylesheet at start.
    """
    if not isinstance(value, str) or not value.strip():
        raise ThemeFileError(f"{where} must be a non-empty string")
    tokens = value.split()
    if all(t in _TEXT_STYLES for t in tokens):
        return value
    try:
        Color.parse(tokens[0])
    except ColorParseError:
        raise ThemeFileError(f"{where} = {value!r} is neither a colour nor a text style") from None
    if len(tokens) > 2 or (len(tokens) == 2 and not _PERCENT.match(tokens[1])):
        raise ThemeFileError(f"{where} = {value!r}: expected a colour and an optional alpha %")
    return value


def theme_from_data(data: dict[str, Any]) -> tuple[Theme, str]:
    """Validate parsed TOML and build the Theme; returns it with its description."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ThemeFileError(f"unknown key(s) {', '.join(sorted(unknown))} "
                             f"(expected {', '.join(sorted(_TOP_KEYS))})")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ThemeFileError(f"name must be lower-case letters, digits and dashes, not {name!r}")
    dark = data.get("dark", True)
    ansi = data.get("ansi", False)
    if not isinstance(dark, bool) or not isinstance(ansi, bool):
        raise ThemeFileError("dark and ansi must be true or false")
    colours = data.get("colors", {})
    roles = data.get("roles", {})
    variables = data.get("variables", {})
    for section, value in (("colors", colours), ("roles", roles), ("variables", variables)):
        if not isinstance(value, dict):
            raise ThemeFileError(f"[{section}] must be a table")
    bad = set(colours) - set(_BASE_COLOURS)
    if bad:
        raise ThemeFileError(f"[colors] has unknown name(s) {', '.join(sorted(bad))}")
    if "primary" not in colours:
        raise ThemeFileError("[colors] needs at least primary")
    bad = set(roles) - set(ROLES)
    if bad:
        raise ThemeFileError(f"[roles] has unknown role(s) {', '.join(sorted(bad))} "
                             f"(roles: {', '.join(ROLES)})")
    base = {key: _colour(value, f"colors.{key}", ansi) for key, value in colours.items()}
    theme_vars: dict[str, str] = {}
    for key, value in variables.items():
        theme_vars[str(key)] = _variable(value, f"variables.{key}")
    for role, value in roles.items():
        theme_vars[f"hv-{role}"] = _colour(value, f"roles.{role}", ansi)
    if ansi:
        # Textual's stylesheet refers to these whenever a theme uses ANSI colours
        theme_vars.setdefault("ansi-background", "ansi_default")
        theme_vars.setdefault("ansi-foreground", "ansi_default")
    description = data.get("description", "")
    theme = Theme(
        name=name, primary=base["primary"], secondary=base.get("secondary"),
        warning=base.get("warning"), error=base.get("error"), success=base.get("success"),
        accent=base.get("accent"), foreground=base.get("foreground"),
        background=base.get("background"), surface=base.get("surface"),
        panel=base.get("panel"), boost=base.get("boost"), dark=dark, ansi=ansi,
        variables=theme_vars,
    )
    return theme, str(description)


def load_theme_text(text: str) -> tuple[Theme, str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"not valid TOML: {exc}") from None
    return theme_from_data(data)


def _packaged() -> Iterable[tuple[str, str]]:
    root = importlib.resources.files("hvtui.themes")
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml") and entry.is_file():
            yield f"themes/{entry.name}", entry.read_text(encoding="utf-8")


def _user(directory: Path) -> Iterable[tuple[str, str]]:
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.toml")):
        try:
            yield str(path), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            yield str(path), f"\x00unreadable: {exc}"


def load_themes(user_dir: Path | None = None) -> ThemeLoad:
    """Every packaged and user theme that loads, and a line for each that does not."""
    result = ThemeLoad()
    seen: set[str] = set()
    sources = [*_packaged(), *_user(user_dir or config_dir() / "themes")]
    for where, text in sources:
        try:
            if text.startswith("\x00"):
                raise ThemeFileError(text[1:])
            theme, description = load_theme_text(text)
        except ThemeFileError as exc:
            result.problems.append(f"{where}: {exc}")
            continue
        if theme.name in seen and where.startswith("themes/"):
            result.problems.append(f"{where}: a theme named {theme.name!r} is already loaded")
            continue
        seen.add(theme.name)
        result.themes = [t for t in result.themes if t.name != theme.name] + [theme]
        result.descriptions[theme.name] = description
    return result


def theme_label(name: str) -> str:
    """How a theme is named to people everywhere (help, command line, palette, messages):
    ``dark`` for ``hvtui-dark``, which ``:theme dark`` accepts."""
    return name.removeprefix("hvtui-")


def resolve_theme_name(wanted: str, available: Iterable[str]) -> str | None:
    """``dark`` -> ``hvtui-dark``; exact names win; None when nothing matches."""
    names = list(available)
    text = wanted.strip().lower()
    if text in names:
        return text
    if f"hvtui-{text}" in names:
        return f"hvtui-{text}"
    return None
