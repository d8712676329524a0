"""How the lab fails a script: ErrorRecords shaped like the ones a real host returns.

A handler raises :class:`HostError` carrying one :class:`ErrorRecord`; the session turns
it into a failed :class:`~hvtui.remote.base.PSResult`, as ``$ErrorActionPreference =
'Stop'`` does on a host. Every message quoted from ``reference/hyperv-rules.md`` is a
module constant here, so a test can compare the exact text; each is checked against the
copy of that reference in ``tests/support/data`` (tests/lab/test_lab_texts_match_reference.py).
Messages the reference does not give are marked UNCONFIRMED where they are built.
"""

from __future__ import annotations

from hvtui.remote.base import ErrorRecord

# --- exact texts from reference/hyperv-rules.md -------------------------------------------

VM_NOT_FOUND = 'Hyper-V was unable to find a virtual machine with name "{0}".'
INVALID_STATE = (
    "The operation cannot be performed while the virtual machine is in its current state."
)
ALREADY_IN_STATE = "The virtual machine is already in the specified state."
SNAPSHOT_NOT_FOUND = "Unable to find a snapshot matching the given criteria."
SNAPSHOT_AMBIGUOUS = "More than one snapshot was found matching the given criteria."
HARDWARE_INCOMPATIBLE = (
    "The virtual machine cannot be moved to the destination computer. The hardware on the "
    "destination computer is not compatible with the hardware requirements of this virtual "
    "machine."
)
NO_CREDENTIALS = (
    "Virtual machine migration operation failed at migration Source. Failed to establish a "
    "connection with host {0}: No credentials are available in the security package 0x8009030E."
)
SOURCE_MIGRATION_DISABLED = (
    "The source host is not configured for live migration. Use the Enable-VMMigration cmdlet "
    "to modify the Hyper-V settings on the source host to enable migration."
)
DESTINATION_MIGRATION_DISABLED = (
    "The destination host is not configured for live migration. Use the Enable-VMMigration "
    "cmdlet to modify the Hyper-V settings on the destination host to enable migration."
)
NO_MIGRATION_NETWORKS = (
    "Live migrations of virtual machines cannot be sent to the destination host because no "
    "migration networks are specified for incoming live migrations. To specify networks, run "
    "the Add-VMMigrationNetwork cmdlet on the destination host. To use any available network "
    "for live migration, run the command Set-VMHost -UseAnyNetworkForMigration $true on the "
    "destination host."
)
SHARABLE_VHD = (
    "The virtual hard disk '{0}' cannot be moved because it is sharable by multiple virtual "
    "machines."
)
CLUSTERED_VM = (
    "This operation is not supported on a clustered virtual machine. To perform this "
    "operation, remove the virtual machine from the cluster and then try again."
)
NOT_A_VHD = "'{0}' is not an existing virtual hard disk file."
GEN2_NO_IDE = "Generation 2 virtual machines do not support IDE."
GEN2_NO_VHD = "Generation 2 virtual machines do not support .vhd or .avhd format."
GEN2_NO_LEGACY_NIC = "Generation 2 virtual machines do not support legacy network adapters."
INVALID_DVD_PATH = (
    "The specified path for the drive is not valid. Specify a path to an .iso file or a "
    "volume name of the physical drive."
)
NO_VACANT_LOCATION = (
    "The operation could not be completed because no available locations were found on the "
    "disk controller."
)
IC_NOT_FOUND = "No integration component with the given name could be found."
COPY_FAILED = 'Failed to copy file "{0}" to "{1}" in the virtual machine.'
REPLICATION_NOT_ENABLED = "Replication is not enabled for virtual machine with name '{0}'."
REPLICATION_WRONG_STATE = (
    "The operation cannot be performed while the virtual machine '{0}' is in the current "
    "replication state."
)
REPLICA_SETTINGS_REFUSED = (
    "Replication settings cannot be modified on the replica virtual machine '{0}'. You can "
    "modify them on the primary virtual machine."
)
EXTENDED_FREQUENCY_NOT_ALLOWED = (
    "Replication frequency for extended replication cannot be {0} seconds."
)
EXTENDED_FREQUENCY_TOO_LOW = (
    "The frequency at which changes will be sent for extended replication should be greater "
    "than the frequency for primary replication on the replica virtual machine."
)
SWITCH_NOT_FOUND = 'Hyper-V was unable to find a virtual switch with name "{0}".'
GEN2_NO_VHD_FORMAT = "Generation 2 virtual machines do not support .vhd or .avhd format."
VERSION_AT_MAXIMUM = (
    'No update was performed for the virtual machine "{0}" because its configuration version '
    "is already at the maximum level supported by this server.  For clustered servers, the "
    "maximum supported configuration version can be limited by the cluster functional level."
)
"""R-VER-3: Update-VMVersion's warning for a VM already at the host's highest version."""
MEMORY_NEEDS_DYNAMIC = (
    "Setting maximum, minimum, and buffer settings requires Dynamic Memory to be enabled."
)
REPLICATION_ALREADY_ENABLED = (
    "Replication has already been enabled on virtual machine '{0}'. Please use the "
    "Set-VMReplication cmdlet to modify replication settings."
)
REPLICATE_TO_SAME_SERVER = (
    "Cannot replicate virtual machine to the same server. Enter another Replica server name "
    "and try again."
)
REPLICATE_TO_SAME_CLUSTER = (
    "Cannot replicate virtual machine to the same cluster. Enter another Hyper-V Replica "
    "Broker name and try again."
)
APP_CONSISTENT_NEEDS_HISTORY = (
    "Application-consistent replication frequency can be specified only if recovery history "
    "has a non-zero value."
)

