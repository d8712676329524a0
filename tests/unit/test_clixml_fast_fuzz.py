"""Differential test: random CLIXML documents, well-formed or odd, read by hvtui and by
psrpcore. parse_document must give psrpcore's values, or a ProtocolError where psrpcore
fails; the fast reader alone must never give a different value than psrpcore."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from hypothesis import given, settings
from hypothesis import strategies as st
from psrpcore.types import PSCryptoProvider, deserialize_clixml

from hvtui.errors import ProtocolError
from hvtui.remote.base import PSValue
from hvtui.remote.clixml import parse_document
from hvtui.remote.clixml_read import read_document
from hvtui.remote.plain import to_plain

CIPHER = PSCryptoProvider()
NS = 'xmlns="http://schemas.microsoft.com/powershell/2004/04"'
ENUM = ["System.Enum", "System.ValueType", "System.Object"]
TYPE_NAMES = [
    ["System.Management.Automation.PSCustomObject", "System.Object"],
    ["Deserialized.Microsoft.HyperV.PowerShell.VirtualMachine", "Deserialized.System.Object"],
    ["Microsoft.HyperV.PowerShell.VMState", *ENUM],
    ["System.Management.Automation.ErrorCategory", *ENUM],  # an enum psrpcore knows
    ["System.Management.Automation.CommandTypes", *ENUM],  # a [Flags] enum psrpcore knows
    ["System.Collections.Hashtable", "System.Object"],
    ["System.Object[]", "System.Array", "System.Object"],
    ["System.String", "System.Object"],
    ["System.Exception", "System.Object"],  # rehydrated by psrpcore into its own class
    ["System.Management.Automation.ErrorRecord", "System.Object"],
]
TEXT = st.sampled_from(
    ["", "vm1", "a_x000D__x000A_b", "_xD83D__xDDA5_", "_x005F_x0041_", "&lt;&amp;", "Running",
     "Alias, Function", "5", "2", "x y"]
)
SCALAR_TEXT = {
    "S": TEXT,
    "I32": st.sampled_from(["0", "2", "5", "-1", "2147483648", "", "x"]),
    "I64": st.sampled_from(["9007199254740993", "-5"]),
    "U64": st.sampled_from(["18446744073709551615", "-1"]),
    "B": st.sampled_from(["true", "False", ""]),
    "Db": st.sampled_from(["1.5", "INF", "-0", "1E+20", "x"]),
    "DT": st.sampled_from(["2024-01-02T03:04:05.1234567+09:00", "2024-01-02T03:04:05Z",
                           "2024-01-02T03:04:05", "0001-01-01T00:00:00+01:00",
                           "2024-01-02T03:04:05+05:75", "2024-13-02T03:04:05Z", "x"]),
    "TS": st.sampled_from(["PT10S", "-P1DT2H3M4.5678901S", "PT0S", "P1Y", "PT.5S"]),
    "G": st.sampled_from(["0F8FAD5B-D9CB-469F-A165-70867728950E", "nope"]),
    "C": st.sampled_from(["97", "70000"]),
    "BA": st.sampled_from(["AAEC", ""]),
    "Version": st.sampled_from(["1.2.3.4", "10.0"]),
    "Nil": st.just(""),
    "SS": st.just("AQAAANCMnd8B"),
    "PR": st.just("<AV>a</AV><AI>0</AI><Nil /><PI>-1</PI><PC>5</PC><T>Processing</T>"
                  "<SR>-1</SR><SD>s</SD>"),
}


@dataclass
class Node:
    """A CLIXML element to be written; RefIds are given in document order."""

    tag: str
    text: str = ""
    children: list[Node] = field(default_factory=list)
    type_names: int | None = None  # index into TYPE_NAMES
    type_ref: bool = False  # TNRef instead of TN (to an earlier TN, or to none)
    names_last: bool = False  # TN/TNRef after the other children
    ref: int = 0  # for Ref: which RefId
    name: str | None = None  # the N attribute


scalar = st.sampled_from(sorted(SCALAR_TEXT)).flatmap(
    lambda tag: SCALAR_TEXT[tag].map(lambda text: Node(tag, text))
)
reference = st.integers(0, 6).map(lambda ref: Node("Ref", ref=ref))


def objects(inner: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    named = st.lists(st.tuples(TEXT, inner), max_size=3)
    entry = st.tuples(inner, inner)
    payload = st.one_of(
        st.none(),
        st.lists(inner, max_size=3).map(lambda items: Node("LST", children=items)),
        st.tuples(st.sampled_from(["QUE", "STK", "IE"]), st.lists(inner, max_size=2)).map(
            lambda pair: Node(pair[0], children=pair[1])
        ),
        inner.filter(lambda node: node.tag == "Obj"),  # psrpcore merges the two objects
        st.lists(entry, max_size=2).map(
            lambda entries: Node("DCT", children=[
                Node("En", children=[_named(key, "Key"), _named(value, "Value")])
                for key, value in entries
            ])
        ),
        scalar,
    )
    return st.builds(
        _object,
        type_names=st.one_of(st.none(), st.integers(0, len(TYPE_NAMES) - 1)),
        type_ref=st.booleans(),
        names_last=st.booleans(),
        to_string=st.one_of(st.none(), TEXT),
        adapted=st.one_of(st.none(), named),
        extended=st.one_of(st.none(), named),
        payload=payload,
    )


def _named(node: Node, name: str) -> Node:
    return replace(node, name=name)


def _object(
    type_names: int | None,
    type_ref: bool,
    names_last: bool,
    to_string: str | None,
    adapted: list[tuple[str, Node]] | None,
    extended: list[tuple[str, Node]] | None,
    payload: Node | None,
) -> Node:
    children: list[Node] = []
    if to_string is not None:
        children.append(Node("ToString", to_string))
    if payload is not None:
        children.append(payload)
    for tag, group in (("Props", adapted), ("MS", extended)):
        if group is not None:
            children.append(Node(tag, children=[_named(n, name) for name, n in group]))
    return Node("Obj", children=children, type_names=type_names, type_ref=type_ref,
                names_last=names_last)


elements = st.recursive(st.one_of(scalar, reference), objects, max_leaves=12)


class _Writer:
    def __init__(self) -> None:
        self.ref_id = 0
        self.type_ids: dict[int, int] = {}

    def write(self, node: Node) -> str:
        attributes = f' N="{node.name}"' if node.name is not None else ""
        if node.tag == "Ref":
            return f'<Ref{attributes} RefId="{node.ref}" />'
        if node.tag != "Obj":
            inner = "".join(self.write(child) for child in node.children)
            return f"<{node.tag}{attributes}>{node.text}{inner}</{node.tag}>"
        ref_id, self.ref_id = self.ref_id, self.ref_id + 1
        names = ""
        if node.type_names is not None:
            known = self.type_ids.get(node.type_names)
            if node.type_ref:
                names = f'<TNRef RefId="{known if known is not None else 99}" />'
            else:
                type_id = self.type_ids.setdefault(node.type_names, len(self.type_ids))
                listed = "".join(f"<T>{t}</T>" for t in TYPE_NAMES[node.type_names])
                names = f'<TN RefId="{type_id}">{listed}</TN>'
        inner = "".join(self.write(child) for child in node.children)
        if node.names_last:
            return f'<Obj{attributes} RefId="{ref_id}">{inner}{names}</Obj>'
        return f'<Obj{attributes} RefId="{ref_id}">{names}{inner}</Obj>'


def document(nodes: list[Node]) -> str:
    writer = _Writer()
    body = "".join(writer.write(node) for node in nodes)
    return f'<Objs Version="1.1.0.1" {NS}>{body}</Objs>'


def psrpcore_reading(text: str) -> list[PSValue] | None:
    try:
        return [to_plain(value) for value in deserialize_clixml(text, CIPHER)]
    except Exception:  # noqa: BLE001 - any failure: the document is not readable
        return None


@settings(max_examples=300, deadline=None)
@given(st.lists(elements, min_size=1, max_size=3))
def test_hvtui_reads_what_psrpcore_reads(nodes: list[Node]) -> None:
    text = document(nodes)
    expected = psrpcore_reading(text)
    try:
        fast: list[PSValue] | None = [value for value, _ in read_document(text, CIPHER)]
    except Exception:  # noqa: BLE001 - not covered: parse_document falls back
        fast = None
    if fast is not None:
        assert fast == expected, text  # never a different value, nor one psrpcore cannot read
    if expected is None:
        try:
            parse_document(text)
        except ProtocolError:
            return
        raise AssertionError(f"psrpcore cannot read this, hvtui could: {text}")
    assert [value for value, _ in parse_document(text)] == expected, text
