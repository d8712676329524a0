"""What a person sees in the wizards, asserted on the screen's text (Pilot on the lab)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from test_ui_support import screen_lines, screen_text
from test_wizard_pilot import (
    SIZE,
    check,
    confirm_and_finish,
    host_status,
    open_action,
    press,
    ready,
    until,
    vm,
)
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select
from textual.widgets._toast import Toast

from hvtui.connect import lab_pool
from hvtui.model import Job
from hvtui.ui.app import make_app
from hvtui.ui.panes import job_row
from hvtui.ui.render import job_timing
from hvtui.ui.wizards.progress import PlanProgress
from hvtui.ui.wizards.toggles import TickBox


@pytest.fixture(autouse=True)
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("HVTUI_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


@pytest.fixture(params=["colour", "NO_COLOR"])
async def pilot(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
                ) -> AsyncIterator[Pilot[Any]]:
    if request.param == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app(lab_pool(speed=float("inf")), theme="dark", refresh_interval=3600)
    async with app.run_test(size=SIZE) as p:
        await ready(p)
        yield p


def focused(app: Any) -> object:
    """The focused widget, as a plain object (each assertion names the one it expects)."""
    return app.focused


def flat(app: Any) -> str:
    """The screen's words as one line (wrapped text joined, borders dropped)."""
    return " ".join(" ".join(line.strip("█▌▐▊▎ ").split()) for line in screen_lines(app))


def _line(pilot: Pilot[Any], words: str) -> str:
    lines = [line for line in screen_lines(pilot.app) if words in line]  # type: ignore[arg-type]
    assert lines, f"{words!r} is not on the screen:\n{screen_text(pilot.app)}"  # type: ignore[arg-type]
    return lines[0]


async def test_check_boxes_and_radio_buttons_read_without_colour(pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "copy-file", [vm(app, "DR-DC02")])
    assert "[x] Create missing folders" in _line(pilot, "Create missing folders")
    assert "[ ] Replace the file" in _line(pilot, "Replace the file")
    replace = wizard.query_one("#overwrite", TickBox)
    replace.focus()
    await pilot.press("space")
    await pilot.pause()
    assert "[x] Replace the file" in _line(pilot, "Replace the file")
    await pilot.press("escape")

    await open_action(pilot, "enhanced-session", [host_status(app, "HV-DR1")])
    assert "(•) On: VMConnect" in _line(pilot, "On: VMConnect")  # the policy is off: On offered
    assert "( ) Off: basic sessions" in _line(pilot, "Off: basic sessions")
    await pilot.press("escape")


@pytest.fixture
async def small() -> AsyncIterator[Pilot[Any]]:
    """The console at 80x24, the smallest terminal hvtui is drawn for."""
    app = make_app(lab_pool(speed=float("inf")), theme="dark", refresh_interval=3600)
    async with app.run_test(size=(80, 24)) as p:
        await ready(p)
        yield p


async def test_a_wizard_opens_on_its_first_field_and_enter_moves_on(small: Pilot[Any]) -> None:
    pilot = small
    app = await ready(pilot)
    wizard = await open_action(pilot, "migrate", [vm(app, "LEGACY-SQL")])
    assert focused(app) is wizard.query_one("#destination", Select)
    await pilot.press("escape")

    wizard = await open_action(pilot, "copy-file", [vm(app, "DR-DC02")])
    assert focused(app) is wizard.query_one("#source", Input)
    await pilot.press(*"C:\\a.txt", "enter")
    assert focused(app) is wizard.query_one("#destination", Input)
    await pilot.press(*"C:\\b.txt", "enter")
    assert focused(app) is wizard.query_one("#create-path", TickBox)
    await pilot.press("enter")  # Enter moves on; it does not untick
    assert wizard.query_one("#create-path", TickBox).value is True
    assert focused(app) is wizard.query_one("#overwrite", TickBox)
    await pilot.press("space", "enter")  # Space ticks; Enter on the last field checks
    await until(pilot, lambda: wizard.plan is not None, "the pre-flight page")
    assert wizard.plan is not None and wizard.plan.request.overwrite  # type: ignore[attr-defined]

    await pilot.press("ctrl+b")  # Back: where the person left off
    await pilot.pause()
    assert focused(app) is wizard.query_one("#overwrite", TickBox)
    assert wizard.query_one("#overwrite", TickBox).value is True


