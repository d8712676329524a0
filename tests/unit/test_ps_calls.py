"""The calls extractor (hvtui.ps.calls): what a script needs, and the guards around it."""

from __future__ import annotations

import pytest

from hvtui.ps import calls, catalog
from hvtui.ps.calls import Condition, Need, Requirement, probes, requirements


def needs(text: str) -> dict[str, list[str]]:
    """Each need as text -> the guards it sits behind (sorted), one entry per need."""
    out: dict[str, list[str]] = {}
    for requirement in requirements(text):
        out.setdefault(str(requirement.need), sorted(str(c) for c in requirement.when))
    return out


def test_commands_and_named_parameters_are_needs() -> None:
    text = ("param([string]$Name)\n"
            "$vm = Get-VM -Name $Name -ErrorAction 'Stop'\n"
            "Stop-VM -VM $vm -TurnOff -Force -Confirm:$false | Out-Null\n"
            "Get-VMSnapshot \u2013VMName $Name -Verbose -InformationAction 'Ignore'\n")
    assert needs(text) == {
        "Get-VM": [], "Get-VM -Name": [], "Stop-VM": [], "Stop-VM -VM": [],
        "Stop-VM -TurnOff": [], "Stop-VM -Force": [], "Stop-VM -Confirm": [], "Out-Null": [],
        # An en dash is a parameter dash to PowerShell; -Verbose is everywhere, but
        # -InformationAction only from PowerShell 5.0: a need like any other.
        "Get-VMSnapshot": [], "Get-VMSnapshot -VMName": [],
        "Get-VMSnapshot -InformationAction": []}


def test_calls_keep_position_and_every_parameter_as_written() -> None:
    found = calls.calls("\n  Get-VM -Name 'a' -ErrorAction 'Stop'\n")
    assert [(c.command, c.parameters, c.line, c.column) for c in found] == [
        ("Get-VM", ("Name", "ErrorAction"), 2, 3)]


def test_functions_the_script_defines_are_not_needs_but_their_bodies_are() -> None:
    text = "function Show-It {\n    param($x)\n    Get-VMHost\n}\nShow-It -x 1\n"
    assert needs(text) == {"Get-VMHost": []}


def test_a_silent_get_command_guards_its_branch_and_the_else() -> None:
    text = ("if (Get-Command -Name 'Get-Cluster' -ErrorAction 'SilentlyContinue') {\n"
            "    Get-Cluster\n} else {\n    Get-VMHost\n}\nGet-VM\n")
    assert needs(text) == {
        "Get-Command": [], "Get-Command -Name": [], "Get-Cluster": ["Get-Cluster"],
        "Get-VMHost": ["no Get-Cluster"], "Get-VM": []}


def test_a_loud_get_command_is_a_need_and_no_guard() -> None:
    """Without -ErrorAction 'SilentlyContinue', Get-Command of a missing command stops a
    script under $ErrorActionPreference = 'Stop': the command must exist."""
    text = "if (Get-Command -Name 'Copy-VMFile') {\n    Copy-VMFile -Name 'x'\n}\n"
    assert needs(text) == {"Get-Command": [], "Get-Command -Name": [], "Copy-VMFile": [],
                           "Copy-VMFile -Name": []}


def test_parameters_contains_key_guards_on_a_parameter() -> None:
    text = ("if ((Get-Command -Name 'Suspend-ClusterNode').Parameters.ContainsKey("
            "'ForceDrain')) {\n    Suspend-ClusterNode -ForceDrain\n}\n"
            "else {\n    Suspend-ClusterNode -ForceEvacuation\n}\n")
    found = needs(text)
    assert found["Suspend-ClusterNode -ForceDrain"] == ["Suspend-ClusterNode -ForceDrain"]
    assert found["Suspend-ClusterNode -ForceEvacuation"] == ["no Suspend-ClusterNode -ForceDrain"]
    # The probe itself is loud: the command must exist everywhere.
    assert found["Suspend-ClusterNode"] == []