# --- PowerShell's own engine texts ------------------------------------------------------------

COMMAND_NOT_FOUND = (
    "The term '{0}' is not recognized as the name of a cmdlet, function, script file, or "
    "operable program. Check the spelling of the name, or if a path was included, verify that "
    "the path is correct and try again."
)
PARAMETER_NOT_FOUND = "A parameter cannot be found that matches parameter name '{0}'."
PROPERTY_NOT_FOUND = (
    "The property '{0}' cannot be found on this object. Verify that the property exists and "
    "can be set."
)

# Win32 system messages (FormatMessage texts) the cluster service returns.
CLUSTER_NODE_NOT_FOUND = "The cluster node was not found."
CLUSTER_NODE_DOWN = "The cluster node is down."
CLUSTER_NODE_PAUSED = "The cluster node is paused."
CLUSTER_GROUP_NOT_FOUND = "The cluster group could not be found."
DISK_FULL = "There is not enough space on the disk. (0x80070070)"
PATH_NOT_FOUND = "The system cannot find the path specified. (0x80070003)"
FILE_NOT_FOUND = "The system cannot find the file specified. (0x80070002)"
FILE_EXISTS = "The file exists. (0x80070050)"
BAD_PATH_SYNTAX = "The filename, directory name, or volume label syntax is incorrect. (0x8007007B)"
# host settings (issue 11, hostcfg): R-LM-5's migration networks
MIGRATION_NETWORK_LOOPBACK = "Hyper-V cannot accept loopback addresses for migration networks."
MIGRATION_NETWORK_LINK_LOCAL = (
    "Hyper-V cannot accept link local addresses for migration networks."
)
# firmware (issue 11, hostcfg): R-GEN-3, R-FW-2
BIOS_ONLY_GEN1 = (
    'The Generation 2 virtual machine or snapshot "{0}" does not support the VMBios cmdlets. '
    "Use Get-VMFirmware and Set-VMFirmware instead."
)
NO_KEY_PROTECTOR = (
    "The selected security settings of virtual machine '{0}' cannot be changed without a "
    "valid key protector configured. Configure a valid key protector and try again. "
    "(Virtual machine ID {1})"
)

_HYPERV = "Microsoft.HyperV.PowerShell.Commands."
_VHD = "Microsoft.Vhd.PowerShell.Cmdlets."
_CLUSTER = "Microsoft.FailoverClusters.PowerShell."
_VHD_CMDLETS = {"Resize-VHD", "Get-VHD",
                # Edit Disk (issue 11)
                "Optimize-VHD", "Convert-VHD", "Merge-VHD"}


class HostError(Exception):
    """A terminating error the emulated host reports for the current script."""

    def __init__(self, record: ErrorRecord) -> None:
        super().__init__(record.message)
        self.record = record


