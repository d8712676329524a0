"""Parameter binding: script param() blocks and command calls, with the binder's texts."""

from __future__ import annotations

import pytest
from pwsh_support import Widget, one, out, ps

SCRIPT = """param(
    [Parameter(Mandatory)][string]$Name,
    [ValidateSet('Live', 'Quick')][string]$Mode = 'Live',
    [int]$Count,
    [bool]$Enabled = $true,
    [switch]$Force,
    [uint64]$SizeBytes = 0,
    [string[]]$Tags,
    $Untyped
)
[pscustomobject]@{ Name = $Name; Mode = $Mode; Count = $Count; Enabled = $Enabled
    Force = [bool]$Force; Size = $SizeBytes; Tags = $Tags; Untyped = $Untyped }
"""


def bound(parameters: dict[str, object]) -> dict[str, object]:
    return dict(one(SCRIPT, parameters).items())


def binding_error(parameters: dict[str, object], text: str = SCRIPT) -> tuple[str, str]:
    outcome = ps(text, parameters)
    assert outcome.failed and outcome.output == []
    return outcome.errors[0].message, outcome.errors[0].fqid


def test_script_parameters_bind_with_defaults_and_typed_empties() -> None:
    assert bound({"Name": "vm"}) == {"Name": "vm", "Mode": "Live", "Count": 0, "Enabled": True,
                                     "Force": False, "Size": 0, "Tags": None, "Untyped": None}


def test_script_parameters_convert_and_match_names_case_insensitively_and_by_prefix() -> None:
    assert bound({"name": "vm", "MODE": "quick", "Co": "12", "Force": True, "Tags": "one",
                  "SizeBytes": 2**63})["Count"] == 12
    result = bound({"name": "vm", "Tags": ["a", "b"], "Untyped": [1, "x"]})
    assert result["Tags"] == ["a", "b"] and result["Untyped"] == [1, "x"]


@pytest.mark.parametrize(
    ("parameters", "message", "fqid"),
    [
        ({}, "Cannot process command because of one or more missing mandatory parameters: Name.",
         "MissingMandatoryParameter"),
        ({"Name": "vm", "Bogus": 1}, "A parameter cannot be found that matches parameter name "
         "'Bogus'.", "NamedParameterNotFound"),
        ({"Name": ""}, "Cannot bind argument to parameter 'Name' because it is an empty string.",
         "ParameterArgumentValidationErrorEmptyStringNotAllowed"),
        ({"Name": None}, "Cannot bind argument to parameter 'Name' because it is null.",
         "ParameterArgumentValidationErrorNullNotAllowed"),
        ({"Name": "vm", "Mode": "Slow"}, "Cannot validate argument on parameter 'Mode'. The "
         "argument \"Slow\" does not belong to the set \"Live,Quick\" specified by the "
         "ValidateSet attribute. Supply an argument that is in the set and then try the "
         "command again.", "ParameterArgumentValidationError"),
        ({"Name": "vm", "Count": "many"}, "Cannot process argument transformation on parameter "
         "'Count'. Cannot convert value \"many\" to type \"System.Int32\". Error: \"Input "
         "string was not in a correct format.\"", "ParameterArgumentTransformationError"),
        ({"Name": "vm", "Enabled": "yes"}, "Cannot process argument transformation on "
         "parameter 'Enabled'. Cannot convert value \"System.String\" to type "
         "\"System.Boolean\". Boolean parameters accept only Boolean values and numbers, such "
         "as $True, $False, 1 or 0.", "ParameterArgumentTransformationError"),
        ({"Name": "vm", "SizeBytes": -1}, "Cannot process argument transformation on parameter "
         "'SizeBytes'. Cannot convert value \"-1\" to type \"System.UInt64\". Error: \"Value "
         "was either too large or too small for a UInt64.\"",
         "ParameterArgumentTransformationError"),
    ],
)
def test_script_parameter_binding_errors(parameters: dict[str, object], message: str,
                                         fqid: str | None) -> None:
    assert binding_error(parameters) == (message, fqid)


