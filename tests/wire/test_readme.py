"""Every ``hvtui`` command the README shows runs as written, in README order, on the lab.

The commands come from the README's ``sh`` blocks (and the ``$ hvtui`` line of its ``text``
blocks, whose output must match what the README shows). They share one private state
folder, as a person's commands share their own, so a later command sees what an earlier one
changed (``guest-services X on && copy-file X ...``). The console runs on a terminal (a
pseudo-terminal) and is quit with ``q``; ``lab serve`` is stopped with Ctrl+C once it is
ready and its inventory has been used. Destructive commands ask on the terminal and are
answered ``y``, as their documentation says. The lab's clock runs at ``HVTUI_LAB_SPEED=inf``
so long operations (an export) end at once; the commands themselves are as written.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shlex
import signal
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from hvtui import cli

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

VM_FOR = {"start": "BUILD01", "stop": "BUILD01", "turn-off": "CENTOS-MON",
          "save": "WIN2019-WEB", "pause": "K8S-NODE1", "resume": "K8S-NODE1",
          "restart": "APP2016", "checkpoint": "DC01"}
"""The template ``hvtui vm start|stop|... VM``: each verb on a VM in a state it applies to
(in the default estate, after the verbs before it)."""


@dataclass(frozen=True)
class Shown:
    """One command as the README shows it."""

    text: str
    argv: tuple[str, ...]
    output: str | None = None
    """What the README shows it printing (None: it shows no output)."""


def readme_commands() -> list[Shown]:
    found: list[Shown] = []
    readme = README.read_text(encoding="utf-8")
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", readme, re.S | re.M):
        if lang == "text":
            lines = body.splitlines()
            for n, line in enumerate(lines):
                if line.startswith("$ hvtui"):
                    output = "\n".join(lines[n + 1:])
                    found.append(Shown(line[2:], tuple(shlex.split(line[2:])), output))
            continue
        if lang != "sh":
            continue
        for line in body.splitlines():
            for part in re.sub(r"\s+#\s.*$", "", line).split("&&"):
                argv = tuple(shlex.split(part))
                if argv and argv[0] == "hvtui":
                    found.extend(_expand(part.strip(), argv))
    return found


def _expand(text: str, argv: tuple[str, ...]) -> list[Shown]:
    """``vm start|stop|... VM`` stands for one command per verb."""
    if len(argv) == 4 and argv[1] == "vm" and "|" in argv[2] and argv[3] == "VM":
        return [Shown(f"hvtui vm {verb} {VM_FOR[verb]}", ("hvtui", "vm", verb, VM_FOR[verb]))
                for verb in argv[2].split("|")]
    return [Shown(text, argv)]


# --- how each kind of command runs -----------------------------------------------------------


def run_command(argv: tuple[str, ...], capsys: pytest.CaptureFixture[str],
                monkeypatch: pytest.MonkeyPatch, answer: str = "") -> tuple[int, str, str]:
    """A command in this process, its standard input a terminal holding ``answer``."""
    master, slave = pty.openpty()
    os.write(master, (answer + "\n").encode())
    with os.fdopen(slave, "r", encoding="utf-8") as terminal, monkeypatch.context() as patch:
        patch.setattr(sys, "stdin", terminal)
        try:
            code = cli.main(list(argv[1:]))
        finally:
            os.close(master)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_console(argv: tuple[str, ...], cwd: Path, timeout: float = 120) -> tuple[int, str]:
    """The console on a 120x40 pseudo-terminal: wait for the estate, then press q."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    process = subprocess.Popen([sys.executable, "-m", "hvtui.cli", *argv[1:]], stdin=slave,
                               stdout=slave, stderr=slave, env=env, cwd=cwd,
                               start_new_session=True)
    os.close(slave)
    seen = b""
    quit_sent = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:  # the terminal closed: the console has ended
                    break
            if not quit_sent and b"HV-NODE1" in seen:
                time.sleep(0.5)
                os.write(master, b"q")
                quit_sent = True
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    assert quit_sent, f"the console never showed the estate: {seen[-2000:]!r}"
    return code, seen.decode("utf-8", "replace")


