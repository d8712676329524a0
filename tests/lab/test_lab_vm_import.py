"""Import-VM and Compare-VM -Path on the lab, per release: what Export-VM leaves behind is
what Import-VM reads back (.xml configuration files up to version 5.0, .vmcx from 2016),
registered in place or copied, with or without a new id; and what each host refuses."""

from __future__ import annotations

from lab_console import console, output
from test_lab_support import default_lab, estate_vm

from hvtui.lab import Lab
from hvtui.lab.vmimport import (
    IMPORT_FAILED_VALIDATE,
    SAME_ID,
    VERSION_UNSUPPORTED,
    config_file,
)

NAS = "\\\\NAS01\\Exports"


def _export(lab: Lab, host: str, name: str, folder: str = NAS) -> str:
    """Export ``name`` on ``host`` to ``folder``; the configuration file the host wrote."""
    outcome = console(lab, host, "param($N, $P) Export-VM -Name $N -Path $P", N=name, P=folder)
    assert not outcome.failed, [e.message for e in outcome.errors]
    vm = estate_vm(lab, host, name)
    return config_file(f"{folder}\\{name}", vm)


def _messages(text: str, lab: Lab, host: str, **params: object) -> list[str]:
    return [e.message for e in console(lab, host, text, **params).errors]


def test_2012_writes_xml_and_imports_a_copy_with_a_new_id() -> None:
    lab = default_lab()
    original = estate_vm(lab, "HV-LEGACY", "BUILD01")
    config = _export(lab, "HV-LEGACY", "BUILD01")
    assert config.lower().endswith(f"\\virtual machines\\{original.id.lower()}.xml")
    [vm] = output(console(lab, "HV-LEGACY", "param($P) Import-VM -Path $P -Copy "
                                            "-GenerateNewId -VhdDestinationPath 'D:\\VHDs\\b2'",
                          P=config))
    assert vm["Name"] == "BUILD01" and str(vm["Id"]).lower() != original.id.lower()
    copies = lab.estate.host("HV-LEGACY").find_vms("BUILD01")  # type: ignore[union-attr]
    assert len(copies) == 2
    new = next(v for v in copies if v.id != original.id)
    assert new.version == "4.0"
    assert all(d.path.lower().startswith("d:\\vhds\\b2\\") for d in new.drives)


def test_2012r2_refuses_the_same_id_then_registers_in_place_once_it_is_gone() -> None:
    lab = default_lab()
    config = _export(lab, "HV-DR1", "JUMP01", "E:\\Exports")
    assert config.lower().endswith(".xml")
    text = "param($P) Import-VM -Path $P"
    [message] = _messages(text, lab, "HV-DR1", P=config)
    assert SAME_ID in message
    assert not console(lab, "HV-DR1", "Stop-VM -Name 'JUMP01' -TurnOff -Force; "
                                      "Remove-VM -Name 'JUMP01' -Force").failed
    [vm] = output(console(lab, "HV-DR1", text, P=config))
    assert vm["Path"] == "E:\\Exports\\JUMP01"
    assert estate_vm(lab, "HV-DR1", "JUMP01").path == "E:\\Exports\\JUMP01"
    # Registered in place: the files are the VM's now, not an export to import again.
    assert _messages(text, lab, "HV-DR1", P=config)
    assert len(lab.estate.host("HV-DR1").find_vms("JUMP01")) == 1  # type: ignore[union-attr]


def test_2016_reports_a_2019_version_and_refuses_to_import_it() -> None:
    """R-VER-2: a 9.0 VM exported on 2019 does not import on 2016 (up to 8.0)."""
    lab = default_lab()
    config = _export(lab, "HV-2019", "WIN2019-WEB")
    assert config.lower().endswith(".vmcx")
    messages = output(console(lab, "HV-2016", "param($P) (Compare-VM -Path $P -Copy "
                                              "-GenerateNewId).Incompatibilities | "
                                              "ForEach-Object { $_.Message }", P=config))
    assert messages[0] == VERSION_UNSUPPORTED  # then its switch, DMZ, missing on 2016
    assert "Ethernet switch 'DMZ'" in messages[1]
    [message] = _messages("param($P) Import-VM -Path $P -Copy -GenerateNewId", lab,
                          "HV-2016", P=config)
    assert IMPORT_FAILED_VALIDATE in message
    assert lab.estate.host("HV-2016").find_vms("WIN2019-WEB") == []  # type: ignore[union-attr]


def test_2025_imports_an_8_0_vm_from_2016_as_a_copy_keeping_its_id() -> None:
    lab = default_lab()
    original = estate_vm(lab, "HV-2016", "MÜN-LNX01")
    config = _export(lab, "HV-2016", "MÜN-LNX01")
    assert output(console(lab, "HV-2025", "param($P) (Compare-VM -Path $P -Copy)."
                                          "Incompatibilities | ForEach-Object { $_.Message }",
                          P=config)) == []
    [vm] = output(console(lab, "HV-2025", "param($P) Import-VM -Path $P -Copy", P=config))
    assert str(vm["Id"]).lower() == original.id.lower() and vm["Version"] == "8.0"
