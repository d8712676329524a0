"""Hyper-V Replica: frequency (R-REP-1/2), suspend/resume and failover (R-REP-4/5).

Replica copies of a VM share its id across hosts; each copy's ReplicationMode says which
end of which link it is. A Replica copy that extends replication is the sending end of
the extended link, so settings made there change the extended link.
"""

from __future__ import annotations

from hvtui.lab import live, records
from hvtui.lab.estate import (
    VM,
    Adapter,
    Drive,
    Estate,
    Host,
    ReplicationChain,
    ReplicationLink,
    Vhd,
    parent,
)
from hvtui.lab.failures import (
    EXTENDED_FREQUENCY_NOT_ALLOWED,
    EXTENDED_FREQUENCY_TOO_LOW,
    REPLICA_SETTINGS_REFUSED,
    REPLICATION_NOT_ENABLED,
    REPLICATION_WRONG_STATE,
    binding_error,
    invalid_argument,
    invalid_operation,
    invalid_state,
    parameter_not_found,
    script_throw,
)
from hvtui.lab.registry import Call, handles
from hvtui.lab.releases import has_parameter

FREQUENCIES = (30, 300, 900)
"""R-REP-1: the only frequencies the service accepts (the binder allows 30..900)."""

# The script's own check (hvtui/ps/scripts/replica-failover.ps1); a test keeps it in step.
PREPARE_AND_TEST = (
    "Give either Prepare (planned failover, on the primary) or AsTest (test failover, on the "
    "replica), not both."
)

_FAILED_OVER = ("FailedOverWaitingCompletion", "FailedOver")


def _chain(vm: VM, estate: Estate, cmdlet: str) -> ReplicationChain:
    chain = estate.replication(vm)
    if chain is None or vm.replication_mode == "TestReplica":
        raise invalid_operation(cmdlet, REPLICATION_NOT_ENABLED.format(vm.name), vm.name)
    return chain


def _wrong_state(cmdlet: str, vm: VM) -> Exception:
    return invalid_operation(cmdlet, REPLICATION_WRONG_STATE.format(vm.name), vm.name)


def local_link(vm: VM, chain: ReplicationChain) -> ReplicationLink:
    """The link this copy acts on: the extended one where this copy sends or receives it."""
    if vm.replication_mode == "Primary":
        return chain.primary
    if chain.extended is not None:
        return chain.extended
    return chain.primary


def _emit_replication(call: Call, name: str) -> None:
    elapsed = call.clock.elapsed()
    for vm in call.host.find_vms(name):
        for record in records.replication_records(call.estate, call.host, vm, elapsed):
            call.emit(record)


@handles("replication-frequency")
async def replication_frequency(call: Call) -> None:
    cmdlet = "Set-VMReplication"
    # R-REP-1: 2012 replicated every 5 minutes, fixed; the parameter arrived with 2012 R2.
    if not has_parameter(call.host.release, cmdlet, "ReplicationFrequencySec"):
        raise parameter_not_found("ReplicationFrequencySec", cmdlet)
    name, frequency = call.params["VMName"], int(call.params["FrequencySec"])
    if not 30 <= frequency <= 900:
        limit = (
            f"The {frequency} argument is less than the minimum allowed range of 30. Supply an "
            "argument that is greater than or equal to 30"
            if frequency < 30
            else f"The {frequency} argument is greater than the maximum allowed range of 900. "
            "Supply an argument that is less than or equal to 900"
        )
        raise binding_error(
            f"Cannot validate argument on parameter 'ReplicationFrequencySec'. {limit} and then "
            "try the command again.",
            "ParameterArgumentValidationError",
            category="InvalidData",
            cmdlet=cmdlet,
        )
    with call.lock:
        for vm in call.vms(name, cmdlet):
            chain = _chain(vm, call.estate, cmdlet)
            if frequency not in FREQUENCIES:
                # UNCONFIRMED wording: the service refuses anything but 30, 300 and 900.
                raise invalid_argument(
                    cmdlet,
                    f"The replication frequency {frequency} seconds is not valid. Use 30, 300 "
                    "or 900 seconds.",
                    vm.name,
                )
            if vm.replication_mode == "Primary":
                link = chain.primary
            elif vm.replication_mode == "Replica" and chain.extended is not None:
                # R-REP-2: the extended link is configured on the replica VM.
                if frequency == 30:
                    raise invalid_argument(
                        cmdlet, EXTENDED_FREQUENCY_NOT_ALLOWED.format(frequency), vm.name
                    )
                # UNCONFIRMED: equal frequencies are allowed ("5 or 15 minutes" for a 5-minute
                # primary, per "Mastering Windows Server 2016 Hyper-V"); lower ones are not.
                if frequency < chain.primary.frequency:
                    raise invalid_argument(cmdlet, EXTENDED_FREQUENCY_TOO_LOW, vm.name)
                link = chain.extended
            else:
                raise invalid_operation(cmdlet, REPLICA_SETTINGS_REFUSED.format(vm.name), vm.name)
            last = live.last_replication(call.estate, link, call.clock.elapsed())
            if last is not None and link.frozen is None:
                # The next cycle starts from the last replication at the new frequency.
                link.anchor = (last - call.clock.start).total_seconds()
            link.frequency = frequency
        _emit_replication(call, name)


