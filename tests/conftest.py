"""Shared fixtures: every test gets private state and config folders."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                  ) -> None:
    """No test reads or writes the user's real audit log, settings or inventory."""
    base: Path = tmp_path_factory.mktemp("hvtui-home")
    monkeypatch.setenv("HVTUI_STATE_DIR", str(base / "state"))
    monkeypatch.setenv("HVTUI_CONFIG_DIR", str(base / "config"))
