"""A virtual table that stays fast at tens of thousands of rows.

Only the visible lines are rendered (Textual's Line API); each rendered row is
cached by key and reused while the row object, the column layout, the cursor/mark
state and the styles are unchanged, so a 5 % update re-renders only the changed
rows that are on screen. Sorting and filtering work on the model's row list with
key functions; nothing is laid out for rows nobody sees.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hvtui.ui.tablemodel import Changes, Column, Row, TableModel, text_width

_GAP = 1
_MARK_WIDTH = 2  # "* " before a marked row


def _fit(text: str, width: int, align: str, cut: str = "end") -> str:
    """Pad or cut ``text`` to exactly ``width`` cells (with an ellipsis when cut)."""
    if width <= 0:
        return ""
    if text.isascii():
        n = len(text)
        if n > width:
            if width == 1:
                return text[:1]
            return "…" + text[n - width + 1:] if cut == "start" else text[: width - 1] + "…"
        pad = " " * (width - n)
        return pad + text if align == "right" else text + pad
    n = text_width(text)
    if n > width:
        if width == 1:
            return set_cell_size(text, 1)
        if cut == "start":
            tail = text
            while text_width(tail) > width - 1:
                tail = tail[1:]
            return "…" + set_cell_size(tail, width - 1)
        return set_cell_size(text, width - 1) + "…"
    pad = " " * (width - n)
    return pad + text if align == "right" else text + pad


def layout_columns(columns: tuple[Column, ...], natural: list[int], width: int
                   ) -> list[tuple[int, int]]:
    """Pick the columns that fit ``width`` by priority; return ``(index, width)`` in order.

    Priority-1 columns are always shown. Flex columns keep their comfort width while
    lower-priority columns are added, then take what is left (up to what their content
    needs), or shrink down to their minimum when even the priority-1 columns overflow.
    """
    # room for the label and the sort arrow, then the content up to max_width
    wanted = [max(min(natural[i], c.max_width), len(c.label) + 1)
              for i, c in enumerate(columns)]

    def reserve(i: int) -> int:
        col = columns[i]
        if not col.flex:
            return wanted[i]
        return min(max(col.comfort_width, col.min_width), wanted[i])

    by_priority = sorted(range(len(columns)), key=lambda i: (columns[i].priority, i))
    chosen = [i for i in by_priority if columns[i].priority <= 1] or by_priority[:1]
    used = sum(reserve(i) + _GAP for i in chosen)
    for i in by_priority:
        if i in chosen:
            continue
        need = reserve(i) + _GAP
        if used + need <= width:
            chosen.append(i)
            used += need
    chosen.sort()
    widths = {i: wanted[i] for i in chosen}
    total = sum(widths.values()) + _GAP * len(chosen)
    flex = [i for i in chosen if columns[i].flex]
    if total > width:
        # shrink flex columns first, then the widest others, down to their minimum
        over = total - width
        order = sorted(flex, key=lambda i: -widths[i]) + \
            sorted((i for i in chosen if i not in flex), key=lambda i: -widths[i])
        for i in order:
            floor = min(columns[i].min_width, widths[i])
            take = min(over, widths[i] - floor)
            widths[i] -= take
            over -= take
            if over <= 0:
                break
    return [(i, widths[i]) for i in chosen]


class VirtualTable(ScrollView, can_focus=True, inherit_bindings=False):
    """A keyboard-first table over a :class:`TableModel`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First row", show=False),
        Binding("end,G", "last", "Last row", show=False),
        Binding("enter", "activate", "Details", show=True),
        Binding("space", "toggle_mark", "Mark", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "vtable--header", "vtable--header-sorted", "vtable--cursor", "vtable--marked",
        "vtable--empty",
    }
    """Colour roles are not component classes: they come straight from the theme's
    ``$hv-<role>`` variables (see :meth:`_role_style`), which keeps mounting a table cheap."""

    DEFAULT_CSS = """
    VirtualTable {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    VirtualTable > .vtable--header { text-style: bold; }
    VirtualTable > .vtable--header-sorted { text-style: bold underline; }
    VirtualTable > .vtable--cursor { text-style: reverse; }
    VirtualTable > .vtable--marked { text-style: bold; }
    VirtualTable > .vtable--empty { text-style: italic; }
    """

    class Highlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, table: VirtualTable, key: Hashable | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> VirtualTable:
            return self.table

    class Activated(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, table: VirtualTable, key: Hashable) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(self, model: TableModel, *, noun: str = "rows", name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.model = model
        self.noun = noun
        """What the rows are ("VMs"), for the empty-table message."""
        self.empty_text = f"No {noun} yet."
        """Shown when the unfiltered table is empty (the app says why: loading, no data)."""
        self.marked: set[Hashable] = set()
        self._cursor_key: Hashable | None = None
        self._cursor = 0
        self._layout: list[tuple[int, int]] = []
        self._layout_for: tuple[Any, ...] = ()
        self._strips: dict[Hashable, tuple[Row, bool, bool, Strip]] = {}
        self._styles: dict[tuple[str, bool, bool], Style] = {}
        self._styles_base: Style | None = None
        self._frame_style: Style | None = None
        self._frame_width: int | None = None

    # --- public API --------------------------------------------------------------------------

    @property
    def cursor_row(self) -> Row | None:
        view = self.model.view
        if 0 <= self._cursor < len(view):
            return view[self._cursor]
        return None

    @property
    def cursor_key(self) -> Hashable | None:
        row = self.cursor_row
        return None if row is None else row.key

    def selected_keys(self) -> list[Hashable]:
        """Marked rows the filter shows (in view order), or the cursor row when nothing is
        marked. Marked rows the filter hides are never selected (see :meth:`hidden_marks`)."""
        if self.marked:
            return [row.key for row in self.model.view if row.key in self.marked]
        key = self.cursor_key
        return [] if key is None else [key]

    def hidden_marks(self) -> int:
        """How many marked rows the filter hides."""
        if not self.marked:
            return 0
        return len(self.marked - {row.key for row in self.model.view})

    def unmark(self, keys: Iterable[Hashable]) -> None:
        """Clear the marks of ``keys`` (an action on them has started)."""
        for key in keys:
            if key in self.marked:
                self.marked.discard(key)
                self._strips.pop(key, None)
        self.refresh()

    def set_rows(self, rows: Iterable[Row]) -> None:
        self._after_change(self.model.set_rows(rows))

    def replace_group(self, group: str, rows: Iterable[Row]) -> Changes:
        return self.replace_groups({group: rows})

    def replace_groups(self, groups: Mapping[str, Iterable[Row]]) -> Changes:
        changes = self.model.replace_groups(groups)
        self._after_change(changes)
        return changes

    def upsert(self, rows: Iterable[Row]) -> Changes:
        changes = self.model.upsert(rows)
        self._after_change(changes)
        return changes

    def set_filter(self, text: str) -> None:
        self.model.set_filter(text)
        self._after_change(Changes(reordered=True))

    def set_sort(self, key_or_index: str | int, reverse: bool | None = None) -> None:
        self.model.set_sort(key_or_index, reverse)
        self._after_change(Changes(reordered=True))

    def cycle_sort(self) -> Column:
        """Sort by the next visible column (``s``)."""
        visible = [i for i, _ in self._layout] or list(range(len(self.model.columns)))
        current = self.model.sort_index
        later = [i for i in visible if i > current]
        self.set_sort(later[0] if later else visible[0], reverse=False)
        return self.model.sort_column

    def toggle_reverse(self) -> bool:
        self.set_sort(self.model.sort_index, reverse=not self.model.reverse)
        return self.model.reverse

    def move_cursor_to(self, key: Hashable) -> bool:
        index = self.model.index_of(key)
        if index is None:
            return False
        self._set_cursor(index)
        return True

    def visible_columns(self) -> list[Column]:
        self._ensure_layout()
        return [self.model.columns[i] for i, _ in self._layout]

    # --- change handling ---------------------------------------------------------------------

    def _after_change(self, changes: Changes) -> None:
        model = self.model
        if not self.is_attached:
            # not on screen yet: the model holds the data; on_mount catches up
            for key in changes.removed:
                self.marked.discard(key)
            return
        for key in changes.removed:
            self._strips.pop(key, None)
            self.marked.discard(key)
        if len(self._strips) > 4 * max(1, len(model.view)) + 512:
            self._strips.clear()  # don't keep strips of rows long gone
        if changes.reordered:
            self.virtual_size = Size(self.size.width, len(model.view) + 1)
            index = model.index_of(self._cursor_key) if self._cursor_key is not None else None
            if index is None:
                index = min(self._cursor, max(0, len(model.view) - 1))
            self._cursor = index
            self._cursor_key = self.cursor_key
            self._scroll_cursor_into_view()
            self.refresh()
        else:
            self._refresh_keys(changes.changed)
            if changes.changed and self._layout_for and \
                    tuple(model.widths) != self._layout_for[1]:
                self.refresh()  # a wider cell: the layout (and every line) changes

    def _refresh_keys(self, keys: set[Hashable]) -> None:
        if not keys:
            return
        top = int(self.scroll_offset.y)
        height = self.size.height
        for y in range(1, height):
            index = top + y - 1
            if index >= len(self.model.view):
                break
            if self.model.view[index].key in keys:
                self.refresh_line(y + top)

    # --- cursor ------------------------------------------------------------------------------

    def _set_cursor(self, index: int) -> None:
        count = len(self.model.view)
        index = max(0, min(index, count - 1)) if count else 0
        old_key = self._cursor_key
        self._cursor = index
        self._cursor_key = self.cursor_key
        self._scroll_cursor_into_view()
        self.refresh()
        if self._cursor_key != old_key:
            self.post_message(self.Highlighted(self, self._cursor_key))

    def _scroll_cursor_into_view(self) -> None:
        rows_visible = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)
        elif self._cursor >= top + rows_visible:
            self.scroll_to(y=self._cursor - rows_visible + 1, animate=False)

    def action_cursor_up(self) -> None:
        self._set_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._set_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self._set_cursor(self._cursor - max(1, self.size.height - 2))

    def action_page_down(self) -> None:
        self._set_cursor(self._cursor + max(1, self.size.height - 2))

    def action_first(self) -> None:
        self._set_cursor(0)

    def action_last(self) -> None:
        self._set_cursor(len(self.model.view) - 1)

    def action_activate(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Activated(self, key))

    def action_toggle_mark(self) -> None:
        key = self.cursor_key
        if key is None:
            return
        if key in self.marked:
            self.marked.discard(key)
        else:
            self.marked.add(key)
        self._strips.pop(key, None)
        self._set_cursor(self._cursor + 1)
        self.refresh()

    def clear_marks(self) -> bool:
        had = bool(self.marked)
        self.marked.clear()
        self.refresh()
        return had

    async def _on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self._column_at(event.x)
            if column is not None:
                if column == self.model.sort_index:
                    self.toggle_reverse()
                else:
                    self.set_sort(column, reverse=False)
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < len(self.model.view):
            self._set_cursor(index)
            if event.chain >= 2:
                self.action_activate()

    def _column_at(self, x: int) -> int | None:
        pos = _MARK_WIDTH
        for index, width in self._layout:
            if pos <= x < pos + width + _GAP:
                return index
            pos += width + _GAP
        return None

    # --- rendering ---------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._styles.clear()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._after_change(Changes(reordered=True))

    def _theme_changed(self, _theme: object) -> None:
        self._strips.clear()
        self._styles.clear()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.model.view) + 1)
        self._scroll_cursor_into_view()

    def _ensure_layout(self, total_width: int | None = None) -> None:
        if total_width is None:
            total_width = self.scrollable_content_region.width
        width = max(0, total_width - _MARK_WIDTH)
        key = (width, tuple(self.model.widths))
        if key != self._layout_for:
            self._layout = layout_columns(self.model.columns, self.model.widths, width)
            self._layout_for = key
            self._strips.clear()

    def _role_style(self, role: str) -> Style:
        """The theme's ``$hv-<role>`` colour (critical is bold too: it survives NO_COLOR)."""
        if not role:
            return Style.null()
        value = self.app.theme_variables.get(f"hv-{role}", "")
        try:
            color = Color.parse(value.split()[0]).rich_color if value else None
        except ColorParseError:
            color = None
        # critical is bold (it survives NO_COLOR); stale is dim: last known data, not now
        return Style(color=color, bold=role in ("critical",) or None,
                     dim=role == "stale" or None)

    def render_lines(self, crop: Region) -> list[Strip]:
        # style, width and layout are the same for every line of a frame: compute them
        # once here (``rich_style`` and regions walk the DOM), not once per line
        self._frame_style = self.rich_style
        self._frame_width = self.scrollable_content_region.width
        self._ensure_layout(self._frame_width)
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None
            self._frame_width = None

    def render_line(self, y: int) -> Strip:
        try:
            return self._render_line(y)
        except Exception as error:  # noqa: BLE001 - a render error must not kill the screen
            report = getattr(self.app, "report_error", None)
            if report is not None:
                report(error, "drawing the table")
            return Strip.blank(self.scrollable_content_region.width, self.rich_style)

    def _render_line(self, y: int) -> Strip:
        width = self._frame_width
        if width is None:
            width = self.scrollable_content_region.width
            self._ensure_layout(width)
        base = self._frame_style or self.rich_style
        if y == 0:
            return self._render_header(width, base)
        view = self.model.view
        index = int(self.scroll_offset.y) + y - 1
        if not view:
            if y == 2:
                return self._render_empty(width, base)
            return Strip.blank(width, base)
        if index >= len(view):
            return Strip.blank(width, base)
        row = view[index]
        is_cursor = index == self._cursor
        is_marked = row.key in self.marked
        cached = self._strips.get(row.key)
        if cached is not None and cached[0] is row and cached[1] == is_cursor \
                and cached[2] == is_marked:
            return cached[3]
        strip = self._render_row(row, is_cursor, is_marked, width, base)
        self._strips[row.key] = (row, is_cursor, is_marked, strip)
        return strip

    def _render_header(self, width: int, base: Style) -> Strip:
        header = base + self.get_component_rich_style("vtable--header", partial=True)
        sorted_style = base + self.get_component_rich_style("vtable--header-sorted",
                                                            partial=True)
        segments = [Segment(" " * _MARK_WIDTH, header)]
        model = self.model
        for index, col_width in self._layout:
            column = model.columns[index]
            label = column.label
            style = header
            if index == model.sort_index:
                label = f"{label}{'▼' if model.reverse else '▲'}"
                style = sorted_style
            segments.append(Segment(_fit(label, col_width, column.align), style))
            segments.append(Segment(" " * _GAP, header))
        return Strip(segments).adjust_cell_length(width, header)

    def _render_empty(self, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("vtable--empty", partial=True)
        if self.model.total and self.model.filter_text:
            text = (f"No {self.noun} match /{self.model.filter_text} "
                    f"({self.model.total} hidden). Esc clears the filter.")
        else:
            text = self.empty_text
        return Strip([Segment(" " * _MARK_WIDTH + text, style)]).adjust_cell_length(width, base)

    def _line_style(self, role: str, is_cursor: bool, is_marked: bool, base: Style) -> Style:
        """The combined style of a cell: base, mark, role, cursor (cached per theme)."""
        key = (role, is_cursor, is_marked)
        style = self._styles.get(key)
        if style is None:
            style = base
            if is_marked:
                style += self.get_component_rich_style("vtable--marked", partial=True)
            if role:
                style += self._role_style(role)
            if is_cursor:
                style += self.get_component_rich_style("vtable--cursor", partial=True)
            self._styles[key] = style
        return style

    def _render_row(self, row: Row, is_cursor: bool, is_marked: bool, width: int,
                    base: Style) -> Strip:
        if self._styles_base is not base:
            self._styles.clear()
            self._styles_base = base
        style_of = self._line_style
        plain = style_of("", is_cursor, is_marked, base)
        columns = self.model.columns
        cells, roles = row.cells, row.roles
        # One segment per run of cells in the same style: roles only set the text colour,
        # so the gap after a cell can take the cell's style; fewer segments, faster frames.
        segments: list[Segment] = []
        run_text = "* " if is_marked else "  "
        run_style = plain
        used = _MARK_WIDTH
        gap = " " * _GAP
        for index, col_width in self._layout:
            role = roles[index]
            style = style_of(role, is_cursor, is_marked, base) if role else plain
            column = columns[index]
            text = _fit(cells[index], col_width, column.align, column.cut) + gap
            if style is run_style:
                run_text += text
            else:
                segments.append(Segment(run_text, run_style))
                run_text, run_style = text, style
            used += col_width + _GAP
        if used < width:
            if run_style is plain:
                run_text += " " * (width - used)
            else:
                segments.append(Segment(run_text, run_style))
                run_text, run_style = " " * (width - used), plain
            used = width
        segments.append(Segment(run_text, run_style))
        strip = Strip(segments, used)
        return strip if used == width else strip.crop(0, width)
