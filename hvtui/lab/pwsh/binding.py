"""Parameter binding, the way PowerShell's binder does it, with its error texts.

Texts are ParameterBinderStrings.resx in PowerShell/PowerShell (the same in Windows
PowerShell 3.0-5.1); ``hvtui/lab/binding.py`` held the script-parameter subset and stays
as it was. Errors are statement-terminating ParameterBindingExceptions whose
FullyQualifiedErrorId is ``<ErrorId>,<command class>`` for a cmdlet.
"""

from __future__ import annotations

from typing import Any

from hvtui.lab.pwsh.errors import PSErrorRecord, StatementError

PARAMETER_BINDING_EXCEPTION = "System.Management.Automation.ParameterBindingException"

NAMED_NOT_FOUND = "A parameter cannot be found that matches parameter name '{0}'."
POSITIONAL_NOT_FOUND = "A positional parameter cannot be found that accepts argument '{0}'."
MISSING_ARGUMENT = "Missing an argument for parameter '{0}'. Specify a parameter of type '{1}' " \
    "and try again."
AMBIGUOUS = "Parameter cannot be processed because the parameter name '{0}' is ambiguous. " \
    "Possible matches include:{1}."
AMBIGUOUS_SET = "Parameter set cannot be resolved using the specified named parameters. One or " \
    "more parameters issued cannot be used together or an insufficient number of parameters " \
    "were provided."
MISSING_MANDATORY = "Cannot process command because of one or more missing mandatory " \
    "parameters:{0}."
ALREADY_BOUND = "Cannot bind parameter because parameter '{0}' is specified more than once. To " \
    "provide multiple values to parameters that can accept multiple values, use the array " \
    'syntax. For example, "-parameter value1,value2,value3".'
CANNOT_CONVERT = "Cannot bind parameter '{0}'. {1}"
TRANSFORMATION = "Cannot process argument transformation on parameter '{0}'. {1}"
NULL_NOT_ALLOWED = "Cannot bind argument to parameter '{0}' because it is null."
EMPTY_STRING_NOT_ALLOWED = "Cannot bind argument to parameter '{0}' because it is an empty " \
    "string."
EMPTY_ARRAY_NOT_ALLOWED = "Cannot bind argument to parameter '{0}' because it is an empty array."
VALIDATE_SET = "Cannot validate argument on parameter '{0}'. The argument \"{1}\" does not " \
    "belong to the set \"{2}\" specified by the ValidateSet attribute. Supply an argument " \
    "that is in the set and then try the command again."
INPUT_NOT_BOUND = "The input object cannot be bound to any parameters for the command either " \
    "because the command does not take pipeline input or the input and its properties do not " \
    "match any of the parameters that take pipeline input."
BOOLEAN_ONLY = 'Cannot convert value "{0}" to type "System.Boolean". Boolean parameters accept ' \
    "only Boolean values and numbers, such as $True, $False, 1 or 0."
SWITCH_ONLY = 'Cannot convert value "{0}" to type "System.Management.Automation.' \
    'SwitchParameter". Boolean parameters accept only Boolean values and numbers, such as ' \
    "$True, $False, 1 or 0."


def binding_record(message: str, error_id: str, category: str, command: str = "",
                   type_name: str = "", target: Any = None) -> PSErrorRecord:
    fqid = f"{error_id},{type_name}" if type_name else error_id
    return PSErrorRecord(
        message=message, category=category, fqid=fqid, target=target, activity=command,
        reason="ParameterBindingException", exception_type=PARAMETER_BINDING_EXCEPTION,
    )


def binding_error(message: str, error_id: str, category: str, command: str = "",
                  type_name: str = "", target: Any = None) -> StatementError:
    return StatementError(binding_record(message, error_id, category, command, type_name,
                                         target))


def resolve_name(given: str, names: dict[str, str], order: list[str], command: str = "",
                 type_name: str = "") -> str:
    """The canonical parameter ``given`` names: exact name or alias, else an unambiguous
    prefix (``names``: lower-cased name or alias -> canonical; ``order``: canonical names
    in declaration order, for the ambiguity text)."""
    lowered = given.lower()
    if lowered in names:
        return names[lowered]
    matches = {canonical for key, canonical in names.items() if key.startswith(lowered)}
    if len(matches) == 1:
        return next(iter(matches))
    if len(matches) > 1:
        listed = "".join(f" -{name}" for name in order if name in matches)
        raise binding_error(AMBIGUOUS.format(given, listed), "AmbiguousParameter",
                            "InvalidArgument", command, type_name)
    raise binding_error(NAMED_NOT_FOUND.format(given), "NamedParameterNotFound",
                        "InvalidArgument", command, type_name)
