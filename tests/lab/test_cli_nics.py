"""hvtui nic add / remove / connect / set on the lab: --dry-run shows the exact cmdlets and
changes nothing, a refusal says why and what to do, a confirmed change shows in the next
inventory (VLAN and guards included), -o json carries the plan."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lab_cli import audit, flat, run_cli

from hvtui.cli import main


def _nics(capsys: pytest.CaptureFixture[str], host: str, vm: str) -> dict[str, dict[str, object]]:
    """The VM's adapters by name, as the next inventory reads them (hvtui get nics)."""
    capsys.readouterr()
    assert main(["--lab-speed", "inf", "get", "nics", "--host", host, "-o", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    return {str(r["name"]): r for r in rows if r["vm"] == vm}


def test_help_names_the_cmdlets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["nic", "--help"])
    out = re.sub(r"-\s+", "-", re.sub(r"\s+", " ", capsys.readouterr().out))
    for cmdlet in ("Add-", "Remove-", "Connect-", "Disconnect-VMNetworkAdapter",
                   "Set-VMNetworkAdapterVlan", "Set-VMNetworkAdapter"):
        assert cmdlet in out


def test_add_set_connect_remove_on_a_running_generation_2_vm(
        capsys: pytest.CaptureFixture[str], state_dir: Path) -> None:
    name = "Backup 'LAN' $x;`"
    code, out, _ = run_cli(capsys, "nic", "add", "MÜN-FS01", "--name", name, "--switch",
                           "external-lan", "--yes")
    assert code == 0, out
    assert ("Add-VMNetworkAdapter -VMName 'MÜN-FS01' -Name 'Backup ''LAN'' $x;`' "
            "-SwitchName 'External-LAN'") in flat(out)
    assert _nics(capsys, "HV-2016", "MÜN-FS01")[name]["switch"] == "External-LAN"

    code, out, _ = run_cli(capsys, "nic", "set", "MÜN-FS01", name, "--vlan", "20",
                           "--dhcp-guard", "on", "--router-guard", "on", "--yes")
    assert code == 0, out
    text = flat(out)
    assert "Set-VMNetworkAdapterVlan -VMName 'MÜN-FS01' -VMNetworkAdapterName " in text
    assert "-Access -VlanId 20" in text and "loses its connection unless" in text
    nic = _nics(capsys, "HV-2016", "MÜN-FS01")[name]
    assert (nic["vlan"], nic["dhcp_guard"], nic["router_guard"], nic["mac_spoofing"]) == \
        (20, True, True, False)

    code, out, _ = run_cli(capsys, "nic", "connect", "MÜN-FS01", name, "--none", "--yes")
    assert code == 0 and "Disconnect-VMNetworkAdapter" in out
    assert _nics(capsys, "HV-2016", "MÜN-FS01")[name]["switch"] == ""

    code, out, _ = run_cli(capsys, "nic", "remove", "MÜN-FS01", name, "--yes")
    assert code == 0 and "[destructive]" in out
    assert name not in _nics(capsys, "HV-2016", "MÜN-FS01")
    assert [(e["operation"], e["parameters"]["Action"], e["outcome"])  # type: ignore[index]
            for e in audit(state_dir) if e["outcome"] != "started"] == [
        ("vm-network-adapter", action, "succeeded")
        for action in ("Add", "Set", "Connect", "Remove")]


def test_dry_run_shows_the_legacy_add_and_changes_nothing(
        capsys: pytest.CaptureFixture[str]) -> None:
    before = _nics(capsys, "HV-LEGACY", "BUILD01")
    code, out, _ = run_cli(capsys, "nic", "add", "BUILD01", "--name", "PXE", "--legacy",
                           "--switch", "External-LAN", "--dry-run")
    assert code == 0
    assert ("Add-VMNetworkAdapter -VMName 'BUILD01' -Name 'PXE' -SwitchName 'External-LAN' "
            "-IsLegacy") in flat(out)
    assert "Dry run" in out
    assert _nics(capsys, "HV-LEGACY", "BUILD01") == before


def test_refusals_say_why_and_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    # before 2016 (and on generation 1) an adapter is added only while the VM is off
    code, out, _ = run_cli(capsys, "nic", "add", "LEGACY-SQL", "--name", "Second", "--yes")
    assert code == 2 and "Refused, nothing was changed" in out
    assert "only a generation 2 VM takes adapters while it runs" in flat(out)
    assert "shut LEGACY-SQL down first" in out
    # generation 2 has no legacy adapter
    code, out, _ = run_cli(capsys, "nic", "add", "UBU-LAB", "--legacy", "--dry-run")
    assert code == 2 and "do not support legacy network adapters" in flat(out)
    # a switch the host lacks, a name the VM already uses, a VLAN out of range
    code, out, _ = run_cli(capsys, "nic", "add", "MÜN-FS01", "--name", "X", "--switch", "DMZ",
                           "--yes")
    assert code == 2 and "HV-2016 has no virtual switch 'DMZ'" in flat(out)
    code, out, _ = run_cli(capsys, "nic", "add", "MÜN-FS01", "--name", "network adapter",
                           "--dry-run")
    assert code == 2 and "already has an adapter named 'network adapter'" in flat(out)
    code, out, _ = run_cli(capsys, "nic", "add", "MÜN-FS01", "--dry-run")
    assert code == 0 and "-Name 'Network Adapter 2'" in flat(out)
    code, out, _ = run_cli(capsys, "nic", "set", "MÜN-FS01", "Network Adapter", "--vlan",
                           "5000", "--yes")
    assert code == 2 and "give 1 to 4094, or 0 (untagged)" in flat(out)
    code, out, err = run_cli(capsys, "nic", "set", "MÜN-FS01", "Network Adapter", "--yes")
    assert code == 2 and "nothing to change" in err


def test_json_output_carries_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "nic", "set", "MÜN-FS01", "Network Adapter",
                           "--mac-spoofing", "on", "--dry-run", "-o", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["plan"]["operation"] == "nic-set"
    assert doc["plan"]["request"]["mac_spoofing"] is True
    assert "Set-VMNetworkAdapter -VMName 'MÜN-FS01' -Name 'Network Adapter' " \
           "-MacAddressSpoofing 'On'" in json.dumps(doc, ensure_ascii=False)


# --- hvtui switch (Virtual Switch Manager) ------------------------------------------------------


def _switches(capsys: pytest.CaptureFixture[str], host: str) -> dict[str, dict[str, object]]:
    capsys.readouterr()
    assert main(["--lab-speed", "inf", "get", "switches", "-o", "json"]) == 0
    return {str(r["name"]): r for r in json.loads(capsys.readouterr().out) if r["host"] == host}


def test_switch_help_names_the_cmdlets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["switch", "--help"])
    out = re.sub(r"-\s+", "-", re.sub(r"\s+", " ", capsys.readouterr().out))
    for cmdlet in ("New-VMSwitch", "Rename-VMSwitch", "Remove-VMSwitch"):
        assert cmdlet in out


