"""The catalog lint's checker (no tests here): grammar, cmdlets, parameters, releases, guards.

``check_script(name, text)`` returns every problem of one catalog script. A script runs on a
set of *worlds*: each supported release (2012, 2012 R2, 2016, 2019, 2022, 2025), with or
without the FailoverClusters module (cluster nodes have it, most standalone hosts do not),
under Windows PowerShell or PowerShell 7 (not on 2012, where pwsh 7 does not run). Every
cmdlet call and every named parameter is checked against the per-release reference data
shipped in ``hvtui/reference`` for each world the call can run in; a call that some world
lacks fails the lint unless a guard keeps it out of that world.

What counts as a guard (nothing else narrows the worlds):

- ``if (Get-Command -Name 'X' -ErrorAction 'SilentlyContinue') { A } else { B }``: A runs
  where the cmdlet X exists (a FailoverClusters cmdlet: only where that module is installed),
  B where it does not. Both the literal name and ``-ErrorAction 'SilentlyContinue'`` are
  required: without it, Get-Command of a missing command stops the script.
- ``if ((Get-Command -Name 'X').Parameters.ContainsKey('P')) { A } else { B }``: A runs where
  X takes -P, B where it does not. X itself must exist in every world of the ``if``.
- ``-not (...)`` / ``!(...)`` of a guard swaps the branches; ``G -and other`` narrows the
  ``if`` branch by G (the ``else`` branch is then not narrowed); ``elseif`` conditions are
  read in the worlds no earlier condition took.
- The script's header: ``# Releases: 2012 R2+ | reason`` keeps only those releases,
  ``# Modules: FailoverClusters | reason`` only worlds with that module (a cluster-only
  script), ``# Editions: Desktop | reason`` only Windows PowerShell. The client honours them:
  it refuses to run the script on another host (``hvtui.ps.catalog.Script.refusal``), with
  the reason, before anything runs.

``try``/``catch`` is not a guard: it would also swallow a parameter-binding error, and a
missing command is a fault to prevent, not to catch. ``-ErrorAction 'SilentlyContinue'``
on the call itself is not one either: it cannot silence a CommandNotFoundException or a
parameter-binding error (statement-terminating; ``$ErrorActionPreference = 'Stop'`` makes
them end the script).

Under PowerShell 7 the Hyper-V module loads through the Windows PowerShell compatibility
layer on 2012 R2 and 2016, and FailoverClusters on every release: objects come back
deserialized and a cmdlet refuses one given back to it (PowerShell#14738). In those worlds a
module cmdlet may not take pipeline input, nor a module object (a variable) for an
object-typed parameter such as -VM: scripts pass names.

-Confirm and -WhatIf are accepted wherever the cmdlet supports ShouldProcess, whatever its
page lists (the caveat of cmdlets-by-release.md). Common parameters are always accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

from hvtui import reference
from hvtui.ps import catalog

# --- the reference ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    switch: bool
    mandatory: bool
    position: int | None
    """None = named only."""
    type: str = ""
    """The .NET type's short name, from the reference page ('' for the core allow-list)."""


@dataclass(frozen=True, slots=True)
class ParamSet:
    name: str
    params: Mapping[str, Param]
    """By lower-cased name."""


@dataclass(frozen=True, slots=True)
class Cmdlet:
    name: str
    sets: tuple[ParamSet, ...]
    default_set: str | None
    aliases: Mapping[str, str]
    """Lower-cased parameter alias -> the parameter's real name (aliases are refused)."""
    confirm_impact: str | None = None
    """'High' means PowerShell prompts unless -Confirm:$false is given."""

    def find(self, lowered: str) -> Param | None:
        for parameter_set in self.sets:
            if lowered in parameter_set.params:
                return parameter_set.params[lowered]
        return None


def _param_set(name: str, params: list[Param]) -> ParamSet:
    return ParamSet(name, {p.name.lower(): p for p in params})


def _p(
    name: str, *, switch: bool = False, mandatory: bool = False, pos: int | None = None
) -> Param:
    return Param(name, switch, mandatory, pos)


