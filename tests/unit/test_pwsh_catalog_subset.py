"""Every catalog script stays inside what the lab's PowerShell engine really runs."""

from __future__ import annotations

import pytest

from hvtui.lab.pwsh import unsupported
from hvtui.ps import catalog

SCRIPTS = sorted(catalog.all_scripts())


@pytest.mark.parametrize("name", SCRIPTS)
def test_catalog_script_is_inside_the_engine_subset(name: str) -> None:
    problems = unsupported(catalog.get(name).text)
    assert problems == [], f"{name}.ps1:\n" + "\n".join(f"  {p}" for p in problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("switch ($x) { 1 { 'one' } }", "1:1: switch statement"),
        ("$a = 1\n  trap { continue }", "2:3: trap statement"),
        ("Get-VM | Out-File 'x'\nGet-VM > 'x'", "2:8: redirection"),
        ("class Foo { }", "1:1: class definition"),
        ("$x = 5 -band 3", "1:8: operator -band"),
        ("$x = [System.IO.File]::ReadAllText('x')", "1:6: type [System.IO.File]"),
        ("Get-VM -Name (", "syntax error"),
        ("$x = 'it\u2019s'", "quote character U+2019"),
        ("$x = \"say \u201chi\"", "quote character U+201C"),
        (". ./other.ps1", "dot-sourcing"),
        ("$x = (1..3)", "reads an expression that starts with a number"),
    ],
)
def test_unsupported_names_the_construct_and_where(text: str, expected: str) -> None:
    problems = unsupported(text)
    assert any(expected in p for p in problems), problems


def test_a_script_inside_the_subset_has_no_problems() -> None:
    assert unsupported("param([string]$Name)\n$x = @(Get-VM -Name $Name)\n$x.Count") == []
