"""Who may call the lab's WinRM endpoint: Basic, Negotiate (NTLM) and CredSSP.

The lab's administrator is one account, reachable as WinRM reaches accounts:

- **Basic** (the user name as given, the password): offered over HTTPS, and over
  HTTP only when unencrypted traffic is allowed (WinRM's ``AllowUnencrypted``, off
  by default), since Basic cannot seal messages;
- **Negotiate**, through pyspnego's acceptor (NTLM inside SPNEGO, or raw NTLM as
  pypsrp's ``auth='ntlm'`` sends it), as ``user``, ``DOMAIN\\user`` or
  ``user@upn-suffix``; only NTLMv2 is accepted, as a domain that refuses LM and
  NTLMv1 does. Over HTTPS the client's channel binding (RFC 5929
  ``tls-server-end-point``) must match the listener's certificate;
- **CredSSP**, through pyspnego's acceptor (TLS inside the HTTP headers, NTLM inside
  that; the client delegates its credentials, which the lab then ignores).

Negotiate and CredSSP authenticate a *connection*: the security context is kept per
TCP connection and seals the messages on it (see ``wsman_crypt``).

pyspnego's NTLM acceptor reads accounts only from the file named by the process
environment's ``NTLM_USER_FILE``: the endpoint writes its account there (NT hashes,
no password, owner-only folder) and points the variable at it only while one of its
own contexts is stepped.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spnego
from spnego._ntlm_raw.crypto import ntowfv1
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

from hvtui.lab.server import wsman_crypt

log = logging.getLogger(__name__)

METHODS = ("basic", "negotiate", "credssp")
"""Authentication methods the endpoint can offer."""

_ENVIRONMENT_LOCK = threading.Lock()


@dataclass(slots=True)
class ConnectionAuth:
    """The security state of one TCP connection."""

    scheme: str = ""
    """``Negotiate`` or ``CredSSP`` while a handshake runs or after it completed."""
    context: Any = None
    """The pyspnego acceptor context (None: no handshake on this connection)."""
    user: str | None = None
    """Who the completed handshake authenticated."""

    @property
    def sealing(self) -> str:
        """The encryption protocol this connection's context seals with ('' if none)."""
        if self.user is None or self.context is None:
            return ""
        return wsman_crypt.CREDSSP if self.scheme == "CredSSP" else wsman_crypt.SPNEGO

    def reset(self) -> None:
        self.scheme, self.context, self.user = "", None, None


@dataclass(slots=True)
class Verdict:
    """The outcome of checking one request's credentials."""

    user: str | None
    """Who sent the request (None: answer 401)."""
    challenge: list[str] = field(default_factory=list)
    """``WWW-Authenticate`` values to send back (offers, or the handshake's next token)."""


