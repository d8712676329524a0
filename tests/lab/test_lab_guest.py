"""Integration services (R-GSI-1), Copy-VMFile (R-GSI-2), enhanced session policy (R-ESM-1)."""

from __future__ import annotations

from pathlib import Path

from test_lab_support import (
    GSI_ID,
    SMALL,
    default_lab,
    inventory,
    kinds,
    only_error,
    run,
    write_scenario,
)

from hvtui.lab import Lab
from hvtui.lab.failures import COMMAND_NOT_FOUND, COPY_FAILED, INVALID_STATE
from hvtui.ps import catalog

AGENT = "C:\\Tools\\hvtui-agent.msi"
NO_SUCH_SERVICE = (
    "This host offers no integration service with that ID to the virtual machine (the Guest "
    "Service Interface is new in Windows Server 2012 R2)."
)
"""What vm-integration-service.ps1 throws when the host lists no service with that ID."""


async def copy(lab: Lab, host: str, vm: str, destination: str, **flags: bool):  # type: ignore[no-untyped-def]
    return await run(
        lab, host, "vm-copy-file", Name=vm, SourcePath=AGENT, DestinationPath=destination, **flags
    )


async def test_enable_guest_service_interface() -> None:
    lab = default_lab()
    result = await run(
        lab,
        "HV-NODE1",
        "vm-integration-service",
        VMName="DC01",
        # By the culture-neutral GUID, any case, as [guid] binding accepts it.
        ServiceId=GSI_ID.lower(),
        Enabled=True,
    )
    assert result.ok
    record = kinds(result, "IntegrationService")[0]
    assert (record["Name"], record["Enabled"], record["PrimaryStatus"]) == (
        "Guest Service Interface",
        True,
        "OK",
    )
    assert record["Id"].startswith("Microsoft:") and record["Id"].endswith("\\" + GSI_ID)


async def test_unknown_integration_service() -> None:
    error = only_error(
        await run(
            default_lab(),
            "HV-NODE1",
            "vm-integration-service",
            VMName="DC01",
            ServiceId="00000000-0000-0000-0000-000000000001",
            Enabled=True,
        )
    )
    assert error.message == NO_SUCH_SERVICE
    assert NO_SUCH_SERVICE in catalog.get("vm-integration-service").text  # the script's throw


async def test_a_service_id_must_be_a_guid() -> None:
    error = only_error(
        await run(default_lab(), "HV-NODE1", "vm-integration-service", VMName="DC01",
                  ServiceId="Guest Service Interface", Enabled=True)
    )
    assert error.message.startswith("Cannot process argument transformation on parameter "
                                     "'ServiceId'. Cannot convert value \"Guest Service "
                                     "Interface\" to type \"System.Guid\".")


async def test_2012_has_no_guest_service_interface() -> None:
    error = only_error(
        await run(
            default_lab(),
            "HV-LEGACY",
            "vm-integration-service",
            VMName="ERP-APP",
            ServiceId=GSI_ID,
            Enabled=True,
        )
    )
    assert error.message == NO_SUCH_SERVICE


async def test_a_2008r2_guest_cannot_run_the_guest_service_interface() -> None:
    lab = default_lab()
    result = await run(
        lab,
        "HV-NODE1",
        "vm-integration-service",
        VMName="O'Brien-APP",
        ServiceId=GSI_ID,
        Enabled=True,
    )
    assert kinds(result, "IntegrationService")[0]["PrimaryStatus"] == "No Contact"
    error = only_error(await copy(lab, "HV-NODE1", "O'Brien-APP", "C:\\agent.msi"))
    assert error.message == INVALID_STATE


async def test_copy_file_into_a_guest_with_gsi() -> None:
    lab = default_lab()
    result = await copy(lab, "HV-DR1", "JUMP01", "C:\\Users\\Public\\agent.msi")
    assert result.objects == [
        {
            "Kind": "Copied",
            "Name": "JUMP01",
            "SourcePath": AGENT,
            "DestinationPath": "C:\\Users\\Public\\agent.msi",
        }
    ]


async def test_copy_file_needs_gsi_enabled() -> None:
    """R-GSI-2: GSI is off by default, so the copy fails until it is enabled."""
    lab = default_lab()
    error = only_error(await copy(lab, "HV-NODE1", "DC01", "C:\\agent.msi"))
    assert error.message == INVALID_STATE
    assert error.error_id == "InvalidState,Microsoft.HyperV.PowerShell.Commands.CopyVMFile"
    assert (
        await run(
            lab,
            "HV-NODE1",
            "vm-integration-service",
            VMName="DC01",
            ServiceId=GSI_ID,
            Enabled=True,
        )
    ).ok
    assert (await copy(lab, "HV-NODE1", "DC01", "C:\\agent.msi")).ok


