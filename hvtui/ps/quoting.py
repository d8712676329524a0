"""The one audited encoder of Python values as PowerShell literals.

Used to show people the exact command a plan will run, and by the SSH transport where
parameters cannot travel out of band. Everything else passes values as PSRP parameters and
never renders them.

Strings become single-quoted literals, the only PowerShell string form without expansion
(no ``$var``, ``$(...)`` or backtick escapes). PowerShell's tokenizer ends a single-quoted
string at any of five characters, not only the ASCII apostrophe::

    '  U+0027 APOSTROPHE
    ‘  U+2018 LEFT SINGLE QUOTATION MARK
    ’  U+2019 RIGHT SINGLE QUOTATION MARK
    ‚  U+201A SINGLE LOW-9 QUOTATION MARK
    ‛  U+201B SINGLE HIGH-REVERSED-9 QUOTATION MARK

and reads two of them in a row as one literal character (the second). So every one of them
is doubled. Doubling only ``'`` - what most encoders do - lets a name such as ``a’; Stop-VM
x; ’`` close the string and run code. The double quotes ``"`` ``“`` ``”`` ``„`` are plain
characters inside single quotes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from typing import TypeAlias

SINGLE_QUOTES = frozenset("'\u2018\u2019\u201a\u201b")
"""Characters PowerShell's tokenizer treats as a single quote."""

DOUBLE_QUOTES = frozenset('"\u201c\u201d\u201e')
"""Characters PowerShell's tokenizer treats as a double quote (harmless in single quotes)."""

Scalar: TypeAlias = str | bool | int | float | None
ParamValue: TypeAlias = Scalar | Sequence[Scalar]
"""What a rendered parameter may hold: a scalar or a flat list of scalars."""

_INT64_MIN, _INT64_MAX, _UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1
_CMDLET_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*-[A-Za-z][A-Za-z0-9]*")
_PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def quote_string(s: str) -> str:
    """``s`` as a single-quoted PowerShell string literal that evaluates to exactly ``s``.

    Raises ValueError for text no host can receive: NUL (it ends strings in WMI and cannot
    be part of a Windows name or path) and lone UTF-16 surrogates (not encodable in UTF-8
    or CLIXML).
    """
    if not isinstance(s, str):
        raise TypeError(f"quote_string takes a str, not {type(s).__name__}")
    if "\0" in s:
        raise ValueError("text with a NUL character cannot be sent to a PowerShell host")
    if _LONE_SURROGATE.search(s):
        raise ValueError("text with a lone UTF-16 surrogate cannot be sent to a PowerShell host")
    return "'" + "".join(c + c if c in SINGLE_QUOTES else c for c in s) + "'"


def _number(value: int | float) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "[double]::NaN"
        if math.isinf(value):
            return "[double]::PositiveInfinity" if value > 0 else "[double]::NegativeInfinity"
        return repr(value)  # '1.5', '1e+16', '-0.0': all PowerShell real literals
    if _INT64_MIN <= value <= _INT64_MAX:
        return str(value)
    # Bare digits beyond Int64 would become a Double in Windows PowerShell and lose precision.
    if 0 <= value <= _UINT64_MAX:
        return f"[uint64]'{value}'"
    return f"[bigint]'{value}'"


def _scalar(value: Scalar) -> str:
    if value is None:
        return "$null"
    if isinstance(value, bool):
        return "$true" if value else "$false"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return quote_string(value)
    raise TypeError(f"no PowerShell literal for a {type(value).__name__}: {value!r}")


def literal(value: ParamValue) -> str:
    """``value`` as PowerShell expression text.

    None -> ``$null``; bool -> ``$true``/``$false``; int and float -> numeric literals;
    str -> :func:`quote_string`; a list or tuple of scalars -> ``@('a', 'b')``. Nested lists
    are refused: ``@(@(...))`` flattens in PowerShell, so they would not round-trip.
    """
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            if isinstance(item, list | tuple):
                raise TypeError("nested lists have no faithful PowerShell literal here")
            items.append(_scalar(item))
        return "@(" + ", ".join(items) + ")"
    if isinstance(value, str | bool | int | float) or value is None:
        return _scalar(value)
    raise TypeError(f"no PowerShell literal for a {type(value).__name__}: {value!r}")


def _argument(value: ParamValue) -> str:
    text = literal(value)
    # In argument mode `-5` could read as a parameter and `[double]::NaN` as a bare word:
    # parentheses make both expressions.
    return f"({text})" if text.startswith(("-", "[")) else text


def render_arguments(params: Mapping[str, ParamValue], *, switches: Collection[str] = ()) -> str:
    """The named arguments of a call, e.g. ``-Name 'x' -IncludeStorage -Enabled:$true``.

    ``switches`` names the ``[switch]`` parameters: True renders the bare switch, False or
    None leaves it out. Any other bool renders as ``-Name:$true``/``-Name:$false`` (the form
    that also works for switches, so a wrong ``switches`` cannot shift later arguments);
    None elsewhere renders as ``$null``.
    """
    parts: list[str] = []
    for name, value in params.items():
        if not _PARAMETER_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a PowerShell parameter name")
        if name in switches:
            if value is True:
                parts.append(f"-{name}")
            elif value is not False and value is not None:
                raise TypeError(f"switch -{name} takes True, False or None, not {value!r}")
        elif isinstance(value, bool):
            parts.append(f"-{name}:{literal(value)}")
        else:
            parts.append(f"-{name} {_argument(value)}")
    return " ".join(parts)


def render_command(
    cmdlet: str, params: Mapping[str, ParamValue], *, switches: Collection[str] = ()
) -> str:
    """One command line, e.g. ``Move-VM -Name 'x' -DestinationHost 'y' -IncludeStorage``.

    ``cmdlet`` must be a plain Verb-Noun name (it is code, so it never comes from data);
    parameters render as in :func:`render_arguments`.
    """
    if not _CMDLET_NAME.fullmatch(cmdlet):
        raise ValueError(f"{cmdlet!r} is not a Verb-Noun cmdlet name")
    arguments = render_arguments(params, switches=switches)
    return f"{cmdlet} {arguments}" if arguments else cmdlet