# Core cmdlets a catalog script may call besides Hyper-V/FailoverClusters/Storage ones, each
# used by a catalog script for something no Hyper-V cmdlet does. Parameters follow the
# Windows PowerShell 5.1 help, restricted to the sets scripts should use. They exist on every
# supported release (Windows PowerShell 3.0 and later, and pwsh 7). This allow-list stands in
# until the lab's PowerShell interpreter declares its own core cmdlets (hvtui/lab/pwsh): the
# lint will then take those declarations instead, so a script uses only what the lab runs.
CORE_CMDLETS: dict[str, Cmdlet] = {
    c.name.lower(): c
    for c in (
        # Shaping cmdlet output into flat records.
        Cmdlet(
            "ForEach-Object",
            (
                _param_set(
                    "ScriptBlockSet",
                    [
                        _p("Process", mandatory=True, pos=0),
                        _p("Begin"),
                        _p("End"),
                        _p("InputObject"),
                    ],
                ),
                _param_set(
                    "PropertyAndMethodSet",
                    [
                        _p("MemberName", mandatory=True, pos=0),
                        _p("ArgumentList"),
                        _p("InputObject"),
                    ],
                ),
            ),
            "ScriptBlockSet",
            {},
        ),
        Cmdlet(
            "Where-Object",
            (
                _param_set(
                    "ScriptBlockSet", [_p("FilterScript", mandatory=True, pos=0), _p("InputObject")]
                ),
            ),
            "ScriptBlockSet",
            {},
        ),
        Cmdlet(
            "Select-Object",
            (
                _param_set(
                    "DefaultParameter",
                    [
                        _p("Property", pos=0),
                        _p("ExcludeProperty"),
                        _p("ExpandProperty"),
                        _p("First"),
                        _p("Last"),
                        _p("Skip"),
                        _p("Unique", switch=True),
                        _p("InputObject"),
                    ],
                ),
            ),
            "DefaultParameter",
            {},
        ),
        Cmdlet(
            "Measure-Object",
            (
                _param_set(
                    "GenericMeasure",
                    [
                        _p("Property", pos=0),
                        _p("Average", switch=True),
                        _p("Sum", switch=True),
                        _p("Maximum", switch=True),
                        _p("Minimum", switch=True),
                        _p("InputObject"),
                    ],
                ),
            ),
            "GenericMeasure",
            {},
        ),
        # One compact document per reply (PowerShell 3.0 and later; -EnumsAsStrings and
        # -AsArray are 6.2+ only, so not allowed here).
        Cmdlet(
            "ConvertTo-Json",
            (
                _param_set(
                    "Default",
                    [_p("InputObject", mandatory=True, pos=0), _p("Depth"),
                     _p("Compress", switch=True)],
                ),
            ),
            "Default",
            {},
        ),
        # Host facts Hyper-V cmdlets do not expose (OS, CPU load, guest KVP items).
        Cmdlet(
            "Get-CimInstance",
            (
                _param_set(
                    "ClassNameComputerSet",
                    [
                        _p("ClassName", mandatory=True, pos=0),
                        _p("Namespace"),
                        _p("Filter"),
                        _p("Property"),
                        _p("OperationTimeoutSec"),
                        _p("KeyOnly", switch=True),
                        _p("Shallow", switch=True),
                    ],
                ),
            ),
            "ClassNameComputerSet",
            {},
        ),
        # VM screen as text (issue 12, thumbs): WMI methods of root\virtualization\v2
        # (thumbnail, keyboard), CimCmdlets like Get-CimInstance (PowerShell 3.0+).
        Cmdlet(
            "Invoke-CimMethod",
            (
                _param_set(
                    "CimInstanceComputerSet",
                    [
                        _p("InputObject", mandatory=True, pos=0),
                        _p("Arguments", pos=1),
                        _p("MethodName", mandatory=True, pos=2),
                        _p("ResourceUri"),
                        _p("OperationTimeoutSec"),
                    ],
                ),
            ),
            "CimInstanceComputerSet",
            {},
        ),
        # events pane (issue 12): the host's event channels and their events
        # (Microsoft.PowerShell.Diagnostics, Windows PowerShell 2.0+ and pwsh 7 on Windows).
        Cmdlet(
            "Get-WinEvent",
            (
                _param_set("ListLogSet",
                           [_p("ListLog", mandatory=True, pos=0), _p("Force", switch=True)]),
                _param_set(
                    "HashQuerySet",
                    [_p("FilterHashtable", mandatory=True, pos=0), _p("MaxEvents"),
                     _p("Force", switch=True), _p("Oldest", switch=True)],
                ),
            ),
            "HashQuerySet",
            {},
        ),
        # Feature detection: some cmdlets exist only on newer hosts.
        Cmdlet(
            "Get-Command",
            (
                _param_set(
                    "AllCommandSet",
                    [_p("Name", pos=0), _p("Module"), _p("CommandType"), _p("All", switch=True)],
                ),
            ),
            "AllCommandSet",
            {},
        ),
        # serial console (issue 12): the named pipe a VM's COM port is connected to, and a
        # byte[] buffer to read it into (the lab's engine declares the same set).
        Cmdlet(
            "New-Object",
            (_param_set("Net", [_p("TypeName", mandatory=True, pos=0),
                                _p("ArgumentList", pos=1)]),),
            "Net",
            {},
        ),
        # importvm (issue 11): deleting a VM's disk files after Remove-VM (vm-remove).
        Cmdlet(
            "Remove-Item",
            (
                _param_set(
                    "LiteralPath",
                    [_p("LiteralPath", mandatory=True), _p("Recurse", switch=True),
                     _p("Force", switch=True)],
                ),
            ),
            "LiteralPath",
            {},
        ),
        # importvm: vm-remove says which disk files it could not delete, or kept.
        Cmdlet(
            "Write-Warning",
            (_param_set("Default", [_p("Message", mandatory=True, pos=0)]),),
            "Default",
            {},
        ),
    )
}

