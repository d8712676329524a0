"""Opening SSH connections: host keys, keys, errors, and shared, paced jump hosts.

:class:`SSHConnector` is shared by every SSH session of a pool:

* **One connection per jump host**, opened once (concurrent sessions wait for the
  same attempt, and share its failure) and carrying every tunnel through it;
  closed when the last session using it closes. So the jump host's key is
  checked, and with ``accept-new`` written, once.
* **Paced setup**: at most :data:`HANDSHAKES_PER_SERVER` handshakes in flight to
  one server and :data:`HANDSHAKES_PER_JUMP` through one jump connection, below
  OpenSSH's ``MaxStartups 10:30:100``, so a stock sshd never drops hvtui's
  connections however many hosts refresh at once.
* Keys are unlocked once per process (:class:`hvtui.remote.ssh_auth.KeyRing`).

Every failure becomes an :class:`hvtui.errors.RemoteError` naming the server (the
jump host or the target), the real cause, and a fix that fits that machine: a
target is a Windows Hyper-V host, a jump host is any OpenSSH server.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncssh
from asyncssh.public_key import (
    get_default_certificate_algs,
    get_default_public_key_algs,
)

from hvtui.errors import AuthError, ConfigError, ConnectError, RemoteError
from hvtui.remote.known_hosts import (
    Entry,
    KnownHosts,
    host_pattern,
    is_loopback,
    known_hosts_line,
)
from hvtui.remote.ssh_auth import KeyRing, Offer, PassphrasePrompt, choose_keys
from hvtui.remote.ssh_config import SSHEndpoint

log = logging.getLogger(__name__)

HANDSHAKES_PER_SERVER = 8
"""Concurrent unauthenticated connections to one sshd (its MaxStartups starts at 10)."""
HANDSHAKES_PER_JUMP = 16
"""Concurrent handshakes tunnelled through one jump connection."""

_WINDOWS_SSHD = (
    "is sshd running on the host and port {port} open? Windows Server 2019 and later: "
    "Add-WindowsCapability -Online -Name OpenSSH.Server~~~~0.0.1.0; Start-Service sshd "
    "(older versions: install Win32-OpenSSH)"
)
_JUMP_SSHD = (
    "is the SSH server running on the jump host and listening on port {port}? "
    "(on Linux: systemctl status ssh)"
)

T = TypeVar("T")


# ------------------------------------------------------------------ host keys


def _fingerprints(entries: list[Entry]) -> str:
    return "; ".join(f"{e.key.get_algorithm()} {e.key.get_fingerprint('sha256')} "
                     f"({e.where})" for e in entries)


class HostKeyCheck:
    """OpenSSH's host key verification for one connection attempt."""

    def __init__(self, endpoint: SSHEndpoint, *, tunnelled: bool) -> None:
        self.endpoint = endpoint
        self.known = KnownHosts(endpoint.known_hosts, endpoint.global_known_hosts)
        self.name = (endpoint.host_key_alias or endpoint.address).lower()
        self.pattern = host_pattern(self.name, endpoint.port)
        self.entries = self.known.lookup(self.pattern)
        self.check_ip = endpoint.check_host_ip and not tunnelled
        self.presented: asyncssh.SSHKey | None = None
        self.problem: str = ""
        self.conflicts: list[Entry] = []

    @property
    def trusted(self) -> list[asyncssh.SSHKey]:
        return [e.key for e in self.entries if e.marker is None]

    def asyncssh_options(self) -> dict[str, Any]:
        """known_hosts as asyncssh takes it, and host key types with known ones first."""
        cas = [e.key for e in self.entries if e.marker == "cert-authority"]
        revoked = [e.key for e in self.entries if e.marker == "revoked"]
        preferred: list[bytes] = []
        for key in self.trusted:
            preferred += [a for a in key.sig_algorithms if a not in preferred]
        if cas:
            preferred += [a for a in get_default_certificate_algs() if a not in preferred]
        preferred += [a for a in get_default_public_key_algs() if a not in preferred]
        return {"known_hosts": (self.trusted, cas, revoked),
                "server_host_key_algs": [a.decode("ascii") for a in preferred]}

    def validate(self, addr: str, key: asyncssh.SSHKey) -> bool:
        """Called by asyncssh for a key that known_hosts does not trust already."""
        self.presented = key
        if self.trusted:  # keys are known for this name, and not this one: changed
            self.conflicts = [e for e in self.entries if e.marker is None]
            self.problem = "changed"
            return False
        if self.check_ip and addr and not is_loopback(addr):
            ip_entries = [e for e in self.known.lookup(host_pattern(addr, self.endpoint.port))
                          if e.marker is None]
            if ip_entries and all(e.key.public_data != key.public_data for e in ip_entries):
                self.conflicts, self.problem = ip_entries, "address"
                return False
        if self.endpoint.host_key_policy != "accept-new":
            self.problem = "unknown"
            return False
        patterns = [self.pattern]
        if self.check_ip and addr and not is_loopback(addr):
            patterns.append(host_pattern(addr, self.endpoint.port))
        self.known.record(patterns, key)
        return True

    def after_connect(self, conn: asyncssh.SSHClientConnection) -> bool:
        """CheckHostIP for a name already trusted: False when its address's key differs."""
        addr = str((conn.get_extra_info("peername") or ("",))[0])
        key = conn.get_server_host_key()
        if not self.check_ip or not addr or key is None or is_loopback(addr):
            return True
        pattern = host_pattern(addr, self.endpoint.port)
        ip_entries = [e for e in self.known.lookup(pattern) if e.marker is None]
        if ip_entries and all(e.key.public_data != key.public_data for e in ip_entries):
            self.presented, self.conflicts, self.problem = key, ip_entries, "address"
            return False
        self.known.record([pattern], key)
        return True

    def refusal(self, host: str, role: str) -> AuthError:
        where = f"{role}{self.endpoint.label}"
        path = self.known.write_path
        if self.presented is None:
            return AuthError(f"the host key of {where} could not be verified",
                             host=host, hint=f"check the known_hosts entries for {self.pattern}")
        key = self.presented
        now = f"{key.get_algorithm()} {key.get_fingerprint('sha256')}"
        line = known_hosts_line(self.name, self.endpoint.port, key)
        if self.problem in ("changed", "address"):
            what = "" if self.problem == "changed" else "its address's entry for "
            return AuthError(
                f"the host key of {where} has CHANGED: known_hosts holds {what}"
                f"{_fingerprints(self.conflicts)}, and the host now presents {now}. Someone "
                "may be intercepting the connection (man-in-the-middle), or the host was "
                "reinstalled",
                host=host,
                hint="do not connect until you know why; if the change is expected, remove "
                f"the old entry (ssh-keygen -R '{self.conflicts[0].patterns}' -f "
                f"{self.conflicts[0].path}) and add: {line}",
            )
        on_host = ("ssh-keygen -lf $env:ProgramData\\ssh\\ssh_host_ed25519_key.pub"
                   if not role else "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub")
        return AuthError(
            f"the host key of {where} is unknown ({now}) and known_hosts "
            f"({', '.join(str(p) for p in self.known.user_files)}) has no entry for "
            f"{self.pattern}",
            host=host,
            hint=f"compare the fingerprint with the host's (on the host: {on_host}); if it "
            f"matches, add this line to {path}: {line} (or set host_key_policy = 'accept-new')",
        )


