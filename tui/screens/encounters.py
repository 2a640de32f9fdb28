"""Visits: the list of encounters, one visit with the provider's note, and a new visit form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    Select,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from core.schemas import EncounterOut, FacilityOut, PatientOut, ProviderOut
from core.services import authorizations, codesets, encounters, patients, practice
from core.services.authorizations import AuthorizationOut
from tui.bindings import identify
from tui.format import clip, money
from tui.format import day as us_date
from tui.messages import Failed, Loaded
from tui.screens.base import ServiceScreen

STATUS_FILTERS: tuple[str | None, ...] = (None, "open", "query", "coded", "billed", "void")
STATUS_STYLE = {"open": "bold", "query": "bold yellow", "coded": "green", "billed": "dim",
                "void": "dim strike"}  # fmt: skip
SHORT_POS = ("11", "02", "10", "12", "21", "22", "23", "31", "81")


def parse_us_date(text: str, what: str = "date of service") -> dt.date:
    """A date typed as MM/DD/YYYY; ValueError with a sentence a biller can act on."""
    raw = text.strip()
    try:
        day = dt.datetime.strptime(raw, "%m/%d/%Y").date()
    except ValueError:
        shown = f" ({raw!r} was typed)" if raw else ""
        raise ValueError(
            f"The {what} must be written MM/DD/YYYY, for example {dt.date.today():%m/%d/%Y}{shown}."
        ) from None
    return day


# Date, patient, provider and status columns of the visit tables, plus cell padding and the
# scroll bar: what is left of the terminal's width goes to the last column.
LIST_FIXED = 10 + 20 + 9 + 6 + 5 * 2 + 2


def status_text(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, ""))


# -- loaders: run in the worker thread, call core services only ------------------------------
@dataclass(frozen=True)
class VisitList:
    status: str | None
    text: str
    rows: list[EncounterOut]
    providers: dict[int, ProviderOut]


def load_visits(store, status: str | None, text: str) -> VisitList:
    rows = encounters.find_encounters(store, status=status, patient_text=text, limit=300)
    providers = {p.id: p for p in practice.list_providers(store, active_only=False)}
    return VisitList(status, text, rows, providers)


@dataclass(frozen=True)
class VisitDetail:
    encounter: EncounterOut
    patient: PatientOut
    providers: dict[int, ProviderOut]
    facility: FacilityOut | None
    place_of_service: str
    authorization: AuthorizationOut | None


def load_visit(store, encounter_id: int) -> VisitDetail:
    enc = encounters.get_encounter(store, encounter_id)
    patient = patients.get_patient(store, enc.patient_id).patient
    providers = {p.id: p for p in practice.list_providers(store, active_only=False)}
    facility = next((f for f in practice.list_facilities(store) if f.id == enc.facility_id), None)
    pos = codesets.lookup(store, "pos", enc.place_of_service)
    auth = authorizations.for_encounter(store, encounter_id) if enc.authorization_number else None
    return VisitDetail(enc, patient, providers, facility, pos.description if pos else "", auth)


# -- the base of these screens -----------------------------------------------------------------
class DeskScreen(ServiceScreen):
    """The screens of the Visits and Coding stages (ServiceScreen's workers and messages)."""


# -- the query modal ---------------------------------------------------------------------------
class QueryModal(ModalScreen[str | None]):
    """Ask the biller what the coder should look at; returns the question or None."""

    HELP = """
## Send a visit back to the coder

Write the question the coder (or the provider, through the coder) must answer, in one
sentence: *"Please confirm the laterality of the knee injection."* The visit goes back to
the coder's queue marked **query**, with your question shown at the top of their screen.

- `enter` sends it; `escape` cancels and nothing changes.
"""

    DEFAULT_CSS = """
    QueryModal { align: center middle; }
    QueryModal > Vertical {
        width: 70; max-width: 95%; height: auto; padding: 1 2;
        border: thick $warning; background: $surface;
    }
    QueryModal #query-msg { color: $error; height: auto; }
    QueryModal Label { width: 100%; }
    """

    BINDINGS = identify(
        "query_modal",
        [
            Binding("escape", "cancel", "Cancel", tooltip="Close without sending the visit back."),
            Binding(
                "ctrl+s", "send", "Send back", tooltip="Send the visit back with this question."
            ),
        ],
    )

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield Label("What should the coder look at? (enter sends, escape cancels)")
            yield Input(placeholder="e.g. Please confirm the visit level…", id="query-text")
            yield Static("", id="query-msg")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_send()

    def action_send(self) -> None:
        text = self.query_one(Input).value.strip()
        if not text:
            self.query_one("#query-msg", Static).update(
                "Write the question first: the coder needs to know why it came back."
            )
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


def ask_and_send_back(screen: DeskScreen, encounter: EncounterOut) -> None:
    """The biller's `q`: only a coded (or billed) visit can go back to the coder."""
    if encounter.status not in ("coded", "billed"):
        screen.notify(
            f"Visit {encounter.id} is {encounter.status}: only a coded or billed visit can be "
            "sent back to the coder.",
            title="Cannot send back",
            severity="warning",
        )
        return

    def done(question: str | None) -> None:
        if question:
            screen.load("send_back", encounters.send_back, encounter.id, question)

    screen.app.push_screen(
        QueryModal(f"Send visit {encounter.id} ({encounter.patient_name}) back to the coder"),
        done,
    )


# -- the list ----------------------------------------------------------------------------------
class VisitTable(DataTable):
    """The list of visits: `enter` opens the highlighted one (and says so in the footer)."""

    BINDINGS = identify(
        "visit_table",
        [
            Binding("enter", "select_cursor", "Open", tooltip="Open the highlighted visit."),
        ],
    )


class EncountersScreen(DeskScreen):
    HELP = """
## Visits

Every visit (encounter) the practice has on file, newest first: the date of service, the
patient, the rendering provider, where the visit is in its life, and why the patient came.

- **open**: documented, waiting for the coder. **query**: sent back to the coder with a
  question. **coded**: ready for the biller to build the claim. **billed**: on a claim.
- `/` finds a patient by name (`smith, jo`), date of birth or account; `escape` returns to
  the list.
- `s` steps through the status filter (also `0` all, `1` open, `2` query, `3` coded,
  `4` billed, `5` void).
- `enter` opens the visit with the provider's note; `n` enters a new visit;
  `c` opens the highlighted visit for coding; `q` sends a coded visit back to the coder with a
  question.

Check that each visit has the right date, place of service and provider before it is coded:
a wrong date of service or provider is the most common reason a claim is rejected.
"""

    DEFAULT_CSS = """
    EncountersScreen #visit-bar { height: 1; }
    EncountersScreen #visit-search { width: 1fr; }
    EncountersScreen #visit-filter { width: auto; padding: 0 1; color: $accent; }
    EncountersScreen #visits { height: 1fr; }
    EncountersScreen #visit-explain { height: auto; max-height: 3; padding: 0 1;
                                      color: $text-muted; }
    """

    CANCELLABLE = frozenset({"visits"})

    BINDINGS = identify("encounters_screen", [
        Binding("slash", "search", "Find", tooltip="Find a patient's visits by name, birth date or account."),
        Binding("s", "cycle_status", "Status", tooltip="Step through the status filter."),
        Binding("n", "new", "New visit", tooltip="Enter a new visit for a patient."),
        Binding("c", "code", "Code", tooltip="Open the highlighted visit on the coder's screen."),
        Binding("q", "send_back", "Send back", show=False, tooltip="Send a coded visit back to the coder with a question."),
        Binding("r", "refresh", "Refresh", show=False, tooltip="Read the list again."),
        Binding("escape", "leave_search", "List", show=False, tooltip="Leave the search box for the list."),
        Binding("j", "cursor_down", "Down", show=False, tooltip="Next visit."),
        Binding("k", "cursor_up", "Up", show=False, tooltip="Previous visit."),
        *(
            Binding(str(i), f"status_filter({i})", f"Show {status or 'all'}", show=False,
                    tooltip=f"Show {'every status' if status is None else status + ' visits'}.")
            for i, status in enumerate(STATUS_FILTERS)
        ),
    ])  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.status_index = 0
        self._rows: list[EncounterOut] = []
        self._providers: dict[int, ProviderOut] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Visits", classes="title")
        with Horizontal(id="visit-bar"):
            yield Input(placeholder="/ patient name, birth date or account…", id="visit-search",
                        compact=True)  # fmt: skip
            yield Static("", id="visit-filter")
        yield VisitTable(id="visits", cursor_type="row", zebra_stripes=True)
        yield Static("", id="visit-explain")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#visits", DataTable)
        table.add_column("Date", key="date", width=10)
        table.add_column("Patient", key="patient", width=20)
        table.add_column("Provider", key="provider", width=9)
        table.add_column("Status", key="status", width=6)
        table.add_column("Reason", key="reason")
        self._show_filter()
        table.focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        if self._rows:
            self.action_refresh()

    @property
    def status(self) -> str | None:
        return STATUS_FILTERS[self.status_index]

    def _show_filter(self) -> None:
        self.query_one("#visit-filter", Static).update(f"status: {self.status or 'all'}  (s)")

    def action_refresh(self) -> None:
        text = self.query_one("#visit-search", Input).value.strip()
        self.load("visits", load_visits, self.status, text)

    def action_search(self) -> None:
        self.query_one("#visit-search", Input).focus()

    def action_leave_search(self) -> None:
        self.query_one("#visits", DataTable).focus()

    def action_cycle_status(self) -> None:
        self.action_status_filter((self.status_index + 1) % len(STATUS_FILTERS))

    def action_status_filter(self, index: int) -> None:
        self.status_index = index
        self._show_filter()
        self.action_refresh()

    def action_cursor_down(self) -> None:
        self.query_one("#visits", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#visits", DataTable).action_cursor_up()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.action_refresh()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#visits", DataTable).focus()

    def _current(self) -> EncounterOut | None:
        table = self.query_one("#visits", DataTable)
        if 0 <= table.cursor_row < len(self._rows):
            return self._rows[table.cursor_row]
        return None

    def action_new(self) -> None:
        self.app.push_screen(NewEncounterScreen())

    def action_code(self) -> None:
        from tui.screens.coding import open_coder

        current = self._current()
        if current is not None:
            open_coder(self.app, current.id)

    def action_send_back(self) -> None:
        current = self._current()
        if current is not None:
            ask_and_send_back(self, current)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        current = self._current()
        if current is not None:
            self.app.push_screen(EncounterScreen(current.id))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._explain()

    def _explain(self) -> None:
        current = self._current()
        explain = self.query_one("#visit-explain", Static)
        if current is None:
            explain.update("No visits match." if not self._rows else "")
            return
        if current.query_note:
            explain.update(Text(f"Question for the coder: {current.query_note}", style="yellow"))
        else:
            total = f"  {money(current.total_charge_cents)}" if current.lines else ""
            explain.update(
                f"Visit {current.id}: {current.visit_reason or 'no reason given'}; "
                f"{len(current.diagnoses)} diagnoses, {len(current.lines)} lines{total}"
            )

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "send_back":
            self.notify(f"Visit {message.value.id} went back to the coder.", title="Sent back")
            self.action_refresh()
            return
        if message.what != "visits":
            return
        value: VisitList = message.value
        text = self.query_one("#visit-search", Input).value.strip()
        if value.status != self.status or value.text != text:
            return  # an older search finished after a newer one started
        self._rows = value.rows
        self._providers = value.providers
        self._fill()

    def on_resize(self, event) -> None:
        if self._rows:
            self._fill()

    def _fill(self) -> None:
        table = self.query_one("#visits", DataTable)
        keep = table.cursor_row
        table.clear()
        room = self.app.size.width - LIST_FIXED
        table.add_rows(
            [
                (
                    us_date(e.date_of_service),
                    clip(e.patient_name, 20),
                    self._providers[e.rendering_provider_id].last_name
                    if e.rendering_provider_id in self._providers
                    else "?",
                    status_text(e.status),
                    clip(e.visit_reason or "", room),
                )
                for e in self._rows
            ]
        )
        if self._rows:
            table.move_cursor(row=max(0, min(keep, len(self._rows) - 1)))
        self._explain()


# -- one visit ---------------------------------------------------------------------------------
class EncounterScreen(DeskScreen):
    HELP = """
## One visit

The facts of the visit at the top, the provider's clinical note below it.

What to check before the visit is coded or billed:
- the **date of service** and **place of service** (11 office, 02/10 telehealth, 22 outpatient
  hospital…) match the note;
- the **rendering provider** is the one who saw the patient; a **referring provider** is
  there when the payer requires one;
- an **authorization** is on file when the service needs one, covers the date, and has
  units left.

Keys: `c` opens it for coding, `b` shows the superbill, `e` checks the patient's coverage for this date, `q` sends a coded visit back to the
coder with a question, `tab` moves into the note (arrow keys and page keys scroll it),
`escape` returns to the list.
"""

    DEFAULT_CSS = """
    EncounterScreen #visit-facts { height: auto; padding: 0 1; }
    EncounterScreen #visit-query { height: auto; padding: 0 1; margin: 1 0 0 0;
        background: $warning 20%; color: $text; display: none; }
    EncounterScreen #visit-query.-shown { display: block; }
    EncounterScreen #note-title { padding: 0 1; text-style: bold; }
    EncounterScreen #visit-note { height: 1fr; border: round $panel; padding: 0 1; }
    EncounterScreen #visit-note:focus { border: round $accent; }
    """

    CANCELLABLE = frozenset({"visit"})

    BINDINGS = identify("encounter_screen", [
        Binding("c", "code", "Code", tooltip="Open this visit on the coder's screen."),
        Binding("b", "superbill", "Superbill", tooltip="Show the superbill: codes, charges and total."),
        Binding("e", "eligibility", "Eligibility",
                tooltip="Check the patient's coverage for this visit's date (270/271)."),  # fmt: skip
        Binding("q", "send_back", "Send back", tooltip="Send a coded visit back to the coder with a question."),
        Binding("r", "refresh", "Refresh", show=False, tooltip="Read the visit again."),
        Binding("escape", "back", "Back", tooltip="Back to the list of visits."),
    ])  # fmt: skip

    def __init__(self, encounter_id: int) -> None:
        super().__init__()
        self.encounter_id = encounter_id
        self.detail: VisitDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Visit {self.encounter_id}", id="visit-title", classes="title")
        yield Static("Loading…", id="visit-facts")
        yield Static("", id="visit-query")
        yield Static("Clinical note", id="note-title")
        with VerticalScroll(id="visit-note"):
            yield Static("", id="visit-note-text", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#visit-note", VerticalScroll).focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        if self.detail is not None:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.load("visit", load_visit, self.encounter_id)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_code(self) -> None:
        from tui.screens.coding import open_coder

        open_coder(self.app, self.encounter_id)

    def action_superbill(self) -> None:
        from tui.screens.coding import SuperbillScreen

        self.app.push_screen(SuperbillScreen(self.encounter_id))

    def action_send_back(self) -> None:
        if self.detail is not None:
            ask_and_send_back(self, self.detail.encounter)

    def action_eligibility(self) -> None:
        """Check coverage on the visit's date of service; the answer shows as a benefits card."""
        from core.services import eligibility

        if not self.detail:
            return
        e = self.detail.encounter
        self.notify("Checking eligibility…", timeout=2)
        self.load("eligibility", eligibility.check_eligibility, e.patient_id,
                  service_date=e.date_of_service, encounter_id=e.id)  # fmt: skip

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "send_back":
            self.notify(f"Visit {message.value.id} went back to the coder.", title="Sent back")
            self.action_refresh()
            return
        if message.what == "eligibility":
            from tui.screens.patients import BenefitsCard

            self.app.push_screen(BenefitsCard(message.value, message.value.patient_name))
            return
        if message.what != "visit":
            return
        self.detail = d = message.value
        e = d.encounter
        p = d.patient
        self.query_one("#visit-title", Static).update(
            Text.assemble(
                (f"Visit {e.id} · {e.patient_name} · {us_date(e.date_of_service)} · ", "bold"),
                status_text(e.status),
            )
        )

        wide = self.app.size.width >= 100

        def provider(pid: int | None) -> str:
            if pid is None:
                return "—"
            found = d.providers.get(pid)
            if found is None:
                return f"provider {pid}"
            return f"{found.display_name} (NPI {found.npi})" if wide else found.display_name

        if d.authorization is not None:
            a = d.authorization
            auth = (
                f"{a.number} · {us_date(a.start_date)}–{us_date(a.end_date)} · "
                f"{a.units_left} of {a.units_approved} units left"
            )
            if not a.covers(e.date_of_service):
                auth += " · DOES NOT COVER THIS DATE"
        else:
            auth = e.authorization_number or "none"
        coded = (
            f"{len(e.diagnoses)} dx, {len(e.lines)} lines, {money(e.total_charge_cents)}"
            if e.lines or e.diagnoses
            else "not coded yet"
        )
        facts = [
            ("Patient", f"{p.display_name} ({p.account_number})"),
            ("Born", f"{us_date(p.date_of_birth)} · {p.sex} · age {p.age_on(e.date_of_service)}"),
            ("DOS", us_date(e.date_of_service)),
            ("POS", f"{e.place_of_service} {d.place_of_service}"),
            ("Rendering", provider(e.rendering_provider_id)),
            ("Referring", provider(e.referring_provider_id)),
            ("Facility", d.facility.name if d.facility else "—"),
            ("Auth", auth),
            ("Reason", e.visit_reason or "—"),
            ("Coding", coded),
        ]
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1)
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1)
        for i in range(0, len(facts), 2):
            (a1, b1), (a2, b2) = facts[i], facts[i + 1]
            grid.add_row(a1, b1, a2, b2)
        self.query_one("#visit-facts", Static).update(grid)
        query = self.query_one("#visit-query", Static)
        query.set_class(bool(e.query_note), "-shown")
        query.update(Text.assemble(("Question for the coder: ", "bold"), e.query_note or ""))
        self.query_one("#visit-note-text", Static).update(
            e.clinical_note or "(The provider has not written a note for this visit.)"
        )


# -- a new visit -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FormChoices:
    providers: list[ProviderOut]
    facilities: list[FacilityOut]
    places: list[tuple[str, str]]


def load_choices(store) -> FormChoices:
    places = []
    for code in SHORT_POS:
        found = codesets.lookup(store, "pos", code)
        places.append((code, found.description if found else ""))
    return FormChoices(practice.list_providers(store), practice.list_facilities(store), places)


@dataclass(frozen=True)
class PatientHits:
    text: str
    rows: list[PatientOut]


def find_patients(store, text: str) -> PatientHits:
    return PatientHits(text, patients.search_patients(store, text, limit=20))


@dataclass(frozen=True)
class AuthHit:
    patient_id: int
    day: dt.date
    authorization: AuthorizationOut | None


def find_auth(store, patient_id: int, day: dt.date) -> AuthHit:
    return AuthHit(patient_id, day, authorizations.find_matching(store, patient_id, day))


class NewEncounterScreen(DeskScreen):
    HELP = """
## A new visit

Enter the visit as it happened; the coder codes it later from the note.

1. **Patient**: type a name (`smith, jo`), account number or birth date and pick from the
   list with the arrow keys and `enter`.
2. **Date of service**: MM/DD/YYYY, the day the patient was seen (never in the future).
3. **Provider** who saw the patient, **place of service** (11 office, 02/10 telehealth…),
   **facility**, and a **referring provider** when the payer needs one.
4. **Authorization**: filled in by itself when one on file covers the date; type a number
   when the payer gave you a new one.
5. **Reason** and the provider's **note**.

`ctrl+s` saves; anything wrong is said at the bottom of the form and what you typed stays.
`tab` / `shift+tab` move between fields; `escape` leaves without saving.
"""

    DEFAULT_CSS = """
    NewEncounterScreen #form { height: 1fr; padding: 0 1; }
    NewEncounterScreen .row { height: auto; min-height: 1; }
    NewEncounterScreen .row > Label { width: 18; color: $text-muted; }
    NewEncounterScreen .row > Input, NewEncounterScreen .row > Select { width: 1fr; }
    NewEncounterScreen #pt-results { height: auto; max-height: 5; margin: 0 0 0 18;
                                     display: none; }
    NewEncounterScreen #pt-results.-shown { display: block; }
    NewEncounterScreen #pt-chosen, NewEncounterScreen #auth-hint {
        margin: 0 0 0 18; height: auto; color: $text-muted; }
    NewEncounterScreen #auth-hint { margin: 0 0 1 18; }
    NewEncounterScreen #note-label { margin: 1 0 0 0; color: $text-muted; }
    NewEncounterScreen #enc-note { height: 8; }
    NewEncounterScreen #form-error { height: auto; padding: 0 1; color: $error;
                                     text-style: bold; }
    """

    CANCELLABLE = frozenset({"patients", "auth"})

    BINDINGS = identify("new_encounter_screen", [
        Binding("ctrl+s", "save", "Save", tooltip="Save the visit (it goes to the coder's queue)."),
        Binding("escape", "cancel", "Cancel", tooltip="Leave without saving."),
    ])  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.patient: PatientOut | None = None
        self._hits: list[PatientOut] = []
        self._auth_auto: str | None = None
        self._facilities: list[FacilityOut] = []
        self._places: list[tuple[str, str]] = []
        self._error_field: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("New visit", classes="title")
        with VerticalScroll(id="form"):
            with Horizontal(classes="row"):
                yield Label("Patient")
                yield Input(placeholder="name, account number or birth date", id="pt-search",
                            compact=True)  # fmt: skip
            yield OptionList(id="pt-results", compact=True)
            yield Static("No patient chosen yet.", id="pt-chosen")
            with Horizontal(classes="row"):
                yield Label("Date of service")
                yield Input(us_date(self._today()), placeholder="MM/DD/YYYY", id="dos",
                            compact=True)  # fmt: skip
            with Horizontal(classes="row"):
                yield Label("Provider")
                yield Select([], prompt="choose the provider who saw the patient",
                             id="provider", compact=True)  # fmt: skip
            with Horizontal(classes="row"):
                yield Label("Place of service")
                yield Select([], prompt="choose", id="pos", compact=True)
            with Horizontal(classes="row"):
                yield Label("Facility")
                yield Select([], prompt="(none)", id="facility", compact=True)
            with Horizontal(classes="row"):
                yield Label("Referring")
                yield Select([], prompt="(none)", id="referring", compact=True)
            with Horizontal(classes="row"):
                yield Label("Authorization")
                yield Input(placeholder="prior authorization number, if any", id="auth",
                            compact=True)  # fmt: skip
            yield Static("Filled in by itself when an authorization on file covers the date.",
                         id="auth-hint")  # fmt: skip
            with Horizontal(classes="row"):
                yield Label("Reason")
                yield Input(placeholder="why the patient came, e.g. Diabetes follow-up",
                            id="reason", compact=True)  # fmt: skip
            yield Label("Clinical note (the provider's documentation)", id="note-label")
            yield TextArea("", id="enc-note", soft_wrap=True)
        yield Static("", id="form-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pt-search", Input).focus()
        self.load("choices", load_choices)

    # -- helpers ---------------------------------------------------------------------------
    def _today(self) -> dt.date:
        """The app's 'today' (a demo runs on a fixed day), never later than the real one."""
        today = dt.date.today()
        return min(getattr(self.app, "today", today), today)

    def _error(self, text: str, focus: str | None = None) -> None:
        self.query_one("#form-error", Static).update(text)
        self._error_field = focus
        if focus:
            self.query_one(focus).focus()

    @on(Input.Changed)
    @on(Select.Changed)
    def _field_changed(self, event: Input.Changed | Select.Changed) -> None:
        if self._error_field and event.control.id == self._error_field.lstrip("#"):
            self._error("")

    def _dos(self) -> dt.date | None:
        try:
            return parse_us_date(self.query_one("#dos", Input).value)
        except ValueError:
            return None

    def _lookup_auth(self) -> None:
        day = self._dos()
        if self.patient is not None and day is not None:
            self.load("auth", find_auth, self.patient.id, day)

    # -- events ----------------------------------------------------------------------------
    @on(Input.Changed, "#pt-search")
    def _patient_typed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if len(text) >= 2:
            self.load("patients", find_patients, text)
        else:
            self._hits = []
            self.query_one("#pt-results", OptionList).remove_class("-shown")

    @on(Input.Submitted, "#pt-search")
    def _patient_enter(self, event: Input.Submitted) -> None:
        if len(self._hits) == 1:
            self._choose(self._hits[0])
        elif self._hits:
            results = self.query_one("#pt-results", OptionList)
            results.highlighted = 0
            results.focus()
        else:
            self._error("No patient found: try the last name, the account number or MM/DD/YYYY.")

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.focused is self.query_one("#pt-search") and self._hits:
            event.stop()
            results = self.query_one("#pt-results", OptionList)
            results.highlighted = 0
            results.focus()

    @on(OptionList.OptionSelected, "#pt-results")
    def _patient_picked(self, event: OptionList.OptionSelected) -> None:
        self._choose(self._hits[event.option_index])

    def _choose(self, patient: PatientOut) -> None:
        self.patient = patient
        self.query_one("#pt-results", OptionList).remove_class("-shown")
        self.query_one("#pt-chosen", Static).update(
            Text(
                f"✓ {patient.display_name} · account {patient.account_number} · born "
                f"{us_date(patient.date_of_birth)} · {patient.sex}",
                style="green",
            )
        )
        self._error("")
        self.query_one("#dos", Input).focus()
        self._lookup_auth()

    @on(Input.Changed, "#dos")
    def _dos_typed(self, event: Input.Changed) -> None:
        self._lookup_auth()

    @on(Input.Changed, "#auth")
    def _auth_typed(self, event: Input.Changed) -> None:
        if event.value.strip() != (self._auth_auto or ""):
            self._auth_auto = None

    @on(Select.Changed, "#facility")
    def _facility_chosen(self, event: Select.Changed) -> None:
        facility = next((f for f in self._facilities if f.id == event.value), None)
        if facility is not None:
            pos = self.query_one("#pos", Select)
            if facility.place_of_service in {c for c, _ in self._places}:
                pos.value = facility.place_of_service

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "choices":
            choices: FormChoices = message.value
            self._facilities = choices.facilities
            self._places = choices.places
            providers = [(p.display_name, p.id) for p in choices.providers]
            self.query_one("#provider", Select).set_options(providers)
            self.query_one("#referring", Select).set_options(providers)
            self.query_one("#pos", Select).set_options(
                [(f"{code} {name}", code) for code, name in choices.places]
            )
            self.query_one("#pos", Select).value = "11"
            self.query_one("#facility", Select).set_options(
                [(f.name, f.id) for f in choices.facilities]
            )
        elif message.what == "patients":
            hits: PatientHits = message.value
            if hits.text != self.query_one("#pt-search", Input).value.strip():
                return
            self._hits = hits.rows
            results = self.query_one("#pt-results", OptionList)
            results.clear_options()
            results.add_options(
                [
                    Option(f"{p.display_name}  {p.account_number}  {us_date(p.date_of_birth)}")
                    for p in hits.rows
                ]
            )
            results.set_class(bool(hits.rows), "-shown")
        elif message.what == "auth":
            hit: AuthHit = message.value
            if self.patient is None or hit.patient_id != self.patient.id or hit.day != self._dos():
                return
            auth_input = self.query_one("#auth", Input)
            hint = self.query_one("#auth-hint", Static)
            typed = auth_input.value.strip()
            if hit.authorization is not None:
                a = hit.authorization
                if not typed or self._auth_auto is not None:
                    self._auth_auto = a.number
                    auth_input.value = a.number
                hint.update(
                    f"On file: {a.number} ({a.payer_name}) covers {us_date(a.start_date)}–"
                    f"{us_date(a.end_date)}, {a.units_left} of {a.units_approved} units left, "
                    f"for {' '.join(a.service_codes)}."
                )
            else:
                if self._auth_auto is not None and typed == self._auth_auto:
                    auth_input.value = ""
                    self._auth_auto = None
                hint.update("No authorization on file covers this date.")
        elif message.what == "save":
            enc: EncounterOut = message.value
            self.notify(f"Visit {enc.id} saved; it waits in the coder's queue.", title="Saved")
            self.app.pop_screen()
            self.app.push_screen(EncounterScreen(enc.id))

    def on_failed(self, message: Failed) -> None:
        if message.what == "save":  # in place; ServiceScreen.on_failed notifies the rest
            message.prevent_default()
            self._error(f"Not saved: {message.error}")

    # -- actions ---------------------------------------------------------------------------
    def action_cancel(self) -> None:
        self.app.pop_screen()

    def action_save(self) -> None:
        if self.patient is None:
            self._error(
                "Choose the patient first: type a name or account number and pick from the list.",
                "#pt-search",
            )
            return
        try:
            day = parse_us_date(self.query_one("#dos", Input).value)
        except ValueError as exc:
            self._error(str(exc), "#dos")
            return
        if day > dt.date.today():
            self._error(
                f"The date of service {us_date(day)} is in the future: enter a visit after it "
                "has happened.",
                "#dos",
            )
            return
        provider = self.query_one("#provider", Select).value
        if provider is Select.NULL:
            self._error("Choose the provider who saw the patient.", "#provider")
            return
        pos = self.query_one("#pos", Select).value
        if pos is Select.NULL:
            self._error("Choose the place of service (11 for the office).", "#pos")
            return
        facility = self.query_one("#facility", Select).value
        referring = self.query_one("#referring", Select).value
        self._error("")
        self.load(
            "save",
            encounters.create_encounter,
            dict(
                patient_id=self.patient.id,
                date_of_service=day,
                place_of_service=pos,
                rendering_provider_id=provider,
                referring_provider_id=None if referring is Select.NULL else referring,
                facility_id=None if facility is Select.NULL else facility,
                authorization_number=self.query_one("#auth", Input).value.strip().upper() or None,
                visit_reason=self.query_one("#reason", Input).value.strip() or None,
                clinical_note=self.query_one("#enc-note", TextArea).text,
            ),
        )


def open_encounter(app, encounter_id: int) -> None:
    """Switch to the Visits mode and show one encounter."""
    app.switch_mode("encounters")
    top = app.screen
    if isinstance(top, EncounterScreen) and top.encounter_id == encounter_id:
        return
    app.push_screen(EncounterScreen(encounter_id))
