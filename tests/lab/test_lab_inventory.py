"""The inventory handler emits exactly inventory.ps1's records, and the estate is alive."""

from __future__ import annotations

import datetime as dt
import re

from test_lab_support import default_lab, inventory, run

from hvtui import reference
from hvtui.lab import Lab
from hvtui.ps import catalog
from hvtui.ps.decode import inventory_records, json_time


def script_fields() -> dict[str, set[str]]:
    """Kind -> property names, read from inventory.ps1's multi-line [pscustomobject]@{...}
    blocks (the one-line ones are the script's own working pairs, never emitted)."""
    text = catalog.get("inventory").text
    fields: dict[str, set[str]] = {}
    for block in re.findall(r"\[pscustomobject\]@\{\n(.*?)\n\s*\}", text, re.DOTALL):
        names = re.findall(r"^\s*(\w+)\s*=", block, re.MULTILINE)
        kind = re.search(r"Kind\s*=\s*'(\w+)'", block)
        assert kind, block
        fields[kind.group(1)] = set(names)
    return fields


async def test_records_have_exactly_the_scripts_fields_on_every_host() -> None:
    lab = default_lab()
    expected = script_fields()
    seen: set[str] = set()
    for host in lab.host_names:
        for kind, records in (await inventory(lab, host)).items():
            assert kind in expected, kind
            for record in records:
                assert set(record) == expected[kind], (host, kind)
            seen.add(kind)
    assert seen == set(expected), f"kinds never emitted: {set(expected) - seen}"


async def test_value_types_follow_the_scripts_casts() -> None:
    lab = default_lab()
    inv = await inventory(lab, "HV-2019")
    host = inv["Host"][0]
    assert isinstance(host["MemoryCapacity"], int) and isinstance(host["ProductType"], int)
    assert host["SupportedVersions"] == [
        "5.0",
        "6.2",
        "7.0",
        "7.1",
        "8.0",
        "8.1",
        "8.2",
        "8.3",
        "9.0",
    ]
    assert host["DefaultVersion"] == "9.0"
    assert all(isinstance(s, str) for s in host["Switches"])
    for vm in inv["VM"]:
        assert isinstance(vm["Generation"], int) and isinstance(vm["UptimeSeconds"], int)
        assert isinstance(vm["IsClustered"], bool) and isinstance(vm["Version"], str)
    for checkpoint in inv["Checkpoint"]:
        # ConvertTo-Json under Windows PowerShell 5.1 (HV-2019's): milliseconds since 1970.
        assert re.fullmatch(r"/Date\(\d+\)/", checkpoint["CreationTime"])
        assert json_time(checkpoint["CreationTime"]) is not None
    for disk in inv["Disk"]:
        assert disk["ControllerType"] in ("IDE", "SCSI")
        assert disk["VhdFormat"] in ("VHD", "VHDX") and disk["VhdType"] in (
            "Fixed",
            "Dynamic",
            "Differencing",
        )
        assert isinstance(disk["Size"], int) and disk["FileSize"] <= disk["Size"] + 4 * 1024**2


async def test_no_supported_versions_before_2016() -> None:
    """Get-VMHostSupportedVersion does not exist on 2012 and 2012 R2."""
    lab = default_lab()
    for host in ("HV-LEGACY", "HV-NODE1"):
        record = (await inventory(lab, host))["Host"][0]
        assert record["SupportedVersions"] == [] and record["DefaultVersion"] == ""
    legacy = (await inventory(lab, "HV-LEGACY"))["Host"][0]
    assert legacy["OSVersion"] == "6.2.9200"
    assert legacy["MigrationPerformance"] == ""  # the property is new in 2012 R2


async def test_checkpoint_limit_is_honoured() -> None:
    lab = default_lab()
    assert len((await inventory(lab, "HV-2019"))["Checkpoint"]) == 4
    limited = await run(lab, "HV-2019", "inventory", CheckpointLimit=2)
    records = inventory_records("HV-2019", limited.objects)
    assert len([o for o in records if o["Kind"] == "Checkpoint"]) == 2


async def test_checkpoint_tree_links_parents() -> None:
    checkpoints = (await inventory(default_lab(), "HV-2019"))["Checkpoint"]
    by_name = {c["Name"]: c for c in checkpoints}
    assert by_name["Baseline"]["ParentId"] == ""
    assert by_name["Before IIS update"]["ParentId"] == by_name["Baseline"]["Id"]
    assert by_name["Test branch"]["ParentId"] == by_name["Baseline"]["Id"]
    assert by_name["After IIS update"]["ParentId"] == by_name["Before IIS update"]["Id"]


