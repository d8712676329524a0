"""With standard input closed (cron, CI) the CLI refuses to ask and says so; no traceback."""

from __future__ import annotations

import os
import subprocess
import sys


def run_without_stdin(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hvtui.cli", "--lab-speed", "inf", *argv],
        preexec_fn=lambda: os.close(0),  # sys.stdin is None in the child
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_destructive_change_is_refused_without_a_terminal() -> None:
    done = run_without_stdin("vm", "turn-off", "LEGACY-SQL")
    assert done.returncode == 2
    assert "no terminal to ask on" in done.stderr and "--yes" in done.stderr
    assert "Traceback" not in done.stderr


def test_harmless_read_still_works() -> None:
    done = run_without_stdin("get", "hosts")
    assert done.returncode == 0 and "HV-NODE1" in done.stdout


def test_console_without_a_terminal_says_what_to_use() -> None:
    done = run_without_stdin()
    assert done.returncode == 2
    assert "needs a terminal" in done.stderr and "hvtui get" in done.stderr
    assert "Traceback" not in done.stderr
