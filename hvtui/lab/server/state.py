"""What a served lab keeps across restarts: its ports and secrets, in one private folder.

A real host keeps its address, certificate, host key and accounts when it restarts,
so a console left open reconnects on its own. ``hvtui lab serve`` does the same: the
folder (``$XDG_STATE_HOME/hvtui/lab`` by default, mode 0700) holds the password, the
SSH client key, the SSH host key, the TLS certificate and ``ports.json``, and a run
reuses them unless asked for fresh ones. The estate is kept there too (``hvtui.lab.kept``).

One run owns a folder at a time (``hvtui.lab.state_folder``): a second run on the same
folder, or a command wanting the embedded lab meanwhile, stops with a message instead of
touching the first one's secrets or estate.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from pathlib import Path

import asyncssh

from hvtui.lab.state_folder import LabFolder

SECRET_FILES = ("password", "client_ed25519", "client_ed25519.pub", "ssh_host_ed25519",
                "known_hosts", "ports.json", "winrm-lab-cert.pem", "winrm-lab-key.pem")
"""Everything ``--fresh`` replaces."""


class LabState(LabFolder):
    """A lab state folder, held by one ``hvtui lab serve`` (use :meth:`open`, then
    :meth:`release`)."""

    @classmethod
    def open(cls, folder: Path, *, fresh: bool = False) -> LabState:
        """Take ``folder`` for this run (creating it owner-only); ``fresh`` forgets its secrets."""
        state = cls.take(folder, "serve")
        if fresh:
            for name in SECRET_FILES:
                with contextlib.suppress(FileNotFoundError):
                    (folder / name).unlink()
        return state

    # -- secrets -------------------------------------------------------------------------

    @property
    def password_file(self) -> Path:
        return self.folder / "password"

    def password(self) -> str:
        """The lab administrator's password: the one kept here, or a new one."""
        try:
            mode = self.password_file.stat().st_mode
            kept = self.password_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            kept = ""
        else:
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                kept = ""  # readable by others: not a secret any more
        if kept:
            return kept
        password = secrets.token_urlsafe(18)
        write_private(self.password_file, password.encode())
        return password

    @property
    def client_key(self) -> Path:
        return self.folder / "client_ed25519"

    def ensure_client_key(self) -> None:
        """The SSH key clients log in with (kept, or new), with its .pub beside it."""
        try:
            key = asyncssh.read_private_key(self.client_key)
        except (OSError, ValueError, asyncssh.KeyImportError):
            key = asyncssh.generate_private_key("ssh-ed25519")
            write_private(self.client_key, key.export_private_key())
        (self.folder / "client_ed25519.pub").write_bytes(key.export_public_key())

    # -- ports ---------------------------------------------------------------------------

    def ports(self) -> dict[str, dict[str, int]]:
        """Kept ports: listener kind ("winrm", "winrm-http", "ssh") -> host -> port."""
        try:
            data = json.loads((self.folder / "ports.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {kind: {str(h): int(p) for h, p in hosts.items() if isinstance(p, int)}
                for kind, hosts in data.items() if isinstance(hosts, dict)}

    def save_ports(self, ports: dict[str, dict[str, int]]) -> None:
        temporary = self.folder / "ports.json.new"
        temporary.write_text(json.dumps(ports, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(self.folder / "ports.json")


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a file only its owner can read, from the first byte on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)
