"""The lab's fast CLIXML writer produces exactly psrpcore's bytes."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st
from psrpcore import PSRemotingCrypto
from psrpcore.types import serialize

from hvtui.lab.server.wsman_clixml import record_clixml
from hvtui.ps.plain import from_plain
from hvtui.remote.base import PSValue

CIPHER = PSRemotingCrypto()

text = st.text(max_size=30)  # surrogates, control characters and "_x" included
names = st.text(min_size=1, max_size=12)
zones: st.SearchStrategy[dt.tzinfo | None] = st.one_of(
    st.none(),
    st.just(dt.UTC),
    st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m))),
)
scalars = st.one_of(
    text,
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.none(),
    st.floats(),
    st.datetimes(min_value=dt.datetime(1000, 1, 1), timezones=zones),  # type: ignore[arg-type]
    st.timedeltas(),
    st.binary(max_size=20),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(names, inner, min_size=1, max_size=4)),
    max_leaves=12,
)


def psrpcore_bytes(record: dict[str, PSValue]) -> bytes:
    return ET.tostring(serialize(from_plain(record), CIPHER), encoding="utf-8", method="xml")


@settings(max_examples=120, deadline=None)
@given(st.dictionaries(names, values, min_size=1, max_size=8))
def test_bytes_are_identical_to_psrpcore(record: dict[str, PSValue]) -> None:
    assert record_clixml(record) == psrpcore_bytes(record)


def test_shapes_outside_the_fast_path_are_left_to_psrpcore() -> None:
    assert record_clixml({"Empty": {}}) is None
    assert record_clixml({"Huge": 2**70}) is None
    assert record_clixml({"Odd": {1, 2}}) is None  # type: ignore[dict-item]
