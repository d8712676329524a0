"""Static checks of every catalog script: PowerShell grammar, cmdlets and parameter sets.

No Windows host runs these tests, so this is how the catalog stays honest to real Hyper-V:
each script must parse with the PowerShell grammar (tree-sitter-powershell) without error
nodes, and every command it calls, with every named parameter, must exist in the reference
data shipped in ``hvtui/reference`` (or in the short core allow-list below) and the
parameters of one call must fit one parameter set, as PowerShell's binder requires.

The checker is a plain function (``check_script``) so it is itself tested against broken
scripts at the bottom of this file: a check that cannot fail proves nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
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
# Windows PowerShell 5.1 help, restricted to the sets scripts should use.
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
            Param(p.name, p.switch, p.required, p.position)
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
def known_cmdlets() -> Mapping[str, Cmdlet]:
    """Every cmdlet a script may call, by lower-cased name: the newest release's page of
    each reference cmdlet, and the core allow-list."""
    cmdlets: dict[str, Cmdlet] = {}
    for release in reference.RELEASES:
        for info in reference.cmdlets(release).values():
            cmdlets[info.name.lower()] = cmdlet_from_reference(info)
    clash = set(cmdlets) & set(CORE_CMDLETS)
    assert not clash, f"core allow-list repeats reference cmdlets: {sorted(clash)}"
    return {**cmdlets, **CORE_CMDLETS}


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


def _check_command(source: bytes, command: Node, findings: list[Finding]) -> None:
    name_node = next((c for c in command.children if c.type == "command_name"), None)
    if name_node is None or any(c.type == "command_invokation_operator" for c in command.children):
        findings.append(
            _finding(
                source,
                command,
                "commands must be called by their literal name (no & or . invocation)",
            )
        )
        return
    name = _text(source, name_node)
    cmdlet = known_cmdlets().get(name.lower())
    if cmdlet is None:
        findings.append(
            _finding(
                source,
                name_node,
                f"unknown command {name!r}: not in the shipped reference nor the core allow-list "
                "(aliases are not allowed: write the full cmdlet name)",
            )
        )
        return
    elements = next((c for c in command.children if c.type == "command_elements"), None)
    call = _split_arguments(source, cmdlet, elements, findings)

    seen: set[str] = set()
    known = True
    for given, node, _ in call.named:
        lowered = given.lower()
        if lowered in seen:
            findings.append(_finding(source, node, f"-{given} is given twice to {cmdlet.name}"))
        seen.add(lowered)
        if lowered in COMMON_PARAMETERS or cmdlet.find(lowered) is not None:
            continue
        known = False
        if lowered in cmdlet.aliases:
            hint = f"-{given} is an alias: write -{cmdlet.aliases[lowered]}"
        else:
            hint = f"{cmdlet.name} has no parameter -{given} (full names only, no prefixes)"
        findings.append(_finding(source, node, hint))
    if not known:
        return

    bound = {n.lower(): value for n, _, value in call.named}
    if cmdlet.confirm_impact == "High":
        confirm = bound.get("confirm")
        if confirm is None or _text(source, confirm).lower() != "$false":
            findings.append(
                _finding(
                    source,
                    name_node,
                    f"{cmdlet.name} prompts (ConfirmImpact High): pass -Confirm:$false",
                )
            )
    switch = NEEDS_SWITCH.get(cmdlet.name.lower())
    if switch and switch.lower() not in bound:
        findings.append(_finding(source, name_node, f"{cmdlet.name} may prompt: pass -{switch}"))

    piped = command.prev_sibling is not None and command.prev_sibling.type == "|"
    candidates = [s for s in cmdlet.sets if _binds(cmdlet, s, call, piped)]
    given_names = ", ".join(f"-{n}" for n, _, _ in call.named) or "no named parameters"
    if not candidates:
        findings.append(
            _finding(
                source,
                name_node,
                f"{cmdlet.name} with {given_names} and {len(call.positional)} positional "
                f"argument(s) fits none of its parameter sets "
                f"({', '.join(s.name for s in cmdlet.sets)}), or lacks a mandatory parameter",
            )
        )
    elif (
        len(candidates) > 1 and not piped and cmdlet.default_set not in {s.name for s in candidates}
    ):
        findings.append(
            _finding(
                source,
                name_node,
                f"{cmdlet.name} with {given_names} is ambiguous between parameter sets "
                f"{', '.join(s.name for s in candidates)}",
            )
        )


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


def check_script(name: str, text: str) -> list[Finding]:
    """Every problem in one catalog script; empty when it is fine."""
    source, root = parse(text)
    findings = _syntax_findings(source, root)

    lines = text.splitlines()
    if (
        len(lines) < 2
        or lines[0] != f"# hvtui: {name}"
        or not re.fullmatch(r"# Mutates: (yes|no)", lines[1])
    ):
        findings.append(Finding(1, 1, f"header must be '# hvtui: {name}' then '# Mutates: yes|no'"))
    if not re.search(r"^\$ErrorActionPreference = 'Stop'$", text, re.MULTILINE):
        findings.append(Finding(1, 1, "missing the line $ErrorActionPreference = 'Stop'"))
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

    for node in _walk(root):
        if node.type == "command":
            _check_command(source, node, findings)
    return sorted(findings, key=lambda f: (f.line, f.column))


# --- the catalog --------------------------------------------------------------------------

SCRIPTS = sorted(catalog.all_scripts())


def test_catalog_is_not_empty() -> None:
    assert "inventory" in SCRIPTS and len(SCRIPTS) > 1


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_passes_static_checks(name: str) -> None:
    findings = check_script(name, catalog.get(name).text)
    assert not findings, f"{name}.ps1:\n" + "\n".join(f"  {name}.ps1:{f}" for f in findings)


@pytest.mark.parametrize("name", SCRIPTS)
def test_catalog_reads_the_declared_parameters(name: str) -> None:
    script = catalog.get(name)
    source, root = parse(script.text)
    assert script.parameters == tuple(p for p, _ in _declared_parameters(source, root))


# Verbs that only read. A script marked '# Mutates: no' stays visible in read-only mode and
# is not audited, so it must not call anything else or assign to an object's property
# (how cluster properties are written).
READ_ONLY_VERBS = {"get", "compare", "test", "measure", "select", "where", "foreach", "sort"}


def mutations(text: str) -> list[str]:
    """What in a script could change a host: non-reading commands and property assignments."""
    source, root = parse(text)
    found = []
    for node in _walk(root):
        if node.type == "command_name":
            name = _text(source, node)
            if name.split("-")[0].lower() not in READ_ONLY_VERBS:
                found.append(name)
        elif node.type == "left_assignment_expression" and any(
            n.type == "member_access" for n in _walk(node)
        ):
            found.append(_text(source, node).strip())
    return found


@pytest.mark.parametrize("name", [n for n in SCRIPTS if not catalog.get(n).mutates])
def test_read_only_scripts_only_read(name: str) -> None:
    assert mutations(catalog.get(name).text) == []


@pytest.mark.parametrize("name", [n for n in SCRIPTS if catalog.get(n).mutates])
def test_mutating_scripts_mutate(name: str) -> None:
    assert mutations(catalog.get(name).text), f"{name}.ps1 says '# Mutates: yes' but only reads"


def test_mutation_finder_sees_cmdlets_and_property_writes() -> None:
    assert mutations("Get-VM | Select-Object -First 1") == []
    assert mutations("Stop-VM -Name 'a'") == ["Stop-VM"]
    assert mutations("$c = Get-Cluster\n$c.DrainOnShutdown = 0") == ["$c.DrainOnShutdown"]


# --- the checker itself -------------------------------------------------------------------

GOOD = """# hvtui: sample
# Mutates: yes
param(
    [Parameter(Mandatory)][string]$Name,
    [switch]$Drain
)

