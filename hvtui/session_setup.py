"""From command-line options to a SessionPool: the inventory's hosts, or the lab.

Order: ``--scenario`` (lab) > ``--inventory FILE`` > the default inventory file if it
exists > the embedded lab's default scenario.

The embedded lab is kept in the lab's state folder between runs (``hvtui.lab.kept``), so a
command sees what the one before it changed; this process holds the folder until the pool
closes (``hvtui.lab.state_folder`` says who waits and who is refused).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hvtui.config import HostConfig, Inventory, default_inventory_path, load_inventory
from hvtui.remote.base import Session
from hvtui.remote.pool import SessionFactory, SessionPool

if TYPE_CHECKING:
    from hvtui.lab.state_folder import Role
    from hvtui.remote.ssh_config import HostKeyPolicy, SSHEndpoint


@dataclass(frozen=True, slots=True)
class Source:
    """Where the pool's hosts come from."""

    label: str
    """``lab`` or the inventory file's path, for the header and messages."""
    read_only: bool = False
    read_only_hosts: frozenset[str] = frozenset()
    accounts: Mapping[str, str] = field(default_factory=dict)
    """Host -> the account hvtui signs in with there, for the audit log's ``remote_user``."""
    configs: tuple[HostConfig, ...] = ()
    """The inventory's hosts as configured (empty for the lab, whose hosts are in process)."""


LAB_ACCOUNT = "(embedded lab: no sign-in)"


def remote_account(host: HostConfig) -> str:
    """The account hvtui signs in to ``host`` with, as configured (never a secret)."""
    if host.user:
        return host.user
    if host.transport == "ssh":
        from hvtui.hyperv.audit import os_identity

        return f"{os_identity()[1]} (SSH default: the local account name)"
    return "(the current Kerberos ticket)"


def session_factory(host: HostConfig, inventory: Inventory,
                    connector: object | None = None) -> SessionFactory:
    """A factory opening the configured transport to ``host`` (nothing connects yet).

    SSH hosts of one pool share ``connector`` (an :class:`SSHConnector`): one
    connection per jump host, paced setup, keys unlocked once.
    """
    from hvtui.config import resolve_password

    if host.transport == "ssh":
        from hvtui.remote.ssh import SSHSession
        from hvtui.remote.ssh_connect import SSHConnector

        shared = connector if isinstance(connector, SSHConnector) else None

        def make_ssh() -> Session:
            endpoint = ssh_endpoint(host, inventory, password=resolve_password(host))
            return SSHSession(host.name, endpoint, connector=shared,
                              shell=host.shell)  # type: ignore[arg-type]

        return make_ssh

    from hvtui.remote.psrp import PSRPSession

    def make_psrp() -> Session:
        return PSRPSession(
            host.name, address=host.address, port=host.effective_port,
            scheme=host.scheme,  # type: ignore[arg-type]
            auth=host.auth,  # type: ignore[arg-type]
            username=host.user, password=resolve_password(host) or "",
            ca_bundle=str(Path(host.ca_bundle).expanduser()) if host.ca_bundle else None,
            cert_thumbprint=host.cert_thumbprint or None, verify=host.verify,
            connect_timeout=connect_timeout(host), operation_timeout=host.timeout,
        )

    return make_psrp


def ssh_endpoint(host: HostConfig, inventory: Inventory, *, password: str | None = None,
                 config_path: str | Path | None = None) -> SSHEndpoint:
    """Where and how to reach an SSH host: the inventory's word over ~/.ssh/config's."""
    from hvtui.remote.ssh_config import DEFAULT_CONFIG, Overrides, resolve

    config = DEFAULT_CONFIG if config_path is None else config_path
    timeout = connect_timeout(host)
    jump: SSHEndpoint | str | None = host.jump or None
    if host.jump in inventory.jumps:
        j = inventory.jumps[host.jump]
        jump = resolve(j.address, Overrides(
            port=j.port or None, user=j.user or None,
            keys=(str(Path(j.key).expanduser()),) if j.key else None,
            identities_only=j.identities_only or None,
            known_hosts=(str(Path(j.known_hosts).expanduser()),) if j.known_hosts else None,
            host_key_policy=_policy(host.host_key_policy),
        ), config_path=config, default_timeout=timeout)
    return resolve(host.address, Overrides(
        port=host.port or None, user=host.user or None,
        keys=(str(Path(host.key).expanduser()),) if host.key else None,
        identities_only=host.identities_only or None,
        known_hosts=(str(Path(host.known_hosts).expanduser()),) if host.known_hosts else None,
        host_key_policy=_policy(host.host_key_policy), password=password, jump=jump,
    ), config_path=config, default_timeout=timeout)


def _policy(value: str) -> HostKeyPolicy | None:
    return "accept-new" if value == "accept-new" else "strict" if value == "strict" else None


