"""What a lab guest's screen shows, drawn at the size a thumbnail asks for (raw RGB565).

GetVirtualSystemThumbnailImage returns the VM's screen scaled to WidthPixels x HeightPixels,
in raw RGB 565 (MicrosoftDocs/win32, getvirtualsystemthumbnailimage-msvm-
virtualsystemmanagementservice). A lab guest has no frame buffer, so its screen is drawn
from its state: the boot screen for the first moments of a run, then the sign-in screen
(Windows: the lock screen, and after Ctrl+Alt+Del the password box; Linux: the text login
prompt), a stop error (Windows) or kernel panic (Linux) when the guest has crashed, and a
boot that never ends when it is caught in a boot loop. Text uses a 3x5 font scaled to the
image, so it is legible where a real thumbnail's would be.
"""

from __future__ import annotations

import array
import sys
from dataclasses import dataclass

from hvtui.lab import screen_font

Rgb = tuple[int, int, int]

BLACK: Rgb = (0, 0, 0)
WHITE: Rgb = (255, 255, 255)
GREY: Rgb = (170, 170, 170)
GREEN: Rgb = (60, 200, 80)
STOP_BLUE: Rgb = (16, 113, 170)
"""The stop-error ("blue screen") background of Windows 8 / Server 2012 and later."""
LOCK_BLUE: Rgb = (0, 60, 110)
LOGO_BLUE: Rgb = (0, 164, 239)

WINDOWS_BOOT_SECONDS = 45.0
LINUX_BOOT_SECONDS = 20.0
BOOT_LOOP_SECONDS = 60.0
"""A guest in a boot loop restarts this often (lab time), never reaching sign-in."""


@dataclass(frozen=True, slots=True)
class GuestScreen:
    """Everything a guest's screen depends on, read from the VM under the lab's lock."""

    name: str
    linux: bool
    guest_os: str
    fault: str
    """'' | 'BugCheck' | 'BootLoop'."""
    console: str
    """'' (lock screen / login prompt), 'SignIn' (Windows, after Ctrl+Alt+Del) or
    'Incorrect' (Linux, after a failed login)."""
    typed: str
    """Text typed since the sign-in screen or login prompt appeared."""
    seconds_up: float
    clock: str
    """The guest's clock as HH:MM (the lock screen shows it)."""


def screen_kind(guest: GuestScreen) -> str:
    """What the screen shows now: boot, lock, signin, login, stop, panic."""
    if guest.fault == "BugCheck":
        return "panic" if guest.linux else "stop"
    if guest.fault == "BootLoop":
        # Boots, fails, shows the stop error a moment, restarts: never signs in.
        into = guest.seconds_up % BOOT_LOOP_SECONDS
        return "boot" if into < BOOT_LOOP_SECONDS * 0.75 else ("panic" if guest.linux else "stop")
    boot = LINUX_BOOT_SECONDS if guest.linux else WINDOWS_BOOT_SECONDS
    if guest.seconds_up < boot:
        return "boot"
    if guest.linux:
        return "login"
    return "signin" if guest.console == "SignIn" else "lock"


class Canvas:
    """A width x height image, drawn with rectangles and text."""

    def __init__(self, width: int, height: int, background: Rgb) -> None:
        self.width, self.height = width, height
        self.pixels = array.array("H", [_rgb565(background)]) * (width * height)

    def rect(self, x: int, y: int, w: int, h: int, color: Rgb) -> None:
        value = _rgb565(color)
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + w), min(self.height, y + h)
        if x1 <= x0:
            return
        row = array.array("H", [value]) * (x1 - x0)
        for yy in range(y0, y1):
            start = yy * self.width + x0
            self.pixels[start:start + (x1 - x0)] = row

    def text(self, x: int, y: int, text: str, color: Rgb, scale: int = 1) -> int:
        """Draws ``text`` from (x, y); returns the x after it. Clipped at the edges."""
        for ch in text:
            rows = screen_font.glyph(ch)
            for gy, line in enumerate(rows):
                for gx, lit in enumerate(line):
                    if lit == "#":
                        self.rect(x + gx * scale, y + gy * scale, scale, scale, color)
            x += (screen_font.WIDTH + 1) * scale
        return x

    def text_width(self, text: str, scale: int) -> int:
        return len(text) * (screen_font.WIDTH + 1) * scale

    def centered(self, y: int, text: str, color: Rgb, scale: int = 1) -> None:
        self.text((self.width - self.text_width(text, scale)) // 2, y, text, color, scale)

    def rgb565(self) -> bytes:
        """The image as the method returns it: one little-endian uint16 per pixel."""
        out = array.array("H", self.pixels)
        if sys.byteorder == "big":
            out.byteswap()
        return out.tobytes()


def _rgb565(color: Rgb) -> int:
    r, g, b = color
    return ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)


