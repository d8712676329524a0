"""Disk sizes as people write them: ``120 GiB``, ``+20G``, ``-10 GB``, ``to minimum``, ``1.5T``.

Units follow PowerShell and Hyper-V: ``KB``, ``MB``, ``GB``, ``TB`` and ``PB`` are powers of
1024 (``1GB`` in PowerShell is 1073741824), exactly like ``KiB`` ... ``PiB``. A bare number
is bytes. A leading ``+`` or ``-`` is relative to the disk's current size. The result is
rounded up to a whole 512-byte sector, the unit virtual disks are sized in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation

import humanize

from hvtui.errors import ConfigError

SECTOR = 512
"""Virtual disk sizes are whole sectors; parsed sizes are rounded up to one."""

_UNITS: dict[str, int] = {
    "": 1, "b": 1, "byte": 1, "bytes": 1,
    "k": 1024, "kb": 1024, "kib": 1024,
    "m": 1024**2, "mb": 1024**2, "mib": 1024**2,
    "g": 1024**3, "gb": 1024**3, "gib": 1024**3,
    "t": 1024**4, "tb": 1024**4, "tib": 1024**4,
    "p": 1024**5, "pb": 1024**5, "pib": 1024**5,
}

_SIZE = re.compile(r"^\s*(?P<sign>[+-]?)\s*(?P<number>\d+(?:\.\d+)?|\.\d+)\s*"
                   r"(?P<unit>[A-Za-z]*)\s*$")
_TO_MINIMUM = re.compile(r"^\s*(?:to\s*)?(?:the\s*)?min(?:imum)?(?:\s*size)?\s*$", re.IGNORECASE)

EXAMPLES = "120 GiB, 1.5T, +20G, -10 GB, to minimum, or plain bytes"


@dataclass(frozen=True, slots=True)
class SizeRequest:
    """A parsed size: an absolute size, a change, or 'shrink to the minimum'."""

    text: str
    """What the person typed."""
    amount: int = 0
    """Bytes: the new size (absolute) or the change (relative, signed)."""
    relative: bool = False
    to_minimum: bool = False

    def resolve(self, current: int, minimum: int) -> int:
        """The new size in bytes for a disk of ``current`` bytes with ``minimum`` bytes."""
        if self.to_minimum:
            return minimum
        return current + self.amount if self.relative else self.amount


class SizeError(ConfigError):
    title = "Size not understood"


def parse_size(text: str) -> SizeRequest:
    """Parse ``text``; raise :class:`SizeError` saying what is accepted when it does not parse."""
    if _TO_MINIMUM.match(text or ""):
        return SizeRequest(text=text, to_minimum=True)
    match = _SIZE.match(text or "")
    unit = match.group("unit").lower() if match else ""
    if match is None or unit not in _UNITS:
        what = f"{text.strip()!r} is not a size" if text and text.strip() else "no size given"
        raise SizeError(what, hint=f"write it like {EXAMPLES}")
    try:
        number = Decimal(match.group("number"))
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise SizeError(f"{text!r} is not a size", hint=f"write it like {EXAMPLES}") from None
    exact = number * _UNITS[unit]
    sectors = (exact / SECTOR).to_integral_value(rounding=ROUND_CEILING)
    amount = int(sectors) * SECTOR
    sign = match.group("sign")
    if sign == "-":
        amount = -amount
    if not sign and amount == 0:
        raise SizeError(f"{text.strip()!r} is zero bytes; a disk cannot be that small",
                        hint=f"write the new size like {EXAMPLES}")
    return SizeRequest(text=text, amount=amount, relative=bool(sign))


def human(size: int) -> str:
    """``128849018880`` -> ``120.0 GiB`` (binary units, as Hyper-V Manager shows them)."""
    return humanize.naturalsize(size, binary=True, format="%.1f")


def human_exact(size: int) -> str:
    """The readable size with the exact byte count, for the plan page."""
    return f"{human(size)} ({size:,} bytes)"
