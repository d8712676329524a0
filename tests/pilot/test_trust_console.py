"""The console never lies about freshness or jobs (Pilot tests asserting what the user sees).

- rows of a host that stopped answering are dimmed and carry their age, in every pane and
  in details;
- ``q`` with a job running asks, names the job and says what quitting does on the host;
- a job is cancelled from the Jobs pane after a plain explanation, and ends interrupted;
- an action without a wizard that the host refuses shows the host's reason in place;
- a read-only migration destination fails on the wizard's pre-flight page;
- SIGTERM/SIGHUP end the console with running jobs recorded as interrupted.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from test_ui_support import console, screen_text, until_shown

from hvtui.errors import ConnectError
from hvtui.hyperv.audit import AuditLog
from hvtui.hyperv.jobs import JobManager
from hvtui.hyperv.plans import MigrateRequest, VmRef
from hvtui.hyperv.preflight import build_plan
from hvtui.lab import Lab
from hvtui.model import Job
from hvtui.ps import catalog
from hvtui.remote.base import ErrorRecord, ParamValue, ProgressCallback, PSResult, Session
from hvtui.remote.pool import SessionPool
from hvtui.screenshots.panes import frozen_scenario
from hvtui.ui.app import HvtuiApp
from hvtui.ui.confirm import ConfirmScreen
from hvtui.ui.details import DetailsScreen


class Flaky:
    """A lab host that can stop answering, or refuse one script with the host's words."""

    def __init__(self, inner: Session) -> None:
        self.inner = inner
        self.host = inner.host
        self.down = False
        self.refusals: dict[str, str] = {}
        """Catalog script name -> the message the host fails it with."""

    async def invoke(self, script: str, parameters: Mapping[str, ParamValue] | None = None,
                     *, timeout: float | None = None,
                     on_progress: ProgressCallback | None = None) -> PSResult:
        if self.down:
            raise ConnectError("connection refused", host=self.host)
        for name, message in self.refusals.items():
            if script == catalog.get(name).text:
                return PSResult(errors=[ErrorRecord(message, "InvalidOperation")],
                                had_errors=True)
        return await self.inner.invoke(script, parameters, timeout=timeout,
                                       on_progress=on_progress)

    async def close(self) -> None:
        await self.inner.close()


def flaky_pool(tmp_path: Path, speed: float = float("inf")) -> tuple[SessionPool,
                                                                     dict[str, Flaky]]:
    lab = Lab.from_scenario(frozen_scenario(directory=tmp_path), speed=speed)
    hosts = {name: Flaky(lab.session(name)) for name in lab.host_names}
    return SessionPool({n: partial(lambda s: s, s) for n, s in hosts.items()}), hosts


@pytest.fixture(autouse=True)
def _state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HVTUI_CONFIG_DIR", str(tmp_path / "config"))


