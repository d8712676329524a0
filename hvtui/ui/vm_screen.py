"""A VM's screen as text, and a wall of them (issue 12).

``V`` on the VMs pane opens :class:`ScreenView`: the host's thumbnail of the VM's screen,
drawn with half blocks at the size of the pane and fetched again every few seconds while
the view is open (the timer and any call in flight end with it). ``c`` sends Ctrl+Alt+Del
and ``t`` types text, each a plan like every change (pre-flight, confirmation, job, audit
log; hidden under ``--read-only``). ``W`` opens :class:`WallScreen`: the marked VMs (on
the VMs pane) or the running VMs of the marked hosts (on the hosts pane) as a grid that
fits the terminal, each cell labelled with the VM's name, host and state, to spot a blue
screen or a boot loop across the estate.

Fetching is a worker (one host call per host per refresh); turning pixels into styled
text runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.color import Color as RichColor
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Static

from hvtui.hyperv.plans import VmRef
from hvtui.hyperv.vm_screen import KeysRequest, thumbnails
from hvtui.model import VM, HostStatus
from hvtui.model.text import inert
from hvtui.model.thumbnail import UPPER_HALF, ScreenStatus, Thumbnail, cells, fit
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.render import vm_state_role

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

REFRESH_SECONDS = 3.0
"""How often an open view asks for the screens again."""


def image_lines(shot: Thumbnail) -> list[Text]:
    """The thumbnail as styled lines of half blocks (run it in a thread: it is the costly
    part). The colours are the guest's pixels, not the theme's."""
    lines = []
    for row in cells(shot):
        line = Text()
        for top, bottom in row:
            line.append(UPPER_HALF, Style(color=RichColor.from_rgb(*top),
                                          bgcolor=RichColor.from_rgb(*bottom)))
        lines.append(line)
    return lines


def role_style(widget: Widget, role: str) -> Style:
    """The theme's ``$hv-<role>`` colour, as the tables use it."""
    value = widget.app.theme_variables.get(f"hv-{role}", "")
    try:
        color = Color.parse(value.split()[0]).rich_color if value else None
    except ColorParseError:
        color = None
    return Style(color=color, bold=role == "critical")


def _current(app: HvtuiApp, vm: VM) -> VM:
    """The VM as the console knows it now (its state changes; it may have moved)."""
    found = [v for v in app.estate.vms() if v.id == vm.id]
    return found[0] if found else vm


# --- one VM -------------------------------------------------------------------------------------


class ThumbnailView(Widget):
    """One VM's screen at the widget's size, or why there is none."""

    DEFAULT_CSS = "ThumbnailView { height: 1fr; width: 1fr; }"

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.shot: Thumbnail | None = None
        self._lines: list[Text] = []
        self.message = "Asking the host for the screen ..."

    def show(self, shot: Thumbnail, lines: list[Text]) -> None:
        self.shot, self._lines = shot, lines
        self.message = "" if shot.status is ScreenStatus.SHOWN else shot.reason
        self.refresh()

    def say(self, message: str) -> None:
        self.message = message
        self.refresh()

    def render(self) -> Text:
        if self.message:
            return Text(inert(self.message), style=role_style(self, "muted"))
        return Text("\n").join(self._lines)


