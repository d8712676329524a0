"""known_hosts as OpenSSH reads and writes it.

A host is looked up by the name hvtui connects to (the HostName after
``~/.ssh/config``, or its HostKeyAlias), lower-cased, written ``[name]:port`` when
the port is not 22, exactly as ``ssh`` does: a key recorded for port 22 does not
vouch for port 2222. Patterns may be comma lists with ``*``/``?`` wildcards and
``!`` negation, hashed (``|1|salt|hmac``, what ``HashKnownHosts yes`` writes),
and marked ``@cert-authority`` or ``@revoked``. The user's files
(UserKnownHostsFile, default ``~/.ssh/known_hosts`` and ``known_hosts2``) and the
system's (GlobalKnownHostsFile, default ``/etc/ssh/ssh_known_hosts`` and
``ssh_known_hosts2``) are all read; new keys go to the first user file.

CheckHostIP (off by default, as in OpenSSH 8.5 and later): when on, the address
the name resolved to is looked up too, a key recorded for that address that
differs from the one presented is refused like a changed key, and an accepted
key is recorded for the address as well. As in OpenSSH, it does not apply to a
connection through a jump host (the address is the jump host's business) or to a
loopback address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncssh

log = logging.getLogger(__name__)

USER_FILES = ("~/.ssh/known_hosts", "~/.ssh/known_hosts2")
"""OpenSSH's default UserKnownHostsFile."""
GLOBAL_FILES = ("/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2")
"""OpenSSH's default GlobalKnownHostsFile."""

_write_lock = threading.Lock()


def host_pattern(name: str, port: int) -> str:
    """How OpenSSH names a host in known_hosts: ``[name]:port`` unless port 22."""
    name = name.lower()
    return name if port == 22 else f"[{name}]:{port}"


def known_hosts_line(name: str, port: int, key: asyncssh.SSHKey) -> str:
    """The known_hosts line that trusts ``key`` for ``name`` on ``port``."""
    algorithm, blob = key.export_public_key("openssh").decode("ascii").split()[:2]
    return f"{host_pattern(name, port)} {algorithm} {blob}"


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


def _wildcard(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _hashed_match(pattern: str, name: str) -> bool:
    """``|1|base64(salt)|base64(HMAC-SHA1(salt, name))``."""
    try:
        _, magic, salt, digest = pattern.split("|")
        if magic != "1":
            return False
        expected = base64.b64decode(digest, validate=True)
        key = base64.b64decode(salt, validate=True)
    except ValueError:
        return False
    actual = hmac.new(key, name.encode("utf-8"), hashlib.sha1).digest()
    return hmac.compare_digest(actual, expected)


def patterns_match(patterns: str, name: str) -> bool:
    """OpenSSH's match_hostname: any positive pattern matches and no negated one does."""
    if patterns.startswith("|"):
        return _hashed_match(patterns, name)
    matched = False
    for pattern in patterns.split(","):
        negated = pattern.startswith("!")
        if _wildcard(pattern[1:] if negated else pattern).fullmatch(name):
            if negated:
                return False
            matched = True
    return matched


@dataclass(frozen=True, slots=True)
class Entry:
    """One key line of a known_hosts file."""

    marker: str | None
    """None, ``cert-authority`` or ``revoked``."""
    patterns: str
    key: asyncssh.SSHKey
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _read_entries(path: Path) -> list[Entry]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc.strerror)
        return []
    entries: list[Entry] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        marker = None
        if line.startswith("@"):
            marker, _, line = line[1:].partition(" ")
            line = line.strip()
        fields = line.split()
        if len(fields) < 3:
            continue  # OpenSSH skips lines it cannot parse
        try:
            key = asyncssh.import_public_key(f"{fields[1]} {fields[2]}")
        except (asyncssh.KeyImportError, ValueError):
            continue
        entries.append(Entry(marker, fields[0], key, path, number))
    return entries


class KnownHosts:
    """The user's and the system's known_hosts files, read once."""

    def __init__(self, user_files: Sequence[str | Path] | None = None,
                 global_files: Sequence[str | Path] | None = None) -> None:
        self.user_files = [Path(p).expanduser() for p in (user_files or USER_FILES)]
        """Read, and the first one written (OpenSSH's UserKnownHostsFile)."""
        self.global_files = [Path(p).expanduser() for p in
                             (GLOBAL_FILES if global_files is None else global_files)]
        self.entries: list[Entry] = []
        for path in [*self.user_files, *self.global_files]:
            self.entries += _read_entries(path)

    @property
    def write_path(self) -> Path:
        return self.user_files[0]

    def lookup(self, pattern: str) -> list[Entry]:
        """Entries for ``pattern`` (a name from :func:`host_pattern`), in file order."""
        return [e for e in self.entries if patterns_match(e.patterns, pattern)]

    def record(self, patterns: Iterable[str], key: asyncssh.SSHKey) -> list[str]:
        """Append a line per pattern to the first user file unless it already holds it."""
        path = self.write_path
        algorithm, blob = key.export_public_key("openssh").decode("ascii").split()[:2]
        written: list[str] = []
        with _write_lock:  # one writer per process; O_APPEND keeps other processes' lines
            current = _read_entries(path)
            lines = []
            for pattern in patterns:
                if any(e.key.public_data == key.public_data
                       and patterns_match(e.patterns, pattern) for e in current):
                    continue
                lines.append(f"{pattern} {algorithm} {blob}")
            if not lines:
                return written
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            existing = path.read_bytes() if path.is_file() else b""
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as stream:
                if existing and not existing.endswith(b"\n"):
                    stream.write("\n")
                stream.write("".join(line + "\n" for line in lines))
            written = lines
        for line in written:
            self.entries.append(Entry(None, line.split()[0], key, path, 0))
            log.info("recorded host key %s in %s", line.split()[0], path)
        return written


__all__ = [
    "GLOBAL_FILES",
    "USER_FILES",
    "Entry",
    "KnownHosts",
    "host_pattern",
    "is_loopback",
    "known_hosts_line",
    "patterns_match",
]
