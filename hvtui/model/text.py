"""Text from hosts and guests is data: shown visibly escaped, never obeyed by a terminal.

VM names, notes, paths, the guest OS name (which the guest itself reports, i.e. a tenant
chooses it) and host error messages may carry control characters: ESC starting a CSI or
OSC sequence (an OSC 52 sequence writes the user's clipboard), BEL, backspace and carriage
return (which overwrite what is already on the line), C1 controls (U+009B is a one-byte
CSI on many terminals), NUL, and the bidirectional overrides that make ``exe.txt`` read as
``txt.exe``. :func:`inert` turns each of them into a visible escape (``\\x1b``,
``\\u202e``); every output that shows such text to a person goes through it. Machine
output stays exact: :func:`json_inert` escapes the same characters as JSON ``\\u``
escapes, so the document decodes to the very same strings.
"""

from __future__ import annotations

import re
import unicodedata

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

# Invisible formatting characters a name can hide behind: bidirectional marks, embeddings,
# overrides and isolates, zero-width space, word joiner, byte-order mark, soft hyphen.
# (Zero-width joiner and non-joiner stay: scripts and emoji need them, and they move nothing.)
_FORMAT = frozenset(
    "\u00ad\u061c\u180e\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\ufff9\ufffa\ufffb"
)


def unsafe(char: str) -> bool:
    """Whether one character must not reach a terminal as it is."""
    if char in _FORMAT:
        return True
    # Cc: C0 controls, DEL, C1 controls; Cs: lone surrogates (undecodable bytes);
    # Zl/Zp: line and paragraph separators (a new line in disguise).
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")


def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def inert(text: str) -> str:
    """``text`` with every control or invisible formatting character visibly escaped.

    Ordinary text, Japanese included, comes back as it is (the same object).
    """
    if text.isprintable():
        # isprintable() is False for every character inert() escapes (and for a few
        # harmless spaces), so most text needs no further look.
        return text
    if not any(unsafe(c) for c in text):
        return text
    return "".join(_escape(c) if unsafe(c) else c for c in text)


_JSON_UNSAFE = re.compile("[\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028\u2029"
                          "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
                          "\ud800-\udfff]")


def json_inert(document: str) -> str:
    """A JSON document (from ``json.dumps``) with the unsafe characters left raw by
    ``ensure_ascii=False`` written as ``\\u`` escapes: safe on a terminal, decoding to the
    exact same data. (``json.dumps`` already escapes the C0 controls.)"""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
