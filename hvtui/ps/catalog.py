"""The catalog of PowerShell scripts hvtui runs on hosts.

One ``.ps1`` file per operation, shipped as package data under ``scripts/``. Each
script starts with a header::

    # hvtui: <name>
    # Mutates: yes|no

and has a ``param()`` block. User values only ever reach a script as named
parameters; no code here builds PowerShell text from data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_PARAM_NAME = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_MUTATES = re.compile(r"^# Mutates: (yes|no)\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Script:
    """One catalog script."""

    name: str
    """File stem, e.g. ``vm-start``."""
    text: str
    """The exact text sent to the host."""
    parameters: tuple[str, ...]
    """Names declared in the ``param()`` block, in order."""
    mutates: bool
    """True when running it changes the host (audited; hidden in read-only mode)."""


def normalize(text: str) -> str:
    """Line endings and trailing whitespace do not change a script's identity."""
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


def _param_block(text: str) -> str:
    """The text inside the top-level ``param( ... )``, matched by parenthesis depth."""
    start = re.search(r"^param\s*\(", text, re.MULTILINE | re.IGNORECASE)
    if start is None:
        return ""
    depth, i = 1, start.end()
    while i < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    return text[start.end() : i - 1]


def _parse(name: str, text: str) -> Script:
    mutates = _MUTATES.search(text)
    if mutates is None:
        raise ValueError(f"catalog script {name}.ps1 lacks its '# Mutates: yes|no' header")
    block = _param_block(text)
    # Names declared at the top level of the block: `[type]$Name` or `$Name = default`.
    names: list[str] = []
    for declaration in re.split(r",\s*\n", block):
        found = _PARAM_NAME.search(re.sub(r"\[[^\]]*\]", "", declaration))
        if found and found.group(1) not in names:
            names.append(found.group(1))
    return Script(name=name, text=text, parameters=tuple(names), mutates=mutates.group(1) == "yes")


@cache
def all_scripts() -> dict[str, Script]:
    """Every catalog script, by name."""
    folder = resources.files("hvtui.ps") / "scripts"
    scripts: dict[str, Script] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".ps1"):
            name = entry.name[: -len(".ps1")]
            scripts[name] = _parse(name, entry.read_text(encoding="utf-8"))
    return scripts


def get(name: str) -> Script:
    """The script called ``name``; KeyError names the known ones."""
    try:
        return all_scripts()[name]
    except KeyError:
        known = ", ".join(all_scripts())
        raise KeyError(f"no catalog script {name!r} (known: {known})") from None


@cache
def _by_text() -> dict[str, Script]:
    return {normalize(s.text): s for s in all_scripts().values()}


def identify(text: str) -> Script | None:
    """The catalog script whose text this is, or None (how the lab recognises a script)."""
    return _by_text().get(normalize(text))
