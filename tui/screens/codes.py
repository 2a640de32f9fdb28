"""Code lookup: the same search engine as `claimdesk codes search`."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Select

from core.services import codesets
from tui.bindings import identify
from tui.messages import Loaded
from tui.screens.base import ServiceScreen

KINDS = [("All code sets", ""), ("ICD-10-CM", "icd10"), ("CPT", "cpt"), ("HCPCS", "hcpcs"),
         ("Modifiers", "modifier"), ("Place of service", "pos"), ("CARC", "carc"), ("RARC", "rarc")]  # fmt: skip


class CodesScreen(ServiceScreen):
    CANCELLABLE = frozenset({"search"})

    HELP = """
## Code lookup

Type a code (`E11.9`, `e119`, `992`) or words (`diabetes without complications`).
Billable codes are marked **✓**; a category such as `E11` is not billable: keep
going to a more specific code. CPT wording here is ClaimDesk's own demo wording,
not the AMA descriptor.

- `/` jumps to the search box; `escape` leaves it.
- Arrow keys move through the results.
"""

    BINDINGS = identify(
        "codes_screen", [("slash", "focus_search", "Search"), ("escape", "blur", "Back")]
    )

    #: The (text, kind) whose results are on screen: tests and benchmarks wait on it.
    rendered: tuple[str, str] = ("", "")

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="search-bar"):
            yield Input(placeholder="code or words…", id="q")
            yield Select(KINDS, value="", allow_blank=False, id="kind")
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Code", key="code", width=8)
        table.add_column("Bill", key="billable", width=4)
        table.add_column("Kind", key="kind", width=8)
        table.add_column("Description", key="description", width=90)
        self.query_one(Input).focus()

    def action_focus_search(self) -> None:
        self.query_one(Input).focus()

    def action_blur(self) -> None:
        self.query_one(DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._search()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._search()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def _search(self) -> None:
        text = self.query_one(Input).value.strip()
        kind = self.query_one(Select).value or None
        if not text:
            self.query_one(DataTable).clear()
            self.rendered = ("", kind)
            return
        self.load(f"search\t{text}\t{kind or ''}", codesets.search, text, kind=kind, limit=40)

    def on_loaded(self, message: Loaded) -> None:
        if not message.what.startswith("search\t"):
            return
        _, text, kind = message.what.split("\t")
        current = (self.query_one(Input).value.strip(), self.query_one(Select).value or "")
        if (text, kind) != current:
            return  # a slower, older search finished late: its results are stale
        self.rendered = (text, kind)
        table = self.query_one(DataTable)
        table.clear()
        table.add_rows(
            [
                (
                    c.code,
                    "✓" if c.billable else "—",
                    c.kind,
                    c.description + (" [demo]" if c.is_demo else ""),
                )
                for c in message.value
            ]
        )