def cmdlet_class(cmdlet: str) -> str:
    """The .NET class behind a cmdlet, as it appears in a FullyQualifiedErrorId.

    ``Start-VM`` -> ``Microsoft.HyperV.PowerShell.Commands.StartVM``; the VHD cmdlets live
    in ``Microsoft.Vhd.PowerShell.Cmdlets``; FailoverClusters classes end in ``Command``
    (UNCONFIRMED: the exact FailoverClusters class names).
    """
    bare = cmdlet.replace("-", "")
    if cmdlet in _VHD_CMDLETS:
        return _VHD + bare
    if "Cluster" in cmdlet:
        return _CLUSTER + bare + "Command"
    return _HYPERV + bare


def hyperv_error(
    cmdlet: str, message: str, *, category: str, error_id: str, target: str = ""
) -> HostError:
    """A VirtualizationException as a Hyper-V cmdlet throws it."""
    return HostError(
        ErrorRecord(
            message=message,
            category=category,
            error_id=f"{error_id},{cmdlet_class(cmdlet)}",
            target=target,
            activity=cmdlet,
            reason="VirtualizationException",
        )
    )


VM_BY_ID = 'Hyper-V was unable to find a virtual machine with id "{0}".'
"""A VM id (or an object carrying one) that names no VM on the host (VMNotFoundById)."""


def vm_id_not_found(cmdlet: str, vm_id: str) -> HostError:
    """An object handed back to a cmdlet names a VM the host no longer has."""
    return hyperv_error(cmdlet, VM_BY_ID.format(vm_id), category="ObjectNotFound",
                        error_id="ObjectNotFound")


def vm_not_found(cmdlet: str, name: str) -> HostError:
    """R-ERR-1: a name given to a cmdlet other than Get-VM matched no VM."""
    return hyperv_error(
        cmdlet, VM_NOT_FOUND.format(name), category="ObjectNotFound", error_id="ObjectNotFound"
    )


def invalid_state(cmdlet: str, target: str = "") -> HostError:
    """R-STATE-2: the action is not allowed from the VM's current state."""
    return hyperv_error(
        cmdlet, INVALID_STATE, category="InvalidOperation", error_id="InvalidState", target=target
    )


def operation_failed(cmdlet: str, message: str, target: str = "") -> HostError:
    """A generic failure (the host reports category NotSpecified, id Unspecified)."""
    return hyperv_error(
        cmdlet, message, category="NotSpecified", error_id="Unspecified", target=target
    )


def invalid_operation(cmdlet: str, message: str, target: str = "") -> HostError:
    return hyperv_error(
        cmdlet, message, category="InvalidOperation", error_id="InvalidOperation", target=target
    )


def invalid_argument(cmdlet: str, message: str, target: str = "") -> HostError:
    return hyperv_error(
        cmdlet, message, category="InvalidArgument", error_id="InvalidParameter", target=target
    )


def object_not_found(cmdlet: str, message: str, target: str = "") -> HostError:
    return hyperv_error(
        cmdlet, message, category="ObjectNotFound", error_id="ObjectNotFound", target=target
    )


def cluster_error(cmdlet: str, message: str, *, category: str, target: str = "") -> HostError:
    """A FailoverClusters cmdlet failure (FQID '<cmdlet>,<class>', UNCONFIRMED shape)."""
    return HostError(
        ErrorRecord(
            message=message,
            category=category,
            error_id=f"{cmdlet},{cmdlet_class(cmdlet)}",
            target=target,
            activity=cmdlet,
            reason="ClusterCmdletException",
        )
    )


def command_not_found(name: str) -> HostError:
    """The engine's answer to a command that does not exist on this host."""
    return HostError(
        ErrorRecord(
            message=COMMAND_NOT_FOUND.format(name),
            category="ObjectNotFound",
            error_id="CommandNotFoundException",
            target=name,
            activity="",
            reason="CommandNotFoundException",
        )
    )


def parameter_not_found(name: str, cmdlet: str | None = None) -> HostError:
    """The binder's answer to a parameter name the command does not declare."""
    error_id = "NamedParameterNotFound"
    if cmdlet:
        error_id += "," + cmdlet_class(cmdlet)
    return HostError(
        ErrorRecord(
            message=PARAMETER_NOT_FOUND.format(name),
            category="InvalidArgument",
            error_id=error_id,
            target="",
            activity=cmdlet or "",
            reason="ParameterBindingException",
        )
    )


