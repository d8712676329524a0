"""WinRM message encryption over HTTP, the service's side ([MS-WSMV] 2.2.9.1).

With Negotiate (NTLM or Kerberos inside SPNEGO) or CredSSP over plain HTTP, every
SOAP message travels sealed by the connection's security context, as a MIME body:

    Content-Type: multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";
                  boundary="Encrypted Boundary"

    --Encrypted Boundary\\r\\n
    \\tContent-Type: application/HTTP-SPNEGO-session-encrypted\\r\\n
    \\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plain length>\\r\\n
    --Encrypted Boundary\\r\\n
    \\tContent-Type: application/octet-stream\\r\\n
    <uint32 LE: header length><header (NTLM signature / Kerberos token)><sealed SOAP>
    --Encrypted Boundary--\\r\\n

CredSSP seals at most 16 KiB per part: a longer message is a sequence of such part
pairs under ``multipart/x-multi-encrypted``. The service answers in the form the
client used.
"""

from __future__ import annotations

import re
import struct
from typing import Any, Protocol

BOUNDARY = "Encrypted Boundary"
SPNEGO = "application/HTTP-SPNEGO-session-encrypted"
KERBEROS = "application/HTTP-Kerberos-session-encrypted"
CREDSSP = "application/HTTP-CredSSP-session-encrypted"
PROTOCOLS = (SPNEGO, KERBEROS, CREDSSP)
_CREDSSP_PART = 16 * 1024
_SOAP = "application/soap+xml;charset=UTF-8"


class SealingContext(Protocol):
    """The part of a pyspnego security context that seals WinRM messages."""

    def wrap_winrm(self, data: bytes) -> Any: ...

    def unwrap_winrm(self, header: bytes, data: bytes) -> bytes: ...


class EncryptionError(ValueError):
    """An encrypted body that cannot be read: malformed, or sealed with another key."""


def is_encrypted(content_type: str) -> bool:
    lowered = content_type.lower()
    return lowered.startswith(("multipart/encrypted", "multipart/x-multi-encrypted"))


def protocol_of(content_type: str) -> str:
    """The ``protocol`` parameter of an encrypted body's Content-Type ('' if absent)."""
    match = re.search(r'protocol\s*=\s*"?([^";]+)"?', content_type, re.IGNORECASE)
    return match.group(1).strip() if match else ""


def unwrap(body: bytes, content_type: str, context: SealingContext) -> bytes:
    """The SOAP message inside an encrypted body (raises :class:`EncryptionError`)."""
    match = re.search(r'boundary\s*=\s*"?([^";]+)"?', content_type, re.IGNORECASE)
    if match is None:
        raise EncryptionError("the encrypted body has no MIME boundary")
    marker = b"--" + match.group(1).encode("latin-1")
    parts = body.split(marker)
    # Before the first boundary: nothing; after the last ("--\r\n"): the close-delimiter.
    if len(parts) < 4 or parts[0].strip() or not parts[-1].startswith(b"--"):
        raise EncryptionError("the encrypted body is not a complete MIME multipart")
    pieces = parts[1:-1]
    if len(pieces) % 2:
        raise EncryptionError("an encrypted part has no data part")
    message = b""
    for header_part, data_part in zip(pieces[0::2], pieces[1::2], strict=True):
        length = re.search(rb"OriginalContent:[^\r\n]*Length=(\d+)", header_part)
        if length is None:
            raise EncryptionError("an encrypted part does not give its original length")
        prefix = b"\r\n\tContent-Type: application/octet-stream\r\n"
        if not data_part.startswith(prefix):
            raise EncryptionError("the data part is not application/octet-stream")
        data = data_part[len(prefix):]
        if len(data) < 4:
            raise EncryptionError("the data part is too short")
        (header_length,) = struct.unpack("<I", data[:4])
        if header_length > len(data) - 4:
            raise EncryptionError("the encryption header is longer than the data part")
        try:
            plain = context.unwrap_winrm(data[4:4 + header_length], data[4 + header_length:])
        except Exception as exc:  # noqa: BLE001 - pyspnego raises several kinds
            raise EncryptionError(f"the message does not decrypt ({type(exc).__name__})") from exc
        if len(plain) != int(length.group(1)):
            raise EncryptionError("the decrypted length differs from OriginalContent's Length")
        message += plain
    return message


def wrap(message: bytes, protocol: str, context: SealingContext) -> tuple[str, bytes]:
    """(Content-Type, body) carrying ``message`` sealed by ``context``."""
    if protocol == CREDSSP and len(message) > _CREDSSP_PART:
        kind = "multipart/x-multi-encrypted"
        chunks = [message[i:i + _CREDSSP_PART] for i in range(0, len(message), _CREDSSP_PART)]
    else:
        kind = "multipart/encrypted"
        chunks = [message]
    body = b""
    for chunk in chunks:
        sealed = context.wrap_winrm(chunk)
        header, data = bytes(sealed.header), bytes(sealed.data)
        body += (
            f"--{BOUNDARY}\r\n"
            f"\tContent-Type: {protocol}\r\n"
            f"\tOriginalContent: type={_SOAP};Length={len(chunk)}\r\n"
            f"--{BOUNDARY}\r\n"
            "\tContent-Type: application/octet-stream\r\n"
        ).encode("ascii") + struct.pack("<I", len(header)) + header + data
    body += f"--{BOUNDARY}--\r\n".encode("ascii")
    return f'{kind};protocol="{protocol}";boundary="{BOUNDARY}"', body