async def test_states_heartbeats_and_critical_vms() -> None:
    lab = default_lab()
    states = {}
    for host in lab.host_names:
        for vm in (await inventory(lab, host)).get("VM", []):
            if vm["ReplicationMode"] not in ("Replica", "ExtendedReplica"):
                states[vm["Name"]] = (vm["State"], vm["Heartbeat"])
    assert states["SQL01"] == ("Running", "OkApplicationsHealthy")
    assert states["LNX-WEB01"] == ("Running", "OkApplicationsUnknown")
    assert states["RHEL-DB01"] == ("Paused", "Paused")
    assert states["PRINT01"] == ("Off", "")
    assert states["REPORTS01"][0] == "RunningCritical"
    assert states["OLD-FAX"][0] == "OffCritical"


async def test_guest_service_interface_is_off_by_default() -> None:
    lab = default_lab()
    gsi_on = []
    for host in lab.host_names:
        inv = await inventory(lab, host)
        names = {vm["Id"]: vm["Name"] for vm in inv.get("VM", [])}
        for service in inv.get("IntegrationService", []):
            if service["Name"] == "Guest Service Interface" and service["Enabled"]:
                gsi_on.append(names[service["VMId"]])
            if service["Name"] == "Heartbeat":
                assert service["Enabled"]
    assert gsi_on == ["JUMP01"]
    legacy = await inventory(lab, "HV-LEGACY")
    assert "Guest Service Interface" not in {s["Name"] for s in legacy["IntegrationService"]}


async def test_guest_os_comes_from_kvp_of_running_vms_only() -> None:
    inv = await inventory(default_lab(), "HV-NODE2")
    names = {vm["Id"]: vm["Name"] for vm in inv["VM"]}
    guests = {names[g["VMId"]]: g["OSName"] for g in inv["Guest"]}
    assert guests["LNX-WEB01"] == "Ubuntu 14.04.1 LTS"
    assert guests["PRINT01"] == ""  # off: no KVP exchange


async def test_cluster_records() -> None:
    inv = await inventory(default_lab(), "HV-NODE2")
    assert inv["Cluster"] == [{"Kind": "Cluster", "Name": "HVC01", "DrainOnShutdown": 1}]
    nodes = {n["Name"]: (n["State"], n["DrainStatus"]) for n in inv["ClusterNode"]}
    assert nodes == {
        "HV-NODE1": ("Up", "NotInitiated"),
        "HV-NODE2": ("Up", "NotInitiated"),
        "HV-NODE3": ("Paused", "Completed"),
    }
    groups = {g["Name"]: g for g in inv["ClusterGroup"]}
    assert groups["SQL01"]["Priority"] == 3000 and groups["SQL01"]["OwnerNode"] == "HV-NODE1"
    assert groups["PRINT01"]["State"] == "Offline" and groups["EXCH01"]["State"] == "Online"
    csvs = inv["ClusterSharedVolume"]
    assert [c["Path"] for c in csvs] == [f"C:\\ClusterStorage\\Volume{i}" for i in (1, 2, 3)]
    assert all(c["FreeSpace"] < c["Size"] and c["State"] == "Online" for c in csvs)


async def test_replication_records_show_the_chain() -> None:
    lab = default_lab()
    primary = {
        r["Relationship"]: r
        for r in (await inventory(lab, "HV-NODE1"))["Replication"]
        if r["FrequencySec"] == 30
    }
    assert primary["Simple"]["Mode"] == "Primary"
    assert primary["Simple"]["PrimaryServer"] == "HVC01-BROKER.contoso.local"
    dr1 = [
        r
        for r in (await inventory(lab, "HV-DR1"))["Replication"]
        if r["VMId"] == primary["Simple"]["VMId"]
    ]
    assert {(r["Relationship"], r["Mode"]) for r in dr1} == {
        ("Simple", "Replica"),
        ("Extended", "Primary"),
    }
    dr2 = [
        r
        for r in (await inventory(lab, "HV-DR2"))["Replication"]
        if r["VMId"] == primary["Simple"]["VMId"]
    ]
    assert [(r["Relationship"], r["Mode"], r["FrequencySec"]) for r in dr2] == [
        ("Extended", "ExtendedReplica", 300),
    ]
    healths = {
        r["Health"]
        for h in lab.host_names
        for r in (await inventory(lab, h)).get("Replication", [])
    }
    assert {"Normal", "Warning", "Critical"} <= healths