class _Client(asyncssh.SSHClient):
    def __init__(self, check: HostKeyCheck) -> None:
        self._check = check

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        return self._check.validate(addr, key)


# ------------------------------------------------------------------ errors


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "reason", "") or exc or type(exc).__name__)


def _refused_hint(endpoint: SSHEndpoint, role: str) -> str:
    return (_JUMP_SSHD if role else _WINDOWS_SSHD).format(port=endpoint.port)


def _auth_hint(endpoint: SSHEndpoint, role: str, offer: Offer | None) -> str:
    user = endpoint.user
    default = "" if endpoint.username else f" ('{user}' is your local account name, which " \
        "ssh uses when no user is set: set user in the inventory or User in ~/.ssh/config)"
    keys = f"the offered keys ({offer.describe()})" if offer else "the key"
    if role:
        place = f"~{user}/.ssh/authorized_keys on the jump host"
    else:
        place = (f"C:\\Users\\{user}\\.ssh\\authorized_keys on the host, or "
                 "C:\\ProgramData\\ssh\\administrators_authorized_keys for an administrator")
    notes = f"; note: {'; '.join(offer.notes)}" if offer and offer.notes else ""
    return f"check the user name{default}, and that the public half of {keys} is in " \
        f"{place}{notes}"


def map_error(exc: BaseException, endpoint: SSHEndpoint, host: str, role: str,
              check: HostKeyCheck, offer: Offer | None) -> RemoteError | None:
    """The hvtui error for a failed connection attempt (None: not a connection failure)."""
    where = f"{role}{endpoint.label}"
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return check.refusal(host, role)
    if isinstance(exc, asyncssh.PermissionDenied):
        return AuthError(f"{where} refused user '{endpoint.user}': no offered key or "
                         "password was accepted", host=host,
                         hint=_auth_hint(endpoint, role, offer))
    if isinstance(exc, asyncssh.DisconnectError) and "too many auth" in _reason(exc).lower():
        return AuthError(f"{where} closed the connection: {_reason(exc)} (more keys were "
                         "offered than it allows)", host=host,
                         hint="set identities_only = true with key = ... in the inventory, "
                         "or IdentitiesOnly yes with IdentityFile in ~/.ssh/config")
    if isinstance(exc, asyncssh.KeyExchangeFailed):
        return ConnectError(f"{where}: key exchange failed: {_reason(exc)}", host=host)
    if isinstance(exc, asyncssh.ChannelOpenError):
        jump = endpoint.jump.label if endpoint.jump else ""
        if "not known" in _reason(exc) or "resolve" in _reason(exc).lower():
            hint = f"check the name: the jump host's DNS does not know {endpoint.address!r}"
        else:
            hint = (f"check that {endpoint.address} port {endpoint.port} is open as the jump "
                    "host sees it, and that the jump host allows forwarding (AllowTcpForwarding)")
        return ConnectError(f"the jump host {jump} could not reach {where}: {_reason(exc)}",
                            host=host, hint=hint)
    if isinstance(exc, asyncssh.DisconnectError):
        return ConnectError(f"{where} closed the connection: {_reason(exc)}", host=host,
                            hint=f"look at the SSH server's log on {endpoint.address}")
    if isinstance(exc, TimeoutError):
        return ConnectError(f"no answer from {where} within {endpoint.connect_timeout:g} s",
                            host=host, hint=f"is {endpoint.address} up and port "
                            f"{endpoint.port} reachable from here (no firewall dropping it)?")
    if isinstance(exc, ConnectionRefusedError):
        return ConnectError(f"{where} refused the connection", host=host,
                            hint=_refused_hint(endpoint, role))
    if isinstance(exc, socket.gaierror):
        alias = "it is not a Host alias in ~/.ssh/config and " if \
            endpoint.address == (endpoint.alias or endpoint.address) else ""
        return ConnectError(f"cannot resolve the name {endpoint.address!r} of {where}: "
                            f"{exc.strerror}", host=host,
                            hint=f"check the name: {alias}DNS does not know it")
    if isinstance(exc, OSError):
        return ConnectError(f"{where}: {exc.strerror or exc}", host=host,
                            hint=_refused_hint(endpoint, role))
    return None


