"""Hyper-V Replica cmdlets: Set-VMReplication (the frequency, R-REP-1/2; -Reverse), Suspend-
and Resume-VMReplication (-Resynchronize), Start-, Stop- and Complete-VMFailover (R-REP-4/5),
Remove-VMReplication.

The failover state machine (R-REP-4), per copy: a Primary that is Off and Replicating is
prepared (-Prepare: PreparedForFailover); a Replica fails over (FailedOverWaitingCompletion),
then completes (FailedOver: no way back) or is stopped (Stop-VMFailover: Replicating again);
a failed-over Replica reverses (-Reverse: it becomes the Primary). Each end of a link reads
its own state while a failover is under way (``ReplicationLink.replica_state``).

Replica copies of a VM share its id across hosts; each copy's ReplicationMode says which
end of which link it is. A Replica copy that extends replication is the sending end of
the extended link, so settings made there change the extended link.

Each cmdlet takes VMs by ``-VMName`` (Hyper-V's wildcard rules), ``-VM`` or, where it has
it, ``-VMReplication``, asks ShouldProcess for each, and writes nothing unless
``-Passthru``. A failure on one VM is a non-terminating error and the cmdlet goes on with
the next, as every Hyper-V action cmdlet does (``power.each_operand``, from the module 2.0
era's VirtualizationCmdlet.ProcessOperands; UNCONFIRMED on 2012 and 2012 R2).
Parameters the lab does not model (recovery history, resynchronisation, -AsJob,
-ComputerName...) fail saying so rather than being ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from hvtui.lab import live, objects, recovery
from hvtui.lab.emulation import CmdletCall, emulates
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
    SNAPSHOT_NOT_FOUND,
    VM_BY_ID,
    HostError,
    binding_error,
    invalid_argument,
    invalid_operation,
    invalid_state,
    object_not_found,
)
from hvtui.lab.power import each_operand, only_modelled, power_off, write_vm

FREQUENCIES = (30, 300, 900)
"""R-REP-1: the only frequencies the service accepts (the binder allows 30..900)."""

_FAILED_OVER = ("FailedOverWaitingCompletion", "FailedOver")
_NO_RECOVERY_POINT = ("ReadyForInitialReplication", "WaitingForInitialReplication",
                      "InitialReplicationInProgress")
"""Before initial replication ends the replica has nothing to fail over to."""


# --- shared by the cmdlets ------------------------------------------------------------------


def _targets(call: CmdletCall) -> Iterator[tuple[VM, str | None]]:
    """Each VM the call names, with the relationship asked for (None: not asked)."""
    if call.given("VMReplication"):
        items = call.arg("VMReplication")
        for item in items if isinstance(items, list) else [items]:
            # A VMReplication of no VM on this host ends the call (UNCONFIRMED).
            relationship = item.get("ReplicationRelationshipType")
            yield _vm_by_id(call, item.get("VMId")), (
                None if relationship is None else str(relationship))
        return
    wanted = call.arg("ReplicationRelationshipType")
    with call.lock:
        vms = call.target_vms()
    for vm in vms:
        yield vm, None if wanted is None else wanted.name


def _vm_by_id(call: CmdletCall, vm_id: Any) -> VM:
    found = call.host.vms.get(str(vm_id).lower())
    if found is None:
        raise object_not_found(
            call.name, VM_BY_ID.format(vm_id), str(vm_id))
    return found


def _chain(vm: VM, estate: Estate, cmdlet: str) -> ReplicationChain:
    chain = estate.replication(vm)
    if chain is None or vm.replication_mode == "TestReplica":
        raise invalid_operation(cmdlet, REPLICATION_NOT_ENABLED.format(vm.name), vm.name)
    return chain


def _wrong_state(cmdlet: str, vm: VM) -> HostError:
    return invalid_operation(cmdlet, REPLICATION_WRONG_STATE.format(vm.name), vm.name)


def local_link(vm: VM, chain: ReplicationChain) -> ReplicationLink:
    """The link this copy acts on: the extended one where this copy sends or receives it."""
    if vm.replication_mode == "Primary":
        return chain.primary
    if chain.extended is not None:
        return chain.extended
    return chain.primary


def _link(call: CmdletCall, vm: VM, relationship: str | None) -> ReplicationLink:
    """The link -ReplicationRelationshipType names (2012 R2+), else the copy's own."""
    chain = _chain(vm, call.estate, call.name)
    if relationship is None:
        return local_link(vm, chain)
    mode = vm.replication_mode
    if relationship == "Simple" and mode in ("Primary", "Replica"):
        return chain.primary
    if relationship == "Extended" and mode in ("Replica", "ExtendedReplica") and chain.extended:
        return chain.extended
    # UNCONFIRMED: the message for a relationship the VM does not have.
    raise invalid_operation(call.name, REPLICATION_NOT_ENABLED.format(vm.name), vm.name)


