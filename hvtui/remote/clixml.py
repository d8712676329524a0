"""CLIXML text as ``powershell -OutputFormat XML`` writes it, to and from plain data.

What a real host writes on stdout (and, for host-UI streams, on stderr)::

    #< CLIXML
    <Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
      <Obj RefId="0">...</Obj> <S S="warning">...</S> <Obj S="progress">...</Obj>
    </Objs>

PowerShell's serializer closes a document when the host ends a pipeline, so one
process can write *several* ``<Objs>`` documents back to back, sometimes with another
``#< CLIXML`` line between them (Windows PowerShell 5.1 does this on stderr for the
"Preparing modules for first use." progress record). :func:`split_documents` cuts
such text into documents without trusting its layout; :func:`parse_documents`
turns every object into plain data (see :mod:`hvtui.remote.plain`) tagged with its
stream. Anything that is not CLIXML raises :class:`hvtui.errors.ProtocolError`
with a short excerpt of the offending text.

Reading goes through :mod:`hvtui.remote.clixml_read` and writing plain data through
:mod:`hvtui.remote.clixml_write`, both far faster than psrpcore's object model;
psrpcore still reads what the fast reader does not cover (the result is the
same) and writes psrpcore objects handed to :func:`dumps`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from psrpcore.types import (
    ClixmlStream,
    PSCryptoProvider,
    PSObject,
    deserialize_clixml,
    serialize_clixml,
)

from hvtui.errors import ProtocolError
from hvtui.remote import clixml_read, clixml_write
from hvtui.remote.base import ErrorRecord, ProgressRecord, PSValue
from hvtui.remote.plain import from_plain, to_plain

log = logging.getLogger(__name__)

HEADER = "#< CLIXML"
"""The line PowerShell writes before CLIXML output."""

_ROOT = "<Objs"
_ROOT_END = "</Objs>"
_EXCERPT = 80
_EMPTY = re.compile(r"<Objs\b[^>]*/>")


class Stream(StrEnum):
    """The stream a top-level CLIXML object belongs to (its ``S`` attribute)."""

    OUTPUT = "output"
    ERROR = "error"
    WARNING = "warning"
    VERBOSE = "verbose"
    DEBUG = "debug"
    PROGRESS = "progress"
    INFORMATION = "information"


class _NoSecureStrings(PSCryptoProvider):
    """hvtui never exchanges SecureStrings; one arriving is a protocol error."""

    def decrypt(self, value: str) -> str:
        raise ProtocolError("the host sent a SecureString, which hvtui never asks for")

    def encrypt(self, value: str) -> str:
        raise ProtocolError("hvtui does not send SecureStrings")


_CIPHER = _NoSecureStrings()


def excerpt(text: str, at: int = 0) -> str:
    """A short, printable piece of ``text`` around ``at`` for error messages."""
    start = max(0, at - 20)
    piece = text[start : start + _EXCERPT]
    more = "…" if start + _EXCERPT < len(text) else ""
    less = "…" if start > 0 else ""
    return f"{less}{piece!r}{more}"


def _bad(text: str, at: int, why: str) -> ProtocolError:
    return ProtocolError(
        f"{why} at character {at}: {excerpt(text, at)}",
        hint="the host's PowerShell wrote something other than CLIXML",
    )


def split_documents(text: str, *, final: bool = True) -> tuple[list[str], str]:
    """Cut CLIXML text into complete ``<Objs>`` documents.

    ``#< CLIXML`` lines and whitespace between documents are skipped. Returns the
    documents and the unconsumed tail: with ``final=False`` (text still arriving)
    an incomplete last document is returned as the tail; with ``final=True`` it
    raises :class:`ProtocolError`, as does any text that is neither a header nor
    a document.
    """
    documents: list[str] = []
    pos, size = 0, len(text)
    while True:
        while pos < size and (text[pos].isspace() or text[pos] == "\ufeff"):
            pos += 1
        if pos == size:
            return documents, ""
        if text.startswith(HEADER, pos):
            pos += len(HEADER)
            continue
        if text.startswith(_ROOT, pos):
            tag_end = text.find(">", pos)
            if tag_end != -1 and text[tag_end - 1] == "/":
                end = tag_end + 1  # an empty document: <Objs ... />
            else:
                close = text.find(_ROOT_END, pos) if tag_end != -1 else -1
                if close == -1:
                    if final:
                        raise _bad(text, pos, "a CLIXML document is cut short")
                    return documents, text[pos:]
                end = close + len(_ROOT_END)
            documents.append(text[pos:end])
            pos = end
            continue
        rest = text[pos:]
        if not final and (HEADER.startswith(rest) or _ROOT.startswith(rest)):
            return documents, rest
        raise _bad(text, pos, "unexpected text where CLIXML should be")


_STREAMS = {stream.value: stream for stream in Stream}


def _stream(attribute: str | None) -> Stream:
    """A top-level element's stream; a missing or unknown ``S`` is output, as in psrpcore."""
    return _STREAMS.get(attribute.lower(), Stream.OUTPUT) if attribute else Stream.OUTPUT


def _invalid(document: str, exc: BaseException) -> ProtocolError:
    reason = str(exc)[:_EXCERPT] or type(exc).__name__
    return ProtocolError(
        f"invalid CLIXML ({reason}) in {excerpt(document)}",
        hint="the host's PowerShell wrote something other than CLIXML",
    )