class TypeTextDialog(ModalScreen[str | None]):
    """Asks for the text to type; hidden as it is typed (it may be a password)."""

    DEFAULT_CSS = """
    TypeTextDialog { align: center middle; }
    TypeTextDialog > Vertical { width: 60; height: auto; border: round $accent;
                                background: $surface; padding: 1 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, vm: VM) -> None:
        super().__init__()
        self.vm = vm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Type in {inert(self.vm.name)} (Enter at the end is pressed too)")
            yield Input(password=True, id="text", placeholder="text to type")
            yield Button("Next", id="next", variant="primary")

    def on_input_submitted(self) -> None:
        self._done()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._done()

    def _done(self) -> None:
        text = self.query_one("#text", Input).value
        self.dismiss(text + "\n" if text else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ScreenView(Screen[None]):
    """One VM's screen, refreshed while open; Ctrl+Alt+Del and typed text."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back"),
        Binding("r", "fetch", "Refresh"),
        Binding("c", "ctrl_alt_del", "Ctrl+Alt+Del"),
        Binding("t", "type_text", "Type text"),
    ]

    def __init__(self, vm: VM) -> None:
        super().__init__()
        self.vm = vm
        self.fetches = 0
        """Screens received since the view opened (tests wait on it)."""
        self.fetching = False
        """A fetch is on its way (the timer skips its tick)."""

    @property
    def hv_app(self) -> HvtuiApp:
        from hvtui.ui.app import HvtuiApp

        assert isinstance(self.app, HvtuiApp)
        return self.app

    def compose(self) -> ComposeResult:
        yield Static(id="screen-title")
        yield ThumbnailView(id="screen-image")
        yield Footer()

    def on_mount(self) -> None:
        self._title()
        self.set_interval(REFRESH_SECONDS, self._tick)
        self.call_after_refresh(self.action_fetch)

    def on_resize(self) -> None:
        self.action_fetch()

    def _tick(self) -> None:
        """The timer: a tick is skipped while the last fetch is still on its way (a slow
        host), so fetches never pile up nor cancel each other."""
        if not self.fetching:
            self.action_fetch()

    def _title(self) -> None:
        vm = self.vm = _current(self.hv_app, self.vm)
        shot = self.query_one(ThumbnailView).shot
        size = f"  {shot.width}x{shot.height} px" if shot and shot.width else ""
        title = Text.assemble((inert(vm.name), "bold"), f" on {inert(vm.host)}  ",
                              (vm.state.name, role_style(self, vm_state_role(vm.state))),
                              (f"{size}  every {REFRESH_SECONDS:g} s", role_style(self, "muted")))
        self.query_one("#screen-title", Static).update(title)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("ctrl_alt_del", "type_text"):
            return not self.hv_app.read_only and self.hv_app.may_change([self.vm])
        return True

    def action_fetch(self) -> None:
        image = self.query_one(ThumbnailView)
        columns, rows = image.size
        if columns < 4 or rows < 2:
            return
        self.run_worker(self._fetch(columns, rows), group="screen", exclusive=True)

    async def _fetch(self, columns: int, rows: int) -> None:
        self.fetching = True
        try:
            width, height = fit(columns, rows)
            [shot] = await thumbnails(self.hv_app.pool, [self.vm], width, height)
            lines = await asyncio.to_thread(image_lines, shot) if shot.pixels else []
        finally:
            self.fetching = False
        self.query_one(ThumbnailView).show(shot, lines)
        self.fetches += 1
        self._title()

    def action_close(self) -> None:
        self.dismiss(None)

    async def _send(self, request: KeysRequest, title: str) -> None:
        from hvtui.ui.wizards.everyday import ActionReview
        from hvtui.ui.wizards.handlers import planner, run_wizard

        await run_wizard(self.hv_app, ActionReview(planner(self.hv_app), request, title))
        self.action_fetch()

    def action_ctrl_alt_del(self) -> None:
        request = KeysRequest(VmRef.of(self.vm), ctrl_alt_del=True)
        self.run_worker(self._send(request, f"Ctrl+Alt+Del to {self.vm.name}"))

    def action_type_text(self) -> None:
        async def ask() -> None:
            text = await self.app.push_screen_wait(TypeTextDialog(self.vm))
            if text:
                await self._send(KeysRequest(VmRef.of(self.vm), text=text),
                                 f"Type in {self.vm.name}")
        self.run_worker(ask())


# --- the wall -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WallLayout:
    """How many VMs fit, in how many columns, and each cell's size in terminal cells."""

    columns: int
    rows: int
    cell_width: int
    cell_height: int
    shown: int

    @property
    def image(self) -> tuple[int, int]:
        """The image size (pixels) for one cell: its width less a gap, its height less
        the label line."""
        return fit(self.cell_width - 1, self.cell_height - 1)


