"""The PowerShell literal encoder: parsed by the PowerShell grammar, decoded the tokenizer's way."""

from __future__ import annotations

import pytest
import tree_sitter_powershell
from hypothesis import given
from hypothesis import strategies as st
from tree_sitter import Language, Node, Parser

from hvtui.ps.quoting import (
    DOUBLE_QUOTES,
    SINGLE_QUOTES,
    literal,
    quote_string,
    render_arguments,
    render_command,
)

_PARSER = Parser(Language(tree_sitter_powershell.language()))

# Characters that mean something to PowerShell somewhere, plus Japanese and line breaks.
NASTY = (
    sorted(SINGLE_QUOTES | DOUBLE_QUOTES)
    + list("$`;|&(){}[]@#<>,-\\\n\r\t")
    + [
        "\u2013",  # en dash: PowerShell reads it as a parameter dash
        "\u2028",
        "\ufeff",
        "仮想マシン",
        "$(Stop-VM x)",
        "${env:PATH}",
        "`n",
    ]
)
TEXT = st.lists(
    st.one_of(
        st.sampled_from(NASTY),
        st.characters(exclude_categories=["Cs"], exclude_characters="\0"),
    ),
    max_size=30,
).map("".join)


def decode_single_quoted(text: str) -> str:
    """Read one single-quoted literal the way PowerShell's tokenizer does (ScanStringLiteral).

    Any of the five single-quote characters opens the string. Inside, a quote character
    followed by another quote character is one literal character (the second one); a quote
    character followed by anything else ends the string, which must be the end of ``text``.
    """
    assert text and text[0] in SINGLE_QUOTES, f"not a single-quoted literal: {text!r}"
    out: list[str] = []
    i = 1
    while True:
        assert i < len(text), f"unterminated string: {text!r}"
        c = text[i]
        if c in SINGLE_QUOTES:
            if i + 1 < len(text) and text[i + 1] in SINGLE_QUOTES:
                out.append(text[i + 1])
                i += 2
                continue
            assert i == len(text) - 1, f"string ends early at {i} in {text!r}"
            return "".join(out)
        out.append(c)
        i += 1


def _string_literals(node: Node) -> list[Node]:
    found = [node] if node.type == "string_literal" else []
    for child in node.children:
        found.extend(_string_literals(child))
    return found


def _parse(text: str) -> Node:
    tree = _PARSER.parse(text.encode("utf-8"))
    assert not tree.root_node.has_error, f"{text!r} does not parse: {tree.root_node}"
    return tree.root_node


@given(TEXT)
def test_quoted_text_is_one_string_literal_that_round_trips(value: str) -> None:
    quoted = quote_string(value)
    root = _parse(quoted)
    strings = _string_literals(root)
    assert len(strings) == 1
    assert (strings[0].start_byte, strings[0].end_byte) == (0, len(quoted.encode("utf-8")))
    assert decode_single_quoted(quoted) == value


@given(TEXT, TEXT)
def test_a_rendered_command_keeps_each_value_in_its_own_literal(first: str, second: str) -> None:
    command = render_command("Move-VM", {"Name": first, "DestinationHost": second})
    root = _parse(command)
    commands = [n for n in _walk(root) if n.type == "command"]
    assert len(commands) == 1, f"{command!r} parsed as {len(commands)} commands"
    strings = _string_literals(root)
    assert [decode_single_quoted(_text(command, s)) for s in strings] == [first, second]


def _walk(node: Node) -> list[Node]:
    return [node, *(n for child in node.children for n in _walk(child))]


def _text(source: str, node: Node) -> str:
    return source.encode("utf-8")[node.start_byte : node.end_byte].decode("utf-8")


@pytest.mark.parametrize("quote", sorted(SINGLE_QUOTES))
def test_every_single_quote_character_is_doubled(quote: str) -> None:
    assert quote_string(f"a{quote}b") == f"'a{quote}{quote}b'"


def test_doubling_only_the_ascii_apostrophe_would_let_a_name_escape() -> None:
    # The bug this module exists to prevent: a typographic quote closes PowerShell's string.
    name = "a\u2019; Stop-VM x; \u2019"
    naive = "'" + name.replace("'", "''") + "'"
    with pytest.raises(AssertionError, match="ends early"):
        decode_single_quoted(naive)
    assert decode_single_quoted(quote_string(name)) == name


def test_double_quotes_dollars_and_backticks_stay_as_they_are() -> None:
    assert quote_string('"\u201c\u201d\u201e $x `n') == "'\"\u201c\u201d\u201e $x `n'"


@pytest.mark.parametrize("bad", ["a\0b", "a\ud800b"])
def test_text_no_host_can_receive_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="cannot be sent"):
        quote_string(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "$null"),
        (True, "$true"),
        (False, "$false"),
        (0, "0"),
        (-42, "-42"),
        (2**63 - 1, "9223372036854775807"),
        (2**64 - 1, "[uint64]'18446744073709551615'"),
        (-(2**64), "[bigint]'-18446744073709551616'"),
        (1.5, "1.5"),
        (1e16, "1e+16"),
        (float("nan"), "[double]::NaN"),
        (float("-inf"), "[double]::NegativeInfinity"),
        ("it's", "'it''s'"),
        ([], "@()"),
        (["a", "b’"], "@('a', 'b’’')"),
        ((1, None, True), "@(1, $null, $true)"),
    ],
)
def test_literal(value: object, expected: str) -> None:
    assert literal(value) == expected  # type: ignore[arg-type]
    _parse(expected)


@pytest.mark.parametrize("value", [b"bytes", {"a": 1}, object(), [["nested"]]])
def test_literal_refuses_what_it_cannot_render_faithfully(value: object) -> None:
    with pytest.raises(TypeError):
        literal(value)  # type: ignore[arg-type]


def test_render_command_switches_bools_and_numbers() -> None:
    command = render_command(
        "Move-VM",
        {
            "Name": "web ‘01’",
            "DestinationHost": "hv2",
            "IncludeStorage": True,
            "RetainVhdCopiesOnSource": False,
            "Passthru": None,
        },
        switches={"IncludeStorage", "RetainVhdCopiesOnSource", "Passthru"},
    )
    assert command == "Move-VM -Name 'web ‘‘01’’' -DestinationHost 'hv2' -IncludeStorage"
    _parse(command)


def test_render_arguments_bool_numbers_lists_and_null() -> None:
    rendered = render_arguments(
        {"Enabled": False, "Count": -5, "Size": 2**64 - 1, "Names": ["a", "b"], "Path": None}
    )
    assert rendered == (
        "-Enabled:$false -Count (-5) -Size ([uint64]'18446744073709551615') "
        "-Names @('a', 'b') -Path $null"
    )
    _parse("Get-Thing " + rendered)


def test_render_command_without_parameters() -> None:
    assert render_command("Get-VMHost", {}) == "Get-VMHost"


@pytest.mark.parametrize(
    ("cmdlet", "params", "switches"),
    [
        ("Get-VM; Stop-VM", {}, ()),
        ("& 'x'", {}, ()),
        ("Get-VM", {"Name; x": "a"}, ()),
        ("Get-VM", {"-Name": "a"}, ()),
    ],
)
def test_names_are_code_and_must_be_plain(
    cmdlet: str, params: dict[str, str], switches: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError):
        render_command(cmdlet, params, switches=switches)


def test_a_switch_takes_only_a_bool() -> None:
    with pytest.raises(TypeError, match="switch -Force"):
        render_command("Stop-VM", {"Force": "yes"}, switches={"Force"})
