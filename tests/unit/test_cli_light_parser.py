"""The console and ``hvtui get`` parse with a parser that skips the action commands: it must
read their arguments exactly as the whole parser does, and defer to it whenever unsure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hvtui.cli import build_parser, command_word

LIGHT = [
    [],
    ["--read-only"],
    ["--theme", "light", "--lab-speed", "inf"],
    ["--scenario=lab.toml", "get", "vms", "-o", "json"],
    ["--inventory", "get", "get", "hosts"],  # a file called "get", then the command
    ["get", "vms", "--host", "HV01"],
    ["get", "replicas", "-o", "table"],
]


@pytest.mark.parametrize("argv", LIGHT)
def test_the_light_parser_reads_what_the_whole_parser_reads(argv: list[str]) -> None:
    assert command_word(argv) in (None, "get")
    light = build_parser(full=False).parse_args(argv)
    assert vars(light) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(("argv", "word"), [
    (["migrate", "web01", "--to", "HV02"], "migrate"),
    (["--theme", "dark", "doctor"], "doctor"),
    (["--help"], False),
    (["-h"], False),
    (["--read"], False),  # argparse would take the abbreviation: only the whole parser knows
    (["--read-only=yes"], False),
    (["--theme"], False),
    (["--", "get"], False),
])
def test_anything_else_takes_the_whole_parser(argv: list[str], word: object) -> None:
    assert command_word(argv) == word


def test_get_does_not_import_the_actions_stack(tmp_path: Path) -> None:
    code = ("import io, sys; from hvtui.cli import main; sys.stdout = io.StringIO(); "
            "code = main(['get', 'vms', '-o', 'json']); sys.stdout = sys.__stdout__; "
            "print(code, sorted(m for m in sys.modules if m.startswith(("
            "'hvtui.cli_actions', 'hvtui.hyperv.operations', 'hvtui.hyperv.preflight', "
            "'hvtui.ui.app', 'hvtui.ui.wizards', 'textual'))))")
    env = {**os.environ, "HVTUI_CONFIG_DIR": str(tmp_path / "config"),
           "HVTUI_STATE_DIR": str(tmp_path / "state")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "0 []", out.stderr
