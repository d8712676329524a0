"""A clean command-line contract: errors are one line on stderr, exit codes mean one thing
(0 done, 1 partial, 2 refused or bad input, 130 interrupted) and are documented, and no
input ever produces a traceback. The three inputs the issue names, then a fuzz of the
argument parser and everything behind it (inventory files included) on the lab.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hvtui.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]


def call(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: --help (0) and usage errors (2)
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def contract(code: int, err: str) -> None:
    assert code in (0, 1, 2, 130), code
    assert "Traceback" not in err
    assert "unexpected error" not in err, err  # the crash net caught something: a bug
    for line in err.splitlines():
        assert line.startswith("hvtui: "), err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "latin1.toml").write_bytes(b'[[host]]\nname = "caf\xe9"\naddress = "x"\n')
    (tmp_path / "broken.toml").write_text("[[host]\nname = ")
    (tmp_path / "empty.toml").write_text("")
    (tmp_path / "bad-scenario.toml").write_bytes(b"\xff\xfe[lab]\n")
    (tmp_path / "dir").mkdir()
    return {"latin1": str(tmp_path / "latin1.toml"), "broken": str(tmp_path / "broken.toml"),
            "empty": str(tmp_path / "empty.toml"), "dir": str(tmp_path / "dir"),
            "missing": str(tmp_path / "missing.toml"), "devnull": "/dev/null",
            "bad-scenario": str(tmp_path / "bad-scenario.toml")}


@pytest.mark.parametrize("argv, words", [
    (["--lab-speed", "nan", "get", "hosts"], "'nan' is not a speed"),
    (["--lab-speed", "-1", "get", "hosts"], "'-1' is not a speed"),
    (["--lab-speed", "inf", "resize-vhd", "DC01", "SCSI 0:0", "-10G", "--dry-run"],
     "is below the disk's minimum"),
])
def test_the_inputs_the_issue_names(capsys: pytest.CaptureFixture[str], argv: list[str],
                                    words: str) -> None:
    code, out, err = call(capsys, argv)
    contract(code, err)
    assert code == 2
    assert words in out + err


def test_a_non_utf8_inventory_is_one_line(capsys: pytest.CaptureFixture[str],
                                          files: dict[str, str]) -> None:
    code, _, err = call(capsys, ["--inventory", files["latin1"], "get", "hosts"])
    contract(code, err)
    assert code == 2 and "is not UTF-8 text" in err and len(err.splitlines()) == 1


def test_exit_codes_are_documented_in_help_and_readme(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    code, out, _ = call(capsys, ["--help"])
    assert code == 0
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in (out, readme):
        for status in ("0 ", "1 ", "2 ", "130 "):
            assert re.search(rf"^\s*\|?\s*`?{status.strip()}`?\s", text, re.M), status
        assert "interrupted" in text and "partial" in text and "refused" in text


def test_negative_sizes_are_values_not_options() -> None:
    args = build_parser().parse_args(["resize-vhd", "VM", "0", "-10G"])
    assert args.size == "-10G"
    args = build_parser().parse_args(["resize-vhd", "VM", "0", "-1.5T", "--dry-run"])
    assert args.size == "-1.5T" and args.dry_run


# --- the fuzz -------------------------------------------------------------------------------

WORDS = ["", "-", "--", "-10G", "+20G", "-1.5T", "nan", "inf", "-inf", "1e999", "0", "-0",
         "30", "on", "off", "LEGACY-SQL", "DC01", "HV-DR1", "HV-NODE2", "SCSI 0:0", "7",
         "経理-DB01", "O'Brien-APP", "$(rm -rf /)", "'", '"', "*", "web[1]", "a\x00b",
         "\udcff", "x" * 300, "--yes", "--dry-run", "--host", "--to", "--name", "--force",
         "-o", "json", "--include-storage", "--storage-path", "C:\\x", "--failback",
         "Immediate", "to minimum", "\x1b]52;c;eA==\x07", "\u202e"]
COMMANDS = [["get"], ["get", "vms"], ["get", "disks"], ["migrate"], ["resize-vhd"],
            ["export"], ["enhanced-session"], ["host-migration"], ["guest-services"],
            ["processor-compat"], ["copy-file"], ["vm"], ["vm", "start"], ["vm", "turn-off"],
            ["vm", "apply-checkpoint"], ["replica"], ["replica", "frequency"],
            ["replica", "pause"], ["cluster"], ["cluster", "drain"], ["cluster", "move"],
            ["cluster", "drain-on-shutdown"], ["nonsense"], []]


@st.composite
def argvs(draw: st.DrawFn, files: dict[str, str]) -> list[str]:
    argv: list[str] = ["--lab-speed", draw(st.sampled_from(["inf", "nan", "0", "-2", "1e999",
                                                             "abc", "", "inf"]))]
    source = draw(st.sampled_from(["lab", "lab", "inventory", "scenario"]))
    if source == "inventory":
        argv += ["--inventory", files[draw(st.sampled_from(sorted(files)))]]
    elif source == "scenario":
        argv += ["--scenario", draw(st.sampled_from([files["bad-scenario"], files["missing"],
                                                     files["dir"], files["empty"]]))]
    if draw(st.booleans()):
        argv.append("--read-only")
    command = draw(st.sampled_from(COMMANDS))
    if not command:  # the console: refused without a terminal, whatever the options
        argv += draw(st.lists(st.sampled_from(["--theme", "nope", "--read-only"]), max_size=2))
        return argv
    return argv + command + draw(st.lists(st.sampled_from(WORDS), max_size=6))


def test_no_input_gives_a_traceback(capsys: pytest.CaptureFixture[str],
                                    files: dict[str, str]) -> None:
    @settings(max_examples=int(os.environ.get("HVTUI_FUZZ_EXAMPLES", "300")))
    @given(argvs(files))
    def fuzz(argv: list[str]) -> None:
        code, _, err = call(capsys, argv)
        contract(code, err)

    fuzz()
