"""hvtui console on a real terminal (a pseudo-terminal): raw and interactive, the guest
answers what is typed, Ctrl+] leaves and the terminal gets its settings back."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

MAIN = "import sys; from hvtui.cli import main; sys.exit(main())"


def _read_until(fd: int, wanted: bytes, seen: bytearray) -> bytes:
    for _ in range(600):  # up to a minute on a loaded machine
        if wanted in seen:
            return bytes(seen)
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    raise AssertionError(f"never saw {wanted!r} in {bytes(seen)!r}")


def test_interactive_console_round_trips_and_ctrl_bracket_leaves(tmp_path: Path) -> None:
    env = {**os.environ, "HVTUI_STATE_DIR": str(tmp_path / "state"),
           "HVTUI_CONFIG_DIR": str(tmp_path / "config")}
    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", MAIN, "--lab-speed", "inf", "console", "EDGE-LNX01", "--yes"],
        stdin=child, stdout=child, stderr=child, env=env, close_fds=True)
    os.close(child)
    seen = bytearray()
    try:
        _read_until(main, b"Ctrl+] leaves", seen)
        _read_until(main, b"root@edge-lnx01:~# ", seen)
        os.write(main, b"hostname\r")
        _read_until(main, b"hostname\r\nedge-lnx01\r\nroot@edge-lnx01:~# ", seen)
        os.write(main, b"\x1d")
        _read_until(main, b"Left the serial console.", seen)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
