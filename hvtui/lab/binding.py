"""Parameter binding for catalog scripts, the way PowerShell's binder does it.

The lab reads each script's ``param()`` block (type, ``[Parameter(Mandatory)]``,
``[ValidateSet(...)]``, default) and binds the parameters a client sent against it:
case-insensitive names, unambiguous prefixes, type conversion, mandatory and
empty-string checks, with PowerShell's own error texts. Values are only ever converted,
never evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from hvtui.lab.failures import HostError, binding_error, parameter_not_found
from hvtui.ps.catalog import Script
from hvtui.remote.base import ParamValue

_TYPES = {
    "string": "string",
    "string[]": "string[]",
    "int": "int",
    "int32": "int",
    "int64": "int",
    "long": "int",
    "uint64": "uint64",
    "uint32": "uint64",
    "bool": "bool",
    "boolean": "bool",
    "switch": "switch",
    "guid": "guid",
}
_DOTNET = {"int": "System.Int32", "uint64": "System.UInt64", "bool": "System.Boolean"}
_INT32 = range(-(2**31), 2**31)
_UINT64 = range(0, 2**64)


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str
    type: str
    """string, int, uint64, bool, switch, guid or any."""
    mandatory: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None


def _param_block(text: str) -> str:
    start = re.search(r"^param\s*\(", text, re.MULTILINE | re.IGNORECASE)
    if start is None:
        return ""
    depth, i = 1, start.end()
    while i < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    return text[start.end() : i - 1]


def _split_top_level(block: str) -> list[str]:
    """Split on commas outside brackets, parentheses and quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for ch in block:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p for p in (p.strip() for p in parts) if p]


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text.lower() in ("$true", "$false"):
        return text.lower() == "$true"
    try:
        return int(text)
    except ValueError:
        return text


def _parse_declaration(text: str) -> ParamSpec | None:
    found = re.search(r"\$([A-Za-z_][A-Za-z0-9_]*)", text)
    if not found:
        return None
    head, tail = text[: found.start()], text[found.end() :]
    attributes = re.findall(r"\[([^\[\]]*(?:\([^()]*\))?[^\[\]]*(?:\[\])?)\]", head)
    type_name, mandatory, choices = "any", False, ()
    for attribute in attributes:
        lowered = attribute.strip().lower()
        if lowered.startswith("parameter"):
            mandatory = "mandatory" in lowered and not re.search(
                r"mandatory\s*=\s*\$false", lowered
            )
        elif lowered.startswith("validateset"):
            choices = tuple(a or b for a, b in re.findall(r"'([^']*)'|\"([^\"]*)\"", attribute))
        elif lowered in _TYPES:
            type_name = _TYPES[lowered]
    default = None
    if "=" in tail:
        default = _literal(tail.split("=", 1)[1])
    elif type_name == "switch":
        default = False
    return ParamSpec(found.group(1), type_name, mandatory, choices, default)


@cache
def declarations(script: Script) -> dict[str, ParamSpec]:
    """The script's parameters as declared, by name (in declaration order)."""
    specs: dict[str, ParamSpec] = {}
    for chunk in _split_top_level(_param_block(script.text)):
        spec = _parse_declaration(chunk)
        if spec and spec.name in script.parameters:
            specs[spec.name] = spec
    for name in script.parameters:
        specs.setdefault(name, ParamSpec(name, "any"))
    return specs


def _resolve(name: str, specs: Mapping[str, ParamSpec]) -> ParamSpec:
    lowered = name.lower()
    exact = [s for s in specs.values() if s.name.lower() == lowered]
    if exact:
        return exact[0]
    prefixed = [s for s in specs.values() if s.name.lower().startswith(lowered)]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        matches = " ".join("-" + s.name for s in prefixed)
        raise binding_error(
            f"Parameter cannot be processed because the parameter name '{name}' is ambiguous. "
            f"Possible matches include: {matches}.",
            "AmbiguousParameter",
            category="InvalidArgument",
        )
    raise parameter_not_found(name)


def _transform_error(spec: ParamSpec, value: Any, reason: str) -> HostError:
    return binding_error(
        f"Cannot process argument transformation on parameter '{spec.name}'. {reason}",
        "ParameterArgumentTransformationError",
        category="InvalidData",
    )


_GUID = re.compile(r"^\{?[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}\}?$")


