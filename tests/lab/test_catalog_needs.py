"""What a catalog script's header says it needs of a host, and the client honouring it.

``# Releases:``, ``# Modules:`` and ``# Editions:`` narrow the hosts a script runs on (the
catalog lint checks the script against exactly those); the client refuses the script on any
other host, with the header's reason, before anything runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hvtui.connect import lab_pool
from hvtui.errors import PlanRefused
from hvtui.hyperv.audit import AuditLog
from hvtui.hyperv.jobs import JobManager
from hvtui.hyperv.operations import PlanRunner
from hvtui.hyperv.plans import ReplicaFrequencyRequest, VmRef, make_step, script_refusal
from hvtui.hyperv.preflight import build_plan
from hvtui.model import Host
from hvtui.ps import catalog

BUILDS = {"2012": "6.2.9200", "2012 R2": "6.3.9600", "2016": "10.0.14393",
          "2022": "10.0.20348"}


def host(release: str, *, clusters: bool = False, edition: str = "Desktop") -> Host:
    return Host("HV1", f"Microsoft Windows Server {release} Datacenter", BUILDS[release],
                failover_clusters=clusters, powershell_edition=edition)


def test_headers_declare_releases_modules_and_editions() -> None:
    frequency = catalog.get("replication-frequency")
    assert frequency.releases == ("2012 R2", "2016", "2019", "2022", "2025")
    assert "every 5 minutes, fixed" in frequency.releases_reason
    for name in ("cluster-node-suspend", "cluster-node-resume", "cluster-role-move",
                 "cluster-drain-on-shutdown"):
        assert catalog.get(name).modules == ("FailoverClusters",), name
    drain = catalog.get("cluster-drain-on-shutdown")
    assert drain.editions == ("Desktop",) and drain.releases[0] == "2012 R2"
    assert catalog.get("vm-copy-file").releases[0] == "2012 R2"
    assert catalog.get("host-enhanced-session").releases[0] == "2012 R2"
    inventory = catalog.get("inventory")
    assert (inventory.releases[0], inventory.modules, inventory.editions) == (
        "2012", (), ("Desktop", "Core"))


def test_header_values_are_checked() -> None:
    with pytest.raises(ValueError, match="is not a Windows Server release"):
        catalog.needs("x", "# hvtui: x\n# Mutates: no\n# Releases: 2008+ | old\nparam()\n")
    with pytest.raises(ValueError, match="unknown module"):
        catalog.needs("x", "# hvtui: x\n# Mutates: no\n# Modules: Clustering | x\nparam()\n")
    assert catalog.parse_releases("2012, 2016+") == ("2012", "2016", "2019", "2022", "2025")


@pytest.mark.parametrize(
    ("script", "on", "expected"),
    [
        ("replication-frequency", host("2012"),
         "replication-frequency.ps1 runs on Windows Server 2012 R2 and later only and HV1 runs "
         "2012: Windows Server 2012 replicates every 5 minutes, fixed: its Set-VMReplication "
         "has no -ReplicationFrequencySec"),
        ("cluster-node-suspend", host("2022"),
         "cluster-node-suspend.ps1 needs the FailoverClusters module, which HV1 does not have"),
        ("cluster-drain-on-shutdown", host("2012", clusters=True),
         "DrainOnShutdown is new in Windows Server 2012 R2"),
        ("cluster-drain-on-shutdown", host("2022", clusters=True, edition="Core"),
         "does not run on HV1 under PowerShell 7: under PowerShell 7 FailoverClusters runs "
         "through the Windows PowerShell compatibility layer"),
        ("vm-copy-file", host("2012"), "Copy-VMFile and the Guest Service Interface are new"),
    ],
)
def test_the_client_refuses_a_script_outside_its_header(script: str, on: Host,
                                                        expected: str) -> None:
    refusal = script_refusal(on, script)
    assert refusal is not None and expected in refusal
    params = {p: "x" for p in catalog.get(script).parameters}
    with pytest.raises(PlanRefused, match="does not|needs|only") as raised:
        make_step(on, script, params, "test")
    assert raised.value.host == "HV1"


@pytest.mark.parametrize(
    ("script", "on"),
    [
        ("replication-frequency", host("2012 R2")),
        ("cluster-node-suspend", host("2012", clusters=True)),
        ("cluster-drain-on-shutdown", host("2016", clusters=True)),
        ("inventory", host("2012", edition="Core")),
        ("vm-start", host("2012")),
    ],
)
def test_the_client_runs_a_script_inside_its_header(script: str, on: Host) -> None:
    assert script_refusal(on, script) is None


async def test_a_2012_primary_is_refused_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the lab's 2012 host (HV-LEGACY, primary of ERP-APP): refused with the reason, no
    step, nothing run, and the refusal audited."""
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path))
    pool = lab_pool(speed=float("inf"))
    audit = AuditLog()
    runner = PlanRunner(pool, audit=audit, jobs=JobManager())
    for seconds in (30, 300):
        request = ReplicaFrequencyRequest((VmRef("ERP-APP", "HV-LEGACY"),), seconds)
        plan = await build_plan(pool, request)
        assert plan.refused and not plan.steps
        assert "replicates every 5 minutes, fixed" in plan.refusal()
        result = await runner.run(plan)
        assert result.refused and not result.results
    outcomes = [entry.outcome for entry in audit.entries()]
    assert outcomes and set(outcomes) == {"refused"}
    await pool.close()


@pytest.mark.parametrize(
    ("script", "feature"),
    [("replication-frequency", "REPLICA_FREQUENCY"), ("vm-copy-file", "COPY_VM_FILE"),
     ("host-enhanced-session", "ENHANCED_SESSION"),
     ("cluster-drain-on-shutdown", "DRAIN_ON_SHUTDOWN")],
)
def test_script_headers_and_the_release_table_agree(script: str, feature: str) -> None:
    """The console words a missing feature from hvtui.model.versions; make_step refuses from
    the script's header: both must name the same first release."""
    from hvtui.model import versions

    since: versions.Release = getattr(versions, feature).since
    assert catalog.get(script).releases[0] == since.short
