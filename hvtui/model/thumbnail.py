"""A VM's screen as the host's thumbnail gives it, and as a terminal can draw it.

``GetVirtualSystemThumbnailImage`` returns raw RGB 565: one little-endian uint16 per pixel,
rows from the top, 5 bits red, 6 green, 5 blue. A terminal cell holds two of those pixels
stacked, drawn as the upper half block (U+2580) in the top pixel's colour on the bottom
pixel's colour, so a ``w`` x ``h`` image takes ``w`` columns and ``h / 2`` rows. Where
colour is not wanted (a pipe, ``NO_COLOR``) each cell is a character of a brightness ramp.
"""

from __future__ import annotations

import array
import enum
import sys
from dataclasses import dataclass

Rgb = tuple[int, int, int]

UPPER_HALF = "\u2580"
RAMP = " .:-=+*#%@"
"""Dark to bright, for text without colour."""

GUEST_ASPECT = 4 / 3
"""The shape hvtui asks for: a guest screen at 1024x768 (thumbnails scale to the size asked)."""

MAX_PIXELS = 1024
"""Neither side asked for is larger (WidthPixels/HeightPixels are uint16; hvtui never needs
more than a terminal's width)."""


class ScreenStatus(enum.Enum):
    """Why there is, or is not, an image."""

    SHOWN = "shown"
    NO_SCREEN = "no screen"
    """The VM is off or saved: the host has no screen to give (return value 32775)."""
    NOT_FOUND = "not found"
    """The host has no VM with this id (moved, deleted)."""
    FAILED = "failed"
    """Another return value: the method failed."""


RETURN_TEXTS = {
    0: "Completed with No Error",
    4096: "Method Parameters Checked - Job Started",
    32768: "Failed",
    32769: "Access Denied",
    32770: "Not Supported",
    32771: "Status is unknown",
    32772: "Timeout",
    32773: "Invalid parameter",
    32774: "System is in use",
    32775: "Invalid state for this operation",
    32776: "Incorrect data type",
    32777: "System is not available",
    32778: "Out of memory",
}
"""GetVirtualSystemThumbnailImage's documented return values (MicrosoftDocs/win32)."""


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """One VM's screen at one moment (or why there is none)."""

    vm_id: str
    host: str
    status: ScreenStatus
    width: int = 0
    height: int = 0
    pixels: tuple[int, ...] = ()
    """RGB 565 values, ``width * height`` of them, rows from the top."""
    code: int = 0
    """The method's return value."""
    message: str = ""
    """Why the host gave no image when the call itself failed (the host's message)."""

    @property
    def reason(self) -> str:
        """Why there is no image, in plain words ('' when there is one)."""
        if self.status is ScreenStatus.SHOWN:
            return ""
        if self.status is ScreenStatus.NOT_FOUND:
            return f"{self.host} has no VM with id {self.vm_id}"
        if self.status is ScreenStatus.NO_SCREEN:
            return "no screen: the VM is not running"
        if self.message:
            return self.message
        text = RETURN_TEXTS.get(self.code, "an undocumented value")
        return f"the host returned {self.code} ({text})"


def decode_rgb565(data: bytes, width: int, height: int) -> tuple[int, ...]:
    """The pixels of ``data``; ValueError when it is not ``width`` x ``height`` of them."""
    if width <= 0 or height <= 0 or len(data) != width * height * 2:
        raise ValueError(f"{len(data)} bytes are not a {width}x{height} RGB 565 image")
    values = array.array("H")
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return tuple(values)


def rgb(value: int) -> Rgb:
    """One RGB 565 value as 8-bit red, green, blue (the low bits repeat the high ones)."""
    r, g, b = (value >> 11) & 0x1F, (value >> 5) & 0x3F, value & 0x1F
    return (r << 3) | (r >> 2), (g << 2) | (g >> 4), (b << 3) | (b >> 2)


def fit(columns: int, rows: int) -> tuple[int, int]:
    """The image size (pixels) that fills at most ``columns`` x ``rows`` cells at the guest's
    4:3 shape, two pixels per cell vertically; at least 4x4."""
    width = max(4, min(columns, MAX_PIXELS))
    height = max(4, min(rows * 2, MAX_PIXELS))
    if width > height * GUEST_ASPECT:
        width = max(4, int(height * GUEST_ASPECT))
    else:
        height = max(4, int(width / GUEST_ASPECT))
    return width, height - height % 2


Cell = tuple[Rgb, Rgb]
"""(top pixel, bottom pixel) of one terminal cell."""


def cells(thumbnail: Thumbnail) -> list[list[Cell]]:
    """The image as rows of cells, two pixel rows per cell row (an odd last row repeats)."""
    w, h, px = thumbnail.width, thumbnail.height, thumbnail.pixels
    out: list[list[Cell]] = []
    for y in range(0, h, 2):
        top = px[y * w:(y + 1) * w]
        bottom = px[(y + 1) * w:(y + 2) * w] if y + 1 < h else top
        out.append([(rgb(t), rgb(b)) for t, b in zip(top, bottom, strict=True)])
    return out


def brightness(color: Rgb) -> float:
    r, g, b = color
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


def ramp_char(cell: Cell) -> str:
    level = (brightness(cell[0]) + brightness(cell[1])) / 2
    return RAMP[min(len(RAMP) - 1, int(level * len(RAMP)))]


def ansi_lines(thumbnail: Thumbnail, *, color: bool) -> list[str]:
    """The image as terminal lines: 24-bit colour half blocks, or the brightness ramp."""
    lines = []
    for row in cells(thumbnail):
        if not color:
            lines.append("".join(ramp_char(cell) for cell in row).rstrip())
            continue
        parts = []
        for (tr, tg, tb), (br, bg, bb) in row:
            parts.append(f"\x1b[38;2;{tr};{tg};{tb};48;2;{br};{bg};{bb}m{UPPER_HALF}")
        lines.append("".join(parts) + "\x1b[0m")
    return lines
