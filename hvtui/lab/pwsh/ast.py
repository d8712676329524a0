"""The engine's own small syntax tree, built once per script text from tree-sitter's.

Every node carries ``pos``, the ``line:col`` where it starts (columns in characters,
1-based), for error records and refusals. Only the subset the engine runs has a node here;
:mod:`hvtui.lab.pwsh.parser` refuses everything else by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# --- types ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TypeRef:
    written: str
    """As in the script, e.g. ``string[]``."""
    name: str
    """Canonical .NET name of the element type, e.g. ``System.String``."""
    array: bool = False


# --- expressions ---------------------------------------------------------------------------


@dataclass(slots=True)
class Expr:
    pos: str


@dataclass(slots=True)
class Const(Expr):
    value: Any


@dataclass(slots=True)
class Var(Expr):
    name: str
    """Lower-cased, without ``$`` or a scope prefix."""
    scope: str = ""
    """'' (dynamic), 'script', 'global', 'local' or 'env'."""
    written: str = ""


@dataclass(slots=True)
class Expand(Expr):
    """A double-quoted string: literal text and expressions, joined at run time."""

    parts: list[str | Expr]


@dataclass(slots=True)
class Member(Expr):
    obj: Expr
    name: str | Expr
    static: bool = False


@dataclass(slots=True)
class Invoke(Expr):
    obj: Expr
    name: str
    args: list[Expr]
    static: bool = False


@dataclass(slots=True)
class Index(Expr):
    obj: Expr
    index: Expr


@dataclass(slots=True)
class Unary(Expr):
    op: str
    """'-not', '!', '-', '+', ',', '-bnot', '-split', '-join'."""
    operand: Expr


@dataclass(slots=True)
class IncDec(Expr):
    target: Expr
    delta: int
    prefix: bool


@dataclass(slots=True)
class Cast(Expr):
    type: TypeRef
    operand: Expr


@dataclass(slots=True)
class TypeExpr(Expr):
    type: TypeRef


@dataclass(slots=True)
class Binary(Expr):
    op: str
    """Lower-cased operator: '+', '-eq', '-and', '..', '-f'..."""
    left: Expr
    right: Expr


@dataclass(slots=True)
class ArrayLit(Expr):
    items: list[Expr]


@dataclass(slots=True)
class Paren(Expr):
    stmt: Stmt


@dataclass(slots=True)
class SubExpr(Expr):
    body: list[Stmt]
    array: bool = False
    """``@( )`` rather than ``$( )``."""


@dataclass(slots=True)
class HashLit(Expr):
    entries: list[tuple[Expr, Stmt]]


@dataclass(slots=True)
class ScriptBlockExpr(Expr):
    params: list[ParamDecl]
    body: list[Stmt]
    text: str


# --- commands and pipelines ----------------------------------------------------------------


@dataclass(slots=True)
class CmdParam:
    pos: str
    name: str
    """As written, without the dash."""
    value: Expr | None = None
    """The value given with ``-Name:value``; None otherwise."""


@dataclass(slots=True)
class CmdArg:
    pos: str
    value: Expr
    splat: bool = False
    text: str = ""
    """The argument as written (for the binder's error texts)."""


@dataclass(slots=True)
class CommandCall:
    pos: str
    name: str
    """The command name as written; empty for ``& <script block or variable>``."""
    elements: list[CmdParam | CmdArg]
    target: Expr | None = None
    """What ``&`` invokes when it is not a name."""


@dataclass(slots=True)
class Stmt:
    pos: str


@dataclass(slots=True)
class Pipeline(Stmt):
    head: Expr | CommandCall
    tail: list[CommandCall] = field(default_factory=list)


@dataclass(slots=True)
class Assign(Stmt):
    target: Expr
    op: str
    value: Stmt


@dataclass(slots=True)
class If(Stmt):
    clauses: list[tuple[Stmt, list[Stmt]]]
    otherwise: list[Stmt] | None


@dataclass(slots=True)
class Foreach(Stmt):
    var: Var
    source: Stmt
    body: list[Stmt]


@dataclass(slots=True)
class Loop(Stmt):
    """for / while / do-while / do-until."""

    init: Stmt | None
    cond: Stmt | None
    step: Stmt | None
    body: list[Stmt]
    test_first: bool = True
    until: bool = False


@dataclass(slots=True)
class Try(Stmt):
    body: list[Stmt]
    catches: list[tuple[list[TypeRef], list[Stmt]]]
    final: list[Stmt] | None


@dataclass(slots=True)
class Flow(Stmt):
    kind: str
    """'throw', 'return', 'break', 'continue', 'exit'."""
    value: Stmt | None = None


@dataclass(slots=True)
class FunctionDef(Stmt):
    name: str
    params: list[ParamDecl]
    body: list[Stmt]


@dataclass(slots=True)
class ParamDecl:
    pos: str
    name: str
    type: TypeRef | None = None
    mandatory: bool = False
    validate_set: tuple[str, ...] = ()
    default: Expr | None = None
    position: int | None = None
    from_pipeline: bool = False
    advanced: bool = False
    """Has a [Parameter()] attribute, or its block [CmdletBinding()]: the script or function
    is an advanced one (about_Functions_CmdletBindingAttribute)."""


@dataclass(slots=True)
class Script:
    params: list[ParamDecl]
    body: list[Stmt]
