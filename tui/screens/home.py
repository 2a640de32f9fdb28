"""Home: the work queues."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Static

from core.services import dashboard
from tui.bindings import identify
from tui.messages import Loaded
from tui.screens.base import ServiceScreen


class HomeScreen(ServiceScreen):
    CANCELLABLE = frozenset({"queues"})

    HELP = """
## Home: your work queues

Each row is a pile of work and how many items are in it. Coders start with
**Visits to code**; billers with **Claims with edits**, **Rejected claims** and
**Denied or short-paid**.

- Move with the arrow keys or `j`/`k`; **Enter** opens the queue.
- `r` refreshes the counts.
- F2–F9 switch between the stages of the claim's life; `ctrl+p` finds anything.

A healthy office keeps the rejected and denied piles small every day.
"""

    BINDINGS = identify(
        "home_screen",
        [
            ("r", "refresh", "Refresh"),
            ("j", "cursor_down", "Down"),
            ("k", "cursor_up", "Up"),
        ],
    )

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Work queues", id="title", classes="title")
        yield DataTable(id="queues", cursor_type="row", zebra_stripes=True)
        yield Static("", id="explain", classes="explain")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Queue", key="queue")
        table.add_column("Count", key="count")
        table.add_column("Who", key="who")
        self.action_refresh()

    def action_refresh(self) -> None:
        self.load("queues", dashboard.work_queues, self.app.today)

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def on_loaded(self, message: Loaded) -> None:
        if message.what != "queues":
            return
        table = self.query_one(DataTable)
        table.clear()
        self._queues = message.value.queues
        table.add_rows([(q.label, f"{q.count:>6,}", q.who) for q in self._queues])
        self._explain(0)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from tui.screens.queue import QueueScreen

        queues = getattr(self, "_queues", ())
        if 0 <= event.cursor_row < len(queues):
            q = queues[event.cursor_row]
            self.app.push_screen(QueueScreen(q.key, q.label))

    def on_screen_resume(self) -> None:
        # Coming back from another screen: the counts may have changed. (The first resume is
        # the screen's own start, which on_mount already loads.)
        if getattr(self, "_resumed_before", False):
            self.action_refresh()
        self._resumed_before = True

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._explain(event.cursor_row)

    def _explain(self, row: int) -> None:
        queues = getattr(self, "_queues", ())
        if 0 <= row < len(queues):
            self.query_one("#explain", Static).update(queues[row].meaning)
