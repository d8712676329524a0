"""Run PowerShell text that is not a catalog script on a lab host (no tests here).

The lab's front door runs only catalog scripts; these helpers go behind it, to the host's
engine and emulated cmdlets, as a console on that host would. They test a cmdlet beyond
what the catalog's scripts reach (a wildcard, a parameter no script passes, -WhatIf), and
read the host's objects by their real property names whatever a script makes of them.
"""

from __future__ import annotations

from typing import Any

from hvtui.lab import Lab
from hvtui.lab.pwsh import Outcome, run, to_plain
from hvtui.lab.runtime import HostRuntime


def console(lab: Lab, host: str, text: str, **params: Any) -> Outcome:
    """Run ``text`` on ``host`` (synchronously: use an instant lab, or expect to wait)."""
    found = lab.estate.host(host)
    assert found is not None, host
    return run(text, params, HostRuntime(lab.estate, found, found.software))


def output(outcome: Outcome) -> list[Any]:
    """What the run wrote, as plain data; fails the test if the run failed."""
    assert not outcome.failed, [e.message for e in outcome.errors]
    return [to_plain(value) for value in outcome.output]


def replication(lab: Lab, host: str, vm: str) -> dict[str, dict[str, Any]]:
    """Get-VMReplication's objects for ``vm`` on ``host``, by relationship type (Simple
    where the release has no such property)."""
    objects = output(console(lab, host, "param($Name) Get-VMReplication -VMName $Name", Name=vm))
    return {str(o.get("ReplicationRelationshipType") or "Simple"): o for o in objects}
