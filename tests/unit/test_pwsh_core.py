"""The core cmdlets the engine provides, ConvertTo-Json per edition, and to_plain."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pwsh_support import UnitRuntime, one, out, ps

from hvtui.lab.pwsh import PSEnum, PSObject, to_plain, unsupported
from hvtui.lab.pwsh.core import CORE_COMMANDS, commands_for
from hvtui.lab.pwsh.jsonout import to_json

OBJECTS = """$items = @(
    [pscustomobject]@{ Name = 'b'; Size = 20; Tags = @('x', 'y') },
    [pscustomobject]@{ Name = 'a'; Size = 5; Tags = @() },
    [pscustomobject]@{ Name = 'c'; Size = 20; Tags = @('z') })
"""


def test_select_object_properties_and_calculated_properties() -> None:
    result = out(OBJECTS + "$items | Select-Object -Property 'Name', @{ n = 'Double'; "
                 "e = { $_.Size * 2 } }, @{ Label = 'Same'; Expression = 'Size' }")
    assert [dict(r.items()) for r in result] == [
        {"Name": "b", "Double": 40, "Same": 20}, {"Name": "a", "Double": 10, "Same": 5},
        {"Name": "c", "Double": 40, "Same": 20}]
    assert result[0].type_names[0] == "Selected.System.Management.Automation.PSCustomObject"


def test_select_object_first_last_skip_unique_expand() -> None:
    assert out(OBJECTS + "$items | Select-Object -ExpandProperty Name") == ["b", "a", "c"]
    assert out(OBJECTS + "$items | Select-Object -ExpandProperty Tags") == ["x", "y", "z"]
    assert out(OBJECTS + "($items | Select-Object -First 2).Name") == ["b", "a"]
    assert out(OBJECTS + "($items | Select-Object -Last 1).Name") == ["c"]
    assert out(OBJECTS + "($items | Select-Object -Skip 1 -First 1).Name") == ["a"]
    assert out("@(1, 2, 1, 3, 2) | Select-Object -Unique") == [1, 2, 3]
    outcome = ps(OBJECTS + "$items | Select-Object -ExpandProperty Missing\n'next'")
    assert outcome.output == ["next"]
    assert outcome.errors[0].fqid == \
        "ExpandPropertyNotFound,Microsoft.PowerShell.Commands.SelectObjectCommand"


def test_select_object_first_stops_the_commands_upstream() -> None:
    text = """param($Log)
    Get-Numbers 100 -Runtime $Log | Select-Object -First 2
    $Log.Count"""
    log: list[int] = []
    assert out(text, {"Log": log}) == [0, 1, 2]
    assert log == [0, 1]


def test_measure_object() -> None:
    result = one(OBJECTS + "$items | Measure-Object -Property Size -Average -Sum -Maximum "
                 "-Minimum")
    assert dict(result.items()) == {"Count": 3, "Average": 15.0, "Sum": 45.0, "Maximum": 20.0,
                                    "Minimum": 5.0, "Property": "Size"}
    assert one("(@(1, 2, 3) | Measure-Object).Count") == 3
    assert one("(@() | Measure-Object).Count") == 0
    assert one("$null -eq (@(1) | Measure-Object).Average") is True


def test_sort_object() -> None:
    assert out(OBJECTS + "($items | Sort-Object -Property 'Size', 'Name').Name") == ["a", "b", "c"]
    assert out(OBJECTS + "($items | Sort-Object Size -Descending).Name") == ["b", "c", "a"]
    assert out("'b', 'A', 'c', 'a' | Sort-Object -Unique") == ["A", "b", "c"]
    assert out(OBJECTS + "($items | Sort-Object { $_.Name } -Descending).Name") == [
        "c", "b", "a"]


def test_foreach_object_begin_end_member_name() -> None:
    assert out("1, 2 | ForEach-Object -Begin { 'start' } -Process { $_ * 2 } -End { 'end' }") \
        == ["start", 2, 4, "end"]
    assert out(OBJECTS + "$items | ForEach-Object -MemberName Name") == ["b", "a", "c"]
    assert out("'a', 'b' | ForEach-Object ToUpper") == ["A", "B"]
    assert out("$x = Write-Output -InputObject 1 | ForEach-Object { 'one input' }\n$x") == [
        "one input"]
    # tree-sitter-powershell reads a statement that starts with ForEach-Object as the
    # foreach keyword: refused rather than misread.
    assert unsupported("ForEach-Object { 1 }")


def test_where_object_and_write_output() -> None:
    assert out(OBJECTS + "($items | Where-Object { $_.Size -gt 10 }).Name") == ["b", "c"]
    assert out("Write-Output 1, 2\nWrite-Output @(3, 4) -NoEnumerate") == [1, 2, [3, 4]]
    assert ps("Write-Output 1 -NoEnumerate", version=(3, 0)).errors[0].fqid.startswith(
        "NamedParameterNotFound")


def test_get_command_finds_and_describes_commands() -> None:
    text = """$c = Get-Command -Name 'Get-Echo'
    $c.Name
    $c.Parameters.ContainsKey('count')
    $c.Parameters.ContainsKey('ErrorAction')
    $c.Parameters.Keys -contains 'Force'
    [string]$c.CommandType
    $null -eq (Get-Command -Name 'Get-Nothing' -ErrorAction SilentlyContinue)
    (Get-Command 'ForEach-Object').Parameters.ContainsKey('MemberName')"""
    assert out(text) == ["Get-Echo", True, True, True, "Cmdlet", True, True]
    outcome = ps("Get-Command -Name 'Get-Nothing'\n'next'")
    assert outcome.output == ["next"]
    assert outcome.errors[0].fqid == \
        "CommandNotFoundException,Microsoft.PowerShell.Commands.GetCommandCommand"
    assert ps("$ErrorActionPreference = 'Stop'\nGet-Command 'Get-Nothing'\n'x'").failed


def test_write_progress_reaches_the_runtime() -> None:
    outcome = ps("Write-Progress -Activity 'Copy' -Status 'half' -PercentComplete 50\n"
                 "Write-Progress 'Copy' -Completed\n$ProgressPreference = 'SilentlyContinue'\n"
                 "Write-Progress 'hidden'")
    assert [(p.activity, p.status, p.percent) for p in outcome.progress] == [
        ("Copy", "half", 50), ("Copy", "Processing", 100)]


def test_core_cmdlet_parameters_follow_the_version() -> None:
    assert "EnumsAsStrings" not in {p.name for s in commands_for((5, 1))["convertto-json"]
                                    .parameter_sets for p in s.parameters}
    assert "EnumsAsStrings" in {p.name for s in commands_for((7, 4))["convertto-json"]
                                .parameter_sets for p in s.parameters}
    assert "ForEach-Object" in CORE_COMMANDS


# --- ConvertTo-Json ------------------------------------------------------------------------------

JSON_INPUT = """[pscustomobject]@{
    Name = 'a<b>&''c'
    When = [datetime]'2024-01-02T03:04:05.5Z'
    List = @(1, 2)
    Nested = [pscustomobject]@{ Inner = [pscustomobject]@{ Deep = [pscustomobject]@{ X = 1 } } }
    Empty = $null
    Flag = $true
    Ratio = 0.5
}"""


def test_convert_to_json_windows_powershell_5_1() -> None:
    text = one(JSON_INPUT + " | ConvertTo-Json")
    assert text == (
        '{\n'
        '    "Name":  "a\\u003cb\\u003e\\u0026\\u0027c",\n'
        '    "When":  "\\/Date(1704164645500)\\/",\n'
        '    "List":  [\n'
        '                 1,\n'
        '                 2\n'
        '             ],\n'
        '    "Nested":  {\n'
        '                   "Inner":  {\n'
        '                                 "Deep":  "@{X=1}"\n'
        '                             }\n'
        '               },\n'
        '    "Empty":  null,\n'
        '    "Flag":  true,\n'
        '    "Ratio":  0.5\n'
        '}')


def test_convert_to_json_pwsh_7() -> None:
    outcome = ps(JSON_INPUT + " | ConvertTo-Json", version=(7, 4), edition="Core")
    assert outcome.output == [
        '{\n'
        '  "Name": "a<b>&\'c",\n'
        '  "When": "2024-01-02T03:04:05.5Z",\n'
        '  "List": [\n'
        '    1,\n'
        '    2\n'
        '  ],\n'
        '  "Nested": {\n'
        '    "Inner": {\n'
        '      "Deep": "@{X=1}"\n'
        '    }\n'
        '  },\n'
        '  "Empty": null,\n'
        '  "Flag": true,\n'
        '  "Ratio": 0.5\n'
        '}']
    assert outcome.warnings == [
        "Resulting JSON is truncated as serialization has exceeded the set depth of 2."]


def test_convert_to_json_compress_depth_and_enums() -> None:
    assert one("@{ a = 1 } | ConvertTo-Json -Compress") == '{"a":1}'
    assert one("[pscustomobject]@{ A = [pscustomobject]@{ B = 1 } } | ConvertTo-Json -Depth 0 "
               "-Compress") == '{"A":"@{B=1}"}'
    assert one("1, 'x' | ConvertTo-Json -Compress") == '[1,"x"]'
    state = {"S": PSEnum("Microsoft.HyperV.PowerShell.VMState", "Running", 2)}
    assert one("param($S)\n@{ s = $S } | ConvertTo-Json -Compress", state) == '{"s":2}'
    assert one("param($S)\n@{ s = $S } | ConvertTo-Json -Compress -EnumsAsStrings", state,
               version=(7, 4), edition="Core") == '{"s":"Running"}'


def test_convert_to_json_dates_as_each_edition_writes_them() -> None:
    """5.1's JavaScriptSerializer writes whole milliseconds since 1970 UTC (the usual
    ``[pscustomobject]@{Now = [DateTime]::Now} | ConvertTo-Json`` gives
    ``"\\/Date(1621357679896)\\/"``); 7's Json.NET writes ISO 8601 with the fraction's
    trailing zeros dropped and the kind's zone: the 7.x page's example 1 shows
    ``"0001-01-01T00:00:00"`` for an Unspecified kind."""
    utc = dt.datetime(2021, 5, 18, 17, 7, 59, 896000, tzinfo=dt.UTC)
    local = utc.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert to_json(utc, compress=True)[0] == '"\\/Date(1621357679896)\\/"'
    assert to_json(local, compress=True)[0] == '"\\/Date(1621357679896)\\/"'
    assert to_json(utc, compress=True, core=True)[0] == '"2021-05-18T17:07:59.896Z"'
    assert to_json(local, compress=True, core=True)[0] == '"2021-05-19T02:07:59.896+09:00"'
    assert to_json(dt.datetime(1, 1, 1), compress=True, core=True)[0] == \
        '"0001-01-01T00:00:00"'
    assert to_json(dt.datetime(1969, 12, 31, 23, 59, 59, 999500, tzinfo=dt.UTC),
                   compress=True)[0] == '"\\/Date(0)\\/"'  # truncated toward zero, as C#


INVENTORY_SHAPE = """$records = @(
    [pscustomobject]@{ Kind = 'Host'; Name = 'HV1'; Memory = [int64]9007199254740993
                       Switches = [string[]]@('外部', 'a"b'); Empty = [string[]]@() }
    foreach ($name in @('vm1', 'vm2')) {
        [pscustomobject]@{ Kind = 'VM'; Name = $name
                           Id = [guid]'0b0fa1e4-0f2a-4d6b-9b1e-5a1d4c1f0e11'
                           Created = [datetime]'2024-01-02T03:04:05.5Z'; Notes = $null }
    }
)
ConvertTo-Json -InputObject $records -Depth 4 -Compress"""


@pytest.mark.parametrize(("version", "edition", "created"), [
    ((3, 0), "Desktop", "/Date(1704164645500)/"), ((5, 1), "Desktop", "/Date(1704164645500)/"),
    ((7, 4), "Core", "2024-01-02T03:04:05.5Z")])
def test_convert_to_json_one_compact_document(version: tuple[int, int], edition: str,
                                              created: str) -> None:
    """The inventory's shape: an array of flat records, property order kept, [int64] exact,
    [guid] as its string, $null as null, an empty [string[]] as []."""
    outcome = ps(INVENTORY_SHAPE, version=version, edition=edition)
    assert not outcome.errors and not outcome.warnings
    [text] = outcome.output
    assert "\n" not in text and text.startswith('[{"Kind":"Host","Name":"HV1",')
    vm = {"Kind": "VM", "Id": "0b0fa1e4-0f2a-4d6b-9b1e-5a1d4c1f0e11", "Created": created,
          "Notes": None}
    assert json.loads(text) == [
        {"Kind": "Host", "Name": "HV1", "Memory": 9007199254740993, "Switches": ["外部", 'a"b'],
         "Empty": []}, {**vm, "Name": "vm1"}, {**vm, "Name": "vm2"}]
    assert list(json.loads(text)[1]) == ["Kind", "Name", "Id", "Created", "Notes"]


def test_convert_to_json_input_object_is_not_unrolled() -> None:
    """-InputObject takes the array as one value (AllowNull, and an empty array is allowed:
    only collection-typed parameters refuse one); the pipeline unrolls it."""
    for version, edition in (((5, 1), "Desktop"), ((7, 4), "Core")):
        assert one("ConvertTo-Json -InputObject @([pscustomobject]@{A=1}) -Compress",
                   version=version, edition=edition) == '[{"A":1}]'
        assert one("@([pscustomobject]@{A=1}) | ConvertTo-Json -Compress",
                   version=version, edition=edition) == '{"A":1}'
        assert one("ConvertTo-Json -InputObject @() -Compress",
                   version=version, edition=edition) == "[]"
        assert one("ConvertTo-Json -InputObject $null", version=version,
                   edition=edition) == "null"


def test_convert_to_json_default_depth_truncates_and_only_7_warns() -> None:
    text = ("ConvertTo-Json -InputObject @([pscustomobject]@{ A = [pscustomobject]@{ "
            "B = [pscustomobject]@{ C = 1 } } }) -Compress")
    desktop = ps(text)
    core = ps(text, version=(7, 4), edition="Core")
    assert desktop.output == core.output == ['[{"A":{"B":"@{C=1}"}}]']
    assert desktop.warnings == []
    assert core.warnings == [
        "Resulting JSON is truncated as serialization has exceeded the set depth of 2."]


# --- to_plain ------------------------------------------------------------------------------------


def test_to_plain_serialises_to_remoting_depth_one() -> None:
    inner = PSObject([("Name", "net"), ("Sub", PSObject([("X", 1)], type_names=("T.Sub",)))],
                     type_names=("T.Adapter",), to_string=lambda: "Adapter net")
    vm = PSObject([("Name", "web01"), ("State", PSEnum("VMState", "Running", 2)),
                   ("Adapter", inner), ("Adapters", [inner]), ("Disks", ["a", "b"]),
                   ("When", dt.datetime(2024, 1, 2, tzinfo=dt.UTC))],
                  type_names=("Microsoft.HyperV.PowerShell.VirtualMachine",))
    record = PSObject([("Kind", "VM"), ("VM", vm), ("Count", 2)])
    assert to_plain(record) == {
        "Kind": "VM", "Count": 2,
        "VM": {"Name": "web01", "State": "Running", "Adapter": "Adapter net",
               "Adapters": ["Adapter net"], "Disks": ["a", "b"],
               "When": dt.datetime(2024, 1, 2, tzinfo=dt.UTC)}}
    plain = to_plain(record)
    assert isinstance(plain, dict) and to_plain(vm) == plain["VM"]


@pytest.mark.parametrize("script", ["inventory"])
def test_catalog_output_is_plain_data(script: str) -> None:
    from hvtui.ps import catalog

    assert catalog.get(script)  # the catalog runs are in test_pwsh_catalog.py


def test_streams_an_outcome_does_not_carry_and_start_sleep() -> None:
    runtime = UnitRuntime()
    outcome = ps("Write-Host 'to the host'\nWrite-Verbose 'v'\nWrite-Debug 'd'\n"
                 "Write-Information 'i'\nStart-Sleep -Seconds 1.5\nStart-Sleep -ms 500\n'done'",
                 runtime=runtime)
    assert outcome.output == ["done"] and outcome.errors == []
    assert sum(runtime.slept) == pytest.approx(2.0)
    assert ps("Write-Information 'i'", version=(4, 0)).errors[0].fqid == \
        "CommandNotFoundException"


def test_core_cmdlets_the_engine_lacks_are_outside_the_subset() -> None:
    assert unsupported("Set-StrictMode -Version Latest") == [
        "1:1: command Set-StrictMode (a core cmdlet the lab's engine does not implement)"]


def test_get_command_wildcards() -> None:
    assert out("(Get-Command -Name 'Write-*').Name") == [
        "Write-Debug", "Write-Error", "Write-Host", "Write-Information", "Write-Output",
        "Write-Progress", "Write-Verbose", "Write-Warning"]
    runtime = UnitRuntime()
    runtime.command_names = lambda: [c.name for c in runtime.commands.values()]  # type: ignore[attr-defined]
    assert out("(Get-Command 'Get-E*').Name", runtime=runtime) == ["Get-Echo"]
    assert out("@(Get-Command 'Get-E*').Count") == [0]


def test_psboundparameters_holds_only_what_the_caller_gave() -> None:
    """What vm-settings.ps1 relies on to change only the settings given."""
    text = "param([string]$A, [int64]$B = 5) $PSBoundParameters.ContainsKey('b'); " \
           "$PSBoundParameters.ContainsKey('A'); $PSBoundParameters.Count"
    assert out(text, {"B": 7}) == [True, False, 1]
