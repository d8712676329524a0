"""From command-line options to a SessionPool: the inventory's hosts, or the lab.

Order: ``--scenario`` (lab) > ``--inventory FILE`` > the default inventory file if it
exists > the embedded lab's default scenario.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from hvtui.config import HostConfig, Inventory, default_inventory_path, load_inventory
from hvtui.connect import lab_pool
from hvtui.remote.base import Session
from hvtui.remote.pool import SessionFactory, SessionPool


@dataclass(frozen=True, slots=True)
class Source:
    """Where the pool's hosts come from."""

    label: str
    """``lab`` or the inventory file's path, for the header and messages."""
    read_only: bool = False
    read_only_hosts: frozenset[str] = frozenset()


def session_factory(host: HostConfig, inventory: Inventory) -> SessionFactory:
    """A factory opening the configured transport to ``host`` (nothing connects yet)."""
    from hvtui.config import resolve_password

    if host.transport == "ssh":
        from hvtui.remote.ssh import JumpHost, SSHSession

        jump = None
        if host.jump:
            j = inventory.jumps[host.jump]
            jump = JumpHost(j.address, port=j.port, username=j.user,
                            keys=(str(Path(j.key).expanduser()),) if j.key else None,
                            known_hosts=str(Path(j.known_hosts).expanduser())
                            if j.known_hosts else None)

        def make_ssh() -> Session:
            return SSHSession(
                host.name, address=host.address, port=host.effective_port, username=host.user,
                shell=host.shell,  # type: ignore[arg-type]
                client_keys=[str(Path(host.key).expanduser())] if host.key else None,
                password=resolve_password(host),
                known_hosts=str(Path(host.known_hosts).expanduser()) if host.known_hosts else None,
                host_key_policy=host.host_key_policy,  # type: ignore[arg-type]
                jump_host=jump, connect_timeout=min(host.timeout, 30.0),
            )

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
            connect_timeout=min(host.timeout, 30.0), operation_timeout=host.timeout,
        )

    return make_psrp


def inventory_pool(inventory: Inventory) -> SessionPool:
    factories = {h.name: session_factory(h, inventory) for h in inventory.hosts}
    timeout = max((h.timeout for h in inventory.hosts), default=60.0)
    return SessionPool(factories, max_concurrency=inventory.max_concurrency, timeout=timeout)


def open_pool(args: argparse.Namespace) -> tuple[SessionPool, Source]:
    """The pool the command line asks for (see the module docstring for the order)."""
    speed = getattr(args, "lab_speed", 1.0) or 1.0
    scenario = getattr(args, "scenario", None)
    if scenario:
        return lab_pool(scenario, speed=speed), Source(f"lab ({scenario})")
    path = getattr(args, "inventory", None)
    if path is None and default_inventory_path().exists():
        path = default_inventory_path()
    if path is None:
        return lab_pool(None, speed=speed), Source("lab")
    inventory = load_inventory(path)
    return inventory_pool(inventory), Source(
        str(inventory.path), read_only=inventory.read_only,
        read_only_hosts=frozenset(h.name for h in inventory.hosts if h.read_only),
    )
