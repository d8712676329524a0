"""hvtui's one exception tree.

Every error a person can see derives from :class:`HvtuiError` and carries a short
``title`` (what failed), the ``host`` it happened on when there is one, the cause in
plain words, and a ``hint`` saying what to do next.

    HvtuiError
    ├── ConfigError            inventory, scenario, theme or argument problems
    ├── RemoteError            anything between hvtui and a host
    │   ├── ConnectError       refused, unreachable, DNS, TLS handshake
    │   ├── AuthError          wrong credentials, unknown or changed host key
    │   ├── RemoteTimeout      the call exceeded its timeout
    │   ├── SessionLost        the host stopped answering mid-call
    │   └── ProtocolError      output that is not valid CLIXML / PSRP
    ├── ScriptError            the host ran the script and it failed (carries the records)
    ├── PlanRefused            a pre-flight check or a Hyper-V rule said no
    ├── AuditError             the audit log cannot be written (so no change is made)
    └── Interrupted            a signal (Ctrl+C, SIGTERM, SIGHUP) stopped a running change
"""

from __future__ import annotations


class HvtuiError(Exception):
    """Base of every error hvtui shows to a person."""

    title: str = "hvtui error"
    preposition: str = "on"
    """How the title meets the host: "Timed out on X", "Cannot connect to X"."""

    def __init__(self, cause: str, *, host: str | None = None, hint: str | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        """Why it failed, in plain words (often the host's own message)."""
        self.host = host
        """The host it failed on, if any."""
        self.hint = hint
        """What to do next."""

    def user_message(self) -> str:
        """One paragraph for a person: what, where, why, what next."""
        where = f" {self.preposition} {self.host}" if self.host else ""
        text = f"{self.title}{where}: {self.cause}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def __str__(self) -> str:
        return self.user_message()


class ConfigError(HvtuiError):
    title = "Configuration error"


class LabInUse(ConfigError):
    """The lab's state folder is held by another process (a command, the console, or
    ``hvtui lab serve``); nothing was changed."""

    title = "Lab in use"


class RemoteError(HvtuiError):
    title = "Remote error"


class ConnectError(RemoteError):
    title = "Cannot connect"
    preposition = "to"


class AuthError(RemoteError):
    title = "Authentication failed"
    preposition = "to"


class RemoteTimeout(RemoteError):
    title = "Timed out"


class SessionLost(RemoteError):
    title = "Connection lost"


class ProtocolError(RemoteError):
    title = "Unreadable reply"


class ScriptError(HvtuiError):
    title = "The host refused"


class PlanRefused(HvtuiError):
    title = "Refused before running"


class AuditError(HvtuiError):
    title = "Cannot write the audit log"


class Interrupted(HvtuiError):
    title = "Interrupted"
