"""What a person reads in the panes, asserted on the screen (Pilot on the frozen lab)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_ui_support import console, screen_lines, table_rows, until_shown
from textual import events

from hvtui.remote.base import ProgressRecord


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path / "state"))


def _row(app: Any, name: str, host: str) -> dict[str, str]:
    spec = app.main_screen.table.model
    titles = [c.label for c in spec.columns]
    for cells in table_rows(app):
        if cells[0] == name and cells[1] == host:
            return dict(zip(titles, cells, strict=False))
    raise AssertionError(f"no row for {name} on {host}")


async def test_vms_show_a_status_a_running_job_and_replica_copies() -> None:
    app = console()
    release = asyncio.Event()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        header = next(line for line in screen_lines(app) if "Name" in line and "Host" in line)
        assert "Status" in header  # shown at 120 columns
        assert _row(app, "ERP-APP", "HV-DR1")["Status"] == "replica of HV-LEGACY"
        assert _row(app, "SQL01", "HV-DR2")["Status"] == "extended replica of HV-DR1"

        async def work(progress: Callable[[ProgressRecord], None]) -> None:
            progress(ProgressRecord("Moving", "40%", 40))
            await release.wait()

        app.jobs.start("HV-LEGACY", "Live-migrate LEGACY-SQL to HV-DR1", "LEGACY-SQL", work)
        for _ in range(200):
            await pilot.pause(0.02)
            if _row(app, "LEGACY-SQL", "HV-LEGACY")["Status"] != "Operating normally":
                break
        assert _row(app, "LEGACY-SQL", "HV-LEGACY")["Status"] == "Live-migrate: 40%"
        release.set()
    assert not app.unexpected_errors


def test_get_vms_json_has_health_and_the_replica_role(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HVTUI_")}
    env.update(HVTUI_STATE_DIR=str(tmp_path / "state"), HVTUI_CONFIG_DIR=str(tmp_path / "c"))
    done = subprocess.run([sys.executable, "-m", "hvtui.cli", "--lab-speed", "inf", "get",
                           "vms", "-o", "json"], capture_output=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
    rows = {(r["name"], r["host"]): r for r in json.loads(done.stdout)}
    erp = rows["ERP-APP", "HV-DR1"]
    assert (erp["health"], erp["replica_role"], erp["replica_of"]) == (
        "critical", "replica", "HV-LEGACY")
    assert rows["ERP-APP", "HV-LEGACY"]["replica_role"] == "primary"
    extended = rows["SQL01", "HV-DR2"]
    assert (extended["replica_role"], extended["replication"]) == ("extended replica", "Normal")
    assert rows["DC01", "HV-NODE1"]["replica_role"] is None
    assert rows["DC01", "HV-NODE1"]["health"] == "ok"


async def test_command_line_tab_accepts_the_suggestion_and_enter_goes_there() -> None:
    app = console()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_shown(app, pilot)
        await pilot.press("colon", "d", "i")
        await pilot.pause()
        assert "disk" in "".join(screen_lines(app)[-4:])  # the suggestion shown
        await pilot.press("enter")  # Enter goes where the suggestion says
        await pilot.pause()
        assert app.main_screen.current == "disks"
        await pilot.press("colon", "c", "l", "u", "tab")
        await pilot.pause()
        assert app.main_screen.prompt.value == "cluster"
        assert app.main_screen.current == "disks"  # Tab completes; it does not switch panes
        await pilot.press("s", "enter")
        await pilot.pause()
        assert app.main_screen.current == "clusters"
        await pilot.press("colon", *"nonsense", "enter")
        await pilot.pause()
        assert "Unknown command :nonsense" in "".join(screen_lines(app))
    assert not app.unexpected_errors


async def test_a_command_typed_ahead_goes_to_the_command_line_not_the_table() -> None:
    """Keys typed or pasted faster than the console handles them arrive queued together: the
    ones after ':' must reach the command line, not the table (where 'a' opens Add disk)."""
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        for char in ":replicas":  # queued at once, as a fast typist or a paste leaves them
            app.post_message(events.Key(char if char != ":" else "colon", char))
        app.post_message(events.Key("enter", "\r"))
        await pilot.pause(0.2)
        assert app.main_screen.current == "replicas"
        assert app.screen is app.main_screen  # no wizard opened by a letter on the way
        await pilot.press("slash", *"a:b/c")  # ':' and '/' are text once the prompt is open
        await pilot.pause()
        assert app.main_screen.prompt.value == "a:b/c"
    assert not app.unexpected_errors


async def test_hosts_flag_a_drained_node_and_drill_to_a_hosts_vms() -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        await pilot.press("1")
        await pilot.pause()
        notes = {cells[0]: cells[-1] for cells in table_rows(app)}
        assert notes["HV-NODE3"] == "cluster node Paused, drain Completed"
        assert notes["HV-LEGACY"] == "2 VMs need attention"
        # HV-2025 has the clustering tools but no cluster to read (its details say why)
        assert notes["HV-2025"] == "cluster not read"
        assert "cluster not read" not in notes["HV-2019"]  # no tools: nothing to read
        assert "Its VMs" in screen_lines(app)[-1]  # the footer offers the drill here
        names = [cells[0] for cells in table_rows(app)]
        for _ in range(names.index("HV-LEGACY")):
            await pilot.press("down")
        await pilot.press("right")
        await pilot.pause()
        assert app.main_screen.current == "vms"
        hosts = {cells[1] for cells in table_rows(app)}
        assert hosts == {"HV-LEGACY"}
        assert "Its VMs" not in screen_lines(app)[-1]
    assert not app.unexpected_errors


async def test_disks_at_80_columns_keep_the_host_and_say_why_in_words() -> None:
    app = console()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_shown(app, pilot)
        await pilot.press("3")
        await pilot.pause()
        lines = screen_lines(app)
        header = next(line for line in lines if "Path" in line)
        assert "Host" in header and "Resize" in header
        # replica copies of one VM are told apart by their host
        erp = [line for line in lines if line.strip().startswith("ERP-APP")]
        assert any("HV-LEGACY" in line for line in erp) and any("HV-DR1" in line for line in erp)
        shown = " ".join(lines)
        assert "offline only: it is a VHD" in shown and "VM off first: 2012 host" in shown
    assert not app.unexpected_errors


async def test_a_theme_has_one_name_on_the_command_line_and_in_messages() -> None:
    app = console(theme=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        await pilot.press("colon", *"theme light", "enter")
        await pilot.pause()
        assert app.theme == "hvtui-light"
        text = " ".join(screen_lines(app))
        assert "Theme light" in text and "hvtui-light" not in text
        await pilot.press("colon", *"theme x", "enter")
        await pilot.pause()
        said = " ".join(screen_lines(app))
        assert "Themes:" in said and "dark" in said and "hvtui-" not in said
    assert not app.unexpected_errors


def test_sizes_are_in_one_unit_system_in_get_tables_and_bytes_in_json(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HVTUI_")}
    env.update(HVTUI_STATE_DIR=str(tmp_path / "state"), HVTUI_CONFIG_DIR=str(tmp_path / "c"))

    def get(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "hvtui.cli", "--lab-speed", "inf", "get",
                               "disks", *args], capture_output=True, check=False, env=env,
                              text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    table = get()
    sql_os = next(line for line in table.splitlines() if "SQL01-OS.vhdx" in line)
    assert "127 GiB" in sql_os and " GB " not in table
    rows = json.loads(get("-o", "json"))
    assert next(r for r in rows if r["path"].endswith("SQL01-OS.vhdx"))["size"] == 127 * 1024**3


async def test_the_console_names_binary_units_as_such() -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        text = " ".join(screen_lines(app))
        assert " GiB" in text and " GB" not in text


async def test_csv_free_space_survives_a_narrow_detail_column() -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        await pilot.press("5")
        await pilot.pause()
        csv = [line for line in screen_lines(app) if " CSV " in line]
        assert csv and all(re.search(r"[\d.]+ [GT]iB free of [\d.]+ [GT]iB, C:", line)
                           for line in csv), csv


def _state(app: Any, name: str) -> str:
    """The State cell of a VM's row, shown or hidden by the filter."""
    rows = app.main_screen.models["vms"].rows.values()
    return str(next(row.cells[2] for row in rows if row.cells[0] == name))


