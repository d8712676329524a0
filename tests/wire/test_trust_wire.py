"""The faults again, over both real transports: ``hvtui lab serve`` in its own process (WinRM
over HTTPS and SSH on 127.0.0.1), and ``hvtui --inventory`` as a person runs it.

- read-only covers every host a plan touches: a migration's destination, the node a
  cluster role moves to or a drain sends roles to, the replica server;
- a signal mid-migration ends ``interrupted`` in the audit log, naming the remote account;
- hostile names cross both protocols exactly (JSON) and reach the terminal inert (tables);
- a name two VMs answer to (case ignored) is refused.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile import RAW_CHARS, VM_NAMES, raw_leaks
from hostile import scenario as hostile_scenario
from same_names import scenario as names_scenario
from test_trust_cli import audit_lines, one_line_no_traceback, wait_for_progress

TRANSPORTS = ["psrp", "ssh"]


class Served:
    """A ``hvtui lab serve`` process and the inventory it wrote."""

    def __init__(self, root: Path, transport: str, scenario: Path | None, speed: str) -> None:
        self.root = root
        self.inventory = root / f"{transport}.toml"
        argv = [sys.executable, "-m", "hvtui.cli", "--lab-speed", speed]
        if scenario is not None:
            argv += ["--scenario", str(scenario)]
        argv += ["lab", "serve", "--transport", transport, "--write-inventory",
                 str(self.inventory)]
        self.proc = subprocess.Popen(argv, env=env(root / "server"), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     stdin=subprocess.DEVNULL)
        assert self.proc.stdout is not None
        lines = []
        for line in self.proc.stdout:
            lines.append(line)
            if line.strip() == "READY":
                break
        else:
            raise AssertionError("lab serve did not start:\n" + "".join(lines))

    def read_only(self, *hosts: str) -> Path:
        """A copy of the inventory with ``read_only = true`` on these hosts."""
        out = []
        for line in self.inventory.read_text().splitlines():
            out.append(line)
            if line.startswith("name = ") and line.split("=", 1)[1].strip(" '\"") in hosts:
                out.append("read_only = true")
        path = self.root / f"ro-{'-'.join(hosts)}-{self.inventory.name}"
        path.write_text("\n".join(out) + "\n")
        return path

    def close(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def env(state: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("HVTUI_")}
    out.update(HVTUI_STATE_DIR=str(state), HVTUI_CONFIG_DIR=str(state / "config"),
               COLUMNS="200")
    return out


@pytest.fixture(scope="module", params=TRANSPORTS)
def default_lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Served]:
    served = Served(tmp_path_factory.mktemp("lab"), request.param, None, "1")
    yield served
    served.close()


def hvtui(state: Path, inventory: Path, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "hvtui.cli", "--inventory", str(inventory),
                             *argv], env=env(state), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


def finished(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


# --- read-only covers every host a plan touches -------------------------------------------

READ_ONLY_CASES = {
    "migration destination": (("HV-DR1",), ["migrate", "LEGACY-SQL", "--to", "HV-DR1",
                                             "--include-storage", "--storage-path",
                                             "E:\\VMs\\LEGACY-SQL"]),
    "node a role moves to": (("HV-NODE2",), ["cluster", "move", "FS01", "--to", "HV-NODE2",
                                             "--host", "HV-NODE1"]),
    "node a drain sends roles to": (("HV-NODE1",), ["cluster", "drain", "HV-NODE2"]),
    "replica server": (("HV-DR1",), ["replica", "pause", "ERP-APP", "--host", "HV-LEGACY"]),
}


@pytest.mark.parametrize("case", list(READ_ONLY_CASES))
def test_read_only_covers_every_host_a_plan_touches(default_lab: Served, tmp_path: Path,
                                                   case: str) -> None:
    hosts, argv = READ_ONLY_CASES[case]
    code, out, err = finished(hvtui(tmp_path, default_lab.read_only(*hosts), *argv, "--yes"))
    assert code == 2, out + err
    # (the replica server is named as the host reports it: HV-DR1.contoso.local)
    assert f"Read-only host: {hosts[0]}" in out and "is read-only in the inventory" in out
    lines = audit_lines(tmp_path)
    assert [e["outcome"] for e in lines] == ["refused"]
    assert not any(e["outcome"] == "started" for e in lines)


# --- a signal mid-migration -----------------------------------------------------------------

def test_sigterm_mid_migration_over_the_wire_ends_interrupted(default_lab: Served,
                                                              tmp_path: Path) -> None:
    proc = hvtui(tmp_path, default_lab.inventory, "migrate", "LEGACY-SQL", "--to", "HV-DR1",
                 "--include-storage", "--storage-path", "E:\\VMs\\LEGACY-SQL", "--yes")
    try:
        wait_for_progress(proc)
    except AssertionError:
        proc.kill()
        raise
    proc.send_signal(signal.SIGTERM)
    code, out, err = finished(proc)
    assert code == 130, out + err
    assert "Interrupted: stopped by SIGTERM while 'Live-migrate LEGACY-SQL" in \
        one_line_no_traceback(err)
    started, last = audit_lines(tmp_path)
    assert (started["outcome"], last["outcome"]) == ("started", "interrupted")
    assert last["remote_user"] == "labadmin"  # the account hvtui signed in with there
    assert "state unknown: check with `hvtui get vms --host HV-LEGACY`" in str(last["message"])


# --- hostile names and case over the wire -----------------------------------------------------

@pytest.mark.parametrize("transport", TRANSPORTS)
def test_hostile_names_cross_the_wire_exactly_and_show_inert(tmp_path: Path,
                                                             transport: str) -> None:
    served = Served(tmp_path, transport, hostile_scenario(tmp_path / "hostile.toml"), "inf")
    try:
        code, out, err = finished(hvtui(tmp_path, served.inventory, "get", "vms", "-o", "json"))
        assert code == 0, err
        assert not set(out) & set(RAW_CHARS.replace("\n", ""))
        assert {r["name"] for r in json.loads(out)} >= set(VM_NAMES.values())
        code, out, err = finished(hvtui(tmp_path, served.inventory, "get", "vms"))
        assert code == 0 and not raw_leaks(out) and "bidi-Q1\\u202etxt.exeQ2" in out
        code, out, err = finished(hvtui(tmp_path, served.inventory, "vm", "stop",
                                        VM_NAMES["bel"], "--yes"))
        assert code == 0, out + err
        assert not raw_leaks(out + err) and "bel-Q1\\x07Q2" in out
    finally:
        served.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_name_two_vms_answer_to_is_refused_over_the_wire(tmp_path: Path,
                                                           transport: str) -> None:
    served = Served(tmp_path, transport, names_scenario(tmp_path / "names.toml"), "inf")
    try:
        code, out, err = finished(hvtui(tmp_path, served.inventory, "vm", "start", "Web01",
                                        "--host", "HV-A", "--yes"))
        assert code == 2, out + err
        assert 'answer to the name "web01"' in err or 'answer to the name "WEB01"' in err
        assert not (tmp_path / "audit.jsonl").exists() or not any(
            e["outcome"] == "started" for e in audit_lines(tmp_path))
    finally:
        served.close()
