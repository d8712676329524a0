"""The audit trail: one JSON line per change attempt, in the user's state directory.

Each mutating operation appends {time, user, host, operation, parameters, outcome,
message}. Parameters are recorded as given (VM names, paths, sizes); secrets never
reach an operation's parameters, and keys that look like secrets are masked anyway.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SECRET_WORDS = ("password", "secret", "token", "credential", "key")


def state_dir() -> Path:
    """``$XDG_STATE_HOME/hvtui`` (``~/.local/state/hvtui``), or ``HVTUI_STATE_DIR``."""
    override = os.environ.get("HVTUI_STATE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "hvtui"


def default_path() -> Path:
    return state_dir() / "audit.jsonl"


def _mask(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: ("***" if any(w in k.lower() for w in _SECRET_WORDS) else v)
            for k, v in params.items()}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    time: str
    user: str
    host: str
    operation: str
    parameters: dict[str, Any]
    outcome: str
    """``started``, ``succeeded``, ``failed``, ``refused`` or ``cancelled``."""
    message: str = ""


class AuditLog:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def record(self, host: str, operation: str, parameters: Mapping[str, Any], outcome: str,
               message: str = "") -> AuditEntry:
        entry = AuditEntry(
            time=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            user=getpass.getuser(),
            host=host,
            operation=operation,
            parameters=_mask(parameters),
            outcome=outcome,
            message=message,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(_as_dict(entry),
                          ensure_ascii=False, default=str)
        # One write of one line with O_APPEND: concurrent hvtui processes never interleave.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)
        return entry

    def entries(self, limit: int | None = None) -> list[AuditEntry]:
        """The newest ``limit`` entries, oldest first; unreadable lines are skipped."""
        if not self.path.exists():
            return []
        out: list[AuditEntry] = []
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    data = json.loads(line)
                    out.append(AuditEntry(**data))
                except (ValueError, TypeError):
                    continue
        return out[-limit:] if limit else out


def _as_dict(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in AuditEntry.__slots__}