def _shown(vm: VM, chain: ReplicationChain, link: ReplicationLink) -> tuple[str, str]:
    """(ReplicationRelationshipType, ReplicationMode) of ``link`` as this copy reports it."""
    if link is chain.primary:
        return "Simple", "Primary" if vm.replication_mode == "Primary" else "Replica"
    return "Extended", "Primary" if vm.replication_mode == "Replica" else "ExtendedReplica"


def _write_replication(call: CmdletCall, vm: VM, link: ReplicationLink) -> None:
    with call.lock:
        chain = _chain(vm, call.estate, call.name)
        relationship, mode = _shown(vm, chain, link)
        call.write(objects.replication_object(call.view, vm, relationship, mode, link))


def _each(call: CmdletCall, act: Callable[[VM, str | None], None]) -> None:
    """``act(vm, relationship)`` for each target VM that ShouldProcess allows, a failure
    on one written as that VM's non-terminating error (``power.each_operand``)."""

    def process(target: tuple[VM, str | None]) -> None:
        vm, relationship = target
        if call.inv.should_process(vm.name):
            act(vm, relationship)

    each_operand(call, _targets(call), process)


# --- Set-VMReplication ------------------------------------------------------------------------


def _validate_frequency(frequency: int) -> None:
    """The parameter's ValidateRange(30, 900), as the binder words it."""
    if 30 <= frequency <= 900:
        return
    if frequency < 30:
        limit = (f"The {frequency} argument is less than the minimum allowed range of 30. "
                 "Supply an argument that is greater than or equal to 30")
    else:
        limit = (f"The {frequency} argument is greater than the maximum allowed range of 900. "
                 "Supply an argument that is less than or equal to 900")
    raise binding_error(
        f"Cannot validate argument on parameter 'ReplicationFrequencySec'. {limit} and then "
        "try the command again.",
        "ParameterArgumentValidationError", category="InvalidData", cmdlet="Set-VMReplication")


def _settings_link(call: CmdletCall, vm: VM, chain: ReplicationChain,
                   frequency: int | None) -> ReplicationLink:
    """The link whose settings this copy may change (R-REP-2, R-REP-5)."""
    if vm.replication_mode == "Primary":
        return chain.primary
    if vm.replication_mode == "Replica" and chain.extended is not None:
        # R-REP-2: the extended link is configured on the replica VM.
        if frequency == 30:
            raise invalid_argument(call.name, EXTENDED_FREQUENCY_NOT_ALLOWED.format(frequency),
                                   vm.name)
        # UNCONFIRMED: equal frequencies are allowed ("5 or 15 minutes" for a 5-minute
        # primary, per "Mastering Windows Server 2016 Hyper-V"); lower ones are not.
        if frequency is not None and frequency < chain.primary.frequency:
            raise invalid_argument(call.name, EXTENDED_FREQUENCY_TOO_LOW, vm.name)
        return chain.extended
    raise invalid_operation(call.name, REPLICA_SETTINGS_REFUSED.format(vm.name), vm.name)


@emulates("Set-VMReplication")
def set_vmreplication(call: CmdletCall) -> None:
    # R-REP-1: -ReplicationFrequencySec is 2012 R2's; on 2012 (every 5 minutes, fixed) the
    # binder already refuses it. The lab models only the frequency.
    only_modelled(call, ("VMName", "VM", "VMReplication", "ReplicationFrequencySec", "Reverse",
                         "Passthru"))
    frequency = call.arg("ReplicationFrequencySec")
    if frequency is not None:
        frequency = int(frequency)
        _validate_frequency(frequency)
    reverse = call.switch("Reverse")

    def act(vm: VM, _relationship: str | None) -> None:
        with call.lock:
            chain = _chain(vm, call.estate, call.name)
            if reverse:
                _reverse(call, vm, chain)
            if frequency is not None and frequency not in FREQUENCIES:
                # UNCONFIRMED wording: the service refuses anything but 30, 300 and 900.
                raise invalid_argument(
                    call.name, f"The replication frequency {frequency} seconds is not valid. "
                    "Use 30, 300 or 900 seconds.", vm.name)
            link = _settings_link(call, vm, chain, frequency)
            if frequency is not None:
                elapsed = call.clock.elapsed()
                last = live.last_replication(call.estate, link, elapsed)
                if last is not None and link.frozen is None:
                    # The next cycle starts from the last replication at the new frequency.
                    link.anchor = (last - call.clock.start).total_seconds()
                link.frequency = frequency
        if call.switch("Passthru"):
            _write_replication(call, vm, link)

    _each(call, act)


