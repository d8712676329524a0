"""Lab: a simulated Hyper-V estate that answers hvtui's catalog scripts.

One Lab holds one :class:`~hvtui.lab.estate.Estate`; every session of the lab sees the
same estate, so a change made through one session is what the next one reads.

Threading: ``LabSession.invoke`` is a coroutine and may be awaited from several asyncio
tasks and from several event loops in different threads (the WinRM and SSH lab servers
run their own loops). All estate reads and writes happen under the estate's
``threading.RLock``, which is never held across an ``await``; long operations release it
while they wait on the lab clock and check the estate again before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hvtui.errors import ConnectError
from hvtui.lab import scenario
from hvtui.lab.clock import LabClock
from hvtui.lab.estate import Estate
from hvtui.lab.session import LabSession


class Lab:
    """A simulated estate of Hyper-V hosts."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        """Everything the lab simulates (mutate only under ``estate.lock``)."""
        self.on_change: Callable[[str, str], None] | None = None
        """Told (host, script name) after each script that changes the estate has ended,
        in the thread that ran it: how a kept lab (``hvtui.lab.kept``) saves itself."""

    @classmethod
    def from_scenario(
        cls, path: str | Path | None = None, *, speed: float = 1.0, instant: bool = False
    ) -> Lab:
        """A lab built from a scenario file (None: the default estate shipped with hvtui).

        ``speed`` is simulated seconds per real second; ``float('inf')`` or ``instant=True``
        completes long operations without sleeping. Raises ``ConfigError`` for a bad file.
        """
        return cls(scenario.load(path, speed=speed, instant=instant))

    @classmethod
    def generated(
        cls,
        hosts: int,
        vms_per_host: int,
        seed: int = 0,
        speed: float = 1.0,
        *,
        instant: bool = False,
    ) -> Lab:
        """A large, realistic, reproducible estate (for benchmarks): hosts x VMs by seed."""
        from hvtui.lab.generate import generate_estate

        return cls(generate_estate(hosts, vms_per_host, seed, speed=speed, instant=instant))

    @property
    def clock(self) -> LabClock:
        return self.estate.clock

    @property
    def host_names(self) -> list[str]:
        """Every host's name, in scenario order."""
        return [host.name for host in self.estate.hosts.values()]

    def session(self, host: str) -> LabSession:
        """A session with one host (by short name or FQDN, any case)."""
        found = self.estate.host(host)
        if found is None:
            known = ", ".join(self.host_names)
            raise ConnectError(
                f"the lab has no host named '{host}'",
                host=host,
                hint=f"use one of the lab's hosts: {known}",
            )
        return LabSession(self, found.name)
