"""OpenSSH's conventions without a network: known_hosts lookups and ~/.ssh/config."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import asyncssh
import pytest

from hvtui.errors import AuthError, ConfigError
from hvtui.remote.known_hosts import KnownHosts, host_pattern, patterns_match
from hvtui.remote.ssh_auth import read_identity
from hvtui.remote.ssh_config import Overrides, SSHEndpoint, local_user, parse_jump, resolve
from hvtui.remote.ssh_connect import HostKeyCheck

KEY = asyncssh.generate_private_key("ssh-ed25519")
OTHER = asyncssh.generate_private_key("ecdsa-sha2-nistp256")


def public(key: asyncssh.SSHKey) -> str:
    return key.export_public_key().decode("ascii").strip()


def hashed(name: str) -> str:
    salt = b"s" * 20
    digest = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"


@pytest.mark.parametrize(
    ("name", "port", "pattern"),
    [("localhost", 22, "localhost"), ("HV-Node1.Contoso.COM", 2222, "[hv-node1.contoso.com]:2222"),
     ("192.0.2.7", 22, "192.0.2.7"), ("2001:db8::7", 2200, "[2001:db8::7]:2200")],
)
def test_host_pattern_is_what_ssh_writes(name: str, port: int, pattern: str) -> None:
    assert host_pattern(name, port) == pattern


@pytest.mark.parametrize(
    ("patterns", "name", "matches"),
    [
        ("localhost", "localhost", True),
        ("*.contoso.com,!bad.contoso.com", "hv1.contoso.com", True),
        ("*.contoso.com,!bad.contoso.com", "bad.contoso.com", False),
        ("hv?", "hv1", True),
        ("HV1", "hv1", True),
        ("[localhost]:2222", "[localhost]:2222", True),
        ("localhost", "[localhost]:2222", False),  # port 22's key does not vouch for 2222
        (hashed("[localhost]:2222"), "[localhost]:2222", True),
        (hashed("[localhost]:2222"), "localhost", False),
    ],
)
def test_patterns_match_like_openssh(patterns: str, name: str, matches: bool) -> None:
    assert patterns_match(patterns, name) is matches


def test_user_and_system_files_are_both_read(tmp_path: Path) -> None:
    user, system = tmp_path / "known_hosts", tmp_path / "ssh_known_hosts"
    user.write_text(f"# comment\n\ngarbage line\nother {public(OTHER)}\n", encoding="utf-8")
    system.write_text(f"@cert-authority *.contoso.com {public(OTHER)}\n"
                      f"{hashed('hv1.contoso.com')} {public(KEY)}\n", encoding="utf-8")
    known = KnownHosts([user], [system])
    found = known.lookup("hv1.contoso.com")
    assert [(e.marker, e.key.public_data == KEY.public_data, e.path, e.line) for e in found] == [
        ("cert-authority", False, system, 1), (None, True, system, 2)]
    assert known.write_path == user


def test_record_writes_once_to_the_first_user_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "known_hosts"
    known = KnownHosts([path, tmp_path / "second"], [])
    assert known.record(["[localhost]:2222"], KEY) == [f"[localhost]:2222 {public(KEY)}"]
    assert known.record(["[localhost]:2222"], KEY) == []
    assert KnownHosts([path], []).record(["[localhost]:2222"], KEY) == []
    assert path.read_text(encoding="utf-8") == f"[localhost]:2222 {public(KEY)}\n"
    assert path.stat().st_mode & 0o777 == 0o600


def test_check_host_ip_refuses_an_address_with_another_key(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    path.write_text(f"192.0.2.7 {public(OTHER)}\n", encoding="utf-8")
    endpoint = SSHEndpoint("hv1.contoso.com", known_hosts=(str(path),), global_known_hosts=(),
                           host_key_policy="accept-new", check_host_ip=True)
    check = HostKeyCheck(endpoint, tunnelled=False)
    assert check.validate("192.0.2.7", KEY) is False
    text = str(check.refusal("HV1", ""))
    assert "CHANGED" in text and "address" in text and OTHER.get_fingerprint("sha256") in text
    # Off (OpenSSH's default), or through a jump host: the address is not used.
    for check_ip, tunnelled in ((False, False), (True, True)):
        fresh = tmp_path / f"kh-{check_ip}"
        fresh.write_text(f"192.0.2.7 {public(OTHER)}\n", encoding="utf-8")
        plain = HostKeyCheck(SSHEndpoint("hv1.contoso.com", known_hosts=(str(fresh),),
                                         global_known_hosts=(), host_key_policy="accept-new",
                                         check_host_ip=check_ip), tunnelled=tunnelled)
        assert plain.validate("192.0.2.7", KEY) is True


def test_check_host_ip_records_the_address_too(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    endpoint = SSHEndpoint("hv1.contoso.com", known_hosts=(str(path),), global_known_hosts=(),
                           host_key_policy="accept-new", check_host_ip=True)
    assert HostKeyCheck(endpoint, tunnelled=False).validate("192.0.2.7", KEY)
    assert [line.split()[0] for line in path.read_text().splitlines()] == [
        "hv1.contoso.com", "192.0.2.7"]


def test_known_key_types_are_negotiated_first(tmp_path: Path) -> None:
    path = tmp_path / "known_hosts"
    path.write_text(f"hv1 {public(OTHER)}\n", encoding="utf-8")
    options = HostKeyCheck(SSHEndpoint("hv1", known_hosts=(str(path),), global_known_hosts=()),
                           tunnelled=False).asyncssh_options()
    algorithms = options["server_host_key_algs"]
    assert algorithms[0] == "ecdsa-sha2-nistp256" and "ssh-ed25519" in algorithms


# ------------------------------------------------------------------ ~/.ssh/config


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config"
    path.write_text(text, encoding="utf-8")
    return path


def test_config_fills_what_the_inventory_leaves_out(tmp_path: Path) -> None:
    config = write_config(tmp_path, """
