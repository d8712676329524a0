"""The lab as a Session: script recognition, parameter binding, the engine, clock, progress."""

from __future__ import annotations

import asyncio
import re

import pytest
from test_lab_support import default_lab, inventory, only_error, run

from hvtui.errors import ConnectError, RemoteTimeout, SessionLost
from hvtui.lab import Lab, LabClock, LabSession
from hvtui.lab.failures import COMMAND_NOT_FOUND
from hvtui.ps import catalog
from hvtui.ps.decode import inventory_records
from hvtui.remote.base import ProgressRecord, Session

# vhd-resize.ps1's own checks (the script throws them; the lab no longer restates them).
BOTH_GIVEN = "Give either SizeBytes or ToMinimumSize, not both."
NEITHER_GIVEN = (
    "Give the new size in SizeBytes, or ToMinimumSize to shrink the disk to its minimum."
)


def test_script_throw_texts_are_the_scripts_own() -> None:
    assert BOTH_GIVEN in catalog.get("vhd-resize").text
    assert NEITHER_GIVEN in catalog.get("vhd-resize").text


def test_lab_session_is_a_session() -> None:
    assert isinstance(default_lab().session("HV-NODE1"), Session)


async def test_unknown_script_fails_like_an_unknown_command() -> None:
    lab = default_lab()
    result = await lab.session("HV-NODE1").invoke("# probe\nGet-Foo -Name 'x'; Remove-Item C:\\")
    error = only_error(result)
    assert error.message == COMMAND_NOT_FOUND.format("Get-Foo")
    assert error.message.startswith("The term 'Get-Foo' is not recognized as the name of a cmdlet")
    assert (error.category, error.error_id, error.target) == (
        "ObjectNotFound",
        "CommandNotFoundException",
        "Get-Foo",
    )


async def test_a_modified_catalog_script_is_not_recognised() -> None:
    lab = default_lab()
    text = catalog.get("vm-start").text.replace("Start-VM", "Stop-VM -TurnOff")
    result = await lab.session("HV-NODE1").invoke(text, {"Name": "SQL01"})
    assert only_error(result).error_id == "CommandNotFoundException"
    assert (await inventory(lab, "HV-NODE1"))["VM"][0]["State"] == "Running"


async def test_whitespace_and_line_endings_do_not_change_a_script() -> None:
    lab = default_lab()
    text = catalog.get("vm-start").text.replace("\n", "\r\n") + "   \r\n"
    result = await lab.session("HV-NODE1").invoke(text, {"Name": "SQL01"})
    assert result.ok


async def test_unknown_parameter_is_refused_by_the_binder() -> None:
    result = await run(default_lab(), "HV-NODE1", "vm-start", Name="SQL01", Force=True)
    error = only_error(result)
    assert error.message == "A parameter cannot be found that matches parameter name 'Force'."
    assert (error.category, error.error_id) == ("InvalidArgument", "NamedParameterNotFound")


async def test_parameter_names_bind_case_insensitively_and_by_prefix() -> None:
    lab = default_lab()
    assert (await run(lab, "HV-NODE1", "vm-save", name="SQL01")).ok
    result = await lab.session("HV-NODE1").invoke(catalog.get("vm-start").text, {"Na": "SQL01"})
    assert result.ok and result.objects[0]["State"] == "Running"


async def test_missing_mandatory_parameter() -> None:
    error = only_error(await run(default_lab(), "HV-NODE1", "vm-start"))
    assert error.message == (
        "Cannot process command because of one or more missing mandatory parameters: Name."
    )
    assert error.error_id == "MissingMandatoryParameter"


async def test_empty_mandatory_string_is_refused() -> None:
    error = only_error(await run(default_lab(), "HV-NODE1", "vm-start", Name=""))
    assert (
        error.message == "Cannot bind argument to parameter 'Name' because it is an empty string."
    )
    assert error.category == "InvalidData"


async def test_validate_set_is_enforced() -> None:
    result = await run(
        default_lab(), "HV-NODE1", "cluster-node-resume", NodeName="HV-NODE3", Failback="Sometimes"
    )
    error = only_error(result)
    assert error.message.startswith("Cannot validate argument on parameter 'Failback'.")
    assert '"NoFailback,Immediate,Policy"' in error.message


async def test_bool_parameter_refuses_a_string() -> None:
    error = only_error(await run(default_lab(), "HV-NODE1", "host-migration", Enabled="yes"))
    assert "Boolean parameters accept only Boolean values and numbers" in error.message
    assert error.error_id == "ParameterArgumentTransformationError"


async def test_int_parameter_converts_digits_and_refuses_words() -> None:
    lab = default_lab()
    assert (
        await run(lab, "HV-NODE1", "replication-frequency", VMName="SQL01", FrequencySec="300")
    ).ok
    error = only_error(
        await run(lab, "HV-NODE1", "replication-frequency", VMName="SQL01", FrequencySec="often")
    )
    assert 'Cannot convert value "often" to type "System.Int32"' in error.message


async def test_script_level_throw_is_reported_as_the_script_wrote_it() -> None:
    result = await run(
        default_lab(),
        "HV-NODE1",
        "vhd-resize",
        Path="C:\\x.vhdx",
        SizeBytes=1024,
        ToMinimumSize=True,
    )
    error = only_error(result)
    assert (error.message, error.category) == (BOTH_GIVEN, "OperationStopped")


async def test_empty_script_does_nothing() -> None:
    result = await default_lab().session("HV-NODE1").invoke("  # nothing here\n")
    assert result.ok and result.objects == []


