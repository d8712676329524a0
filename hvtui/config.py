"""The inventory file: which hosts to manage and how to reach them.

TOML, by default ``$XDG_CONFIG_HOME/hvtui/inventory.toml``::

    [defaults]
    transport = "psrp"            # psrp | ssh
    user = 'CONTOSO\\hvadmin'
    password_env = "HVTUI_PASSWORD"
    timeout = 60

    [[host]]
    name = "HV-NODE1"
    address = "hv-node1.contoso.com"
    group = "HVC01"
    scheme = "https"              # 5986, certificate verified
    ca_bundle = "/etc/ssl/contoso-ca.pem"

    [[host]]
    name = "HV-LEGACY"
    transport = "ssh"
    key = "~/.ssh/id_ed25519"
    identities_only = true        # offer only that key, even if the agent holds more
    jump = "jumpbox"

    [jump.jumpbox]
    address = "jump.contoso.com"
    user = "admin"

SSH hosts follow OpenSSH's conventions (see :mod:`hvtui.remote.ssh_config`):
``address`` is what one would type after ``ssh`` (a ``~/.ssh/config`` alias, a
DNS name, an FQDN, an IPv4 or IPv6 literal); ``~/.ssh/config`` fills in what the
inventory leaves out (port, user, key, known_hosts, host_key_policy, jump);
``jump`` names a ``[jump.NAME]`` table or, failing that, is read like ProxyJump
(``[user@]host[:port]``, a config alias, hops separated by commas).

Secrets never sit in the inventory: a ``password`` key is refused. Passwords come
from an environment variable (``password_env``), the OS keyring (``keyring =
"service-name"``, when the keyring package is installed), a file readable only by
its owner (``password_file``, like ``.pgpass``), or a prompt on a terminal.
"""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TextIO

from hvtui.errors import ConfigError

TRANSPORTS = ("psrp", "ssh")
_HOST_KEYS = {
    "name", "address", "group", "transport", "port", "scheme", "auth", "user", "password_env",
    "password_file", "keyring", "ca_bundle", "cert_thumbprint", "verify", "shell", "key",
    "known_hosts", "host_key_policy", "jump", "read_only", "timeout", "identities_only",
}
_SECRET_KEYS = {"password", "secret", "pass"}


def config_dir() -> Path:
    override = os.environ.get("HVTUI_CONFIG_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "hvtui"


def default_inventory_path() -> Path:
    return config_dir() / "inventory.toml"


@dataclass(frozen=True, slots=True)
class JumpHostConfig:
    name: str
    address: str
    port: int = 22
    user: str = ""
    key: str = ""
    known_hosts: str = ""
    identities_only: bool = False


@dataclass(frozen=True, slots=True)
class HostConfig:
    name: str
    address: str
    transport: str = "psrp"
    port: int = 0
    """0 = the transport's default (5986 https, 5985 http, 22 ssh)."""
    group: str = ""
    scheme: str = "https"
    auth: str = "negotiate"
    user: str = ""
    password_env: str = ""
    password_file: str = ""
    keyring: str = ""
    ca_bundle: str = ""
    cert_thumbprint: str = ""
    verify: bool = True
    shell: str = "powershell"
    key: str = ""
    known_hosts: str = ""
    host_key_policy: str = ""
    """"" (not set): ~/.ssh/config's StrictHostKeyChecking, else "strict"."""
    jump: str = ""
    identities_only: bool = False
    """Offer only ``key`` (OpenSSH's IdentitiesOnly); False leaves it to ~/.ssh/config."""
    read_only: bool = False
    timeout: float = 60.0

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        if self.transport == "ssh":
            return 22
        return 5986 if self.scheme == "https" else 5985


@dataclass(frozen=True, slots=True)
class Inventory:
    path: Path
    hosts: tuple[HostConfig, ...]
    jumps: Mapping[str, JumpHostConfig] = field(default_factory=dict)
    max_concurrency: int = 64

    @property
    def read_only(self) -> bool:
        """True when every host is marked read-only."""
        return bool(self.hosts) and all(h.read_only for h in self.hosts)


def _fail(path: Path, where: str, why: str, fix: str) -> ConfigError:
    return ConfigError(f"{path}: {where}: {why}", hint=fix)


def _check_no_secret(path: Path, where: str, table: Mapping[str, Any]) -> None:
    for key in table:
        if key.lower() in _SECRET_KEYS:
            raise _fail(path, where, f"'{key}' holds a secret in plain text",
                        "remove it and use password_env, keyring or password_file (mode 0600)")


def _typed(path: Path, where: str, key: str, value: Any, expected: type) -> Any:
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise _fail(path, where, f"'{key}' should be a {expected.__name__}, not {value!r}",
                    f"fix the value of '{key}'")
    return value


def _host(path: Path, index: int, table: Mapping[str, Any], defaults: Mapping[str, Any]
          ) -> HostConfig:
    where = f"[[host]] #{index + 1}"
    if not isinstance(table, Mapping):
        raise _fail(path, where, "is not a table", "write each host as a [[host]] table")
    _check_no_secret(path, where, table)
    merged = {**defaults, **table}
    unknown = sorted(set(merged) - _HOST_KEYS)
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(unknown)}",
                    f"known keys: {', '.join(sorted(_HOST_KEYS))}")
    name = merged.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _fail(path, where, "has no name", 'add name = "HOST"')
    where = f"host {name!r}"
    merged.setdefault("address", name)
    types = {f.name: f.type for f in fields(HostConfig)}
    values: dict[str, Any] = {}
    for key, value in merged.items():
        expected = {"str": str, "int": int, "bool": bool, "float": float}[str(types[key])]
        values[key] = _typed(path, where, key, value, expected)
    host = HostConfig(**values)
    if host.transport not in TRANSPORTS:
        raise _fail(path, where, f"transport {host.transport!r} is not one of "
                    f"{', '.join(TRANSPORTS)}", 'use transport = "psrp" or "ssh"')
    if host.scheme not in ("https", "http"):
        raise _fail(path, where, f"scheme {host.scheme!r}", 'use scheme = "https" or "http"')
    if host.host_key_policy not in ("", "strict", "accept-new"):
        raise _fail(path, where, f"host_key_policy {host.host_key_policy!r}",
                    'use "strict" (default) or "accept-new"')
    if host.shell not in ("powershell", "pwsh"):
        raise _fail(path, where, f"shell {host.shell!r}", 'use "powershell" or "pwsh"')
    return host