$ErrorActionPreference = 'Stop'

Stop-VM -Name $Name -TurnOff -Force -Confirm:$false
$vm = Get-VM -Name $Name -ErrorAction 'SilentlyContinue' | Select-Object -First 1
Get-VM | Where-Object { $_.Name -eq $Name } | ForEach-Object { $_.Id }
"""


def _body(statement: str) -> str:
    return GOOD.split("Stop-VM")[0] + statement + "\n"


def test_checker_accepts_a_good_script() -> None:
    assert check_script("sample", GOOD) == []


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("Get-VM -Name (", "syntax error"),
        ("Get-VMThing -Name $Name", "unknown command 'Get-VMThing'"),
        ("gci | % { $_ }", "unknown command 'gci'"),
        ("Start-VM -Nme $Name", "Start-VM has no parameter -Nme"),
        ("Stop-VM -Na $Name", "Stop-VM has no parameter -Na"),
        (
            "Copy-VMFile -VMName $Name -SourcePath 'a' -DestinationPath 'b' -FileSource 'Host'",
            "alias",
        ),
        ("Start-VMFailover -VMName $Name -Prepare -AsTest -Confirm:$false", "fits none"),
        ("Restore-VMSnapshot -VMName $Name -Name 'c' -Confirm $false", "fits none"),
        ("Restore-VMSnapshot -Name 'c' -Confirm:$false", "fits none"),
        ("Resize-VHD -Path 'p' -SizeBytes 1 -ToMinimumSize", "fits none"),
        ("Get-VM -Name $Name -Name $Name", "given twice"),
        ("Get-VM -Name", "needs a value"),
        ("Get-VM -Name $Name -ErrorAction SilentlyContinue", "bare word"),
        ("$p = @{ Name = $Name }\nStart-VM @p", "splatting"),
        ("Invoke-Expression $Name", "turns text into code"),
        ("iex $Name", "turns text into code"),
        ("[scriptblock]::Create($Name)", "turns text into code"),
        ("& $Name", "literal name"),
        ("Restore-VMSnapshot -VMName $Name -Name 'c'", "pass -Confirm:$false"),
        ("Start-VMFailover -VMName $Name -Confirm:$true", "pass -Confirm:$false"),
        ("Restart-VM -Name $Name", "pass -Force"),
    ],
)
def test_checker_rejects(statement: str, expected: str, tmp_path: Path) -> None:
    # Through a file, the way catalog scripts reach the checker.
    path = tmp_path / "sample.ps1"
    path.write_text(_body(statement), encoding="utf-8")
    findings = check_script("sample", path.read_text(encoding="utf-8"))
    assert any(expected in f.message for f in findings), findings


def test_checker_reports_where_the_syntax_error_is() -> None:
    findings = check_script("sample", _body("if ($Name) {\n    Start-VM -Name $Name\n"))
    assert [(f.line, "missing '}'" in f.message) for f in findings] == [(11, True)], findings


def test_checker_rejects_bad_headers_and_untyped_parameters() -> None:
    text = "# hvtui: other\nparam(\n    $Name\n)\nStart-VM -Name $Name\n"
    messages = " | ".join(f.message for f in check_script("sample", text))
    assert "header" in messages
    assert "ErrorActionPreference" in messages
    assert "$Name has no type" in messages
