"""A PowerShell interpreter for the subset of the language hvtui's catalog scripts use.

The lab runs the catalog's real script text through it, against emulated cmdlets, so a
script that calls something a host lacks fails on the lab as it would on the host. Parsing
is tree-sitter-powershell's; the tree becomes a small AST (:mod:`.ast`), compiled once per
script text to Python closures (:mod:`.engine`). Anything outside the subset is refused by
:func:`unsupported` (and :func:`run` fails up front) instead of being guessed at.

Public contract: :func:`run`, :func:`unsupported`, :class:`Outcome`, :class:`Runtime`,
:class:`Command`, :class:`ParameterSet`, :class:`Parameter`, :class:`Invocation`,
:class:`Identity`, :class:`PSErrorRecord`, :func:`to_plain`, the values in :mod:`.values`
and :class:`ConversionError`.

The supported subset:

- ``param()`` with types, defaults, ``[Parameter(Mandatory)]`` (and ``Position``,
  ``ValueFromPipeline`` for functions), ``[ValidateSet()]``, switches; ``[CmdletBinding()]``.
- Statements: ``if/elseif/else``, ``foreach``, ``for``, ``while``, ``do {} while/until``,
  ``break``/``continue`` (no labels), ``try/catch [Type]/finally``, ``throw``, ``return``,
  functions with ``param()``, assignments ``= += -= *= /= %=``, ``++``/``--``.
- Expressions: variables (``$script:``/``$global:``/``$local:``), automatic variables
  (``$true $false $null $_ $PSItem $Error $Matches $PSVersionTable $PSEdition $PSCulture
  $PSUICulture $PSBoundParameters``, the preference variables), ``@()``, ``$()``, ``@{}``,
  ``[ordered]@{}``,
  ``[pscustomobject]@{}``, arrays and the ``,`` operator, ranges, indexing (negative too),
  member access and member enumeration, ``.Count``/``.Length`` on scalars and ``$null``,
  static members of the known types (and ``[Security.Principal.WindowsIdentity]::
  GetCurrent()``: the session's account, its SID and its groups' SIDs), script blocks,
  casts and ``-as``/``-is`` for ``string int int64 uint32 uint64 int16 uint16 byte double
  bool switch guid version datetime timespan xml char hashtable array object psobject
  pscustomobject`` and their arrays, ``[void]``.
- Operators: arithmetic, ``-eq -ne -gt -ge -lt -le -like -notlike -match -notmatch
  -contains -notcontains -in -notin -replace -split -join -f -is -isnot -as`` with their
  ``c``/``i`` forms, ``-and -or -xor -not !``, unary ``-``.
- Strings: single-quoted, double-quoted with ``$var``, ``${name}``, ``$(...)`` and backtick
  escapes, here-strings; PowerShell's Unicode quote characters.
- Pipelines with the core cmdlets (:data:`.core.CORE_COMMANDS`: ForEach-Object,
  Where-Object (script block form), Select-Object, Measure-Object, Sort-Object, Get-Command,
  Write-Output/Error/Warning/Progress/Verbose/Debug/Host/Information, Out-Null,
  ConvertTo-Json, Start-Sleep) and the host's commands, bound like PowerShell's parameter
  binder (names, prefixes, aliases, positions, switches, parameter sets, conversions,
  pipeline input by value then by property name); splatting; ``& { }`` and ``& $block``.
- Errors as PowerShell treats them (see :mod:`.errors`), ``-ErrorAction``, the preference
  variables, ShouldProcess and ConfirmImpact, cancellation; a variable assigned from a
  command that wrote nothing holds AutomationNull.

Known differences, by design: integers do not keep their .NET width (``[int64]5 -is [int]``
is true here); a variable keeps no type constraint after ``[int]$x = 1``; Where-Object's
comparison syntax (``Where-Object Name -eq x``) is not there (binding error).

Refused: ``switch``, classes and enums, ``trap``, workflows, redirection, ``&&``/``||``,
``-band``-family operators, dot-sourcing, labels, begin/process/end blocks, ``exit``,
``.ForEach{}``, multiple assignment, type names outside the table in :mod:`.types`, bare
words with quotes, ``$`` or backticks, core cmdlets the engine lacks
(:data:`.core.NOT_IMPLEMENTED`), and what tree-sitter-powershell reads differently from
PowerShell: a string opened or closed early by a Unicode quote, an expression that starts
with a number (``1..3``: write ``$one..3``), a statement that starts with ForEach-Object,
bare-word arrays (``-Property Name, Id``: quote them), non-ASCII variable names.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from hvtui.lab.pwsh.contract import (
    Command,
    Identity,
    Invocation,
    Outcome,
    Parameter,
    ParameterSet,
    Runtime,
)
from hvtui.lab.pwsh.errors import ConversionError, PSErrorRecord
from hvtui.lab.pwsh.plain import to_plain
from hvtui.lab.pwsh.values import PSEnum, PSHashtable, PSObject, PSVersion


def unsupported(text: str) -> list[str]:
    """Every construct of ``text`` outside the subset, and every parse error, as
    ``line:col: what``; empty when the engine runs the whole script."""
    from hvtui.lab.pwsh.engine import compiled

    return list(compiled(text)[1])


def run(text: str, parameters: Mapping[str, object], runtime: Runtime, *,
        cancel: threading.Event | None = None,
        session_globals: dict[str, Any] | None = None) -> Outcome:
    """Bind ``parameters`` to the script's ``param()`` block and run it on ``runtime``.

    ``session_globals``: the global scope's variables of the runspace the script runs in,
    kept by the caller between runs (None: a fresh runspace for this run alone).
    Synchronous; never raises for a script-level failure (it is in the Outcome).
    """
    from hvtui.lab.pwsh.engine import run_program

    return run_program(text, parameters, runtime, cancel, session_globals)


__all__ = [
    "Command",
    "ConversionError",
    "Identity",
    "Invocation",
    "Outcome",
    "PSEnum",
    "PSErrorRecord",
    "PSHashtable",
    "PSObject",
    "PSVersion",
    "Parameter",
    "ParameterSet",
    "Runtime",
    "run",
    "to_plain",
    "unsupported",
]
