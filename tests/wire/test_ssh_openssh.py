"""hvtui's SSH transport against a peer no one here wrote: Debian's OpenSSH server.

The sshd of the ``openssh`` fixture (default settings, MaxStartups 10:30:100
included) is the jump host in front of the lab's SSH endpoints, reached by name
(``localhost``), through the inventory and ``~/.ssh/config`` as a person would
write them, with a real ssh-agent holding an encrypted key.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from test_openssh_support import PASSPHRASE, OpenSSH, free_port

from hvtui.config import load_inventory
from hvtui.errors import AuthError, ConnectError, HvtuiError
from hvtui.hyperv.inventory import fetch_inventory
from hvtui.lab import Lab
from hvtui.lab.server.sshd import SSHLabServer
from hvtui.remote.pool import SessionPool
from hvtui.remote.ssh import SSHSession
from hvtui.remote.ssh_config import SSHEndpoint
from hvtui.remote.ssh_connect import SSHConnector
from hvtui.session_setup import inventory_pool, ssh_endpoint

LAB_USER = "labadmin"


@dataclass
class Served:
    lab: Lab
    sshd: SSHLabServer
    key: Path
    folder: Path

    @property
    def hosts(self) -> list[str]:
        return self.lab.host_names

    def trust_lines(self, name: str = "localhost") -> str:
        return "".join(self.sshd.known_hosts_line(h, name) + "\n" for h in self.hosts)


async def serve(folder: Path, hosts: int) -> Served:
    lab = Lab.generated(hosts, 1, instant=True)
    key = asyncssh.generate_private_key("ssh-ed25519")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lab_key").write_bytes(key.export_private_key())
    (folder / "lab_key").chmod(0o600)
    (folder / "lab_key.pub").write_bytes(key.export_public_key())
    sshd = SSHLabServer({h: lab.session(h) for h in lab.host_names}, users={LAB_USER: "x"},
                        authorized_keys=folder / "lab_key.pub")
    for name in lab.host_names:
        await sshd.listen(name)
    return Served(lab, sshd, folder / "lab_key", folder)


@pytest.fixture
async def lab30(tmp_path: Path) -> AsyncIterator[Served]:
    served = await serve(tmp_path / "lab", 30)
    yield served
    await served.sshd.close()


@pytest.fixture
def agent(openssh: OpenSSH, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("SSH_AUTH_SOCK", openssh.agent_socket)
    yield openssh.agent_socket


def inventory_text(served: Served, openssh: OpenSSH, *, known_hosts: Path,
                   jump_key: Path, hosts: list[str] | None = None, extra: str = "") -> str:
    lines = [
        "[defaults]", 'transport = "ssh"', f'user = "{LAB_USER}"', f"key = '{served.key}'",
        f"known_hosts = '{known_hosts}'", 'jump = "bastion"', "timeout = 30", "",
        "[jump.bastion]", 'address = "localhost"', f"port = {openssh.port}",
        f'user = "{openssh.user}"', f"key = '{jump_key}'", f"known_hosts = '{known_hosts}'",
        "",
    ]
    for host in hosts if hosts is not None else served.hosts:
        lines += ["[[host]]", f'name = "{host}"', 'address = "localhost"',
                  f"port = {served.sshd.port(host)}", ""]
    return "\n".join(lines) + extra


def no_prompt(prompt: str) -> str | None:
    raise AssertionError(f"hvtui asked for a passphrase it did not need: {prompt}")


def pool_with(path: Path, connector: SSHConnector) -> SessionPool:
    """inventory_pool's pool, with a connector whose passphrase prompt the test chooses."""
    return inventory_pool(load_inventory(path), connector=connector)


async def refresh_all(pool: SessionPool) -> dict[str, Any]:
    results = await asyncio.gather(*(fetch_inventory(pool, h) for h in pool.hosts),
                                   return_exceptions=True)
    return dict(zip(pool.hosts, results, strict=True))


# ------------------------------------------------------------------ names, jump sharing