async def test_radio_choices_move_on_with_enter(small: Pilot[Any]) -> None:
    pilot = small
    app = await ready(pilot)
    wizard = await open_action(pilot, "guest-services", [vm(app, "DR-DC02")])
    assert focused(app) is wizard.query_one("#on-off")
    await pilot.press("enter")  # the only field: Enter chooses and checks
    await until(pilot, lambda: wizard.plan is not None, "the pre-flight page")


def _first(lines: list[str], word: str) -> int:
    return next(i for i, line in enumerate(lines) if line.strip(" █▌▐").startswith(word))


async def test_review_lists_fail_then_warn_then_pass(small: Pilot[Any]) -> None:
    pilot = small
    app = await ready(pilot)
    wizard = await open_action(pilot, "migrate", [vm(app, "LEGACY-SQL")])
    wizard.query_one("#destination", Select).value = "HV-NODE3"  # migrations are off there
    await check(pilot, wizard)
    assert wizard.plan is not None and wizard.plan.failures and wizard.plan.warnings
    checks = [c.outcome.name for c in wizard.plan.checks]
    assert checks != sorted(checks, key=["FAIL", "WARN", "PASS"].index)  # the planner's order
    shown = [line.strip(" █")[:4] for line in screen_lines(app)]
    marks = [m for m in shown if m in ("FAIL", "WARN", "PASS")]
    assert marks == sorted(marks, key=["FAIL", "WARN", "PASS"].index) and marks[0] == "FAIL"
    # a refused plan says that nothing will run, once, and offers Back, not Confirm
    text = screen_text(app)
    assert "Nothing will run: the plan is refused" in text
    assert "Nothing to run" not in text
    assert focused(app) is wizard.query_one("#back", Button)


async def test_powershell_and_afterwards_are_on_screen_before_confirm(small: Pilot[Any]
                                                                       ) -> None:
    pilot = small
    app = await ready(pilot)
    wizard = await open_action(pilot, "migrate", [vm(app, "LEGACY-SQL")])
    wizard.query_one("#destination", Select).value = "HV-DR1"
    wizard.query_one("#include-storage", TickBox).value = True
    wizard.query_one("#storage-path", Input).value = "E:\\VMs\\LEGACY-SQL"
    await check(pilot, wizard)
    assert wizard.plan is not None and not wizard.plan.refused and wizard.plan.notes
    confirm = wizard.query_one("#confirm", Button)
    area = wizard.query_one("#consequences", VerticalScroll)
    await until(pilot, lambda: area.max_scroll_y > 0, "the long consequences to lay out")
    # at 80x24 the migration's PowerShell and notes do not fit below the checklist: they
    # scroll, and Confirm waits until their end has been on screen
    assert confirm.disabled
    assert "Move-VM -Name 'LEGACY-SQL'" in screen_text(app)
    area.focus()
    await pilot.press("end")
    await until(pilot, lambda: not confirm.disabled, "Confirm once everything was shown")
    text = screen_text(app)
    assert "Afterwards:" in text
    assert " ".join(wizard.plan.notes[-1].split()[-3:]) in text
    assert focused(app) is confirm  # not destructive: Confirm is the way on


async def test_a_destructive_plan_does_not_focus_confirm(small: Pilot[Any]) -> None:
    pilot = small
    app = await ready(pilot)
    wizard = await open_action(pilot, "vm-turn-off", [vm(app, "DC01")])
    await until(pilot, lambda: wizard.plan is not None, "the pre-flight page")
    assert wizard.plan is not None and wizard.plan.destructive
    confirm = wizard.query_one("#confirm", Button)
    await until(pilot, lambda: not confirm.disabled, "Confirm to be offered")
    assert focused(app) is not confirm
    await pilot.press("enter")  # Enter where the focus starts changes nothing
    await pilot.pause()
    assert app.screen is wizard


async def test_enhanced_session_on_2012_has_one_verdict(small: Pilot[Any]) -> None:
    pilot = small
    app = await ready(pilot)
    wizard = await open_action(pilot, "enhanced-session", [host_status(app, "HV-LEGACY")])
    await check(pilot, wizard)
    assert wizard.plan is not None and wizard.plan.refused
    text = flat(app)
    assert "Enhanced session mode needs Windows Server 2012 R2" in text
    assert "Nothing will run: the plan is refused" in text
    for contradiction in ("Nothing to run", "nothing to change", " on on "):
        assert contradiction not in text
    assert wizard.plan.title == "Turn enhanced session mode on for HV-LEGACY"


