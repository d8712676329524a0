"""Casts, conversions, comparisons and member access, with .NET's and PowerShell's rules."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from pwsh_support import one, out, ps

from hvtui.lab.pwsh import PSObject, PSVersion


def cast_error(expression: str, **kwargs: object) -> tuple[str, str]:
    outcome = ps(f"$ErrorActionPreference = 'Stop'\n{expression}", **kwargs)  # type: ignore[arg-type]
    assert outcome.failed, outcome.output
    return outcome.errors[0].message, outcome.errors[0].fqid


# --- casts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("[int]2.5", 2), ("[int]3.5", 4), ("[int]-2.5", -2), ("[int]0.5", 0),
        ("[int]1.5", 2), ("[int64]2.5", 2), ("[uint32]4.5", 4), ("[int]'  42 '", 42),
        ("[int]'0x10'", 16), ("[int]'1e3'", 1000), ("[int]'2.5'", 2), ("[int]''", 0),
        ("[int]$null", 0), ("[int]$true", 1), ("[int64]'9223372036854775807'", 2**63 - 1),
        ("[uint64]'18446744073709551615'", 2**64 - 1), ("[int]'1kb'", 1024),
        ("[double]'1.5'", 1.5), ("[double]$null", 0.0),
        ("[string]$null", ""), ("[string]1.5", "1.5"), ("[string](1/3)", "0.333333333333333"),
        ("[string]$true", "True"), ("[string]@(1, 'a', $null, 2)", "1 a  2"),
        ("[string]@()", ""), ("[bool]'False'", True), ("[bool]''", False), ("[bool]0", False),
        ("[bool]@()", False), ("[bool]@(0)", False), ("[bool]@(0, 0)", True),
        ("[bool]@($null)", False), ("[bool][pscustomobject]@{}", True), ("[bool]@{}", True),
        ("[bool]'0'", True), ("[string[]]@(1, 2)", ["1", "2"]), ("[string[]]'a'", ["a"]),
        ("[string[]]$null", None), ("[int[]]@('1', 2.5)", [1, 2]),
        ("[version]'10.0.17763'", PSVersion(10, 0, 17763)),
        ("[guid]'{6F9619FF-8B86-D011-B42D-00C04FC964FF}'",
         uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")),
        ("[datetime]'2024-01-02T03:04:05Z'", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
        ("[timespan]'01:02:03'", dt.timedelta(hours=1, minutes=2, seconds=3)),
        ("'12' -as [int]", 12), ("'abc' -as [int]", None), ("[int]::MaxValue", 2**31 - 1),
        ("[uint64]::MaxValue", 2**64 - 1), ("[string]::IsNullOrEmpty('')", True),
        ("[math]::Round(2.5)", 2.0), ("[math]::Round(3.5)", 4.0),
    ],
)
def test_cast(expression: str, value: object) -> None:
    assert ps(f"$x = {expression}\n,$x").output == [value]


def test_string_of_a_double_is_g15_everywhere_but_to_string_differs_on_net_core() -> None:
    # PowerShell/PowerShell#9893: pwsh kept "G15" for conversions; .ToString() is .NET's.
    assert one("[string](1/3)") == "0.333333333333333"
    assert one("\"$(1/3)\"", version=(7, 4), edition="Core") == "0.333333333333333"
    assert one("(1/3).ToString()") == "0.333333333333333"
    assert one("(1/3).ToString()", version=(7, 4), edition="Core") == "0.3333333333333333"
    assert one("[string]1e16") == "1E+16"
    assert one("[string]0.00001") == "1E-05"


@pytest.mark.parametrize(
    ("expression", "message", "fqid"),
    [
        ("[int]'abc'", 'Cannot convert value "abc" to type "System.Int32". Error: "Input string '
         'was not in a correct format."', "InvalidCastFromStringToInteger"),
        ("[int]3000000000", 'Cannot convert value "3000000000" to type "System.Int32". Error: '
         '"Value was either too large or too small for an Int32."', "InvalidCastIConvertible"),
        ("[int]2147483647.5", 'Cannot convert value "2147483647.5" to type "System.Int32". '
         'Error: "Value was either too large or too small for an Int32."',
         "InvalidCastIConvertible"),
        ("[uint32]-1", 'Cannot convert value "-1" to type "System.UInt32". Error: "Value was '
         'either too large or too small for a UInt32."', "InvalidCastIConvertible"),
        ("[uint64]'-1'", 'Cannot convert value "-1" to type "System.UInt64". Error: "Value was '
         'either too large or too small for a UInt64."', "InvalidCastFromStringToInteger"),
        ("[int64]'9223372036854775808'", 'Cannot convert value "9223372036854775808" to type '
         '"System.Int64". Error: "Value was either too large or too small for an Int64."',
         "InvalidCastFromStringToInteger"),
        ("[int]@(1, 2)", 'Cannot convert the "1 2" value of type "System.Object[]" to type '
         '"System.Int32".', "ConvertToFinalInvalidCastException"),
        ("[version]'1'", 'Cannot convert value "1" to type "System.Version". Error: "Version '
         'string portion was too short or too long."', "InvalidCastParseTargetInvocation"),
    ],
)
def test_cast_failure_texts(expression: str, message: str, fqid: str) -> None:
    assert cast_error(expression) == (message, fqid)


def test_pwsh_74_words_format_errors_as_net_8_does() -> None:
    message, _ = cast_error("[int]'abc'", version=(7, 4), edition="Core")
    assert message.endswith('Error: "The input string \'abc\' was not in a correct format."')


def test_version_to_string_with_too_many_fields_is_a_method_exception() -> None:
    assert one("([version]'10.0.17763').ToString(2)") == "10.0"
    message, fqid = cast_error("([version]'10.0').ToString(3)")
    assert fqid == "ArgumentException"
    assert message.startswith('Exception calling "ToString" with "1" argument(s): "Argument '
                              'must be between 0 and 2.')


# --- operators -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("'10' -eq 10", True), ("10 -eq '10.0'", True), ("'1.0' -eq 1", False),
        ("'ABC' -eq 'abc'", True), ("'ABC' -ceq 'abc'", False), ("'ABC' -ieq 'abc'", True),
        ("1 -eq 'abc'", False), ("$null -eq 0", False), ("0 -eq $null", False),
        ("$true -eq 'false'", True), ("'b' -gt 'A'", True), ("2 -lt '10'", True),
        ("'2' -lt '10'", False), ("@(1, 2, 3) -gt 1", [2, 3]), ("@(1, 2, 3) -eq 5", []),
        ("@('a', $null) -ne $null", ["a"]), ("@(1, 2) -contains '2'", True),
        ("'x' -in @('X', 'y')", True), ("'z' -notin 'x', 'y'", True),
        ("'Server01' -like 'server*'", True), ("'a.b' -like 'a?b'", True),
        ("'a*b' -like 'a`*b'", True), ("'axb' -like 'a`*b'", False),
        ("'x1y' -match '\\d'", True), ("@('a1', 'b', 'c2') -match '\\d'", ["a1", "c2"]),
        ("'a-b-c' -replace '-', '+'", "a+b+c"), ("'John Smith' -replace '(\\w+) (\\w+)', "
                                                "'$2, $1'", "Smith, John"),
        ("'a,b,,c' -split ','", ["a", "b", "", "c"]), ("-split ' a  b '", ["a", "b"]),
        ("@(1, 2, 3) -join '-'", "1-2-3"), ("-join @('a', 'b')", "ab"),
        ("'{0}-{1:N1}|{2,4}|' -f 'a', 1234.56, 7", "a-1,234.6|   7|"),
        ("1 + '2'", 3), ("'1' + 2", "12"), ("@(1) + 2", [1, 2]), ("@(1, 2) + @(3)", [1, 2, 3]),
        ("7 / 2", 3.5), ("6 / 2", 3), ("7 % 3", 1), ("-7 % 3", -1), ("'ab' * 3", "ababab"),
        ("[int]::MaxValue + 1", 2147483648), ("$null + 5", 5), ("-'5'", -5),
        ("5 -is [int]", True), ("'5' -is [string]", True), ("@() -is [array]", True),
        ("5 -isnot [string]", True),
        ("!$null", True), ("-not @()", True), ("-not @(0)", True), ("-not @(0, 0)", False),
        ("$true -and 0", False), ("$false -or 'x'", True), ("$true -xor $true", False),
        ("$three..1", [3, 2, 1]), ("$three..$three", [3]),
    ],
)
def test_operator(expression: str, value: object) -> None:
    assert ps(f"$three = 3\n$result = {expression}\n,$result").output == [value]


def test_match_sets_matches_in_the_current_scope() -> None:
    assert out("if ('VM-042' -match 'VM-(?<n>\\d+)') { $Matches[0]; $Matches.n; $Matches[1] }") \
        == ["VM-042", "042", "042"]


def test_adding_a_string_to_a_number_that_is_not_one_fails_with_the_cast_text() -> None:
    assert cast_error("1 + 'abc'")[1] == "InvalidCastFromStringToInteger"


def test_hashtable_addition_refuses_duplicate_keys() -> None:
    assert one("$h = @{a = 1} + @{b = 2}\n$h.Count") == 2
    assert "Item has already been added" in cast_error("@{a = 1} + @{A = 2}")[0]


# --- members -------------------------------------------------------------------------------------


def test_member_enumeration_and_intrinsic_count() -> None:
    text = """
    $list = @([pscustomobject]@{ Name = 'a'; N = 1 }, [pscustomobject]@{ Name = 'b' },
              [pscustomobject]@{ Other = 1 })
    ,$list.Name
    $list.N
    $list.Count
    (5).Count
    $null.Count
    'abc'.Length
    @().Length
    $list[-1].Other
    $list[5]
    """
    assert out(text) == [["a", "b"], 1, 3, 1, 0, 3, 0, 1, None]


def test_missing_property_reads_null_and_a_method_on_null_fails() -> None:
    assert one("$o = [pscustomobject]@{ A = 1 }\n$null -eq $o.Missing.Deeper") is True
    message, fqid = cast_error("$o = $null\n$o.Trim()")
    assert (message, fqid) == ("You cannot call a method on a null-valued expression.",
                               "InvokeMethodOnNull")
    assert cast_error("'x'.NoSuchMethod()")[0] == \
        "Method invocation failed because [System.String] does not contain a method named " \
        "'NoSuchMethod'."


def test_timespan_and_datetime_members() -> None:
    result = out("$t = [timespan]'1.02:03:04.5'\n$t.TotalSeconds\n$t.Days\n$t.Hours\n"
                 "([datetime]'2024-03-05T06:07:08Z').Year")
    assert result == [93784.5, 1, 2, 2024]


def test_hashtables_are_case_insensitive_and_keys_win_over_properties() -> None:
    result = out("$h = @{ Name = 1; count = 'key' }\n$h.NAME\n$h['name']\n$h.Count\n"
                 "$h.ContainsKey('NaMe')\n$h.Keys.Count")
    assert result == [1, 1, "key", True, 2]


def test_ordered_and_pscustomobject_keep_literal_order() -> None:
    obj = one("[pscustomobject]@{ Z = 1; A = 2; M = 3 }")
    assert isinstance(obj, PSObject) and obj.names() == ["Z", "A", "M"]
    assert one("$h = [ordered]@{ Z = 1; A = 2 }\n,$h.Keys") == ["Z", "A"]


def test_assigning_a_property_that_does_not_exist_fails() -> None:
    message, fqid = cast_error("$o = [pscustomobject]@{ A = 1 }\n$o.B = 2")
    assert fqid == "PropertyNotFound"
    assert message.startswith("The property 'B' cannot be found on this object.")
    assert one("$o = [pscustomobject]@{ A = 1 }\n$o.A = 2\n$o.A") == 2


def test_xml_cast_select_single_node_and_inner_text() -> None:
    item = ("<INSTANCE CLASSNAME=\"Msvm_KvpExchangeDataItem\"><PROPERTY NAME=\"Name\" "
            "TYPE=\"string\"><VALUE>OSName</VALUE></PROPERTY><PROPERTY NAME=\"Data\" "
            "TYPE=\"string\"><VALUE>Windows Server 2022</VALUE></PROPERTY></INSTANCE>")
    text = """param([string]$Item)
    $xml = [xml]$Item
    $name = $xml.SelectSingleNode("/INSTANCE/PROPERTY[@NAME='Name']/VALUE")
    if ($name -and $name.InnerText -eq 'OSName') {
        $xml.SelectSingleNode("/INSTANCE/PROPERTY[@NAME='Data']/VALUE").InnerText
    }
    $xml.INSTANCE.CLASSNAME"""
    assert out(text, {"Item": item}) == ["Windows Server 2022", "Msvm_KvpExchangeDataItem"]
    assert cast_error("[xml]'<a>'")[1] == "InvalidCastToXmlDocument"


def test_hashtable_enumerator_and_error_clear() -> None:
    assert out("$h = [ordered]@{ a = 1; b = 2 }\n$h.GetEnumerator() | ForEach-Object { "
               "\"$($_.Key)=$($_.Value)\" }") == ["a=1", "b=2"]
    assert out("try { throw 'x' } catch { }\n$Error.Count\n$Error.Clear()\n$Error.Count") == [
        1, 0]


def test_to_enum_for_the_hosts_enum_parameters() -> None:
    from hvtui.lab.pwsh import ConversionError
    from hvtui.lab.pwsh.convert import to_enum

    members = {"Nothing": 0, "StartIfRunning": 1, "Start": 2}
    assert to_enum("start", "Microsoft.HyperV.PowerShell.StartAction", members).name == "Start"
    assert to_enum(1, "Microsoft.HyperV.PowerShell.StartAction", members).name == \
        "StartIfRunning"
    with pytest.raises(ConversionError) as raised:
        to_enum("Later", "Microsoft.HyperV.PowerShell.StartAction", members)
    assert raised.value.reason.endswith(
        'The possible enumeration values are "Nothing,StartIfRunning,Start".')
