"""A corpus of hostile text, and a lab scenario whose hosts and guests report it.

Each payload sits between two markers (``Q1`` ... ``Q2``) so a test can tell, in any output
(a table, a plan, an SVG screenshot, the raw bytes a terminal receives), whether the
control characters arrived raw (``Q1\\x1b``) or visibly escaped (``Q1\\\\x1b``).
"""

from __future__ import annotations

from pathlib import Path

PAYLOADS: dict[str, str] = {
    "csi": "\x1b[31;1m",              # ESC [ : colours, cursor moves, screen clears
    "osc52": "\x1b]52;c;cm0gLXJm\x07",  # OSC 52: writes the user's clipboard
    "bel": "\x07",
    "backspace": "\x08\x08\x08",
    "cr": "\rOK",                     # carriage return: overwrites the start of the line
    "newline": "\n  Heartbeat: OK",   # a fake extra line
    "bidi": "\u202etxt.exe",          # right-to-left override
    "c1-csi": "\x9b2J",              # one-byte CSI (C1)
    "c1-osc": "\x9d0;title\x9c",      # one-byte OSC and ST
    "nul": "\x00",
    "del": "\x7f",
    "line-separator": "\u2028",
    "zero-width": "\u200b",
}
"""Name -> control sequence, from the issue's list (ESC, CSI, OSC 52, BEL, BS, CR, bidi
override, C1, NUL) and a few more."""

RAW_CHARS = "\x1b\x07\x08\r\n\x00\x7f\x9b\x9c\x9d\u202e\u2028\u200b"
"""Every character of the payloads that must never reach a terminal raw."""

MARKUP = "[@click=app.quit]Q5[/]"
"""Textual markup in a name: must show as these characters, never become a link."""


def hostile(name: str) -> str:
    """``Q1<payload>Q2`` (with the payload's name, so a failure says which one)."""
    return f"{name}-Q1{PAYLOADS[name]}Q2"


def raw_leaks(text: str) -> list[str]:
    """The payloads that appear raw in ``text`` (right after their ``Q1`` marker)."""
    return [name for name, payload in PAYLOADS.items()
            if f"Q1{payload}" in text or f"Q1{payload[:1]}" in text]


def toml_str(text: str) -> str:
    """A TOML basic string holding ``text`` exactly (every unusual character as an escape)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        elif ord(ch) > 0xFFFF:
            out.append(f"\\U{ord(ch):08x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return '"' + "".join(out) + '"'


VM_NAMES = {name: hostile(name) for name in PAYLOADS}


def scenario(path: Path) -> Path:
    """Two 2012 R2 hosts; HV-A runs a VM per payload (name, notes, guest OS name, disk path,
    checkpoint names hostile; the bidi VM's
    switch is called with the CSI payload, which HV-B lacks). Returns the scenario file's path."""
    parts = ['[lab]\nseed = 7\ndomain = "contoso.local"\n']
    for host in ("HV-A", "HV-B"):
        switches = '["LAN"]' if host == "HV-B" else f'["LAN", {toml_str(hostile("csi"))}]'
        parts.append(f'''
[[host]]
name = "{host}"
os = "2012R2"
processor = "Intel(R) Xeon(R) CPU E5-2660 v2 @ 2.20GHz"
processor_family = "IvyBridge-EP"
logical_processors = 32
memory_gb = 256
switches = {switches}

[host.migration]
enabled = true
authentication = "CredSSP"
performance = "Compression"
simultaneous = 2
any_network = true
delegation = []

[[host.volume]]
letter = "D"
label = "VMs"
size_gb = 2000
free_gb = 1500
''')
        if host != "HV-A":
            continue
        for key, name in [*VM_NAMES.items(), ("markup", MARKUP)]:
            payload = PAYLOADS.get(key, "")
            disk = toml_str(f"D:\\VMs\\{key}\\disk-Q1{payload}Q2.vhdx")
            switch = toml_str(hostile("csi") if key == "bidi" else "LAN")
            parts.append(f'''
[[host.vm]]
name = {toml_str(name)}
generation = 2
version = "5.0"
state = "Running"
os = {toml_str("Windows" + f"-Q1{payload}Q2")}
cpus = 2
memory_gb = 4
notes = {toml_str(f"note-Q1{payload}Q2")}
path = 'D:\\VMs\\{key}'

[[host.vm.disk]]
path = {disk}
controller = "SCSI"
size_gb = 40
used_gb = 10

[[host.vm.checkpoint]]
name = {toml_str(f"cp-Q1{payload}Q2")}
age_days = 2

[[host.vm.adapter]]
switch = {switch}
''')
    path.write_text("".join(parts), encoding="utf-8")
    return path
