"""Shared fixtures: every test gets private state and config folders."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from test_openssh_support import OpenSSH, start_openssh, why_not

from hvtui.lab import Lab
from hvtui.lab.server.run import LabEndpoints, start_lab_servers


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                  ) -> None:
    """No test reads or writes the user's real audit log, settings or inventory."""
    base: Path = tmp_path_factory.mktemp("hvtui-home")
    monkeypatch.setenv("HVTUI_STATE_DIR", str(base / "state"))
    monkeypatch.setenv("HVTUI_CONFIG_DIR", str(base / "config"))
    # Nor the user's ~/.ssh (config, known_hosts, keys) or ssh-agent.
    monkeypatch.setenv("HOME", str(base / "home"))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


@pytest.fixture
def state_dir() -> Path:
    """This test's private state folder (audit log, kept lab), set by _private_dirs."""
    return Path(os.environ["HVTUI_STATE_DIR"])


# Hypothesis: no deadlines (a deadline is a timing assertion, and this machine is shared) and
# no "too slow" health check; in CI the examples are derandomized so a run is reproducible.
settings.register_profile(
    "hvtui",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("hvtui")


@pytest.fixture(scope="session")
def openssh() -> Iterator[OpenSSH]:
    """Debian's sshd, unprivileged on a free loopback port, one per test session."""
    reason = why_not()
    if reason is not None:
        pytest.skip(reason)
    server = start_openssh()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def endpoints(tmp_path: Path) -> AsyncIterator[LabEndpoints]:
    """The default lab estate behind real WinRM and SSH endpoints on loopback (instant)."""
    lab = Lab.from_scenario(None, instant=True)
    served = await start_lab_servers(lab, tmp_path / "lab")
    try:
        yield served
    finally:
        await served.close()
