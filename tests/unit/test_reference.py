"""The reference data shipped inside hvtui (hvtui/reference): complete, sourced, and packaged."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest

from hvtui import reference

ROOT = Path(__file__).resolve().parents[2]


def test_every_release_has_every_documented_page() -> None:
    # The page counts of cmdlets-by-release.md's table.
    expected = {
        "Hyper-V": (164, 178, 212, 212, 226, 226),
        "FailoverClusters": (79, 80, 101, 101, 109, 132),
        "Storage": (4, 4, 4, 4, 4, 4),
    }
    for module, counts in expected.items():
        found = tuple(
            sum(1 for c in reference.cmdlets(r).values() if c.module == module)
            for r in reference.RELEASES
        )
        assert found == counts, module


def test_parameters_that_differ_between_releases() -> None:
    since = reference.releases_with_parameter
    assert since("Get-VMReplication", "ReplicationRelationshipType")[0] == "2012 R2"
    assert since("Set-VMReplication", "ReplicationFrequencySec")[0] == "2012 R2"
    assert since("Suspend-ClusterNode", "ForceDrain")[0] == "2012 R2"
    assert since("Suspend-ClusterNode", "ForceEvacuation") == ("2012",)
    assert reference.releases_with_cmdlet("Copy-VMFile")[0] == "2012 R2"
    assert reference.releases_with_cmdlet("Get-VMHostSupportedVersion")[0] == "2016"


def test_parameter_details_come_from_each_releases_page() -> None:
    old = reference.cmdlet("2012", "get-vmreplication")
    new = reference.cmdlet("2022", "Get-VMReplication")
    assert old is not None and new is not None
    vm_name = old.parameter("vmname")
    assert vm_name is not None and vm_name.type == "String[]" and not vm_name.required
    assert vm_name.aliases == ("Name",) and vm_name.pipeline.startswith("True")
    # 2012 pages count positions from 1, later ones from 0.
    assert vm_name.position == 1
    assert new.parameter("VMName") is not None and new.parameter("VMName").position == 0  # type: ignore[union-attr]
    assert old.page.startswith("docset/winserver2012-ps/") and re.fullmatch(r"[0-9a-f]{40}",
                                                                          old.commit)
    suspend = reference.cmdlet("2012 R2", "Suspend-ClusterNode")
    assert suspend is not None and suspend.module == "FailoverClusters"
    drain = suspend.parameter("ForceDrain")
    assert drain is not None and drain.switch


def test_confirm_applies_wherever_the_cmdlet_supports_should_process() -> None:
    """2012's Restore-VMSnapshot page lists no -Confirm, yet its own example passes it."""
    restore = reference.cmdlet("2012", "Restore-VMSnapshot")
    assert restore is not None and restore.parameter("Confirm") is None
    assert restore.has_parameter("Confirm") and restore.confirm_impact == "High"
    get_vm = reference.cmdlet("2012", "Get-VM")
    assert get_vm is not None and not get_vm.has_parameter("Confirm")


def test_lookups_are_cached_and_case_insensitive() -> None:
    assert reference.cmdlets("2016") is reference.cmdlets("2016")
    assert reference.cmdlet("2016", "GET-VM") is reference.cmdlets("2016")["Get-VM"]
    assert reference.cmdlet("2012", "Get-VMHostSupportedVersion") is None


@pytest.mark.parametrize(
    ("text", "key"),
    [("2012", "2012"), ("2012R2", "2012 R2"), ("2012 r2", "2012 R2"),
     ("Windows Server 2019", "2019"), ("Microsoft Windows Server 2012 R2", "2012 R2")],
)
def test_release_names(text: str, key: str) -> None:
    assert reference.release_key(text) == key


def test_unknown_release_names_the_supported_ones() -> None:
    with pytest.raises(ValueError, match="2012, 2012 R2, 2016"):
        reference.release_key("2008 R2")


def test_provenance_names_commits_method_and_caveats() -> None:
    prov = reference.provenance()
    assert prov["snapshot_commits"]["2016+"].startswith("f113d6bda7df")
    assert prov["snapshot_commits"]["2012/2012 R2"].startswith("93986fd2fff9")
    assert "SYNTAX" in prov["method"]
    assert any("SupportsShouldProcess" in c for c in prov["caveats"])


def test_every_release_fact_names_a_source() -> None:
    builds = []
    for release in reference.RELEASES:
        facts = reference.release_facts(release)
        for fact in (facts.build, facts.windows_powershell, facts.hyperv_module,
                     facts.pwsh7_hyperv, facts.pwsh7_failoverclusters,
                     facts.failoverclusters_module, facts.storage_module):
            assert fact.value and fact.source
            assert fact.confidence in ("documented", "inferred", "unconfirmed")
        assert facts.pwsh7_hyperv.value in ("unsupported", "compatibility", "native")
        assert reference.pwsh7_meaning(facts.pwsh7_hyperv.value)
        builds.append(tuple(int(p) for p in facts.build.value.split(".")))
    assert builds == sorted(builds)
    assert reference.release_facts("2012").windows_powershell.value == "3.0"
    assert reference.release_facts("2012 R2").pwsh7_hyperv.value == "compatibility"
    assert reference.release_facts("2016").pwsh7_hyperv.value == "compatibility"
    assert reference.release_facts("2019").pwsh7_hyperv.value == "native"
    facts = reference.release_facts("2016")
    assert [facts.module_version(m) for m in reference.MODULES] == [
        facts.hyperv_module, facts.failoverclusters_module, facts.storage_module]


def test_integration_services_by_guid() -> None:
    services = reference.integration_services()
    assert len(services) == 6 and len({s.id for s in services}) == 6
    assert all(re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", s.id) for s in services)
    gsi = reference.integration_service(
        "Microsoft:7CCA7664-1111-2222-3333-444455556666\\6c09bb55-d683-4da0-8931-c9bf705f6480")
    assert gsi is not None and gsi.name == "Guest Service Interface"
    assert not gsi.default_enabled and gsi.since == "2012 R2"
    assert reference.integration_service("00000000-0000-0000-0000-000000000000") is None


def test_enums_are_there() -> None:
    assert reference.enums()["VMState"]["values"]["Running"] == 2


def test_packaging_ships_every_reference_file() -> None:
    """A wheel (pip install ., not -e) must carry the data: pyproject's package-data covers it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    tool = config["tool"]["setuptools"]
    assert "hvtui.reference" in tool["packages"]
    globs = tool["package-data"]["hvtui.reference"]
    files = [p.name for p in (ROOT / "hvtui" / "reference").iterdir()
             if p.is_file() and p.suffix != ".py"]
    assert files
    for name in files:
        assert any(fnmatch.fnmatch(name, g) for g in globs), name
