"""Unplanned failover to a chosen recovery point: the lab lists a replica's recovery points
(Get-VMSnapshot -SnapshotType Replica: the latest and the hourly ones -RecoveryHistory
keeps), Start-VMFailover -VMRecoverySnapshot fails over to one, and ``hvtui replica failover
VM --recovery-point`` picks it by time or Id and refuses one it does not have, listing them."""

from __future__ import annotations

import pytest
from lab_cli import flat, run_cli
from lab_console import console, output
from test_lab_support import default_lab, run

from hvtui.lab import Lab, recovery


def names(lab: Lab, host: str, text: str) -> list[str]:
    found = output(console(lab, host, text))
    return [str(o) for o in found]


def test_a_replica_lists_its_latest_and_hourly_recovery_points() -> None:
    lab = default_lab()
    # FS01 keeps 4 hourly points (the scenario's recovery_points) besides the latest.
    points = names(lab, "HV-DR1", "Get-VMSnapshot -VMName FS01 -SnapshotType Replica | "
                   "ForEach-Object { $_.Name }")
    assert len(points) == 5
    assert all(p.startswith("FS01 - Standard Replica - (") for p in points)
    assert names(lab, "HV-DR1", "Get-VMSnapshot -VMName FS01 -SnapshotType Standard") == []
    # The primary has none; a replica that keeps no history has its latest point only.
    assert names(lab, "HV-NODE1", "Get-VMSnapshot -VMName FS01 -SnapshotType Replica") == []
    assert len(names(lab, "HV-DR1", "Get-VMSnapshot -VMName EXCH01 -SnapshotType Replica")) == 1


async def test_failover_to_a_chosen_point_and_a_point_that_is_gone() -> None:
    lab = default_lab()
    replica = next(v for v in lab.estate.hosts["hv-dr1"].vms.values() if v.name == "FS01")
    points = recovery.recovery_points(lab.estate, replica)
    chosen = points[2]
    result = await run(lab, "HV-DR1", "replica-failover-point", VMName="FS01",
                       RecoveryPointId="0" * 8 + chosen.id[8:])
    assert not result.ok and "has no recovery point" in result.errors[0].message
    result = await run(lab, "HV-DR1", "replica-failover-point", VMName="FS01",
                       RecoveryPointId=chosen.id)
    assert result.ok, result.errors
    [record] = [o for o in result.objects if o.get("Kind") == "Replication"]
    assert record["State"] == "FailedOverWaitingCompletion"
    link = lab.estate.replications[replica.id].primary
    assert link.recovery_point is not None
    assert lab.estate.clock.at(link.recovery_point) == chosen.created


def test_the_command_picks_a_point_by_time_and_lists_them_when_wrong(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "replica", "failover", "FS01", "--recovery-point",
                             "yesterday", "--dry-run")
    assert code == 2
    assert "FS01 on HV-DR1 has 5 recovery point(s), and 'yesterday' is not one of them" in err
    listed = err.split("give a time or the start of an Id: ")[1]
    third = listed.split("; ")[2]  # "YYYY-MM-DD HH:MM (abcdef12)"
    when, short = third[:16], third[18:26]
    code, out, err = run_cli(capsys, "replica", "failover", "FS01", "--recovery-point", when,
                             "--dry-run")
    out = flat(out)
    assert code == 0, out + err
    assert f"changes after the recovery point {when} are lost" in out
    assert ("on HV-DR1: $point = Get-VMSnapshot -VMName 'FS01' -SnapshotType 'Replica' | "
            f"Where-Object {{ [string]$_.Id -eq '{short}" in out)
    assert "Start-VMFailover -VMRecoverySnapshot $point -Confirm:$false" in out
    code, out, err = run_cli(capsys, "replica", "failover", "FS01", "--recovery-point", short,
                             "--no-start", "--yes")
    assert code == 0, out + err
    assert "Done: 1 of 1 step(s) succeeded." in flat(out)
