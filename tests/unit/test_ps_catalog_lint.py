"""The catalog lint: every catalog script against every release it may run on.

The checker lives in ``test_ps_lint_support.py`` (its docstring defines the worlds a script
runs in and what counts as a guard); here it runs over the catalog, and against broken
scripts, one per rule: a check that cannot fail proves nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_ps_lint_support import (
    _declared_parameters,
    _text,
    _unwrap,
    _walk,
    check_script,
    parse,
)
from tree_sitter import Node

from hvtui.ps import catalog

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
READ_ONLY_VERBS = {"get", "compare", "test", "measure", "select", "where", "foreach", "sort",
                   "convertto"}


def _assigns_a_property(target: Node) -> bool:
    """``$c.DrainOnShutdown = 0`` writes to an object; ``$seen[$vm.Id] = 1`` to a local table."""
    inner = [c for c in target.named_children]
    node = _unwrap(inner[0]) if len(inner) == 1 else target
    return node.type == "member_access"


# VM screen as text (issue 12, thumbs): WMI methods that only read, by name.
READ_ONLY_CIM_METHODS = frozenset({"getvirtualsystemthumbnailimage"})


def _reads_by_cim(source: bytes, name: Node) -> bool:
    """Invoke-CimMethod of a method that only reads (its -MethodName a literal)."""
    if _text(source, name).lower() != "invoke-cimmethod" or name.parent is None:
        return False
    found = re.search(r"-MethodName\s+'([A-Za-z]+)'", _text(source, name.parent))
    return found is not None and found.group(1).lower() in READ_ONLY_CIM_METHODS


def mutations(text: str) -> list[str]:
    """What in a script could change a host: non-reading commands and property assignments."""
    source, root = parse(text)
    found = []
    for node in _walk(root):
        if node.type == "command_name":
            name = _text(source, node)
            # New-Object makes an object in the session, not on the host (serial console)
            if name.split("-")[0].lower() not in READ_ONLY_VERBS \
                    and not _reads_by_cim(source, node) and name.lower() != "new-object":
                found.append(name)
        elif node.type == "left_assignment_expression" and _assigns_a_property(node):
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
    assert mutations("$seen = @{}\n$seen[[string]$vm.Id] = 1") == []


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


# --- releases, modules, editions and guards -----------------------------------------------


def _script(statement: str, *header: str) -> str:
    """GOOD's header and param block, extra header lines, then ``statement``."""
    head, rest = GOOD.split("param(", 1)
    return head + "".join(line + "\n" for line in header) + "param(" + \
        rest.split("Stop-VM")[0] + statement + "\n"


def _messages(statement: str, *header: str) -> str:
    return " | ".join(f.message for f in check_script("sample", _script(statement, *header)))


COPY = "Copy-VMFile -Name $Name -SourcePath 'a' -DestinationPath 'b' -FileSource 'Host'"
SUSPEND = "Suspend-ClusterNode -Name $Name -Drain"
CLUSTER_ONLY = "# Modules: FailoverClusters | cluster-only"