def _reverse(call: CmdletCall, vm: VM, chain: ReplicationChain) -> None:
    """Set-VMReplication -Reverse on a failed-over replica: it becomes the primary and the
    old primary its replica (R-REP-4's planned failover, last step).

    After a planned failover (the primary was prepared: it sent its last changes) both
    copies hold the same data and replication goes on at once. After an unplanned one the
    old primary may hold changes the replica never got, so the reversed link waits for a
    resynchronisation (Resume-VMReplication -Resynchronize). UNCONFIRMED: the states after
    -Reverse; an extended link is left as it was.
    """
    link = chain.primary
    if vm.replication_mode != "Replica" or link.state_of(receiving=True) not in _FAILED_OVER:
        raise _wrong_state(call.name, vm)
    if chain.test_vm_id and chain.test_vm_id in call.host.vms:
        raise _wrong_state(call.name, vm)
    old_host = call.estate.host(link.source)
    old_primary = old_host.vms.get(vm.id) if old_host is not None else None
    if old_primary is not None and old_primary.state != "Off":
        # The old primary must be off: two running copies would both be the VM.
        raise invalid_state(call.name, old_primary.name)
    planned = link.state == "PreparedForFailover"
    link.source, link.target = link.target, link.source
    vm.replication_mode = "Primary"
    if old_primary is not None:
        old_primary.replication_mode = "Replica"
    live.restart_link(link, call.clock.elapsed())
    link.replica_state = ""
    if planned:
        link.state, link.health = "Replicating", "Normal"
    else:
        live.freeze_link(call.estate, link, call.clock.elapsed())
        link.state, link.health = "WaitingForStartResynchronize", "Critical"


# --- Suspend-VMReplication, Resume-VMReplication -------------------------------------------


@emulates("Suspend-VMReplication")
def suspend_vmreplication(call: CmdletCall) -> None:
    only_modelled(call, ("VMName", "VM", "VMReplication", "ReplicationRelationshipType",
                         "Passthru"))

    def act(vm: VM, relationship: str | None) -> None:
        with call.lock:
            link = _link(call, vm, relationship)
            if link.state != "Replicating":
                raise _wrong_state(call.name, vm)
            live.freeze_link(call.estate, link, call.clock.elapsed())
            link.state, link.health = "Suspended", "Warning"
        if call.switch("Passthru"):
            _write_replication(call, vm, link)

    _each(call, act)


@emulates("Resume-VMReplication")
def resume_vmreplication(call: CmdletCall) -> None:
    only_modelled(call, ("VMName", "VM", "VMReplication", "ReplicationRelationshipType",
                         "Resynchronize", "Passthru"))
    # -Resynchronize compares the copies and sends what differs; it is what a link that
    # needs resynchronising waits for, and nothing else resumes it (UNCONFIRMED: it runs
    # at once, the lab has no -ResynchronizeStartTime).
    allowed = ("WaitingForStartResynchronize", "ResynchronizeSuspended") \
        if call.switch("Resynchronize") else ("Suspended", "Error")

    def act(vm: VM, relationship: str | None) -> None:
        with call.lock:
            link = _link(call, vm, relationship)
            if link.state not in allowed or link.replica_state:
                raise _wrong_state(call.name, vm)
            # Resuming sends the changes tracked meanwhile at once; the cycle restarts now.
            live.restart_link(link, call.clock.elapsed())
            link.state, link.health = "Replicating", "Normal"
        if call.switch("Passthru"):
            _write_replication(call, vm, link)

    _each(call, act)


# --- Start-VMFailover, Stop-VMFailover ---------------------------------------------------------


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


