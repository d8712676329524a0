"""The embedded lab, kept between runs: one estate file in the lab's state folder.

A real estate does not forget a started VM when the console that started it exits, so the
lab does not either. ``estate.json`` in the lab's state folder (:mod:`hvtui.lab.state_folder`,
held by this process) holds the estate (:mod:`hvtui.lab.estate_codec`), which scenario it
was built from, and the last changes made to it. It is written after every script that
changes the estate and when the run ends, atomically (a temporary file renamed over it,
owner-only from the first byte), so a reader never sees half a file.

A file that cannot be read, comes from another version of hvtui, or was built from another
scenario is named in one line (:attr:`KeptLab.notice`), set aside as
``estate.json.unreadable`` when unreadable, and replaced by a fresh lab. The clock resumes
where it was, plus the real time that passed meanwhile (the estate lived on). It holds no
secret: the lab's password and keys live in their own files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hvtui.lab import scenario
from hvtui.lab.estate_codec import FORMAT, SCHEMA, EstateDataError, decode, encode
from hvtui.lab.lab import Lab
from hvtui.lab.state_folder import LabFolder

ESTATE_FILE = "estate.json"
UNREADABLE = "estate.json.unreadable"
HISTORY = 50
"""How many of the latest changes the file remembers (for ``hvtui lab reset``)."""


@dataclass(frozen=True, slots=True)
class Origin:
    """The scenario an estate was built from."""

    label: str
    digest: str
    """SHA-256 of the scenario's text (a changed file makes a different lab)."""


def origin_of(path: str | Path | None) -> Origin:
    file = Path(path) if path is not None else scenario.default_scenario()
    label = f"scenario {Path(path).resolve()}" if path is not None else "the default estate"
    try:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()[:16]
    except OSError:
        digest = ""  # scenario.load says what is wrong with it
    return Origin(label, digest)


@dataclass(frozen=True, slots=True)
class Change:
    at: str
    """When, in UTC (ISO 8601, wall clock)."""
    host: str
    script: str

    def describe(self) -> str:
        return f"{self.script} on {self.host}"


@dataclass(frozen=True, slots=True)
class Summary:
    """What a kept-lab file says about itself, without reading the estate."""

    origin: str
    created: str
    saved: str
    changes: int
    latest: tuple[Change, ...]

    def describe(self) -> str:
        text = f"{self.origin}, kept since {_short(self.created)}"
        if not self.changes:
            return text + ", unchanged"
        shown = ", ".join(c.describe() for c in self.latest[-3:])
        more = self.changes - min(3, len(self.latest))
        return (f"{text}, {self.changes} change{'s' if self.changes != 1 else ''} "
                f"({'latest: ' if more else ''}{shown}), last at {_short(self.latest[-1].at)}")