@pytest.mark.parametrize(
    ("statement", "header", "expected"),
    [
        # A cmdlet or parameter one release lacks, unguarded.
        (COPY, (), "Copy-VMFile does not exist on Windows Server 2012:"),
        ("Get-VMReplication -VMName $Name -ReplicationRelationshipType 'Simple'", (),
         "has no parameter -ReplicationRelationshipType (full names only, no prefixes) "
         "(on Windows Server 2012)"),
        ("Set-VMReplication -VMName $Name -ReplicationFrequencySec 30", (),
         "no parameter -ReplicationFrequencySec"),
        ("Suspend-ClusterNode -Name $Name -Drain -ForceDrain", (CLUSTER_ONLY,),
         "no parameter -ForceDrain (full names only, no prefixes) (on Windows Server 2012)"),
        ("Suspend-ClusterNode -Name $Name -Drain -ForceEvacuation", (CLUSTER_ONLY,),
         "(on Windows Server 2012 R2, 2016, 2019, 2022, 2025)"),
        # FailoverClusters needs the module: a guard or a cluster-only header.
        ("$c = Get-Cluster", (), "Get-Cluster is a FailoverClusters cmdlet"),
        (SUSPEND, (), "Suspend-ClusterNode is a FailoverClusters cmdlet"),
        # -ErrorAction and try/catch are not guards.
        ("$c = Get-Cluster -ErrorAction 'SilentlyContinue'", (),
         "Get-Cluster is a FailoverClusters cmdlet"),
        (f"try {{\n    {COPY}\n}}\ncatch {{\n    $x = 1\n}}", (), "Copy-VMFile does not exist"),
        # A Get-Command guard needs -ErrorAction 'SilentlyContinue' and a literal name.
        (f"if (Get-Command -Name 'Copy-VMFile') {{\n    {COPY}\n}}", (),
         "Get-Command -Name 'Copy-VMFile' stops the script where Copy-VMFile does not exist"),
        (f"$n = 'Copy-VMFile'\nif (Get-Command -Name $n -ErrorAction 'SilentlyContinue') {{\n"
         f"    {COPY}\n}}", (), "Get-Command needs a literal -Name"),
        # A computed name may only be a silenced query, never a guard.
        ("$n = 'Copy-VMFile'\n$c = Get-Command -Name $n", (), "Get-Command needs a literal -Name"),
        # A parameter guard on a cmdlet that is itself missing somewhere.
        (f"if ((Get-Command -Name 'Copy-VMFile').Parameters.ContainsKey('Force')) {{\n"
         f"    {COPY}\n}}", (), "(Get-Command -Name 'Copy-VMFile') fails where Copy-VMFile"),
        # The else branch of a guard runs where the guard fails.
        (f"if (Get-Command -Name 'Copy-VMFile' -ErrorAction 'SilentlyContinue') {{\n"
         f"    $x = 1\n}}\nelse {{\n    {COPY}\n}}", (), "Copy-VMFile does not exist on Windows "
                                                      "Server 2012:"),
        ("if ((Get-Command -Name 'Get-VMReplication').Parameters.ContainsKey("
         "'ReplicationRelationshipType')) {\n    $x = 1\n}\nelse {\n"
         "    Get-VMReplication -VMName $Name -ReplicationRelationshipType 'Simple'\n}", (),
         "no parameter -ReplicationRelationshipType"),
        # A guard that never holds is a typo.
        ("if (Get-Command -Name 'Get-VMNothing' -ErrorAction 'SilentlyContinue') {\n"
         "    $x = 1\n}", (), "holds on no supported release"),
        # A header narrows the releases, but not past what the call needs.
        (COPY, ("# Releases: 2012 | old hosts only",), "Copy-VMFile does not exist"),
        (COPY, ("# Releases: 2008 R2+ | x",), "is not a Windows Server release hvtui supports"),
        (SUSPEND, ("# Modules: Clustering | x",), "unknown module(s) Clustering"),
        (COPY, ("# Editions: Classic | x",), "unknown edition(s) Classic"),
        # PowerShell 7's compatibility layer: no module objects handed back, no piping.
        ("$vm = Get-VM -Name $Name\nGet-VMHardDiskDrive -VM $vm", (),
         "-VM is given a Hyper-V object; under PowerShell 7"),
        ("$vm = Get-VM -Name $Name\nGet-VMHardDiskDrive -VM $vm", (),
         "(on Windows Server 2012 R2, 2016)"),
        ("Get-VM -Name $Name | Get-VMHardDiskDrive", (), "Get-VMHardDiskDrive takes pipeline "
                                                         "input here"),
        ("Get-ClusterNode -Name $Name | Resume-ClusterNode", (CLUSTER_ONLY,),
         "(on Windows Server 2012 R2, 2016, 2019, 2022, 2025)"),
    ],
)
def test_checker_checks_every_release_module_and_edition(
    statement: str, header: tuple[str, ...], expected: str
) -> None:
    assert expected in _messages(statement, *header)