async def _until(pilot: Any, condition: Callable[[], object]) -> None:
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.02)


async def test_marks_count_in_the_crumb_skip_hidden_rows_and_clear_once_used() -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        screen = app.main_screen
        screen.apply_filter("@HV-LEGACY")  # ERP-APP, OLD-FAX, BUILD01, CENTOS-MON, LEGACY-SQL
        for key in ("home", "down", "space", "space"):  # mark OLD-FAX and BUILD01
            await pilot.press(key)
        await pilot.pause()
        assert "2 marked" in screen_lines(app)[1]

        # a cancelled wizard leaves the marks as they were
        await pilot.press("e")
        await _until(pilot, lambda: app.screen is not screen)
        await pilot.press("escape")
        await _until(pilot, lambda: app.screen is screen)
        assert "2 marked" in screen_lines(app)[1]

        # the filter hides OLD-FAX: Start acts on BUILD01 only, and says so
        screen.apply_filter("BUILD01")
        await pilot.pause()
        assert "2 marked, 1 hidden by the filter" in screen_lines(app)[1]
        await pilot.press("u")
        await _until(pilot, lambda: _state(app, "BUILD01") == "Running")
        assert _state(app, "BUILD01") == "Running"
        assert _state(app, "OLD-FAX") != "Running"
        # the mark of the row acted on is gone; the skipped one stays, still counted
        assert "1 marked, 1 hidden by the filter" in screen_lines(app)[1]

        # nothing shown is marked: refuse rather than act on the hidden mark
        await pilot.press("u")
        await pilot.pause()
        text = " ".join(screen_lines(app))
        assert "the filter hides the 1 marked row; Esc clears the filter" in text
        assert _state(app, "OLD-FAX") != "Running"

        # Esc clears the filter, then the marks; then the action takes the cursor row
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert "marked" not in screen_lines(app)[1]
        screen.apply_filter("PRINT01")
        await pilot.press("u")
        await _until(pilot, lambda: _state(app, "PRINT01") == "Running")
        assert _state(app, "PRINT01") == "Running"
    assert not app.unexpected_errors


