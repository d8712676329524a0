"""The console driven with Textual's Pilot on the real (frozen) lab, asserting on what is shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from test_ui_support import console, screen_text, table_rows, until_shown

from hvtui.connect import lab_pool
from hvtui.lab import Lab
from hvtui.remote.pool import SessionPool
from hvtui.screenshots.panes import frozen_scenario
from hvtui.ui import actions
from hvtui.ui.crashlog import log_path
from hvtui.ui.details import DetailsScreen
from hvtui.ui.help import HelpScreen
from hvtui.ui.settings import load_settings


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings, audit log and error log of each test go to its own folder."""
    monkeypatch.setenv("HVTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path / "state"))


async def _press(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
    await pilot.pause()


def showing(app: Any) -> object:
    """The screen on top now (read afresh: mypy keeps an earlier isinstance narrowing)."""
    return app.screen


async def test_every_pane_shows_the_estate() -> None:
    app = console()
    async with app.run_test(size=(160, 50)) as pilot:
        await until_shown(app, pilot)
        text = screen_text(app)
        assert "VMs 44" in text and "sort Health" in text
        first = next(table_rows(app))
        assert first[3] == "critical"  # problems first
        assert "ERP-APP" in text and "RunningCritical" in text

        await _press(pilot, "1")
        text = screen_text(app)
        assert "Hosts 10" in text
        assert "HV-LEGACY" in text and "2012 (9200)" in text and "2022 (20348)" in text
        assert "2016 (14393)" in text and "2025 (26100)" in text
        assert "HVC01" in text  # cluster column

        await _press(pilot, "3")
        text = screen_text(app)
        assert "Disks" in text and "ERP-APP.vhd" in text
        assert "online" in text and "VM off first: it is a VHD" in text  # resize verdicts

        await _press(pilot, "4")
        text = screen_text(app)
        assert "Replicas 10" in text
        assert "replication failed; check the replica server" in text  # plain words
        assert "Extended" in text

        await _press(pilot, "5")
        text = screen_text(app)
        assert "DrainOnShutdown on" in text
        assert "HV-NODE3" in text and "Paused" in text and "drain Completed" in text
        assert "CSV" in text and "VM role" in text and "on HV-NODE2" in text

        await _press(pilot, "6")
        assert "No jobs yet" in screen_text(app)
        await _press(pilot, "7")
        await until_shown(app, pilot)
        assert "No changes recorded yet" in screen_text(app)
        assert "problems:" in screen_text(app)  # status bar, on every pane
    assert not app.unexpected_errors


async def test_command_line_switches_panes_and_says_when_it_does_not_know() -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        await _press(pilot, "colon", "c", "enter")
        assert app.main_screen.current == "clusters"
        await _press(pilot, "colon", "h", "enter")
        assert app.main_screen.current == "hosts"
        await _press(pilot, "colon", *"vm", "enter")
        assert app.main_screen.current == "vms"
        await _press(pilot, "colon", *"po", "enter")
        assert app.main_screen.current == "vms"
        assert "Unknown command :po" in screen_text(app)
        await _press(pilot, "escape")  # back to the previous pane
        assert app.main_screen.current == "hosts"
    assert not app.unexpected_errors


async def test_filter_substring_inverted_and_empty() -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        await _press(pilot, "slash", *"Sq", "enter")
        names = [row[0] for row in table_rows(app)]
        assert names and all("sq" in " ".join(r).lower() for r in table_rows(app))
        assert "of 44" in screen_text(app) and "/Sq" in screen_text(app)

        await _press(pilot, "slash", "ctrl+u", "exclamation_mark", *"sq", "enter")
        rows = list(table_rows(app))
        assert rows and not any("sq" in " ".join(r).lower() for r in rows)

        await _press(pilot, "slash", "ctrl+u", *"zqx", "enter")
        text = screen_text(app)
        assert "No VMs match /zqx" in text and "Esc clears the filter" in text
        await _press(pilot, "escape")
        assert len(list(table_rows(app))) == 44
    assert not app.unexpected_errors


async def test_sorting_from_the_keyboard() -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        table = app.main_screen.table
        assert table.model.sort_column.key == "health"
        await _press(pilot, "s")
        column = table.model.sort_column
        assert column.key != "health" and f"sort {column.label}" in screen_text(app)
        values = [row.values[table.model.sort_index] for row in table.model.view]
        assert values == sorted(values)
        await _press(pilot, "S")
        values = [row.values[table.model.sort_index] for row in table.model.view]
        assert values == sorted(values, reverse=True)
        assert "desc" in screen_text(app)
    assert not app.unexpected_errors


async def test_drill_into_a_vm_and_back() -> None:
    app = console()
    async with app.run_test(size=(120, 60)) as pilot:
        await until_shown(app, pilot)
        await _press(pilot, "slash", *"2019-w", "enter")
        assert [row[0] for row in table_rows(app)] == ["WIN2019-WEB"]
        await _press(pilot, "enter")
        assert isinstance(app.screen, DetailsScreen)
        text = screen_text(app)
        for part in ("VM WIN2019-WEB", "Summary", "Memory", "Network adapters", "Disks",
                     "Checkpoints", "Integration services", "Replication", "Enhanced session"):
            assert part in text, part
        body = app.describe("vms", app.screen.key, app.screen.obj).plain()
        assert "not available because" in body and "host policy is off" in body
        tree = [line for line in body.splitlines() if "─ " in line]
        assert [line.split("─ ")[1].split("  ")[0] for line in tree] == [
            "Baseline", "Before IIS update", "After IIS update", "Test branch"]
        assert tree[0].startswith("└─") and tree[2].startswith("   │  └─")
        await _press(pilot, "escape")
        assert showing(app) is app.main_screen
    assert not app.unexpected_errors


async def test_help_lists_the_keys_of_this_pane() -> None:
    app = console()
    async with app.run_test(size=(120, 50)) as pilot:
        await until_shown(app, pilot)
        await _press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = {(k, t) for _, k, t in app.screen.entries}
        for description in ("Filter", "Command", "Sort", "Reverse sort", "Refresh", "Details",
                            "Down", "Up", "Mark", "Back", "Quit"):
            assert any(t == description for _, t in keys), description
        assert "Keys on the VMs pane" in screen_text(app)
        await _press(pilot, "escape")
        assert showing(app) is app.main_screen
    assert not app.unexpected_errors


def _register_test_actions(calls: list[tuple[str, list[Any]]]) -> None:
    def look(app: Any, objects: list[Any]) -> None:
        calls.append(("look", objects))

    async def change(app: Any, objects: list[Any]) -> None:
        calls.append(("change", objects))

    actions.register_action(actions.ActionSpec("test-look", "Look", "y", {"vms"}, False, look))
    actions.register_action(actions.ActionSpec("test-change", "Change", "x", {"vms"}, True,
                                               change))


async def test_read_only_hides_every_mutating_action() -> None:
    calls: list[tuple[str, list[Any]]] = []
    _register_test_actions(calls)
    try:
        app = console(read_only=True)
        async with app.run_test(size=(200, 40)) as pilot:
            await until_shown(app, pilot)
            text = screen_text(app)
            assert "READ-ONLY" in text.splitlines()[0]  # the header says so
            active = {b.binding.description for b in app.screen.active_bindings.values()}
            assert "Look" in active and "Change" not in active
            mutating = [s.label for s in actions.registered_actions("vms") if s.mutating]
            assert mutating and not set(mutating) & active
            await _press(pilot, "x", "y")
            assert [c[0] for c in calls] == ["look"]
    finally:
        actions.unregister_action("test-look")
        actions.unregister_action("test-change")
    assert not app.unexpected_errors


async def test_actions_get_the_marked_rows() -> None:
    calls: list[tuple[str, list[Any]]] = []
    _register_test_actions(calls)
    try:
        app = console()
        async with app.run_test(size=(120, 40)) as pilot:
            await until_shown(app, pilot)
            # The cursor follows its row while hosts arrive one by one: start from the top.
            await _press(pilot, "home", "space", "space", "x")
            await pilot.pause()
            assert calls and calls[0][0] == "change"
            assert [vm.name for vm in calls[0][1]] == [row[0] for row in
                                                      list(table_rows(app))[:2]]
            assert "2 marked" in screen_text(app)
            await _press(pilot, "escape")  # clears the marks
            assert "marked" not in screen_text(app)
    finally:
        actions.unregister_action("test-look")
        actions.unregister_action("test-change")
    assert not app.unexpected_errors


async def test_theme_switch_is_remembered_and_a_broken_theme_reported(tmp_path: Path) -> None:
    app = console(theme=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        await _press(pilot, "colon", *"theme light", "enter")
        assert app.theme == "hvtui-light"
        await _press(pilot, "colon", *"theme x", "enter")
        assert "No theme 'x'" in screen_text(app)
    assert load_settings()["theme"] == "hvtui-light"

    themes = tmp_path / "config" / "themes"
    themes.mkdir(parents=True)
    (themes / "mine.toml").write_text('name = "mine"\n[colors]\nprimary = "nonsense"\n')
    again = console(theme=None)
    async with again.run_test(size=(120, 40)) as pilot:
        await until_shown(again, pilot)
        assert again.theme == "hvtui-light"  # remembered
        reports = [n.message for n in again._notifications if "mine.toml" in n.message]
        assert len(reports) == 1 and "not a colour" in reports[0]
    assert not app.unexpected_errors and not again.unexpected_errors


async def test_80x24_collapses_columns_and_40x10_still_works() -> None:
    app = console()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_shown(app, pilot)
        shown = [c.key for c in app.main_screen.table.visible_columns()]
        assert {"name", "state", "health"} <= set(shown)
        assert "heartbeat" not in shown  # low priority: collapsed at 80 columns
        assert all(len(line) <= 80 for line in screen_text(app).splitlines())
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        await _press(pilot, "1", "j", "enter")
        await _press(pilot, "escape", "2")
        assert "VMs" in screen_text(app)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert "Heartbeat" in screen_text(app)  # columns come back when there is room
    assert not app.unexpected_errors


async def test_an_unreachable_host_stays_listed_with_the_reason(tmp_path: Path) -> None:
    lab = Lab.from_scenario(frozen_scenario(directory=tmp_path), speed=float("inf"))
    made: list[Any] = []
    target = ["HV-NODE3"]

    def node3() -> Any:
        session = lab.session(target[0])
        made.append(session)
        return session

    factories: dict[str, Callable[[], Any]] = {
        name: partial(lab.session, name) for name in lab.host_names}
    factories["HV-NODE3"] = node3
    factories["HV-GONE"] = partial(lab.session, "HV-GONE")
    app = console(SessionPool(factories))
    async with app.run_test(size=(160, 40)) as pilot:
        await until_shown(app, pilot)
        await _press(pilot, "1")
        text = screen_text(app)
        gone = next(line for line in text.splitlines() if "HV-GONE" in line)
        assert "down" in gone and "no host named" in gone
        assert "host down" in text  # status bar

        # HV-NODE3 answered once, then stops: it stays listed, stale, with the reason
        await made[-1].close()
        target[0] = "HV-NOWHERE"
        await until_shown(app, pilot)
        line = next(line for line in screen_text(app).splitlines() if "HV-NODE3" in line)
        assert "stale" in line and "closed" in line
    assert not app.unexpected_errors


async def test_a_vm_deleted_between_refreshes(tmp_path: Path) -> None:
    lab = Lab.from_scenario(frozen_scenario(directory=tmp_path), speed=float("inf"))
    pool = SessionPool({name: partial(lab.session, name) for name in lab.host_names})
    app = console(pool)
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        vm = next(v for v in app.estate.vms() if v.name == "BUILD01")
        assert app.main_screen.table.move_cursor_to(vm.key)
        await _press(pilot, "enter")
        assert isinstance(app.screen, DetailsScreen)
        host = lab.estate.host(vm.host)
        assert host is not None
        with lab.estate.lock:  # someone deletes the VM outside hvtui
            key = next(k for k, v in host.vms.items() if v.name == "BUILD01")
            del host.vms[key]
        await until_shown(app, pilot)
        assert "no longer exists" in screen_text(app)
        await _press(pilot, "escape")
        assert "BUILD01" not in [row[0] for row in table_rows(app)]
    assert not app.unexpected_errors


async def test_unexpected_errors_are_logged_and_reported_not_shown() -> None:
    def broken(app: Any, objects: list[Any]) -> None:
        raise RuntimeError("deliberately broken action")

    actions.register_action(actions.ActionSpec("test-broken", "Broken", "x", {"vms"}, False,
                                               broken))
    try:
        app = console()
        async with app.run_test(size=(120, 40)) as pilot:
            await until_shown(app, pilot)
            await _press(pilot, "x")
            notes = [n.message for n in app._notifications]
            assert any("deliberately broken action" in n and str(log_path()) in n for n in notes)
            assert "Traceback" not in screen_text(app)
            await _press(pilot, "1")  # still working
            assert app.main_screen.current == "hosts"
        assert "deliberately broken action" in log_path().read_text()
        assert len(app.unexpected_errors) == 1
    finally:
        actions.unregister_action("test-broken")


async def test_palette_reaches_panes_and_hosts() -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        await _press(pilot, "ctrl+p", *"LEGA")
        await pilot.pause(0.3)
        await _press(pilot, "enter")
        assert isinstance(app.screen, DetailsScreen) and app.screen.pane == "hosts"
        assert "Host HV-LEGACY" in screen_text(app)
        await _press(pilot, "escape", "ctrl+p", *"show clu")
        await pilot.pause(0.3)
        await _press(pilot, "enter")
        assert app.main_screen.current == "clusters"
    assert not app.unexpected_errors


def test_lab_pool_is_what_the_console_runs_on() -> None:
    """The frozen pool is the real lab pool: same hosts as ``lab_pool()``."""
    assert sorted(lab_pool(speed=float("inf")).hosts) == sorted(console().pool.hosts)


@pytest.mark.parametrize(("term", "theme"),
                         [("linux", "hvtui-16"), ("xterm-256color", "hvtui-dark")])
def test_a_16_colour_terminal_gets_the_ansi_theme(monkeypatch: pytest.MonkeyPatch, term: str,
                                                  theme: str) -> None:
    monkeypatch.setenv("TERM", term)
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)
    assert console(theme=None).theme == theme


async def test_no_color_draws_in_grey_and_meaning_stays_in_words(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Under NO_COLOR the console draws no hue at all, and what colour would say (a critical
    VM, a stale host) is still there as text."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_shown(app, pilot)
        svg = app.export_screenshot()
        text = screen_text(app)
    # The terminal's cells: text styles (.terminal-…-rN) and backgrounds (<rect fill>), not
    # the window's decoration that the SVG draws around them.
    colours = set(re.findall(r"-r\d+ \{ fill: #([0-9a-f]{6})", svg))
    colours |= set(re.findall(r'<rect fill="#([0-9a-f]{6})" x=', svg))
    assert len(colours) > 3, "the screenshot names its colours"

    def hue(colour: str) -> int:  # how far the channels spread (Rich's default text: 3)
        channels = [int(colour[i:i + 2], 16) for i in (0, 2, 4)]
        return max(channels) - min(channels)

    hues = sorted(c for c in colours if hue(c) > 8)
    assert not hues, f"colours with a hue under NO_COLOR: {hues[:5]}"
    assert "critical" in text and "OffCritical" in text


async def test_hosts_marked_read_only_in_the_inventory_refuse_changes() -> None:
    calls: list[tuple[str, list[Any]]] = []
    _register_test_actions(calls)
    try:
        app = console(read_only_hosts={"hv-legacy"})
        async with app.run_test(size=(160, 40)) as pilot:
            await until_shown(app, pilot)
            await _press(pilot, "slash", *"legacy-sql", "enter")
            active = {b.binding.description for b in app.screen.active_bindings.values()}
            assert "Look" in active and "Change" not in active
            await _press(pilot, "x")
            assert calls == []
            await _press(pilot, "escape", "slash", *"dc01", "enter")  # on HV-NODE1
            active = {b.binding.description for b in app.screen.active_bindings.values()}
            assert "Change" in active
            await _press(pilot, "escape", "1")
            line = next(x for x in screen_text(app).splitlines() if "HV-LEGACY" in x)
            assert "read-only" in line
    finally:
        actions.unregister_action("test-look")
        actions.unregister_action("test-change")
    assert not app.unexpected_errors
