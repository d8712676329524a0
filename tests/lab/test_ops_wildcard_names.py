"""Names Hyper-V would read as wildcard patterns are refused before anything runs.

`Start-VM -Name 'web[1]'` selects web1 on a real host, and `db*` every VM starting with
"db"; the lab matches names literally, so this guard is what protects real hosts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_lab_support import SMALL, write_scenario

from hvtui.cli import main

SCENARIO = SMALL + """
[[host.vm]]
name = "web[1]"
generation = 2
version = "5.0"
state = "Off"
os = "Windows Server 2012 R2 Standard"
memory_gb = 2
path = 'D:\\\\VMs\\\\web1'

[[host.vm]]
name = "web1"
generation = 2
version = "5.0"
state = "Off"
os = "Windows Server 2012 R2 Standard"
memory_gb = 2
path = 'D:\\\\VMs\\\\web1b'
"""


def test_bracketed_vm_name_is_refused_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path, SCENARIO)
    code = main(["--scenario", str(scenario), "--lab-speed", "inf", "vm", "start", "web[1]",
                 "--yes"])
    err = capsys.readouterr().err
    assert code == 2
    assert "wildcard" in err and "[ ]" in err and "Rename-VM" in err


def test_plain_neighbour_still_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write_scenario(tmp_path, SCENARIO)
    code = main(["--scenario", str(scenario), "--lab-speed", "inf", "vm", "start", "web1",
                 "--yes"])
    out, err = capsys.readouterr()
    assert code == 0, err
