"""The inventory file: validation messages name the file, place and fix; secrets stay out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hvtui.config import load_inventory, resolve_password
from hvtui.errors import ConfigError

GOOD = """
[defaults]
user = 'CONTOSO\\hvadmin'
password_env = "HVTUI_TEST_PW"
max_concurrency = 200

[[host]]
name = "HV-NODE1"
address = "hv-node1.contoso.com"
group = "HVC01"
ca_bundle = "/etc/ssl/ca.pem"

[[host]]
name = "HV-LEGACY"
transport = "ssh"
key = "~/.ssh/id_ed25519"
jump = "jumpbox"
read_only = true

[jump.jumpbox]
address = "jump.contoso.com"
user = "admin"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inventory.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_inventory(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, GOOD))
    node, legacy = inv.hosts
    assert node.effective_port == 5986 and node.scheme == "https"
    assert node.user == "CONTOSO\\hvadmin"
    assert legacy.effective_port == 22 and legacy.read_only and inv.jumps["jumpbox"].user == "admin"
    assert inv.max_concurrency == 200 and not inv.read_only


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[host]]\nname = "a"\npassword = "hunter2"\n', "secret in plain text"),
        ('[[host]]\nname = "a"\ntransport = "telnet"\n', "transport 'telnet'"),
        ('[[host]]\nname = "a"\nport = "5986"\n', "'port' should be a int"),
        ('[[host]]\nname = "a"\nbogus = 1\n', "unknown key(s) bogus"),
        ('[[host]]\naddress = "x"\n', "has no name"),
        ('[[host]]\nname = "a"\n[[host]]\nname = "A"\n', "listed twice"),
        ('[[host]]\nname = "a"\njump = "j"\n', "jump 'j' is not defined"),
        ('[[host]\nname = "a"\n', "not valid TOML"),
        ("", "no hosts listed"),
    ],
)
def test_bad_inventory_says_what_and_where(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_inventory(write(tmp_path, text))
    message = err.value.user_message()
    assert expected in message and "inventory.toml" in message
    assert "hunter2" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_inventory(tmp_path / "nope.toml")


def test_password_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inv = load_inventory(write(tmp_path, GOOD))
    node = inv.hosts[0]
    monkeypatch.delenv("HVTUI_TEST_PW", raising=False)
    with pytest.raises(ConfigError, match="HVTUI_TEST_PW is not set"):
        resolve_password(node)
    monkeypatch.setenv("HVTUI_TEST_PW", "s3cret")
    assert resolve_password(node) == "s3cret"

    secret = tmp_path / "pw"
    secret.write_text("from-file\n")
    os.chmod(secret, 0o644)
    text = GOOD.replace('password_env = "HVTUI_TEST_PW"', f'password_file = "{secret}"')
    filed = load_inventory(write(tmp_path, text)).hosts[0]
    with pytest.raises(ConfigError, match="readable by others"):
        resolve_password(filed)
    os.chmod(secret, 0o600)
    assert resolve_password(filed) == "from-file"

    bare = load_inventory(write(tmp_path, '[[host]]\nname = "a"\n')).hosts[0]
    with pytest.raises(ConfigError, match="no password source"):
        resolve_password(bare, interactive=False)
