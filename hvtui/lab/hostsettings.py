"""Host settings: enhanced session mode policy (R-ESM-1) and live migration on/off (R-LM-4)."""

from __future__ import annotations

from hvtui.lab.failures import parameter_not_found
from hvtui.lab.registry import Call, handles
from hvtui.lab.releases import has_parameter


@handles("host-enhanced-session")
async def host_enhanced_session(call: Call) -> None:
    # Set-VMHost -EnableEnhancedSessionMode exists from 2012 R2: on 2012 the binder refuses it.
    if not has_parameter(call.host.release, "Set-VMHost", "EnableEnhancedSessionMode"):
        raise parameter_not_found("EnableEnhancedSessionMode", "Set-VMHost")
    with call.lock:
        call.host.enhanced_session = bool(call.params["Enabled"])
        call.emit({"Kind": "HostSetting", "EnhancedSessionMode": call.host.enhanced_session})


@handles("host-migration")
async def host_migration(call: Call) -> None:
    with call.lock:
        call.host.migration_enabled = bool(call.params["Enabled"])
        call.emit({"Kind": "HostSetting", "MigrationEnabled": call.host.migration_enabled})
