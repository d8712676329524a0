"""The hyperv layer's plans and runner stay below the UI (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN = ("textual", "hvtui.ui", "hvtui.lab")


@pytest.mark.parametrize("module", ["hvtui.hyperv.preflight", "hvtui.hyperv.operations",
                                    "hvtui.cli_actions"])
def test_plans_and_runner_never_load_the_ui_or_the_lab(module: str) -> None:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], check=True,
                                       capture_output=True, text=True).stdout)
    leaks = [m for m in loaded for bad in FORBIDDEN if m == bad or m.startswith(bad + ".")]
    assert not leaks, f"{module} pulls in {sorted(set(leaks))[:10]}"