@handles("replication-suspend")
async def replication_suspend(call: Call) -> None:
    cmdlet = "Suspend-VMReplication"
    name = call.params["VMName"]
    with call.lock:
        for vm in call.vms(name, cmdlet):
            link = local_link(vm, _chain(vm, call.estate, cmdlet))
            if link.state != "Replicating":
                raise _wrong_state(cmdlet, vm)
            live.freeze_link(call.estate, link, call.clock.elapsed())
            link.state, link.health = "Suspended", "Warning"
        _emit_replication(call, name)


@handles("replication-resume")
async def replication_resume(call: Call) -> None:
    cmdlet = "Resume-VMReplication"
    name = call.params["VMName"]
    with call.lock:
        for vm in call.vms(name, cmdlet):
            link = local_link(vm, _chain(vm, call.estate, cmdlet))
            if link.state not in ("Suspended", "Error"):
                raise _wrong_state(cmdlet, vm)
            # Resuming sends the changes tracked meanwhile at once; the cycle restarts now.
            live.restart_link(link, call.clock.elapsed())
            link.state, link.health = "Replicating", "Normal"
        _emit_replication(call, name)


def make_test_vm(estate: Estate, host: Host, vm: VM) -> VM:
    """Start-VMFailover -AsTest: an Off copy on differencing disks, not connected to any switch."""
    test = vm.copy_settings(
        id=estate.new_id("test-failover"),
        name=f"{vm.name} - Test",
        path=vm.path,
        replication_mode="TestReplica",
        adapters=[Adapter(a.name, "", a.mac, list(a.ips)) for a in vm.adapters],
    )
    for drive in vm.drives:
        source = estate.vhd(host, drive.path)
        stem = drive.path.rsplit("\\", 1)[-1].rsplit(".", 1)[0]
        test_path = f"{parent(drive.path)}\\{stem} - Test.avhdx"
        if source is not None:
            estate.add_vhd(
                host,
                Vhd(
                    path=test_path,
                    format="VHDX",
                    type="Differencing",
                    size=source.size,
                    file_size=4 * 1024**2,
                    minimum_size=source.minimum_size,
                    block_size=2 * 1024**2,
                    parent_path=drive.path,
                ),
            )
        test.drives.append(
            Drive(
                test_path,
                drive.controller_type,
                drive.controller_number,
                drive.controller_location,
            )
        )
    host.vms[test.id] = test
    return test


@handles("replica-failover")
async def replica_failover(call: Call) -> None:
    cmdlet = "Start-VMFailover"
    name = call.params["VMName"]
    prepare, as_test = bool(call.params["Prepare"]), bool(call.params["AsTest"])
    if prepare and as_test:
        raise script_throw(PREPARE_AND_TEST)
    estate, elapsed = call.estate, call.clock.elapsed()
    with call.lock:
        for vm in call.vms(name, cmdlet):
            chain = _chain(vm, estate, cmdlet)
            call.idle(vm, cmdlet)
            if vm.replication_mode == "Primary":
                # Planned failover, step one: only -Prepare, only with the primary shut down.
                if not prepare:
                    raise _wrong_state(cmdlet, vm)
                if vm.state != "Off":
                    raise invalid_state(cmdlet, vm.name)
                if chain.primary.state != "Replicating":
                    raise _wrong_state(cmdlet, vm)
                # The last changes go to the replica now: no data is lost.
                live.restart_link(chain.primary, elapsed)
                chain.primary.frozen = elapsed
                chain.primary.state = "PreparedForFailover"
                continue
            link = chain.primary if vm.replication_mode == "Replica" else chain.extended
            if prepare or link is None or link.state in _FAILED_OVER:
                raise _wrong_state(cmdlet, vm)
            if as_test:
                existing = chain.test_vm_id and any(
                    chain.test_vm_id in h.vms for h in estate.hosts.values()
                )
                if existing:
                    # One test VM at a time (R-REP-4).
                    raise _wrong_state(cmdlet, vm)
                chain.test_vm_id = make_test_vm(estate, call.host, vm).id
                continue
            live.freeze_link(estate, link, elapsed)
            link.state = "FailedOverWaitingCompletion"
        _emit_replication(call, name)
