"""A real ``hvtui`` process mid-migration on the lab: signals, a closed pipe, a failing log.

Each test starts ``python -m hvtui.cli`` on the embedded lab with a slow clock, waits until
the host reports progress of the live migration (so the change is under way), then does
what ends a process in real life: Ctrl+C, ``kill``, the SSH session to the jump box
dropping (SIGHUP), ``| head`` closing stdout, the disk filling up. The audit log must then
say how the step ended; stderr must hold one line and no traceback.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

MIGRATE = ["migrate", "LEGACY-SQL", "--to", "HV-DR1", "--include-storage", "--storage-path",
           "E:\\VMs\\LEGACY-SQL", "--yes"]


def hvtui(state: Path, *argv: str, speed: str = "1",
          preexec: Callable[[], None] | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HVTUI_")}
    env.update(HVTUI_STATE_DIR=str(state), HVTUI_CONFIG_DIR=str(state / "config"),
               USER="mallory", LOGNAME="mallory", COLUMNS="200")
    return subprocess.Popen([sys.executable, "-m", "hvtui.cli", "--lab-speed", speed, *argv],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, preexec_fn=preexec)


def wait_for_progress(proc: subprocess.Popen[str]) -> list[str]:
    """Read stdout until the host reports the move's own progress; return the lines read."""
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        # The host's own record, not the client's "started": Hyper-V reports a task's
        # progress as the bare percentage ("40%", the module's PercentCompleteTemplate).
        if "[job 1" in line and re.search(r": \d+%$", line.rstrip()):
            return seen
    raise AssertionError("no progress from the host:\n" + "".join(seen)
                         + (proc.stderr.read() if proc.stderr else ""))


def audit_lines(state: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]


def one_line_no_traceback(stderr: str) -> str:
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    return stderr.strip()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=lambda s: signal.Signals(s).name)
def test_a_signal_mid_migration_ends_interrupted_in_the_log(tmp_path: Path, sig: int) -> None:
    proc = hvtui(tmp_path, *MIGRATE)
    wait_for_progress(proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    line = one_line_no_traceback(err)
    name = "Ctrl+C (SIGINT)" if sig == signal.SIGINT else signal.Signals(sig).name
    assert f"Interrupted: stopped by {name} while 'Live-migrate LEGACY-SQL" in line
    assert "check with `hvtui get vms --host HV-LEGACY`" in line
    started, last = audit_lines(tmp_path)
    assert (started["outcome"], last["outcome"]) == ("started", "interrupted")
    assert started["change"] == last["change"]
    assert f"interrupted ({name}), state unknown: check with `hvtui get vms --host HV-LEGACY`" \
        in str(last["message"])


def test_a_closed_pipe_ends_quietly_and_the_change_is_still_recorded(tmp_path: Path) -> None:
    proc = hvtui(tmp_path, *MIGRATE, speed="400")
    wait_for_progress(proc)
    assert proc.stdout is not None
    proc.stdout.close()  # `| head` has read enough
    proc.wait(timeout=120)
    err = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 0
    assert err == ""
    assert [e["outcome"] for e in audit_lines(tmp_path)] == ["started", "succeeded"]


def test_get_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    proc = hvtui(tmp_path, "get", "vms", speed="inf")
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    proc.wait(timeout=120)
    assert proc.returncode == 0
    assert (proc.stderr.read() if proc.stderr else "") == ""


def test_the_account_comes_from_the_os_not_the_environment(tmp_path: Path) -> None:
    proc = hvtui(tmp_path, "vm", "save", "LEGACY-SQL", speed="inf")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    import pwd

    for line in audit_lines(tmp_path):
        assert line["user"] == pwd.getpwuid(os.getuid()).pw_name != "mallory"
        assert line["uid"] == os.getuid()
        assert line["remote_user"] == "(embedded lab: no sign-in)"


# --- no audit, no change ------------------------------------------------------------------

SAVE = ["vm", "save", "LEGACY-SQL"]


def assert_refused_unchanged(proc: subprocess.Popen[str], state: Path, why: str) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, out + err
    line = one_line_no_traceback(err)
    assert line.startswith("hvtui: Cannot write the audit log: ") and why in line
    assert "hvtui makes no change it cannot record" in line
    assert "done" not in out and "succeeded" not in out
    return out


def test_a_state_folder_that_cannot_be_created_refuses_before_anything(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    out = assert_refused_unchanged(hvtui(blocker / "hvtui", *SAVE, speed="inf"), tmp_path,
                                   "Not a directory")
    assert out == ""  # refused before the plan was even checked


def test_a_read_only_state_folder_refuses_before_anything(tmp_path: Path) -> None:
    if not shutil.which("unshare"):
        pytest.skip("needs unshare(1) for a read-only bind mount")
    state = tmp_path / "state"
    state.mkdir()
    probe = subprocess.run(["unshare", "-m", "sh", "-c",
                            f"mount --bind -o ro {state} {state} && touch {state}/x"],
                           capture_output=True, text=True, check=False)
    if "Read-only file system" not in probe.stderr:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HVTUI_")}
    env.update(HVTUI_STATE_DIR=str(state), HVTUI_CONFIG_DIR=str(tmp_path / "config"))
    script = (f"mount --bind -o ro {state} {state} && exec {sys.executable} -m hvtui.cli "
              "--lab-speed inf vm save LEGACY-SQL")
    proc = subprocess.Popen(["unshare", "-m", "sh", "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            stdin=subprocess.DEVNULL)
    out = assert_refused_unchanged(proc, state, "Read-only file system")
    assert out == ""


def test_a_full_disk_refuses_before_the_host_hears_of_it(tmp_path: Path) -> None:
    (tmp_path / "audit.jsonl").symlink_to("/dev/full")  # every write: ENOSPC
    out = assert_refused_unchanged(hvtui(tmp_path, *SAVE, speed="inf"), tmp_path,
                                   "No space left on device")
    assert "Plan: Save LEGACY-SQL" in out  # checked and shown; then nothing ran


def test_a_file_size_limit_refuses_before_the_host_hears_of_it(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_text("")

    def limit() -> None:  # RLIMIT_FSIZE: writes past 0 bytes fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    assert_refused_unchanged(hvtui(tmp_path, *SAVE, speed="inf", preexec=limit), tmp_path,
                             "File too large")
    assert log.read_text() == ""


def test_a_log_failing_after_the_change_reports_the_change_and_warns(tmp_path: Path) -> None:
    proc = hvtui(tmp_path, *MIGRATE, speed="400")
    wait_for_progress(proc)
    log = tmp_path / "audit.jsonl"
    log.rename(tmp_path / "kept.jsonl")
    log.symlink_to("/dev/full")  # the disk fills up while the host migrates
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    assert "Done: 1 of 1 step(s) succeeded." in out
    line = one_line_no_traceback(err)
    assert "WARNING: the audit log" in line and "is NOT recorded" in line
    assert "succeeded vm-move on HV-LEGACY" in line and "No space left on device" in line