class Authenticator:
    """Checks the credentials of requests to one WSManServer."""

    def __init__(self, username: str, password: str, *, domain: str, upn_suffix: str,
                 methods: tuple[str, ...], allow_unencrypted: bool,
                 channel_binding: bytes | None) -> None:
        unknown = sorted(set(methods) - set(METHODS))
        if unknown:
            raise ValueError(f"unknown authentication methods {unknown}")
        self.methods = methods
        self.allow_unencrypted = allow_unencrypted
        """WinRM's AllowUnencrypted: whether plain SOAP is accepted over HTTP."""
        self._user = username.casefold().encode("utf-8")
        self._passwords = [password.encode("utf-8")]
        with contextlib.suppress(UnicodeEncodeError):
            # requests encodes str credentials as latin-1; accept that spelling too.
            self._passwords.append(password.encode("latin-1"))
        self._bindings = (GssChannelBindings(application_data=channel_binding)
                          if channel_binding else None)
        self._store_dir: Path | None = None
        self._store: Path | None = None
        if {"negotiate", "credssp"} & set(methods):
            self._store = self._write_store(username, password, domain, upn_suffix)

    def close(self) -> None:
        """Remove the account file."""
        if self._store_dir is not None:
            shutil.rmtree(self._store_dir, ignore_errors=True)
            self._store_dir = self._store = None

    def offers(self, https: bool) -> list[str]:
        """The ``WWW-Authenticate`` offers of a listener (HTTPS or HTTP), as WinRM lists them."""
        offers = []
        if "negotiate" in self.methods:
            offers.append("Negotiate")
        if "credssp" in self.methods:
            offers.append("CredSSP")
        if "basic" in self.methods and (https or self.allow_unencrypted):
            offers.append('Basic realm="WSMAN"')
        return offers

    def check(self, header: str, connection: ConnectionAuth, https: bool) -> Verdict:
        """Who sent a request with this ``Authorization`` header on this connection."""
        scheme, _, token = header.strip().partition(" ")
        scheme = scheme.lower()
        if not scheme:
            if connection.user is not None:
                return Verdict(connection.user)  # the connection is authenticated
            return Verdict(None, self.offers(https))
        if scheme == "basic" and "basic" in self.methods and (https or self.allow_unencrypted):
            connection.reset()
            user = self._basic(token)
            return Verdict(user, [] if user else self.offers(https))
        if scheme == "negotiate" and "negotiate" in self.methods:
            return self._step(connection, "Negotiate", token, https)
        if scheme == "credssp" and "credssp" in self.methods:
            return self._step(connection, "CredSSP", token, https)
        connection.reset()
        return Verdict(None, self.offers(https))

    # -- Basic ---------------------------------------------------------------------

    def _basic(self, token: str) -> str | None:
        """The user name when the Basic credentials are right, else None (constant time)."""
        try:
            raw = base64.b64decode(token.strip(), validate=True)
        except (binascii.Error, ValueError):
            return None
        user, sep, password = raw.partition(b":")
        if not sep:
            return None
        name = user.decode("utf-8", "replace")
        user_ok = hmac.compare_digest(name.casefold().encode("utf-8"), self._user)
        password_ok = False
        for expected in self._passwords:
            password_ok |= hmac.compare_digest(password, expected)
        return name if user_ok & password_ok else None

    # -- Negotiate and CredSSP ------------------------------------------------------

    def _step(self, connection: ConnectionAuth, scheme: str, token: str, https: bool) -> Verdict:
        try:
            data = base64.b64decode(token.strip(), validate=True)
        except (binascii.Error, ValueError):
            connection.reset()
            return Verdict(None, self.offers(https))
        if connection.context is None or connection.user is not None or \
                connection.scheme != scheme:
            connection.reset()  # a new handshake replaces whatever the connection had
            connection.scheme = scheme
            with self._acceptor_environment():
                connection.context = spnego.server(
                    protocol=scheme.lower(),
                    # CredSSP runs inside its own TLS; the outer channel binds nothing there.
                    channel_bindings=self._bindings if https and scheme == "Negotiate" else None,
                )
        try:
            with self._acceptor_environment():
                answer = connection.context.step(data)
        except SpnegoError as exc:
            # Wrong password and unknown user look alike to the client, as on Windows.
            log.info("lab WinRM: %s authentication failed (%s)", scheme, type(exc).__name__)
            connection.reset()
            return Verdict(None, self.offers(https))
        next_token = [f"{scheme} {base64.b64encode(answer).decode()}"] if answer else []
        if not connection.context.complete:
            return Verdict(None, next_token)
        user = str(connection.context.client_principal or "")
        if not user:
            connection.reset()
            return Verdict(None, self.offers(https))
        connection.user = user
        return Verdict(user, next_token)

    @contextlib.contextmanager
    def _acceptor_environment(self) -> Iterator[None]:
        """Point pyspnego's NTLM acceptor at this endpoint's account, NTLMv2 only."""
        assert self._store is not None
        wanted = {"NTLM_USER_FILE": str(self._store), "LM_COMPAT_LEVEL": "5"}
        with _ENVIRONMENT_LOCK:
            saved = {name: os.environ.get(name) for name in wanted}
            os.environ.update(wanted)
            try:
                yield
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value

    def _write_store(self, username: str, password: str, domain: str, upn_suffix: str) -> Path:
        """The account in smbpasswd form (NT hash only), in a folder only the owner can read."""
        self._store_dir = Path(tempfile.mkdtemp(prefix="hvtui-lab-ntlm-"))
        nt_hash = base64.b16encode(ntowfv1(password)).decode()
        names = [username]
        if domain:
            names.append(f"{domain}\\{username}")
        if upn_suffix:
            names.append(f"{username}@{upn_suffix}")
        # USERNAME:UID:LM_HASH:NT_HASH:FLAGS:LCT - the LM hash is never used (NTLMv2 only).
        lines = "".join(f"{name}:1000:{'0' * 32}:{nt_hash}:[U]:LCT-00000000\n" for name in names)
        path = self._store_dir / "ntlm_users"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(lines)
        return path


def channel_binding(certificate_der: bytes) -> bytes:
    """RFC 5929 ``tls-server-end-point`` data for a certificate signed with SHA-256 or weaker.

    (The lab's certificates are ECDSA with SHA-256, so the hash is SHA-256.)
    """
    return b"tls-server-end-point:" + hashlib.sha256(certificate_der).digest()