def binding_error(
    message: str, error_id: str, *, category: str, cmdlet: str | None = None
) -> HostError:
    """Any other ParameterBindingException (missing, empty, not in set, not convertible)."""
    if cmdlet:
        error_id += "," + cmdlet_class(cmdlet)
    return HostError(
        ErrorRecord(
            message=message,
            category=category,
            error_id=error_id,
            target="",
            activity=cmdlet or "",
            reason="ParameterBindingException",
        )
    )


def script_throw(message: str) -> HostError:
    """What ``throw 'text'`` in a script produces: the text is also the error id."""
    return HostError(
        ErrorRecord(
            message=message,
            category="OperationStopped",
            error_id=message,
            target=message,
            activity="",
            reason="RuntimeException",
        )
    )


# --- texts of the power, checkpoint, guest and host-settings cmdlets -------------------------
# Quoted from the Hyper-V module's own resources, the binary source hyperv-rules.md cites
# (nforgeio/neonSDK Lib/Neon.HyperV/HyperVWmiDriver: CmdletResources.resx,
# CmdletErrorMessages.resx); that decompile is of the module 2.0 era, so on 2012 and 2012 R2
# hosts these are UNCONFIRMED.

START_PAUSED_WARNING = (
    'The virtual machine "{0}" was paused. Use the Resume-VM cmdlet to return a paused '
    "virtual machine to a running state."
)
"""Start-VM's warning for a paused VM, which it then resumes (StartVM.cs)."""
SAVE_AND_TURN_OFF = "The Save and TurnOff parameters are mutually exclusive."
"""R-STATE-3: Stop-VM -Save -TurnOff."""
SHUTDOWN_UNAVAILABLE_PROMPT = (
    'Hyper-V can\'t shut down virtual machine "{0}" because the Shutdown integration service '
    "is unavailable. You can turn off the virtual machine by selecting [Y]es, but this is "
    "similar to pulling the power on a physical machine. To avoid potential data loss, select "
    "[N]o, then pause or save the virtual machine. Do you want to turn off the virtual machine?"
)
"""R-STATE-3: Stop-VM's ShouldContinue query (-Force or -AsJob answers it)."""
RESTART_PROMPT = 'Are you sure you want to restart virtual machine "{0}"?'
"""R-STATE-4: Restart-VM's ShouldContinue query (-Force or -AsJob answers it)."""
SET_VMHOST_NOTHING = (
    "No changes were made to the host because no parameters were specified. To make changes "
    "to the host, run Set-VMHost with one or more parameters."
)


def lab_not_emulated(cmdlet: str, parameters: list[str]) -> HostError:
    """The lab's refusal of parameters of a cmdlet it emulates but whose effect it does not
    model: said plainly rather than silently ignored."""
    listed = ", ".join(f"-{p}" for p in parameters)
    return HostError(
        ErrorRecord(
            message=f"The hvtui lab does not emulate {cmdlet} {listed}: it does not model what "
            "that changes on a host. Run this on a real host, or add it to the lab.",
            category="NotImplemented",
            error_id=f"LabParameterNotEmulated,{cmdlet_class(cmdlet)}",
            target=cmdlet,
            activity=cmdlet,
            reason="NotImplementedException",
        )
    )


# --- migration, storage and export (appended) -----------------------------------------------
# Hyper-V module behaviour below is from the ILSpy decompile the reference cites as [BIN]
# (nforgeio/neonSDK Lib/Neon.HyperV/HyperVWmiDriver, a Windows 10/11-era module 2.0): every
# failure of a Hyper-V cmdlet, parameter validation included, is written with WriteError
# (VirtualizationCmdletBase.ProcessRecord and VirtualizationCmdlet.ProcessOperands catch and
# call ExceptionHelper.DisplayErrorOnException), so it is non-terminating. UNCONFIRMED for
# the 2012 / 2012 R2 modules (1.0 / 1.1), which no source shows.

INVALID_DIRECTORY = "'{0}' is not a valid directory."
"""CM InvalidParameter_InvalidDirectoryPath: a -DestinationStoragePath that fails
PathUtility.IsValidPath."""


def operation_refused(cmdlet: str, message: str, target: str = "") -> HostError:
    """ExceptionHelper.CreateOperationFailedException: the module refuses before it asks the
    host to do anything (category InvalidOperation, error id OperationFailed)."""
    return hyperv_error(
        cmdlet, message, category="InvalidOperation", error_id="OperationFailed", target=target
    )
