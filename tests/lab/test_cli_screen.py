"""hvtui screen / hvtui keys on the lab (issue 12): the screen printed as text, as JSON,
a VM without a screen; keys through a plan with --dry-run and --yes, audited without the
text, refused under --read-only."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from lab_cli import audit, flat, run_cli

from hvtui.cli import main
from hvtui.model.thumbnail import RAMP, decode_rgb565


def test_help_names_what_runs(capsys: pytest.CaptureFixture[str]) -> None:
    for command, names in (("screen", ("Get-CimInstance", "Invoke-CimMethod",
                                       "GetVirtualSystemThumbnailImage")),
                           ("keys", ("Invoke-CimMethod", "TypeCtrlAltDel", "TypeText"))):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = re.sub(r"-\s+", "-", re.sub(r"\s+", " ", capsys.readouterr().out))
        for name in names:
            assert name in out, (command, name)
    with pytest.raises(SystemExit):
        main(["--help"])
    out = flat(capsys.readouterr().out)
    assert "screen" in out and "keys" in out and "Msvm_Keyboard.TypeCtrlAltDel" in out


def test_screen_prints_the_vm_screen_at_the_size_asked(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "screen", "SQL01", "--host", "HV-NODE1", "--size",
                             "40x16", "--color", "never")
    assert (code, err) == (0, "")
    heading, *image = out.splitlines()
    assert heading == "SQL01 on HV-NODE1: Running, 40x30 pixels"
    assert len(image) == 15 and all(len(line) <= 40 for line in image)
    assert set("".join(image)) <= set(RAMP)
    assert any(line.strip() for line in image)


def test_screen_in_colour_draws_half_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "screen", "LNX-WEB01", "--size", "20x8",
                              "--color", "always")
    assert code == 0
    image = out.splitlines()[1:]
    assert len(image) == 7
    assert all(line.count("\u2580") == 18 and line.endswith("\x1b[0m") for line in image)


def test_screen_as_json_holds_the_raw_image(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "screen", "WIN2022-RDS", "--size", "16x6", "-o", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["vm"], doc["host"], doc["status"], doc["width"], doc["height"]) == (
        "WIN2022-RDS", "HV-2022", "shown", 13, 10)
    pixels = decode_rgb565(base64.b64decode(doc["image"]), 13, 10)
    assert len(set(pixels)) > 1


def test_an_off_vm_has_no_screen_and_that_is_no_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "screen", "PRINT01", "--color", "never")
    assert (code, err) == (0, "")
    assert out.splitlines() == ["PRINT01 on HV-NODE2: Off", "no screen: the VM is not running"]


def test_an_unknown_vm_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(capsys, "screen", "NO-SUCH-VM")
    assert code == 2 and "NO-SUCH-VM" in err


def test_keys_dry_run_shows_the_plan_and_never_the_text(
        capsys: pytest.CaptureFixture[str], state_dir: Path) -> None:
    code, out, _err = run_cli(capsys, "keys", "SQL01", "--host", "HV-NODE1", "--text",
                              "hunter2", "--enter", "--dry-run")
    assert code == 0
    assert "hunter2" not in out
    text = flat(out)
    assert "Type 8 characters in SQL01" in text
    assert "Invoke-CimMethod -InputObject $keyboard -MethodName 'TypeText' -Arguments " \
           "@{ asciiText = $SecretText }" in text
    assert "Dry run" in text and audit(state_dir) == []


def _image(capsys: pytest.CaptureFixture[str]) -> str:
    code, out, _err = run_cli(capsys, "screen", "SQL01", "--host", "HV-NODE1", "--size",
                              "80x30", "-o", "json")
    assert code == 0
    return str(json.loads(out)["image"])


def test_ctrl_alt_del_then_text_reach_the_guest_and_the_audit_log_keeps_no_text(
        capsys: pytest.CaptureFixture[str], state_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    lock = _image(capsys)
    code, out, _err = run_cli(capsys, "keys", "SQL01", "--host", "HV-NODE1",
                              "--ctrl-alt-del", "--yes")
    assert code == 0, out
    signin = _image(capsys)
    assert signin != lock
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret pass\n"))
    code, out, _err = run_cli(capsys, "keys", "SQL01", "--host", "HV-NODE1", "--text", "-",
                              "--yes")
    assert code == 0, out
    assert _image(capsys) != signin  # the password dots
    entries = audit(state_dir)
    assert [(e["operation"], e["outcome"]) for e in entries] == [
        ("vm-keys", "started"), ("vm-keys", "succeeded"),
        ("vm-keys", "started"), ("vm-keys", "succeeded")]
    log = (state_dir / "audit.jsonl").read_text()
    assert "s3cret" not in log


def test_keys_to_an_off_vm_are_refused_before_anything_is_sent(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run_cli(capsys, "keys", "PRINT01", "--ctrl-alt-del", "--yes")
    assert code == 2
    assert "only a running VM has a keyboard" in flat(out) and "start PRINT01 first" in flat(out)


def test_keys_are_refused_read_only_and_need_something_to_send(
        capsys: pytest.CaptureFixture[str], state_dir: Path) -> None:
    code, _out, err = run_cli(capsys, "--read-only", "keys", "SQL01", "--host", "HV-NODE1",
                              "--ctrl-alt-del", "--yes")
    assert code == 2 and "read-only" in err
    code, _out, err = run_cli(capsys, "keys", "SQL01", "--host", "HV-NODE1")
    assert code == 2 and "--ctrl-alt-del, or --text TEXT" in err
    code, out, _err = run_cli(capsys, "keys", "SQL01", "--host", "HV-NODE1", "--text",
                              "x" * 513, "--yes")
    assert code == 2 and "at most 512 ASCII characters" in flat(out)
    assert all(e["outcome"] == "refused" for e in audit(state_dir))
