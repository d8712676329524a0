"""The embedded Hyper-V lab: a simulated estate that answers hvtui's catalog scripts.

``Lab.from_scenario()`` opens the default estate; ``lab.session(host)`` is a
``hvtui.remote.base.Session`` for one of its hosts (hvtui's in-process "lab" transport,
and what the lab's WinRM and SSH servers answer with).
"""

from hvtui.lab.clock import LabClock
from hvtui.lab.lab import Lab
from hvtui.lab.session import LabSession

__all__ = ["Lab", "LabClock", "LabSession"]
