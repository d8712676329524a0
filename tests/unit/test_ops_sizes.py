"""Sizes as people write them (hvtui.hyperv.sizes)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hvtui.errors import ConfigError
from hvtui.hyperv.sizes import SECTOR, SizeError, human, parse_size

GiB = 1024**3


@pytest.mark.parametrize(("text", "current", "minimum", "expected"), [
    ("120 GiB", 100 * GiB, 10 * GiB, 120 * GiB),
    ("120GB", 100 * GiB, 10 * GiB, 120 * GiB),
    ("+20G", 100 * GiB, 10 * GiB, 120 * GiB),
    ("-10 GB", 100 * GiB, 10 * GiB, 90 * GiB),
    ("to minimum", 100 * GiB, 10 * GiB, 10 * GiB),
    ("minimum", 100 * GiB, 10 * GiB, 10 * GiB),
    ("1.5T", 100 * GiB, 10 * GiB, 1536 * GiB),
    ("107374182400", 1, 1, 107374182400),
    (".5g", 1, 1, GiB // 2),
    ("  64 tib ", 1, 1, 64 * 1024 * GiB),
])
def test_the_ways_people_write_sizes(text: str, current: int, minimum: int,
                                     expected: int) -> None:
    assert parse_size(text).resolve(current, minimum) == expected


@pytest.mark.parametrize("text", ["", "   ", "abc", "12 XB", "1,000 GB", "0", "1.2.3G",
                                  "twenty gigs", "+", "G", "10 G B", "-"])
def test_unparsable_sizes_are_refused_with_examples(text: str) -> None:
    with pytest.raises(SizeError) as err:
        parse_size(text)
    assert isinstance(err.value, ConfigError)
    assert "120 GiB" in (err.value.hint or "")


def test_fractions_round_up_to_a_whole_sector() -> None:
    size = parse_size("1.3G").amount
    assert size % SECTOR == 0
    assert 0 <= size - 1.3 * GiB < SECTOR


def test_human_uses_binary_units() -> None:
    assert human(120 * GiB) == "120.0 GiB"


_UNITS = {"": 1, "K": 1024, "KB": 1024, "KiB": 1024, "M": 1024**2, "MB": 1024**2,
          "G": GiB, "GB": GiB, "GiB": GiB, "T": 1024 * GiB, "TB": 1024 * GiB}


@given(number=st.integers(min_value=1, max_value=10**6),
       unit=st.sampled_from(sorted(_UNITS)),
       space=st.sampled_from(["", " ", "  "]),
       sign=st.sampled_from(["", "+", "-"]))
def test_whole_numbers_with_any_unit(number: int, unit: str, space: str, sign: str) -> None:
    request = parse_size(f"{sign}{number}{space}{unit}")
    exact = number * _UNITS[unit]
    rounded = -(-exact // SECTOR) * SECTOR
    assert request.relative == bool(sign)
    assert request.amount == (-rounded if sign == "-" else rounded)
    assert request.amount % SECTOR == 0


@given(st.text(max_size=30))
def test_any_text_parses_or_says_why(text: str) -> None:
    try:
        request = parse_size(text)
    except SizeError as exc:
        assert exc.hint
    else:
        assert request.to_minimum or request.amount % SECTOR == 0


@given(current=st.integers(min_value=1, max_value=2**46).map(lambda n: n * SECTOR),
       delta=st.integers(min_value=1, max_value=2**30).map(lambda n: n * SECTOR))
def test_relative_sizes_move_from_the_current_size(current: int, delta: int) -> None:
    assert parse_size(f"+{delta}").resolve(current, 0) == current + delta
    assert parse_size(f"-{delta}").resolve(current, 0) == current - delta