def start_server(argv: list[str], cwd: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen([sys.executable, "-m", "hvtui.cli", *argv], cwd=cwd, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert server.stdout is not None
    lines = []
    for line in server.stdout:
        lines.append(line)
        if line.strip() == "READY":
            return server, "".join(lines)
    server.wait(timeout=30)
    raise AssertionError(f"lab serve did not start: {''.join(lines)} "
                         f"{server.stderr.read() if server.stderr else ''}")


def stop_server(server: subprocess.Popen[str]) -> int:
    server.send_signal(signal.SIGINT)  # Ctrl+C, as the README says
    server.communicate(timeout=60)
    return server.returncode


# --- the test --------------------------------------------------------------------------------

CONSOLES = {"hvtui", "hvtui --inventory hosts.toml", "hvtui --read-only"}
SERVERS = {"hvtui lab serve --write-inventory lab.toml",
           "hvtui lab serve --write-inventory lab.toml --winrm-auth ntlm"}
ANSWERED = {"hvtui vm turn-off CENTOS-MON", "hvtui vm restart APP2016",
            "hvtui disk remove LEGACY-SQL 'SCSI 0:1'"}
"""Destructive: they ask on the terminal, and the person answers y."""


def test_the_readme_lists_these_commands() -> None:
    """A command added to the README gets a line here (and so is run below)."""
    texts = [c.text for c in readme_commands()]
    assert texts == [
        "hvtui", "hvtui", "hvtui --inventory hosts.toml", "hvtui --read-only",
        "hvtui get vms -o json", "hvtui get disks --host HV-NODE1", "hvtui doctor",
        "hvtui lab serve --write-inventory lab.toml",
        "hvtui lab serve --write-inventory lab.toml --winrm-auth ntlm", "hvtui lab reset",
        "hvtui doctor HV-NODE1 HV-LEGACY HV-2016 HV-2025",
        "hvtui migrate LEGACY-SQL --to HV-DR1 --include-storage --storage-path "
        "'E:\\VMs\\LEGACY-SQL' --dry-run",
        "hvtui resize-vhd 経理-DB01 'SCSI 0:0' +20G",
        "hvtui export JUMP01 'E:\\Exports'",
        "hvtui enhanced-session HV-DR1 on",
        "hvtui guest-services DR-DC02 on",
        "hvtui copy-file DR-DC02 'C:\\Tools\\BGInfo\\Bginfo.exe' 'C:\\Temp\\Bginfo.exe'",
        "hvtui disk add LEGACY-SQL 'D:\\VMs\\LEGACY-SQL\\Logs.vhdx' --new 20G",
        "hvtui disk remove LEGACY-SQL 'SCSI 0:1'",
        "hvtui iso mount LEGACY-SQL 'D:\\ISO\\WindowsServer2012R2-Eval.iso'",
        "hvtui iso eject LEGACY-SQL",
        *(f"hvtui vm {verb} {vm}" for verb, vm in VM_FOR.items()),
        "hvtui vm new HV-2022 WEB-03 --memory 4GB --disk-size 80GB --switch External-LAN "
        "--dry-run",
        # Networking (issue 11)
        "hvtui nic add MÜN-FS01 --name Backup --switch External-LAN",
        "hvtui nic set MÜN-FS01 Backup --vlan 20 --dhcp-guard on",
        "hvtui switch new HV-2019 Storage --type external --adapter 'Ethernet 3' --dry-run",
        "hvtui vm set RHEL8-APP --memory-startup 4GB --dynamic-memory on --memory-maximum 8GB "
        "--dry-run",
        "hvtui diff RHEL8-APP WIN2022-SQL02 BUILD01",
        # host settings (issue 11, hostcfg)
        "hvtui host set HV-2019 --numa-spanning off --simultaneous 6 --add-network "
        "10.10.40.0/24 --dry-run",
        # VM screen as text (issue 12, thumbs)
        "hvtui screen WIN2022-RDS --size 80x24",
        "hvtui keys DC01 --ctrl-alt-del",
    ]


def test_every_readme_command_works_as_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVTUI_LAB_SPEED", "inf")
    monkeypatch.chdir(tmp_path)
    for shown in readme_commands():
        if shown.text in CONSOLES:
            served = None
            if "--inventory" in shown.argv:  # the user's inventory: here, a served lab's
                served, _ = start_server(["lab", "serve", "--state-dir", str(tmp_path / "other"),
                                          "--write-inventory", "hosts.toml"], tmp_path)
            try:
                code, screen = run_console(shown.argv, tmp_path)
            finally:
                if served is not None:
                    stop_server(served)
            assert code == 0, f"{shown.text}: exit {code}: {screen[-2000:]!r}"
        elif shown.text in SERVERS:
            server, banner = start_server(list(shown.argv[1:]), tmp_path)
            try:
                assert "inventory written to lab.toml" in banner, banner
                code, out, err = run_command(("hvtui", "--inventory", "lab.toml", "get", "hosts"),
                                             capsys, monkeypatch)
                assert (code, err) == (0, ""), f"{shown.text}: its inventory: {err}"
                assert "HV-NODE1" in out
            finally:
                assert stop_server(server) == 0, shown.text
        else:
            answer = "y" if shown.text in ANSWERED else ""
            code, out, err = run_command(shown.argv, capsys, monkeypatch, answer)
            assert (code, err) == (0, ""), f"{shown.text}: exit {code}: {err}{out}"
            if shown.output is not None:
                assert out.rstrip("\n") == shown.output.rstrip("\n"), \
                    f"the README's output of `{shown.text}` is stale: paste what it prints"
            if answer:
                assert "Go ahead? [y/N]" in out, f"{shown.text} did not ask"
