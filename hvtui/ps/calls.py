"""What a script calls: every command and named parameter, read with the PowerShell grammar.

A catalog script needs of a host every command it calls and every named parameter it
passes; ``hvtui doctor`` asks each host which of them exist. They are read here, with
tree-sitter-powershell, never guessed with a regular expression; the catalog lint, which
checks the same calls against the reference, can read them from here too (this module
loads nothing of the lab or the client's upper layers).

A call may sit behind a *guard*, and then it runs only where the guard holds::

    if (Get-Command -Name 'Get-Cluster' -ErrorAction 'SilentlyContinue') { Get-Cluster }
    if ((Get-Command -Name 'Suspend-ClusterNode').Parameters.ContainsKey('ForceDrain')) {
        Suspend-ClusterNode -Name $Node -Drain -ForceDrain
    } else {
        Suspend-ClusterNode -Name $Node -Drain -ForceEvacuation
    }

The first form needs ``-ErrorAction 'SilentlyContinue'`` (or ``'Ignore'``): without it,
Get-Command of a missing command stops a script that sets ``$ErrorActionPreference =
'Stop'``, so the probed command is a plain need. The second form needs its command to exist
(the same reason). ``-not``/``!`` swap the branches, ``A -and B`` narrows the ``if`` branch
by both (and the ``else`` branch by nothing), and an ``elseif`` runs where no earlier
single-guard condition held. One more form carries guards, only forwards: ``if ($v)``
where every assignment of ``$v`` that can make it true sits behind guards (the others
assign ``$null``, ``$false``, ``''``, ``0`` or ``@()``) runs behind the guards all those
assignments share; as ``$v`` may also be empty where they hold, ``-not $v`` and the
``else`` branch learn nothing. Nothing else is a guard: not ``try``/``catch`` (it would also
swallow a binding error), not a script parameter, not ``-or``.

Functions the script defines are not needs; their bodies' calls are. Commands called through
``&`` or ``.`` are invisible here (the catalog lint refuses them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

COMMON_PARAMETERS = frozenset(name.lower() for name in (
    "Verbose", "Debug", "ErrorAction", "WarningAction", "ErrorVariable", "WarningVariable",
    "OutVariable", "OutBuffer"))
"""Common parameters every PowerShell hvtui supports (3.0 and later) gives every cmdlet:
never a need. The later ones (PipelineVariable 4.0, InformationAction/-Variable 5.0) are
needs like any other parameter."""

_DASHES = "-\u2013\u2014\u2015"
"""What PowerShell's tokenizer reads as the dash of a parameter (en, em, horizontal bar)."""

_SILENT = frozenset({"silentlycontinue", "ignore"})

_WRAPPERS = frozenset({
    "pipeline", "pipeline_chain", "logical_expression", "bitwise_expression",
    "comparison_expression", "additive_expression", "multiplicative_expression",
    "format_expression", "range_expression", "array_literal_expression", "unary_expression",
    "parenthesized_expression", "argument_expression", "logical_argument_expression",
    "bitwise_argument_expression", "comparison_argument_expression",
    "additive_argument_expression", "multiplicative_argument_expression",
    "format_argument_expression", "range_argument_expression", "argument_expression_list",
    "sub_expression",
})
"""Grammar nodes that only wrap one inner expression."""


@dataclass(frozen=True, slots=True, order=True)
class Need:
    """A command, or one named parameter of a command, that a host must have."""

    command: str
    """As the script spells it (``Get-VM``)."""
    parameter: str = ""
    """As the script spells it, without the dash; empty: the command itself."""

    def __str__(self) -> str:
        return f"{self.command} -{self.parameter}" if self.parameter else self.command


@dataclass(frozen=True, slots=True, order=True)
class Condition:
    """A guard: what follows runs only where ``need`` exists (``present``) or does not."""

    need: Need
    present: bool = True

    def negated(self) -> Condition:
        return Condition(self.need, not self.present)

    def __str__(self) -> str:
        return str(self.need) if self.present else f"no {self.need}"