def _convert(spec: ParamSpec, value: ParamValue) -> Any:
    if spec.type == "any" or value is None:
        return value
    if spec.type == "guid":
        text = value if isinstance(value, str) else None
        if text is None or not _GUID.match(text.strip()):
            raise _transform_error(
                spec,
                value,
                f'Cannot convert value "{value}" to type "System.Guid". Error: "Guid should '
                'contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."',
            )
        # [guid] prints as 32 lower-case hex digits with dashes, whatever was given.
        digits = re.sub(r"[{}-]", "", text.strip()).lower()
        return "-".join((digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:]))
    if spec.type == "string[]":
        items = value if isinstance(value, list) else [value]
        return ["True" if v is True else "False" if v is False else str(v) for v in items]
    if spec.type == "string":
        if isinstance(value, bool):
            return "True" if value else "False"
        if isinstance(value, list):
            return " ".join(str(v) for v in value)
        return str(value)
    if spec.type in ("bool", "switch"):
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return value != 0
        source = "System.String" if isinstance(value, str) else "System.Object[]"
        raise _transform_error(
            spec,
            value,
            f'Cannot convert value "{source}" to type "System.Boolean". Boolean parameters '
            "accept only Boolean values and numbers, such as $True, $False, 1 or 0.",
        )
    # int / uint64
    number: int
    if (
        isinstance(value, int)
        or (isinstance(value, float) and value.is_integer())
        or (isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value))
    ):
        number = int(value)
    else:
        raise _transform_error(
            spec,
            value,
            f'Cannot convert value "{value}" to type "{_DOTNET[spec.type]}". '
            'Error: "Input string was not in a correct format."',
        )
    allowed = _INT32 if spec.type == "int" else _UINT64
    if number not in allowed:
        kind = "an Int32" if spec.type == "int" else "a UInt64"
        raise _transform_error(
            spec,
            value,
            f'Cannot convert value "{value}" to type "{_DOTNET[spec.type]}". '
            f'Error: "Value was either too large or too small for {kind}."',
        )
    return number


def bind(script: Script, parameters: Mapping[str, ParamValue] | None) -> dict[str, Any]:
    """Bind ``parameters`` to ``script``; raise HostError as the binder would."""
    specs = declarations(script)
    bound: dict[str, Any] = {}
    for given, value in (parameters or {}).items():
        spec = _resolve(given, specs)
        if spec.name in bound:
            raise binding_error(
                f"Cannot bind parameter because parameter '{spec.name}' is specified more than "
                "once. To provide multiple values to parameters that can accept multiple values, "
                'use the array syntax. For example, "-parameter value1,value2,value3".',
                "ParameterAlreadyBound",
                category="InvalidArgument",
            )
        converted = _convert(spec, value)
        if spec.mandatory and converted is None:
            raise binding_error(
                f"Cannot bind argument to parameter '{spec.name}' because it is null.",
                "ParameterArgumentValidationErrorNullNotAllowed",
                category="InvalidData",
            )
        if spec.mandatory and spec.type == "string" and converted == "":
            raise binding_error(
                f"Cannot bind argument to parameter '{spec.name}' because it is an empty string.",
                "ParameterArgumentValidationErrorEmptyStringNotAllowed",
                category="InvalidData",
            )
        if spec.choices and str(converted).lower() not in {c.lower() for c in spec.choices}:
            raise binding_error(
                f"Cannot validate argument on parameter '{spec.name}'. The argument "
                f'"{converted}" does not belong to the set "{",".join(spec.choices)}" specified '
                "by the ValidateSet attribute. Supply an argument that is in the set and then "
                "try the command again.",
                "ParameterArgumentValidationError",
                category="InvalidData",
            )
        bound[spec.name] = converted
    missing = [s.name for s in specs.values() if s.mandatory and s.name not in bound]
    if missing:
        raise binding_error(
            "Cannot process command because of one or more missing mandatory parameters: "
            f"{' '.join(missing)}.",
            "MissingMandatoryParameter",
            category="InvalidArgument",
        )
    for spec in specs.values():
        if spec.name not in bound:
            bound[spec.name] = spec.default if spec.default is not None else _empty(spec)
    return bound


def _empty(spec: ParamSpec) -> Any:
    """What an unset, default-less parameter reads as inside the script."""
    return {"string": "", "int": 0, "uint64": 0, "bool": False, "switch": False,
            "guid": "00000000-0000-0000-0000-000000000000"}.get(spec.type)
