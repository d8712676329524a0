"""``hvtui replica server`` and ``hvtui replica enable`` on the embedded lab: a host made a
Replica server that admits one primary, a VM replicated to it end to end, and the refusals
the pre-flight names before anything runs (not a Replica server, a primary it does not
admit, authentication it does not accept, 2012's fixed frequency, the same cluster, a VM
already replicating). The lab's estate is kept in the test's state folder, so each command
sees what the one before it changed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from lab_cli import audit, flat, run_cli

from hvtui.cli import build_parser
from hvtui.cli_replsetup import ENABLE_HELP, SERVER_HELP
from hvtui.hyperv.replica_setup import (
    ALREADY_ENABLED,
    EXTENDED_FREQUENCY_TOO_LOW,
    SAME_CLUSTER,
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code, out, err = run_cli(capsys, "replica", *argv)
    return code, flat(out), err


def test_enable_to_a_host_that_is_no_replica_server_is_refused_with_the_fix(
        capsys: pytest.CaptureFixture[str], state_dir: Path) -> None:
    code, out, _ = run(capsys, "enable", "APP2016", "--to", "HV-2022", "--dry-run")
    assert code == 2
    assert "FAIL APP2016: Replica server: HV-2022 is not a Replica server" in out
    assert "fix: make it one first: hvtui replica server HV-2022 --enable" in out
    assert audit(state_dir) == []


def test_a_replica_server_for_one_primary_then_replication_to_it(
        capsys: pytest.CaptureFixture[str], state_dir: Path) -> None:
    code, out, err = run(capsys, "server", "HV-2022", "--enable", "--only-authorised",
                         "--allow", "hv-2016.*", "--entry-storage", "C:\\Replica", "--yes")
    assert code == 0, out + err
    assert ("Set-VMReplicationServer -ReplicationEnabled:$true -AllowedAuthenticationType "
            "'Kerberos' -ReplicationAllowedFromAnyServer:$false" in out)
    assert ("New-VMReplicationAuthorizationEntry -AllowedPrimaryServer 'hv-2016.*' "
            "-ReplicaStorageLocation 'C:\\Replica' -TrustGroup 'DEFAULT'" in out)
    # HV-2019 is not admitted: the pre-flight says so and how to admit it.
    code, out, _ = run(capsys, "enable", "APP2016", "--to", "HV-2022", "--dry-run")
    assert code == 2
    assert ("HV-2022 admits only the primaries of its authorisation entries, and none matches "
            "HV-2019.contoso.local" in out)
    assert "fix: add one: hvtui replica server HV-2022 --allow HV-2019.contoso.local" in out
    # HV-2016 is.
    code, out, err = run(capsys, "enable", "MÜN-FS01", "--to", "HV-2022", "--frequency", "30",
                         "--recovery-points", "4", "--yes")
    assert code == 0, out + err
    assert ("HV-2022 admits HV-2016 (an authorisation entry); the replica is stored in "
            "C:\\Replica" in out)
    assert ("on HV-2016: Enable-VMReplication -VMName 'MÜN-FS01' -ReplicaServerName "
            "'HV-2022.contoso.local' -ReplicaServerPort 80 -AuthenticationType 'Kerberos' "
            "-RecoveryHistory 4 -ReplicationFrequencySec 30; Start-VMInitialReplication "
            "-VMName 'MÜN-FS01'" in out)
    assert "Done: 1 of 1 step(s) succeeded." in out
    assert [(e["host"], e["operation"], e["outcome"]) for e in audit(state_dir)
            if e["outcome"] != "started"] == [
        ("HV-2022", "replica-server", "succeeded"), ("HV-2016", "replication-enable",
                                                     "succeeded")]
    code, out, _ = run_cli(capsys, "get", "replicas", "-o", "json")
    copies = {(r["host"], r["mode"], r["state"]) for r in json.loads(out)
              if r["vm"] == "MÜN-FS01"}
    assert copies == {("HV-2016", "Primary", "Replicating"),
                      ("HV-2022", "Replica", "Replicating")}
    # Now it replicates: enabling again is refused with the host's words (R-REP-5).
    code, out, _ = run(capsys, "enable", "MÜN-FS01", "--host", "HV-2016", "--to", "HV-2022",
                       "--dry-run")
    assert code == 2 and ALREADY_ENABLED.format("MÜN-FS01") in out


def test_later_leaves_the_pair_waiting_for_the_initial_copy(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "enable", "DR-DC02", "--to", "HV-DR2", "--initial", "later",
                         "--yes")
    assert code == 0, out + err
    assert "Start-VMInitialReplication" not in out.split("Afterwards:")[0]
    assert "start the initial copy on HV-DR1 with Start-VMInitialReplication" in out
    code, out, _ = run_cli(capsys, "get", "replicas", "-o", "json")
    [primary] = [r for r in json.loads(out) if r["vm"] == "DR-DC02" and r["host"] == "HV-DR1"]
    assert primary["state"] == "ReadyForInitialReplication"


@pytest.mark.parametrize(("argv", "words"), [
    (["enable", "BUILD01", "--to", "HV-DR1", "--frequency", "30"],
     "HV-LEGACY runs Windows Server 2012, which replicates every 5 minutes only"),
    (["enable", "PRINT01", "--to", "HV-NODE1"], SAME_CLUSTER),
    (["enable", "DR-DC02", "--to", "HV-DR2", "--auth", "certificate", "--thumbprint", "AB12"],
     "HV-DR2 accepts Kerberos authentication only, not Certificate"),
    (["enable", "DR-DC02", "--to", "HV-DR2", "--port", "8080"],
     "HV-DR2 listens for Kerberos on port 80, not 8080"),
    (["enable", "DR-DC02", "--to", "HV-DR2", "--recovery-points", "25"],
     "25 additional recovery points: the replica keeps 0 to 24"),
    (["enable", "WIN2022-DC", "--to", "HV-DR1"],
     "HV-DR1 (2012 R2) cannot hold a version 10.0 VM"),
    (["server", "HV-2022", "--enable", "--auth", "Certificate"],
     "Certificate authentication needs the thumbprint of HV-2022's certificate"),
    (["server", "HV-2022", "--enable", "--storage", "Q:\\Replica"],
     "Q:\\Replica is not on a volume of HV-2022"),
], ids=["2012-frequency", "same-cluster", "auth", "port", "points", "version", "thumbprint",
        "storage"])
def test_refusals_name_what_the_host_would_refuse(capsys: pytest.CaptureFixture[str],
                                                  argv: list[str], words: str) -> None:
    code, out, _ = run(capsys, *argv, "--dry-run")
    assert code == 2, out
    assert words in out and "Nothing will run" in out


def test_json_output_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "replica", "enable", "DR-DC02", "--to", "HV-DR2",
                           "--frequency", "900", "--yes", "-o", "json")
    assert code == 0
    document = json.loads(out)
    assert document["plan"]["steps"][0]["host"] == "HV-DR1"
    assert "-ReplicationFrequencySec 900" in document["plan"]["steps"][0]["command"]
    assert [s["outcome"] for s in document["result"]["steps"]] == ["succeeded"]


def test_help_names_the_cmdlets() -> None:
    parser = build_parser()
    assert parser.parse_args(["replica", "enable", "VM", "--to", "H"]).make_request
    assert parser.parse_args(["replica", "server", "H"]).make_request
    for short in (ENABLE_HELP, SERVER_HELP):
        assert "-VMReplication" in short.split("(")[-1]


def test_a_scheduled_initial_copy_and_its_refusals(capsys: pytest.CaptureFixture[str]) -> None:
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M+00:00")
    code, out, err = run(capsys, "enable", "DR-DC02", "--to", "HV-DR2", "--initial",
                         "scheduled", "--start-time", soon, "--yes")
    assert code == 0, out + err
    assert (f"Start-VMInitialReplication -VMName 'DR-DC02' -InitialReplicationStartTime "
            f"([datetime]'{soon[:16]}:00+00:00')" in out)
    code, out, _ = run_cli(capsys, "get", "replicas", "-o", "json")
    [primary] = [r for r in json.loads(out) if r["vm"] == "DR-DC02" and r["host"] == "HV-DR1"]
    assert primary["state"] == "ReadyForInitialReplication"
    code, out, _ = run(capsys, "enable", "JUMP01", "--to", "HV-DR2", "--start-time",
                       "2020-01-01 10:00", "--dry-run")
    assert code == 2 and "2020-01-01 10:00 is in the past" in out
    code, out, err = run(capsys, "enable", "JUMP01", "--to", "HV-DR2", "--initial", "scheduled")
    assert code == 2 and "--initial scheduled needs --start-time" in out + err


def test_enable_on_a_replica_extends_it_and_refuses_a_faster_frequency(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "enable", "FS01", "--host", "HV-DR1", "--to", "HV-DR2",
                       "--frequency", "300", "--dry-run")
    assert code == 2
    assert EXTENDED_FREQUENCY_TOO_LOW + " (the primary sends every 900 s)" in out
    code, out, _ = run(capsys, "enable", "SQL01", "--host", "HV-DR1", "--to", "HV-DR2",
                       "--frequency", "900", "--dry-run")  # it extends already
    assert code == 2 and ALREADY_ENABLED.format("SQL01") in out
    code, out, err = run(capsys, "enable", "FS01", "--host", "HV-DR1", "--to", "HV-DR2",
                         "--frequency", "900", "--yes")
    assert code == 0, out + err
    assert "Plan: Extend replication: FS01 from HV-DR1 to HV-DR2" in out
    assert "on HV-DR1: Enable-VMReplication -VMName 'FS01' -ReplicaServerName" in out
    code, out, _ = run_cli(capsys, "get", "replicas", "-o", "json")
    [replica] = [r for r in json.loads(out) if r["vm"] == "FS01" and r["host"] == "HV-DR1"]
    assert replica["extended"] == "HV-DR2.contoso.local"
