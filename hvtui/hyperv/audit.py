"""The audit trail: one JSON line per change attempt, in the user's state directory.

Each mutating step appends a ``started`` line before anything is sent to a host, and a
second line with its outcome once it ends, whatever ends it: ``succeeded``, ``failed``,
``interrupted`` (Ctrl+C, SIGTERM, SIGHUP, a cancelled job, a crash: the host's state is then
unknown). Both lines carry the same ``change`` id. Plans refused or declined are recorded as
``refused`` / ``cancelled``.

Who acted comes from the operating system (the real uid and its account name in the
password database; ``$USER`` can say anything), and each line names the account hvtui
signs in with on that host (``remote_user``).

No audit, no change: :meth:`AuditLog.record` raises :class:`~hvtui.errors.AuditError` when
the line cannot be written (read-only or missing folder, full disk), and the plan runner
then sends nothing to the host. Parameters are recorded as given; keys that look like
secrets are masked anyway. The file stays safe to ``cat`` or ``tail -f`` on a terminal:
control characters in names are written as JSON escapes.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import pwd
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from hvtui.errors import AuditError
from hvtui.model.text import json_inert
from hvtui.paths import state_dir

_SECRET_WORDS = ("password", "secret", "token", "credential", "key")

OUTCOMES = ("started", "succeeded", "failed", "interrupted", "refused", "cancelled")
"""Every outcome a line may record."""


def default_path() -> Path:
    return state_dir() / "audit.jsonl"


@functools.cache
def os_identity() -> tuple[int, str]:
    """(uid, account name) of the person running hvtui, from the OS, not the environment."""
    uid = os.getuid()
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid without a passwd entry (some containers)
        name = f"uid {uid}"
    return uid, name


def new_change_id() -> str:
    """Pairs a step's ``started`` line with its outcome line."""
    return uuid.uuid4().hex[:16]


def _mask(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: ("***" if any(w in k.lower() for w in _SECRET_WORDS) else v)
            for k, v in params.items()}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    time: str
    user: str
    """The OS account name of the person who acted (from the password database)."""
    host: str
    operation: str
    parameters: dict[str, Any]
    outcome: str
    """One of :data:`OUTCOMES`."""
    message: str = ""
    uid: int | None = None
    """The OS user id of the person who acted."""
    remote_user: str = ""
    """The account hvtui signs in with on ``host`` (as configured)."""
    change: str = ""
    """Shared by a step's ``started`` line and its outcome line."""


_FIELDS = frozenset(f.name for f in fields(AuditEntry))


class AuditLog:
    def __init__(self, path: Path | None = None, *,
                 accounts: Mapping[str, str] | None = None) -> None:
        self.path = path or default_path()
        self.accounts = {k.casefold(): v for k, v in (accounts or {}).items()}
        """Host name -> the account hvtui signs in with there (``remote_user``)."""

    def _fail(self, exc: OSError) -> AuditError:
        why = exc.strerror or str(exc)
        return AuditError(f"{self.path}: {why}",
                          hint="hvtui makes no change it cannot record: make the folder "
                               "writable (or free some space), or set HVTUI_STATE_DIR to a "
                               "writable folder")

    def ensure_writable(self) -> None:
        """Raise :class:`AuditError` now when the log cannot even be opened for appending."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
        except OSError as exc:
            raise self._fail(exc) from None

    def record(self, host: str, operation: str, parameters: Mapping[str, Any], outcome: str,
               message: str = "", *, change: str = "") -> AuditEntry:
        """Append one line; raises :class:`AuditError` when it cannot be written whole."""
        uid, name = os_identity()
        entry = AuditEntry(
            time=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            user=name,
            host=host,
            operation=operation,
            parameters=_mask(parameters),
            outcome=outcome,
            message=message,
            uid=uid,
            remote_user=self.accounts.get(host.casefold(), ""),
            change=change,
        )
        data = (json_inert(json.dumps(_as_dict(entry), ensure_ascii=False, default=str))
                + "\n").encode("utf-8", "backslashreplace")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One write of one line with O_APPEND: concurrent hvtui processes never interleave.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(fd, data)
            finally:
                os.close(fd)
        except OSError as exc:
            raise self._fail(exc) from None
        if written != len(data):  # a file-size limit cut the line short
            raise self._fail(OSError(0, f"only {written} of {len(data)} bytes written"))
        return entry

    def entries(self, limit: int | None = None) -> list[AuditEntry]:
        """The newest ``limit`` entries, oldest first; unreadable lines are skipped."""
        if not self.path.exists():
            return []
        out: list[AuditEntry] = []
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    data = json.loads(line)
                    out.append(AuditEntry(**{k: v for k, v in data.items() if k in _FIELDS}))
                except (ValueError, TypeError, AttributeError):
                    continue
        return out[-limit:] if limit else out


def _as_dict(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in AuditEntry.__slots__}
