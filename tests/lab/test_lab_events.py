"""The lab's event log through host-events (Get-WinEvent): the channels each host has, per
release, and the events its rules write where they happen (hvtui.lab.winevents)."""

from __future__ import annotations

from typing import Any

import pytest
from lab_console import console, output
from test_lab_support import default_lab, kinds, run

from hvtui.lab import winevents
from hvtui.lab.lab import Lab

CLUSTER = winevents.CLUSTER_OPERATIONAL

# One standalone host of each release in the default estate.
STANDALONE = [("HV-LEGACY", "2012"), ("HV-DR1", "2012 R2"), ("HV-2016", "2016"),
              ("HV-2019", "2019"), ("HV-2022", "2022"), ("HV-2025", "2025")]


async def _events(lab: Lab, host: str, **params: object
                  ) -> tuple[list[str], list[dict[str, Any]]]:
    params.setdefault("SinceMinutes", 60)
    result = await run(lab, host, "host-events", **params)
    assert result.ok and not result.had_errors, result.errors
    return ([str(c["Name"]) for c in kinds(result, "Channel")], kinds(result, "Event"))


@pytest.mark.parametrize(("host", "release"), STANDALONE)
async def test_a_standalone_host_has_no_failover_clustering_channel(host: str,
                                                                    release: str) -> None:
    lab = default_lab()
    found = lab.estate.host(host)
    assert found is not None and found.release.reference_key == release
    channels, _ = await _events(lab, host)
    assert channels == [winevents.VMMS_ADMIN, winevents.VMMS_OPERATIONAL,
                        winevents.WORKER_ADMIN]


async def test_a_cluster_node_has_the_clustering_and_high_availability_channels() -> None:
    channels, _ = await _events(default_lab(), "HV-NODE1")
    assert CLUSTER in channels and winevents.HA_ADMIN in channels


async def test_a_replica_that_fell_behind_logged_it_on_its_primary() -> None:
    # EXCH01 (HV-NODE2 -> HV-DR1) runs 24 minutes behind; ERP-APP (HV-LEGACY) is Critical.
    _, events = await _events(default_lab(), "HV-NODE2")
    [behind] = [e for e in events if e["Id"] == 32315]
    assert behind["Level"] == winevents.WARNING and "EXCH01" in behind["Message"]
    assert behind["Channel"] == winevents.VMMS_ADMIN
    assert behind["Provider"] == "Microsoft-Windows-Hyper-V-VMMS"
    # ERP-APP stalled 19 hours ago: outside the last hour, inside the last day.
    _, recent = await _events(default_lab(), "HV-LEGACY")
    assert not [e for e in recent if "ERP-APP" in e["Message"]]
    _, legacy = await _events(default_lab(), "HV-LEGACY", SinceMinutes=24 * 60)
    assert [(e["Id"], e["Level"]) for e in legacy if "ERP-APP" in e["Message"]] \
        == [(32315, winevents.ERROR)]


async def test_errors_and_warnings_only_unless_information_is_asked() -> None:
    lab = default_lab()
    await run(lab, "HV-2016", "vm-turn-off", Name="MÜN-FS01")
    stopped = await run(lab, "HV-2016", "vm-start", Name="MÜN-FS01")
    assert stopped.ok, stopped.errors
    _, quiet = await _events(lab, "HV-2016")
    assert all(e["Level"] <= winevents.WARNING for e in quiet)
    _, loud = await _events(lab, "HV-2016", Information=True)
    assert any(e["Id"] == 18500 and "MÜN-FS01" in e["Message"] for e in loud)


async def test_a_refused_migration_leaves_an_error_at_the_source() -> None:
    lab = default_lab()
    refused = await run(lab, "HV-2016", "vm-move", Name="MÜN-FS01", DestinationHost="HV-LEGACY",
                        IncludeStorage=True, DestinationStoragePath="D:\\Moved")
    assert not refused.ok
    _, events = await _events(lab, "HV-2016")
    [failed] = [e for e in events if e["Id"] == 21502]
    assert failed["Level"] == winevents.ERROR
    assert "MÜN-FS01" in failed["Message"] and refused.errors[0].message in failed["Message"]


async def test_a_drained_node_logs_it_in_its_own_clustering_channel() -> None:
    lab = default_lab()
    drained = await run(lab, "HV-NODE1", "cluster-node-suspend", NodeName="HV-NODE2",
                        Drain=True)
    assert drained.ok, drained.errors
    _, events = await _events(lab, "HV-NODE2", Information=True)
    moved = [e for e in events if e["Channel"] == CLUSTER]
    # each role moved off says so on the drained node (1641); a drain that worked logs no
    # failure (1677)
    assert moved and all(e["Id"] == 1641 for e in moved)
    assert all("from cluster node 'HV-NODE2'" in e["Message"] for e in moved)


async def test_a_completed_live_migration_logs_its_blackout_time_at_the_source() -> None:
    lab = default_lab()
    moved = await run(lab, "HV-LEGACY", "vm-move", Name="LEGACY-SQL", DestinationHost="HV-NODE1",
                      IncludeStorage=True, DestinationStoragePath="D:\\Hyper-V\\LEGACY-SQL")
    assert moved.ok, moved.errors
    _, events = await _events(lab, "HV-LEGACY", Information=True)
    [done] = [e for e in events if e["Id"] == 20415]
    assert "live migration of virtual machine 'LEGACY-SQL' with a blackout time of" \
        in done["Message"] and done["Level"] == winevents.INFORMATION


async def test_a_window_with_no_event_is_no_failure() -> None:
    channels, events = await _events(default_lab(), "HV-2022", SinceMinutes=1)
    assert channels and events == []


def test_get_winevent_names_a_missing_log_and_still_reads_the_others() -> None:
    """R-EVT-5: NoMatchingLogsFound is non-terminating; -ListLog's record has no target, a
    query's names the log, and the query goes on with the logs the host has."""
    lab = default_lab()
    missing = 'There is not an event log on the localhost computer that matches "{}".'
    listed = console(lab, "HV-2022", f"Get-WinEvent -ListLog '{CLUSTER}'")
    [error] = listed.errors
    assert error.message == missing.format(CLUSTER) and not error.target
    assert error.fqid.startswith("NoMatchingLogsFound,") and error.category == "ObjectNotFound"
    query = console(lab, "HV-LEGACY", "param($Logs) Get-WinEvent -FilterHashtable "
                    "@{LogName = $Logs; StartTime = [datetime]::UtcNow.AddDays(-2)}",
                    Logs=[CLUSTER, winevents.VMMS_ADMIN])
    [error] = query.errors
    assert error.message == missing.format(CLUSTER) and error.target == CLUSTER
    assert any("ERP-APP" in str(e["Message"]) for e in output(query)
               if isinstance(e, dict))