Host hv1 hv1-alias
    HostName hv-node1.contoso.com
    Port 2222
    User CONTOSO\\\\hvadmin
    IdentityFile ~/.ssh/id_hyperv
    IdentitiesOnly yes
    UserKnownHostsFile ~/.ssh/known_hosts_hyperv
    StrictHostKeyChecking accept-new
    ConnectTimeout 7
    ProxyJump admin@bastion:2200

Host bastion
    HostName jump.contoso.com
    IdentityFile ~/.ssh/id_jump

Host *
    User fallback
    Port 2022
""")
    endpoint = resolve("hv1-alias", config_path=config)
    assert endpoint.address == "hv-node1.contoso.com" and endpoint.port == 2222
    assert endpoint.username == "CONTOSO\\hvadmin"
    assert endpoint.keys is not None and endpoint.keys[0].endswith("id_hyperv")
    assert not endpoint.keys_explicit and endpoint.identities_only
    assert endpoint.known_hosts == ("~/.ssh/known_hosts_hyperv",)
    assert endpoint.host_key_policy == "accept-new" and endpoint.connect_timeout == 7
    assert endpoint.label == "hv1-alias (hv-node1.contoso.com:2222)"
    jump = endpoint.jump
    assert jump is not None
    assert (jump.address, jump.port, jump.username) == ("jump.contoso.com", 2200, "admin")
    assert jump.keys is not None and jump.keys[0].endswith("id_jump")

    said = resolve("hv1-alias", Overrides(port=22, user="other", keys=("/k",),
                                          host_key_policy="strict", jump="none"),
                   config_path=config)
    assert (said.port, said.username, said.keys, said.host_key_policy, said.jump) == (
        22, "other", ("/k",), "strict", None)
    assert said.keys_explicit


def test_no_config_means_openssh_defaults(tmp_path: Path) -> None:
    endpoint = resolve("localhost", config_path=tmp_path / "absent")
    assert (endpoint.address, endpoint.port, endpoint.username, endpoint.keys) == (
        "localhost", 22, "", None)
    assert endpoint.user == local_user() and endpoint.user  # never an empty user name
    assert endpoint.host_key_policy == "strict" and not endpoint.check_host_ip


@pytest.mark.parametrize(("value", "policy"), [("yes", "strict"), ("ask", "strict"),
                                               ("no", "accept-new"), ("accept-new", "accept-new")])
def test_strict_host_key_checking_values(tmp_path: Path, value: str, policy: str) -> None:
    config = write_config(tmp_path, f"StrictHostKeyChecking {value}\nCheckHostIP yes\n")
    endpoint = resolve("h", config_path=config)
    assert endpoint.host_key_policy == policy and endpoint.check_host_ip


def test_jump_chains_and_loops(tmp_path: Path) -> None:
    assert parse_jump("a,u@b:2200,[2001:db8::1]:22") == [
        (None, "a", None), ("u", "b", 2200), (None, "2001:db8::1", 22)]
    chained = resolve("t", Overrides(jump="a,b"), config_path=tmp_path / "absent")
    assert chained.jump is not None and chained.jump.address == "b"
    assert chained.jump.jump is not None and chained.jump.jump.address == "a"
    loop = write_config(tmp_path, "Host x\n  ProxyJump y\nHost y\n  ProxyJump x\n")
    with pytest.raises(ConfigError, match="loops"):
        resolve("x", config_path=loop)


def test_a_broken_config_line_is_named(tmp_path: Path) -> None:
    config = write_config(tmp_path, "Host h\n  Port twenty\n")
    with pytest.raises(ConfigError) as caught:
        resolve("h", config_path=config)
    assert "line 2" in str(caught.value) and "Port" in str(caught.value)


# ------------------------------------------------------------------ identity files


def test_encrypted_identity_shows_its_public_key_without_a_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "id_ed25519"
    path.write_bytes(KEY.export_private_key("openssh", "pass phrase"))
    path.chmod(0o600)
    identity = read_identity(path)
    assert identity.encrypted and identity.private is None
    assert identity.public is not None and identity.public.public_data == KEY.public_data


def test_identity_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "id_ed25519"
    path.write_bytes(KEY.export_private_key())
    path.chmod(0o640)
    with pytest.raises(AuthError, match="readable by others"):
        read_identity(path)
