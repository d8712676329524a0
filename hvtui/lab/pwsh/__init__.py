"""A PowerShell interpreter for the subset of the language hvtui's catalog scripts use.

The lab runs the catalog's real script text through it, against emulated cmdlets, so a
script that calls something a host lacks fails on the lab as it would on the host. Parsing
is tree-sitter-powershell's; the tree becomes a small AST (:mod:`.ast`), compiled once per
script text to Python closures (:mod:`.engine`). Anything outside the subset is refused by
:func:`unsupported` (and :func:`run` fails up front) instead of being guessed at.

Public contract: :func:`run`, :func:`unsupported`, :class:`Outcome`, :class:`Runtime`,
:class:`Command`, :class:`ParameterSet`, :class:`Parameter`, :class:`Invocation`,
:class:`PSErrorRecord`, :func:`to_plain`, the values in :mod:`.values` and
:class:`ConversionError`.

The supported subset:

- ``param()`` with types, defaults, ``[Parameter(Mandatory)]`` (and ``Position``,
  ``ValueFromPipeline`` for functions), ``[ValidateSet()]``, switches; ``[CmdletBinding()]``.
- Statements: ``if/elseif/else``, ``foreach``, ``for``, ``while``, ``do {} while/until``,
  ``break``/``continue`` (no labels), ``try/catch [Type]/finally``, ``throw``, ``return``,
  functions with ``param()``, assignments ``= += -= *= /= %=``, ``++``/``--``.
- Expressions: variables (``$script:``/``$global:``/``$local:``), automatic variables
  (``$true $false $null $_ $PSItem $Error $Matches $PSVersionTable $PSEdition``, the
  preference variables), ``@()``, ``$()``, ``@{}``, ``[ordered]@{}``, ``[pscustomobject]@{}``,
  arrays and the ``,`` operator, ranges, indexing (negative too), member access and member
  enumeration, ``.Count``/``.Length`` on scalars and ``$null``, static members of the known
  types, script blocks, casts and ``-as``/``-is`` for ``string int int64 uint32 uint64 int16
  uint16 byte double bool switch guid version datetime timespan xml char hashtable array
  object psobject pscustomobject`` and their arrays, ``[void]``.
- Operators: arithmetic, ``-eq -ne -gt -ge -lt -le -like -notlike -match -notmatch
  -contains -notcontains -in -notin -replace -split -join -f -is -isnot -as`` with their
  ``c``/``i`` forms, ``-and -or -xor -not !``, unary ``-``.
- Strings: single-quoted, double-quoted with ``$var``, ``${name}``, ``$(...)`` and backtick
  escapes, here-strings; PowerShell's Unicode quote characters.
- Pipelines with the core cmdlets (:data:`.core.CORE_COMMANDS`) and the host's commands,
  bound like PowerShell's parameter binder; splatting; ``& { }`` and ``& $block``.

Refused: ``switch``, classes and enums, ``trap``, workflows, redirection, ``&&``/``||``,
``-band``-family operators, dot-sourcing, labels, begin/process/end blocks, ``exit``,
``.ForEach{}``, type names outside the table in :mod:`.types`, bare words with quotes,
``$`` or backticks.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from hvtui.lab.pwsh.contract import (
    Command,
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
        cancel: threading.Event | None = None) -> Outcome:
    """Bind ``parameters`` to the script's ``param()`` block and run it on ``runtime``.

    Synchronous; never raises for a script-level failure (it is in the Outcome).
    """
    from hvtui.lab.pwsh.engine import run_program

    return run_program(text, parameters, runtime, cancel)


__all__ = [
    "Command",
    "ConversionError",
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