async def test_thirty_hosts_by_name_through_one_default_sshd(
    openssh: OpenSSH, lab30: Served, agent: str, tmp_path: Path
) -> None:
    """localhost everywhere; the jump host's key is accepted and written once; one
    jump connection carries all 30 tunnels; the encrypted jump key comes from the agent."""
    known = tmp_path / "known_hosts"
    path = tmp_path / "inventory.toml"
    path.write_text(inventory_text(lab30, openssh, known_hosts=known,
                                   jump_key=openssh.agent_key)
                    .replace("timeout = 30", "timeout = 30\nhost_key_policy = 'accept-new'"),
                    encoding="utf-8")
    connector = SSHConnector(prompt=no_prompt)
    pool = pool_with(path, connector)
    try:
        results = await refresh_all(pool)
        failures = {h: r for h, r in results.items() if isinstance(r, BaseException)}
        assert not failures, next(iter(failures.values()))
        again = await refresh_all(pool)
        assert not [r for r in again.values() if isinstance(r, BaseException)]
    finally:
        await pool.close()
    jump_opened = {k: v for k, v in connector.opened.items() if k.startswith("jump host")}
    assert jump_opened == {f"jump host localhost:{openssh.port}": 1}
    lines = known.read_text(encoding="utf-8").splitlines()
    assert lines.count(openssh.known_hosts_line()) == 1
    assert len(lines) == 31  # the jump host once, each target once, all by name
    assert all(line.startswith("[localhost]:") for line in lines)


async def test_a_hundred_hosts_behind_one_default_sshd(
    openssh: OpenSSH, tmp_path: Path
) -> None:
    served = await serve(tmp_path / "lab", 100)
    known = tmp_path / "known_hosts"
    known.write_text(openssh.known_hosts_line() + "\n" + served.trust_lines(), encoding="utf-8")
    path = tmp_path / "inventory.toml"
    path.write_text(inventory_text(served, openssh, known_hosts=known,
                                   jump_key=openssh.plain_key), encoding="utf-8")
    pool = inventory_pool(load_inventory(path))
    try:
        results = await refresh_all(pool)
    finally:
        await pool.close()
        await served.sshd.close()
    failures = {h: str(r) for h, r in results.items() if isinstance(r, BaseException)}
    assert failures == {}
    assert "drop connection" not in openssh.log.read_text(errors="replace")


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
async def test_direct_hosts_by_name_and_address(
    lab30: Served, tmp_path: Path, name: str
) -> None:
    host = lab30.hosts[0]
    known = tmp_path / "known_hosts"
    known.write_text(lab30.sshd.known_hosts_line(host, name) + "\n", encoding="utf-8")
    endpoint = SSHEndpoint(name, port=lab30.sshd.port(host), username=LAB_USER,
                           keys=(str(lab30.key),), known_hosts=(str(known),),
                           global_known_hosts=())
    session = SSHSession(host, endpoint)
    try:
        assert (await fetch_inventory(_single(session), host)).vms
    finally:
        await session.close()


async def test_ipv6_literal(tmp_path: Path) -> None:
    lab = Lab.generated(1, 1, instant=True)
    host = lab.host_names[0]
    key = asyncssh.generate_private_key("ssh-ed25519")
    (tmp_path / "k.pub").write_bytes(key.export_public_key())
    (tmp_path / "k").write_bytes(key.export_private_key())
    (tmp_path / "k").chmod(0o600)
    sshd = SSHLabServer({host: lab.session(host)}, users={LAB_USER: "x"},
                        authorized_keys=tmp_path / "k.pub")
    try:
        await sshd.listen(host, address="::1")
    except OSError as exc:
        await sshd.close()
        pytest.skip(f"no IPv6 loopback here: {exc}")
    known = tmp_path / "known_hosts"
    known.write_text(sshd.known_hosts_line(host, "::1") + "\n", encoding="utf-8")
    assert known.read_text().startswith(f"[::1]:{sshd.port(host)} ")
    session = SSHSession(host, SSHEndpoint("::1", port=sshd.port(host), username=LAB_USER,
                                           keys=(str(tmp_path / "k"),),
                                           known_hosts=(str(known),), global_known_hosts=()))
    try:
        assert (await fetch_inventory(_single(session), host)).vms
    finally:
        await session.close()
        await sshd.close()