async def _sample(lab: Lab) -> tuple[dict[str, tuple[int, int, int]], dt.datetime | None]:
    inv = await inventory(lab, "HV-NODE1")
    vms = {v["Name"]: (v["CPUUsage"], v["MemoryDemand"], v["UptimeSeconds"]) for v in inv["VM"]}
    sql = next(r for r in inv["Replication"] if r["FrequencySec"] == 30)
    return vms, json_time(sql["LastReplicationTime"])


async def test_the_estate_is_alive_and_deterministic() -> None:
    one, two = default_lab(), default_lab()
    first, first_rep = await _sample(one)
    assert first == (await _sample(two))[0]  # same seed, same moment: same numbers
    for lab in (one, two):
        lab.clock.advance(3600)
    later, later_rep = await _sample(one)
    assert later == (await _sample(two))[0]
    assert later["SQL01"][2] == first["SQL01"][2] + 3600
    assert later != first  # CPU and memory demand moved
    assert first_rep is not None and later_rep is not None
    assert dt.timedelta(seconds=3570) <= later_rep - first_rep <= dt.timedelta(seconds=3630)
    now = one.clock.now()
    assert dt.timedelta(0) <= now - later_rep <= dt.timedelta(seconds=30)


async def test_a_failed_link_stays_stalled_and_a_lagging_one_lags() -> None:
    lab = default_lab()
    now = lab.clock.now()
    erp = (await inventory(lab, "HV-LEGACY"))["Replication"][0]
    assert (erp["State"], erp["Health"]) == ("Error", "Critical")
    erp_time = json_time(erp["LastReplicationTime"])
    assert erp_time is not None and now - erp_time >= dt.timedelta(hours=19)
    exch = next(r for r in (await inventory(lab, "HV-NODE2"))["Replication"])
    assert exch["Health"] == "Warning"
    exch_time = json_time(exch["LastReplicationTime"])
    assert exch_time is not None and now - exch_time >= dt.timedelta(minutes=24)


async def test_integration_services_carry_their_real_ids() -> None:
    """Id is 'Microsoft:<VM id upper case>\\<service GUID>' (object-shapes.md), with the
    six well-known GUIDs of hvtui/reference/integration-services.json."""
    lab = default_lab()
    known = {s.name: s.id for s in reference.integration_services()}
    for host in ("HV-LEGACY", "HV-NODE1", "HV-2022"):
        inv = await inventory(lab, host)
        vm_ids = {vm["Id"] for vm in inv["VM"]}
        for record in inv["IntegrationService"]:
            assert record["VMId"] in vm_ids
            assert record["Id"] == f"Microsoft:{record['VMId'].upper()}\\{known[record['Name']]}"
        names = {r["Name"] for r in inv["IntegrationService"]}
        assert ("Guest Service Interface" in names) == (host != "HV-LEGACY")


async def test_host_reports_its_powershell_and_cluster_module() -> None:
    lab = default_lab()
    legacy = (await inventory(lab, "HV-LEGACY"))["Host"][0]
    assert (legacy["PowerShellVersion"], legacy["PowerShellEdition"]) == ("3.0", "")
    assert legacy["FailoverClusters"] is False and legacy["ClusterProblem"] == ""
    node = (await inventory(lab, "HV-NODE1"))["Host"][0]
    assert node["FailoverClusters"] is True and node["PowerShellVersion"] == "4.0"
    assert (await inventory(lab, "HV-2019"))["Host"][0]["PowerShellEdition"] == "Desktop"


async def test_what_2012_objects_lack_reads_as_powershell_reads_a_missing_property() -> None:
    lab = default_lab()
    legacy = await inventory(lab, "HV-LEGACY")
    assert all((vm["Generation"], vm["Version"]) == (0, "") for vm in legacy["VM"])
    assert all(r["FrequencySec"] == 0 for r in legacy["Replication"])
    node = await inventory(lab, "HV-NODE1")
    assert all(vm["Generation"] in (1, 2) and vm["Version"] == "" for vm in node["VM"])
    assert {r["FrequencySec"] for r in node["Replication"]} <= {30, 300, 900}