MIN_CELL = (14, 5)
"""The smallest cell a wall draws (a label and a 13x8-pixel screen); more VMs than fit so
are left off, and the title says how many."""


def wall_layout(count: int, width: int, height: int) -> WallLayout:
    """The grid that gives each of ``count`` screens the largest image in ``width`` x
    ``height`` cells."""
    best: WallLayout | None = None
    best_area = -1
    for columns in range(1, max(1, count) + 1):
        cell_width = width // columns
        if cell_width < MIN_CELL[0]:
            break
        rows = math.ceil(count / columns)
        cell_height = height // rows if rows else height
        if cell_height < MIN_CELL[1]:
            rows = max(1, height // MIN_CELL[1])
            cell_height = height // rows
        shown = min(count, columns * rows)
        layout = WallLayout(columns, rows, cell_width, cell_height, shown)
        w, h = layout.image
        area = w * h * shown
        if area > best_area:
            best, best_area = layout, area
    return best or WallLayout(1, 1, width, height, min(count, 1))


class Wall(Widget):
    """The grid itself: labels and half-block images, drawn as one piece of text."""

    DEFAULT_CSS = "Wall { height: 1fr; width: 1fr; }"

    def __init__(self, vms: Sequence[VM]) -> None:
        super().__init__(id="wall")
        self.vms = list(vms)
        self.shots: dict[str, Thumbnail] = {}
        self.images: dict[str, list[Text]] = {}

    @property
    def layout_now(self) -> WallLayout:
        return wall_layout(len(self.vms), self.size.width, self.size.height)

    def _label(self, vm: VM, width: int) -> Text:
        """Name and state (the state is never cut off: it is what the wall is for)."""
        shot = self.shots.get(vm.id)
        state = vm.state.name + (" !" if shot is not None
                                 and shot.status is ScreenStatus.FAILED else "")
        name = Text(inert(vm.name), style="bold")
        name.truncate(max(1, width - 2 - len(state)), overflow="ellipsis")
        text = Text.assemble(name, " ", (state, role_style(self, vm_state_role(vm.state))))
        text.truncate(width - 1, overflow="ellipsis")
        return text

    def _host(self, vm: VM, width: int) -> Text:
        text = Text("@" + inert(vm.host), style=role_style(self, "muted"))
        text.truncate(width - 1, overflow="ellipsis")
        return text

    def render(self) -> Text:
        layout = self.layout_now
        width = self.size.width
        out: list[Text] = []
        for row in range(layout.rows):
            row_vms = self.vms[row * layout.columns:(row + 1) * layout.columns]
            if not row_vms or row * layout.columns >= layout.shown:
                break
            lines = [Text() for _ in range(layout.cell_height)]
            for vm in row_vms:
                cell = self._cell(vm, layout)
                for line, part in zip(lines, cell, strict=True):
                    part.pad_right(layout.cell_width - part.cell_len)
                    line.append_text(part)
            out.extend(lines)
        for line in out:
            line.truncate(width)
        return Text("\n").join(out)

    def _cell(self, vm: VM, layout: WallLayout) -> list[Text]:
        body = layout.cell_height - 1
        lines = [self._label(vm, layout.cell_width)]
        image = self.images.get(vm.id, [])
        shot = self.shots.get(vm.id)
        if image:
            lines.extend(image[:body])
        else:
            why = shot.reason if shot is not None else "..."
            lines.append(Text(inert(why)[:layout.cell_width - 1], style=role_style(self,
                                                                                   "muted")))
        # The host under the picture where the cell has a line to spare, else beside the name.
        if len(lines) < layout.cell_height:
            lines.append(self._host(vm, layout.cell_width))
        else:
            lines[0] = Text.assemble(lines[0], " ", self._host(vm, layout.cell_width))
            lines[0].truncate(layout.cell_width - 1, overflow="ellipsis")
        while len(lines) < layout.cell_height:
            lines.append(Text())
        return lines[:layout.cell_height]


class WallScreen(Screen[None]):
    """Many VMs' screens at once, refreshed while open."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back"),
        Binding("r", "fetch", "Refresh"),
    ]

    def __init__(self, vms: Sequence[VM]) -> None:
        super().__init__()
        self.vms = list(vms)
        self.fetches = 0
        """Walls received since the screen opened (tests wait on it)."""
        self.fetching = False
        """A fetch is on its way (the timer skips its tick)."""

    @property
    def hv_app(self) -> HvtuiApp:
        from hvtui.ui.app import HvtuiApp

        assert isinstance(self.app, HvtuiApp)
        return self.app

    def compose(self) -> ComposeResult:
        yield Static(id="wall-title")
        yield Wall(self.vms)
        yield Footer()

    def on_mount(self) -> None:
        self._title()
        self.set_interval(REFRESH_SECONDS, self._tick)
        self.call_after_refresh(self.action_fetch)

    def on_resize(self) -> None:
        self.action_fetch()

    def _tick(self) -> None:
        if not self.fetching:  # see ScreenView._tick
            self.action_fetch()

    def _title(self) -> None:
        wall = self.query_one(Wall)
        layout = wall.layout_now
        total = len(wall.vms)
        shown = (f"{total} VMs" if layout.shown >= total
                 else f"{layout.shown} of {total} VMs (enlarge the terminal for the rest)")
        self.query_one("#wall-title", Static).update(Text.assemble(
            ("Wall: ", "bold"), shown, (f"  every {REFRESH_SECONDS:g} s  Esc: back",
                                        role_style(self, "muted"))))

    def action_fetch(self) -> None:
        wall = self.query_one(Wall)
        if wall.size.width < MIN_CELL[0] or wall.size.height < MIN_CELL[1]:
            return
        self.run_worker(self._fetch(), group="wall", exclusive=True)

    async def _fetch(self) -> None:
        wall = self.query_one(Wall)
        wall.vms = [_current(self.hv_app, vm) for vm in wall.vms]
        layout = wall.layout_now
        shown = wall.vms[:layout.shown]
        width, height = layout.image
        self.fetching = True
        try:
            shots = await thumbnails(self.hv_app.pool, shown, width, height)
            images = await asyncio.to_thread(
                lambda: {s.vm_id: image_lines(s) for s in shots if s.pixels})
        finally:
            self.fetching = False
        wall.shots = {vm.id: shot for vm, shot in zip(shown, shots, strict=True)}
        wall.images = {vm.id: images.get(shot.vm_id, []) for vm, shot in zip(shown, shots,
                                                                              strict=True)}
        wall.refresh()
        self.fetches += 1
        self._title()

    def action_close(self) -> None:
        self.dismiss(None)


# --- actions ------------------------------------------------------------------------------------


def open_screen(app: HvtuiApp, vms: list[VM]) -> None:
    app.push_screen(ScreenView(vms[0]))


def open_wall(app: HvtuiApp, objects: list[Any]) -> None:
    vms: list[VM] = []
    for obj in objects:
        if isinstance(obj, VM):
            vms.append(obj)
        elif isinstance(obj, HostStatus) and obj.inventory is not None:
            vms.extend(v for v in obj.inventory.vms if v.state.is_running)
    if not vms:
        app.flash("No running VMs to show on the wall", "warning")
        return
    app.push_screen(WallScreen(vms))


def register() -> None:
    register_action(ActionSpec(
        id="vm-screen", label="Screen", key="V", panes={"vms"}, mutating=False,
        handler=open_screen, multi=False,
        description="The VM's screen as text, refreshed while open; send Ctrl+Alt+Del or "
                    "type text (GetVirtualSystemThumbnailImage, Msvm_Keyboard)"))
    register_action(ActionSpec(
        id="vm-wall", label="Wall", key="W", panes={"vms", "hosts"}, mutating=False,
        handler=open_wall,
        description="The screens of the marked VMs, or of the marked hosts' running VMs, "
                    "in a grid that fits the terminal"))