def _single(session: SSHSession) -> SessionPool:
    return SessionPool({session.host: lambda: session})


# ------------------------------------------------------------------ ~/.ssh/config


async def test_ssh_config_aliases_carry_everything(
    openssh: OpenSSH, lab30: Served, agent: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The inventory says only the alias; ~/.ssh/config says the rest, ProxyJump too."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    known = home / ".ssh" / "known_hosts"
    known.write_text(openssh.known_hosts_line() + "\n" + lab30.trust_lines(), encoding="utf-8")
    hosts = lab30.hosts[:3]
    config = [
        "Host bastion", "  HostName localhost", f"  Port {openssh.port}",
        f"  User {openssh.user}", f"  IdentityFile {openssh.agent_key}", "  IdentitiesOnly yes",
        "",
    ]
    for host in hosts:
        config += [f"Host {host.lower()}-alias", f"  Port {lab30.sshd.port(host)}"]
    config += ["", "Host *-alias", "  HostName localhost", f"  User {LAB_USER}",
               f"  IdentityFile {lab30.key}", "  ProxyJump bastion", "  ConnectTimeout 20"]
    (home / ".ssh" / "config").write_text("\n".join(config) + "\n", encoding="utf-8")
    path = tmp_path / "inventory.toml"
    path.write_text("".join(f'[[host]]\nname = "{h}"\ntransport = "ssh"\n'
                            f'address = "{h.lower()}-alias"\n\n' for h in hosts),
                    encoding="utf-8")
    inventory = load_inventory(path)
    endpoint = ssh_endpoint(inventory.hosts[0], inventory)
    assert (endpoint.address, endpoint.port, endpoint.username) == (
        "localhost", lab30.sshd.port(hosts[0]), LAB_USER)
    assert endpoint.connect_timeout == 20
    assert endpoint.jump is not None and endpoint.jump.identities_only
    assert endpoint.jump.label == f"bastion (localhost:{openssh.port})"
    connector = SSHConnector(prompt=no_prompt)
    pool = pool_with(path, connector)
    try:
        results = await refresh_all(pool)
    finally:
        await pool.close()
    assert all(not isinstance(r, BaseException) for r in results.values()), results
    assert connector.opened[f"jump host bastion (localhost:{openssh.port})"] == 1


# ------------------------------------------------------------------ keys and host keys


async def jump_session(openssh: OpenSSH, served: Served, tmp_path: Path,
                       connector: SSHConnector, **jump: Any) -> SSHSession:
    known = tmp_path / "known_hosts"
    if not known.exists():
        known.write_text(openssh.known_hosts_line() + "\n" + served.trust_lines(),
                         encoding="utf-8")
    host = served.hosts[0]
    settings: dict[str, Any] = {"port": openssh.port, "username": openssh.user,
                                "keys": (str(openssh.agent_key),),
                                "known_hosts": (str(known),), "global_known_hosts": ()}
    settings.update(jump)
    via = SSHEndpoint(jump.pop("address", "localhost"), **settings)
    return SSHSession(host, SSHEndpoint("localhost", port=served.sshd.port(host),
                                        username=LAB_USER, keys=(str(served.key),),
                                        known_hosts=(str(known),), global_known_hosts=(),
                                        jump=via), connector=connector)


async def call(session: SSHSession) -> None:
    try:
        await fetch_inventory(_single(session), session.host)
    finally:
        await session.close()


async def test_encrypted_key_without_agent_asks_once(
    openssh: OpenSSH, lab30: Served, tmp_path: Path
) -> None:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return PASSPHRASE

    connector = SSHConnector(prompt=prompt)
    for _ in range(2):
        await call(await jump_session(openssh, lab30, tmp_path, connector))
    assert len(asked) == 1 and str(openssh.agent_key) in asked[0]
    assert PASSPHRASE not in repr(connector.keys.__dict__)


def one_line(error: HvtuiError, host: str) -> str:
    text = str(error)
    assert "\n" not in text and host in text and error.hint, text
    assert "Traceback" not in text
    return text


async def test_agent_without_the_key_and_no_terminal(
    openssh: OpenSSH, lab30: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSH_AUTH_SOCK", openssh.empty_agent_socket)
    session = await jump_session(openssh, lab30, tmp_path, SSHConnector(prompt=lambda _: None))
    with pytest.raises(AuthError) as caught:
        await call(session)
    text = one_line(caught.value, session.host)
    assert "encrypted" in text and "no terminal" in text and "ssh-add" in text


async def test_wrong_passphrase(openssh: OpenSSH, lab30: Served, tmp_path: Path) -> None:
    session = await jump_session(openssh, lab30, tmp_path,
                                 SSHConnector(prompt=lambda _: "not it"))
    with pytest.raises(AuthError) as caught:
        await call(session)
    assert "wrong passphrase" in one_line(caught.value, session.host)


async def test_key_readable_by_others_is_refused(
    openssh: OpenSSH, lab30: Served, tmp_path: Path
) -> None:
    loose = tmp_path / "id_loose"
    loose.write_bytes(openssh.plain_key.read_bytes())
    loose.chmod(0o644)
    session = await jump_session(openssh, lab30, tmp_path, SSHConnector(), keys=(str(loose),))
    with pytest.raises(AuthError) as caught:
        await call(session)
    text = one_line(caught.value, session.host)
    assert "readable by others" in text and f"chmod 600 {loose}" in text


async def test_missing_key_file_is_named(
    openssh: OpenSSH, lab30: Served, tmp_path: Path
) -> None:
    missing = tmp_path / "id_nope"
    session = await jump_session(openssh, lab30, tmp_path, SSHConnector(),
                                 keys=(str(missing),))
    with pytest.raises(AuthError) as caught:
        await call(session)
    text = one_line(caught.value, session.host)
    assert f"{missing} does not exist" in text and "sshd" not in text


async def test_wrong_user_names_the_user_and_not_windows(
    openssh: OpenSSH, lab30: Served, tmp_path: Path, agent: str
) -> None:
    session = await jump_session(openssh, lab30, tmp_path, SSHConnector(),
                                 username="no-such-user")
    with pytest.raises(AuthError) as caught:
        await call(session)
    text = one_line(caught.value, session.host)
    assert "refused user 'no-such-user'" in text and "jump host" in text
    assert "Windows" not in text and "ProgramData" not in text


async def test_many_agent_keys_with_identities_only(
    openssh: OpenSSH, lab30: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """7 other keys in the agent: sshd's MaxAuthTries (6) is never reached with
    IdentitiesOnly, because only the configured key is offered."""
    agent = await asyncssh.connect_agent(openssh.empty_agent_socket)
    try:
        await agent.add_keys([asyncssh.generate_private_key("ssh-ed25519") for _ in range(7)])
        monkeypatch.setenv("SSH_AUTH_SOCK", openssh.empty_agent_socket)
        session = await jump_session(openssh, lab30, tmp_path, SSHConnector(),
                                     keys=(str(openssh.plain_key),), identities_only=True)
        await call(session)
    finally:
        await agent.remove_all()
        agent.close()


async def test_changed_host_key_type_shows_both_fingerprints(
    openssh: OpenSSH, lab30: Served, tmp_path: Path, agent: str
) -> None:
    old = asyncssh.generate_private_key("ecdsa-sha2-nistp256")
    old_line = f"[localhost]:{openssh.port} " + old.export_public_key().decode().strip()
    known = tmp_path / "known_hosts"
    known.write_text(old_line + "\n" + lab30.trust_lines(), encoding="utf-8")
    session = await jump_session(openssh, lab30, tmp_path, SSHConnector(),
                                 host_key_policy="accept-new")
    with pytest.raises(AuthError) as caught:
        await call(session)
    text = one_line(caught.value, session.host)
    assert "CHANGED" in text
    assert old.get_fingerprint("sha256") in text
    assert openssh.host_key.get_fingerprint("sha256") in text
    assert f"{known}:1" in text and "ssh-keygen -R" in text
    assert known.read_text(encoding="utf-8").splitlines()[0] == old_line  # nothing written


async def test_hashed_and_system_known_hosts(
    openssh: OpenSSH, lab30: Served, tmp_path: Path, agent: str
) -> None:
    """A hashed entry (HashKnownHosts yes) in a system-wide file trusts the jump host."""
    import base64
    import hashlib
    import hmac

    salt = b"0123456789abcdefghij"
    name = f"[localhost]:{openssh.port}".encode()
    hashed = (f"|1|{base64.b64encode(salt).decode()}|"
              f"{base64.b64encode(hmac.new(salt, name, hashlib.sha1).digest()).decode()}")
    system = tmp_path / "ssh_known_hosts"
    system.write_text(hashed + " " + openssh.known_hosts_line().split(" ", 1)[1] + "\n",
                      encoding="utf-8")
    user = tmp_path / "user_known_hosts"
    user.write_text(lab30.trust_lines(), encoding="utf-8")
    session = await jump_session(openssh, lab30, tmp_path, SSHConnector(),
                                 known_hosts=(str(user),), global_known_hosts=(str(system),))
    await call(session)


# ------------------------------------------------------------------ bad input


async def test_bad_inputs_fail_alone_with_one_clear_line(
    openssh: OpenSSH, lab30: Served, tmp_path: Path, agent: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    known = tmp_path / "known_hosts"
    known.write_text(openssh.known_hosts_line() + "\n" + lab30.trust_lines(), encoding="utf-8")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts, never speaks
    good = lab30.hosts[:4]
    text = inventory_text(lab30, openssh, known_hosts=known, jump_key=openssh.agent_key,
                          hosts=good)
    text += (
        '\n[[host]]\nname = "BAD-ALIAS"\naddress = "hv-typo-alias"\njump = ""\n'
        '\n[[host]]\nname = "BAD-DNS"\naddress = "no-such-host.invalid"\n'
        '\n[[host]]\nname = "BAD-JUMP"\njump = "closed"\naddress = "localhost"\n'
        f'port = {lab30.sshd.port(good[0])}\n'
        f'\n[[host]]\nname = "SILENT"\naddress = "localhost"\nport = {silent.getsockname()[1]}\n'
        'jump = ""\ntimeout = 2\n'
        f'\n[jump.closed]\naddress = "localhost"\nport = {free_port()}\nuser = "x"\n'
    )
    path = tmp_path / "inventory.toml"
    path.write_text(text, encoding="utf-8")
    pool = inventory_pool(load_inventory(path))
    try:
        results = await refresh_all(pool)
    finally:
        await pool.close()
        silent.close()
    for host in good:
        assert not isinstance(results[host], BaseException), results[host]
    lines = {h: one_line(results[h], h) for h in ("BAD-ALIAS", "BAD-DNS", "BAD-JUMP", "SILENT")}
    assert "not a Host alias in ~/.ssh/config" in lines["BAD-ALIAS"]
    assert "hv-typo-alias" in lines["BAD-ALIAS"]
    assert "no-such-host.invalid" in lines["BAD-DNS"]
    assert "jump host" in lines["BAD-JUMP"] and "refused" in lines["BAD-JUMP"]
    assert "systemctl status ssh" in lines["BAD-JUMP"]
    assert "Add-WindowsCapability" not in lines["BAD-JUMP"]
    assert "no answer" in lines["SILENT"]
    assert isinstance(results["SILENT"], ConnectError)
