"""Unexpected errors go to a log file, never to the screen as a traceback.

``$XDG_STATE_HOME/hvtui/hvtui.log`` (or ``$HVTUI_STATE_DIR/hvtui.log``). The file
is opened on the first error only, so a healthy start costs no I/O.
"""

from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path

from hvtui.paths import state_dir

LOG_NAME = "hvtui.log"
_MAX_BYTES = 2_000_000


def log_path() -> Path:
    return state_dir() / LOG_NAME


def log_exception(error: BaseException, context: str = "") -> Path:
    """Append the traceback to the log file; return where it went.

    Never raises: when the log cannot be written the error is dropped (the
    notification the caller shows still tells the user what happened).
    """
    path = log_path()
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    entry = f"--- {stamp} {context or 'unexpected error'}\n{text}\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > _MAX_BYTES:
            path.replace(path.with_suffix(".log.1"))
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, entry.encode("utf-8", "replace"))
        finally:
            os.close(fd)
    except OSError:
        pass
    return path


def one_line(error: BaseException) -> str:
    """``TypeName: message`` cut to one short line, for a notification."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."
