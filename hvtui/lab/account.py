"""The account every lab session runs as, and the groups its token holds.

The lab's WinRM and SSH endpoints accept one account, ``HVLAB\\labadmin`` (also as plain
``labadmin``); in-process sessions run as the same account.
It stands for the usual first account an admin tries: a domain administrator, so a member of
each host's local Administrators group (S-1-5-32-544) through Domain Admins, and *not* of
the Hyper-V Administrators group (S-1-5-32-578), which a domain admin rarely joins. Remote
sessions of a domain account get a full token (remote UAC filtering applies to local
accounts), so Administrators is enabled, not deny-only.

The domain SID is Microsoft's documentation example (S-1-5-21-1004336348-1177238915-
682003330); the user's RID is an ordinary one above 1000.
"""

from __future__ import annotations

from hvtui.lab.pwsh.contract import Identity

LAB_USER = "labadmin"
LAB_DOMAIN = "HVLAB"

DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"

ADMINISTRATORS = "S-1-5-32-544"
HYPERV_ADMINISTRATORS = "S-1-5-32-578"

LAB_IDENTITY = Identity(
    name=f"{LAB_DOMAIN}\\{LAB_USER}",
    user=f"{DOMAIN_SID}-1104",
    groups=(
        f"{DOMAIN_SID}-513",  # Domain Users
        "S-1-1-0",  # Everyone
        ADMINISTRATORS,  # BUILTIN\Administrators (through Domain Admins)
        "S-1-5-32-545",  # BUILTIN\Users
        "S-1-5-32-580",  # BUILTIN\Remote Management Users
        "S-1-5-2",  # NETWORK (a network logon)
        "S-1-5-11",  # Authenticated Users
        "S-1-5-15",  # This Organization
        f"{DOMAIN_SID}-512",  # Domain Admins
    ),
    authentication_type="Kerberos",
)
"""What ``[Security.Principal.WindowsIdentity]::GetCurrent()`` shows in a lab session."""
