"""A light read-only table for lists that are refilled on every keystroke.

Textual's DataTable renders every cell through Rich (padding, wrapping, cropping): refilling a
screenful of 50 patients took 35-90 ms per keystroke. FastTable draws each visible line as one
pre-formatted string (toolong's ``ScrollView.render_line`` approach), so a refill costs about
a millisecond. It does less than DataTable on purpose: plain-text cells, a row cursor, a fixed
header, keyboard and mouse selection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


@dataclass(frozen=True)
class Column:
    label: str
    width: int | None = None  # None: whatever room the fixed columns leave (at least min_width)
    justify: str = "left"  # or "right"
    min_width: int = 10


class FastTable(ScrollView, can_focus=True):
    """Rows of plain-text cells under a fixed header; ``enter`` selects the highlighted row.

    No HELP of its own: the screen's help explains what its list holds.
    """

    BINDINGS = [
        Binding("enter", "select", "Open", show=False, id="table.select",
                tooltip="Open the highlighted row."),
        Binding("up", "cursor_up", "Up", show=False, id="table.up", tooltip="Previous row."),
        Binding("down", "cursor_down", "Down", show=False, id="table.down", tooltip="Next row."),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up",
                tooltip="One screen up."),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down",
                tooltip="One screen down."),
        Binding("home", "first", "First", show=False, id="table.first", tooltip="First row."),
        Binding("end", "last", "Last", show=False, id="table.last", tooltip="Last row."),
    ]  # fmt: skip

    COMPONENT_CLASSES = {
        "fast-table--header",
        "fast-table--cursor",
        "fast-table--even-row",
    }

    DEFAULT_CSS = """
    FastTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        scrollbar-size-vertical: 1;
        &:focus {
            background-tint: $foreground 5%;
            & > .fast-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .fast-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:dark > .fast-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .fast-table--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .fast-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True)

    class RowHighlighted(Message):
        def __init__(self, table: FastTable, index: int, key: str) -> None:
            super().__init__()
            self.table, self.index, self.key = table, index, key

        @property
        def control(self) -> FastTable:
            return self.table

    class RowSelected(Message):
        def __init__(self, table: FastTable, index: int, key: str) -> None:
            super().__init__()
            self.table, self.index, self.key = table, index, key

        @property
        def control(self) -> FastTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._columns: list[Column] = list(columns)
        self._keys: list[str] = []
        self._cells: list[tuple[str, ...]] = []
        self._lines: dict[int, str] = {}  # row index -> formatted text, for the current widths
        self._widths: list[int] = []
        self._for_width = -1
        self.generation = 0  # bumped by every set_rows: which rows a paint showed

    # -- content ----------------------------------------------------------------------------
    def set_columns(self, columns: Sequence[Column]) -> None:
        self._columns = list(columns)
        self._for_width = -1
        self._lines.clear()
        self.refresh()

    def set_rows(self, rows: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Replace every row: (key, cells). The cursor goes back to the first row."""
        keys, cells = [], []
        for key, row in rows:
            keys.append(str(key))
            cells.append(tuple(str(c) for c in row))
        self._keys, self._cells = keys, cells
        self.generation += 1
        self._lines.clear()
        self.virtual_size = Size(self.virtual_size.width, len(cells) + 1)
        self.scroll_to(y=0, animate=False, immediate=True)
        self.cursor_row = 0
        self.refresh()

    def clear(self) -> None:
        self.set_rows(())

    @property
    def row_count(self) -> int:
        return len(self._cells)

    def get_row_at(self, index: int) -> tuple[str, ...]:
        return self._cells[index]

    def key_at(self, index: int) -> str:
        return self._keys[index]

    @property
    def current_key(self) -> str | None:
        if 0 <= self.cursor_row < len(self._keys):
            return self._keys[self.cursor_row]
        return None

    # -- drawing ----------------------------------------------------------------------------
    def _compute_widths(self, width: int) -> None:
        if width == self._for_width:
            return
        fixed = sum(c.width or 0 for c in self._columns) + 2 * len(self._columns)
        flex = [c for c in self._columns if c.width is None]
        share = max(0, width - fixed) // max(1, len(flex))
        self._widths = [
            c.width if c.width is not None else max(c.min_width, share) for c in self._columns
        ]
        self._for_width = width
        self._lines.clear()
        total = sum(self._widths) + 2 * len(self._widths)
        self.virtual_size = Size(total, len(self._cells) + 1)

    def _format(self, cells: Sequence[str]) -> str:
        parts = []
        for column, width, text in zip(self._columns, self._widths, cells, strict=False):
            if cell_len(text) > width:
                text = set_cell_size(text, max(width - 1, 0)) + "…"
            elif column.justify == "right":
                text = " " * (width - cell_len(text)) + text
            parts.append(" " + set_cell_size(text, width) + " ")
        return "".join(parts)

    def render_lines(self, crop):  # type: ignore[no-untyped-def]
        # Styles once per refresh, not once per line (rich_style walks the ancestors).
        base = self.rich_style
        self._styles = {
            "base": base,
            "header": base + self.get_component_rich_style("fast-table--header"),
            "even": base + self.get_component_rich_style("fast-table--even-row"),
            "cursor": base + self.get_component_rich_style("fast-table--cursor"),
            "cursor-even": base
            + self.get_component_rich_style("fast-table--even-row")
            + self.get_component_rich_style("fast-table--cursor"),
        }
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        self._compute_widths(width)
        styles = getattr(self, "_styles", None) or {}
        base = styles.get("base") or self.rich_style
        if y == 0:
            style = styles.get("header", base)
            text = self._format([c.label for c in self._columns])
        else:
            index = int(self.scroll_offset.y) + y - 1
            if index >= len(self._cells):
                return Strip([Segment(" " * width, base)], width)
            text = self._lines.get(index)
            if text is None:
                text = self._lines[index] = self._format(self._cells[index])
            if index == self.cursor_row:
                style = styles.get("cursor-even" if index % 2 else "cursor", base)
            else:
                style = styles.get("even", base) if index % 2 else base
        scroll_x = int(self.scroll_offset.x)
        if scroll_x:
            text = text[scroll_x:]
        return Strip([Segment(set_cell_size(text, width), style)], width)

    def on_resize(self, event: events.Resize) -> None:
        self._for_width = -1
        self._lines.clear()

    # -- the cursor -------------------------------------------------------------------------
    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._cells) - 1)) if self._cells else 0

    def watch_cursor_row(self, row: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        if self._cells:
            self.post_message(self.RowHighlighted(self, row, self._keys[row]))

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_offset.y)
        visible = self._visible_rows()
        row = self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False, immediate=True)

    def move_cursor(self, row: int) -> None:
        self.cursor_row = row

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up(self) -> None:
        self.cursor_row -= self._visible_rows()

    def action_page_down(self) -> None:
        self.cursor_row += self._visible_rows()

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = len(self._cells) - 1

    def action_select(self) -> None:
        if self._cells:
            self.post_message(self.RowSelected(self, self.cursor_row, self._keys[self.cursor_row]))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y - 1
        if event.y >= 1 and 0 <= index < len(self._cells):
            already = index == self.cursor_row
            self.cursor_row = index
            if already or event.chain > 1:
                self.action_select()