def test_an_ambiguous_script_parameter_prefix() -> None:
    text = "param([int]$SizeBytes, [string]$Server, [string]$Name)\n'x'"
    assert binding_error({"S": 1}, text) == (
        "Parameter cannot be processed because the parameter name 'S' is ambiguous. Possible "
        "matches include: -SizeBytes -Server.", "AmbiguousParameter")


def echo(call: str) -> dict[str, object]:
    result = one(call)
    assert isinstance(result, dict)
    return result


def test_named_prefix_alias_colon_positional_switch_and_arrays() -> None:
    assert echo("Get-Echo -name 'a', 'b' -Cou:3 -Forc") == {
        "Name": ["a", "b"], "Count": 3, "Force": True, "set": "ByName", "piped": []}
    assert echo("Get-Echo -VMName x 7") == {"Name": ["x"], "Count": 7, "set": "ByName",
                                             "piped": []}
    assert echo("Get-Echo 'x' -Force:$false -Enabled 0")["Force"] is False
    assert echo("$p = @{ Name = 'x'; Count = '4'; Force = $true }\nGet-Echo @p") == {
        "Name": ["x"], "Count": 4, "Force": True, "set": "ByName", "piped": []}
    assert echo("Get-Echo -Path 'p'")["set"] == "ByPath"


@pytest.mark.parametrize(
    ("call", "message", "error_id"),
    [
        ("Get-Echo -Bogus 1", "A parameter cannot be found that matches parameter name "
         "'Bogus'.", "NamedParameterNotFound"),
        ("Get-Echo -N x", "Parameter cannot be processed because the parameter name 'N' is "
         "ambiguous. Possible matches include: -Name -Nameless.", "AmbiguousParameter"),
        ("Get-Echo 'a' 1 2", "A positional parameter cannot be found that accepts argument "
         "'2'.", "PositionalParameterNotFound"),
        ("Get-Echo -Name", "Missing an argument for parameter 'Name'. Specify a parameter of "
         "type 'System.String[]' and try again.", "MissingArgument"),
        ("Get-Echo -Name a -Name b", "Cannot bind parameter because parameter 'Name' is "
         "specified more than once. To provide multiple values to parameters that can accept "
         "multiple values, use the array syntax. For example, \"-parameter "
         "value1,value2,value3\".", "ParameterAlreadyBound"),
        ("Get-Echo -Name a -Path p", "Parameter set cannot be resolved using the specified "
         "named parameters. One or more parameters issued cannot be used together or an "
         "insufficient number of parameters were provided.", "AmbiguousParameterSet"),
        ("Get-Echo -Count 1", "Cannot process command because of one or more missing "
         "mandatory parameters: Name.", "MissingMandatoryParameter"),
        ("Get-Echo a -Count x", "Cannot bind parameter 'Count'. Cannot convert value \"x\" to "
         "type \"System.Int32\". Error: \"Input string was not in a correct format.\"",
         "CannotConvertArgumentNoMessage"),
        ("Get-Echo a -Mode Turbo", "Cannot validate argument on parameter 'Mode'. The argument "
         "\"Turbo\" does not belong to the set \"Fast,Slow\" specified by the ValidateSet "
         "attribute. Supply an argument that is in the set and then try the command again.",
         "ParameterArgumentValidationError"),
        ("Get-Echo a -Enabled 'no'", "Cannot bind parameter 'Enabled'. Cannot convert value "
         "\"System.String\" to type \"System.Boolean\". Boolean parameters accept only Boolean "
         "values and numbers, such as $True, $False, 1 or 0.",
         "CannotConvertArgumentNoMessage"),
        ("Get-Echo a -Thing 'not a widget'", "Cannot bind parameter 'Thing'. Cannot convert "
         "the \"not a widget\" value of type \"System.String\" to type \"Test.Widget\".",
         "CannotConvertArgumentNoMessage"),
        ("Get-Echo a -ErrorAction Sometimes", "Cannot bind parameter 'ErrorAction'.", None),
    ],
)
def test_command_binding_errors(call: str, message: str, error_id: str | None) -> None:
    outcome = ps(f"{call}\n'next'")
    assert outcome.output == ["next"], "binding errors are statement-terminating"
    error = outcome.errors[0]
    assert error.message.startswith(message)
    if error_id is not None:
        assert error.fqid == f"{error_id},Test.Commands.GetEcho"
        assert (error.reason, error.activity) == ("ParameterBindingException", "Get-Echo")


