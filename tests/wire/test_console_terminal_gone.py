"""The console in a real pseudo-terminal that goes away, as when the SSH session to the jump
box drops or tmux is killed: the process must end (130, as on SIGHUP), log no crash, and free
the embedded lab for the next command. Textual alone hangs for ever there (its writer thread
dies on the first failed write), holding the lab's lock."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from lab_cli import run_cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals")


def console_in_a_pty() -> tuple[subprocess.Popen[bytes], int]:
    """``hvtui`` on the embedded lab in a new pseudo-terminal (not its controlling terminal,
    so closing it sends no SIGHUP: only failed reads and writes tell); returns the process and
    the terminal's master side once the first frame is drawn."""
    env = dict(os.environ, TERM="xterm-256color")  # keeps this test's state and config folders
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "hvtui.cli"], stdin=slave, stdout=slave,
                            stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 120  # a liveness bound for a loaded machine, not a timing
    while b"Hosts" not in seen and time.monotonic() < deadline and proc.poll() is None:
        if select.select([master], [], [], 1)[0]:
            seen += os.read(master, 65536)
    assert b"Hosts" in seen, seen[-2000:]
    return proc, master


def ended(proc: subprocess.Popen[bytes]) -> int:
    try:
        return proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the console kept running after its terminal went away") from None


def test_a_closed_terminal_ends_the_console_and_frees_the_lab(
        state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proc, master = console_in_a_pty()
    os.close(master)  # the terminal goes away; no signal comes
    assert ended(proc) == 130
    assert not (state_dir / "hvtui.log").exists()  # no crash logged
    code, out, err = run_cli(capsys, "get", "vms")  # the lab is free again
    assert code == 0 and "DC01" in out, err


def test_sighup_ends_the_console_when_its_terminal_no_longer_reads(state_dir: Path) -> None:
    proc, master = console_in_a_pty()
    try:
        # The terminal stays open but nobody reads it: the console's writes block in the
        # kernel, so it cannot finish exiting normally; it ends anyway after its grace time.
        os.killpg(proc.pid, signal.SIGHUP)
        assert ended(proc) == 130
    finally:
        os.close(master)
    assert not (state_dir / "hvtui.log").exists()
