"""The data behind the virtual table: rows by key, a filtered and sorted view.

Pure Python (no Textual) so it is cheap to test and to benchmark. A row is a
tuple of pre-rendered cell strings, a colour role per cell and a sortable value
per column. Updates replace rows by key, one *group* (a host) at a time; rows
that did not change keep their identity, which is how the widget knows which
lines to re-render.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Literal

from rich.cells import cell_len

from hvtui.model.text import inert

RowKey = Hashable


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    min_width: int = 4
    """The narrowest the column may get before it is dropped."""
    max_width: int = 30
    """Cells longer than this are cut with an ellipsis."""
    priority: int = 1
    """1 = always shown; higher numbers are dropped first when the terminal is narrow."""
    align: Literal["left", "right"] = "left"
    flex: bool = False
    """Takes the width left over (names, paths, messages)."""
    cut: Literal["end", "start"] = "end"
    """Where a long cell loses characters: paths keep their file name (``start``)."""
    comfort_width: int = 0
    """For a flex column: the width it keeps before lower-priority columns are added
    (0: its minimum). A reason or a path cut to a few characters helps nobody."""


class Row:
    """One table row. Compare with :meth:`same_as` to find what changed."""

    __slots__ = ("key", "cells", "roles", "values", "group", "_search")

    def __init__(self, key: RowKey, cells: tuple[str, ...], roles: tuple[str, ...],
                 values: tuple[Any, ...], group: str = "") -> None:
        self.key = key
        self.cells = tuple(map(inert, cells))
        """Pre-rendered text of each cell (control characters from hosts visibly escaped:
        every table cell reaches the terminal through here)."""
        self.roles = roles
        """Colour role of each cell ("" = the table's normal text)."""
        self.values = values
        """Sort value of each column (same type down a column; None sorts last)."""
        self.group = group
        """The host a row came from: updates replace a whole group at once."""
        self._search: str | None = None

    def same_as(self, other: Row) -> bool:
        return self.cells == other.cells and self.roles == other.roles and \
            self.values == other.values

    @property
    def search_text(self) -> str:
        text = self._search
        if text is None:
            text = self._search = "\x00".join(self.cells).casefold()
        return text

    def __repr__(self) -> str:
        return f"Row({self.key!r}, {self.cells!r})"


def text_width(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


@dataclass(slots=True)
class Changes:
    """What an update did, so the widget repaints as little as possible."""

    changed: set[RowKey] = field(default_factory=set)
    removed: set[RowKey] = field(default_factory=set)
    reordered: bool = False


def compile_filter(text: str) -> tuple[str, bool]:
    """``"!web"`` -> ``("web", True)``: substring, case-insensitive, ``!`` inverts."""
    invert = text.startswith("!")
    needle = (text[1:] if invert else text).strip().casefold()
    return needle, invert


class _Base:
    """Every row in tiebreak order, kept sorted incrementally.

    Parallel lists: ``(tiebreak value, key)`` pairs for bisecting, and the rows, so
    rebuilding the view never looks rows up by key. The sort values of a column are
    gathered on first use and kept until rows come or go, so sorting is a C-level
    ``sorted(range(n), key=column.__getitem__)``.
    """

    __slots__ = ("order", "rows", "_columns", "broken")

    def __init__(self) -> None:
        self.order: list[tuple[Any, RowKey]] = []
        self.rows: list[Row] = []
        self._columns: dict[int, list[Any]] = {}
        self.broken = False
        """Values that do not compare (a builder bug): fall back to arrival order."""

    def column(self, index: int) -> list[Any]:
        values = self._columns.get(index)
        if values is None:
            values = self._columns[index] = [r.values[index] for r in self.rows]
        return values

    def reset(self, rows: Iterable[Row], tie: int) -> None:
        pairs = [((row.values[tie], row.key), row) for row in rows]
        try:
            pairs.sort(key=lambda p: p[0])
            self.broken = False
        except TypeError:
            self.broken = True
        self.order = [p[0] for p in pairs]
        self.rows = [p[1] for p in pairs]
        self._columns.clear()

    def _find(self, entry: tuple[Any, RowKey]) -> int | None:
        if not self.broken:
            try:
                i = bisect.bisect_left(self.order, entry)
            except TypeError:
                self.broken = True
            else:
                return i if i < len(self.order) and self.order[i] == entry else None
        keys = [e[1] for e in self.order]
        return keys.index(entry[1]) if entry[1] in keys else None

    def add(self, row: Row, tie: int) -> None:
        entry = (row.values[tie], row.key)
        i = len(self.order)
        if not self.broken:
            try:
                i = bisect.bisect_left(self.order, entry)
            except TypeError:
                self.broken = True
        self.order.insert(i, entry)
        self.rows.insert(i, row)
        self._columns.clear()

    def remove(self, row: Row, tie: int) -> None:
        i = self._find((row.values[tie], row.key))
        if i is not None:
            del self.order[i]
            del self.rows[i]
            self._columns.clear()

    def replace(self, prev: Row, row: Row, tie: int) -> None:
        i = self._find((prev.values[tie], prev.key))
        if i is not None:
            self.rows[i] = row
            for index, values in self._columns.items():
                values[i] = row.values[index]


class TableModel:
    """Rows, the current sort and filter, and the resulting view."""

    def __init__(self, columns: Sequence[Column], *, sort: str | None = None,
                 reverse: bool = False, tiebreak: str | None = None) -> None:
        self.columns: tuple[Column, ...] = tuple(columns)
        self._index = {c.key: i for i, c in enumerate(self.columns)}
        self.sort_index = self._index.get(sort or "", 0)
        self.reverse = reverse
        self.tiebreak_index = self._index.get(tiebreak or "", 0)
        self.filter_text = ""
        self._needle = ""
        self._invert = False
        self._scope = ""
        """``@HOST`` filters: only that host's rows (a VM's name or status may name it too)."""
        self.rows: dict[RowKey, Row] = {}
        self._groups: dict[str, list[RowKey]] = {}
        self._base = _Base()
        self.view: list[Row] = []
        """The rows on show: filtered, then sorted (ties in tiebreak order)."""
        self._positions: dict[RowKey, int] | None = None
        self.widths: list[int] = [len(c.label) for c in self.columns]
        """Widest cell (or label) per column, for the layout."""
        self.version = 0
        """Bumped on every change to the view (order or content)."""

    # --- queries -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.view)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def sort_column(self) -> Column:
        return self.columns[self.sort_index]

    def index_of(self, key: RowKey) -> int | None:
        """Position of a key in the view (a scan for one lookup; see :meth:`positions`)."""
        if self._positions is not None:
            return self._positions.get(key)
        row = self.rows.get(key)
        if row is None:
            return None
        try:
            return self.view.index(row)  # identity scan in C: cheaper than a dict of 10k keys
        except ValueError:
            return None

    def positions(self) -> dict[RowKey, int]:
        if self._positions is None:
            self._positions = {row.key: i for i, row in enumerate(self.view)}
        return self._positions

    def group_keys(self, group: str) -> list[RowKey]:
        return list(self._groups.get(group, ()))

    def matches(self, row: Row) -> bool:
        if self._scope:
            return (row.group.casefold() == self._scope) != self._invert
        if not self._needle:
            return True
        return (self._needle in row.search_text) != self._invert

    # --- changes -----------------------------------------------------------------------------

    def set_rows(self, rows: Iterable[Row]) -> Changes:
        """Replace everything (rows keep their identity when unchanged)."""
        old = self.rows
        new: dict[RowKey, Row] = {}
        groups: dict[str, list[RowKey]] = {}
        changes = Changes(reordered=True)
        for row in rows:
            prev = old.get(row.key)
            if prev is not None and prev.same_as(row):
                row = prev
            else:
                changes.changed.add(row.key)
            new[row.key] = row
            groups.setdefault(row.group, []).append(row.key)
        changes.removed = set(old) - set(new)
        self.rows = new
        self._groups = groups
        self._base.reset(new.values(), self.tiebreak_index)
        self._recompute_widths()
        self._rebuild_view()
        return changes

    def replace_group(self, group: str, rows: Iterable[Row]) -> Changes:
        """Replace the rows of one group (one host's VMs, say) by key."""
        return self.replace_groups({group: rows})

    def replace_groups(self, groups: Mapping[str, Iterable[Row]]) -> Changes:
        """Replace several groups' rows by key, re-sorting at most once."""
        changes = Changes()
        in_place: list[tuple[Row, Row]] = []
        structural = False
        rows_by_key = self.rows
        for group, rows in groups.items():
            old_keys = self._groups.get(group, [])
            new_keys: list[RowKey] = []
            for row in rows:
                new_keys.append(row.key)
                prev = rows_by_key.get(row.key)
                if prev is not None and prev.same_as(row):
                    continue
                structural |= self._accept(prev, row, changes, in_place)
            if len(new_keys) != len(old_keys) or set(new_keys) != set(old_keys):
                gone = set(old_keys).difference(new_keys)
                for key in gone:
                    old = rows_by_key.pop(key, None)
                    if old is not None:
                        self._base.remove(old, self.tiebreak_index)
                if gone:
                    changes.removed |= gone
                    structural = True
            if new_keys:
                self._groups[group] = new_keys
            else:
                self._groups.pop(group, None)
        self._finish(changes, structural, in_place)
        return changes

    def upsert(self, rows: Iterable[Row]) -> Changes:
        """Add or replace individual rows by key (the caller knows what changed)."""
        changes = Changes()
        in_place: list[tuple[Row, Row]] = []
        structural = False
        for row in rows:
            prev = self.rows.get(row.key)
            if prev is not None and prev.same_as(row):
                continue
            if prev is None:
                self._groups.setdefault(row.group, []).append(row.key)
            elif prev.group != row.group:
                self._groups[prev.group].remove(row.key)
                self._groups.setdefault(row.group, []).append(row.key)
            structural |= self._accept(prev, row, changes, in_place)
        self._finish(changes, structural, in_place)
        return changes

    def remove_group(self, group: str) -> Changes:
        return self.replace_groups({group: ()})

    def set_sort(self, key_or_index: str | int, reverse: bool | None = None) -> None:
        index = key_or_index if isinstance(key_or_index, int) else self._index[key_or_index]
        self.sort_index = index
        if reverse is not None:
            self.reverse = reverse
        self._rebuild_view()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._needle, self._invert = compile_filter(text)
        self._scope = ""
        if self._needle.startswith("@"):  # one host's rows: /@HV-NODE1
            self._scope, self._needle = self._needle[1:], ""
        self._rebuild_view()

    # --- internals -----------------------------------------------------------------------------

    def _accept(self, prev: Row | None, row: Row, changes: Changes,
                in_place: list[tuple[Row, Row]]) -> bool:
        """Take a new or changed row; True when the view must be rebuilt."""
        changes.changed.add(row.key)
        self.rows[row.key] = row
        widths = self.widths
        for i, cell in enumerate(row.cells):
            w = len(cell) if cell.isascii() else cell_len(cell)
            if w > widths[i]:
                widths[i] = w
        tie_i, sort_i = self.tiebreak_index, self.sort_index
        if prev is None:
            self._base.add(row, tie_i)
            return True
        if prev.values[tie_i] != row.values[tie_i]:
            self._base.remove(prev, tie_i)
            self._base.add(row, tie_i)
            return True
        self._base.replace(prev, row, tie_i)
        if prev.values[sort_i] != row.values[sort_i] or self.matches(prev) != self.matches(row):
            return True
        in_place.append((prev, row))
        return False

    def _finish(self, changes: Changes, structural: bool,
                in_place: list[tuple[Row, Row]]) -> None:
        if structural:
            changes.reordered = True
            self._rebuild_view()
        elif in_place:
            positions = self.positions() if len(in_place) > 8 else None
            for prev, row in in_place:
                if positions is not None:
                    pos = positions.get(prev.key)
                else:
                    try:
                        pos = self.view.index(prev)
                    except ValueError:
                        pos = None
                if pos is not None:
                    self.view[pos] = row
            self.version += 1

    def _recompute_widths(self) -> None:
        widths = [len(c.label) for c in self.columns]
        if self.rows:
            columns = zip(*(row.cells for row in self.rows.values()), strict=False)
            for i, cells in enumerate(columns):
                if "".join(cells).isascii():
                    longest = max(map(len, cells))
                else:
                    longest = max(text_width(cell) for cell in cells)
                if longest > widths[i]:
                    widths[i] = longest
        self.widths = widths

    def _rebuild_view(self) -> None:
        base = self._base
        rows = base.rows
        column = base.column(self.sort_index)
        if self._needle or self._scope:
            keep = [j for j, r in enumerate(rows) if self.matches(r)]
            rows = [rows[j] for j in keep]
            column = [column[j] for j in keep]
        try:
            # positions sorted by a C-level key (list.__getitem__); stable, so rows equal
            # in the sort column stay in tiebreak order
            order = sorted(range(len(rows)), key=column.__getitem__, reverse=self.reverse)
        except TypeError:
            safe = [(v is None, str(v)) for v in column]
            order = sorted(range(len(rows)), key=safe.__getitem__, reverse=self.reverse)
        if len(order) > 1:
            self.view = list(itemgetter(*order)(rows))
        else:
            self.view = [rows[j] for j in order]
        self._positions = None
        self.version += 1
