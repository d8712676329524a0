"""Rebuild the reference data shipped in ``hvtui/reference/`` from the project's reference folder.

Not part of hvtui's runtime: run it by hand when the reference folder changes, then commit the
rewritten files::

    python tools/regenerate_reference.py [REFERENCE_DIR]

REFERENCE_DIR (default: ``../shared/reference`` beside the repository) holds
``cmdlets-by-release.json`` / ``.md``, ``hyperv-cmdlets.json``, ``hyperv-enums.json`` and
``version-facts.md``. The script writes:

- ``hvtui/reference/cmdlets.json.gz``: every cmdlet page of every release in a compact form
  (identical page records stored once), the ShouldProcess facts, and the provenance;
- ``hvtui/reference/hyperv-enums.json``: a verbatim copy.

``release-facts.json`` and ``integration-services.json`` are written by hand (each fact names
its source); this script checks that every ``evidence`` quote in ``release-facts.json`` still
appears in ``version-facts.md``, so the data cannot drift from the text it was read from.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "hvtui" / "reference"

CAVEATS = [
    "These are documentation pages, not the modules: they can be wrong or copied. The 2019 "
    "pages are copies of 2016's (212 of 212 Hyper-V cmdlets carry the same sets) and 2025's of "
    "2022's for 225 of 226 (New-VM differs): a 2016 page may list a parameter of a later build.",
    "Common parameters (-ErrorAction, -Verbose ...) are never listed. -Confirm/-WhatIf are "
    "listed on some pages only (2012 Hyper-V 67 of 164, 2012 R2 124 of 178; 2012's "
    "Restore-VMSnapshot lists neither yet its example runs -Confirm:$false): they apply to every "
    "cmdlet that declares SupportsShouldProcess, whatever its page says (see should_process).",
    "Positions: 2012 pages count from 1, 2012 R2 onwards from 0 (except 11 cmdlets new in 2025 "
    "FailoverClusters). Compare order only.",
    "Set names: 122 of 164 2012 Hyper-V pages and the 2012 Storage pages use "
    "UNNAMED_PARAMETER_SET_N; do not match sets by name across 2012 and later. Names are "
    "case-insensitive and some pages change case between releases.",
    "Page defects kept as found: Dismount-VMHostAssignableDevice (2022, 2025) puts -ComputerName "
    "in a set 'Path' missing from SYNTAX; Set-VMProcessor (2016-2025) -Perfmon is (All) in yaml "
    "but appears in one SYNTAX block.",
    "Not included: the 2025 folders FailoverClusterSet and VMDirectStorage, and all Storage "
    "cmdlets but Get-Volume, Get-Disk, Get-Partition and Get-PhysicalDisk.",
]


def _compact_parameter(raw: dict[str, Any]) -> list[Any]:
    """[type, required, position, pipeline, aliases]: the page's yaml block, in order."""
    return [raw["type"], bool(raw["required"]), raw["position"], raw["pipeline"],
            list(raw["aliases"])]


def _compact_page(raw: dict[str, Any]) -> dict[str, Any]:
    page: dict[str, Any] = {
        "sets": {name: {p: _compact_parameter(v) for p, v in params.items()}
                 for name, params in raw["sets"].items()},
        "syntax_sets": raw["syntax_sets"],
        "default_set": raw["default_set"],
        "outputs": raw["outputs"],
    }
    if "outputs_note" in raw:
        page["outputs_note"] = raw["outputs_note"]
    return page


def cmdlet_data(folder: Path) -> dict[str, Any]:
    by_release = json.loads((folder / "cmdlets-by-release.json").read_text("utf-8"))
    pages: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    releases: dict[str, dict[str, dict[str, list[Any]]]] = {}
    for release, modules in by_release["releases"].items():
        releases[release] = {}
        for module, cmdlets in modules.items():
            releases[release][module] = {}
            for name, raw in sorted(cmdlets.items()):
                page = _compact_page(raw)
                key = json.dumps(page, sort_keys=True)
                if key not in index:
                    index[key] = len(pages)
                    pages.append(page)
                releases[release][module][name] = [index[key], raw["path"], raw["commit"]]

    stubs = json.loads((folder / "hyperv-cmdlets.json").read_text("utf-8"))
    should_process = {
        record["cmdlet"]: [bool(record.get("supports_should_process")),
                           record.get("confirm_impact")]
        for record in stubs["cmdlets"]
        if record["module"] in ("Hyper-V", "FailoverClusters", "Storage")
    }
    return {
        "provenance": {
            "source": by_release["source"],
            "snapshot_commits": by_release["snapshot_commits"],
            "method": (
                "Sets: the '### NAME' headings of '## SYNTAX' ('(Default)' stripped into "
                "default_set; one unheaded block = '__AllParameterSets'). Parameters: each "
                "'### -Name' yaml block of '## PARAMETERS', attached to the sets its "
                "'Parameter Sets:' line names ('(All)' = every SYNTAX set). Outputs: the "
                "'### TYPE' headings of '## OUTPUTS' (bold type names from the prose where the "
                "heading is empty, the prose kept in outputs_note). Per cmdlet, 'git show "
                "COMMIT:PATH' in MicrosoftDocs/windows-powershell-docs gives the page parsed."
            ),
            "caveats": CAVEATS,
            "should_process_source": (
                "hyperv-cmdlets.json: supports_should_process and confirm_impact from the "
                "reflection stubs of the modules (dsccommunity/HyperVDsc@17e8eb77 "
                "tests/Unit/Stubs/Hyper-V.stubs.psm1, dsccommunity/FailoverClusterDsc@2123608c "
                "tests/Unit/Stubs/FailoverClusters.stubs.psm1) and the 2016+ pages."
            ),
        },
        "parameter_fields": ["type", "required", "position", "pipeline", "aliases"],
        "pages": pages,
        "releases": releases,
        "should_process": should_process,
    }


def check_release_facts(folder: Path) -> list[str]:
    """Evidence quotes of release-facts.json that version-facts.md no longer contains."""
    text = " ".join((folder / "version-facts.md").read_text("utf-8").split())
    facts = json.loads((TARGET / "release-facts.json").read_text("utf-8"))
    missing = []
    for release, entry in facts["releases"].items():
        for fact, value in entry.items():
            if isinstance(value, dict):
                for quote in value.get("evidence", []):
                    if " ".join(quote.split()) not in text:
                        missing.append(f"{release} {fact}: {quote!r}")
    return missing


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "reference"
    if not (folder / "cmdlets-by-release.json").is_file():
        print(f"no cmdlets-by-release.json in {folder}: pass the reference folder",
              file=sys.stderr)
        return 2
    data = json.dumps(cmdlet_data(folder), separators=(",", ":"), sort_keys=True)
    # mtime=0: the same input gives the same bytes, so an unchanged reference is no diff.
    (TARGET / "cmdlets.json.gz").write_bytes(gzip.compress(data.encode("utf-8"), 9, mtime=0))
    shutil.copyfile(folder / "hyperv-enums.json", TARGET / "hyperv-enums.json")
    missing = check_release_facts(folder)
    for line in missing:
        print(f"release-facts.json quotes text version-facts.md no longer has: {line}",
              file=sys.stderr)
    print(f"wrote {TARGET / 'cmdlets.json.gz'} and {TARGET / 'hyperv-enums.json'}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
