"""The registry through which wizards (and any other action) plug into the console.

A module registers an :class:`ActionSpec` at import time::

    from hvtui.ui.actions import ActionSpec, register_action

    async def resize(app: HvtuiApp, disks: list[Disk]) -> None:
        plan = await app.push_screen_wait(ResizeWizard(app, disks))
        ...

    register_action(ActionSpec(id="resize", label="Resize", key="R", panes={"disks"},
                               mutating=True, handler=resize))

The console then shows the action in the footer, the help screen and the command
palette whenever one of its panes is current (mutating actions vanish in
read-only mode), and calls ``handler(app, objects)`` with the marked rows' model
objects the filter shows, or the row under the cursor when nothing is marked. A handler
calls ``app.selection_started()`` once the action is confirmed or running: the console
clears the marks then (and keeps them when the person cancels). What the objects are
per pane is listed in :data:`PANE_OBJECTS`. A handler may be a plain function or a
coroutine function; a coroutine runs as a Textual worker and its failures are
logged and reported, never shown as a traceback.

The package ``hvtui.ui.wizards`` is imported at start-up when it exists, so its
modules only need to call :func:`register_action`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

ActionHandler = Callable[["HvtuiApp", list[Any]], Awaitable[None] | None]

PANE_IDS: tuple[str, ...] = ("hosts", "vms", "disks", "replicas", "clusters", "jobs", "audit",
                             "events")  # events: issue 12

PANE_OBJECTS: dict[str, str] = {
    "hosts": "hvtui.model.HostStatus (inventory may be None when the host never answered)",
    "vms": "hvtui.model.VM",
    "disks": "hvtui.model.Disk",
    "replicas": "hvtui.model.VM (with replication or extended_replication set)",
    "clusters": "tuple[hvtui.model.Cluster, Cluster | ClusterNode | ClusterRole | SharedVolume]",
    "jobs": "hvtui.model.Job",
    "audit": "hvtui.hyperv.audit.AuditEntry",
    # events pane (issue 12)
    "events": "hvtui.hyperv.events.Event",
}

RESERVED_KEYS: frozenset[str] = frozenset({
    # navigation and console keys the panes already use
    "up", "down", "left", "right", "pageup", "pagedown", "home", "end", "enter", "escape",
    "space", "tab", "shift+tab", "j", "k", "g", "G", "s", "S", "r", "q", "colon", "slash",
    "question_mark", "ctrl+r", "ctrl+p", "ctrl+q", "ctrl+c", "ctrl+b", "ctrl+f",
    "1", "2", "3", "4", "5", "6", "7",
    # events pane (issue 12): its number, and L (a host's or VM's events)
    "8", "L",
})
"""Keys an action may not take (they belong to the console's own bindings)."""

PANE_KEYS: dict[str, frozenset[str]] = {"jobs": frozenset({"x"})}
"""Keys the console uses on one pane only (``x`` cancels a job on the Jobs pane)."""


@dataclass(frozen=True)
class ActionSpec:
    id: str
    """Unique, stable identifier (``"migrate"``)."""
    label: str
    """Short label for the footer and palette (``"Migrate"``)."""
    key: str
    """Textual key name (``"m"``, ``"M"``, ``"ctrl+e"``); not one of :data:`RESERVED_KEYS`."""
    panes: set[str]
    """Pane ids where the action applies (see :data:`PANE_IDS`)."""
    mutating: bool
    """True when it changes anything: hidden in read-only mode."""
    handler: ActionHandler
    """Called with the app and the selected model objects (see :data:`PANE_OBJECTS`)."""
    description: str = ""
    """One sentence for the help screen and the palette."""
    multi: bool = True
    """Whether it accepts several marked rows at once (else only the cursor row)."""
    details: bool = True
    """Also offered on the details view of one object of these panes."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


_REGISTRY: dict[str, ActionSpec] = {}
_version = 0


def register_action(spec: ActionSpec) -> ActionSpec:
    """Add (or replace, by id) an action. Raises ValueError on a bad or clashing spec."""
    global _version
    unknown = set(spec.panes) - set(PANE_IDS)
    if unknown:
        raise ValueError(f"action {spec.id!r}: unknown pane(s) {sorted(unknown)}; "
                         f"use {', '.join(PANE_IDS)}")
    if not spec.id or not spec.label or not spec.key:
        raise ValueError("an action needs an id, a label and a key")
    if spec.key in RESERVED_KEYS or any(spec.key in PANE_KEYS.get(p, ()) for p in spec.panes):
        raise ValueError(f"action {spec.id!r}: key {spec.key!r} is reserved by the console")
    for other in _REGISTRY.values():
        if other.id != spec.id and other.key == spec.key and other.panes & spec.panes:
            raise ValueError(f"action {spec.id!r}: key {spec.key!r} is already used by "
                             f"{other.id!r} on {sorted(other.panes & spec.panes)}")
    _REGISTRY[spec.id] = spec
    _version += 1
    return spec


def unregister_action(action_id: str) -> None:
    global _version
    if _REGISTRY.pop(action_id, None) is not None:
        _version += 1


def registered_actions(pane: str | None = None) -> list[ActionSpec]:
    """All actions, or those that apply to one pane, in registration order."""
    return [s for s in _REGISTRY.values() if pane is None or pane in s.panes]


def get_action(action_id: str) -> ActionSpec | None:
    return _REGISTRY.get(action_id)


def registry_version() -> int:
    """Changes whenever the registry does (the screens re-bind keys when it moves)."""
    return _version
