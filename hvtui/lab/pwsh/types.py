"""The .NET types the engine knows by name: type accelerators and full names.

A type literal in a script (``[int]``, ``[System.Int64]``, ``[string[]]``) resolves to the
canonical full name here; a type not in this table is outside the subset (the parser
refuses it). Parameter types of commands use the reference data's short names ('String',
'Int32', 'SwitchParameter'...), which resolve the same way; other names go to
``Runtime.convert``.
"""

from __future__ import annotations

STRING = "System.String"
INT32 = "System.Int32"
INT64 = "System.Int64"
UINT32 = "System.UInt32"
UINT64 = "System.UInt64"
INT16 = "System.Int16"
UINT16 = "System.UInt16"
BYTE = "System.Byte"
SBYTE = "System.SByte"
DOUBLE = "System.Double"
SINGLE = "System.Single"
DECIMAL = "System.Decimal"
BOOLEAN = "System.Boolean"
CHAR = "System.Char"
SWITCH = "System.Management.Automation.SwitchParameter"
GUID = "System.Guid"
VERSION = "System.Version"
DATETIME = "System.DateTime"
TIMESPAN = "System.TimeSpan"
XML = "System.Xml.XmlDocument"
PSOBJECT = "System.Management.Automation.PSObject"
PSCUSTOMOBJECT = "System.Management.Automation.PSCustomObject"
ORDERED = "System.Collections.Specialized.OrderedDictionary"
HASHTABLE = "System.Collections.Hashtable"
ARRAY = "System.Array"
OBJECT = "System.Object"
VOID = "System.Void"
SCRIPTBLOCK = "System.Management.Automation.ScriptBlock"
ACTION_PREFERENCE = "System.Management.Automation.ActionPreference"
MATH = "System.Math"
REGEX = "System.Text.RegularExpressions.Regex"
WINDOWS_IDENTITY = "System.Security.Principal.WindowsIdentity"
SECURITY_IDENTIFIER = "System.Security.Principal.SecurityIdentifier"
# serial console (issue 12): the pipe a VM's COM port is connected to, and base64 for bytes
CONVERT = "System.Convert"
NAMED_PIPE_CLIENT = "System.IO.Pipes.NamedPipeClientStream"

_ACCELERATORS = {
    "string": STRING, "int": INT32, "int32": INT32, "long": INT64, "int64": INT64,
    "uint32": UINT32, "uint64": UINT64, "ulong": UINT64, "uint": UINT32,
    "int16": INT16, "short": INT16, "uint16": UINT16, "ushort": UINT16,
    "byte": BYTE, "sbyte": SBYTE, "double": DOUBLE, "float": SINGLE, "single": SINGLE,
    "decimal": DECIMAL, "bool": BOOLEAN, "boolean": BOOLEAN, "char": CHAR,
    "switch": SWITCH, "switchparameter": SWITCH, "guid": GUID, "version": VERSION,
    "datetime": DATETIME, "timespan": TIMESPAN, "xml": XML, "xmldocument": XML,
    "psobject": PSOBJECT, "pscustomobject": PSCUSTOMOBJECT, "ordered": ORDERED,
    "hashtable": HASHTABLE, "array": ARRAY, "object": OBJECT, "void": VOID,
    "scriptblock": SCRIPTBLOCK, "actionpreference": ACTION_PREFERENCE, "math": MATH,
    "regex": REGEX,
}
_FULL = {name.lower(): name for name in {*_ACCELERATORS.values(), WINDOWS_IDENTITY,
                                         CONVERT, NAMED_PIPE_CLIENT}}
"""Types known by full name only (no accelerator): the accelerators' and these."""

INTEGER_RANGES: dict[str, tuple[int, int]] = {
    INT32: (-(2**31), 2**31 - 1),
    INT64: (-(2**63), 2**63 - 1),
    UINT32: (0, 2**32 - 1),
    UINT64: (0, 2**64 - 1),
    INT16: (-(2**15), 2**15 - 1),
    UINT16: (0, 2**16 - 1),
    BYTE: (0, 255),
    SBYTE: (-128, 127),
}

SHORT_NAMES = {
    INT32: "Int32", INT64: "Int64", UINT32: "UInt32", UINT64: "UInt64", INT16: "Int16",
    UINT16: "UInt16", BYTE: "Byte", SBYTE: "SByte",
}


def resolve(written: str) -> str | None:
    """The canonical full name of a type written in a script, or None when unknown.

    ``System.`` may be left out, as PowerShell allows (``[Int32]``, ``[Management.Automation.
    PSObject]``)."""
    key = written.strip().lower()
    if key in _ACCELERATORS:
        return _ACCELERATORS[key]
    if key in _FULL:
        return _FULL[key]
    if "system." + key in _FULL:
        return _FULL["system." + key]
    return None


def split_array(written: str) -> tuple[str, bool]:
    """('String', True) for 'String[]'."""
    text = written.strip()
    if text.endswith("[]"):
        return text[:-2].strip(), True
    return text, False