def _ended(progress: PlanProgress) -> Callable[[], bool]:
    return lambda: progress.result is not None


async def test_copy_file_onto_an_existing_file_says_to_tick_replace(small: Pilot[Any]) -> None:
    pilot = small
    app = await ready(pilot)
    gsi = await open_action(pilot, "guest-services", [vm(app, "DR-DC02")])
    await check(pilot, gsi)
    assert (await confirm_and_finish(pilot, gsi)).ok
    for attempt in ("first", "second"):
        copy = await open_action(pilot, "copy-file", [vm(app, "DR-DC02")])
        copy.query_one("#source", Input).value = "C:\\Tools\\hvtui-agent.msi"
        copy.query_one("#destination", Input).value = "C:\\Install\\agent.msi"
        await check(pilot, copy)
        await press(pilot, copy.query_one("#confirm", Button))
        await until(pilot, lambda: isinstance(app.screen, PlanProgress), "the progress page")
        progress = app.screen
        assert isinstance(progress, PlanProgress)
        await until(pilot, _ended(progress), "the copy to end")
        assert progress.result is not None
        if attempt == "first":
            assert progress.result.ok
        else:
            assert not progress.result.ok
            text = flat(app)
            assert "The file exists. (0x80070050)" in text
            assert "tick 'Replace the file if it exists'" in text
        await press(pilot, progress.query_one("#close", Button))
        await until(pilot, lambda: not isinstance(app.screen, PlanProgress), "the console")


async def test_progress_shows_step_percentage_and_time_in_words(small: Pilot[Any]) -> None:
    pilot = small
    app = await ready(pilot)
    wizard = await open_action(pilot, "export", [vm(app, "JUMP01")])
    wizard.query_one("#path", Input).value = "E:\\Exports"
    await check(pilot, wizard)
    await press(pilot, wizard.query_one("#confirm", Button))
    await until(pilot, lambda: isinstance(app.screen, PlanProgress), "the progress page")
    progress = app.screen
    assert isinstance(progress, PlanProgress)
    await until(pilot, lambda: progress.result is not None, "the export to end")
    await pilot.pause()
    text = flat(app)
    assert "Step 1 of 1: job 1 on HV-DR1 completed, 100% done, took" in text
    assert "############################## 100%" in text  # the bar is characters
    await press(pilot, progress.query_one("#close", Button))
    await pilot.press("6")
    await pilot.pause()
    assert "Export JUMP01" in flat(app) and "took 0s" in flat(app)


def test_a_job_at_40_percent_says_so_once_with_an_estimate() -> None:
    start = dt.datetime(2014, 3, 14, 9, 30, tzinfo=dt.UTC)
    job = Job(1, "HV-DR1", "Export JUMP01", "JUMP01", start).progressed(40, "40%")
    now = start + dt.timedelta(seconds=12)
    assert job.news == ""  # the host's bare percentage is not said twice
    assert job.progressed(40, "Copying disks").news == "Copying disks"
    assert job_timing(job, now) == "12s elapsed, about 18s left"
    row = job_row(job, now)[0]
    assert [c for c in row.cells if "40%" in c] == ["####------  40%"]


async def test_notifications_never_cover_a_wizards_buttons() -> None:
    app = make_app(lab_pool(speed=float("inf")), theme="dark", refresh_interval=3600)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot)
        wizard = await open_action(pilot, "export", [vm(app, "JUMP01")])
        for n in range(3):
            app.notify(f"Job {n} completed: a notification that takes several lines " * 2,
                       timeout=30)
        await until(pilot, lambda: len(wizard.query(Toast)) == 3, "the notifications")
        await pilot.pause()
        lines = screen_lines(app)
        assert any("completed" in line for line in lines)  # the notifications are shown,
        bottom = lines[wizard.query_one("#wizard-buttons").region.y - 1:]
        assert not any("completed" in line for line in bottom)  # above the buttons
        assert any("Check" in line and "Cancel" in line for line in bottom)
