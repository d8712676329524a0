"""A VM's settings as the settings editor and the settings diff show and change them.

:class:`VmSettings` is what a host reported (``Settings`` records of ``inventory.ps1`` and
``vm-settings.ps1``); :data:`FIELDS` describes each setting once: its label, its kind, the
catalog parameter that changes it, and the choices it takes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields


class Kind(enum.Enum):
    BYTES = "bytes"
    """Memory, shown as MiB/GiB and typed like ``4GB`` or ``512MB``."""
    NUMBER = "number"
    SWITCH = "switch"
    """On or off."""
    CHOICE = "choice"
    TEXT = "text"


START_ACTIONS = ("Nothing", "StartIfRunning", "Start")
STOP_ACTIONS = ("TurnOff", "Save", "ShutDown")
CHECKPOINT_TYPES = ("Disabled", "Production", "ProductionOnly", "Standard")
"""The enums' names (hyperv-enums.json: StartAction, StopAction, CheckpointType)."""
ON_OFF = ("On", "Off")
"""OnOffState's names (hyperv-enums.json), as Set-VMFirmware -EnableSecureBoot takes them."""
SECURE_BOOT_TEMPLATES = ("MicrosoftWindows", "MicrosoftUEFICertificateAuthority")
"""The Secure Boot templates the editor offers (Windows guests; Linux and other UEFI CA
signed guests, R-GEN-2)."""
FIRST_BOOT_DEVICES = ("HardDrive", "DVD", "Network")
"""What a generation 2 VM may boot from first: its first hard drive, DVD drive or network
adapter (Set-VMFirmware -FirstBootDevice)."""
BOOT_DEVICES = ("CD", "IDE", "LegacyNetworkAdapter", "Floppy")
"""A generation 1 VM's BIOS startup order is these four, in some order (Set-VMBios
-StartupOrder; Microsoft.HyperV.PowerShell.BootDevice)."""


@dataclass(frozen=True, slots=True)
class VmSettings:
    """The settings of one VM, as its host reported them."""

    memory_startup: int = 0
    dynamic_memory: bool = False
    memory_minimum: int = 0
    memory_maximum: int = 0
    memory_buffer: int = 0
    """Percent of memory kept free as a buffer (dynamic memory)."""
    memory_weight: int = 0
    """Memory priority, 0-100 (``Set-VMMemory -Priority``)."""
    processor_count: int = 0
    processor_compatibility: bool = False
    processor_reserve: int = 0
    """Percent of the VM's processors reserved for it."""
    processor_limit: int = 0
    """Percent of the VM's processors it may use at most (``-Maximum``)."""
    processor_weight: int = 0
    """Relative weight, 0-10000 (``-RelativeWeight``)."""
    automatic_start_action: str = ""
    automatic_start_delay: int = 0
    """Seconds."""
    automatic_stop_action: str = ""
    checkpoint_type: str = ""
    """'' where the host has no checkpoint types (before 2016)."""
    snapshot_location: str = ""
    notes: str = ""
    # firmware (issue 11, hostcfg): '' where the VM or its host has no such setting
    secure_boot: str = ""
    """'On' or 'Off' (generation 2: Get-VMFirmware's SecureBoot)."""
    secure_boot_template: str = ""
    """Generation 2 on 2016 and later (Get-VMFirmware's SecureBootTemplate)."""
    tpm: str = ""
    """'On' or 'Off': the virtual TPM of a generation 2 VM, 2016 and later (Get-VMSecurity)."""
    startup_order: str = ""
    """Generation 1: the BIOS startup order, ``CD, IDE, LegacyNetworkAdapter, Floppy``."""
    first_boot_device: str = ""
    """Generation 2: the kind of device its boot order starts with (HardDrive, DVD, Network;
    ``File`` for a boot loader entry)."""

    def value(self, key: str) -> int | bool | str:
        value: int | bool | str = getattr(self, key)
        return value


@dataclass(frozen=True, slots=True)
class Field:
    """One setting: how it is shown, typed and sent."""

    key: str
    """The attribute of :class:`VmSettings`."""
    label: str
    kind: Kind
    parameter: str
    """The parameter of ``vm-settings.ps1`` that changes it."""
    group: str
    choices: tuple[str, ...] = ()
    minimum: int = 0
    maximum: int = 0
    """Bounds of a NUMBER (0 and 0: none)."""


FIELDS: tuple[Field, ...] = (
    Field("memory_startup", "Startup memory", Kind.BYTES, "MemoryStartupBytes", "Memory"),
    Field("dynamic_memory", "Dynamic memory", Kind.SWITCH, "DynamicMemoryEnabled", "Memory"),
    Field("memory_minimum", "Minimum memory", Kind.BYTES, "MemoryMinimumBytes", "Memory"),
    Field("memory_maximum", "Maximum memory", Kind.BYTES, "MemoryMaximumBytes", "Memory"),
    # Set-VMMemory -Buffer: "Allowed values range from 5 to 2000" (its 2012 help page).
    Field("memory_buffer", "Memory buffer %", Kind.NUMBER, "MemoryBuffer", "Memory", (), 5, 2000),
    Field("memory_weight", "Memory weight", Kind.NUMBER, "MemoryWeight", "Memory", (), 0, 100),
    Field("processor_count", "Processors", Kind.NUMBER, "ProcessorCount", "Processors", (), 1,
          2048),
    Field("processor_compatibility", "Processor compatibility", Kind.SWITCH,
          "ProcessorCompatibility", "Processors"),
    Field("processor_reserve", "Processor reserve %", Kind.NUMBER, "ProcessorReserve",
          "Processors", (), 0, 100),
    Field("processor_limit", "Processor limit %", Kind.NUMBER, "ProcessorLimit", "Processors",
          (), 0, 100),
    Field("processor_weight", "Processor weight", Kind.NUMBER, "ProcessorWeight", "Processors",
          (), 0, 10000),
    Field("automatic_start_action", "Automatic start", Kind.CHOICE, "AutomaticStartAction",
          "Start and stop", START_ACTIONS),
    Field("automatic_start_delay", "Start delay (s)", Kind.NUMBER, "AutomaticStartDelay",
          "Start and stop", (), 0, 86400),
    Field("automatic_stop_action", "Automatic stop", Kind.CHOICE, "AutomaticStopAction",
          "Start and stop", STOP_ACTIONS),
    Field("checkpoint_type", "Checkpoint type", Kind.CHOICE, "CheckpointType", "Checkpoints",
          CHECKPOINT_TYPES),
    Field("snapshot_location", "Checkpoint location", Kind.TEXT, "SnapshotFileLocation",
          "Checkpoints"),
    Field("notes", "Notes", Kind.TEXT, "Notes", "Notes"),
    # firmware (issue 11, hostcfg)
    Field("secure_boot", "Secure Boot", Kind.CHOICE, "SecureBoot", "Firmware", ON_OFF),
    Field("secure_boot_template", "Secure Boot template", Kind.CHOICE, "SecureBootTemplate",
          "Firmware", SECURE_BOOT_TEMPLATES),
    Field("tpm", "Trusted Platform Module", Kind.CHOICE, "Tpm", "Firmware", ON_OFF),
    Field("startup_order", "BIOS startup order", Kind.TEXT, "StartupOrder", "Firmware"),
    Field("first_boot_device", "First boot device", Kind.CHOICE, "FirstBootDevice",
          "Firmware", FIRST_BOOT_DEVICES),
)
"""Every setting, in the order the editor and the diff show them."""

FIELD_BY_KEY = {f.key: f for f in FIELDS}
assert set(FIELD_BY_KEY) == {f.name for f in fields(VmSettings)}