def test_not_swaps_and_and_narrows_only_the_if_branch() -> None:
    text = ("if (-not (Get-Command -Name 'Copy-VMFile' -ErrorAction 'Ignore')) {\n"
            "    Get-VMHost\n} else {\n    Copy-VMFile -Name 'x'\n}\n"
            "if ($Force -and (Get-Command -Name 'Get-Cluster' -ErrorAction 'SilentlyContinue')"
            ") {\n    Get-ClusterNode\n} else {\n    Get-VMSwitch\n}\n"
            "if (!(Get-Command -Name 'Get-VHD' -ErrorAction 'SilentlyContinue') -or $x) {\n"
            "    Get-VMNetworkAdapter\n}\n")
    found = needs(text)
    assert found["Get-VMHost"] == ["no Copy-VMFile"]
    assert found["Copy-VMFile"] == ["Copy-VMFile"]
    assert found["Get-ClusterNode"] == ["Get-Cluster"]
    assert found["Get-VMSwitch"] == []  # not Get-Cluster, or not $Force: nothing known
    assert found["Get-VMNetworkAdapter"] == []  # -or is no guard


def test_elseif_runs_where_no_earlier_condition_held() -> None:
    text = ("if (Get-Command -Name 'A-One' -ErrorAction 'SilentlyContinue') {\n    A-One\n}\n"
            "elseif (Get-Command -Name 'B-Two' -ErrorAction 'SilentlyContinue') {\n    B-Two\n}"
            "\nelse {\n    C-Three\n}\n")
    found = needs(text)
    assert found["A-One"] == ["A-One"]
    assert found["B-Two"] == ["B-Two", "no A-One"]
    assert found["C-Three"] == ["no A-One", "no B-Two"]


def test_a_variable_only_guarded_code_makes_true_carries_the_guard_forwards() -> None:
    text = ("param([string]$Name)\n$cluster = $null\n$nodes = @()\n"
            "if (Get-Command -Name 'Get-Cluster' -ErrorAction 'SilentlyContinue') {\n"
            "    $cluster = Get-Cluster\n}\n"
            "if ($cluster) {\n    Get-ClusterNode\n} else {\n    Get-VMHost\n}\n"
            "if (-not $cluster) {\n    Get-VMSwitch\n}\n"
            "if ($Name) {\n    Get-VHD\n}\n"
            "$vm = Get-VM\nif ($vm) {\n    Get-VMProcessor\n}\n"
            "foreach ($n in @(1)) {\n}\nif ($n) {\n    Get-VMSnapshot\n}\n")
    found = needs(text)
    assert found["Get-ClusterNode"] == ["Get-Cluster"]
    # $cluster may be empty where Get-Cluster exists: its falsity says nothing.
    assert found["Get-VMHost"] == [] and found["Get-VMSwitch"] == []
    # A parameter, an unguarded assignment, a loop variable: no guard.
    assert found["Get-VHD"] == [] and found["Get-VMProcessor"] == []
    assert found["Get-VMSnapshot"] == []


def test_probes_ask_for_every_need_and_every_guard() -> None:
    found = (Requirement(Need("Get-Cluster"), frozenset({Condition(Need("Get-Cluster"))})),
             Requirement(Need("Get-VM", "Name")),
             Requirement(Need("Get-VMHost"), frozenset({Condition(Need("Set-VMHost", "X"),
                                                                  present=False)})))
    assert probes(found) == (Need("Get-Cluster"), Need("Get-VM", "Name"), Need("Get-VMHost"),
                             Need("Set-VMHost", "X"))


@pytest.mark.parametrize("name", sorted(catalog.all_scripts()))
def test_every_catalog_script_has_needs_and_the_guards_it_writes(name: str) -> None:
    found = requirements(catalog.get(name).text)
    assert found, name
    assert all(r.need.command for r in found)
    # Every guard the script writes as `if (Get-Command -Name 'X' -ErrorAction ...)` is read.
    text = catalog.get(name).text
    for requirement in found:
        for condition in requirement.when:
            assert f"'{condition.need.command}'" in text


def test_the_inventory_reads_its_cluster_calls_as_guarded() -> None:
    found = needs(catalog.get("inventory").text)
    assert found["Get-Cluster"] == ["Get-Cluster"]
    assert found["Get-ClusterNode"] == ["Get-Cluster"]
    assert found["Get-VMHost"] == []