# Accepted by every cmdlet (about_CommonParameters); WhatIf/Confirm only where listed.
COMMON_PARAMETERS = {
    name.lower()
    for name in (
        "Verbose",
        "Debug",
        "ErrorAction",
        "WarningAction",
        "InformationAction",
        "ErrorVariable",
        "WarningVariable",
        "InformationVariable",
        "OutVariable",
        "OutBuffer",
        "PipelineVariable",
    )
}

COMMON_SWITCHES = {"verbose", "debug"}

# Cmdlets that ask the user (ShouldContinue) unless given this switch; a remote session has
# nobody to answer (hyperv-rules.md R-STATE-3, R-STATE-4).
NEEDS_SWITCH = {"stop-vm": "Force", "restart-vm": "Force"}

# Ways to turn text into code. Values must only ever be parameters.
FORBIDDEN = re.compile(
    r"invoke-expression|\biex\b|\[(?:system\.management\.automation\.)?scriptblock\]\s*::\s*create"
    r"|\.newscriptblock\s*\(|\.invokescript\s*\(",
    re.IGNORECASE,
)




def cmdlet_from_reference(info: reference.CmdletInfo) -> Cmdlet:
    """One release's page of a cmdlet as the checker's Cmdlet (-Confirm/-WhatIf added to
    every set where the cmdlet supports ShouldProcess, whatever its page lists)."""
    sets = []
    for parameter_set in info.sets:
        params = [
            Param(p.name, p.switch, p.required, p.position, p.type)
            for p in parameter_set.parameters.values()
        ]
        if info.supports_should_process:
            present = {p.name.lower() for p in params}
            params += [
                Param(name, True, False, None)
                for name in reference.SHOULD_PROCESS_PARAMETERS
                if name.lower() not in present
            ]
        sets.append(_param_set(parameter_set.name, params))
    return Cmdlet(info.name, tuple(sets), info.default_set, info.aliases, info.confirm_impact)


@cache
def page(release: str, name: str) -> Cmdlet | None:
    """``name`` as ``release`` documents it; None where that release has no such cmdlet."""
    info = reference.cmdlet(release, name)
    return cmdlet_from_reference(info) if info is not None else None


@cache
def module(name: str) -> str | None:
    """``core`` for the allow-list, the reference module, or None for an unknown command."""
    if name.lower() in CORE_CMDLETS:
        return "core"
    return reference.module_of(name)


@cache
def _any_page(name: str) -> Cmdlet:
    """Every release's sets of ``name`` together: only to tell switches from valued
    parameters while splitting a call's arguments."""
    sets: list[ParamSet] = []
    for release in reversed(reference.RELEASES):
        found = page(release, name)
        if found is not None:
            sets += found.sets
    newest = next(p for r in reversed(reference.RELEASES) if (p := page(r, name)) is not None)
    return Cmdlet(newest.name, tuple(sets), newest.default_set, newest.aliases,
                  newest.confirm_impact)


