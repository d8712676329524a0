"""Text from hosts and guests is inert in every output; JSON stays exact.

The corpus (tests/support/hostile.py) puts ESC/CSI, OSC 52, BEL, backspace, CR, new lines, bidi
overrides, C1 controls, NUL, DEL and markup into VM names, notes, guest OS names, disk
paths, checkpoint and switch names on a lab host, then pushes them through the command
line (tables, JSON, plans, progress, results, errors), every console pane, the details
view, a wizard's pre-flight page, the progress page, jobs, the audit view, notifications
and the command palette, and finally through a real terminal (a pty) byte by byte.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest
from hostile import MARKUP, PAYLOADS, RAW_CHARS, VM_NAMES, hostile, raw_leaks, scenario
from test_ui_support import console, screen_text, until_shown
from textual.app import App

from hvtui.cli import main
from hvtui.cli_actions import format_result
from hvtui.connect import lab_pool
from hvtui.hyperv.audit import AuditLog
from hvtui.hyperv.jobs import JobManager
from hvtui.hyperv.operations import PlanResult, StepOutcome, StepResult
from hvtui.hyperv.plans import MigrateRequest, VmAction, VmActionRequest, VmRef
from hvtui.hyperv.preflight import build_plan
from hvtui.model.text import inert, json_inert
from hvtui.ui.details import DetailsScreen


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    return scenario(tmp_path / "hostile.toml")


def no_raw_controls(text: str) -> None:
    leaks = raw_leaks(text)
    assert not leaks, f"raw control sequences reached the output: {leaks}"
    assert not set(text) & set(RAW_CHARS.replace("\n", "")), \
        sorted(set(text) & set(RAW_CHARS))


# --- the function ---------------------------------------------------------------------------

def test_inert_escapes_every_payload_and_leaves_ordinary_text_alone() -> None:
    for name in PAYLOADS:
        shown = inert(hostile(name))
        assert not set(shown) & set(RAW_CHARS), name
        assert shown.startswith(f"{name}-Q1\\")
    for ordinary in ("経理-DB01", "O'Brien-APP", "WEB “Front” 01", "Cost$Center`App;01",
                     "D:\\VMs\\x1b", "\u3000全角"):
        assert inert(ordinary) is ordinary


def test_json_inert_is_exact_once_parsed() -> None:
    data = {"names": list(VM_NAMES.values()) + ["経理-DB01"]}
    text = json_inert(json.dumps(data, ensure_ascii=False))
    assert not set(text) & set(RAW_CHARS)
    assert "経理-DB01" in text  # still readable
    assert json.loads(text) == data


# --- the command line -----------------------------------------------------------------------

def run(capsys: pytest.CaptureFixture[str], lab: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--scenario", str(lab), "--lab-speed", "inf", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("what", ["vms", "disks", "hosts"])
def test_get_tables_show_escapes_and_json_keeps_the_exact_strings(
        capsys: pytest.CaptureFixture[str], lab: Path, what: str) -> None:
    code, out, err = run(capsys, lab, "get", what)
    assert code == 0, err
    no_raw_controls(out)
    if what == "vms":
        assert "csi-Q1\\x1b[31;1mQ2" in out and "bidi-Q1\\u202etxt.exeQ2" in out
        assert "Windows-Q1\\x9b2JQ2" in out  # the guest's own OS name
    if what == "disks":
        assert "disk-Q1\\x00Q2.vhdx" in out
    code, out, err = run(capsys, lab, "get", what, "-o", "json")
    no_raw_controls(out)
    rows = json.loads(out)
    if what == "vms":
        assert {r["name"] for r in rows} >= set(VM_NAMES.values()) | {MARKUP}


@pytest.mark.parametrize("name", list(VM_NAMES.values()), ids=list(VM_NAMES))
def test_plans_progress_and_results_stay_inert(capsys: pytest.CaptureFixture[str], lab: Path,
                                               name: str) -> None:
    code, out, err = run(capsys, lab, "vm", "stop", name, "--yes")  # a job: progress lines
    if set(name) & set("[]"):  # refused: Hyper-V reads [ ] as a wildcard; the refusal names it
        assert code == 2 and "wildcard" in err, out + err
    elif "\x00" in name:  # refused: no PowerShell host can be given a NUL
        assert code == 2 and "NUL character" in err, out + err
    else:
        assert code == 0, out + err
        assert "[job 1 100%]" in out and "Done: 1 of 1 step(s) succeeded." in out
    no_raw_controls(out + err)


def test_errors_on_stderr_stay_one_inert_line(capsys: pytest.CaptureFixture[str],
                                              lab: Path) -> None:
    for argv in (["vm", "start", "nope-Q1\x1b]52;c;cm0gLXJm\x07Q2"],
                 ["vm", "apply-checkpoint", VM_NAMES["csi"], "--name", "none"],
                 ["vm", "start", MARKUP]):
        code, out, err = run(capsys, lab, *argv)
        assert code == 2
        assert len(err.strip().splitlines()) == 1, err
        no_raw_controls(out + err)


def test_a_migration_plan_naming_a_hostile_switch_is_inert(
        capsys: pytest.CaptureFixture[str], lab: Path) -> None:
    code, out, err = run(capsys, lab, "migrate", VM_NAMES["bidi"], "--to", "HV-B", "--dry-run")
    assert code == 2  # HV-B has no such switch
    assert "'csi-Q1\\x1b[31;1mQ2'" in out
    no_raw_controls(out + err)


def test_a_host_error_message_is_inert_in_the_result() -> None:
    from hvtui.hyperv.plans import Plan, Request, make_step
    from hvtui.model import Host

    host = Host("HV-A", "Microsoft Windows Server 2022 Datacenter", "10.0.20348")
    step = make_step(host, "vm-start", {"Name": "x"}, "Start x")
    message = "The host said: " + "".join(f"{n}-Q1{p}Q2 " for n, p in PAYLOADS.items())
    result = PlanResult(Plan("Start x", Request(), (), (step,)),
                        (StepResult(step, StepOutcome.FAILED, message),))
    text = format_result(result)
    no_raw_controls(text)
    assert len(text.splitlines()) >= 3  # wrapped, but the new line payload did not add one
    assert "newline-Q1\\n" in " ".join(text.split())


# --- the console ----------------------------------------------------------------------------

async def _press(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
    await pilot.pause()


async def test_every_console_view_shows_hostile_text_escaped(lab: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path / "state"))
    pool = lab_pool(lab, speed=float("inf"))
    audit, jobs = AuditLog(), JobManager()
    # something for the jobs and audit views: a hostile VM's shutdown, run as a job
    from hvtui.hyperv.operations import PlanRunner

    plan = await build_plan(pool, VmActionRequest(VmAction.STOP, (VmRef(VM_NAMES["c1-osc"]),)))
    assert (await PlanRunner(pool, audit=audit, jobs=jobs).run(plan)).ok
    app = console(pool, audit=audit, jobs=jobs)
    seen: list[str] = []
    async with app.run_test(size=(200, 60)) as pilot:
        await until_shown(app, pilot)
        for key in ("2", "1", "3", "4", "5", "6", "7"):
            await _press(pilot, key)
            await until_shown(app, pilot)
            seen.append(screen_text(app))
        assert "csi-Q1\\x1b[31;1mQ2" in seen[0] and MARKUP in seen[0]
        assert "disk-Q1\\x07Q2.vhdx" in seen[2]
        assert "c1-osc-Q1\\x9d0;title\\x9cQ2" in seen[5]  # the job's operation
        assert "vm-stop" in seen[6]  # the audit view
        await _press(pilot, "2")
        for name in (VM_NAMES["newline"], VM_NAMES["osc52"], VM_NAMES["bidi"]):
            vm = app.estate.find_vms(name)[0]
            app.open_details("vms", vm.key)
            await pilot.pause()
            assert isinstance(app.screen, DetailsScreen)
            text = screen_text(app)
            seen.append(text)
            assert "note-Q1" in text
            # A guest OS name with a C0 control character is no valid XML text, so the
            # host's [xml] cast of its KVP item fails and the inventory skips it (the OS
            # name stays unknown); newline and bidi payloads are valid XML and arrive.
            assert ("Windows-Q1" in text) == (name != VM_NAMES["osc52"])
            await _press(pilot, "escape")
        # the audit entry's details, a notification and a flash with hostile text
        await _press(pilot, "7")
        app.open_details("audit", 0)
        await pilot.pause()
        seen.append(screen_text(app))
        await _press(pilot, "escape")
        # what Textual's own notify() receives: inert, and never to be read as markup
        told: list[tuple[str, str, bool]] = []
        with monkeypatch.context() as patch:
            patch.setattr(App, "notify", lambda self, message, *, title="", severity="",
                          timeout=None, markup=True: told.append((message, title, markup)))
            app.notify(f"host said {hostile('osc52')} {MARKUP}", title=hostile("bidi"))
        assert told == [(f"host said {inert(hostile('osc52'))} {MARKUP}", inert(hostile("bidi")),
                         False)]
        app.flash(f"flash {hostile('c1-csi')}", "critical")
        await pilot.pause()
        seen.append(screen_text(app))
        assert "flash c1-csi-Q1\\x9b2JQ2" in seen[-1]
        # the migration wizard's pre-flight page names the hostile switch
        from hvtui.ui.wizards.forms import MigrationWizard
        from hvtui.ui.wizards.handlers import planner

        vm = app.estate.find_vms(VM_NAMES["bidi"])[0]
        hosts = [s.inventory.host for s in app.estate.hosts if s.inventory is not None]
        wizard = MigrationWizard(planner(app), [vm], hosts)
        app.push_screen(wizard)
        await pilot.pause()
        wizard.show_plan(await build_plan(pool, MigrateRequest((VmRef(vm.name, vm.host),),
                                                               "HV-B")))
        await pilot.pause()
        text = screen_text(app)
        seen.append(text)
        assert "csi-Q1\\x1b[31;1mQ2" in text
    for text in seen:
        no_raw_controls(text)
    assert not app.unexpected_errors


# --- a real terminal --------------------------------------------------------------------------

def test_a_real_terminal_never_receives_the_raw_sequences(lab: Path, tmp_path: Path) -> None:
    """The console in a pty: what the terminal receives, byte for byte."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HVTUI_")}
    env.update(HVTUI_STATE_DIR=str(tmp_path / "state"), HVTUI_CONFIG_DIR=str(tmp_path / "cfg"),
               TERM="xterm-256color", COLUMNS="200", LINES="50")
    pid, fd = pty.fork()
    if pid == 0:  # the child: a 200x50 terminal, hvtui on the hostile lab
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        os.execvpe(sys.executable, [sys.executable, "-m", "hvtui.cli", "--scenario", str(lab),
                                    "--lab-speed", "inf"], env)
    received = bytearray()

    def read_until(needle: bytes, timeout: float = 60.0, start: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in received[start:] and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    received.extend(os.read(fd, 65536))
                except OSError:
                    return

    try:
        read_until(b"csi-Q1\\x1b")  # the VMs pane is drawn
        assert b"csi-Q1\\x1b" in received, received[-2000:]
        # each pane in turn, waiting for something only it draws; then a VM's details
        for key, shown in ((b"3", b".vhdx"), (b"1", b"2012 R2 ("), (b"4", b"No replicated"),
                           (b"5", b"No clusters"), (b"2", b"Running"), (b"\r", b"Guest OS")):
            before = len(received)
            os.write(fd, key)
            read_until(shown, start=before)
        before = len(received)
        os.write(fd, b"\x1b")  # back to the table (before q: ESC q would read as Alt+q)
        read_until(b"sort", start=before)
        os.write(fd, b"q")
        read_until(b"\x00never", timeout=10.0)  # until hvtui exits and the pty closes
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)
    text = received.decode("utf-8", "replace")
    for name, payload in PAYLOADS.items():
        for signature in (f"{payload}Q2", f"{payload}Q2".replace("\n", "\r\n")):
            assert signature not in text, f"{name} reached the terminal raw"
    assert "disk-Q1\\x07Q2" in text or "Q1\\x07Q2" in text  # shown, escaped


def test_subprocess_json_is_exact(lab: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HVTUI_")}
    env.update(HVTUI_STATE_DIR=str(tmp_path / "state"))
    done = subprocess.run([sys.executable, "-m", "hvtui.cli", "--scenario", str(lab),
                           "--lab-speed", "inf", "get", "vms", "-o", "json"],
                          capture_output=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
    for ch in RAW_CHARS.replace("\n", ""):
        assert ch.encode() not in done.stdout
    names = {r["name"] for r in json.loads(done.stdout)}
    assert names >= set(VM_NAMES.values())
