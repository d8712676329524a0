"""The lab's state folder, and the lock that gives it to one process at a time.

The folder (``$XDG_STATE_HOME/hvtui/lab`` by default, mode 0700) holds what the lab keeps
between runs: the estate (:mod:`hvtui.lab.kept`) and, for ``hvtui lab serve``, its ports
and secrets (:mod:`hvtui.lab.server.state`). Whoever uses the lab holds an exclusive
``flock`` on ``lock`` for as long as it does, with its process id and role written inside,
so whoever comes next can say who has it:

- ``serve``: ``hvtui lab serve``, for as long as it serves;
- ``console``: the console on the embedded lab, for as long as it is open;
- ``cli``: one ``hvtui`` command on the embedded lab, for as long as it runs.

A command waits a while for another command to finish (they are short); everything else
is refused at once with a line that names the holder and what to do. The lock is the
kernel's: it goes away with its process, however that process ends.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self

from hvtui.errors import LabInUse

Role = Literal["serve", "console", "cli"]

COMMAND_WAIT = 30.0
"""Seconds a command waits for another command to finish with the lab."""

_POLL = 0.1


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a lab folder, as the lock file says."""

    pid: str
    role: str
    """A :data:`Role`, or '' when the holder has not written it yet."""

    def describe(self) -> str:
        who = {"serve": "`hvtui lab serve`", "console": "the hvtui console",
               "cli": "another hvtui command"}.get(self.role, "another hvtui")
        return f"{who} (process {self.pid})"


class LabFolder:
    """A lab state folder, held by this process (use :meth:`take`, then :meth:`release`)."""

    def __init__(self, folder: Path, lock_fd: int, role: Role) -> None:
        self.folder = folder
        self.role: Role = role
        self._lock_fd: int | None = lock_fd

    @classmethod
    def take(cls, folder: Path, role: Role, *, wait: float = 0.0,
             waiting: Callable[[Holder], None] | None = None) -> Self:
        """Hold ``folder`` (made owner-only) for this process, in ``role``.

        When another command holds it, waits up to ``wait`` seconds (telling ``waiting``
        once); raises :class:`LabInUse` naming the holder otherwise.
        """
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fd)
                if holder.role in ("cli", "") and time.monotonic() < deadline:
                    if waiting is not None and not told:
                        waiting(holder)
                        told = True
                    time.sleep(_POLL)
                    continue
                os.close(fd)
                raise _busy(folder, role, holder, wait) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {role}\n".encode("ascii"), 0)
        return cls(folder, fd, role)

    def release(self) -> None:
        """Let another process take the folder."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing drops the lock
            self._lock_fd = None

    @property
    def held(self) -> bool:
        return self._lock_fd is not None


def _holder(fd: int) -> Holder:
    words = os.pread(fd, 64, 0).decode("ascii", "replace").split()
    return Holder(words[0] if words else "unknown", words[1] if len(words) > 1 else "")


def _busy(folder: Path, role: Role, holder: Holder, waited: float) -> LabInUse:
    if role == "serve":
        if holder.role == "serve":
            return LabInUse(f"another `hvtui lab serve` (process {holder.pid}) is serving "
                               f"from {folder}",
                               hint="stop that one first, or give this one its own folder "
                                    "with --state-dir")
        return LabInUse(f"the lab in {folder} is in use by {holder.describe()}",
                           hint="let it finish (close the console) first, or give this run "
                                "its own folder with --state-dir")
    if holder.role == "serve":
        return LabInUse(f"the embedded lab is being served by {holder.describe()} from "
                           f"{folder}",
                           hint="stop it first, or use it through the inventory file it "
                                "wrote: hvtui --inventory FILE ...")
    if holder.role == "console":
        return LabInUse(f"the embedded lab is open in {holder.describe()}",
                           hint="make the change there or close it first; to share one lab "
                                "between a console and commands, run `hvtui lab serve "
                                "--write-inventory lab.toml` and use --inventory lab.toml")
    return LabInUse(f"the embedded lab is still in use by {holder.describe()} after "
                       f"{waited:g} s",
                       hint="wait for that command to finish, or stop it")