def _scale(canvas: Canvas) -> int:
    """Text scale: one font pixel per image pixel on a small thumbnail, more on a big one."""
    return max(1, min(canvas.width // 160, canvas.height // 120))


def _line_height(scale: int) -> int:
    return (screen_font.HEIGHT + 2) * scale


def draw(guest: GuestScreen, width: int, height: int) -> bytes:
    """The guest's screen as RGB565 bytes of ``width`` x ``height`` pixels."""
    kind = screen_kind(guest)
    background = {"stop": STOP_BLUE, "lock": LOCK_BLUE, "signin": LOCK_BLUE}.get(kind, BLACK)
    canvas = Canvas(width, height, background)
    {"boot": _linux_boot if guest.linux else _windows_boot, "lock": _lock, "signin": _signin,
     "login": _login, "stop": _stop, "panic": _panic}[kind](canvas, guest)
    return canvas.rgb565()


def _windows_boot(canvas: Canvas, guest: GuestScreen) -> None:
    w, h = canvas.width, canvas.height
    side = max(2, min(w, h) // 10)
    gap = max(1, side // 8)
    x0, y0 = (w - 2 * side - gap) // 2, h * 2 // 5 - side
    for dx in (0, side + gap):
        for dy in (0, side + gap):
            canvas.rect(x0 + dx, y0 + dy, side, side, LOGO_BLUE)
    # The spinner: five dots chasing round, drawn here as a row moving with time.
    dot = max(1, side // 6)
    step = int(guest.seconds_up * 2) % 8
    y = y0 + 2 * side + gap + side
    for n in range(5):
        x = w // 2 + (n + step - 6) * dot * 2
        canvas.rect(x, y, dot, dot, WHITE)


_LINUX_BOOT_LINES = (
    "[  OK  ] STARTED JOURNAL SERVICE.",
    "[  OK  ] REACHED TARGET LOCAL FILE SYSTEMS.",
    "[  OK  ] STARTED HYPER-V KVP PROTOCOL DAEMON.",
    "[  OK  ] STARTED NETWORK MANAGER.",
    "[  OK  ] REACHED TARGET NETWORK.",
    "[  OK  ] STARTED OPENSSH SERVER DAEMON.",
    "[  OK  ] REACHED TARGET MULTI-USER SYSTEM.",
)


def _linux_boot(canvas: Canvas, guest: GuestScreen) -> None:
    scale = _scale(canvas)
    shown = 1 + int(guest.seconds_up / LINUX_BOOT_SECONDS * len(_LINUX_BOOT_LINES))
    y = scale
    for line in _LINUX_BOOT_LINES[:shown]:
        x = canvas.text(scale, y, "[", GREY, scale)
        x = canvas.text(x, y, "  OK  ", GREEN, scale)
        canvas.text(x, y, line[7:], GREY, scale)
        y += _line_height(scale)


def _lock(canvas: Canvas, guest: GuestScreen) -> None:
    scale = _scale(canvas)
    big = scale * 3
    canvas.text(canvas.width // 12, canvas.height * 3 // 5, guest.clock, WHITE, big)
    canvas.centered(canvas.height - 2 * _line_height(scale), "PRESS CTRL+ALT+DEL TO SIGN IN",
                    WHITE, scale)


def _signin(canvas: Canvas, guest: GuestScreen) -> None:
    scale = _scale(canvas)
    w, h = canvas.width, canvas.height
    side = max(4, h // 6)
    canvas.rect((w - side) // 2, h // 5, side, side, GREY)
    y = h // 5 + side + _line_height(scale)
    canvas.centered(y, "ADMINISTRATOR", WHITE, scale)
    y += 2 * _line_height(scale)
    box_w = min(w - 4, max(w // 3, canvas.text_width("*" * 12, scale) + 4 * scale))
    box_h = _line_height(scale) + 2 * scale
    x = (w - box_w) // 2
    canvas.rect(x, y, box_w, box_h, WHITE)
    dots = "\u2022" * min(len(guest.typed), max(0, (box_w - 4 * scale) // (4 * scale)))
    canvas.text(x + 2 * scale, y + 2 * scale, dots or "PASSWORD", BLACK if dots else GREY,
                scale)


def _login(canvas: Canvas, guest: GuestScreen) -> None:
    scale = _scale(canvas)
    y = scale
    lines = [guest.guest_os or "LINUX", "KERNEL ON AN X86_64", ""]
    for line in lines:
        canvas.text(scale, y, line, GREY, scale)
        y += _line_height(scale)
    if guest.console == "Incorrect":
        canvas.text(scale, y, "Login incorrect", GREY, scale)
        y += _line_height(scale)
    user, asked, _password = guest.typed.partition("\n")
    x = canvas.text(scale, y, f"{guest.name.lower()} login: ", GREY, scale)
    x = canvas.text(x, y, user, WHITE, scale)
    if asked:  # the password is not echoed
        y += _line_height(scale)
        x = canvas.text(scale, y, "Password: ", GREY, scale)
    canvas.rect(x, y, screen_font.WIDTH * scale, screen_font.HEIGHT * scale, GREY)


def _stop(canvas: Canvas, guest: GuestScreen) -> None:
    scale = _scale(canvas)
    x, y = canvas.width // 10, canvas.height // 6
    canvas.text(x, y, ":(", WHITE, scale * 4)
    y += _line_height(scale * 4) + _line_height(scale)
    for line in ("YOUR PC RAN INTO A PROBLEM AND", "NEEDS TO RESTART.", "",
                 "STOP CODE: CRITICAL PROCESS DIED"):
        canvas.text(x, y, line, WHITE, scale)
        y += _line_height(scale)


def _panic(canvas: Canvas, guest: GuestScreen) -> None:
    scale = _scale(canvas)
    y = scale
    for line in ("KERNEL PANIC - NOT SYNCING:", "ATTEMPTED TO KILL INIT!", "",
                 "---[ END KERNEL PANIC ]---"):
        canvas.text(scale, y, line, GREY, scale)
        y += _line_height(scale)
