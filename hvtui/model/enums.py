"""Hyper-V and Failover Clustering enums, by the names hosts serialise.

Values follow ``reference/hyperv-enums.json``. hvtui compares states by *name*:
VMState numbering above 32780 differs between host versions, and every inventory
script casts enums to strings. ``parse`` maps a name (any case) to a member and
unknown names to ``Other``/``Unknown`` rather than failing: a newer host may report
a state this build has not met.
"""

from __future__ import annotations

import enum
from typing import TypeVar

E = TypeVar("E", bound="HvEnum")


class HvEnum(enum.Enum):
    """An enum parsed leniently from the name a host reports."""

    @classmethod
    def parse(cls: type[E], name: object) -> E:
        # Inventories parse tens of thousands of values: look names up, don't scan.
        lookup: dict[str, E] | None = cls.__dict__.get("_by_lower_name")
        if lookup is None:
            lookup = {member.name.lower(): member for member in cls}
            type.__setattr__(cls, "_by_lower_name", lookup)
        found = lookup.get(str(name or "").strip().lower())
        return cls._fallback() if found is None else found

    @classmethod
    def _fallback(cls: type[E]) -> E:
        return next(iter(cls))

    def __str__(self) -> str:
        return self.name


class VMState(HvEnum):
    Other = 1
    Running = 2
    Off = 3
    Stopping = 4
    Saved = 6
    Paused = 9
    Starting = 10
    Reset = 11
    Saving = 32773
    Pausing = 32776
    Resuming = 32777
    FastSaved = 32779
    FastSaving = 32780
    ForceShutdown = 32781
    ForceReboot = 32782
    Hibernated = 32783
    ComponentServicing = 32784
    RunningCritical = 32785
    OffCritical = 32786
    StoppingCritical = 32787
    SavedCritical = 32788
    PausedCritical = 32789
    StartingCritical = 32790
    ResetCritical = 32791
    SavingCritical = 32792
    PausingCritical = 32793
    ResumingCritical = 32794
    FastSavedCritical = 32795
    FastSavingCritical = 32796

    @property
    def is_critical(self) -> bool:
        return self.name.endswith("Critical")

    @property
    def base(self) -> VMState:
        """The state without its ``Critical`` suffix (RunningCritical -> Running)."""
        if self.is_critical:
            return VMState[self.name.removesuffix("Critical")]
        return self

    @property
    def is_running(self) -> bool:
        return self.base in (VMState.Running, VMState.Reset)


class HeartbeatStatus(HvEnum):
    Unknown = 0
    Disabled = 1
    NoContact = 2
    Error = 3
    LostCommunication = 4
    OkApplicationsUnknown = 5
    OkApplicationsHealthy = 6
    OkApplicationsCritical = 7
    Paused = 8

    @property
    def is_ok(self) -> bool:
        return self.name.startswith("Ok") and self is not HeartbeatStatus.OkApplicationsCritical


class ReplicationState(HvEnum):
    Disabled = 0
    ReadyForInitialReplication = 1
    InitialReplicationInProgress = 2
    WaitingForInitialReplication = 3
    Replicating = 4
    PreparedForFailover = 5
    FailedOverWaitingCompletion = 6
    FailedOver = 7
    Suspended = 8
    Error = 9
    WaitingForStartResynchronize = 10
    Resynchronizing = 11
    ResynchronizeSuspended = 12
    RecoveryInProgress = 13
    FailbackInProgress = 14
    FailbackComplete = 15
    WaitingForUpdateCompletion = 16
    UpdateError = 17
    WaitingForRepurposeCompletion = 18
    PreparedForSyncReplication = 19
    PreparedForGroupReverseReplication = 20
    FiredrillInProgress = 21


class ReplicationHealth(HvEnum):
    NotApplicable = 0
    Normal = 1
    Warning = 2
    Critical = 3


class ReplicationMode(HvEnum):
    # "None" is a Python keyword-ish name; PowerShell reports the string "None".
    None_ = 0
    Primary = 1
    Replica = 2
    TestReplica = 3
    ExtendedReplica = 4

    @classmethod
    def parse(cls, name: object) -> ReplicationMode:
        return cls.None_ if str(name or "").strip().lower() in ("", "none") else super().parse(name)

    def __str__(self) -> str:
        return "None" if self is ReplicationMode.None_ else self.name


class ReplicationRelationship(HvEnum):
    Simple = 0
    Extended = 1


class ControllerType(HvEnum):
    IDE = 0
    SCSI = 1
    PMEM = 2


class VhdType(HvEnum):
    Unknown = 0
    Fixed = 2
    Dynamic = 3
    Differencing = 4


class VhdFormat(HvEnum):
    Unknown = 0
    VHD = 2
    VHDX = 3
    VHDSet = 4


class MigrationPerformance(HvEnum):
    TCPIP = 0
    Compression = 1
    SMB = 2


class MigrationAuthentication(HvEnum):
    CredSSP = 0
    Kerberos = 1


class SnapshotType(HvEnum):
    Standard = 0
    Recovery = 1
    Planned = 2
    Missing = 5
    Replica = 6
    AppConsistentReplica = 7
    SyncedReplica = 8


class ClusterNodeState(HvEnum):
    Unknown = -1
    Up = 0
    Down = 1
    Paused = 2
    Joining = 3


class DrainStatus(HvEnum):
    NotInitiated = 0
    InProgress = 1
    Completed = 2
    Failed = 3


class ClusterGroupState(HvEnum):
    Unknown = -1
    Online = 0
    Offline = 1
    Failed = 2
    PartialOnline = 3
    Pending = 4


class ClusterResourceState(HvEnum):
    """``Get-ClusterSharedVolume``'s State: the CSV's cluster resource state."""

    Unknown = -1
    Inherited = 0
    Initializing = 1
    Online = 2
    Offline = 3
    Failed = 4
    Pending = 128
    OnlinePending = 129
    OfflinePending = 130


class ClusterSharedVolumeState(HvEnum):
    """Per-node access mode (``Get-ClusterSharedVolumeState``): direct or redirected."""

    Unavailable = 0
    Paused = 1
    Direct = 2
    FileSystemRedirected = 3
    BlockRedirected = 4


class FailbackType(HvEnum):
    NoFailback = 0
    Immediate = 1
    Policy = 2


class VmMigrationType(HvEnum):
    TurnOff = 0
    Quick = 1
    Shutdown = 2
    ShutdownForce = 3
    Live = 4


class JobState(enum.Enum):
    Queued = "queued"
    Running = "running"
    Completed = "completed"
    Failed = "failed"
    Cancelled = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.Completed, JobState.Failed, JobState.Cancelled)