@pytest.mark.parametrize(
    ("statement", "header"),
    [
        (f"if (Get-Command -Name 'Copy-VMFile' -ErrorAction 'SilentlyContinue') {{\n"
         f"    {COPY}\n}}", ()),
        (f"if (-not (Get-Command -Name 'Copy-VMFile' -ErrorAction 'SilentlyContinue')) {{\n"
         f"    throw 'no Copy-VMFile here'\n}}\nelse {{\n    {COPY}\n}}", ()),
        (f"if ($Drain -and (Get-Command -Name 'Copy-VMFile' -ErrorAction 'SilentlyContinue')) "
         f"{{\n    {COPY}\n}}", ()),
        (f"if ($Drain) {{\n    $x = 1\n}}\nelseif (Get-Command -Name 'Copy-VMFile' "
         f"-ErrorAction 'SilentlyContinue') {{\n    {COPY}\n}}", ()),
        (COPY, ("# Releases: 2012 R2+ | Copy-VMFile is new in 2012 R2",)),
        (COPY, ("# Releases: 2016, 2022 | test",)),
        ("if (Get-Command -Name 'Get-Cluster' -ErrorAction 'SilentlyContinue') {\n"
         "    $c = Get-Cluster\n    $n = @(Get-ClusterNode)\n}", ()),
        (SUSPEND, (CLUSTER_ONLY,)),
        ("if ((Get-Command -Name 'Suspend-ClusterNode').Parameters.ContainsKey('ForceDrain')) {\n"
         "    Suspend-ClusterNode -Name $Name -Drain -ForceDrain\n}\nelse {\n"
         "    Suspend-ClusterNode -Name $Name -Drain -ForceEvacuation\n}", (CLUSTER_ONLY,)),
        # 2012's Restore-VMSnapshot page lists no -Confirm; the cmdlet takes it (ShouldProcess).
        ("Restore-VMSnapshot -VMName $Name -Name 'c' -Confirm:$false", ()),
        ("$vm = Get-VM -Name $Name\nGet-VMHardDiskDrive -VM $vm",
         ("# Editions: Desktop | objects go back to cmdlets",)),
        ("Get-VMHardDiskDrive -VMName $Name | Where-Object { $_.Path }", ()),
        # A silenced query by a computed name (what doctor.ps1 asks a host).
        ("$c = Get-Command -Name $Name -ErrorAction 'SilentlyContinue' | Select-Object -First 1",
         ()),
    ],
)
def test_checker_accepts_guarded_calls(statement: str, header: tuple[str, ...]) -> None:
    assert _messages(statement, *header) == ""


DATA = Path(__file__).parents[1] / "support" / "data"
OLD = DATA / "old-scripts"


def test_the_old_inventory_fails_where_the_issue_says() -> None:
    # The old inventory.ps1, kept once for this lint and the lab's interpreter tests.
    old = DATA / "inventory-unguarded-get-cluster.ps1"
    messages = " | ".join(f.message for f in check_script("inventory", old.read_text("utf-8")))
    assert "Get-Cluster is a FailoverClusters cmdlet" in messages
    assert "no parameter -ReplicationRelationshipType (full names only, no prefixes) " \
           "(on Windows Server 2012)" in messages
    assert "-VM is given a Hyper-V object; under PowerShell 7" in messages


def test_the_old_replication_script_fails_on_2012() -> None:
    text = (OLD / "replication-frequency.ps1").read_text("utf-8")
    messages = " | ".join(f.message for f in check_script("replication-frequency", text))
    assert "no parameter -ReplicationFrequencySec (full names only, no prefixes) " \
           "(on Windows Server 2012)" in messages
    assert "no parameter -ReplicationRelationshipType" in messages


def test_the_old_node_suspend_fails_on_2012_and_off_a_cluster() -> None:
    text = (OLD / "cluster-node-suspend.ps1").read_text("utf-8")
    messages = " | ".join(f.message for f in check_script("cluster-node-suspend", text))
    assert "no parameter -ForceDrain (full names only, no prefixes) " \
           "(on Windows Server 2012)" in messages
    assert "Suspend-ClusterNode is a FailoverClusters cmdlet" in messages
