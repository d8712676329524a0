"""Run ``hvtui`` in process on the embedded lab, as the CLI tests do, and read what it left.

Every test already has private state and config folders (``tests/conftest.py``); the
``state_dir`` fixture there names the state folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hvtui.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``hvtui --lab-speed inf ARGV``: its exit status, stdout and stderr."""
    code = main(["--lab-speed", "inf", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def flat(text: str) -> str:
    """Output as one line of single spaces (plans are wrapped to the terminal's width)."""
    return " ".join(text.split())


def audit(state_dir: Path) -> list[dict[str, object]]:
    """The audit log's entries, oldest first ([] when nothing was recorded)."""
    path = state_dir / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