async def test_unknown_host_cannot_be_reached() -> None:
    with pytest.raises(ConnectError) as caught:
        default_lab().session("HV-NOPE")
    assert "HV-NODE1" in (caught.value.hint or "")


async def test_hosts_are_found_by_fqdn_and_any_case() -> None:
    lab = default_lab()
    assert lab.session("hv-node1.contoso.local").host == "HV-NODE1"


async def test_closed_session_refuses_calls() -> None:
    session = default_lab().session("HV-NODE1")
    await session.close()
    with pytest.raises(SessionLost):
        await session.invoke(catalog.get("inventory").text)


async def test_state_changes_are_shared_by_every_session_of_a_lab() -> None:
    lab = default_lab()
    assert (await lab.session("HV-NODE1").invoke(catalog.get("vm-save").text, {"Name": "SQL01"})).ok
    other: LabSession = lab.session("hv-node1")
    records = inventory_records("hv-node1",
                                (await other.invoke(catalog.get("inventory").text)).objects)
    vm = next(r for r in records if r.get("Kind") == "VM" and r.get("Name") == "SQL01")
    assert vm["State"] == "Saved"


async def test_instant_clock_completes_a_migration_at_once_and_reports_progress() -> None:
    lab = default_lab()
    seen: list[ProgressRecord] = []
    session = lab.session("HV-LEGACY")
    before = lab.clock.elapsed()
    result = await asyncio.wait_for(
        session.invoke(
            catalog.get("vm-move").text,
            {
                "Name": "LEGACY-SQL",
                "DestinationHost": "HV-NODE1",
                "IncludeStorage": True,
                "DestinationStoragePath": "D:\\Hyper-V\\LEGACY-SQL",
            },
            on_progress=seen.append,
        ),
        timeout=5,
    )
    assert result.ok, result.errors
    assert result.objects == [
        {"Kind": "Moved", "Name": "LEGACY-SQL", "DestinationHost": "HV-NODE1"}
    ]
    assert seen == result.progress
    assert [p.percent for p in seen][0] == 0 and seen[-1].percent == 100
    assert all(a.percent <= b.percent for a, b in zip(seen, seen[1:], strict=False))
    # The move took lab time (memory and 150 GB of disks), though no real time passed.
    assert lab.clock.elapsed() - before > 60


async def test_slow_clock_times_out_a_long_operation_and_leaves_the_vm_in_place() -> None:
    lab = Lab.from_scenario(speed=1.0)
    session = lab.session("HV-LEGACY")
    with pytest.raises(RemoteTimeout):
        await session.invoke(
            catalog.get("vm-move").text,
            {"Name": "LEGACY-SQL", "DestinationHost": "HV-NODE1", "IncludeStorage": True},
            timeout=0.05,
        )
    names = [r["Name"] for r in (await inventory(lab, "HV-LEGACY"))["VM"]]
    assert "LEGACY-SQL" in names
    vm = next(r for r in (await inventory(lab, "HV-LEGACY"))["VM"] if r["Name"] == "LEGACY-SQL")
    assert vm["Status"] == "Operating normally"


def test_clock_runs_at_its_speed_and_advances() -> None:
    clock = LabClock(speed=float("inf"))
    assert clock.instant and clock.elapsed() == 0
    clock.advance(90)
    assert clock.elapsed() == 90
    assert (clock.now() - clock.start).total_seconds() == 90
    with pytest.raises(ValueError):
        LabClock(speed=0)


async def test_concurrent_invocations_from_many_tasks_keep_the_estate_consistent() -> None:
    lab = default_lab()
    names = ["SQL01", "FS01", "DC01", "GC-SQL-A"]
    results = await asyncio.gather(
        *(
            run(lab, "HV-NODE1", script, Name=name)
            for name in names
            for script in ("vm-save", "vm-start")
        ),
        *(run(lab, "HV-NODE1", "inventory") for _ in range(4)),
    )
    assert all(r.ok for r in results)
    states = {r["Name"]: r["State"] for r in (await inventory(lab, "HV-NODE1"))["VM"]}
    assert all(states[n] in ("Running", "Saved") for n in names)


def test_error_ids_name_the_cmdlet_class() -> None:
    from hvtui.lab.failures import cmdlet_class

    assert cmdlet_class("Start-VM") == "Microsoft.HyperV.PowerShell.Commands.StartVM"
    assert cmdlet_class("Resize-VHD") == "Microsoft.Vhd.PowerShell.Cmdlets.ResizeVHD"
    assert re.match(
        r"Microsoft\.FailoverClusters\.PowerShell\.\w+Command$", cmdlet_class("Suspend-ClusterNode")
    )


def test_sessions_from_threads_with_their_own_event_loops_share_one_estate() -> None:
    """The lab servers run their own event loops in threads; the estate stays consistent."""
    import threading

    lab = default_lab()
    failures: list[BaseException] = []

    def worker(name: str) -> None:
        async def cycle() -> None:
            for _ in range(5):
                assert (await run(lab, "HV-NODE1", "vm-save", Name=name)).ok
                assert (await run(lab, "HV-NODE1", "vm-start", Name=name)).ok
                assert (await run(lab, "HV-NODE1", "inventory")).ok

        try:
            asyncio.run(cycle())
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("SQL01", "FS01", "DC01")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures
    states = {r["Name"]: r["State"] for r in asyncio.run(inventory(lab, "HV-NODE1"))["VM"]}
    assert states["SQL01"] == states["FS01"] == states["DC01"] == "Running"
