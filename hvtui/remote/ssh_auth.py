"""Which keys hvtui offers to an SSH server, chosen the way OpenSSH chooses them.

* Identity files: the configured ones (inventory ``key``, ``IdentityFile``), else
  OpenSSH's defaults (``~/.ssh/id_rsa``, ``id_ecdsa``, ``id_ed25519``, ...) that
  exist. A private key readable by group or others is refused, as ``ssh`` does.
* The agent (``$SSH_AUTH_SOCK`` or ``IdentityAgent``): a key it holds is used
  through it, so an encrypted identity file whose key the agent holds needs no
  passphrase. Keys that match an identity file go first; the agent's other keys
  follow unless ``IdentitiesOnly`` (``identities_only``) is set, which is what
  stops "Too many authentication failures" when the agent holds many keys.
* An encrypted identity file the agent does not hold: the passphrase is asked
  once per file on the terminal (no echo), the decrypted key kept in memory for
  this process only; with no terminal the error says so and how to fix it.
"""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import stat
import struct
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
from asyncssh.public_key import decode_ssh_public_key

from hvtui.errors import AuthError

log = logging.getLogger(__name__)

DEFAULT_IDENTITIES = (
    "~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519",
    "~/.ssh/id_ed25519_sk", "~/.ssh/id_xmss", "~/.ssh/id_dsa",
)
"""OpenSSH's default identity files, in its order."""

PassphrasePrompt = Callable[[str], str | None]
"""Asks for a passphrase with the given prompt; None when nobody can be asked."""


def terminal_prompt(prompt: str) -> str | None:
    """The passphrase from the controlling terminal without echo; None without one."""
    from hvtui.config import on_terminal

    if not on_terminal(sys.stdin):
        return None
    return getpass.getpass(prompt)


def _openssh_public_blob(data: bytes) -> bytes | None:
    """The public key blob an ``openssh-key-v1`` file stores unencrypted."""
    import base64

    begin, end = b"-----BEGIN OPENSSH PRIVATE KEY-----", b"-----END OPENSSH PRIVATE KEY-----"
    if begin not in data or end not in data:
        return None
    body = data.split(begin, 1)[1].split(end, 1)[0]
    try:
        raw = base64.b64decode(b"".join(body.split()))
        if not raw.startswith(b"openssh-key-v1\0"):
            return None
        offset = len(b"openssh-key-v1\0")
        for _ in range(3):  # cipher name, KDF name, KDF options
            (size,) = struct.unpack(">I", raw[offset:offset + 4])
            offset += 4 + size
        offset += 4  # number of keys
        (size,) = struct.unpack(">I", raw[offset:offset + 4])
        return raw[offset + 4:offset + 4 + size]
    except (ValueError, struct.error):
        return None


@dataclass
class Identity:
    """One identity file and what is known of it."""

    path: Path
    public: asyncssh.SSHKey | None = None
    private: asyncssh.SSHKey | None = field(default=None, repr=False)
    encrypted: bool = False