def connect_timeout(host: HostConfig) -> float:
    """Seconds to wait for a connection when nothing else says: within the call's timeout.

    The host's timeout covers a whole call, connecting included; connecting gives up a
    little earlier, so a host that never answers the handshake is reported as such
    (cannot connect, and why) rather than as a call that took too long.
    """
    return min(30.0, host.timeout - min(1.0, host.timeout / 4))


def inventory_pool(inventory: Inventory, connector: object | None = None) -> SessionPool:
    """The pool for an inventory; its SSH hosts share one connector (made here if None)."""
    if connector is None and any(h.transport == "ssh" for h in inventory.hosts):
        from hvtui.remote.ssh_connect import SSHConnector

        connector = SSHConnector()
    factories = {h.name: session_factory(h, inventory, connector) for h in inventory.hosts}
    timeouts = {h.name: h.timeout for h in inventory.hosts}  # each host keeps its own
    return SessionPool(factories, timeouts=timeouts, max_concurrency=inventory.max_concurrency)


def kept_lab_pool(scenario: str | Path | None, *, speed: float, role: Role) -> SessionPool:
    """A pool on the lab kept in :func:`hvtui.paths.lab_dir` (or a fresh one, saying why),
    held by this process until the pool closes. Raises LabInUse when the lab is busy.

    A folder that cannot be made or locked (a read-only or foreign state directory) gives
    a lab that is not kept; a run that changes it says so when it ends. (Such a folder
    usually holds the audit log too, and then no change is made at all.)
    """
    from hvtui.cli_io import say_error
    from hvtui.connect import pool_of
    from hvtui.lab.kept import KeptLab
    from hvtui.lab.state_folder import COMMAND_WAIT, LabFolder
    from hvtui.paths import lab_dir

    try:
        folder = LabFolder.take(lab_dir(), role, wait=COMMAND_WAIT,
                                waiting=lambda holder: say_error(
                                    f"waiting for {holder.describe()} to finish with the "
                                    f"embedded lab (up to {COMMAND_WAIT:g} s)"))
    except OSError as exc:
        return _unkept_lab_pool(scenario, speed, f"cannot use {lab_dir()} "
                                                 f"({exc.strerror or exc})")
    try:
        kept = KeptLab.open(folder, scenario, speed=speed)
    except BaseException:
        folder.release()
        raise
    if kept.notice:
        say_error(kept.notice)

    def finish() -> None:
        try:
            problem = kept.close()
        finally:
            folder.release()
        if problem:
            say_error(problem)

    return pool_of(kept.lab, on_close=finish)


def _unkept_lab_pool(scenario: str | Path | None, speed: float, why: str) -> SessionPool:
    from hvtui.cli_io import say_error
    from hvtui.connect import pool_of
    from hvtui.lab import Lab

    lab = Lab.from_scenario(scenario, speed=speed)
    changes: list[str] = []
    lab.on_change = lambda host, script: changes.append(script)

    def finish() -> None:
        if changes:
            say_error(f"this run's changes to the lab are not kept for the next one: {why}")

    return pool_of(lab, on_close=finish)


def open_pool(args: argparse.Namespace, *, prompts: bool = True,
              lab_role: Role = "cli") -> tuple[SessionPool, Source]:
    """The pool the command line asks for (see the module docstring for the order).

    ``prompts=False`` (the console, which holds the terminal): an encrypted SSH key
    the agent lacks is an error pointing at ssh-add, never a prompt under the UI.
    ``lab_role`` is who holds the embedded lab meanwhile (a command, or the console).
    """
    speed = getattr(args, "lab_speed", 1.0) or 1.0
    scenario = getattr(args, "scenario", None)
    if scenario:
        pool = kept_lab_pool(scenario, speed=speed, role=lab_role)
        return pool, Source(f"lab ({scenario})", accounts=dict.fromkeys(pool.hosts, LAB_ACCOUNT))
    path = getattr(args, "inventory", None)
    if path is None and default_inventory_path().exists():
        path = default_inventory_path()
    if path is None:
        pool = kept_lab_pool(None, speed=speed, role=lab_role)
        return pool, Source("lab", accounts=dict.fromkeys(pool.hosts, LAB_ACCOUNT))
    inventory = load_inventory(path)
    connector = None
    if not prompts and any(h.transport == "ssh" for h in inventory.hosts):
        from hvtui.remote.ssh_connect import SSHConnector

        connector = SSHConnector(prompt=lambda _: None)
    return inventory_pool(inventory, connector), Source(
        str(inventory.path), read_only=inventory.read_only,
        read_only_hosts=frozenset(h.name for h in inventory.hosts if h.read_only),
        accounts={h.name: remote_account(h) for h in inventory.hosts},
        configs=inventory.hosts,
    )
