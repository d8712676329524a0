"""Fault injection shared by the lab's protocol servers (WinRM and SSH).

A test or a demo asks a lab server to misbehave for one host, so the client's
timeout, drop and garbage handling is exercised over the real wire.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """How a lab server misbehaves for one host. The default plan is "behave"."""

    delay: float = 0.0
    """Seconds to wait before answering each call (exercises client timeouts)."""
    drop_after_bytes: int | None = None
    """Close the connection after sending this many bytes of a reply (None: never)."""
    garbage: bool = False
    """Answer with bytes that are not valid protocol output."""

    @property
    def active(self) -> bool:
        return self.delay > 0 or self.drop_after_bytes is not None or self.garbage