def _test_vm(estate: Estate, host: Host, chain: ReplicationChain) -> VM | None:
    return host.vms.get(chain.test_vm_id) if chain.test_vm_id else None


def _received(vm: VM, chain: ReplicationChain) -> ReplicationLink | None:
    """The link this Replica or extended Replica copy receives."""
    return chain.primary if vm.replication_mode == "Replica" else chain.extended


def _set_replica_end(link: ReplicationLink, state: str) -> None:
    link.replica_state = "" if state == link.state else state


def _start_failover(call: CmdletCall, vm: VM, prepare: bool, as_test: bool,
                    point: float | None = None) -> None:
    """R-REP-4's state machine for one copy of a replicated VM."""
    estate, elapsed = call.estate, call.clock.elapsed()
    chain = _chain(vm, estate, call.name)
    call.idle(vm)
    if vm.replication_mode == "Primary":
        # Planned failover, step one: only -Prepare, only with the primary shut down.
        if not prepare:
            raise _wrong_state(call.name, vm)
        if vm.state != "Off":
            raise invalid_state(call.name, vm.name)
        if chain.primary.state != "Replicating" or chain.primary.replica_state:
            raise _wrong_state(call.name, vm)
        # The last changes go to the replica now: no data is lost. The replica end still
        # reads Replicating (UNCONFIRMED) until it is failed over.
        live.restart_link(chain.primary, elapsed)
        chain.primary.frozen = elapsed
        chain.primary.replica_state = "Replicating"
        chain.primary.state = "PreparedForFailover"
        return
    link = _received(vm, chain)
    state = link.state_of(receiving=True) if link is not None else ""
    if prepare or link is None or state in _FAILED_OVER or state in _NO_RECOVERY_POINT:
        raise _wrong_state(call.name, vm)
    if as_test:
        existing = chain.test_vm_id and any(
            chain.test_vm_id in h.vms for h in estate.hosts.values())
        if existing:
            # One test VM at a time (R-REP-4).
            raise _wrong_state(call.name, vm)
        chain.test_vm_id = make_test_vm(estate, call.host, vm).id
        return
    live.freeze_link(estate, link, elapsed)
    # -VMRecoverySnapshot: the replica runs from that point; later changes are set aside
    # until the failover is completed (they go) or cancelled (replication resumes).
    link.recovery_point = point
    _set_replica_end(link, "FailedOverWaitingCompletion")


@emulates("Start-VMFailover")
def start_vmfailover(call: CmdletCall) -> None:
    # ConfirmImpact High: ShouldProcess prompts unless -Confirm:$false, and a remote session
    # has no one to answer (the engine fails the call as PowerShell does).
    only_modelled(call, ("VMName", "VM", "Prepare", "AsTest", "Passthru",
                         "VMRecoverySnapshot"))
    prepare, as_test = call.switch("Prepare"), call.switch("AsTest")
    if call.given("VMRecoverySnapshot"):
        _failover_to_point(call, as_test)
        return

    def act(vm: VM, _relationship: str | None) -> None:
        with call.lock:
            _start_failover(call, vm, prepare, as_test)
        if call.switch("Passthru"):
            with call.lock:
                write_vm(call, vm)

    _each(call, act)


def _failover_to_point(call: CmdletCall, as_test: bool) -> None:
    """The VMSnapshot sets: fail over (or test) to the recovery point the VMSnapshot is."""
    items = call.arg("VMRecoverySnapshot")
    for item in items if isinstance(items, list) else [items]:
        with call.lock:
            vm = _vm_by_id(call, item.get("VMId"))
            point = recovery.point_time(call.estate, vm, str(item.get("Id")))
            if point is None:
                raise object_not_found(call.name, SNAPSHOT_NOT_FOUND, str(item.get("Name")))
        if not call.inv.should_process(vm.name):
            continue
        with call.lock:
            _start_failover(call, vm, False, as_test, point)
        if call.switch("Passthru"):
            with call.lock:
                write_vm(call, vm)


