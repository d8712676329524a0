"""Fixtures of the lab tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def state_dir() -> Path:
    """This test's private state folder (audit log, kept lab), set by tests/conftest.py."""
    return Path(os.environ["HVTUI_STATE_DIR"])
