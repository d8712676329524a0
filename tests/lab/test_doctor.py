"""``hvtui doctor``: verdicts from a host's answer, and what it says of each lab host.

The verdict tests feed hand-made answers; the lab tests run doctor.ps1 as text on the lab's
hosts of every release (in process here; over WinRM and SSH in test_doctor_wire.py). They
assert what a real host of that release has, not what hvtui's scripts happen to need, so
they hold while the catalog changes.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from lab_cli import run_cli
from test_lab_support import write_scenario

from hvtui import cli
from hvtui.cli_doctor import as_json, connection_of, format_reports, lab_connection
from hvtui.config import HostConfig
from hvtui.connect import lab_pool
from hvtui.errors import ScriptError
from hvtui.hyperv.doctor import (
    Answer,
    CommandAnswer,
    Connection,
    HostReport,
    ModuleState,
    ScriptNeeds,
    catalog_needs,
    client_refusal,
    diagnose,
    question,
    read_answer,
    script_verdict,
)
from hvtui.model.versions import WS2012, WS2012R2
from hvtui.ps.calls import Need, requirements

# --- verdicts from an answer ---------------------------------------------------------------


def answer(commands: dict[str, str], parameters: set[tuple[str, str]]) -> Answer:
    """An answer where ``commands`` (name -> module) exist with ``parameters``."""
    return Answer({"Kind": "Host", "OSVersion": "6.2.9200", "PSEdition": "Desktop"},
                  {n.lower(): CommandAnswer(n, True, "Cmdlet", m, "1.0")
                   for n, m in commands.items()},
                  frozenset((c.lower(), p.lower()) for c, p in parameters))


SCRIPT = ScriptNeeds("sample", requirements(
    "param([string]$Name)\n"
    "$vm = Get-VM -Name $Name\n"
    "if (Get-Command -Name 'Get-VMHostSupportedVersion' -ErrorAction 'SilentlyContinue') {\n"
    "    Get-VMHostSupportedVersion -Default\n}\n"
    "Get-VMReplication -VM $vm -ReplicationRelationshipType 'Simple'\n"
    "Copy-VMFile -Name $Name -FileSource 'Host'\n"))


def test_a_script_whose_needs_all_exist_runs() -> None:
    host = answer({"Get-VM": "Hyper-V", "Get-VMReplication": "Hyper-V",
                   "Copy-VMFile": "Hyper-V", "Get-VMHostSupportedVersion": "Hyper-V",
                   "Get-Command": ""},
                  {("Get-VM", "Name"), ("Get-VMReplication", "VM"),
                   ("Get-VMReplication", "ReplicationRelationshipType"),
                   ("Copy-VMFile", "Name"), ("Copy-VMFile", "FileSource"),
                   ("Get-VMHostSupportedVersion", "Default"), ("Get-Command", "Name"),
                   ("Get-Command", "ErrorAction")})
    assert script_verdict(SCRIPT, host.exists, None).status == "ok"


def test_what_a_script_lacks_is_named_once_and_guarded_calls_are_done_without() -> None:
    host = answer({"Get-VM": "Hyper-V", "Get-VMReplication": "Hyper-V", "Get-Command": ""},
                  {("Get-VM", "Name"), ("Get-VMReplication", "VM"), ("Get-Command", "Name")})
    verdict = script_verdict(SCRIPT, host.exists, None)
    assert verdict.status == "missing"
    # Copy-VMFile is missing whole: its parameters are not listed as well.
    assert verdict.missing == ("Get-VMReplication -ReplicationRelationshipType", "Copy-VMFile")
    assert verdict.without == ("Get-VMHostSupportedVersion",)


def test_a_script_hvtui_refuses_there_says_why_and_what_it_lacks() -> None:
    host = answer({"Get-VM": "Hyper-V"}, {("Get-VM", "Name")})
    verdict = script_verdict(SCRIPT, host.exists, "no reason to run it here")
    assert (verdict.status, verdict.refusal) == ("refused", "no reason to run it here")
    assert "Copy-VMFile" in verdict.missing


def test_client_refusals_are_the_script_headers() -> None:
    """What the planners enforce before running a script (Script.refusal): its header."""
    copy = client_refusal("vm-copy-file", "H", WS2012, {"Hyper-V"})
    assert copy is not None and copy.startswith(
        "vm-copy-file.ps1 runs on Windows Server 2012 R2 and later only and H runs 2012: ")
    assert client_refusal("vm-copy-file", "H", WS2012R2, {"Hyper-V"}) is None
    assert "needs the FailoverClusters module, which H does not have" in (
        client_refusal("cluster-node-suspend", "H", WS2012R2, {"Hyper-V"}) or "")
    assert client_refusal("cluster-node-suspend", "H", WS2012R2,
                          {"Hyper-V", "FailoverClusters"}) is None
    assert "under PowerShell 7" in (client_refusal(
        "cluster-drain-on-shutdown", "H", WS2012R2, {"Hyper-V", "FailoverClusters"}, "Core")
        or "")
    assert client_refusal("vm-start", "H", WS2012, {"Hyper-V"}) is None
    assert client_refusal("no-such-script", "H", WS2012, {"Hyper-V"}) is None


def test_the_question_asks_for_every_need_and_each_modules_probe() -> None:
    asked = question()
    assert {"Get-VM", "Get-Cluster", "Get-Volume", "Copy-VMFile",
            "Get-VMHostSupportedVersion"} <= set(asked["Command"])
    assert "Get-VMReplication -ReplicationRelationshipType" in asked["Parameter"]
    # every command a parameter belongs to is asked for too
    assert {p.split(" -")[0] for p in asked["Parameter"]} <= set(asked["Command"])
    assert "doctor" not in {s.name for s in catalog_needs()}


def test_the_question_carries_only_names() -> None:
    bad = ScriptNeeds("bad", requirements("Get-VM -Name 'a'\n& 'x'\nGet-VM* -Name 'b'\n"))
    with pytest.raises(ValueError, match="Get-VM\\*"):
        question([bad])


def test_an_answer_without_its_host_record_is_a_script_error() -> None:
    with pytest.raises(ScriptError, match="without its Host record"):
        read_answer("H", [{"Kind": "Command", "Name": "Get-VM", "Found": True}])


# --- the lab, in process ---------------------------------------------------------------------

RELEASES = {
    # host: (release, PowerShell edition and version, Hyper-V module, FailoverClusters
    # installed, display language)
    "HV-NODE1": ("2012 R2", "Desktop", "4.0", "1.1", True, "en-US"),
    "HV-LEGACY": ("2012", "Desktop", "3.0", "1.0", False, "en-US"),
    "HV-DR1": ("2012 R2", "Desktop", "4.0", "1.1", False, "en-US"),
    "HV-2016": ("2016", "Desktop", "5.1", "2.0", False, "de-DE"),
    "HV-2019": ("2019", "Desktop", "5.1", "2.0", False, "en-US"),
    "HV-2022": ("2022", "Desktop", "5.1", "2.0", False, "en-US"),
    # pwsh 7.4; the clustering tools without a cluster, loaded through the compatibility
    # layer (a proxy module, version 1.0); Hyper-V is native to pwsh on 2019 and later.
    "HV-2025": ("2025", "Core", "7.4.0", "2.0", True, "en-US"),
}


@pytest.fixture(scope="module")
def lab_reports() -> dict[str, HostReport]:
    async def ask() -> dict[str, HostReport]:
        pool = lab_pool(None, speed=float("inf"))
        try:
            reports = await asyncio.gather(*(diagnose(pool, h, lab_connection())
                                             for h in pool.hosts))
        finally:
            await pool.close()
        return {r.host: r for r in reports}

    return asyncio.run(ask())


@pytest.mark.parametrize("host", sorted(RELEASES))
def test_each_lab_host_reports_its_release_powershell_and_modules(
        lab_reports: dict[str, HostReport], host: str) -> None:
    release, edition, powershell, hyperv, clustered, language = RELEASES[host]
    found = lab_reports[host]
    assert found.reachable, found.error
    assert (found.release, found.ps_edition, found.ps_version) == (release, edition, powershell)
    assert found.os_caption.startswith(f"Microsoft Windows Server {release} ")
    hyperv_module = found.module("Hyper-V")
    assert hyperv_module is not None and (hyperv_module.version, hyperv_module.loaded) == \
        (hyperv, "native")
    clusters = found.module("FailoverClusters")
    assert clusters is not None and clusters.installed is clustered
    if clustered:
        assert (clusters.version, clusters.loaded) == (
            ("1.0", "compatibility") if edition == "Core" else ("2.0.0.0", "native"))
    storage = found.module("Storage")
    assert storage is not None and storage.installed
    assert found.language == language
    # The lab's account: a domain administrator, not in Hyper-V Administrators.
    assert found.account == "HVLAB\\labadmin"
    assert (found.administrators, found.hyperv_administrators, found.can_manage_hyperv) == \
        (True, False, True)


def test_the_2012_host_shows_what_2012_lacks(lab_reports: dict[str, HostReport]) -> None:
    legacy = lab_reports["HV-LEGACY"]
    assert {"Get-VMReplication -ReplicationRelationshipType", "Copy-VMFile",
            "Get-VMHostSupportedVersion", "Set-VMReplication -ReplicationFrequencySec",
            "Set-VMHost -EnableEnhancedSessionMode"} <= set(legacy.absent)
    verdicts = {v.script: v for v in legacy.scripts}
    # hvtui refuses Copy-VMFile on 2012 itself: shown as refused, with the header's reason
    assert verdicts["vm-copy-file"].status == "refused"
    assert verdicts["vm-copy-file"].missing == ("Copy-VMFile",)
    assert "Copy-VMFile and the Guest Service Interface are new in Windows Server 2012 R2" in \
        verdicts["vm-copy-file"].refusal
    assert verdicts["host-enhanced-session"].status == "refused"
    assert verdicts["replication-frequency"].status == "refused"
    # a plain action runs
    assert verdicts["vm-start"].status == "ok"


def test_2012_r2_has_what_2016_added_only_from_2016(
        lab_reports: dict[str, HostReport]) -> None:
    # the virtual TPM's cmdlets (firmware, issue 11, hostcfg) are new in 2016 too
    assert lab_reports["HV-DR1"].absent == ("Disable-VMTPM", "Enable-VMTPM",
                                            "Get-VMHostSupportedVersion", "Get-VMSecurity",
                                            "Set-VMKeyProtector", "Update-VMVersion",
                                            "New-VM -Version", "Set-VM -CheckpointType",
                                            "Set-VMFirmware -SecureBootTemplate")
    for host in ("HV-2016", "HV-2019", "HV-2022"):
        assert lab_reports[host].absent == (), host


def test_standalone_hosts_have_no_failover_clusters_and_no_cluster_actions(
        lab_reports: dict[str, HostReport]) -> None:
    for host in ("HV-LEGACY", "HV-DR1", "HV-DR2", "HV-2016", "HV-2019", "HV-2022"):
        report = lab_reports[host]
        cluster = {v.script: v for v in report.scripts if v.script.startswith("cluster-")}
        assert cluster and all(v.status == "refused" for v in cluster.values()), host
        # the FailoverClusters cmdlets are summed up by the module line, not listed
        assert not [a for a in report.absent if "Cluster" in a], report.absent


def test_no_script_would_fail_on_the_cluster_nodes(lab_reports: dict[str, HostReport]) -> None:
    for host in ("HV-NODE1", "HV-NODE2", "HV-NODE3"):
        report = lab_reports[host]
        # the one script hvtui refuses there: 2012 R2 has one configuration version
        assert [v.script for v in report.scripts if v.status != "ok"] == [
            "vm-upgrade-version"], host


def test_no_script_would_fail_on_the_2016_and_2025_hosts(
        lab_reports: dict[str, HostReport]) -> None:
    for host in ("HV-2016", "HV-2025"):
        statuses = {v.script: v.status for v in lab_reports[host].scripts}
        assert set(statuses.values()) <= {"ok", "refused"}, (host, statuses)
    # HV-2025 has the clustering tools: only the scripts that need Windows PowerShell's own
    # objects are refused there (pwsh 7 gets copies through the compatibility layer): the
    # cluster's, a recovery point handed to Start-VMFailover (replica setup, issue 12), and
    # the boot order's (a device object passed back to Set-VMFirmware fails through that
    # layer on 2012 R2 and 2016; one header holds for every release, so 2019 and later
    # under pwsh 7 are refused too).
    refused = [v.script for v in lab_reports["HV-2025"].scripts if v.status == "refused"]
    assert sorted(refused) == ["cluster-drain-on-shutdown", "replica-failover-point",
                               "vm-boot-order"]


def test_the_table_fits_80_columns_and_names_each_host(
        lab_reports: dict[str, HostReport]) -> None:
    text = format_reports(list(lab_reports.values()))
    assert max(len(line) for line in text.splitlines()) <= 80
    for host in lab_reports:
        assert f"\n{host}\n" in f"\n{text}\n"
    assert "FailoverClusters not installed" in text
    assert "Get-VMReplication -ReplicationRelationshipType" in text


# --- the JSON shape ----------------------------------------------------------------------------


def test_the_json_shape(lab_reports: dict[str, HostReport]) -> None:
    shown = as_json(lab_reports["HV-LEGACY"])
    assert list(shown) == ["host", "reachable", "error", "transport", "authentication", "os",
                           "powershell", "language", "os_languages", "account", "modules",
                           "absent", "scripts", "summary"]
    assert shown["os"] == {"caption": "Microsoft Windows Server 2012 Datacenter",
                           "version": "6.2.9200", "release": "2012"}
    assert shown["powershell"] == {"edition": "Desktop", "version": "3.0"}
    assert shown["account"] == {"name": "HVLAB\\labadmin", "administrators": True,
                                "hyperv_administrators": False, "can_manage_hyperv": True}
    assert shown["modules"] == {
        "Hyper-V": {"installed": True, "version": "1.0", "loaded": "native"},
        "FailoverClusters": {"installed": False, "version": None, "loaded": None},
        "Storage": {"installed": True, "version": "1.0.0.0", "loaded": "native"}}
    copy = next(s for s in shown["scripts"] if s["script"] == "vm-copy-file")
    assert set(copy) == {"script", "status", "missing", "without", "refusal"}
    assert sum(shown["summary"].values()) == len(shown["scripts"])
    json.dumps(shown)  # all plain data
    down = as_json(HostReport("H", Connection("t", "a"), error="Cannot connect to H: refused"))
    assert down == {"host": "H", "reachable": False, "error": "Cannot connect to H: refused",
                    "transport": "t", "authentication": "a"}


# --- other platforms: pwsh 7, another language, FailoverClusters on a standalone host ---------

HOST = """
[[host]]
name = "{name}"
os = "{os}"
processor = "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz"
processor_family = "CascadeLake-SP"
logical_processors = 16
memory_gb = 64
switches = ["LAN"]
{extra}

