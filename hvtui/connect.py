"""Building the session pool: from the inventory file, or the embedded lab."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hvtui.remote.pool import SessionPool

if TYPE_CHECKING:
    from hvtui.lab import Lab


def lab_pool(scenario: str | Path | None = None, *, speed: float = 1.0,
             max_concurrency: int = 64) -> SessionPool:
    """A pool on a new embedded lab, in process (no sockets); nothing of it is kept."""
    from hvtui.lab import Lab  # the lab is only loaded when it is used

    return pool_of(Lab.from_scenario(scenario, speed=speed), max_concurrency=max_concurrency)


def pool_of(lab: Lab, *, max_concurrency: int = 64,
            on_close: Callable[[], None] | None = None) -> SessionPool:
    """A pool whose hosts are ``lab``'s, in process; ``on_close`` runs when it closes."""
    factories = {name: (lambda name=name: lab.session(name)) for name in lab.host_names}
    return SessionPool(factories, max_concurrency=max_concurrency, on_close=on_close)