# ------------------------------------------------------------------ connector


@dataclass
class _Jump:
    """A shared connection to one jump host."""

    conn: asyncssh.SSHClientConnection | None = None
    attempt: asyncio.Future[asyncssh.SSHClientConnection] | None = None
    users: set[int] = field(default_factory=set)
    handshakes: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(HANDSHAKES_PER_JUMP))


class SSHConnector:
    """Opens connections for many sessions; shares jump hosts; paces handshakes."""

    def __init__(self, prompt: PassphrasePrompt | None = None) -> None:
        self.keys = KeyRing(prompt)
        self._jumps: dict[tuple[object, ...], _Jump] = {}
        self._servers: dict[tuple[str, int, object], asyncio.Semaphore] = {}
        self.opened: dict[str, int] = {}
        """Connections opened per endpoint label (jump hosts and targets), for measuring."""

    async def connect(self, endpoint: SSHEndpoint, *, host: str, user_id: int
                      ) -> asyncssh.SSHClientConnection:
        """A new connection to ``endpoint`` (through its shared jump host, if any)."""
        tunnel = None
        jump = None
        if endpoint.jump is not None:
            tunnel = await self._jump_connection(endpoint.jump, host=host, user_id=user_id)
            jump = self._jumps[endpoint.jump.identity]
        gate = jump.handshakes if jump is not None else None
        return await self._open(endpoint, host=host, role="", tunnel=tunnel, gate=gate)

    async def _jump_connection(self, endpoint: SSHEndpoint, *, host: str, user_id: int
                               ) -> asyncssh.SSHClientConnection:
        state = self._jumps.setdefault(endpoint.identity, _Jump())
        state.users.add(user_id)
        if state.conn is not None and not state.conn.is_closed():
            return state.conn
        if state.attempt is None:
            state.attempt = asyncio.ensure_future(self._open_jump(endpoint, state, host))
        attempt = state.attempt
        try:
            return await asyncio.shield(attempt)
        except RemoteError as exc:
            # One attempt failed for everyone waiting on it: each host says so for itself.
            raise type(exc)(exc.cause, host=host, hint=exc.hint) from None

    async def _open_jump(self, endpoint: SSHEndpoint, state: _Jump, host: str
                         ) -> asyncssh.SSHClientConnection:
        try:
            tunnel = None
            gate = None
            if endpoint.jump is not None:
                tunnel = await self._jump_connection(endpoint.jump, host=host, user_id=id(state))
                gate = self._jumps[endpoint.jump.identity].handshakes
            state.conn = await self._open(endpoint, host=host, role="jump host ",
                                          tunnel=tunnel, gate=gate)
            return state.conn
        finally:
            state.attempt = None

    def _server_gate(self, endpoint: SSHEndpoint) -> asyncio.Semaphore:
        via = endpoint.jump.identity if endpoint.jump else None
        key = (endpoint.address.lower(), endpoint.port, via)
        return self._servers.setdefault(key, asyncio.Semaphore(HANDSHAKES_PER_SERVER))

    async def _open(self, endpoint: SSHEndpoint, *, host: str, role: str,
                    tunnel: asyncssh.SSHClientConnection | None,
                    gate: asyncio.Semaphore | None) -> asyncssh.SSHClientConnection:
        check = HostKeyCheck(endpoint, tunnelled=tunnel is not None)
        offer: Offer | None = None
        try:
            offer = await choose_keys(
                self.keys, files=endpoint.keys, explicit=endpoint.keys_explicit,
                identities_only=endpoint.identities_only, use_agent=endpoint.agent,
                agent_path=endpoint.agent_path, label=f"{role}{endpoint.label}")
            options: dict[str, Any] = {
                "port": endpoint.port,
                "username": endpoint.user,
                "password": endpoint.password,
                "client_keys": offer.keys,
                "agent_path": None,  # the agent's keys are in client_keys, in ssh's order
                "client_factory": lambda: _Client(check),
                "connect_timeout": endpoint.connect_timeout,
                "keepalive_interval": 15,
                "keepalive_count_max": 3,
                "config": None,  # ~/.ssh/config was read into the endpoint already
                "kbdint_auth": False,
                "gss_host": None,
                **check.asyncssh_options(),
            }
            if tunnel is not None:
                options["tunnel"] = tunnel
            conn = await self._paced(gate, self._server_gate(endpoint),
                                     lambda: asyncssh.connect(endpoint.address, **options))
            if not check.after_connect(conn):
                conn.close()
                raise asyncssh.HostKeyNotVerifiable("the address's host key differs")
            self.opened[f"{role}{endpoint.label}"] = self.opened.get(
                f"{role}{endpoint.label}", 0) + 1
            return conn
        except (AuthError, ConfigError) as exc:
            if exc.host is None:
                exc.host = host
            exc.cause = f"{role}{endpoint.label}: {exc.cause}" if role else exc.cause
            raise
        except Exception as exc:
            error = map_error(exc, endpoint, host, role, check, offer)
            if error is None:
                raise
            raise error from None
        finally:
            if offer is not None:
                offer.close()

    @staticmethod
    async def _paced(outer: asyncio.Semaphore | None, inner: asyncio.Semaphore,
                     connect: Callable[[], Awaitable[T]]) -> T:
        if outer is None:
            async with inner:
                return await connect()
        async with outer, inner:
            return await connect()

    async def release(self, user_id: int) -> None:
        """A session is done: close the jump connections nobody else uses."""
        for key, state in list(self._jumps.items()):
            if user_id not in state.users:
                continue
            state.users.discard(user_id)
            if not state.users:
                del self._jumps[key]
                if state.conn is not None:
                    state.conn.close()
                    await state.conn.wait_closed()
                await self.release(id(state))  # the hops of a ProxyJump chain

    async def close(self) -> None:
        for state in list(self._jumps.values()):
            if state.conn is not None:
                state.conn.close()
        for state in list(self._jumps.values()):
            if state.conn is not None:
                await state.conn.wait_closed()
        self._jumps.clear()


__all__ = ["HANDSHAKES_PER_JUMP", "HANDSHAKES_PER_SERVER", "HostKeyCheck", "SSHConnector",
           "map_error"]
