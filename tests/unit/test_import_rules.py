"""The layers' one-way boundary: import-linter's contracts (pyproject.toml) over the source,
and, for what a static check cannot see (lazy imports at run time), a fresh interpreter per
layer that must not load the modules the layer may not use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
    # The app tells its main screen what changed by signals and messages; it never imports it.
    "hvtui.ui.console": ("hvtui.ui.main_screen", "hvtui.lab"),
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


ROOT = Path(__file__).resolve().parents[2]


def lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(config)!r}, no_cache=True, "
            "no_logo=True))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)


def test_the_layer_contracts_are_kept() -> None:
    run = lint_imports(ROOT / "pyproject.toml")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_a_broken_contract_fails_the_check(tmp_path: Path) -> None:
    """The check can fail: the console does import the model, so forbidding it breaks."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "hvtui"\n\n'
        '[[tool.importlinter.contracts]]\nname = "no model in the UI"\ntype = "forbidden"\n'
        'source_modules = ["hvtui.ui"]\nforbidden_modules = ["hvtui.model"]\n',
        encoding="utf-8")
    run = lint_imports(config)
    assert run.returncode == 1 and "BROKEN" in run.stdout