def _parse_with_psrpcore(document: str) -> list[tuple[PSValue, Stream]]:
    """The slow, general path: psrpcore's object model, then plain data."""
    try:
        raw = deserialize_clixml(document, _CIPHER, preserve_streams=True)
        return [(to_plain(value), Stream(stream.value)) for value, stream in raw]
    except ProtocolError:
        raise
    except RecursionError as exc:
        raise _invalid(document, RecursionError("an object refers to itself")) from exc
    except Exception as exc:  # psrpcore raises many types on malformed XML
        raise _invalid(document, exc) from exc


def parse_document(document: str) -> list[tuple[PSValue, Stream]]:
    """Every top-level object of one ``<Objs>`` document, as plain data."""
    if _EMPTY.fullmatch(document):
        return []  # psrpcore's root handling drops the '/' of an empty <Objs ... />
    try:
        values = clixml_read.read_document(document, _CIPHER)
    except ProtocolError:
        raise
    except Exception as exc:  # noqa: BLE001 - not covered, or malformed: psrpcore decides
        log.debug("CLIXML read by psrpcore (%s: %s)", type(exc).__name__, str(exc)[:_EXCERPT])
        return _parse_with_psrpcore(document)
    return [(value, _stream(stream)) for value, stream in values]


def parse_documents(text: str) -> list[tuple[PSValue, Stream]]:
    """Every object of every CLIXML document in ``text`` (stdout or stderr), in order."""
    documents, _ = split_documents(text, final=True)
    values: list[tuple[PSValue, Stream]] = []
    for document in documents:
        values.extend(parse_document(document))
    return values


# Real PowerShell tags host error lines S="Error" (the error serializer's stream name);
# psrpcore writes the lower-case enum value. Only top-level start tags can match:
# '<' never appears unescaped in data.
_ERROR_TAG = re.compile(r'(<(?:S|Obj)(?: RefId="\d+")? S=")error(")')
_STREAM_ATTRIBUTES = {s: "Error" if s is Stream.ERROR else s.value for s in Stream}


def dumps(values: Sequence[Any], streams: Sequence[Stream] | Stream = Stream.OUTPUT) -> str:
    """One ``<Objs>`` document holding ``values`` (plain data or psrpcore objects).

    ``streams`` is one stream for all values or one per value. Plain data is
    written by :mod:`hvtui.remote.clixml_write` (what psrpcore writes for
    :func:`hvtui.remote.plain.from_plain` of it, less psrpcore's mistakes); a document
    holding psrpcore objects (an ErrorRecord, a progress wrapper, the SSH payload)
    is written by psrpcore, plain values included.
    """
    if isinstance(streams, Stream):
        streams = [streams] * len(values)
    if len(streams) != len(values):
        raise ValueError("dumps() needs one stream per value")
    if not any(isinstance(value, PSObject) for value in values):
        attributes = [None if s is Stream.OUTPUT else _STREAM_ATTRIBUTES[s] for s in streams]
        return clixml_write.write_document(values, attributes)
    items: list[Any] = []
    for value, stream in zip(values, streams, strict=True):
        ps_value = value if isinstance(value, PSObject) else from_plain(value)
        if stream is Stream.OUTPUT:
            items.append(ps_value)
        else:
            items.append((ps_value, ClixmlStream(stream.value)))
    return _ERROR_TAG.sub(r"\1Error\2", serialize_clixml(items, _CIPHER))


def _text(value: PSValue) -> str:
    return "" if value is None else str(value)


def error_record(value: PSValue) -> ErrorRecord:
    """An :class:`ErrorRecord` from an error-stream value.

    Accepts a deserialised ErrorRecord (plain dict with ``Exception`` and
    ``CategoryInfo``), a marker-shaped dict (``Message``, ``Category``, ``ErrorId``,
    ``TargetName``, ``Activity``, ``Reason``) or a line of text.
    """
    if not isinstance(value, dict):
        return ErrorRecord(message=_text(value).rstrip("\r\n"))
    if "Exception" in value or "CategoryInfo" in value:
        exception = value.get("Exception")
        info = value.get("CategoryInfo")
        message = exception.get("Message") if isinstance(exception, dict) else exception
        info = info if isinstance(info, dict) else {}
        return ErrorRecord(
            message=_text(message),
            category=_text(info.get("Category")) or "NotSpecified",
            error_id=_text(value.get("FullyQualifiedErrorId")),
            target=_text(info.get("TargetName")),
            activity=_text(info.get("Activity")),
            reason=_text(info.get("Reason")),
        )
    return ErrorRecord(
        message=_text(value.get("Message")),
        category=_text(value.get("Category")) or "NotSpecified",
        error_id=_text(value.get("ErrorId")),
        target=_text(value.get("TargetName")),
        activity=_text(value.get("Activity")),
        reason=_text(value.get("Reason")),
    )


def progress_record(value: PSValue) -> ProgressRecord | None:
    """A :class:`ProgressRecord` from a progress-stream value (``{SourceId, Record}``)."""
    if not isinstance(value, dict):
        return None
    record = value.get("Record", value)
    if not isinstance(record, dict):
        return None
    percent = record.get("PercentComplete")
    return ProgressRecord(
        activity=_text(record.get("Activity")),
        status=_text(record.get("StatusDescription")),
        percent=percent if isinstance(percent, int) and 0 <= percent <= 100 else -1,
    )