@dataclass(frozen=True, slots=True)
class Call:
    """One command call in a script, and the guards it sits behind."""

    command: str
    parameters: tuple[str, ...]
    """Named parameters as written (no dash, no ``:``), in order, common ones included."""
    line: int
    """1-based."""
    column: int
    when: frozenset[Condition] = frozenset()
    """It runs only where every one of these holds."""
    probes: tuple[str, ...] = ()
    """For ``Get-Command -Name 'X'`` without ``-ErrorAction 'SilentlyContinue'``: X, which
    must then exist."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """A need, and the guards under which the script reaches it (empty: always)."""

    need: Need
    when: frozenset[Condition] = frozenset()


@cache
def _parser() -> Parser:
    return Parser(Language(tree_sitter_powershell.language()))


def _text(source: bytes, node: Node) -> str:
    return source[node.start_byte:node.end_byte].decode("utf-8")


def _unwrap(node: Node) -> Node:
    """The one expression inside wrappers such as ``( ... )`` and grammar precedence levels."""
    while node.type in _WRAPPERS:
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def _literal(source: bytes, node: Node | None) -> str | None:
    """The text of a quoted string literal without expansion (``'x'`` or ``"x"`` without
    ``$`` and backtick), else None."""
    if node is None:
        return None
    node = _unwrap(node)
    if node.type == "string_literal" and node.named_children:
        node = node.named_children[0]
    text = _text(source, node)
    if node.type == "verbatim_string_characters" and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    if node.type == "expandable_string_literal" and "$" not in text and "`" not in text:
        return text[1:-1]
    return None


@dataclass(frozen=True, slots=True)
class _Arguments:
    named: tuple[tuple[str, Node | None], ...]
    """(name as written, the value that follows it, if any)."""
    positional: tuple[Node, ...]


def _is_parameter(source: bytes, node: Node) -> bool:
    """A parameter token; the grammar reads one opened by an en or em dash (which
    PowerShell takes for a parameter) as a bare word."""
    if node.type == "command_parameter":
        return True
    text = _text(source, node)
    return node.type == "generic_token" and len(text) > 1 and text[0] in _DASHES[1:] and \
        (text[1].isalpha() or text[1] == "_")


def _arguments(source: bytes, command: Node) -> _Arguments:
    """Named parameters and the element after each (a switch's next element is taken as its
    value too: only the cmdlet's metadata could tell, and guards read only -Name and
    -ErrorAction, which take values)."""
    elements = next((c for c in command.children if c.type == "command_elements"), None)
    parts = [] if elements is None else [
        c for c in elements.children
        if c.type not in ("command_argument_sep", "redirection", "comment")]
    named: list[tuple[str, Node | None]] = []
    positional: list[Node] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        i += 1
        if not _is_parameter(source, part):
            positional.append(part)
            continue
        name = _text(source, part).lstrip(_DASHES).rstrip(":")
        value = None
        if i < len(parts) and not _is_parameter(source, parts[i]):
            value = parts[i]
            i += 1
        named.append((name, value))
    return _Arguments(tuple(named), tuple(positional))


def _command_name(source: bytes, command: Node) -> str | None:
    if any(c.type == "command_invokation_operator" for c in command.children):
        return None
    name = next((c for c in command.children if c.type == "command_name"), None)
    return None if name is None else _text(source, name)


def _get_command_target(source: bytes, node: Node) -> tuple[str, bool] | None:
    """``(X, silent)`` for a call ``Get-Command -Name 'X'`` (or ``Get-Command 'X'``) with a
    literal name; ``silent`` when it has ``-ErrorAction 'SilentlyContinue'``."""
    if node.type != "command" or (_command_name(source, node) or "").lower() != "get-command":
        return None
    args = _arguments(source, node)
    named = {n.lower(): v for n, v in args.named}
    target = _literal(source, named["name"]) if "name" in named else \
        _literal(source, args.positional[0]) if args.positional else None
    if target is None:
        return None
    action = (_literal(source, named.get("erroraction")) or "").lower()
    return target, action in _SILENT


_FALSY = frozenset({"$null", "$false", "''", '""', "0", "@()"})
"""Values that leave a variable false when tested with ``if ($v)``."""

_UNKNOWN: frozenset[Condition] | None = None


class _Reader:
    def __init__(self, source: bytes, variables: dict[str, frozenset[Condition] | None]
                 ) -> None:
        self.source = source
        self.calls: list[Call] = []
        self.functions: set[str] = set()
        self.variables = variables
        """What ``if ($v)`` implies, by lower-cased variable name (None: nothing)."""
        self.assigned: dict[str, frozenset[Condition] | None] = {}
        """Per variable, the guards shared by its assignments that can make it true
        (None: it is also set some other way, so nothing)."""

    def visit(self, node: Node, when: frozenset[Condition]) -> None:
        if node.type == "if_statement":
            self._visit_if(node, when)
            return
        if node.type == "function_statement":
            name = next((c for c in node.children if c.type == "function_name"), None)
            if name is not None:
                self.functions.add(_text(self.source, name).lower())
        if node.type == "command":
            self._call(node, when)
        elif node.type == "assignment_expression":
            self._assignment(node, when)
        elif node.type in ("foreach_statement", "script_parameter"):
            variable = next((c for c in node.children if c.type == "variable"), None)
            if variable is not None:
                self.assigned[_text(self.source, variable).lower()] = _UNKNOWN
        for child in node.children:
            self.visit(child, when)

    def _assignment(self, node: Node, when: frozenset[Condition]) -> None:
        parts = node.named_children
        if len(parts) != 3:
            return
        target = _unwrap(parts[0].named_children[0]) if parts[0].named_children else parts[0]
        if target.type != "variable":
            return
        name = _text(self.source, target).lower()
        operator = _text(self.source, parts[1])
        value = _text(self.source, _unwrap(parts[2])).strip().lower()
        if operator != "=":
            self.assigned[name] = _UNKNOWN
        elif value not in _FALSY:
            if name not in self.assigned:
                self.assigned[name] = when
            elif (earlier := self.assigned[name]) is not None:
                self.assigned[name] = earlier & when

    def _call(self, node: Node, when: frozenset[Condition]) -> None:
        name = _command_name(self.source, node)
        if name is None:
            return
        row, byte_column = node.start_point
        line_start = node.start_byte - byte_column
        column = len(self.source[line_start:node.start_byte].decode("utf-8", "replace")) + 1
        parameters = tuple(n for n, _ in _arguments(self.source, node).named)
        probed = _get_command_target(self.source, node)
        loud = (probed[0],) if probed is not None and not probed[1] else ()
        self.calls.append(Call(name, parameters, row + 1, column, when, loud))

    def _visit_if(self, node: Node, when: frozenset[Condition]) -> None:
        """Conditions in order, each branch under its guards (see the module docstring)."""
        otherwise = when
        branches: list[tuple[Node | None, Node]] = []
        condition: Node | None = None
        for child in node.children:
            if child.type == "pipeline":
                condition = child
            elif child.type == "statement_block":
                branches.append((condition, child))
            elif child.type == "elseif_clauses":
                for clause in child.children:
                    cond = next((c for c in clause.children if c.type == "pipeline"), None)
                    block = next((c for c in clause.children if c.type == "statement_block"),
                                 None)
                    if block is not None:
                        branches.append((cond, block))
                    elif cond is not None:
                        self.visit(cond, otherwise)
            elif child.type == "else_clause":
                block = next((c for c in child.children if c.type == "statement_block"), None)
                if block is not None:
                    branches.append((None, block))
        for cond, block in branches:
            if cond is None:
                self.visit(block, otherwise)
                continue
            self.visit(cond, otherwise)  # the condition's own calls run where it is read
            guards, exact = self._guards(cond)
            self.visit(block, otherwise | guards)
            if exact and len(guards) == 1:
                otherwise = otherwise | {next(iter(guards)).negated()}

    def _guards(self, condition: Node) -> tuple[frozenset[Condition], bool]:
        """What ``condition`` being true says about the host (empty when nothing), and
        whether it being false says the opposite (a single exact guard)."""
        nothing: tuple[frozenset[Condition], bool] = (frozenset(), False)
        node = _unwrap(condition)
        if node.type == "expression_with_unary_operator":
            operator = node.children[0].type.lower() if node.children else ""
            if operator in ("-not", "!") and len(node.children) == 2:
                inner, exact = self._guards(node.children[1])
                if exact and len(inner) == 1:
                    return frozenset({next(iter(inner)).negated()}), True
            return nothing
        if node.type == "logical_expression":
            operators = [c for c in node.children if not c.is_named]
            if len(operators) == 1 and _text(self.source, operators[0]).lower() == "-and":
                left, right = node.named_children[0], node.named_children[-1]
                return self._guards(left)[0] | self._guards(right)[0], False
            return nothing
        if node.type == "variable":
            implied = self.variables.get(_text(self.source, node).lower())
            return (implied, False) if implied else nothing
        target = _get_command_target(self.source, node)
        if target is not None:
            name, silent = target
            return (frozenset({Condition(Need(name))}), True) if silent else nothing
        found = self._contains_key(node)
        return (found, True) if found else nothing

    def _contains_key(self, node: Node) -> frozenset[Condition]:
        """``(Get-Command -Name 'X').Parameters.ContainsKey('P')``."""
        if node.type != "invokation_expression":
            return frozenset()
        named = node.named_children
        method = next((c for c in named if c.type == "member_name"), None)
        arguments = next((c for c in named if c.type == "argument_list"), None)
        target = named[0] if named else None
        if method is None or arguments is None or target is None or \
                _text(self.source, method).lower() != "containskey" or \
                target.type != "member_access":
            return frozenset()
        parts = target.named_children
        if len(parts) != 2 or _text(self.source, parts[1]).lower() != "parameters":
            return frozenset()
        command = _get_command_target(self.source, _unwrap(parts[0]))
        parameter = _literal(self.source, arguments.named_children[0]) \
            if arguments.named_children else None
        if command is None or parameter is None:
            return frozenset()
        return frozenset({Condition(Need(command[0], parameter))})


def _read(text: str) -> _Reader:
    """Two passes: the first learns which variables only guarded code makes true."""
    source = text.encode("utf-8")
    root = _parser().parse(source).root_node
    first = _Reader(source, {})
    first.visit(root, frozenset())
    reader = _Reader(source, first.assigned)
    reader.visit(root, frozenset())
    return reader


def calls(text: str) -> tuple[Call, ...]:
    """Every command call of ``text`` (functions it defines left out), in order."""
    reader = _read(text)
    return tuple(c for c in reader.calls if c.command.lower() not in reader.functions)


def requirements(text: str) -> tuple[Requirement, ...]:
    """Every command and named parameter ``text`` calls, each with the guards it sits behind;
    one entry per need and set of guards, in order of first appearance.

    A ``Get-Command -Name 'X'`` without ``-ErrorAction 'SilentlyContinue'`` also needs X
    (a missing X stops the script)."""
    reader = _read(text)
    out: dict[Requirement, None] = {}
    for call in reader.calls:
        if call.command.lower() in reader.functions:
            continue
        out[Requirement(Need(call.command), call.when)] = None
        for parameter in call.parameters:
            if parameter.lower() not in COMMON_PARAMETERS:
                out[Requirement(Need(call.command, parameter), call.when)] = None
        for probed in call.probes:
            out[Requirement(Need(probed), call.when)] = None
    return tuple(out)


def probes(found: tuple[Requirement, ...]) -> tuple[Need, ...]:
    """Everything to ask a host so that every requirement and every guard can be decided."""
    out: dict[Need, None] = {}
    for requirement in found:
        out[requirement.need] = None
        for condition in requirement.when:
            out[condition.need] = None
    return tuple(sorted(out))


__all__ = ["COMMON_PARAMETERS", "Call", "Condition", "Need", "Requirement", "calls", "probes",
           "requirements"]