async def press(pilot: Any, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
    await pilot.pause()


def audit_lines(app: HvtuiApp) -> list[dict[str, Any]]:
    return [json.loads(x) for x in app.audit.path.read_text().splitlines()]


# --- freshness --------------------------------------------------------------------------------

async def test_rows_of_a_silent_host_are_dimmed_with_their_age_everywhere(tmp_path: Path
                                                                           ) -> None:
    pool, hosts = flaky_pool(tmp_path)
    app = console(pool)
    async with app.run_test(size=(200, 50)) as pilot:
        await until_shown(app, pilot)
        for node in ("HV-NODE1", "HV-NODE2", "HV-NODE3", "HV-DR1"):
            hosts[node].down = True
        await asyncio.gather(*(app.refresher.refresh_host(h) for h in
                               ("HV-NODE1", "HV-NODE2", "HV-NODE3", "HV-DR1")))
        await pilot.pause(0.2)
        rows = [r for r in app.main_screen.table.model.view if r.group == "HV-DR1"]
        assert rows and all(set(r.roles) == {"stale"} for r in rows)  # every cell dimmed
        assert all(r.cells[3] == "stale" and r.cells[1].startswith("HV-DR1 (stale")
                   for r in rows)
        text = screen_text(app)
        assert "HV-DR1 (stale" in text
        fresh = [r for r in app.main_screen.table.model.view if r.group == "HV-LEGACY"]
        assert fresh and not any("stale" in r.roles for r in fresh)
        for pane, marker in (("3", "HV-DR1 (stale"), ("4", "HV-DR1 (stale"),
                             ("5", "no node answers"), ("1", "stale")):
            await press(pilot, pane)
            await until_shown(app, pilot)
            assert marker in screen_text(app), pane
        # details of a VM on the silent host say so before anything else
        await press(pilot, "2")
        vm = next(v for v in app.estate.vms() if v.host == "HV-DR1")
        app.open_details("vms", vm.key)
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        text = screen_text(app)
        assert "STALE: HV-DR1 is not answering" in text and "this is what it reported" in text
    assert not app.unexpected_errors


# --- jobs: quitting, cancelling -----------------------------------------------------------

async def _migration_running(app: HvtuiApp, pilot: Any) -> Job:
    """Start LEGACY-SQL's migration the way the progress page does; wait until it moves."""
    from hvtui.ui.wizards.handlers import runner

    plan = await build_plan(app.pool, MigrateRequest((VmRef("LEGACY-SQL"),), "HV-DR1", True,
                                                     "E:\\VMs\\LEGACY-SQL"))
    app.run_worker(runner(app).run(plan), group="plans", name=f"plan: {plan.title}",
                   exit_on_error=False)
    for _ in range(200):
        await pilot.pause(0.05)
        running = app.jobs.running
        if running and running[0].status not in ("", "started"):
            return running[0]
    raise AssertionError("the migration did not start")


async def test_quit_with_a_job_running_asks_and_names_it(tmp_path: Path) -> None:
    pool, _ = flaky_pool(tmp_path, speed=1.0)
    app = console(pool, audit=AuditLog(), jobs=JobManager())
    async with app.run_test(size=(160, 45)) as pilot:
        await until_shown(app, pilot)
        job = await _migration_running(app, pilot)
        await press(pilot, "q")
        assert isinstance(app.screen, ConfirmScreen)
        text = screen_text(app)
        assert "Quit while 1 change is under way?" in text
        assert f"job {job.id}  Live-migrate LEGACY-SQL from HV-LEGACY to HV-DR1" in text
        assert "Hyper-V may still finish it, or stop it part-way" in text
        await press(pilot, "n")  # stay
        assert not isinstance(app.screen, ConfirmScreen) and app.jobs.running
        await press(pilot, "q")
        await press(pilot, "y")
        await pilot.pause(0.2)
    last = audit_lines(app)[-1]
    assert last["outcome"] == "interrupted"
    assert "interrupted (hvtui quit while it ran), state unknown" in last["message"]


async def test_a_job_is_cancelled_from_the_jobs_pane_after_saying_what_that_means(
        tmp_path: Path) -> None:
    pool, _ = flaky_pool(tmp_path, speed=1.0)
    app = console(pool, audit=AuditLog(), jobs=JobManager())
    async with app.run_test(size=(160, 45)) as pilot:
        await until_shown(app, pilot)
        job = await _migration_running(app, pilot)
        await press(pilot, "6")
        # Not until_shown: it waits for the running migration's worker, the very job here.
        for _ in range(100):
            if "x Cancel job" in screen_text(app):
                break
            await pilot.pause(0.05)
        assert "x Cancel job" in screen_text(app)
        await press(pilot, "x")
        assert isinstance(app.screen, ConfirmScreen)
        text = screen_text(app)
        assert f"Cancel job {job.id}?" in text
        assert "HV-LEGACY is told to stop the PowerShell pipeline" in text
        assert "Steps of the same plan that have not started will not run." in text
        await press(pilot, "y")
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        assert f"Job {job.id} cancelled" in app.main_screen.flash.message
        assert app.jobs.jobs[0].state.value == "cancelled"
        assert "cancelled" in screen_text(app)
        last = audit_lines(app)[-1]
        assert last["outcome"] == "interrupted"
        assert "interrupted (job cancelled in hvtui), state unknown" in last["message"]
        await pilot.pause(0.2)
        assert "x Cancel job" not in screen_text(app)  # nothing left to cancel
    assert not app.unexpected_errors


async def test_sigterm_interrupts_the_jobs_and_ends_the_console(tmp_path: Path) -> None:
    pool, _ = flaky_pool(tmp_path, speed=1.0)
    app = console(pool, audit=AuditLog(), jobs=JobManager())
    async with app.run_test(size=(160, 45)) as pilot:
        await until_shown(app, pilot)
        await _migration_running(app, pilot)
        app.stop_on_signal(signal.SIGTERM)  # what the loop's SIGTERM handler calls
        await pilot.pause(0.2)
    assert app.return_code == 130
    last = audit_lines(app)[-1]
    assert last["outcome"] == "interrupted" and "SIGTERM" in last["message"]


async def test_a_terminal_gone_interrupts_the_jobs_and_ends_the_console(tmp_path: Path
                                                                        ) -> None:
    pool, _ = flaky_pool(tmp_path, speed=1.0)
    app = console(pool, audit=AuditLog(), jobs=JobManager())
    async with app.run_test(size=(160, 45)) as pilot:
        await until_shown(app, pilot)
        await _migration_running(app, pilot)
        app.terminal_lost()  # what the console's driver calls when a write or read fails
        await pilot.pause(0.2)
    assert app.return_code == 130
    last = audit_lines(app)[-1]
    assert last["outcome"] == "interrupted" and "terminal closed" in last["message"]


# --- failures where the user looks; read-only destinations ---------------------------------

async def test_a_quick_action_the_host_refuses_shows_the_hosts_reason(tmp_path: Path) -> None:
    pool, hosts = flaky_pool(tmp_path)
    reason = "The virtual machine could not be saved: the disk holding its memory file is full."
    hosts["HV-LEGACY"].refusals["vm-save"] = reason
    app = console(pool)
    async with app.run_test(size=(200, 45)) as pilot:
        await until_shown(app, pilot)
        vm = next(v for v in app.estate.vms() if v.name == "LEGACY-SQL")
        assert app.main_screen.table.move_cursor_to(vm.key)
        await press(pilot, "v")  # Save: no wizard for a harmless action
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert reason in app.main_screen.flash.message
        assert "Stopped: 0 of 1 step(s) succeeded, 1 failed." in app.main_screen.flash.message
        assert "could not be saved" in screen_text(app)
    assert not app.unexpected_errors


async def test_a_read_only_destination_fails_on_the_pre_flight_page(tmp_path: Path) -> None:
    pool, _ = flaky_pool(tmp_path)
    app = console(pool, read_only_hosts=["HV-DR1"])
    async with app.run_test(size=(200, 50)) as pilot:
        await until_shown(app, pilot)
        from hvtui.ui.wizards.forms import MigrationWizard
        from hvtui.ui.wizards.handlers import planner, runner

        vm = next(v for v in app.estate.vms() if v.name == "LEGACY-SQL")
        hosts = [s.inventory.host for s in app.estate.hosts if s.inventory is not None]
        wizard = MigrationWizard(planner(app), [vm], hosts)
        app.push_screen(wizard)
        await pilot.pause()
        request = MigrateRequest((VmRef.of(vm),), "HV-DR1", True, "E:\\VMs\\LEGACY-SQL")
        plan = await planner(app)(request)
        wizard.show_plan(plan)
        await pilot.pause()
        text = screen_text(app)
        assert "Read-only host: HV-DR1 is read-only in the inventory" in text
        assert wizard.query_one("#confirm").disabled
        # and the runner refuses it whatever built the plan
        unchecked = await build_plan(app.pool, request)
        result = await runner(app).run(unchecked)
        assert result.refused and "HV-DR1 is read-only" in result.refusal
