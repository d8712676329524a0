"""The layers' one-way boundary, checked in a fresh interpreter per layer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# layer -> module prefixes it must never load (directly or through its imports)
FORBIDDEN = {
    "hvtui.model": ("textual", "hvtui.ui", "hvtui.remote", "hvtui.ps", "hvtui.hyperv",
                    "hvtui.lab", "pypsrp", "asyncssh", "psrpcore"),
    "hvtui.ps.catalog": ("textual", "hvtui.ui", "hvtui.hyperv", "hvtui.lab"),
    "hvtui.ps.decode": ("textual", "hvtui.ui", "hvtui.hyperv", "hvtui.lab"),
    "hvtui.ps.calls": ("textual", "hvtui.ui", "hvtui.hyperv", "hvtui.lab", "hvtui.model"),
    "hvtui.hyperv.doctor": ("textual", "hvtui.ui", "hvtui.lab"),
    "hvtui.remote.base": ("textual", "hvtui.ui", "hvtui.hyperv", "hvtui.model", "hvtui.lab"),
    "hvtui.remote.pool": ("textual", "hvtui.ui", "hvtui.hyperv", "hvtui.model", "hvtui.lab"),
    "hvtui.hyperv.inventory": ("textual", "hvtui.ui", "hvtui.lab"),
    "hvtui.hyperv.refresh": ("textual", "hvtui.ui", "hvtui.lab"),
    "hvtui.hyperv.jobs": ("textual", "hvtui.ui", "hvtui.lab"),
    # The lab's PowerShell engine stands for a host: nothing of the client side.
    "hvtui.lab.pwsh": ("textual", "hvtui.ui", "hvtui.hyperv", "hvtui.model"),
}


def loaded_modules(module: str) -> list[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    return list(json.loads(out))


@pytest.mark.parametrize("module", sorted(FORBIDDEN))
def test_layer_imports_stay_one_way(module: str) -> None:
    loaded = loaded_modules(module)
    leaks = [m for m in loaded for bad in FORBIDDEN[module] if m == bad or m.startswith(bad + ".")]
    assert not leaks, f"{module} pulls in {sorted(set(leaks))[:10]}"


def test_checker_detects_a_leak() -> None:
    """The check can fail: importing textual's app does load textual."""
    assert "textual" in loaded_modules("textual.app")
