"""The console's main screen: eight panes of live tables, k9s keys, command line, filter.

Data arrives as frozen snapshots (the app's estate, jobs, audit entries). The
screen only turns them into rows, and lazily: a pane that is not on screen just
remembers which hosts changed and catches up when it is shown. Large catch-ups
are done in slices of a few milliseconds so input is never blocked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.signal import Signal
from textual.widgets import ContentSwitcher, Input, Static

from hvtui.model import VM, ClusterNode, ClusterRole, HostStatus, Job
from hvtui.ui import panes as P
from hvtui.ui.actions import ActionSpec, get_action, registered_actions, registry_version
from hvtui.ui.navigation import RunOnSelection, ShowPane, SortBy
from hvtui.ui.table import VirtualTable
from hvtui.ui.tablemodel import Row, TableModel
from hvtui.ui.widgets import (
    Crumb,
    Flash,
    KeyHints,
    Prompt,
    StatusBar,
    TopBar,
    complete_command,
)

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

_SLICE_SECONDS = 0.008
"""How long one catch-up slice may hold the event loop."""
_COALESCE_SECONDS = 0.02
"""Updates arriving within this window are applied together."""
T = TypeVar("T")


class MainScreen(Screen[None]):
    """Panes, prompt, flash line, status bar and footer."""

    AUTO_FOCUS = None

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: handled as the key arrives, so keys typed or pasted right after it go to
        # the prompt, not to the table (where 'a' opens Add disk); see check_action.
        Binding("colon", "command_line", "Command", key_display=":", priority=True),
        Binding("slash", "filter", "Filter", key_display="/", priority=True),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("s", "sort_next", "Sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False),
        Binding("r,ctrl+r", "refresh", "Refresh"),
        Binding("escape", "back", "Back", show=False),
        Binding("q", "quit", "Quit"),
        Binding("x", "cancel_job", "Cancel job"),
        Binding("right", "drill", "Its VMs", key_display="→"),
        # events pane (issue 12): a host's or a VM's events
        Binding("L", "events_of", "Its events"),
        Binding("tab", "next_pane", "Next pane", show=False),
        Binding("shift+tab", "previous_pane", "Previous pane", show=False),
        *(Binding(spec.key, f"show_pane('{spec.id}')", spec.title, show=False)
          for spec in P.PANES),
    ]

    def __init__(self, start_pane: str = "vms") -> None:
        super().__init__(id="main")
        self.current = start_pane if start_pane in P.PANE_BY_ID else "vms"
        """The id of the pane on screen."""
        self.history: list[str] = []
        self.models: dict[str, TableModel] = {
            spec.id: TableModel(spec.columns, sort=spec.sort, tiebreak=spec.tiebreak,
                                reverse=spec.id in ("jobs", "audit"))
            for spec in P.PANES
        }
        self.objects: dict[str, dict[Hashable, object]] = {spec.id: {} for spec in P.PANES}
        """The model object behind each row key, per pane."""
        self._dirty_hosts: dict[str, set[str]] = {s.id: set() for s in P.PANES if s.per_host}
        self._stale: set[str] = {s.id for s in P.PANES if not s.per_host}
        self._flush_timer_pending = False
        self._bound: set[str] = set()
        self._bound_version = -1
        self._tables: dict[str, VirtualTable] = {}
        self._said_small = False
        self.events_about: tuple[str, str] | None = None
        """The VM (name, id) the Events pane is narrowed to (``L`` on a VM), or None."""
        # the screen's parts, kept so timers and late messages never need a query
        self._topbar = TopBar(id="topbar")
        self._crumb = Crumb(id="crumb")
        self.flash = Flash(id="flash")
        """The line that says what happened, in place."""
        self._promptbar = Horizontal(id="promptbar")
        self._prompt_mode = Static(":", id="prompt-mode")
        self.prompt = Prompt(id="prompt")
        """The ``:`` command line and ``/`` filter input."""
        self._status = StatusBar(id="status")
        self._switcher = ContentSwitcher(initial=f"pane-{self.current}", id="panes")

    @property
    def hv(self) -> HvtuiApp:
        return self.app  # type: ignore[return-value]

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self._topbar
        yield self._crumb
        with self._switcher:
            # only the first pane's table is mounted now; the others when first shown
            yield self.table_for(self.current)
        yield self.flash
        with self._promptbar:
            yield self._prompt_mode
            yield self.prompt
        yield self._status
        yield KeyHints(id="keys")

    def on_mount(self) -> None:
        # What the app says changed. Immediate: a host's rows are only marked dirty here, and
        # rebuilt in coalesced slices, so there is nothing to gain from another message hop.
        app = self.hv
        self._follow(app.host_changed, self.host_changed, "applying a host refresh")
        self._follow(app.job_changed, self._job_changed, "applying a job update")
        self._follow(app.audit_read, self._audit_read, "reading the audit log")
        self._follow(app.events_read, lambda _: self.pane_stale("events"),
                     "reading the hosts' events")
        self._follow(app.clock_ticked, self._clock_ticked, "updating ages")
        self._follow(app.actions_registered, lambda _: self.bind_registered_actions(),
                     "binding the actions' keys")
        self.bind_registered_actions()
        self._topbar.show(self.current, self.hv.read_only)
        self.table.focus()
        self.update_status()

    def on_screen_resume(self) -> None:
        if self._bound_version != registry_version():
            self.bind_registered_actions()
        self.table.focus()

    def _follow(self, signal: Signal[T], callback: Callable[[T], object], context: str) -> None:
        """Subscribe to one of the app's signals; a failure is reported, not swallowed."""
        def guarded(data: T) -> None:
            with self.hv.guard(context):
                callback(data)

        signal.subscribe(self, guarded, immediate=True)

    @property
    def table(self) -> VirtualTable:
        """The current pane's table."""
        return self.table_for(self.current)

    def table_for(self, pane: str) -> VirtualTable:
        table = self._tables.get(pane)
        if table is None:
            spec = P.PANE_BY_ID[pane]
            table = VirtualTable(self.models[pane], noun=spec.noun, id=f"pane-{pane}")
            table.empty_text = self._empty_text(pane)
            self._tables[pane] = table
        return table

    # --- registered actions (the wizards' extension point) -----------------------------------

    def bind_registered_actions(self) -> None:
        for spec in registered_actions():
            if spec.id not in self._bound:
                self._bindings.bind(spec.key, f"run_registered('{spec.id}')", spec.label)
                self._bound.add(spec.id)
        self._bound_version = registry_version()
        self.refresh_bindings()

    def action_allowed(self, spec: ActionSpec, pane: str) -> bool:
        if pane not in spec.panes:
            return False
        if not spec.mutating:
            return True
        if self.hv.read_only:
            return False
        # per-host read-only (inventory): hide changes to what lives on those hosts
        return not self.hv.read_only_hosts or self.hv.may_change(self.selected_objects())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run_registered":
            spec = get_action(str(parameters[0])) if parameters else None
            return spec is not None and self.action_allowed(spec, self.current)
        if action == "cancel_job":  # on the Jobs pane, for a job still running
            job = self.hv.lookup("jobs", self.table.cursor_key) \
                if self.current == "jobs" and self.is_mounted else None  # the job as it is now
            return isinstance(job, Job) and not job.state.finished
        if action == "drill":  # from a host to its VMs
            return self.is_mounted and self.current == "hosts"
        if action in ("command_line", "filter"):  # ':' and '/' are text while typing
            return not isinstance(self.focused, Input)
        if action == "events_of":  # from a host, node, VM or role to its events
            return self.is_mounted and self.current in ("hosts", "vms", "replicas", "clusters")
        # tab belongs to the prompt while typing
        return not (action in ("next_pane", "previous_pane") and self.is_mounted
                    and self.prompt_open())

    def action_run_registered(self, action_id: str) -> None:
        spec = get_action(action_id)
        if spec is None or not self.action_allowed(spec, self.current):
            return
        self.run_on_selection(spec)

    def run_on_selection(self, spec: ActionSpec) -> None:
        """Run ``spec`` on the marked rows the filter shows, or on the cursor row when nothing
        is marked. Unlike k9s, which acts on every mark, hidden ones too, a marked row the
        filter hides is never acted on: the flash line says how many are skipped. The marks
        are cleared once the action has started (``HvtuiApp.selection_started``)."""
        table = self.table
        keys = table.selected_keys()
        hidden = table.hidden_marks()
        rows = f"{hidden} marked row{'s' if hidden != 1 else ''}"
        if hidden and not keys:
            which = "the" if hidden == 1 else "all"
            self.flash.say(f"{spec.label}: the filter hides {which} {rows}; Esc clears the filter "
                           "to show them (Esc again clears the marks)", "warning")
            return
        if hidden:
            self.flash.say(f"{spec.label}: on the {len(keys)} marked rows shown; skipping {rows} "
                           "the filter hides", "warning")
        objects = self.objects[self.current]
        marked = [k for k in keys if k in table.marked]

        def started() -> None:
            table.unmark(marked)
            self.update_crumb()

        self.hv.run_action_spec(spec, [objects[k] for k in keys if k in objects],
                                started=started if marked else None)

    def selected_objects(self) -> list[Any]:
        """Marked rows' objects, or the cursor row's, on the current pane."""
        objects = self.objects[self.current]
        return [objects[k] for k in self.table.selected_keys() if k in objects]

    # --- data --------------------------------------------------------------------------------

    def host_changed(self, host: str) -> None:
        for dirty in self._dirty_hosts.values():
            dirty.add(host)
        self._stale.update(("hosts", "clusters"))
        self.schedule_flush()

    def _job_changed(self, job: Job) -> None:
        self.pane_stale("jobs")
        self.pane_stale("events")  # jobs under way are on its time axis
        if job.state.finished and self.current == "events":
            self.hv.events.load(force=True)  # what the job did on the host is logged there
        self.host_changed(job.host)  # the VM's Status shows the job
        if job.state.finished and self.current == "jobs":
            self.refresh_bindings()  # x (cancel) only for running jobs

    def _audit_read(self, _: None) -> None:
        self.pane_stale("audit")
        self.pane_stale("events")

    def _clock_ticked(self, _: None) -> None:
        if self.current in ("hosts", "jobs"):
            self.pane_stale(self.current)
        if self.current == "events":  # read again while someone looks (events_feed)
            self.hv.events.load(max_age=max(self.hv.refresh_interval, 30.0))
        for status in self.hv.estate.hosts:  # the age shown on a silent host's rows grows
            if status.error and status.inventory is not None:
                self.host_changed(status.name)
        self.update_status()

    def pending(self, pane: str) -> bool:
        """Whether ``pane`` has updates it has not applied yet."""
        return bool(self._dirty_hosts.get(pane)) or pane in self._stale

    def pane_stale(self, pane: str) -> None:
        self._stale.add(pane)
        self.schedule_flush()

    def schedule_flush(self) -> None:
        if not self._flush_timer_pending:
            self._flush_timer_pending = True
            self.set_timer(_COALESCE_SECONDS, self._flush)

    def _flush(self) -> None:
        self._flush_timer_pending = False
        if not self.is_attached:
            return  # closing down
        try:
            more = self.hv.update_summaries(time.perf_counter() + _SLICE_SECONDS / 4)
            more = self.apply_pending(self.current) or more
        except Exception as error:  # noqa: BLE001 - one bad snapshot must not stop the console
            self.hv.report_error(error, f"updating the {self.current} pane")
            more = False
        if more:
            self.schedule_flush()
        self.hv.settle_memory()
        self.update_status()

    def apply_pending(self, pane: str, budget: float = _SLICE_SECONDS) -> bool:
        """Bring one pane up to date, for at most ``budget`` seconds; True if more remains."""
        spec = P.PANE_BY_ID[pane]
        table = self.table_for(pane)
        before = table.cursor_key
        before_obj = self.objects[pane].get(before) if before is not None else None
        app = self.hv
        more = False
        if spec.per_host:
            dirty = self._dirty_hosts[pane]
            if not dirty:
                return False
            ctx = app.build_context()
            deadline = time.perf_counter() + budget
            batch: dict[str, list[P.PaneRow]] = {}
            while dirty and (not batch or time.perf_counter() < deadline):
                host = dirty.pop()
                status = app.estate.status(host)
                batch[host] = [] if status is None else P.rows_for_host(pane, status, ctx)
            objects = self.objects[pane]
            groups: dict[str, list[Row]] = {}
            for host, pairs in batch.items():
                for key in table.model.group_keys(host):
                    objects.pop(key, None)
                for row, obj in pairs:
                    objects[row.key] = obj
                groups[host] = [row for row, _ in pairs]
            table.replace_groups(groups)
            more = bool(dirty)
        elif pane in self._stale:
            self._stale.discard(pane)
            pairs = self._full_rows(pane)
            self.objects[pane] = {row.key: obj for row, obj in pairs}
            table.set_rows(row for row, _ in pairs)
        if before is not None and before not in table.model.rows and before_obj is not None:
            self._say_gone(pane, before_obj)
        if pane == self.current:
            self.update_crumb()
        return more

    def _full_rows(self, pane: str) -> list[P.PaneRow]:
        app = self.hv
        if pane == "hosts":
            return P.host_rows(app.build_context())
        if pane == "clusters":
            return P.cluster_rows(app.build_context())
        if pane == "jobs":
            now = app.clock()
            return [P.job_row(job, now) for job in app.job_list()]
        if pane == "audit":
            return P.audit_rows(app.audit_entries)
        if pane == "events":
            return app.events.rows(self.events_about)
        raise ValueError(pane)

    def _say_gone(self, pane: str, obj: object) -> None:
        name = getattr(obj, "name", None) or getattr(obj, "path", None) or str(obj)
        host = getattr(obj, "host", "")
        where = f" from {host}" if host else ""
        if pane in ("vms", "replicas", "disks"):
            self.flash.say(f"{name} is gone{where} (deleted or moved since the last refresh)",
                           "warning")

    def catch_up(self, pane: str) -> None:
        """Apply everything pending for ``pane`` now (first slice) and the rest in slices."""
        if self.apply_pending(pane):
            self.schedule_flush()

    # --- status and crumb --------------------------------------------------------------------

    def update_status(self) -> None:
        try:
            parts = self.hv.status_parts()
        except Exception as error:  # noqa: BLE001
            self.hv.report_error(error, "updating the status bar")
            return
        self._status.show(parts)

    def update_crumb(self) -> None:
        spec = P.PANE_BY_ID[self.current]
        table = self.table
        model = table.model
        parts: list[tuple[str, str]] = [(f" {spec.title} ", "accent")]
        shown, total = len(model), model.total
        parts.append((f"{shown}" if shown == total else f"{shown} of {total}", ""))
        parts.append(("  sort ", "muted"))
        parts.append((f"{model.sort_column.label}{' desc' if model.reverse else ''}", ""))
        if spec.id == "events" and self.events_about is not None:
            parts.append(("  about ", "muted"))
            parts.append((self.events_about[0], "accent"))
        if spec.id == "events" and self.hv.events.reading:
            parts.append(("  reading the hosts' events...", "busy"))
        if model.filter_text:
            parts.append(("  filter ", "muted"))
            parts.append((f"/{model.filter_text}", "warning"))
        if table.marked:
            parts.append((f"  {len(table.marked)} marked", "accent"))
            hidden = table.hidden_marks()
            if hidden:  # never out of sight and out of mind: actions skip them
                parts.append((f", {hidden} hidden by the filter", "warning"))
        from hvtui.ui.widgets import styled

        self._crumb.update(styled(parts))

    def _empty_text(self, pane: str) -> str:
        if pane == "jobs":
            return "No jobs yet: long operations (migrations, exports) show here."
        if pane == "audit":
            return f"No changes recorded yet in {self.hv.audit.path}."
        if pane == "clusters":
            return "No clusters: every host answering is standalone."
        if pane == "replicas":
            return "No replicated VMs on the hosts that answered."
        if pane == "events":
            return "No events in the last day (r reads the hosts' events again)."
        return f"No {P.PANE_BY_ID[pane].noun} yet: waiting for the first refresh..."

    # --- panes -------------------------------------------------------------------------------

    def show_pane(self, pane: str, *, remember: bool = True) -> None:
        if pane not in P.PANE_BY_ID:
            return
        if pane != self.current and remember:
            self.history.append(self.current)
            del self.history[:-20]
        self.current = pane
        if pane == "audit":
            self.hv.load_audit()
        if pane == "events":  # read on demand: only when someone looks (issue 12)
            self.hv.load_audit()
            self.hv.events.load()
        self.catch_up(pane)
        self._topbar.show(pane, self.hv.read_only)
        self.update_crumb()
        table = self.table
        switcher = self._switcher
        if table.is_attached:
            switcher.current = table.id
            table.focus()
        else:
            # first visit: mount it (a few ms of CSS work), then show and focus it
            async def mount_and_show() -> None:
                await switcher.add_content(table)
                if self.current == pane:
                    switcher.current = table.id
                    table.focus()

            self.run_worker(mount_and_show(), group="panes", exit_on_error=False)
        self.refresh_bindings()

    def action_show_pane(self, pane: str) -> None:
        self.close_prompt()
        self.show_pane(pane)

    def action_next_pane(self) -> None:
        ids = [p.id for p in P.PANES]
        self.show_pane(ids[(ids.index(self.current) + 1) % len(ids)])

    def action_previous_pane(self) -> None:
        ids = [p.id for p in P.PANES]
        self.show_pane(ids[(ids.index(self.current) - 1) % len(ids)])

    # --- prompt: command line and filter -----------------------------------------------------

    def prompt_open(self) -> bool:
        return self._promptbar.has_class("-open")

    def open_prompt(self, mode: str) -> None:
        self._promptbar.set_class(True, "-open")
        self._prompt_mode.update(mode)
        value = self.table.model.filter_text if mode == "/" else ""
        self.prompt.open(mode, value)

    def close_prompt(self) -> None:
        if self.prompt_open():
            self._promptbar.set_class(False, "-open")
            self.prompt.close()
            self.table.focus()

    def action_command_line(self) -> None:
        self.open_prompt(":")

    def action_filter(self) -> None:
        self.open_prompt("/")

    @on(Input.Changed, "#prompt")
    def _prompt_changed(self, event: Input.Changed) -> None:
        if self.prompt.mode == "/" and self.prompt_open():
            self.apply_filter(event.value)

    @on(Input.Submitted, "#prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        mode, value = self.prompt.mode, event.value
        self.close_prompt()
        if mode == "/":
            self.apply_filter(value)
            if value and not len(self.table.model):
                self.flash.say(f"Nothing matches /{value}; Esc clears the filter.", "warning")
        else:
            self.run_command(complete_command(value))

    def apply_filter(self, text: str) -> None:
        table = self.table
        table.set_filter(text)
        self.update_crumb()

    def run_command(self, text: str) -> None:
        """Run a ``:command``; an unknown one says so in place."""
        words = text.strip().lstrip(":").split()
        if not words:
            return
        verb, args = words[0].lower(), words[1:]
        spec = P.PANE_BY_ALIAS.get(verb)
        if spec is not None:
            self.show_pane(spec.id)
            if args:
                self.apply_filter(" ".join(args))
            return
        if verb in ("q!",):
            self.hv.exit()
            return
        if verb in ("q", "quit", "exit"):
            self.hv.request_quit()
            return
        if verb in ("help", "h?", "?"):
            self.action_help()
            return
        if verb == "refresh":
            self.action_refresh()
            return
        if verb == "filter":
            self.apply_filter(" ".join(args))
            return
        if verb == "theme":
            self.hv.choose_theme(" ".join(args))
            return
        known = " ".join(f":{p.aliases[0]}" for p in P.PANES)
        self.flash.say(f"Unknown command :{verb}. Try {known} :theme :quit", "critical")

    # --- other keys --------------------------------------------------------------------------

    def action_back(self) -> None:
        """Esc: close the prompt, else clear the filter, else the marks, else previous pane."""
        table = self.table
        if self.prompt_open():
            mode = self.prompt.mode
            self.close_prompt()
            if mode == "/":
                self.apply_filter("")
            return
        if table.model.filter_text:
            self.apply_filter("")
            self.flash.say("Filter cleared.", "muted", seconds=3)
            return
        if table.clear_marks():
            self.update_crumb()
            return
        if self.current == "events" and self.events_about is not None:
            self.events_about = None
            self.pane_stale("events")
            self.flash.say("Showing every event.", "muted", seconds=3)
            return
        if self.history:
            self.show_pane(self.history.pop(), remember=False)

    def action_sort_next(self) -> None:
        column = self.table.cycle_sort()
        self.update_crumb()
        self.flash.say(f"Sorted by {column.label}", "muted", seconds=3)

    def action_sort_reverse(self) -> None:
        descending = self.table.toggle_reverse()
        self.update_crumb()
        label = self.table.model.sort_column.label
        self.flash.say(f"Sorted by {label}, {'descending' if descending else 'ascending'}",
                       "muted", seconds=3)

    def action_refresh(self) -> None:
        count = self.hv.request_refresh()
        if count:
            self.flash.say(f"Refreshing {count} host{'s' if count != 1 else ''}...", "info",
                           seconds=3)
        else:
            self.flash.say("Every host is still answering the previous refresh.", "muted",
                           seconds=3)
        if self.current == "audit":
            self.hv.load_audit()
        if self.current == "events":
            self.hv.load_audit()
            self.hv.events.load(force=True)
            self.update_crumb()

    def action_help(self) -> None:
        self.hv.show_help(self, self.current)

    def action_quit(self) -> None:
        self.hv.request_quit()

    def action_cancel_job(self) -> None:
        job = self.hv.lookup("jobs", self.table.cursor_key) if self.current == "jobs" else None
        if isinstance(job, Job):
            self.hv.request_cancel_job(job)

    def action_drill(self) -> None:
        """The VMs pane, filtered to the host under the cursor (k9s: a node's pods)."""
        status = self.objects["hosts"].get(self.table.cursor_key) \
            if self.table.cursor_key is not None else None
        if not isinstance(status, HostStatus):
            return
        self.show_pane("vms")
        self.apply_filter(f"@{status.name}")
        self.flash.say(f"VMs on {status.name}; Esc clears the filter", "info")

    def action_events_of(self) -> None:
        """The Events pane, narrowed to the host or VM under the cursor (issue 12)."""
        key = self.table.cursor_key
        obj = self.objects[self.current].get(key) if key is not None else None
        if isinstance(obj, tuple) and len(obj) == 2:  # a cluster's node or VM role
            focus = obj[1]
            if isinstance(focus, ClusterNode):
                obj = self.hv.estate.status(focus.name) or HostStatus(focus.name)
            elif isinstance(focus, ClusterRole):
                obj = focus
        if isinstance(obj, HostStatus):
            self.events_about = None
            self.pane_stale("events")
            self.show_pane("events")
            self.apply_filter(f"@{obj.name}")
            self.flash.say(f"Events of {obj.name}; Esc clears the filter", "info")
        elif isinstance(obj, VM | ClusterRole):
            # a VM's role is named after it (Hyper-V's default); its events by name
            self.events_about = (obj.name, obj.id if isinstance(obj, VM) else "")
            self.pane_stale("events")
            self.show_pane("events")
            self.apply_filter("")
            self.flash.say(f"Events naming {obj.name}; Esc shows every event", "info")

    # --- what the app asks (the command palette's choices) ----------------------------------

    @on(ShowPane)
    def _show_pane_asked(self, message: ShowPane) -> None:
        self.show_pane(message.pane)
        if message.prompt:
            self.open_prompt(message.prompt)

    @on(SortBy)
    def _sort_asked(self, message: SortBy) -> None:
        self.table.set_sort(message.column, reverse=False)
        self.update_crumb()

    @on(RunOnSelection)
    def _run_asked(self, message: RunOnSelection) -> None:
        spec = get_action(message.action_id)
        if spec is not None:
            self.run_on_selection(spec)

    @on(VirtualTable.Activated)
    def _activated(self, event: VirtualTable.Activated) -> None:
        obj = self.objects[self.current].get(event.key)
        if obj is None:
            return
        self.hv.open_details(self.current, event.key)

    @on(VirtualTable.Highlighted)
    def _highlighted(self, event: VirtualTable.Highlighted) -> None:
        if event.table is not self.table:
            return
        if self.table.marked:
            self.update_crumb()
        if self.hv.read_only_hosts or self.current == "jobs":
            self.refresh_bindings()  # the actions offered depend on the row (host, job)

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        small = width < 60 or height < 14
        if small and not self._said_small:
            self.flash.say(f"Small terminal ({width}x{height}): showing the essential columns; "
                           "enlarge it for more", "muted", seconds=5)
        self._said_small = small