def test_pipeline_input_by_value_and_by_property_name_per_item() -> None:
    runtime_widgets: dict[str, object] = {"W": [Widget("one"), Widget("two")]}
    result = out("param($W)\n$W | Get-Echo -Count 2", runtime_widgets)
    widgets = runtime_widgets["W"]
    assert isinstance(widgets, list)
    assert [r["InputObject"] for r in result] == [[w] for w in widgets]
    assert {r["set"] for r in result} == {"ByObject"}
    assert result[0]["piped"] == ["InputObject"]
    result = out("[pscustomobject]@{ VMName = 'p1' }, [pscustomobject]@{ Name = 'p2' } | "
                 "Get-Echo")
    assert [(r["Name"], r["piped"]) for r in result] == [(["p1"], ["Name"]),
                                                        (["p2"], ["Name"])]


def test_input_that_binds_to_nothing_is_a_non_terminating_error() -> None:
    outcome = ps("1, 'x' | Write-Output | Get-Echo -Count 1\n'next'")
    assert outcome.output == ["next"]
    assert [e.fqid for e in outcome.errors] == ["InputObjectNotBound,Test.Commands.GetEcho"] * 2


def test_function_parameters() -> None:
    text = """function Add-Two {
        param([int]$A, [int]$B = 10, [switch]$Twice)
        $sum = $A + $B
        if ($Twice) { $sum * 2 } else { $sum }
    }
    Add-Two 1 2
    Add-Two -A 1
    Add-Two 1 -Twice
    Add-Two -B 1 5
    function Show($x) { "x=$x args=$($args.Count)" }
    Show 1 2 3
    """
    assert out(text) == [3, 11, 22, 6, "x=1 args=2"]
    outcome = ps("function f {\n param([Parameter(Mandatory)][string]$N)\n $N\n}\nf\n'next'")
    assert outcome.output == ["next"]
    assert outcome.errors[0].fqid == "MissingMandatoryParameter"


def test_simple_scripts_take_unknown_names_into_args_advanced_ones_refuse_them() -> None:
    # about_Functions_CmdletBindingAttribute: [CmdletBinding()] or any [Parameter()] makes a
    # script advanced; a simple one keeps unknown named arguments in $args.
    assert out("param([int]$Limit = 64)\n$Limit\n$args", {"Limit": 2, "Bogus": "x"}) == [
        2, "-Bogus", "x"]
    assert binding_error({"Name": "vm", "Bogus": 1})[1] == "NamedParameterNotFound"
    text = "function f($a) { \"a=$a args=$args\" }\nf 1 -Other 2"
    assert out(text) == ["a=1 args=-Other 2"]


def test_advanced_scripts_take_common_parameters() -> None:
    text = """[CmdletBinding()]
    param([string]$Name)
    Write-Soft
    'next'"""
    outcome = ps(text, {"Name": "x", "ErrorAction": "Stop"})
    assert outcome.failed and outcome.output == ["before-soft"]
    text = "function f {\n [CmdletBinding()]\n param()\n Write-Soft\n 'in f'\n}\n" \
           "f -ErrorAction SilentlyContinue\n'after'"
    outcome = ps(text)
    assert outcome.output == ["before-soft", "after-soft", "in f", "after"]
    assert outcome.errors == []
