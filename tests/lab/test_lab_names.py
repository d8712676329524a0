"""Names are data, never code: quotes of every kind, $, backticks, semicolons and Japanese."""

from __future__ import annotations

import pytest
from test_lab_support import (
    chosen_checkpoint,
    default_lab,
    inventory,
    kinds,
    only_error,
    run,
    vm_record,
)

from hvtui.lab.failures import INVALID_STATE, VM_NOT_FOUND

STRESS = [
    ("HV-NODE1", "経理-DB01"),
    ("HV-NODE1", "O'Brien-APP"),
    ("HV-NODE2", "WEB “Front” 01"),
    ("HV-NODE2", "Cost$Center`App;01"),
]


@pytest.mark.parametrize(("host", "name"), STRESS)
async def test_power_actions_on_stress_names(host: str, name: str) -> None:
    lab = default_lab()
    first = "vm-start" if name.startswith("Cost") else "vm-save"
    result = await run(lab, host, first, Name=name)
    assert result.ok, result.errors
    assert kinds(result, "VMState")[0]["Name"] == name
    result = await run(lab, host, "vm-turn-off", Name=name)
    assert kinds(result, "VMState") == [
        {
            "Kind": "VMState",
            "Id": kinds(result, "VMState")[0]["Id"],
            "Name": name,
            "State": "Off",
        }
    ]
    assert (await vm_record(lab, host, name) or {})["State"] == "Off"


async def test_injection_shaped_names_are_just_names_that_do_not_exist() -> None:
    lab = default_lab()
    before = {v["Name"]: v["State"] for v in (await inventory(lab, "HV-NODE1"))["VM"]}
    # Code-shaped names are data: no VM has them. ('*' and 'DC0?' are wildcard patterns
    # to Hyper-V's -Name, which is why hvtui refuses such names before any script runs:
    # tests/lab/test_ops_wildcard_names.py; a backtick alone escapes nothing here.)
    for name in ("'; Stop-VM -Name DC01 -TurnOff; '", "$(Stop-VM DC01)", "`DC01",
                 "DC01; Stop-VM DC01"):
        error = only_error(await run(lab, "HV-NODE1", "vm-turn-off", Name=name))
        assert error.message == VM_NOT_FOUND.format(name)
    after = {v["Name"]: v["State"] for v in (await inventory(lab, "HV-NODE1"))["VM"]}
    assert after == before


async def test_typographic_quotes_are_different_characters() -> None:
    error = only_error(await run(default_lab(), "HV-NODE1", "vm-save", Name="O‘Brien-APP"))
    assert error.message == 'Hyper-V was unable to find a virtual machine with name "O‘Brien-APP".'
    error = only_error(await run(default_lab(), "HV-NODE2", "vm-save", Name='WEB "Front" 01'))
    assert error.message == VM_NOT_FOUND.format('WEB "Front" 01')


async def test_names_compare_case_insensitively_as_on_windows() -> None:
    result = await run(default_lab(), "HV-NODE1", "vm-save", Name="dc01")
    assert kinds(result, "VMState")[0]["Name"] == "DC01"


async def test_japanese_checkpoints() -> None:
    lab = default_lab()
    made = await run(
        lab, "HV-NODE1", "checkpoint-new", Name="経理-DB01", CheckpointName="月末バックアップ"
    )
    assert kinds(made, "Checkpoint")[0]["Name"] == "月末バックアップ"
    restored = await run(
        lab, "HV-NODE1", "checkpoint-restore",
        **chosen_checkpoint(lab, "HV-NODE1", "経理-DB01", "月次締め前")
    )
    assert restored.ok and kinds(restored, "VMState")[0]["State"] == "Running"
    removed = await run(
        lab, "HV-NODE1", "checkpoint-remove",
        **chosen_checkpoint(lab, "HV-NODE1", "経理-DB01", "月末バックアップ")
    )
    assert removed.objects[0]["Name"] == "月末バックアップ"


async def test_export_and_role_move_of_stress_names() -> None:
    lab = default_lab()
    exported = await run(lab, "HV-NODE1", "vm-export", Name="経理-DB01", Path="D:\\Exports")
    assert exported.objects == [{"Kind": "Exported", "Name": "経理-DB01", "Path": "D:\\Exports"}]
    moved = await run(
        lab, "HV-NODE2", "cluster-role-move", RoleName="WEB “Front” 01", NodeName="HV-NODE1"
    )
    assert kinds(moved, "ClusterGroup")[0]["Name"] == "WEB “Front” 01"
    assert await vm_record(lab, "HV-NODE1", "WEB “Front” 01")


async def test_disk_paths_with_dollar_backtick_and_semicolon() -> None:
    lab = default_lab()
    path = "C:\\ClusterStorage\\Volume3\\Cost$Center`App;01\\Cost$Center`App;01.vhdx"
    saved = only_error(await run(lab, "HV-NODE2", "vhd-resize", Path=path, SizeBytes=100 * 1024**3))
    assert saved.message == INVALID_STATE
    assert (await run(lab, "HV-NODE2", "vm-turn-off", Name="Cost$Center`App;01")).ok
    resized = await run(lab, "HV-NODE2", "vhd-resize", Path=path, SizeBytes=100 * 1024**3)
    assert kinds(resized, "Vhd")[0]["Path"] == path


async def test_quote_in_a_checkpoint_and_copy_path() -> None:
    lab = default_lab()
    made = await run(
        lab, "HV-DR1", "checkpoint-new", Name="JUMP01", CheckpointName="It's “ready”; $now `n"
    )
    assert kinds(made, "Checkpoint")[0]["Name"] == "It's “ready”; $now `n"
    copied = await run(
        lab,
        "HV-DR1",
        "vm-copy-file",
        Name="JUMP01",
        SourcePath="C:\\Tools\\hvtui-agent.msi",
        DestinationPath="C:\\Users\\Public\\O'Brien $x;`y.msi",
    )
    assert (
        copied.ok and copied.objects[0]["DestinationPath"] == "C:\\Users\\Public\\O'Brien $x;`y.msi"
    )