@pytest.mark.parametrize("width", [80, 120])
async def test_the_footer_shows_the_panes_keys_in_whole_words(width: int) -> None:
    from hvtui.ui.actions import registered_actions

    app = console()
    async with app.run_test(size=(width, 30)) as pilot:
        await until_shown(app, pilot)
        for pane in ("2", "1", "3", "6"):  # VMs, Hosts, Disks, Jobs
            await pilot.press(pane)
            await pilot.pause()
            footer = screen_lines(app)[-1]
            assert len(footer) <= width
            # every word shown is a whole key label (of this pane's keys or the console's)
            current = app.main_screen.current
            labels = {b.binding.description for b in app.screen.active_bindings.values()}
            labels |= {"Palette"}
            items = [item.split(" ", 1) for item in footer.strip().split("  ")]
            assert all(len(i) == 2 and i[1] in labels for i in items), footer
            for essential in ("? Help", ": Command", "/ Filter", "q Quit"):
                assert essential in footer
            if current == "vms":  # the power keys first
                assert footer.lstrip().startswith("u Start  d Shut down  O Turn off"), footer
                assert any(s.label in footer for s in registered_actions("vms"))
            if current == "hosts":
                assert "→ Its VMs" in footer and "Migrate" not in footer
            if current == "disks":
                assert "R Resize" in footer and "Start" not in footer
    assert not app.unexpected_errors


@pytest.mark.parametrize(("width", "height", "readable"), [(80, 24, 29), (120, 40, 40)])
async def test_the_audit_message_is_readable_beside_long_parameters(
        width: int, height: int, readable: int) -> None:
    app = console()
    message = ("Compare-VM found 1 incompatibility: the destination has no virtual switch "
               "named 'Prod LAN'; connect the adapter to a switch on HV-DR1 or remove it")
    app.audit.record("HV-LEGACY", "migrate",
                     {"Name": "LEGACY-SQL", "DestinationHost": "HV-DR1",
                      "DestinationStoragePath": r"D:\Hyper-V\Virtual Machines\LEGACY-SQL",
                      "IncludeStorage": True}, "failed", message)
    async with app.run_test(size=(width, height)) as pilot:
        await until_shown(app, pilot)
        await pilot.press("7")
        for _ in range(100):
            await pilot.pause(0.02)
            if any("migrate" in line for line in screen_lines(app)):
                break
        line = next(line for line in screen_lines(app) if "migrate" in line)
        assert "HV-LEGACY" in line and "failed" in line  # where, what, how it ended
        assert message[:readable] in line, line
        assert re.search(r"\d\d:\d\d:\d\d", line)  # the time of day, at any width


async def test_a_host_with_clustering_tools_and_no_cluster_says_why_in_its_details() -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        await pilot.press("1")
        await pilot.pause()
        names = [cells[0] for cells in table_rows(app)]
        await pilot.press("home", *["down"] * names.index("HV-2025"), "enter")
        await pilot.pause()
        shown = " ".join(screen_lines(app))
        assert "not read: The cluster service is not running." in shown
    assert not app.unexpected_errors
