"""Building the session pool: from the inventory file, or the embedded lab."""

from __future__ import annotations

from pathlib import Path

from hvtui.remote.pool import SessionPool


def lab_pool(scenario: str | Path | None = None, *, speed: float = 1.0,
             max_concurrency: int = 64) -> SessionPool:
    """A pool whose hosts are the embedded lab's, in process (no sockets)."""
    from hvtui.lab import Lab  # the lab is only loaded when it is used

    lab = Lab.from_scenario(scenario, speed=speed)
    factories = {name: (lambda name=name: lab.session(name)) for name in lab.host_names}
    return SessionPool(factories, max_concurrency=max_concurrency)
