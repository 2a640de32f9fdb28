"""One work queue: its items, sortable and filterable by keyboard; Enter opens the record."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from core.services import dashboard
from tui.bindings import identify
from tui.format import day, money
from tui.messages import Loaded
from tui.screens.base import ServiceScreen

SORTS = (
    ("age", "oldest first", lambda i: -(i.age_days or 0)),
    ("patient", "by patient", lambda i: i.patient_name.lower()),
    ("amount", "largest amount first", lambda i: -(i.amount_cents or 0)),
    ("status", "by status", lambda i: i.status),
)


class QueueScreen(ServiceScreen):
    CANCELLABLE = frozenset({"items"})

    HELP = """
## A work queue

Every row is one piece of work. **Enter** opens it: a visit to code opens the
coder's screen, a visit to bill opens the visit, a patient opens their record, a
claim shows its lines and history.

- `/` filters the rows by name, claim number or text; `escape` clears the filter.
- `s` changes the order (oldest first, by patient, by amount, by status).
- `r` reloads the queue; `escape` goes back to the queue list.

Work the oldest items first: payers count days from the date of service.
"""

    BINDINGS = identify(
        "queue_screen",
        [
            Binding("slash", "filter", "Filter", tooltip="Filter the rows"),
            Binding("s", "sort", "Sort", tooltip="Change the order"),
            Binding("r", "refresh", "Reload", tooltip="Read the queue again"),
            Binding("escape", "back", "Back", tooltip="Back to the work queues"),
            Binding("j", "down", "Down", show=False),
            Binding("k", "up", "Up", show=False),
        ],
    )

    DEFAULT_CSS = """
    QueueScreen #filter { display: none; }
    QueueScreen #filter.shown { display: block; }
    QueueScreen #items { height: 1fr; }
    """

    def __init__(self, key: str, label: str) -> None:
        super().__init__()
        self.key = key
        self.label = label
        self.items: list[dashboard.QueueItem] = []
        self.sort_index = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.label, id="title", classes="title")
        yield Input(placeholder="filter…", id="filter")
        yield DataTable(id="items", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("Patient", "patient"), ("What", "title"), ("Date", "day"),
                           ("Days", "age"), ("Amount", "amount"), ("Status", "status"),
                           ("Detail", "detail")):  # fmt: skip
            table.add_column(label, key=key)
        table.focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self.load("items", dashboard.queue_items, self.key, today=self.app.today)

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "items":
            self.items = list(message.value)
            self._fill()

    def _visible(self) -> list[dashboard.QueueItem]:
        text = self.query_one("#filter", Input).value.strip().lower()
        rows = self.items
        if text:
            rows = [i for i in rows
                    if text in f"{i.patient_name} {i.title} {i.detail} {i.status}".lower()]  # fmt: skip
        return sorted(rows, key=SORTS[self.sort_index][2])

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.shown = self._visible()
        table.add_rows(
            (i.patient_name, i.title, day(i.day), "" if i.age_days is None else str(i.age_days),
             money(i.amount_cents), i.status, i.detail[:60])
            for i in self.shown
        )  # fmt: skip
        order = SORTS[self.sort_index][1]
        self.query_one("#title", Static).update(
            f"{self.label} — {len(self.shown):,} of {len(self.items):,}, {order}"
        )

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def action_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self._fill()

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("shown"):
            box.value = ""
            box.remove_class("shown")
            self.query_one(DataTable).focus()
            self._fill()
        else:
            self.app.pop_screen()

    def action_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        shown = getattr(self, "shown", [])
        if 0 <= event.cursor_row < len(shown):
            self.open_item(shown[event.cursor_row])

    def open_item(self, item: dashboard.QueueItem) -> None:
        from tui.screens.coding import open_coder
        from tui.screens.encounters import open_encounter
        from tui.screens.patients import open_patient

        if item.kind == "encounter" and item.status in ("open", "query"):
            open_coder(self.app, item.record_id)
        elif item.kind == "encounter":
            open_encounter(self.app, item.record_id)
        elif item.kind == "patient":
            open_patient(self.app, item.patient_id)
        else:
            from tui.screens.claims import ClaimScreen

            self.app.push_screen(ClaimScreen(item.record_id))
