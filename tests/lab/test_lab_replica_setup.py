"""Setting up Hyper-V Replica on the lab: a host as a Replica server (Set-/Get-
VMReplicationServer, authorisation entries) and Enable-VMReplication with its refusals
(R-REP-1, R-REP-3, R-REP-5), then Start-VMInitialReplication."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lab_console import console, output, replication
from test_lab_support import default_lab, kinds, run

from hvtui.lab import Lab
from hvtui.lab.failures import (
    APP_CONSISTENT_NEEDS_HISTORY,
    EXTENDED_FREQUENCY_NOT_ALLOWED,
    EXTENDED_FREQUENCY_TOO_LOW,
    REPLICATE_TO_SAME_SERVER,
    REPLICATION_ALREADY_ENABLED,
)

ENABLE = ("Enable-VMReplication -VMName APP2016 -ReplicaServerName HV-2022 "
          "-ReplicaServerPort 80 -AuthenticationType Kerberos")


def errors(lab: Lab, host: str, text: str) -> list[str]:
    outcome = console(lab, host, text)
    return [e.message for e in outcome.errors]


def server(lab: Lab, host: str) -> dict[str, Any]:
    [found] = output(console(lab, host, "Get-VMReplicationServer"))
    assert isinstance(found, dict)
    return found


def replica_server_2022(lab: Lab, *extra: str) -> None:
    text = "Set-VMReplicationServer -ReplicationEnabled $true -AllowedAuthenticationType Kerberos"
    assert errors(lab, "HV-2022", " ".join((text, *extra))) == []


def test_a_fresh_host_is_not_a_replica_server_and_a_replica_host_is() -> None:
    lab = default_lab()
    assert server(lab, "HV-2022")["ReplicationEnabled"] is False
    dr1 = server(lab, "HV-DR1")
    assert dr1["ReplicationEnabled"] is True
    assert dr1["AllowedAuthenticationType"] == "Kerberos"
    assert dr1["KerberosAuthenticationPort"] == 80


def test_set_replication_server_changes_what_get_reads() -> None:
    lab = default_lab()
    replica_server_2022(lab, "-ReplicationAllowedFromAnyServer $false",
                        "-KerberosAuthenticationPort 8080")
    settings = server(lab, "HV-2022")
    assert settings["ReplicationEnabled"] is True
    assert settings["ReplicationAllowedFromAnyServer"] is False
    assert settings["KerberosAuthenticationPort"] == 8080


def test_certificate_authentication_needs_a_thumbprint() -> None:
    lab = default_lab()
    [message] = errors(lab, "HV-2022", "Set-VMReplicationServer -ReplicationEnabled $true "
                       "-AllowedAuthenticationType Certificate")
    assert "-CertificateThumbprint" in message
    assert server(lab, "HV-2022")["ReplicationEnabled"] is False


def test_whatif_changes_nothing() -> None:
    lab = default_lab()
    assert errors(lab, "HV-2022", "Set-VMReplicationServer -ReplicationEnabled $true -WhatIf") == []
    assert server(lab, "HV-2022")["ReplicationEnabled"] is False


def test_enable_needs_a_replica_server_on_the_other_end() -> None:
    lab = default_lab()
    [message] = errors(lab, "HV-2019", ENABLE)
    assert "not enabled as a Replica server" in message
    assert replication(lab, "HV-2019", "APP2016") == {}


def test_enable_refuses_the_same_server_a_wrong_port_and_other_frequencies() -> None:
    lab = default_lab()
    replica_server_2022(lab)
    assert errors(lab, "HV-2019", ENABLE.replace("HV-2022", "HV-2019")) == [
        REPLICATE_TO_SAME_SERVER]
    [port] = errors(lab, "HV-2019", ENABLE.replace("Port 80", "Port 443"))
    assert "does not accept Kerberos authentication on port 443" in port
    [frequency] = errors(lab, "HV-2019", ENABLE + " -ReplicationFrequencySec 60")
    assert "Use 30, 300 or 900 seconds" in frequency
    assert errors(lab, "HV-2019", ENABLE + " -VSSSnapshotFrequencyHour 4") == [
        APP_CONSISTENT_NEEDS_HISTORY]
    assert replication(lab, "HV-2019", "APP2016") == {}


def test_enable_then_initial_replication() -> None:
    lab = default_lab()
    replica_server_2022(lab)
    assert errors(lab, "HV-2019", ENABLE + " -ReplicationFrequencySec 30 -RecoveryHistory 4") == []
    primary = replication(lab, "HV-2019", "APP2016")["Simple"]
    replica = replication(lab, "HV-2022", "APP2016")["Simple"]
    assert primary["ReplicationState"] == "ReadyForInitialReplication"
    assert primary["ReplicationFrequencySec"] == 30
    assert replica["ReplicationMode"] == "Replica"
    assert replica["ReplicationState"] == "WaitingForInitialReplication"
    assert errors(lab, "HV-2019", ENABLE) == [REPLICATION_ALREADY_ENABLED.format("APP2016")]
    assert errors(lab, "HV-2019", "Start-VMInitialReplication -VMName APP2016") == []
    assert replication(lab, "HV-2019", "APP2016")["Simple"]["ReplicationState"] == "Replicating"
    assert replication(lab, "HV-2022", "APP2016")["Simple"]["ReplicationState"] == "Replicating"


def test_2012_has_no_frequency_parameter_and_replicates_every_5_minutes() -> None:
    lab = default_lab()
    text = ("Enable-VMReplication -VMName BUILD01 -ReplicaServerName HV-DR1 "
            "-ReplicaServerPort 80 -AuthenticationType Kerberos")
    [message] = errors(lab, "HV-LEGACY", text + " -ReplicationFrequencySec 30")
    assert "ReplicationFrequencySec" in message
    assert errors(lab, "HV-LEGACY", text) == []
    # The 2012 VMReplication has no ReplicationFrequencySec; the replica (2012 R2) shows 300.
    assert replication(lab, "HV-DR1", "BUILD01")["Simple"]["ReplicationFrequencySec"] == 300


def test_authorisation_entries_decide_who_may_replicate_and_where() -> None:
    lab = default_lab()
    replica_server_2022(lab, "-ReplicationAllowedFromAnyServer $false")
    [refused] = errors(lab, "HV-2019", ENABLE)
    assert "not authorized to receive replication from 'HV-2019.contoso.local'" in refused
    assert errors(lab, "HV-2022", "New-VMReplicationAuthorizationEntry -AllowedPrimaryServer "
                  "'*.contoso.local' -ReplicaStorageLocation 'C:\\Replicas' -TrustGroup DEFAULT"
                  ) == []
    [entry] = output(console(lab, "HV-2022", "Get-VMReplicationAuthorizationEntry"))
    assert entry["AllowedPrimaryServer"] == "*.contoso.local"
    assert len(server(lab, "HV-2022")["AuthorizationEntries"]) == 1
    assert errors(lab, "HV-2019", ENABLE) == []
    copy = lab.estate.hosts["hv-2022"].vms
    [replica] = [vm for vm in copy.values() if vm.name == "APP2016"]
    assert replica.path.startswith("C:\\Replicas\\")
    assert errors(lab, "HV-2022", "Remove-VMReplicationAuthorizationEntry "
                  "-AllowedPrimaryServer '*.contoso.local'") == []
    assert output(console(lab, "HV-2022", "Get-VMReplicationAuthorizationEntry")) == []


async def test_catalog_scripts_set_up_a_replica_server_and_replicate_to_it() -> None:
    lab = default_lab()
    result = await run(lab, "HV-2022", "replica-server", Enabled=True,
                       AuthenticationType="Kerberos", AllowAnyServer=False,
                       AllowedPrimaryServer="HV-2019.contoso.local",
                       EntryStorageLocation="C:\\Replicas")
    assert result.ok, result.errors
    [settings] = kinds(result, "ReplicaServer")
    assert settings["Enabled"] is True
    assert settings["AllowAnyServer"] is False
    assert settings["AllowedPrimaryServers"] == ["HV-2019.contoso.local"]
    result = await run(lab, "HV-2019", "replication-enable", VMName="APP2016",
                       ReplicaServer="HV-2022.contoso.local", Port=80,
                       AuthenticationType="Kerberos", FrequencySec=900, RecoveryHistory=2,
                       StartNow=True)
    assert result.ok, result.errors
    [record] = kinds(result, "Replication")
    assert (record["Mode"], record["State"], record["FrequencySec"]) == (
        "Primary", "Replicating", 900)


async def test_the_script_refuses_another_frequency_on_2012() -> None:
    lab = default_lab()
    result = await run(lab, "HV-LEGACY", "replication-enable", VMName="BUILD01",
                       ReplicaServer="HV-DR1", Port=80, AuthenticationType="Kerberos",
                       FrequencySec=30)
    assert not result.ok
    assert "every 300 seconds only" in result.errors[0].message
    assert replication(lab, "HV-LEGACY", "BUILD01") == {}


async def test_a_scheduled_initial_replication_starts_when_its_time_comes() -> None:
    lab = default_lab()
    replica_server_2022(lab)
    now = lab.clock.now()
    past = (now - dt.timedelta(minutes=5)).isoformat()
    result = await run(lab, "HV-2019", "replication-enable", VMName="APP2016",
                       ReplicaServer="HV-2022", Port=80, AuthenticationType="Kerberos",
                       StartTime=past)
    assert not result.ok and "in the past" in result.errors[0].message
    # Enable-VMReplication ran before the schedule was refused: the pair waits, as on a host.
    assert replication(lab, "HV-2019", "APP2016")["Simple"]["ReplicationState"] == \
        "ReadyForInitialReplication"
    [too_late] = errors(lab, "HV-2019", "Start-VMInitialReplication -VMName APP2016 "
                        "-InitialReplicationStartTime ([datetime]'"
                        f"{(now + dt.timedelta(days=8)).isoformat()}')")
    assert "at most 7 days ahead" in too_late
    soon = (now + dt.timedelta(hours=2)).isoformat()
    assert errors(lab, "HV-2019", "Start-VMInitialReplication -VMName APP2016 "
                  f"-InitialReplicationStartTime ([datetime]'{soon}')") == []
    assert replication(lab, "HV-2019", "APP2016")["Simple"]["ReplicationState"] == \
        "ReadyForInitialReplication"
    lab.clock.advance(2 * 3600 + 1)
    assert replication(lab, "HV-2019", "APP2016")["Simple"]["ReplicationState"] == "Replicating"
    assert replication(lab, "HV-2022", "APP2016")["Simple"]["ReplicationState"] == "Replicating"


def test_enable_on_a_replica_extends_replication_to_a_third_server() -> None:
    lab = default_lab()
    extend = ("Enable-VMReplication -VMName FS01 -ReplicaServerName HV-DR2 "
              "-ReplicaServerPort 80 -AuthenticationType Kerberos")
    # R-REP-2: never every 30 s, and no more often than the primary sends (FS01: 900 s).
    assert errors(lab, "HV-DR1", extend + " -ReplicationFrequencySec 30") == [
        EXTENDED_FREQUENCY_NOT_ALLOWED.format(30)]
    assert errors(lab, "HV-DR1", extend + " -ReplicationFrequencySec 300") == [
        EXTENDED_FREQUENCY_TOO_LOW]
    assert errors(lab, "HV-DR1", extend.replace("HV-DR2", "HV-NODE1") +
                  " -ReplicationFrequencySec 900") == [REPLICATE_TO_SAME_SERVER]
    assert errors(lab, "HV-DR1", extend + " -ReplicationFrequencySec 900") == []
    assert errors(lab, "HV-DR1", "Start-VMInitialReplication -VMName FS01") == []
    extended = replication(lab, "HV-DR2", "FS01")["Extended"]
    assert (extended["ReplicationMode"], extended["ReplicationState"]) == (
        "ExtendedReplica", "Replicating")
    # Extended once: enabling again is refused as for any replicating VM.
    assert errors(lab, "HV-DR1", extend + " -ReplicationFrequencySec 900") == [
        REPLICATION_ALREADY_ENABLED.format("FS01")]