def _stop_failover(call: CmdletCall, vm: VM) -> None:
    """Stop-VMFailover: undo the failover step this copy is in (its help page)."""
    estate, elapsed = call.estate, call.clock.elapsed()
    chain = _chain(vm, estate, call.name)
    call.idle(vm)
    if vm.replication_mode == "Primary":
        # A planned failover prepared here is cancelled and replication restarts, which
        # lets the primary start again; not once the replica has failed over (UNCONFIRMED:
        # that failover is cancelled on the replica first).
        link = chain.primary
        if link.state != "PreparedForFailover" or link.state_of(True) in _FAILED_OVER:
            raise _wrong_state(call.name, vm)
        live.restart_link(link, elapsed)
        link.state, link.health, link.replica_state = "Replicating", "Normal", ""
        return
    test = _test_vm(estate, call.host, chain)
    if test is not None:
        # A test failover: the test VM is turned off and deleted with its disks.
        power_off(test)
        for drive in test.drives:
            estate.remove_vhd(call.host, drive.path)
        del call.host.vms[test.id]
        chain.test_vm_id = ""
        return
    received = _received(vm, chain)
    # R-REP-4: a completed failover cannot be cancelled.
    if received is None or received.state_of(receiving=True) != "FailedOverWaitingCompletion":
        raise _wrong_state(call.name, vm)
    link = received
    # A failover of the replica: a running VM is turned off and the failover cancelled.
    # UNCONFIRMED: the replica then reads Replicating again, sending from now on; a primary
    # prepared for a planned failover stays prepared (Stop-VMFailover there cancels it).
    power_off(vm)
    if link.state == "PreparedForFailover":
        link.replica_state = "Replicating"
        return
    live.restart_link(link, elapsed)
    link.state, link.health, link.replica_state = "Replicating", "Normal", ""


@emulates("Stop-VMFailover")
def stop_vmfailover(call: CmdletCall) -> None:
    only_modelled(call, ("VMName", "VM", "Passthru"))

    def act(vm: VM, _relationship: str | None) -> None:
        with call.lock:
            _stop_failover(call, vm)
        if call.switch("Passthru"):
            with call.lock:
                write_vm(call, vm)

    _each(call, act)


# --- Complete-VMFailover ---------------------------------------------------------------------


@emulates("Complete-VMFailover")
def complete_vmfailover(call: CmdletCall) -> None:
    """R-REP-4: commits the recovery point the replica failed over to and deletes the
    others; it cannot be cancelled afterwards. Only a failed-over replica has one."""
    only_modelled(call, ("VMName", "VM", "Passthru"))

    def act(vm: VM, _relationship: str | None) -> None:
        with call.lock:
            chain = _chain(vm, call.estate, call.name)
            call.idle(vm)
            link = _received(vm, chain) if vm.replication_mode != "Primary" else None
            if link is None or link.state_of(receiving=True) != "FailedOverWaitingCompletion":
                raise _wrong_state(call.name, vm)
            _set_replica_end(link, "FailedOver")
        if call.switch("Passthru"):
            with call.lock:
                write_vm(call, vm)

    _each(call, act)


# --- Remove-VMReplication --------------------------------------------------------------------


@emulates("Remove-VMReplication")
def remove_vmreplication(call: CmdletCall) -> None:
    """Removes this copy's replication relationship; the copies on the other hosts keep
    theirs until it is removed there too (its help page: run it on both ends). The VM
    itself stays. UNCONFIRMED: a Replica copy that extends replication loses both its
    relationships, and the extended copy its own."""
    only_modelled(call, ("VMName", "VM", "VMReplication", "ReplicationRelationshipType",
                         "Passthru"))

    def act(vm: VM, relationship: str | None) -> None:
        with call.lock:
            estate = call.estate
            chain = _chain(vm, estate, call.name)
            _link(call, vm, relationship)  # a relationship this copy does not have fails
            if chain.test_vm_id and chain.test_vm_id in call.host.vms:
                raise _wrong_state(call.name, vm)
            extended = chain.extended
            if vm.replication_mode == "Replica" and extended is not None:
                target = estate.host(extended.target)
                copy = target.vms.get(vm.id) if target is not None else None
                if copy is not None:
                    copy.replication_mode = "None"
                chain.extended = None
                if relationship == "Extended":
                    return
            if vm.replication_mode == "ExtendedReplica":
                chain.extended = None
            vm.replication_mode = "None"
            if not any(h.vms[vm.id].replication_mode != "None"
                       for h in estate.hosts.values() if vm.id in h.vms):
                del estate.replications[vm.id]
        if call.switch("Passthru"):
            with call.lock:
                write_vm(call, vm)

    _each(call, act)