async def test_copy_file_needs_a_running_vm() -> None:
    lab = default_lab()
    assert (await run(lab, "HV-DR1", "vm-save", Name="JUMP01")).ok
    error = only_error(await copy(lab, "HV-DR1", "JUMP01", "C:\\agent.msi"))
    assert error.message == INVALID_STATE


async def test_copy_file_blocked_inside_the_guest(tmp_path: Path) -> None:
    text = SMALL.replace(
        "memory_gb = 4\n",
        'memory_gb = 4\nintegration_on = ["Guest Service Interface"]\n'
        'guest_blocked = ["Guest Service Interface"]\n',
        1,
    )
    text = text.replace(
        'switches = ["LAN"]\n', "switches = [\"LAN\"]\nfiles = ['C:\\Tools\\hvtui-agent.msi']\n", 1
    )
    lab = Lab.from_scenario(write_scenario(tmp_path, text), instant=True)
    services = {s["Name"]: s for s in (await inventory(lab, "SRC"))["IntegrationService"]}
    assert services["Guest Service Interface"]["PrimaryStatus"] == "No Contact"
    assert only_error(await copy(lab, "SRC", "VM1", "C:\\agent.msi")).message == INVALID_STATE


async def test_2012_has_no_copy_vmfile() -> None:
    error = only_error(await copy(default_lab(), "HV-LEGACY", "ERP-APP", "C:\\agent.msi"))
    assert error.message == COMMAND_NOT_FOUND.format("Copy-VMFile")
    assert (error.error_id, error.target) == ("CommandNotFoundException", "Copy-VMFile")


async def test_copy_file_source_must_exist_on_the_host() -> None:
    result = await run(
        default_lab(),
        "HV-DR1",
        "vm-copy-file",
        Name="JUMP01",
        SourcePath="C:\\Tools\\missing.exe",
        DestinationPath="C:\\x.exe",
    )
    error = only_error(result)
    assert error.message == (
        COPY_FAILED.format("C:\\Tools\\missing.exe", "C:\\x.exe")
        + " The system cannot find the file specified. (0x80070002)"
    )


async def test_copy_file_folders_and_overwrite() -> None:
    lab = default_lab()
    missing = only_error(await copy(lab, "HV-DR1", "JUMP01", "C:\\Deploy\\v2\\agent.msi"))
    assert missing.message.startswith('Failed to copy file "C:\\Tools\\hvtui-agent.msi" to ')
    assert "The system cannot find the path specified." in missing.message
    assert (
        await copy(lab, "HV-DR1", "JUMP01", "C:\\Deploy\\v2\\agent.msi", CreateFullPath=True)
    ).ok
    exists = only_error(await copy(lab, "HV-DR1", "JUMP01", "C:\\Deploy\\v2\\agent.msi"))
    assert "The file exists." in exists.message
    assert (await copy(lab, "HV-DR1", "JUMP01", "C:\\Deploy\\v2\\agent.msi", Force=True)).ok
    assert (await copy(lab, "HV-DR1", "JUMP01", "C:\\Deploy\\v2\\")).ok  # into a folder


async def test_copy_file_into_a_linux_guest() -> None:
    lab = default_lab()
    assert (
        await run(
            lab,
            "HV-NODE2",
            "vm-integration-service",
            VMName="LNX-WEB01",
            ServiceId=GSI_ID,
            Enabled=True,
        )
    ).ok
    assert (await copy(lab, "HV-NODE2", "LNX-WEB01", "/tmp/agent.msi")).ok
    bad = only_error(await copy(lab, "HV-NODE2", "LNX-WEB01", "C:\\agent.msi"))
    assert "syntax is incorrect" in bad.message


# --- enhanced session mode -------------------------------------------------------------------


async def test_enhanced_session_is_off_on_servers_and_can_be_enabled() -> None:
    lab = default_lab()
    for host in lab.host_names:
        assert (await inventory(lab, host))["Host"][0]["EnhancedSessionMode"] is False
    result = await run(lab, "HV-NODE1", "host-enhanced-session", Enabled=True)
    assert result.objects == [{"Kind": "HostSetting", "EnhancedSessionMode": True}]
    assert (await inventory(lab, "HV-NODE1"))["Host"][0]["EnhancedSessionMode"] is True


async def test_2012_has_no_enhanced_session_parameter() -> None:
    """R-ESM-1: Set-VMHost -EnableEnhancedSessionMode exists only from 2012 R2."""
    error = only_error(await run(default_lab(), "HV-LEGACY", "host-enhanced-session", Enabled=True))
    assert error.message == (
        "A parameter cannot be found that matches parameter name 'EnableEnhancedSessionMode'."
    )
    assert (error.category, error.error_id) == (
        "InvalidArgument",
        "NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.SetVMHost",
    )
