"""A lab estate whose VM and checkpoint names differ only in case (no tests here).

Shared by the console's and the command line's tests of names (tests/pilot/test_trust_names.py)
and by the same faults over both real transports (tests/wire/test_trust_wire.py).
"""

from __future__ import annotations

from pathlib import Path

HOST = '''
[[host]]
name = "{name}"
os = "2012R2"
processor = "Intel(R) Xeon(R) CPU E5-2660 v2 @ 2.20GHz"
processor_family = "IvyBridge-EP"
logical_processors = 16
memory_gb = 128
switches = ["LAN"]

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
size_gb = 1000
free_gb = 800
'''

VM = '''
[[host.vm]]
name = "{name}"
generation = 2
version = "5.0"
state = "{state}"
os = "Windows Server 2012 R2 Standard"
cpus = 2
memory_gb = 4
path = 'D:\\VMs\\{name}'
'''


def scenario(path: Path) -> Path:
    """HV-A has ``web01`` and ``WEB01`` (both off), ``APP`` with checkpoints ``Before`` and
    ``before``, and ``solo``; HV-B has ``Web01``."""
    text = '[lab]\nseed = 3\ndomain = "contoso.local"\n' + HOST.format(name="HV-A")
    text += VM.format(name="web01", state="Off") + VM.format(name="WEB01", state="Off")
    text += VM.format(name="APP", state="Running")
    text += '[[host.vm.checkpoint]]\nname = "Before"\nage_days = 3\n'
    text += '[[host.vm.checkpoint]]\nname = "before"\nage_days = 1\n'
    text += VM.format(name="solo", state="Off")
    text += HOST.format(name="HV-B") + VM.format(name="Web01", state="Off")
    path.write_text(text, encoding="utf-8")
    return path
