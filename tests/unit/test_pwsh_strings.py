"""Strings: quoting, expansion, and hostile data that must stay data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pwsh_support import one, out

from hvtui.lab.pwsh import unsupported
from hvtui.ps.quoting import literal, quote_string

HOSTILE = [
    "a'b", "a’; Stop-VM x; ’", "‘quoted’", "‚low‛", '"double" “curly” „low“', "$(Stop-VM x)",
    "$env:PATH", "`$x`n", "a; b | c & d", "経理-DB01", "${x}", "@(1)", "--%", "-Name", "#no",
    "<# c #>", "a\tb\nc", "'", "’", "$", "`", "",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_parameter_values_are_data_in_every_string_form(text: str) -> None:
    script = """param([string]$Name)
    $Name
    "$Name"
    "[$Name]"
    "${Name}"
    "$($Name)"
    "x$($Name.Length)y"
    @"
$Name
"@
    [pscustomobject]@{ N = $Name }.N
    """
    assert out(script, {"Name": text}) == [text, text, f"[{text}]", text, text,
                                           f"x{len(text)}y", text, text]


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\0")))
def test_quote_string_round_trips_through_the_engine(text: str) -> None:
    """hvtui's one encoder of values as PowerShell text, read back by the engine."""
    assert one(f"$x = {quote_string(text)}\n$x") == text


def test_literal_lists_round_trip() -> None:
    assert one(f"$x = {literal(['a’b', 'c', 7])}\n,$x") == ["a’b", "c", 7]


def test_expansion_rules() -> None:
    text = """$vm = [pscustomobject]@{ Name = 'web01'; Tags = @('a', 'b') }
    $n = 3
    "$vm.Name"
    "$($vm.Name)"
    "$($vm.Tags)"
    "n=$n; `$n; ``; `t|"
    "a""b"
    'a''b'
    "${n}x"
    "$n$n"
    "cost: 5$"
    "$(1 + 2)"
    "$($vm.Tags.Count) tags"
    """
    assert out(text) == [
        "@{Name=web01; Tags=System.Object[]}.Name", "web01", "a b", "n=3; $n; `; \t|", 'a"b', "a'b",
        "3x", "33", "cost: 5$", "3", "2 tags"]


def test_ofs_joins_arrays_in_expansion() -> None:
    assert one("$OFS = ','\n$a = @(1, 2)\n\"$a\"") == "1,2"


def test_here_strings() -> None:
    text = "$n = 'x'\n@'\nliteral $n\n  'quoted'\n'@\n@\"\nexpanded $n\n\"@"
    assert out(text) == ["literal $n\n  'quoted'", "expanded x"]


def test_unicode_quotes_are_quotes() -> None:
    assert one("$x = 'mixed’’quotes'\n$x") == "mixed’quotes"
    assert one('$x = "a“”b"\n$x') == "a”b"
    assert unsupported("$x = 'mixed’'quotes'")  # PowerShell: one string; the grammar: not
    # PowerShell would end these strings early; the grammar would not: refused, not guessed.
    assert any("U+2019" in p for p in unsupported("$x = 'it’s'"))
    assert any("U+2019" in p for p in unsupported("$x = ’it’’s’"))
    assert any("U+201D" in p for p in unsupported('$x = "a”b"'))


def test_japanese_text_in_strings_and_names_of_objects() -> None:
    text = "$name = '経理'\n\"$($name)-DB01\"\n[pscustomobject]@{ '名前' = 1 }.'名前'"
    assert out(text) == ["経理-DB01", 1]
    # Bare non-ASCII names are PowerShell but not tree-sitter-powershell: refused.
    assert unsupported("$名前 = 1")
