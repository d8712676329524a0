"""Where and how to reach an SSH server: :class:`SSHEndpoint`, from the inventory and
``~/.ssh/config`` the way ``ssh`` reads it.

The name a host is given by (the inventory's ``address``, or a jump host's) is what
one would type after ``ssh``: a ``Host`` alias of ``~/.ssh/config``, a DNS name, an
FQDN, an IPv4 or IPv6 literal. asyncssh's own parser reads the file (``Host`` and
``Match`` blocks, ``Include``, first value wins, ``%`` tokens); hvtui adds the two
options it does not know, StrictHostKeyChecking and CheckHostIP. What the
inventory says overrides the file; what neither says takes OpenSSH's default. The
default user is the local account's name from the OS (as ``ssh`` takes it, not
``$USER``).

Used: HostName, Port, User, IdentityFile, IdentitiesOnly, IdentityAgent,
ProxyJump (chains too), UserKnownHostsFile, GlobalKnownHostsFile, HostKeyAlias,
StrictHostKeyChecking, CheckHostIP, ConnectTimeout. StrictHostKeyChecking ``ask``
(ssh's default) is read as ``yes``: hvtui does not ask about host keys, it refuses
with the fingerprint and the line to add; ``no`` is read as ``accept-new``: a
changed key is always refused.
"""

from __future__ import annotations

import os
import re
from dataclasses import KW_ONLY, dataclass, field, replace
from pathlib import Path
from typing import Literal, cast

from asyncssh.config import ConfigParseError, SSHClientConfig, SSHConfig

from hvtui.errors import ConfigError

HostKeyPolicy = Literal["strict", "accept-new"]

DEFAULT_CONFIG = "~/.ssh/config"
_MAX_HOPS = 8


def local_user() -> str:
    """The local account's name, from the OS like ssh (not $USER)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # Windows, or a uid without a passwd entry
        import getpass

        return getpass.getuser()


@dataclass(frozen=True, slots=True)
class SSHEndpoint:
    """One SSH server and how to log in to it (a target host or a jump host)."""

    address: str
    """Where to connect (HostName): a DNS name, an FQDN, an IPv4 or IPv6 literal."""
    _: KW_ONLY
    username: str = ""
    """"" is the local account's name, as ssh does."""
    port: int = 22
    keys: tuple[str, ...] | None = None
    """Identity files; None: OpenSSH's default ~/.ssh/id_* files."""
    keys_explicit: bool = True
    """Whether ``keys`` were configured by the inventory (then a missing one is an error)."""
    identities_only: bool = False
    password: str | None = field(default=None, repr=False)
    agent: bool = True
    agent_path: str | None = None
    """IdentityAgent; None: $SSH_AUTH_SOCK."""
    known_hosts: tuple[str, ...] | None = None
    """UserKnownHostsFile; None: ~/.ssh/known_hosts and known_hosts2."""
    global_known_hosts: tuple[str, ...] | None = None
    """GlobalKnownHostsFile; None: /etc/ssh/ssh_known_hosts and ssh_known_hosts2."""
    host_key_policy: HostKeyPolicy = "strict"
    host_key_alias: str | None = None
    check_host_ip: bool = False
    connect_timeout: float = 15.0
    jump: SSHEndpoint | None = None
    """The jump host this one is reached through (ProxyJump)."""
    alias: str = ""
    """The name as given (a ~/.ssh/config alias, say), for messages."""

    def __post_init__(self) -> None:
        if self.host_key_policy not in ("strict", "accept-new"):
            raise ValueError("host_key_policy must be 'strict' or 'accept-new', "
                             f"not {self.host_key_policy!r}")

    @property
    def user(self) -> str:
        return self.username or local_user()

    @property
    def label(self) -> str:
        """How messages name it: ``alias (address:port)`` or ``address:port``."""
        where = f"[{self.address}]:{self.port}" if ":" in self.address else \
            f"{self.address}:{self.port}"
        if self.alias and self.alias.lower() != self.address.lower():
            return f"{self.alias} ({where})"
        return where

    @property
    def identity(self) -> tuple[object, ...]:
        """What makes two endpoints the same server and login (to share a connection)."""
        via = self.jump.identity if self.jump else None
        return (self.address.lower(), self.port, self.user, self.keys, self.identities_only,
                self.agent, self.known_hosts, self.host_key_policy, via)


JumpHost = SSHEndpoint
"""A jump host is an endpoint like any other (OpenSSH's ProxyJump)."""


class _ClientConfig(SSHClientConfig):
    """asyncssh's client config parser plus the options it leaves out."""

    _handlers = {
        **SSHClientConfig._handlers,
        "stricthostkeychecking": ("StrictHostKeyChecking", SSHConfig._set_string),
        "checkhostip": ("CheckHostIP", SSHConfig._set_bool),
    }


