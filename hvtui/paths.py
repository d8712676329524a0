"""Where hvtui keeps its own files (audit log, crash logs, the lab's state).

A module of its own, below every layer: the client side and the lab both need the folder,
and neither may import the other.
"""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """``$XDG_STATE_HOME/hvtui`` (``~/.local/state/hvtui``), or ``HVTUI_STATE_DIR``."""
    override = os.environ.get("HVTUI_STATE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "hvtui"


def lab_dir() -> Path:
    """The embedded lab's state folder (its kept estate; ``hvtui lab serve``'s secrets)."""
    return state_dir() / "lab"