def too_open(path: Path) -> bool:
    """OpenSSH's sshkey_perm_ok: a key owned by us must not be readable by others."""
    info = path.stat()
    owner = getattr(os, "getuid", lambda: info.st_uid)()
    return info.st_uid == owner and bool(info.st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def read_identity(path: Path) -> Identity:
    """Load a private key file as far as it can be without a passphrase."""
    if too_open(path):
        mode = stat.S_IMODE(path.stat().st_mode)
        raise AuthError(
            f"the private key {path} is readable by others (permissions {mode:04o}); "
            "like ssh, hvtui refuses to use it",
            hint=f"chmod 600 {path}",
        )
    identity = Identity(path)
    data = path.read_bytes()
    try:
        identity.private = asyncssh.import_private_key(data)
        identity.public = identity.private.convert_to_public()
        return identity
    except asyncssh.KeyImportError as exc:
        if "passphrase" not in str(exc).lower():
            raise AuthError(f"{path} is not a private key ssh can read: {exc}",
                            hint="point the key setting at the private key file") from None
    identity.encrypted = True
    blob = _openssh_public_blob(data)
    try:
        if blob is not None:
            identity.public = decode_ssh_public_key(blob)
        elif path.with_name(path.name + ".pub").is_file():
            identity.public = asyncssh.read_public_key(path.with_name(path.name + ".pub"))
    except (asyncssh.KeyImportError, ValueError):
        identity.public = None
    return identity


class KeyRing:
    """Identity files unlocked once per process and the agent's keys, for all hosts."""

    def __init__(self, prompt: PassphrasePrompt | None = None) -> None:
        self._prompt = prompt or terminal_prompt
        self._unlocked: dict[Path, asyncssh.SSHKey] = {}
        self._locks: dict[Path, asyncio.Lock] = {}
        self._passed_over: set[Path] = set()
        self.prompts = 0
        """How many passphrases were asked for (for tests and diagnostics)."""

    async def unlock(self, identity: Identity, *, label: str, required: bool = True
                     ) -> asyncssh.SSHKey | None:
        """The decrypted key of an encrypted identity: asked once, then kept in memory.

        None when nobody can be asked and the key is not ``required`` (one of
        OpenSSH's default identities, which ssh would also pass over).
        """
        lock = self._locks.setdefault(identity.path, asyncio.Lock())
        async with lock:
            if identity.path in self._unlocked:
                return self._unlocked[identity.path]
            if identity.path in self._passed_over and not required:
                return None
            prompt = f"Enter passphrase for key '{identity.path}' (for {label}): "
            passphrase = await asyncio.to_thread(self._prompt, prompt)
            self.prompts += passphrase is not None
            if passphrase is None and not required:
                self._passed_over.add(identity.path)
                return None
            if passphrase is None:
                raise AuthError(
                    f"the key {identity.path} is encrypted, the SSH agent does not hold it, "
                    "and there is no terminal to ask for its passphrase (or the console "
                    "holds it)",
                    hint=f"add it to the agent (ssh-add {identity.path}) or run hvtui "
                    "from a terminal",
                )
            try:
                key = asyncssh.import_private_key(identity.path.read_bytes(), passphrase)
            except (asyncssh.KeyEncryptionError, asyncssh.KeyImportError):
                raise AuthError(
                    f"wrong passphrase for the key {identity.path}",
                    hint=f"try again, or add the key to the agent (ssh-add {identity.path})",
                ) from None
            finally:
                del passphrase
            self._unlocked[identity.path] = key
            return key


async def agent_keys(agent_path: str | None) -> tuple[asyncssh.SSHAgentClient | None,
                                                      list[asyncssh.SSHKeyPair]]:
    """The agent's client and keys; (None, []) when there is no agent."""
    path = agent_path or os.environ.get("SSH_AUTH_SOCK")
    if not path:
        return None, []
    try:
        agent = await asyncssh.connect_agent(path)
    except (OSError, asyncssh.Error) as exc:
        log.info("no SSH agent at %s: %s", path, exc)
        return None, []
    try:
        return agent, list(await agent.get_keys())
    except (OSError, asyncssh.Error) as exc:
        agent.close()
        log.info("the SSH agent at %s did not list its keys: %s", path, exc)
        return None, []


@dataclass
class Offer:
    """What will be offered to one server, and what was left out (for error messages)."""

    keys: list[asyncssh.SSHKeyPair | asyncssh.SSHKey]
    agent: asyncssh.SSHAgentClient | None
    files: list[Path]
    notes: list[str]

    def describe(self) -> str:
        return ", ".join(str(p) for p in self.files) or "no identity file"

    def close(self) -> None:
        if self.agent is not None:
            self.agent.close()


async def choose_keys(
    ring: KeyRing,
    *,
    files: Sequence[str] | None,
    explicit: bool,
    identities_only: bool,
    use_agent: bool,
    agent_path: str | None,
    label: str,
) -> Offer:
    """The keys to offer, in OpenSSH's order; see the module docstring.

    ``files`` None means OpenSSH's default identities; ``explicit`` files that are
    missing are an error (a configured key that is not there is a mistake).
    """
    notes: list[str] = []
    identities: list[Identity] = []
    candidates = [Path(f).expanduser() for f in (files if files is not None
                                                 else DEFAULT_IDENTITIES)]
    for path in candidates:
        if not path.is_file():
            if explicit:
                raise AuthError(f"the key file {path} does not exist",
                                hint="fix the key path in the inventory or ~/.ssh/config")
            if files is not None:
                notes.append(f"{path} does not exist")
            continue
        identities.append(read_identity(path))
    agent, held = await agent_keys(agent_path) if use_agent else (None, [])
    held_by_blob = {k.public_data: k for k in held}
    keys: list[asyncssh.SSHKeyPair | asyncssh.SSHKey] = []
    used: set[bytes] = set()
    try:
        for identity in identities:  # identity files held by the agent: through the agent
            blob = identity.public.public_data if identity.public is not None else None
            if blob is not None and blob in held_by_blob:
                keys.append(held_by_blob[blob])
                used.add(blob)
        if not identities_only:
            keys += [k for k in held if k.public_data not in used]
        for identity in identities:
            blob = identity.public.public_data if identity.public is not None else None
            if blob is not None and blob in used:
                continue
            if identity.private is not None:
                keys.append(identity.private)
            elif identity.encrypted:
                key = await ring.unlock(identity, label=label, required=explicit)
                if key is None:
                    notes.append(f"{identity.path} is encrypted and no terminal could ask "
                                 "for its passphrase")
                else:
                    keys.append(key)
    except BaseException:
        if agent is not None:
            agent.close()
        raise
    return Offer(keys, agent, [i.path for i in identities], notes)


__all__ = ["DEFAULT_IDENTITIES", "KeyRing", "Offer", "PassphrasePrompt", "choose_keys",
           "read_identity", "terminal_prompt", "too_open"]
