"""The smallest HTTP/1.1 a WinRM listener needs, on asyncio streams.

WinRM clients POST one SOAP envelope per request over a kept-alive connection and
read one response with a Content-Length. That is all this module speaks: no
chunked request bodies, no pipelining beyond sequential requests, no ranges.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    500: "Internal Server Error",
    505: "HTTP Version Not Supported",
}


class HttpError(Exception):
    """A request that cannot be served; answer with ``status`` and close."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(slots=True)
class HttpRequest:
    method: str
    target: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)
    """Header names lowercased; repeated headers joined with ", "."""
    body: bytes = b""

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


async def read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    """Read one request; None when the client closed the connection between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise HttpError(400, "connection closed in the middle of the request headers") from None
    except asyncio.LimitOverrunError:
        raise HttpError(400, "request headers too large") from None
    if len(head) > MAX_HEADER_BYTES:
        raise HttpError(400, "request headers too large")
    try:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
    except ValueError:
        raise HttpError(400, "malformed request line") from None
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise HttpError(505, f"unsupported protocol {version!r}")
    request = HttpRequest(method.upper(), target, version)
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise HttpError(400, "malformed header line")
        key = name.strip().lower()
        value = value.strip()
        if key in request.headers:
            value = f"{request.headers[key]}, {value}"
        request.headers[key] = value
    if "chunked" in request.headers.get("transfer-encoding", "").lower():
        raise HttpError(411, "chunked request bodies are not supported; send Content-Length")
    length_text = request.headers.get("content-length", "0")
    if not length_text.isdigit():
        raise HttpError(400, "invalid Content-Length")
    length = int(length_text)
    if length > MAX_BODY_BYTES:
        raise HttpError(413, "request body too large")
    if length:
        try:
            request.body = await reader.readexactly(length)
        except asyncio.IncompleteReadError:
            raise HttpError(400, "connection closed in the middle of the request body") from None
    return request


def render_response(
    status: int,
    body: bytes = b"",
    *,
    content_type: str | None = "application/soap+xml;charset=UTF-8",
    extra_headers: Mapping[str, str | list[str]] | None = None,
    close: bool = False,
) -> bytes:
    """Serialise a complete HTTP/1.1 response (a list value repeats its header)."""
    headers: dict[str, str | list[str]] = {
        "Server": "Microsoft-HTTPAPI/2.0",
        "Date": email.utils.formatdate(usegmt=True),
        "Content-Length": str(len(body)),
    }
    if content_type and body:
        headers["Content-Type"] = content_type
    if close:
        headers["Connection"] = "close"
    headers.update(extra_headers or {})
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
    for name, value in headers.items():
        lines += [f"{name}: {one}" for one in ([value] if isinstance(value, str) else value)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
