"""hvtui connect VM on the lab: with a display and FreeRDP it starts FreeRDP in VMConnect
mode; otherwise it writes an owner-only .rdp file and prints the exact command."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lab_cli import run_cli


def test_without_a_display_it_writes_the_rdp_file(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    target = tmp_path / "edge.rdp"
    code, out, _ = run_cli(capsys, "connect", "EDGE-LNX01", "--rdp-file", str(target))
    assert code == 0
    assert "no graphical display here" in out
    assert "Command: xfreerdp /v:HV-2025:2179 /vmconnect:" in out
    text = target.read_text()
    assert "pcb:s:" in text and "full address:s:HV-2025:2179" in text
    assert target.stat().st_mode & 0o077 == 0


def test_with_a_display_and_freerdp_it_starts_it(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    seen = tmp_path / "args"
    tool = tmp_path / "xfreerdp"
    tool.write_text(f'#!/bin/sh\necho "$@" > {seen}\n')
    tool.chmod(0o755)
    monkeypatch.setenv("DISPLAY", ":9")
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    code, out, _ = run_cli(capsys, "connect", "EDGE-LNX01")
    assert code == 0 and out.startswith("Started EDGE-LNX01's console: xfreerdp /v:HV-2025")
    for _ in range(200):
        if seen.exists() and seen.read_text():
            break
        time.sleep(0.02)
    assert seen.read_text().startswith("/v:HV-2025:2179 /vmconnect:")
