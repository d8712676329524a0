"""Unit tests on the model: enums by name, releases, feature availability, estate merging."""

from __future__ import annotations

import datetime as dt

import pytest

from hvtui.model import (
    VM,
    Cluster,
    ClusterResourceState,
    Estate,
    Host,
    HostInventory,
    HostStatus,
    Replication,
    ReplicationHealth,
    ReplicationMode,
    ReplicationState,
    SharedVolume,
    VMState,
    release_of,
)
from hvtui.model.versions import ONLINE_VHDX_RESIZE, WS2012, WS2012R2, WS2022, parse_build


@pytest.mark.parametrize(
    ("version", "short"),
    [("6.2.9200", "2012"), ("6.3.9600", "2012 R2"), ("10.0.14393", "2016"),
     ("10.0.17763", "2019"), ("10.0.20348", "2022"), ("10.0.26100", "2025"),
     ("10.0.30000", "2025"), ("6.1.7601", "2012")],
)
def test_release_of_build(version: str, short: str) -> None:
    assert release_of(version).short == short


def test_parse_build_tolerates_junk() -> None:
    assert parse_build("6.3") == (6, 3, 0)
    assert parse_build("") == (0, 0, 0)
    assert parse_build("10.0.20348.1") == (10, 0, 20348)


def test_vm_state_compared_by_name_and_critical_base() -> None:
    assert VMState.parse("RunningCritical").is_critical
    assert VMState.parse("runningcritical").base is VMState.Running
    assert VMState.parse("Off").is_running is False
    assert VMState.parse("SomethingNew") is VMState.Other


def test_replication_mode_none_parses() -> None:
    assert ReplicationMode.parse("None") is ReplicationMode.None_
    assert str(ReplicationMode.None_) == "None"
    assert ReplicationMode.parse("ExtendedReplica") is ReplicationMode.ExtendedReplica


def test_feature_why_not_names_both_releases() -> None:
    assert ONLINE_VHDX_RESIZE.why_not(WS2012R2) is None
    reason = ONLINE_VHDX_RESIZE.why_not(WS2012)
    assert reason is not None and "2012 R2" in reason and "Windows Server 2012" in reason


def test_host_supported_versions_fall_back_to_release() -> None:
    old = Host(name="a", os_name="", os_version="6.2.9200")
    assert old.supported_versions == ("4.0",)
    new = Host(name="b", os_name="", os_version="10.0.20348")
    assert "10.0" in new.supported_versions and "5.0" not in new.supported_versions
    assert new.release is WS2022
    reported = Host(name="c", os_name="", os_version="10.0.17763", reported_versions=("9.0", "5.0"))
    assert reported.supported_versions == ("5.0", "9.0")


def test_replication_problem_in_plain_words() -> None:
    now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    ok = Replication("id", ReplicationMode.Primary, ReplicationState.Replicating,
                     ReplicationHealth.Normal, "A", "B", 30, now)
    assert ok.problem(now) is None
    late = Replication("id", ReplicationMode.Primary, ReplicationState.Replicating,
                       ReplicationHealth.Warning, "A", "B", 30, now - dt.timedelta(minutes=10))
    assert "10 min ago" in (late.problem(now) or "")
    paused = Replication("id", ReplicationMode.Primary, ReplicationState.Suspended,
                         ReplicationHealth.Critical, "A", "B", 300, now)
    assert "paused" in (paused.problem(now) or "")


def _inv(host: str, vms: tuple[VM, ...] = (), cluster: Cluster | None = None) -> HostInventory:
    return HostInventory(Host(name=host, os_name="", os_version="6.3.9600"), vms, cluster)


def test_estate_merges_clusters_and_finds_vms() -> None:
    c = Cluster("HVC01", shared_volumes=(SharedVolume("Volume1", "N1",
                ClusterResourceState.Online, path="C:\\ClusterStorage\\Volume1"),))
    vm1 = VM("1", "web", "N1", VMState.Running)
    vm2 = VM("1", "web", "DR", VMState.Off)  # a replica shares its primary's id
    estate = Estate((HostStatus("N1", _inv("N1", (vm1,), c)), HostStatus("N2", _inv("N2", (), c)),
                     HostStatus("DR", _inv("DR", (vm2,))), HostStatus("DEAD", error="refused")))
    assert [x.name for x in estate.clusters()] == ["HVC01"]
    assert len(estate.find_vms("web")) == 2
    assert estate.find_vms("WEB", host="dr") == [vm2]
    assert not estate.status("DEAD").reachable  # type: ignore[union-attr]
    assert c.on_shared_volume("C:\\ClusterStorage\\Volume1\\vm\\a.vhdx")
    assert not c.on_shared_volume("D:\\VMs\\a.vhdx")
    updated = estate.with_status(HostStatus("DEAD", _inv("DEAD")))
    assert updated.status("DEAD").reachable  # type: ignore[union-attr]
    assert len(updated.hosts) == 4


def test_error_messages_read_as_sentences() -> None:
    from hvtui.errors import ConnectError, RemoteTimeout

    refused = ConnectError("refused", host="HV1", hint="check WinRM")
    assert refused.user_message() == "Cannot connect to HV1: refused (check WinRM)"
    assert RemoteTimeout("no answer", host="HV1").user_message() == "Timed out on HV1: no answer"