def _short(moment: str) -> str:
    try:
        return dt.datetime.fromisoformat(moment).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return moment


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class KeptLab:
    """A lab whose estate lives in a state folder this process holds."""

    def __init__(self, lab: Lab, folder: LabFolder, origin: Origin, *, created: str,
                 changes: int, latest: list[Change], notice: str | None) -> None:
        self.lab = lab
        self.folder = folder
        self.origin = origin
        self.notice = notice
        """One line about a kept file that was not used (None when all went as expected)."""
        self.problem: str | None = None
        """Why the last save failed (None once one succeeds)."""
        self._created = created
        self._changes = changes
        self._latest = latest
        self._write = threading.Lock()
        lab.on_change = self._changed

    @property
    def path(self) -> Path:
        return self.folder.folder / ESTATE_FILE

    @classmethod
    def open(cls, folder: LabFolder, scenario_path: str | Path | None = None, *,
             speed: float = 1.0) -> KeptLab:
        """The lab kept in ``folder`` if it fits ``scenario_path``; else a fresh one (with a
        :attr:`notice` saying why the kept one was not used)."""
        origin = origin_of(scenario_path)
        path = folder.folder / ESTATE_FILE
        notice: str | None = None
        try:
            kept = _read(path, origin, speed)
        except FileNotFoundError:
            kept = None
        except _NotUsed as exc:
            notice = f"{exc.why}; starting a fresh lab from {origin.label}"
            if exc.set_aside:
                with contextlib.suppress(OSError):
                    path.replace(folder.folder / UNREADABLE)
                notice += f" (the old file is kept as {folder.folder / UNREADABLE})"
            kept = None
        if kept is not None:
            lab, created, changes, latest = kept
            return cls(lab, folder, origin, created=created, changes=changes, latest=latest,
                       notice=None)
        lab = Lab.from_scenario(scenario_path, speed=speed)
        return cls(lab, folder, origin, created=_now(), changes=0, latest=[], notice=notice)

    def _changed(self, host: str, script_name: str) -> None:
        with self._write:
            self._changes += 1
            self._latest = [*self._latest, Change(_now(), host, script_name)][-HISTORY:]
        self.save()

    def save(self) -> None:
        """Write the estate as it is now; a failure is kept in :attr:`problem`."""
        with self._write:
            with self.lab.estate.lock:
                estate = encode(self.lab.estate)
            document = {
                "hvtui_lab_estate": FORMAT,
                "schema": SCHEMA,
                "origin": {"label": self.origin.label, "digest": self.origin.digest},
                "created": self._created,
                "saved": _now(),
                "saved_unix": time.time(),
                "changes": self._changes,
                "latest": [{"at": c.at, "host": c.host, "script": c.script}
                           for c in self._latest],
                "estate": estate,
            }
            try:
                write_atomically(self.path, json.dumps(document, ensure_ascii=False,
                                                       separators=(",", ":")).encode())
            except OSError as exc:
                self.problem = (f"the lab's changes could not be saved to {self.path} "
                                f"({exc.strerror or exc}); the next command starts from the "
                                "last state saved")
            else:
                self.problem = None

    def close(self) -> str | None:
        """Save (the clock moved on) and stop saving; returns :attr:`problem`, if any."""
        self.save()
        self.lab.on_change = None
        return self.problem


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step, owner-only from the first byte."""
    temporary = path.with_name(path.name + f".{os.getpid()}.new")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


class _NotUsed(Exception):
    def __init__(self, why: str, *, set_aside: bool) -> None:
        super().__init__(why)
        self.why = why
        self.set_aside = set_aside


def _read(path: Path, origin: Origin, speed: float
          ) -> tuple[Lab, str, int, list[Change]]:
    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise _NotUsed(f"the lab kept in {path} cannot be read ({exc.strerror or exc})",
                       set_aside=False) from None
    except ValueError as exc:  # not UTF-8, not JSON
        raise _NotUsed(f"the lab kept in {path} is damaged (not JSON: {exc})",
                       set_aside=True) from None
    summary = summary_of(document, path)
    if document.get("hvtui_lab_estate") != FORMAT or document.get("schema") != SCHEMA:
        raise _NotUsed(f"the lab kept in {path} was written by another version of hvtui",
                       set_aside=False)
    if document.get("origin") != {"label": origin.label, "digest": origin.digest}:
        earlier = "an earlier version of " if summary.origin == origin.label else ""
        raise _NotUsed(f"the lab kept in {path} was built from {earlier}{summary.origin}",
                       set_aside=False)
    saved = document.get("saved_unix")
    idle = time.time() - saved if isinstance(saved, int | float) else 0.0
    try:
        estate = decode(document.get("estate"), speed=speed, idle=idle)
    except EstateDataError as exc:
        raise _NotUsed(f"the lab kept in {path} is damaged ({exc})", set_aside=True) from None
    return Lab(estate), summary.created, summary.changes, list(summary.latest)


def summary_of(document: Any, path: Path) -> Summary:
    """The header of a kept-lab file; raises :class:`_NotUsed` when it has none."""
    if not isinstance(document, dict):
        raise _NotUsed(f"the lab kept in {path} is damaged (not an estate file)", set_aside=True)
    origin = document.get("origin")
    label = origin.get("label") if isinstance(origin, dict) else None
    latest = document.get("latest")
    changes = document.get("changes")
    items = latest if isinstance(latest, list) else []
    return Summary(
        origin=label if isinstance(label, str) else "an unknown scenario",
        created=str(document.get("created", "")),
        saved=str(document.get("saved", "")),
        changes=changes if isinstance(changes, int) else 0,
        latest=tuple(Change(str(c.get("at", "")), str(c.get("host", "")),
                            str(c.get("script", "")))
                     for c in items if isinstance(c, dict)),
    )


def reset(folder: LabFolder) -> str:
    """Forget the lab kept in ``folder`` (held by this process); say what was discarded."""
    path = folder.folder / ESTATE_FILE
    aside = folder.folder / UNREADABLE
    try:
        document = json.loads(path.read_bytes())
        what = summary_of(document, path).describe()
    except FileNotFoundError:
        what = ""
    except (OSError, ValueError, _NotUsed):
        what = "a damaged file"
    removed = []
    for file in (path, aside):
        with contextlib.suppress(FileNotFoundError):
            file.unlink()
            removed.append(file)
    if not removed:
        return f"nothing to reset: no lab is kept in {folder.folder}"
    if not what:
        what = "a damaged file"
    return (f"discarded the lab kept in {path} ({what}); the next command starts a fresh "
            "lab")