@dataclass(frozen=True, slots=True)
class Overrides:
    """What the inventory says about one endpoint; None where it says nothing."""

    port: int | None = None
    user: str | None = None
    keys: tuple[str, ...] | None = None
    identities_only: bool | None = None
    known_hosts: tuple[str, ...] | None = None
    host_key_policy: HostKeyPolicy | None = None
    connect_timeout: float | None = None
    password: str | None = field(default=None, repr=False)
    jump: SSHEndpoint | str | None = None
    """An endpoint (an inventory [jump.*] table), a ProxyJump text, or None."""


def _policy(value: object) -> HostKeyPolicy | None:
    if not isinstance(value, str):
        return None if value is None else "strict"
    text = value.lower()
    if text in ("accept-new", "no", "off"):
        return "accept-new"
    return "strict"  # yes, ask (hvtui does not ask about host keys), anything else


def read_config(alias: str, config_path: str | Path | None, *, user: str | None = None,
                port: int | None = None) -> SSHConfig:
    """``~/.ssh/config`` as it applies to ``alias`` (empty when the file is missing)."""
    path = Path(config_path).expanduser() if config_path is not None else None
    paths = [path] if path is not None and path.is_file() else []
    try:
        return _ClientConfig.load(None, paths, False, False, False, local_user(),
                                  user if user else (), alias, port if port else ())
    except (ConfigParseError, ValueError) as exc:
        raise ConfigError(f"{exc}", hint=f"fix that line of {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def _strings(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in cast(list[object], value))


_HOP = re.compile(r"^(?:ssh://)?(?:(?P<user>[^@]*)@)?(?P<host>\[[^\]]+\]|[^:]+)(?::(?P<port>\d+))?/?$")


def parse_jump(spec: str) -> list[tuple[str | None, str, int | None]]:
    """ProxyJump's ``[user@]host[:port]`` hops (comma-separated), first hop first."""
    hops = []
    for hop in spec.split(","):
        match = _HOP.match(hop.strip())
        if not match:
            raise ConfigError(f"ProxyJump {spec!r}: cannot read the hop {hop!r}",
                              hint="write [user@]host[:port], hops separated by commas")
        host = match["host"].strip("[]")
        hops.append((match["user"] or None, host, int(match["port"]) if match["port"] else None))
    return hops


def resolve(
    alias: str,
    overrides: Overrides | None = None,
    *,
    config_path: str | Path | None = DEFAULT_CONFIG,
    default_timeout: float = 15.0,
    _depth: int = 0,
) -> SSHEndpoint:
    """The endpoint for ``alias``: the inventory's word, else ~/.ssh/config, else ssh's."""
    if _depth > _MAX_HOPS:
        raise ConfigError(f"ProxyJump for {alias!r} loops or has more than {_MAX_HOPS} hops",
                          hint="check the ProxyJump lines of ~/.ssh/config")
    said = overrides or Overrides()
    config = read_config(alias, config_path, user=said.user, port=said.port)
    hostname = str(config.get("Hostname") or alias)
    port = int(cast(int, config.get("Port") or 22))
    keys = said.keys
    explicit = keys is not None
    if keys is None:
        keys = _strings(config.get("IdentityFile"))
    identities_only = said.identities_only
    if identities_only is None:
        identities_only = bool(config.get("IdentitiesOnly", False))
    known_hosts = said.known_hosts or _strings(config.get("UserKnownHostsFile")) or None
    global_files = _strings(config.get("GlobalKnownHostsFile"))
    policy = said.host_key_policy or _policy(config.get("StrictHostKeyChecking")) or "strict"
    timeout = said.connect_timeout
    if timeout is None:
        configured = config.get("ConnectTimeout")
        timeout = float(cast(int, configured)) if configured else default_timeout
    agent_path = config.get("IdentityAgent")
    endpoint = SSHEndpoint(
        hostname,
        username=str(config.get("User") or ""),
        port=port,
        keys=keys,
        keys_explicit=explicit,
        identities_only=identities_only,
        password=said.password,
        agent=agent_path != "none",
        agent_path=str(agent_path) if agent_path and agent_path != "none" else None,
        known_hosts=known_hosts,
        global_known_hosts=global_files,
        host_key_policy=policy,
        host_key_alias=cast(str | None, config.get("HostKeyAlias")),
        check_host_ip=bool(config.get("CheckHostIP", False)),
        connect_timeout=timeout,
        alias=alias,
    )
    jump = said.jump if said.jump is not None else config.get("ProxyJump")
    if isinstance(jump, SSHEndpoint):
        return replace(endpoint, jump=jump)
    if not jump or str(jump).lower() == "none":
        return endpoint
    via: SSHEndpoint | None = None
    for index, (user, host, hop_port) in enumerate(parse_jump(str(jump))):
        hop = resolve(host, Overrides(user=user, port=hop_port,
                                      jump=via if index else None),
                      config_path=config_path, default_timeout=default_timeout,
                      _depth=_depth + 1)
        via = hop
    return replace(endpoint, jump=via)


__all__ = ["DEFAULT_CONFIG", "HostKeyPolicy", "JumpHost", "Overrides", "SSHEndpoint",
           "local_user", "parse_jump", "read_config", "resolve"]