def test_internal_switch_created_renamed_used_and_removed(
        capsys: pytest.CaptureFixture[str]) -> None:
    name = "Lab 'Int' $1"
    code, out, _ = run_cli(capsys, "switch", "new", "HV-2019", name, "--type", "internal",
                           "--yes")
    assert code == 0, out
    assert "New-VMSwitch -Name 'Lab ''Int'' $1' -SwitchType 'Internal'" in flat(out)
    assert _switches(capsys, "HV-2019")[name]["type"] == "Internal"

    code, out, _ = run_cli(capsys, "nic", "connect", "APP2016", "Network Adapter", name,
                           "--yes")
    assert code == 0, out
    assert _switches(capsys, "HV-2019")[name]["used_by"] == 1

    code, out, _ = run_cli(capsys, "switch", "rename", "HV-2019", name, "Lab-Internal", "--yes")
    assert code == 0, out
    assert "Rename-VMSwitch -Name 'Lab ''Int'' $1' -NewName 'Lab-Internal'" in flat(out)
    assert "rename the matching switch on the other hosts" in flat(out)
    assert _switches(capsys, "HV-2019")["Lab-Internal"]["used_by"] == 1  # the adapter followed

    code, out, _ = run_cli(capsys, "switch", "remove", "HV-2019", "Lab-Internal", "--yes")
    assert code == 2 and "Refused, nothing was changed" in out
    assert "1 adapter(s) use it" in flat(out) and "hvtui nic connect" in flat(out)
    assert "Lab-Internal" in _switches(capsys, "HV-2019")


def test_external_switch_warns_about_the_host_connection_and_refuses_a_bound_adapter(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "switch", "new", "HV-2016", "Storage", "--type", "external",
                           "--adapter", "Ethernet 3", "--dry-run")
    text = flat(out)
    assert code == 0 and "Dry run" in out
    assert "New-VMSwitch -Name 'Storage' -NetAdapterName 'Ethernet 3' " \
           "-AllowManagementOS:$true" in text
    assert "HV-2016's own connection on 'Ethernet 3' moves to a virtual adapter" in text
    assert "the session may drop" in text
    code, out, _ = run_cli(capsys, "switch", "new", "HV-2016", "Storage", "--type", "external",
                           "--adapter", "Ethernet", "--yes")
    assert code == 2 and "'Ethernet' is bound to the switch 'External-LAN' already" in flat(out)
    code, _, err = run_cli(capsys, "switch", "new", "HV-2016", "Storage", "--type", "external",
                           "--yes")
    assert code == 2 and "needs --adapter" in err
    code, out, _ = run_cli(capsys, "switch", "new", "HV-2016", "external-lan", "--type",
                           "private", "--yes")
    assert code == 2 and "already has a switch named 'external-lan'" in flat(out)


def test_an_unused_switch_is_removed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "switch", "remove", "HV-NODE3", "DMZ", "--yes")
    assert code == 0, out
    assert "Remove-VMSwitch -Name 'DMZ' -Force" in flat(out) and "[destructive]" in out
    assert "HV-NODE3's own connection through the switch goes with it" in flat(out)
    code, out, _ = run_cli(capsys, "switch", "new", "HV-NODE3", "DMZ", "--type", "private",
                           "--dry-run")
    assert code == 0 and "HV-NODE3 is a node of" in flat(out)
    assert "make the same change on every node of the cluster" in flat(out)
    assert "DMZ" not in _switches(capsys, "HV-NODE3")
