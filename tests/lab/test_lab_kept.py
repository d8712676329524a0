"""The embedded lab keeps its estate between runs (hvtui.lab.kept, hvtui.lab.estate_codec).

Commands in separate processes see each other's changes; ``hvtui lab reset`` starts over;
a damaged, older or other-scenario file is named in one line and replaced; the state
folder is held by one process at a time (hvtui.lab.state_folder).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from hvtui import cli
from hvtui.errors import LabInUse
from hvtui.lab import Lab
from hvtui.lab.estate_codec import SCHEMA, EstateDataError, decode, encode
from hvtui.lab.kept import ESTATE_FILE, UNREADABLE, KeptLab
from hvtui.lab.state_folder import LabFolder
from hvtui.paths import lab_dir as lab_folder
from hvtui.ps import catalog

# --- helpers ---------------------------------------------------------------------------------


def hvtui(*argv: str) -> subprocess.CompletedProcess[str]:
    """One ``hvtui`` command in a process of its own (the test's private state folder)."""
    env = {**os.environ, "HVTUI_LAB_SPEED": "inf"}
    return subprocess.run([sys.executable, "-m", "hvtui.cli", *argv], capture_output=True,
                          text=True, env=env, timeout=240, stdin=subprocess.DEVNULL)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """One ``hvtui`` command in this process."""
    code = cli.main(["--lab-speed", "inf", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def vm_states(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    code, out, err = run(capsys, "get", "vms", "-o", "json")
    assert (code, err) == (0, "")
    return {f"{vm['host']}/{vm['name']}": vm["state"] for vm in json.loads(out)}


def kept_file() -> Path:
    return lab_folder() / ESTATE_FILE


# --- between commands ------------------------------------------------------------------------


def test_commands_in_separate_processes_see_each_others_changes() -> None:
    first = hvtui("guest-services", "DR-DC02", "on")
    assert first.returncode == 0, first.stderr
    # The README's pair: the second command needs what the first one changed.
    second = hvtui("copy-file", "DR-DC02", "C:\\Tools\\BGInfo\\Bginfo.exe", "C:\\Temp\\Bginfo.exe")
    assert (second.returncode, second.stderr) == (0, ""), second.stdout
    assert "PASS  DR-DC02: Guest Service Interface: on" in second.stdout
    latest = json.loads(kept_file().read_text(encoding="utf-8"))["latest"]
    assert [c["script"] for c in latest] == ["vm-integration-service", "vm-copy-file"]


def test_moves_checkpoints_and_settings_are_kept(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "migrate", "LEGACY-SQL", "--to", "HV-DR1", "--include-storage",
               "--storage-path", "E:\\VMs\\LEGACY-SQL", "--yes")[0] == 0
    assert run(capsys, "vm", "checkpoint", "DC01", "--name", "before patching", "--yes")[0] == 0
    assert run(capsys, "enhanced-session", "HV-DR1", "on", "--yes")[0] == 0
    assert run(capsys, "resize-vhd", "経理-DB01", "SCSI 0:0", "+20G", "--yes")[0] == 0

    states = vm_states(capsys)
    assert "HV-DR1/LEGACY-SQL" in states and "HV-LEGACY/LEGACY-SQL" not in states
    code, out, _ = run(capsys, "get", "hosts", "-o", "json")
    hosts = {h["name"]: h for h in json.loads(out)}
    assert hosts["HV-DR1"]["enhanced_session"] is True
    code, out, _ = run(capsys, "get", "disks", "-o", "json")
    paths = {(d["vm"], d["path"]) for d in json.loads(out)}
    assert any(vm == "LEGACY-SQL" and path.startswith("E:\\VMs\\LEGACY-SQL") for vm, path in paths)
    lab = Lab(decode(json.loads(kept_file().read_text(encoding="utf-8"))["estate"],
                     instant=True))
    dc01 = next(vm for _, vm in lab.estate.all_vms() if vm.name == "DC01")
    assert "before patching" in [c.name for c in dc01.checkpoints]


def test_reset_says_what_it_discarded_and_starts_over(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    code, _, _ = run(capsys, "lab", "reset")
    assert code == 0
    assert run(capsys, "vm", "turn-off", "JUMP01", "--yes")[0] == 0
    assert vm_states(capsys)["HV-DR1/JUMP01"] == "Off"
    code, out, err = run(capsys, "lab", "reset")
    assert (code, err) == (0, "")
    assert f"discarded the lab kept in {kept_file()}" in out
    assert "the default estate" in out and "vm-turn-off on HV-DR1" in out
    assert not kept_file().exists()
    assert vm_states(capsys)["HV-DR1/JUMP01"] == "Running"
    assert run(capsys, "lab", "reset")[1].startswith("discarded the lab")
    code, out, _ = run(capsys, "lab", "reset")
    assert code == 0 and out.startswith("nothing to reset")


def test_the_file_is_private_written_whole_and_holds_no_secret(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "vm", "save", "DC01", "--yes")[0] == 0
    folder = lab_folder()
    assert stat.S_IMODE(kept_file().stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == [ESTATE_FILE, "lock"]  # no temp left
    document = json.loads(kept_file().read_text(encoding="utf-8"))
    assert document["hvtui_lab_estate"] == 1 and document["schema"] == SCHEMA
    assert [c["script"] for c in document["latest"]] == ["vm-save"]
    assert "password" not in kept_file().read_text(encoding="utf-8").lower()


# --- files that cannot be used ---------------------------------------------------------------


@pytest.mark.parametrize(("content", "words"), [
    (b"{\"hvtui_lab_estate\": 1, \"sch", "is damaged (not JSON"),
    (b"\xff\xfe garbage", "is damaged (not JSON"),
    (b"[]", "is damaged (not an estate file)"),
])
def test_a_damaged_file_is_one_line_set_aside_and_replaced(
        capsys: pytest.CaptureFixture[str], content: bytes, words: str) -> None:
    lab_folder().mkdir(parents=True)
    kept_file().write_bytes(content)
    code, out, err = run(capsys, "get", "hosts")
    assert code == 0 and "HV-NODE1" in out
    assert len(err.splitlines()) == 1 and words in err, err
    assert "starting a fresh lab from the default estate" in err
    assert (lab_folder() / UNREADABLE).read_bytes() == content
    assert json.loads(kept_file().read_text(encoding="utf-8"))["schema"] == SCHEMA
    assert run(capsys, "get", "hosts")[2] == ""  # the replacement is used from now on


def test_a_file_whose_estate_does_not_fit_is_damaged(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    assert run(capsys, "get", "hosts")[0] == 0
    document = json.loads(kept_file().read_text(encoding="utf-8"))
    document["estate"]["hosts"][0]["vms"] = "none"
    kept_file().write_text(json.dumps(document), encoding="utf-8")
    code, _, err = run(capsys, "get", "hosts")
    assert code == 0 and len(err.splitlines()) == 1
    assert "is damaged (hosts[0].vms: expected an object, found a string)" in err


def test_a_file_from_another_version_is_one_line_and_replaced(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "vm", "turn-off", "JUMP01", "--yes")[0] == 0
    document = json.loads(kept_file().read_text(encoding="utf-8"))
    document["schema"] = "0123456789abcdef"
    kept_file().write_text(json.dumps(document), encoding="utf-8")
    code, out, err = run(capsys, "get", "vms")
    assert code == 0 and len(err.splitlines()) == 1
    assert "was written by another version of hvtui; starting a fresh lab" in err
    assert vm_states(capsys)["HV-DR1/JUMP01"] == "Running"


def test_a_lab_of_another_scenario_is_not_used(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    from hvtui.lab.scenario import default_scenario

    other = tmp_path / "other.toml"
    other.write_text(default_scenario().read_text(encoding="utf-8"), encoding="utf-8")
    assert run(capsys, "vm", "turn-off", "JUMP01", "--yes")[0] == 0
    code, _, err = run(capsys, "--scenario", str(other), "get", "vms")
    assert code == 0
    assert err.strip() == (f"hvtui: the lab kept in {kept_file()} was built from the default "
                           f"estate; starting a fresh lab from scenario {other.resolve()}")
    assert run(capsys, "--scenario", str(other), "get", "vms")[2] == ""


def test_a_lab_folder_that_cannot_be_used_gives_a_lab_that_is_not_kept(
        capsys: pytest.CaptureFixture[str]) -> None:
    lab_folder().parent.mkdir(parents=True)
    lab_folder().write_text("a file where the lab's folder should be")
    code, out, err = run(capsys, "get", "hosts")
    assert (code, err) == (0, "") and "HV-NODE1" in out  # reading needs nothing kept
    code, _, err = run(capsys, "vm", "turn-off", "JUMP01", "--yes")
    assert code == 0
    assert err == (f"hvtui: this run's changes to the lab are not kept for the next one: "
                   f"cannot use {lab_folder()} (File exists)\n")


# --- one process at a time -------------------------------------------------------------------


@pytest.mark.parametrize(("role", "words"), [
    ("serve", "the embedded lab is being served by `hvtui lab serve` (process {pid}) from"),
    ("console", "the embedded lab is open in the hvtui console (process {pid})"),
])
def test_a_command_is_refused_while_the_lab_is_served_or_open(
        capsys: pytest.CaptureFixture[str], role: Any, words: str) -> None:
    held = LabFolder.take(lab_folder(), role)
    try:
        code, out, err = run(capsys, "vm", "stop", "JUMP01", "--yes")
    finally:
        held.release()
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and words.format(pid=os.getpid()) in err, err
    assert not kept_file().exists()


def test_a_command_waits_for_another_command(capsys: pytest.CaptureFixture[str]) -> None:
    held = LabFolder.take(lab_folder(), "cli")
    timer = threading.Timer(0.5, held.release)
    timer.start()
    try:
        code, out, err = run(capsys, "get", "hosts")
    finally:
        timer.cancel()
        held.release()
    assert code == 0 and "HV-NODE1" in out
    assert err == (f"hvtui: waiting for another hvtui command (process {os.getpid()}) to "
                   "finish with the embedded lab (up to 30 s)\n")


def test_a_command_that_waited_too_long_says_who_holds_the_lab() -> None:
    held = LabFolder.take(lab_folder(), "cli")
    try:
        with pytest.raises(LabInUse) as caught:
            LabFolder.take(lab_folder(), "cli", wait=0.3)
    finally:
        held.release()
    assert caught.value.user_message() == (
        "Lab in use: "
        f"the embedded lab is still in use by another hvtui command (process {os.getpid()}) "
        "after 0.3 s (wait for that command to finish, or stop it)")


def test_lab_serve_is_refused_while_a_command_holds_the_lab() -> None:
    held = LabFolder.take(lab_folder(), "cli")
    try:
        served = hvtui("lab", "serve")
    finally:
        held.release()
    assert served.returncode == 2
    assert served.stderr.count("\n") == 1
    assert f"the lab in {lab_folder()} is in use by another hvtui command" in served.stderr


def test_lab_serve_uses_and_keeps_the_same_estate(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A command's change is served; a change made through the served lab is kept."""
    assert run(capsys, "vm", "turn-off", "JUMP01", "--yes")[0] == 0
    inventory = tmp_path / "lab.toml"
    server = subprocess.Popen(
        [sys.executable, "-m", "hvtui.cli", "--lab-speed", "inf", "lab", "serve",
         "--write-inventory", str(inventory)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        shown = []
        for line in server.stdout:
            shown.append(line)
            if line.strip() == "READY":
                break
        assert f"the estate is kept in {kept_file()}" in "".join(shown)
        code, _, err = run(capsys, "get", "vms")
        assert code == 2 and err.count("\n") == 1
        assert "being served by `hvtui lab serve`" in err
        code, out, _ = run(capsys, "--inventory", str(inventory), "get", "vms", "--host",
                           "HV-DR1", "-o", "json")
        assert {vm["name"]: vm["state"] for vm in json.loads(out)}["JUMP01"] == "Off"
        assert run(capsys, "--inventory", str(inventory), "vm", "start", "JUMP01",
                   "--yes")[0] == 0
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=60)
    assert vm_states(capsys)["HV-DR1/JUMP01"] == "Running"
    assert "password" not in kept_file().read_text(encoding="utf-8").lower()
    secret = (lab_folder() / "password").read_text(encoding="utf-8").strip()
    assert secret and secret not in kept_file().read_text(encoding="utf-8")


# --- the codec -------------------------------------------------------------------------------


def test_an_estate_reads_back_as_written_and_resumes_its_clock() -> None:
    lab = Lab.from_scenario(None, speed=1.0)
    vm = next(vm for _, vm in lab.estate.all_vms() if vm.name == "DC01")
    vm.busy = "Migrating"  # in flight when the run that wrote it ended
    data = json.loads(json.dumps(encode(lab.estate)))
    again = decode(data, speed=1.0, idle=3600)
    assert encode(again)["hosts"] != data["hosts"]  # only because DC01 is no longer busy
    vm.busy = ""
    assert encode(again)["hosts"] == encode(lab.estate)["hosts"]
    assert encode(again)["vhds"] == data["vhds"]
    assert again.clock.start == lab.estate.clock.start
    assert again.clock.elapsed() >= data["clock"]["elapsed"] + 3600
    instant = decode(data, instant=True, idle=3600)  # an instant clock moves only on waits
    assert instant.clock.elapsed() == data["clock"]["elapsed"]


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d["hosts"][0].pop("name"), "hosts[0]: missing name"),
    (lambda d: d["hosts"][0].update(colour="red"), "hosts[0]: unknown colour"),
    (lambda d: d["hosts"][0].update(release="2031"), "hosts[0].release: '2031' is not a release"),
    (lambda d: d["hosts"][0].update(logical_processors=True),
     "hosts[0].logical_processors: expected int, found true/false"),
    (lambda d: d["clock"].update(start="yesterday"), "clock.start: 'yesterday' is not a date"),
    (lambda d: d.update(extra=1), "the estate: unknown extra"),
])
def test_data_that_does_not_fit_is_refused_with_where(change: Any, words: str) -> None:
    data = json.loads(json.dumps(encode(Lab.from_scenario(None, instant=True).estate)))
    change(data)
    with pytest.raises(EstateDataError) as caught:
        decode(data, instant=True)
    assert words in str(caught.value)


def test_a_kept_lab_saves_after_each_change_not_after_a_read(tmp_path: Path) -> None:
    folder = LabFolder.take(tmp_path / "lab", "cli")
    try:
        kept = KeptLab.open(folder, None, speed=float("inf"))
        assert kept.notice is None
        session = kept.lab.session("HV-DR1")
        asyncio.run(session.invoke(catalog.get("inventory").text))
        assert not kept.path.exists()
        started = asyncio.run(session.invoke(catalog.get("vm-start").text, {"Name": "JUMP01"}))
        saved = json.loads(kept.path.read_bytes())
        assert saved["changes"] == 1 and saved["latest"][0]["script"] == "vm-start"
        assert saved["latest"][0]["host"] == "HV-DR1", started
        assert kept.close() is None
        assert kept.lab.on_change is None
    finally:
        folder.release()


# --- the console -----------------------------------------------------------------------------


async def test_a_change_made_in_the_console_is_seen_by_the_next_command() -> None:
    from hvtui.session_setup import kept_lab_pool
    from hvtui.ui.actions import get_action
    from hvtui.ui.app import HvtuiApp, make_app

    app = make_app(kept_lab_pool(None, speed=float("inf"), role="console"), theme="dark",
                   refresh_interval=3600)
    async with app.run_test(size=(100, 32)) as pilot:
        assert isinstance(app, HvtuiApp)
        for _ in range(1000):
            if app.estate.hosts and all(s.reachable for s in app.estate.hosts):
                break
            await pilot.pause(0.02)
        build01 = app.estate.find_vms("BUILD01", None)[0]
        assert build01.state.name == "Off"
        # Meanwhile the console holds the lab: a command says so instead of forking it.
        refused = hvtui("get", "vms")
        assert refused.returncode == 2
        assert "the embedded lab is open in the hvtui console" in refused.stderr
        spec = get_action("vm-start")
        assert spec is not None
        app.run_action_spec(spec, [build01])
        for _ in range(1000):
            if kept_file().exists():
                break
            await pilot.pause(0.02)
    listed = hvtui("get", "vms", "-o", "json")
    assert {vm["name"]: vm["state"] for vm in json.loads(listed.stdout)}["BUILD01"] == "Running"