def load_inventory(path: str | Path) -> Inventory:
    """Read and validate an inventory file; every problem names the file, place and fix."""
    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"inventory {file} does not exist",
                          hint="check the path, or run without --inventory to use the lab"
                          ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"inventory {file} is not UTF-8 text (byte {exc.start}: "
                          f"{exc.object[exc.start:exc.start + 1]!r})",
                          hint="save it as UTF-8, as TOML requires") from None
    except OSError as exc:
        raise ConfigError(f"cannot read inventory {file}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML: {exc}",
                          hint="fix the line shown; strings need quotes") from None
    defaults = data.get("defaults", {})
    if not isinstance(defaults, Mapping):
        raise _fail(file, "[defaults]", "is not a table", "write [defaults] as a table")
    _check_no_secret(file, "[defaults]", defaults)
    max_concurrency = defaults.get("max_concurrency", 64)
    defaults = {k: v for k, v in defaults.items() if k != "max_concurrency"}
    raw_hosts = data.get("host", [])
    if not isinstance(raw_hosts, list) or not raw_hosts:
        raise _fail(file, "[[host]]", "no hosts listed", 'add at least one [[host]] with a name')
    hosts = tuple(_host(file, i, t, defaults) for i, t in enumerate(raw_hosts))
    seen: set[str] = set()
    for h in hosts:
        if h.name.lower() in seen:
            raise _fail(file, f"host {h.name!r}", "is listed twice", "remove the duplicate")
        seen.add(h.name.lower())
    jumps: dict[str, JumpHostConfig] = {}
    for jname, jtable in (data.get("jump") or {}).items():
        if not isinstance(jtable, Mapping):
            raise _fail(file, f"[jump.{jname}]", "is not a table", "write it as a table")
        _check_no_secret(file, f"[jump.{jname}]", jtable)
        try:
            jumps[jname] = JumpHostConfig(name=jname, **jtable)
        except TypeError as exc:
            raise _fail(file, f"[jump.{jname}]", str(exc), "use address, port, user, key, "
                        "known_hosts, identities_only") from None
    for h in hosts:
        if h.jump and h.jump not in jumps and h.transport != "ssh":
            raise _fail(file, f"host {h.name!r}", f"jump {h.jump!r} is not defined",
                        f"add a [jump.{h.jump}] table")
    return Inventory(path=file, hosts=hosts, jumps=jumps,
                     max_concurrency=int(max_concurrency))


def on_terminal(stream: TextIO | None) -> bool:
    """Whether ``stream`` is a terminal a person answers on (False when stdin is closed)."""
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):  # a closed or detached stream
        return False


def resolve_password(host: HostConfig, *, interactive: bool | None = None) -> str | None:
    """The host's password from env, keyring, owner-only file or a prompt; None if none is set.

    The value is returned to the caller that opens the connection and never logged.
    """
    if host.password_env:
        value = os.environ.get(host.password_env)
        if value is None:
            raise ConfigError(f"environment variable {host.password_env} is not set",
                              host=host.name, hint=f"export {host.password_env}=... first")
        return value
    if host.keyring:
        try:
            import keyring  # optional: only when the user installed it
        except ImportError:
            raise ConfigError("keyring = ... needs the 'keyring' package", host=host.name,
                              hint="pip install keyring, or use password_env") from None
        value = keyring.get_password(host.keyring, host.user)
        if value is None:
            raise ConfigError(f"no password for {host.user!r} in keyring {host.keyring!r}",
                              host=host.name,
                              hint=f"keyring set {host.keyring} {host.user}")
        return str(value)
    if host.password_file:
        file = Path(host.password_file).expanduser()
        try:
            mode = file.stat().st_mode
        except OSError:
            raise ConfigError(f"password_file {file} cannot be read", host=host.name,
                              hint="check the path") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"password_file {file} is readable by others", host=host.name,
                              hint=f"chmod 600 {file}")
        return file.read_text(encoding="utf-8").rstrip("\r\n")
    if host.transport == "ssh":
        return None  # keys and the agent
    if interactive is None:
        interactive = on_terminal(sys.stdin)
    if interactive:
        import getpass

        return getpass.getpass(f"Password for {host.user or 'you'} on {host.name}: ")
    raise ConfigError("no password source configured", host=host.name,
                      hint="set password_env, keyring or password_file in the inventory")