class World(NamedTuple):
    """One kind of host a script may run on."""

    release: str
    clusters: bool
    """The FailoverClusters module is installed (a cluster node)."""
    pwsh: bool
    """PowerShell 7 rather than Windows PowerShell."""


def worlds(needs: catalog.Needs | None = None) -> frozenset[World]:
    """Every world a script with this header may run in."""
    needs = needs or catalog.Needs()
    return frozenset(
        World(r, clusters, pwsh)
        for r in needs.releases
        for clusters in ((True,) if "FailoverClusters" in needs.modules else (True, False))
        for pwsh in (False, True)
        if ("Core" if pwsh else "Desktop") in needs.editions
        and not (pwsh and reference.release_facts(r).pwsh7_hyperv.value == "unsupported")
    )


def exists(world: World, name: str) -> bool:
    kind = module(name)
    if kind == "core":
        return True
    if kind == "FailoverClusters" and not world.clusters:
        return False
    return page(world.release, name) is not None


def takes(world: World, name: str, parameter: str) -> bool:
    found = page(world.release, name)
    return found is not None and found.find(parameter.lower()) is not None


def through_compatibility_layer(world: World, name: str) -> bool:
    """Whether ``name``'s module runs through pwsh 7's Windows PowerShell compatibility layer."""
    if not world.pwsh:
        return False
    facts = reference.release_facts(world.release)
    kind = module(name)
    if kind == "Hyper-V":
        return facts.pwsh7_hyperv.value == "compatibility"
    if kind == "FailoverClusters":
        return facts.pwsh7_failoverclusters.value == "compatibility"
    return False


@cache
def object_types() -> frozenset[str]:
    """Short names of the module objects cmdlets return (what a deserialized copy breaks)."""
    found = {"psobject", "object", "ciminstance", "virtualmachinebase", "vmcomponentobject",
             "vmdrivecontroller", "vmnetworkadapterbase"}
    for release in reference.RELEASES:
        for info in reference.cmdlets(release).values():
            if info.module in ("Hyper-V", "FailoverClusters"):
                found |= {o.rsplit(".", 1)[-1].rstrip("[]").lower() for o in info.outputs}
    return frozenset(found - {"none", "string", "boolean", "string[]"})


def _releases(found: set[str]) -> str:
    return ", ".join(r for r in reference.RELEASES if r in found)


# --- the checker --------------------------------------------------------------------------

_PARSER = Parser(Language(tree_sitter_powershell.language()))


@dataclass(frozen=True, slots=True)
class Finding:
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


def _finding(source: bytes, node: Node, message: str) -> Finding:
    row, byte_column = node.start_point
    line_start = node.start_byte - byte_column
    column = len(source[line_start : node.start_byte].decode("utf-8", errors="replace")) + 1
    return Finding(row + 1, column, message)