[[host.volume]]
letter = "C"
size_gb = 100
free_gb = 50
"""


def platforms(tmp_path: Path) -> Path:
    hosts = [("PW-2016", "2016", 'powershell = "7.4"'), ("PW-2019", "2019", 'powershell = "7.4"'),
             ("JA-2022", "2022", 'language = "ja-JP"'),
             ("FC-2019", "2019", 'modules = ["FailoverClusters"]')]
    text = "[lab]\nseed = 1\ndomain = \"test.local\"\n" + "".join(
        HOST.format(name=n, os=o, extra=e) for n, o, e in hosts)
    return write_scenario(tmp_path, text)


async def test_pwsh_7_language_and_modules_per_host(tmp_path: Path) -> None:
    pool = lab_pool(platforms(tmp_path), speed=float("inf"))
    try:
        reports = {h: await diagnose(pool, h, lab_connection()) for h in pool.hosts}
    finally:
        await pool.close()
    for report in reports.values():
        assert report.reachable, report.error
    # pwsh 7 on 2016 loads Hyper-V through the compatibility layer: a proxy module, 1.0
    pw2016 = reports["PW-2016"]
    assert (pw2016.ps_edition, pw2016.ps_version) == ("Core", "7.4.0")
    assert pw2016.module("Hyper-V") == ModuleState("Hyper-V", True, "1.0", "compatibility")
    # ... and natively on 2019
    hyperv_2019 = reports["PW-2019"].module("Hyper-V")
    assert hyperv_2019 is not None and (hyperv_2019.version, hyperv_2019.loaded) == \
        ("2.0", "native")
    assert reports["JA-2022"].language == "ja-JP"
    assert reports["JA-2022"].os_languages == ("ja-JP",)
    clusters = reports["FC-2019"].module("FailoverClusters")
    assert clusters is not None and clusters.installed
    assert all(v.status == "ok" for v in reports["FC-2019"].scripts
               if v.script.startswith("cluster-node"))
    text = format_reports(list(reports.values()))
    assert "Hyper-V through the compatibility layer (proxy 1.0)" in text
    assert "PowerShell 7.4.0 (Core)" in text


# --- the command ------------------------------------------------------------------------------


def test_doctor_on_named_hosts_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "doctor", "HV-LEGACY", "HV-2019", "HV-LEGACY", "-o", "json")
    assert (code, err) == (0, "")
    shown: list[dict[str, Any]] = json.loads(out)
    assert [h["host"] for h in shown] == ["HV-LEGACY", "HV-2019"]
    assert shown[0]["transport"] == "embedded lab, in process"


def test_doctor_table_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "doctor", "HV-NODE1")
    assert code == 0 and out.startswith("HV-NODE1\n")
    assert max(len(line) for line in out.splitlines()) <= 80
    with pytest.raises(SystemExit):
        cli.main(["doctor", "--help"])
    helped = capsys.readouterr().out
    assert "doctor.ps1" in helped and "Get-Command" in helped and "changes nothing" in helped
    assert max(len(line) for line in helped.splitlines()) <= 80


def test_an_unknown_host_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "doctor", "HV-NODE1", "NOPE")
    assert (code, out) == (2, "")
    assert "unknown host 'NOPE'" in err and "known hosts: HV-NODE1" in err


def test_connections_come_from_the_inventory() -> None:
    https = HostConfig("a", "a.example", auth="kerberos", user="CONTOSO\\ada",
                       cert_thumbprint="AB" * 20)
    assert connection_of(https) == Connection(
        "WinRM over HTTPS port 5986",
        "Kerberos as CONTOSO\\ada; certificate pinned by thumbprint")
    http = HostConfig("b", "b.example", scheme="http", auth="ntlm")
    assert connection_of(http) == Connection(
        "WinRM over HTTP port 5985", "NTLM as the current user; messages encrypted by NTLM")
    ssh = HostConfig("c", "c.example", transport="ssh", user="ada", shell="pwsh", jump="bastion")
    assert connection_of(ssh) == Connection(
        "SSH port 22, pwsh, through bastion",
        "public key (agent or ~/.ssh keys) as ada; host key from known_hosts")
    unverified = HostConfig("d", "d.example", verify=False, auth="basic", user="x")
    assert "NOT verified" in connection_of(unverified).authentication


def test_need_text_round_trips_through_the_question() -> None:
    assert str(Need("Get-VM", "Name")) == "Get-VM -Name"


def test_the_readme_shows_what_doctor_prints_on_the_default_lab(
        capsys: pytest.CaptureFixture[str]) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    command = "hvtui doctor HV-NODE1 HV-LEGACY HV-2016 HV-2025"
    shown = readme.split(f"$ {command}\n", 1)[1].split("\n```", 1)[0]
    code, out, _ = run_cli(capsys, *command.split()[1:])
    assert code == 0
    assert shown == out.rstrip("\n"), \
        f"the README's doctor output is stale: paste the output of `{command}` there"