def _text(source: bytes, node: Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8")


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def parse(text: str) -> tuple[bytes, Node]:
    source = text.encode("utf-8")
    return source, _PARSER.parse(source).root_node


def _syntax_findings(source: bytes, root: Node) -> list[Finding]:
    findings = []
    for node in _walk(root):
        if node.is_error:
            snippet = _text(source, node)[:40]
            findings.append(_finding(source, node, f"syntax error near {snippet!r}"))
        elif node.is_missing:
            findings.append(_finding(source, node, f"syntax error: missing {node.type!r}"))
    return findings


@dataclass(frozen=True, slots=True)
class _Call:
    named: list[tuple[str, Node, Node | None]]
    """(name as written, its node, the value bound with ':' if any)."""
    positional: list[Node]


def _split_arguments(
    source: bytes, cmdlet: Cmdlet, elements: Node | None, findings: list[Finding]
) -> _Call:
    """Named parameters and positional arguments of one call, as PowerShell's binder sees them.

    Whether the element after ``-Name`` is its value depends on whether ``-Name`` is a switch,
    which only the cmdlet's metadata can tell.
    """
    named: list[tuple[str, Node, Node | None]] = []
    positional: list[Node] = []
    parts = []
    if elements is not None:
        parts = [
            c
            for c in elements.children
            if c.type != "command_argument_sep" or _text(source, c) == ":"
        ]

    def check_value(value: Node) -> None:
        if value.type == "generic_token":
            word = _text(source, value)
            findings.append(
                _finding(source, value, f"bare word {word!r}: quote string literals ('{word}')")
            )
        elif value.type == "stop_parsing":
            findings.append(
                _finding(source, value, "--% hands raw text to the command: not allowed")
            )
        elif any(n.type == "variable" and _text(source, n).startswith("@") for n in _walk(value)):
            findings.append(
                _finding(
                    source, value, "splatting hides parameter names from this check: name them"
                )
            )

    i = 0
    while i < len(parts):
        part = parts[i]
        i += 1
        if part.type == "redirection":
            continue
        if part.type != "command_parameter":
            check_value(part)
            positional.append(part)
            continue
        name = _text(source, part).lstrip("-\u2013\u2014\u2015").rstrip(":")
        if i < len(parts) and parts[i].type == "command_argument_sep":  # -Name:value
            value = parts[i + 1] if i + 1 < len(parts) else None
            if value is not None:
                check_value(value)
            named.append((name, part, value))
            i += 2
            continue
        named.append((name, part, None))
        param = cmdlet.find(name.lower())
        takes_value = not param.switch if param else name.lower() not in COMMON_SWITCHES
        if not takes_value:
            continue
        if i >= len(parts) or parts[i].type == "command_parameter":
            findings.append(_finding(source, part, f"-{name} of {cmdlet.name} needs a value"))
        else:
            check_value(parts[i])
            i += 1
    return _Call(named, positional)


def _binds(cmdlet: Cmdlet, parameter_set: ParamSet, call: _Call, piped: bool) -> bool:
    """Whether PowerShell could bind this call to this parameter set."""
    names = {n.lower() for n, _, _ in call.named} - COMMON_PARAMETERS
    if not names <= set(parameter_set.params):
        return False
    open_positions = sorted(
        (
            p
            for key, p in parameter_set.params.items()
            if p.position is not None and key not in names
        ),
        key=lambda p: p.position or 0,
    )
    if len(call.positional) > len(open_positions):
        return False
    bound = names | {p.name.lower() for p in open_positions[: len(call.positional)]}
    # Pipeline input may bind any remaining mandatory parameter, so only a pipeline's first
    # command must name all of them.
    return piped or all(key in bound for key, p in parameter_set.params.items() if p.mandatory)




_PASS_THROUGH = {
    "pipeline", "pipeline_chain", "logical_expression", "bitwise_expression",
    "comparison_expression", "additive_expression", "multiplicative_expression",
    "format_expression", "range_expression", "array_literal_expression", "unary_expression",
    "parenthesized_expression",
}
_PARAMETER_GUARD = re.compile(
    r"^\(\s*Get-Command\s+(?:-Name\s+)?'([^']+)'\s*\)\s*\.\s*Parameters\s*\.\s*ContainsKey\s*"
    r"\(\s*'([^']+)'\s*\)$",
    re.IGNORECASE,
)
_LITERAL_TYPES = {"string_literal", "integer_literal", "real_literal"}


def _unwrap(node: Node) -> Node:
    """The expression a condition really is, past one-child wrappers and parentheses."""
    while node.type in _PASS_THROUGH:
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            break
        node = inner[0]
    return node


def _literal(source: bytes, node: Node | None) -> str | None:
    """The text of a quoted literal argument ('x' or "x" without $), else None."""
    if node is None:
        return None
    text = _text(source, node).strip()
    if re.fullmatch(r"'[^']*'", text) or re.fullmatch(r'"[^"$`]*"', text):
        return text[1:-1]
    return None


def _in_condition(node: Node) -> bool:
    """Whether ``node`` is part of an ``if``/``elseif`` condition."""
    while node.parent is not None:
        if node.type == "statement_block":
            return False
        if node.type == "pipeline" and node.parent.type in ("if_statement", "elseif_clause"):
            return True
        node = node.parent
    return False


class _Checker:
    def __init__(self, source: bytes) -> None:
        self.source = source
        self.findings: list[Finding] = []
        self.problems: dict[tuple[int, str], tuple[Node, set[str]]] = {}
        """(byte offset, message) -> (node, releases it happens on): merged across worlds."""

    # --- walking ------------------------------------------------------------------------

    def visit(self, node: Node, where: frozenset[World]) -> None:
        if node.type == "if_statement":
            self._visit_if(node, where)
            return
        if node.type == "command":
            self._check_command(node, where)
        for child in node.children:
            self.visit(child, where)

    def _visit_if(self, node: Node, where: frozenset[World]) -> None:
        remaining = where
        clauses = [node]
        for child in node.children:
            if child.type == "elseif_clauses":
                clauses += [c for c in child.children if c.type == "elseif_clause"]
        for clause in clauses:
            condition = next(c for c in clause.children if c.type == "pipeline")
            block = next(c for c in clause.children if c.type == "statement_block")
            self.visit(condition, remaining)
            taken, left = self._guard(condition, remaining)
            if remaining and not taken:
                self.findings.append(_finding(
                    self.source, condition,
                    "this condition holds on no supported release and module: check the "
                    "names in the guard"))
            self.visit(block, taken)
            remaining = left
        otherwise = next((c for c in node.children if c.type == "else_clause"), None)
        if otherwise is not None:
            for child in otherwise.children:
                self.visit(child, remaining)

    def _guard(self, condition: Node, where: frozenset[World]
               ) -> tuple[frozenset[World], frozenset[World]]:
        """(worlds where the condition can hold, worlds where it can fail)."""
        node = _unwrap(condition)
        if node.type == "command":
            guard = self._command_guard(node)
            if guard is not None:
                taken = frozenset(w for w in where if exists(w, guard))
                return taken, where - taken
            return where, where
        if node.type == "invokation_expression":
            found = _PARAMETER_GUARD.match(" ".join(_text(self.source, node).split()))
            if found is None:
                return where, where
            name, parameter = found.groups()
            missing = {w.release for w in where if not exists(w, name)}
            if missing:
                self._problem(node, f"(Get-Command -Name '{name}') fails where {name} does "
                                    "not exist: guard it with Get-Command -ErrorAction "
                                    "'SilentlyContinue' first", missing)
            taken = frozenset(w for w in where if takes(w, name, parameter))
            return taken, where - taken
        if node.type == "expression_with_unary_operator" and node.children and \
                _text(self.source, node.children[0]).lower() in ("-not", "!"):
            taken, left = self._guard(node.children[-1], where)
            return left, taken
        if node.type == "logical_expression":
            operators = [_text(self.source, c).lower() for c in node.children
                         if not c.is_named]
            if operators == ["-and"]:
                left_side, right_side = node.named_children[0], node.named_children[-1]
                taken, _ = self._guard(left_side, where)
                taken, _ = self._guard(right_side, taken)
                return taken, where
        return where, where

    def _command_guard(self, command: Node) -> str | None:
        """X of ``Get-Command -Name 'X' -ErrorAction 'SilentlyContinue'``, else None."""
        name = next((c for c in command.children if c.type == "command_name"), None)
        if name is None or _text(self.source, name).lower() != "get-command":
            return None
        call = _split_arguments(self.source, CORE_CMDLETS["get-command"],
                                _elements(command), [])
        named = {n.lower(): v for n, _, v in _named_values(self.source, call, command)}
        target = _literal(self.source, named.get("name") or
                          (call.positional[0] if call.positional else None))
        action = _literal(self.source, named.get("erroraction"))
        if target is None or (action or "").lower() != "silentlycontinue":
            return None
        return target

    # --- one command --------------------------------------------------------------------

    def _problem(self, node: Node, message: str, releases: set[str]) -> None:
        entry = self.problems.setdefault((node.start_byte, message), (node, set()))
        entry[1].update(releases)

    def _check_command(self, command: Node, where: frozenset[World]) -> None:
        source = self.source
        name_node = next((c for c in command.children if c.type == "command_name"), None)
        if name_node is None or any(c.type == "command_invokation_operator"
                                    for c in command.children):
            self.findings.append(_finding(
                source, command,
                "commands must be called by their literal name (no & or . invocation)"))
            return
        name = _text(source, name_node)
        kind = module(name)
        if kind is None:
            self.findings.append(_finding(
                source, name_node,
                f"unknown command {name!r}: not in the shipped reference nor the core "
                "allow-list (aliases are not allowed: write the full cmdlet name)"))
            return
        shape = CORE_CMDLETS[name.lower()] if kind == "core" else _any_page(name)
        call = _split_arguments(source, shape, _elements(command), self.findings)
        seen: set[str] = set()
        for given, node, _ in call.named:
            if given.lower() in seen:
                self.findings.append(
                    _finding(source, node, f"-{given} is given twice to {shape.name}"))
            seen.add(given.lower())
        piped = command.prev_sibling is not None and command.prev_sibling.type == "|"
        if kind == "core":
            for message, node in _call_problems(source, shape, call, piped, name_node):
                self.findings.append(_finding(source, node, message))
            if name.lower() == "get-command":
                self._check_get_command(command, call, where)
            return
        for world in where:
            if not exists(world, name):
                if kind == "FailoverClusters" and not world.clusters:
                    self._problem(name_node, f"{name} is a FailoverClusters cmdlet and hosts "
                                             "without that module (most standalone hosts) "
                                             "lack it: guard it with Get-Command, or declare "
                                             "'# Modules: FailoverClusters' for a cluster-only "
                                             "script", set())
                else:
                    self._problem(name_node, f"{name} does not exist on Windows Server "
                                             "RELEASES: guard it with Get-Command, or declare "
                                             "'# Releases:' without them", {world.release})
                continue
            found = page(world.release, name)
            assert found is not None
            for message, node in _call_problems(source, found, call, piped, name_node):
                self._problem(node, message, {world.release})
            if through_compatibility_layer(world, name):
                values = _named_values(source, call, command)
                for message, node in _compatibility_problems(source, found, values, piped,
                                                             name_node, kind):
                    self._problem(node, message, {world.release})

    def _check_get_command(self, command: Node, call: _Call, where: frozenset[World]) -> None:
        named = {n.lower(): v for n, _, v in _named_values(self.source, call, command)}
        target = _literal(self.source, named.get("name") or
                          (call.positional[0] if call.positional else None))
        action = (_literal(self.source, named.get("erroraction")) or "").lower()
        if target is None:
            # A computed name is fine for a silenced query (doctor.ps1 asks a host which of
            # the catalog's commands it has); a guard must name its command.
            if action != "silentlycontinue" or _in_condition(command):
                self.findings.append(_finding(
                    self.source, command, "Get-Command needs a literal -Name 'Cmdlet-Name'"))
            return
        missing = {w.release for w in where if not exists(w, target)}
        if missing and action != "silentlycontinue":
            self._problem(command, f"Get-Command -Name '{target}' stops the script where "
                                   f"{target} does not exist: add -ErrorAction "
                                   "'SilentlyContinue'", missing)

    def results(self) -> list[Finding]:
        out = list(self.findings)
        for (_, message), (node, releases) in self.problems.items():
            shown = _releases(releases)
            if not releases:
                text = message
            elif "RELEASES" in message:
                text = message.replace("RELEASES", shown)
            else:
                text = f"{message} (on Windows Server {shown})"
            out.append(_finding(self.source, node, text))
        return out


def _elements(command: Node) -> Node | None:
    return next((c for c in command.children if c.type == "command_elements"), None)


def _named_values(source: bytes, call: _Call, command: Node
                  ) -> list[tuple[str, Node, Node | None]]:
    """(name, its node, its value): the value after a valued parameter, or after ':'."""
    out = []
    elements = _elements(command)
    parts = [c for c in (elements.children if elements else [])
             if c.type not in ("command_argument_sep",)]
    for given, node, value in call.named:
        if value is None:
            index = next((i for i, p in enumerate(parts) if p.start_byte == node.start_byte),
                         None)
            if index is not None and index + 1 < len(parts) and \
                    parts[index + 1].type != "command_parameter":
                value = parts[index + 1]
        out.append((given, node, value))
    return out


def _call_problems(source: bytes, cmdlet: Cmdlet, call: _Call, piped: bool, name_node: Node
                   ) -> list[tuple[str, Node]]:
    """What is wrong with one call of one release's ``cmdlet`` (empty when it binds)."""
    problems: list[tuple[str, Node]] = []
    known = True
    for given, node, _ in call.named:
        lowered = given.lower()
        if lowered in COMMON_PARAMETERS or cmdlet.find(lowered) is not None:
            continue
        known = False
        if lowered in cmdlet.aliases:
            problems.append((f"-{given} is an alias: write -{cmdlet.aliases[lowered]}", node))
        else:
            problems.append((f"{cmdlet.name} has no parameter -{given} (full names only, no "
                             "prefixes)", node))
    if not known:
        return problems

    bound = {n.lower(): value for n, _, value in call.named}
    if cmdlet.confirm_impact == "High":
        confirm = bound.get("confirm")
        if confirm is None or _text(source, confirm).lower() != "$false":
            problems.append((f"{cmdlet.name} prompts (ConfirmImpact High): pass "
                             "-Confirm:$false", name_node))
    switch = NEEDS_SWITCH.get(cmdlet.name.lower())
    if switch and switch.lower() not in bound:
        problems.append((f"{cmdlet.name} may prompt: pass -{switch}", name_node))

    candidates = [s for s in cmdlet.sets if _binds(cmdlet, s, call, piped)]
    given_names = ", ".join(f"-{n}" for n, _, _ in call.named) or "no named parameters"
    if not candidates:
        problems.append((f"{cmdlet.name} with {given_names} and {len(call.positional)} "
                         "positional argument(s) fits none of its parameter sets, or lacks a "
                         "mandatory parameter", name_node))
    elif len(candidates) > 1 and not piped and cmdlet.default_set is not None and \
            cmdlet.default_set not in {s.name for s in candidates}:
        # Only where the page names the default set: most 2012 pages do not, yet their
        # cmdlets have one (PowerShell resolves the ambiguity with it).
        problems.append((f"{cmdlet.name} with {given_names} is ambiguous between parameter "
                         f"sets {', '.join(s.name for s in candidates)}", name_node))
    return problems


def _compatibility_problems(source: bytes, cmdlet: Cmdlet,
                            values: list[tuple[str, Node, Node | None]], piped: bool,
                            name_node: Node, kind: str) -> list[tuple[str, Node]]:
    why = (f"under PowerShell 7 the {kind} module runs through the Windows PowerShell "
           f"compatibility layer, objects come back deserialized and {cmdlet.name} refuses "
           "them (PowerShell#14738): pass names or ids")
    problems: list[tuple[str, Node]] = []
    if piped:
        problems.append((f"{cmdlet.name} takes pipeline input here; {why}", name_node))
    for given, node, value in values:
        if value is None or _literal(source, value) is not None:
            continue
        parameter = cmdlet.find(given.lower())
        if parameter is None:
            continue
        shown = parameter.type.rsplit(".", 1)[-1].rstrip("[]").lower()
        if shown in object_types():
            problems.append((f"-{given} is given a {kind} object; {why}", node))
    return problems


def _declared_parameters(source: bytes, root: Node) -> list[tuple[str, bool]]:
    """(name, has a type) for each parameter of the script's top-level param() block."""
    block = next((c for c in root.children if c.type == "param_block"), None)
    if block is None:
        return []
    declared = []
    for parameter in _walk(block):
        if parameter.type != "script_parameter":
            continue
        variable = next(c for c in parameter.children if c.type == "variable")
        typed = any(
            grandchild.type == "type_literal"
            for attribute_list in parameter.children
            if attribute_list.type == "attribute_list"
            for attribute in attribute_list.children
            for grandchild in attribute.children
        )
        declared.append((_text(source, variable).lstrip("$"), typed))
    return declared




def _header_findings(name: str, text: str) -> list[Finding]:
    lines = text.splitlines()
    findings = []
    if (
        len(lines) < 2
        or lines[0] != f"# hvtui: {name}"
        or not re.fullmatch(r"# Mutates: (yes|no)", lines[1])
    ):
        findings.append(Finding(1, 1, f"header must be '# hvtui: {name}' then '# Mutates: yes|no'"))
    if not re.search(r"^\$ErrorActionPreference = 'Stop'$", text, re.MULTILINE):
        findings.append(Finding(1, 1, "missing the line $ErrorActionPreference = 'Stop'"))
    return findings


def check_script(name: str, text: str) -> list[Finding]:
    """Every problem in one catalog script; empty when it is fine."""
    source, root = parse(text)
    findings = _syntax_findings(source, root) + _header_findings(name, text)
    try:
        needs = catalog.needs(name, text)
    except ValueError as exc:
        findings.append(Finding(1, 1, str(exc)))
        needs = catalog.Needs()

    declared = _declared_parameters(source, root)
    if not any(c.type == "param_block" for c in root.children):
        findings.append(Finding(1, 1, "missing the param() block"))
    for parameter, typed in declared:
        if not typed:
            findings.append(Finding(1, 1, f"parameter ${parameter} has no type"))
    for match in FORBIDDEN.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        findings.append(
            Finding(line, column, f"{match.group(0)!r} turns text into code: not allowed")
        )

    checker = _Checker(source)
    checker.visit(root, worlds(needs))
    findings += checker.results()
    return sorted(findings, key=lambda f: (f.line, f.column, f.message))
