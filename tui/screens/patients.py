"""Patients: search, registration, guarantor, insurance in order, the account ledger, and the
hook for eligibility checks.

Screens here never touch the database: every read and write is a core service run in a thread
worker (``ServiceScreen.load``); results come back as ``Loaded``/``Failed`` messages carrying
frozen DTOs.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import Worker, WorkerState

from core.schemas import (
    LedgerEntryOut,
    PatientDetail,
    PatientOut,
    PayerOut,
)
from core.services import ledger, patients, practice
from tui.messages import Failed, Loaded
from tui.screens.base import ServiceScreen
from tui.screens.patient_forms import EndPolicyForm, GuarantorForm, PatientForm, PolicyForm
from tui.widgets.fast_table import Column, FastTable
from tui.widgets.forms import (
    fmt_date,
    fmt_money,
    fmt_phone,
)
from tui.widgets.patient_panels import (
    BalancesPanel,
    DemographicsPanel,
    LedgerTable,
    PatientBanner,
    PoliciesTable,
    policy_details,
)

SEARCH_LIMIT = 50
WIDE = 110  # columns from which tables show every column


# -- what the workers return ----------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    text: str
    patients: tuple[PatientOut, ...]


def run_search(store: Any, text: str, limit: int) -> SearchResult:
    return SearchResult(text, tuple(patients.search_patients(store, text, limit=limit)))


@dataclass(frozen=True)
class PatientRecord:
    detail: PatientDetail
    entries: tuple[LedgerEntryOut, ...]
    payers: tuple[PayerOut, ...]


def load_record(store: Any, patient_id: int) -> PatientRecord:
    """Everything the record screen shows, read in one worker (one trip, one message)."""
    return PatientRecord(
        detail=patients.get_patient(store, patient_id),
        entries=tuple(ledger.account_entries(store, patient_id)),
        payers=tuple(practice.list_payers(store)),
    )


def _prefill_from_search(text: str) -> dict[str, str]:
    """What a search for someone not found already tells the registration form."""
    text = text.strip()
    if not text:
        return {}
    if re.fullmatch(r"[0-9/\-]+", text):
        return {"date_of_birth": text}
    if any(ch.isdigit() for ch in text):
        return {}
    if "," in text:
        last, _, first = text.partition(",")
    else:
        parts = text.split()
        last, first = (parts[-1], " ".join(parts[:-1])) if len(parts) > 1 else (parts[0], "")
    out = {"last_name": last.strip().title()}
    if first.strip():
        out["first_name"] = first.strip().title()
    return out


# -- search ---------------------------------------------------------------------------------------


class PatientsScreen(ServiceScreen):
    """The Patients mode's first screen: find a patient, or register one."""

    HELP = """
## Patients: find or register

Start typing in the search box; results appear as you type.

- **Name**: `smith`, `smith, jo` (last, first) or `jo smith`.
- **Date of birth**: `07/14/1957`.
- **Account** (`A000123`) or **insurance member ID**.

Only the first 50 matches show: type more to narrow. Always confirm the
**date of birth** before you open a record: two patients can share a name.

- `↓` or `enter` moves from the search box to the results (`enter` opens
  the record at once when there is exactly one match); `enter` on a row
  opens the patient's record; `/` goes back to the search box.
- `ctrl+n` (or `n` in the results) registers a new patient. Search first:
  registering someone twice splits their bills across two accounts.
"""

    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="patients.search",
                tooltip="Go to the search box."),
        Binding("ctrl+n", "new_patient", "New patient", id="patients.new",
                tooltip="Register a new patient (search first: no duplicates)."),
        Binding("n", "new_patient", "New patient", show=False, id="patients.new_n",
                tooltip="Register a new patient (from the results list)."),
        Binding("escape", "to_results", "Results", id="patients.results",
                tooltip="Leave the search box for the results list."),
        Binding("j", "cursor_down", "Down", show=False, id="patients.down",
                tooltip="Next patient in the list."),
        Binding("k", "cursor_up", "Up", show=False, id="patients.up",
                tooltip="Previous patient in the list."),
    ]  # fmt: skip

    CANCELLABLE = frozenset({"search"})  # a newer search makes an older one stale

    DEFAULT_CSS = """
    PatientsScreen #patient-search {
        height: 3;
        padding: 0 1;
    }
    PatientsScreen #patient-search Input {
        width: 1fr;
    }
    PatientsScreen #search-status {
        height: 1;
        padding: 0 2;
        color: $text-muted;
    }
    PatientsScreen #search-status.-error {
        color: $text-error;
    }
    PatientsScreen #patient-results {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    """

    @dataclass
    class ResultsShown(Message):
        """The results for ``text`` are in the table; the screen paints them next (tests wait
        for this; the bench also waits for the table's paint)."""

        text: str
        count: int

    def __init__(self) -> None:
        super().__init__()
        self._wanted = ""  # what the search box says now
        self._shown: str | None = None  # the text whose results the table holds
        self._inflight: str | None = None  # the text being searched by the worker
        self._rows: tuple[PatientOut, ...] = ()
        self._wide: bool | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="patient-search"):
            yield Input(
                placeholder="name (smith, jo) · date of birth MM/DD/YYYY · account · member ID",
                id="q",
            )
        yield Static("Type a name, a date of birth, an account or a member ID.", id="search-status")
        yield FastTable(id="patient-results")
        yield Footer()

    def on_mount(self) -> None:
        self._columns()
        self.query_one("#q", Input).focus()

    def _columns(self) -> None:
        wide = self.size.width >= WIDE
        if wide == self._wide:
            return
        self._wide = wide
        columns = [Column("Name", None, min_width=18), Column("Born", 10), Column("Account", 10),
                   Column("Sex", 3), Column("City", 16)]  # fmt: skip
        if wide:
            columns.append(Column("Phone", 14))
        table = self.query_one("#patient-results", FastTable)
        table.set_columns(columns)
        self._fill(self._rows)

    def on_resize(self) -> None:
        self._columns()

    # -- searching as you type --------------------------------------------------------------
    @on(Input.Changed, "#q")
    def _typed(self, event: Input.Changed) -> None:
        self._wanted = event.value.strip()
        self._kick()

    def _kick(self) -> None:
        """Search for the newest text, one search at a time.

        While a search runs, keystrokes only update ``_wanted``; when it finishes, the newest
        text is searched (the texts typed in between are never searched at all). A search takes
        about a millisecond even at 100,000 patients, so each keystroke is answered at once and a
        burst of typing never queues stale searches.
        """
        if self._inflight is not None:
            return
        text = self._wanted
        if text == self._shown:
            return
        if not text:
            self._show(SearchResult("", ()))
            return
        self._inflight = text
        self.load("search", run_search, text, SEARCH_LIMIT)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "search":
            return
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._inflight = None
            self._kick()

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "search":
            self._show(message.value)

    def on_failed(self, message: Failed) -> None:
        if message.what != "search":
            return
        message.prevent_default()
        self._shown = self._inflight  # do not retry the same text in a loop
        status = self.query_one("#search-status", Static)
        status.update(f"Search failed: {message.error}")
        status.add_class("-error")

    def _show(self, result: SearchResult) -> None:
        self._shown = result.text
        self._rows = result.patients
        self._fill(result.patients)
        status = self.query_one("#search-status", Static)
        status.remove_class("-error")
        count = len(result.patients)
        if not result.text:
            status.update("Type a name, a date of birth, an account or a member ID.")
        elif count == 0:
            status.update(
                f"No patient matches {result.text!r}. Check the spelling or the date; "
                "ctrl+n registers a new patient."
            )
        elif count >= SEARCH_LIMIT:
            status.update(f"The first {count} matches: type more to narrow.")
        else:
            status.update(f"{count} patient{'s' if count != 1 else ''} match {result.text!r}.")
        self.post_message(self.ResultsShown(result.text, count))

    def _fill(self, rows: Iterable[PatientOut]) -> None:
        wide = bool(self._wide)
        out = []
        for p in rows:
            middle = f" {p.middle_name[:1]}." if p.middle_name else ""
            cells = [f"{p.last_name}, {p.first_name}{middle}", fmt_date(p.date_of_birth),
                     p.account_number, p.sex, p.city]  # fmt: skip
            if wide:
                cells.append(fmt_phone(p.phone))
            out.append((str(p.id), cells))
        self.query_one("#patient-results", FastTable).set_rows(out)

    # -- moving and opening -----------------------------------------------------------------
    def action_focus_search(self) -> None:
        self.query_one("#q", Input).focus()

    def action_to_results(self) -> None:
        self.query_one("#patient-results", FastTable).focus()

    def action_cursor_down(self) -> None:
        self.query_one("#patient-results", FastTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#patient-results", FastTable).action_cursor_up()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        in_search = isinstance(self.focused, Input)
        if action == "to_results":
            return in_search
        if action == "focus_search":
            return not in_search
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    @on(Input.Submitted, "#q")
    def _submitted(self, event: Input.Submitted) -> None:
        table = self.query_one("#patient-results", FastTable)
        if self._shown == self._wanted and len(self._rows) == 1:
            self.open(self._rows[0].id)
        else:
            table.focus()

    def on_key(self, event) -> None:
        if event.key == "down" and isinstance(self.focused, Input):
            event.stop()
            self.action_to_results()

    @on(FastTable.RowSelected, "#patient-results")
    def _row_selected(self, event: FastTable.RowSelected) -> None:
        self.open(int(event.key))

    def open(self, patient_id: int) -> None:
        self.app.push_screen(PatientScreen(patient_id))

    # -- registering ------------------------------------------------------------------------
    def action_new_patient(self) -> None:
        prefill = _prefill_from_search(self._wanted) if not self._rows else {}
        self.app.push_screen(PatientForm(prefill=prefill), self._registered)

    def _registered(self, patient: PatientOut | None) -> None:
        if not patient:
            return
        self.notify(
            f"{patient.first_name} {patient.last_name} is registered as account "
            f"{patient.account_number}.",
            title="Patient registered",
        )
        self._shown = None  # the current search may now find them
        self._kick()
        self.open(patient.id)


# -- the record -----------------------------------------------------------------------------------


class PatientScreen(ServiceScreen):
    """One patient: demographics, guarantor, insurance in order, balances and the ledger."""

    HELP = """
## The patient's record

Check this before any visit is billed:

- **Top line**: name, account, date of birth. Is it the right person?
- **Address and phone**: statements go here. **Guarantor**: who pays
  the patient's part (a parent for a child).
- **Insurance**, in billing order: *Primary* is billed first, then
  *Secondary*, then *Tertiary*. Ended policies are dimmed at the bottom.
  The line under the table shows the highlighted policy's group,
  subscriber and cost sharing (copay, coinsurance, deductible).
- **Balances**: *Insurance* is what payers still owe; *Patient* is what
  the patient owes after insurance.
- **Ledger**: every charge, payment, adjustment and transfer, oldest
  first, with the running balance. *Who*: `Ins` insurance, `Pt` patient.

Keys: `e` check eligibility for the highlighted policy, `d` edit
demographics, `g` guarantor, `a` prior authorizations, `p` add a policy, `x` end the highlighted
policy, `r` reload, `tab` moves between the tables, `escape` goes back to
the search.

Next: open the **Visits** stage (F4) to record today's visit.
"""

    BINDINGS = [
        Binding("escape", "back", "Back", id="patient.back",
                tooltip="Back to the patient search."),
        Binding("e", "eligibility", "Eligibility", id="patient.eligibility",
                tooltip="Ask the payer whether the highlighted policy is active, and its benefits."),
        Binding("d", "edit", "Edit", id="patient.edit",
                tooltip="Edit name, date of birth, address and phone."),
        Binding("g", "guarantor", "Guarantor", id="patient.guarantor",
                tooltip="Who pays the patient's part of the bill."),
        Binding("a", "authorizations", "Auths", id="patient.authorizations",
                tooltip="Prior authorizations: approved, used, left"),  # fmt: skip
        Binding("p", "add_policy", "Add policy", id="patient.add_policy",
                tooltip="Add an insurance policy (primary, secondary or tertiary)."),
        Binding("x", "end_policy", "End policy", show=False, id="patient.end_policy",
                tooltip="Set the last day of coverage of the highlighted policy."),
        Binding("r", "reload", "Reload", show=False, id="patient.reload",
                tooltip="Read this record again."),
    ]  # fmt: skip

    DEFAULT_CSS = """
    PatientScreen #record-info {
        height: auto;
    }
    PatientScreen .section {
        height: 1;
        padding: 0 1;
        color: $accent;
        text-style: bold;
    }
    PatientScreen #policy-detail {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    PatientScreen DataTable {
        scrollbar-size-vertical: 1;
    }
    PatientScreen #ledger-empty {
        display: none;
        padding: 0 1;
        color: $text-muted;
    }
    PatientScreen #ledger-empty.-shown {
        display: block;
    }
    """

    def __init__(self, patient_id: int) -> None:
        super().__init__()
        self.patient_id = patient_id
        self.record: PatientRecord | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield PatientBanner("Opening the patient's record…", id="banner")
        with Horizontal(id="record-info"):
            yield DemographicsPanel("", id="demographics")
            yield BalancesPanel("", id="balances")
        yield Static("Insurance", classes="section")
        yield PoliciesTable(id="policies")
        yield Static("", id="policy-detail")
        yield Static("Account ledger", classes="section")
        yield Static("No charges or payments yet.", id="ledger-empty")
        yield LedgerTable(id="ledger")
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.load("record", load_record, self.patient_id)

    def show_patient(self, patient_id: int) -> None:
        """Show another patient on this screen (what other stages use to open a record)."""
        if patient_id == self.patient_id:
            self.action_reload()
            return
        self.patient_id = patient_id
        self.record = None
        self.query_one("#banner", PatientBanner).update("Opening the patient's record…")
        self.action_reload()

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "record":
            if message.value.detail.patient.id != self.patient_id:
                return  # a record asked for before show_patient() switched patients
            first = self.record is None
            self.record = message.value
            self._render_record()
            if first:
                table = self.query_one(
                    PoliciesTable if self.record.detail.policies else LedgerTable
                )
                table.focus()
        elif message.what == "eligibility":
            self._policy_detail()
            self.app.push_screen(BenefitsCard(message.value, self._title()))

    def on_failed(self, message: Failed) -> None:
        if message.what == "eligibility":
            self._policy_detail()  # the notification (ServiceScreen) says what went wrong
        if message.what == "record":
            message.prevent_default()
            self.query_one("#banner", PatientBanner).update(
                Text(f"Could not open this patient: {message.error}", style="bold red")
            )

    def on_resize(self) -> None:
        if self.record is not None:
            self._render_record()

    def _render_record(self) -> None:
        assert self.record is not None
        detail, day, wide = self.record.detail, self._today(), self.size.width >= WIDE
        self.query_one("#banner", PatientBanner).show(detail.patient, day)
        self.query_one("#demographics", DemographicsPanel).show(detail.patient, detail.guarantor)
        self.query_one("#balances", BalancesPanel).show(detail.balance)
        policies = self.query_one("#policies", PoliciesTable)
        row = policies.cursor_row
        policies.show(detail.policies, day, wide)
        if 0 < row < policies.row_count:
            policies.move_cursor(row=row)
        self._policy_detail()
        ledger_table = self.query_one("#ledger", LedgerTable)
        ledger_table.show(self.record.entries, wide)
        self.query_one("#ledger-empty").set_class(not self.record.entries, "-shown")

    def _policy_detail(self) -> None:
        policies = self.query_one("#policies", PoliciesTable)
        self.query_one("#policy-detail", Static).update(policy_details(policies.current))

    @on(DataTable.RowHighlighted, "#policies")
    def _policy_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._policy_detail()

    def _title(self) -> str:
        if self.record is None:
            return ""
        p = self.record.detail.patient
        return f"{p.last_name}, {p.first_name} ({p.account_number})"

    # -- actions ----------------------------------------------------------------------------
    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_edit(self) -> None:
        if self.record is not None:
            self.app.push_screen(PatientForm(patient=self.record.detail.patient), self._changed)

    def action_guarantor(self) -> None:
        if self.record is not None:
            d = self.record.detail
            self.app.push_screen(GuarantorForm(d.patient, d.guarantor), self._changed)

    def action_add_policy(self) -> None:
        if self.record is not None:
            self.app.push_screen(
                PolicyForm(self.record.detail, self.record.payers, self._today()), self._changed
            )

    def action_authorizations(self) -> None:
        from tui.screens.authorizations import AuthorizationsScreen

        if self.record is not None:
            self.app.push_screen(
                AuthorizationsScreen(self.record.detail.patient, self.record.payers)
            )

    def action_end_policy(self) -> None:
        policy = self.query_one("#policies", PoliciesTable).current
        if policy is None:
            self.notify("Highlight a policy in the insurance table first.", severity="warning")
            return
        self.app.push_screen(EndPolicyForm(policy), self._changed)

    def _changed(self, result: Any) -> None:
        if result:
            self.notify("Saved.", timeout=3)
            self.action_reload()

    # -- eligibility (the hook) -------------------------------------------------------------
    def action_eligibility(self) -> None:
        """Check eligibility and benefits (270/271) for the highlighted policy.

        HOOK: uses ``core.services.eligibility.check_eligibility(store, patient_id,
        service_date=None, rank=1)`` when that module exists; until then, says so.
        """
        try:
            service = importlib.import_module("core.services.eligibility")
            check = service.check_eligibility
        except (ImportError, AttributeError):
            self.notify("Eligibility checks arrive with the eligibility service.",
                        title="Eligibility", severity="information")  # fmt: skip
            return
        if self.record is None:
            return
        policy = self.query_one("#policies", PoliciesTable).current
        if policy is None:
            self.notify("This patient has no insurance on file to check.", severity="warning")
            return
        self.query_one("#policy-detail", Static).update(
            Text(f"Checking eligibility with {policy.payer_name}…", style="bold")
        )
        self.load("eligibility", check, self.patient_id, service_date=self._today(),
                  rank=policy.rank)  # fmt: skip

    def _today(self) -> dt.date:
        """The app's 'today' (fixed in tests and training), else the real date."""
        return getattr(self.app, "today", None) or dt.date.today()


# -- eligibility: the benefits card -----------------------------------------------------------


STATUS_WORDS = {
    "answered": "answered by the payer",
    "rejected": "rejected: the payer could not answer the question",
    "error": "not answered: the question was not sent or nothing came back",
    "sent": "sent, no answer yet",
}


def _when(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # the eligibility service stores naive UTC
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone().strftime("%m/%d/%Y %I:%M %p")
    if isinstance(value, dt.date):
        return fmt_date(value)
    return str(value) if value else None


def _cents_or_none(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _amounts(total: Any, met: Any, remaining: Any) -> str | None:
    """'$257.00: $157.00 met, $100.00 remaining' from whichever of the three the payer gave."""
    total, met, remaining = (_cents_or_none(v) for v in (total, met, remaining))
    if total is not None and remaining is not None and met is None:
        met = max(total - remaining, 0)
    if total is not None and met is not None and remaining is None:
        remaining = max(total - met, 0)
    parts = [f"{fmt_money(met)} met"] if met is not None else []
    if remaining is not None:
        parts.append(f"{fmt_money(remaining)} remaining")
    if total is None:
        return ", ".join(parts) or None
    return fmt_money(total) + (f": {', '.join(parts)}" if parts else "")


def benefits_text(result: Any) -> Text:
    """An eligibility result in plain words, whatever shape the DTO has (read with getattr)."""
    text = Text()
    get = lambda name: getattr(result, name, None)  # noqa: E731

    def line(label: str, value: str | Text | None, style: str = "") -> None:
        if value is None or value == "":
            return
        text.append(f"{label:<16}", style="bold")
        text.append(value if isinstance(value, Text) else Text(str(value), style=style))
        text.append("\n")

    active = get("coverage_active")
    if active is True:
        line("Coverage", Text("Active", style="bold green"))
    elif active is False:
        line("Coverage", Text("Not active", style="bold red"))
    else:
        line("Coverage", Text("Not known (the payer did not say)", style="bold yellow"))
    status = get("status")
    line("Answer", STATUS_WORDS.get(str(status), str(status)) if status else None)
    line("Problem", get("error"), "red")
    for rejection in get("rejections") or ():
        line("Rejected", rejection, "red")
    payer = " ".join(
        str(x)
        for x in (get("payer_name"), f"({get('payer_code')})" if get("payer_code") else None)
        if x
    )
    member = get("member_id")
    line("Payer", " · ".join(x for x in (payer, f"member {member}" if member else "") if x) or None)
    plan = get("plan") or get("plan_name")
    group = get("group_number")
    kind = get("insurance_type")
    line(
        "Plan",
        " · ".join(str(x) for x in (plan, f"group {group}" if group else None, kind) if x) or None,
    )
    begin, end = get("plan_begin"), get("plan_end")
    if begin or end:
        line("Plan dates", f"{_when(begin) or '…'} to {_when(end) or 'open'}")
    line("For visits on", _when(get("service_date")))
    copay = _cents_or_none(get("copay_cents"))
    line("Copay", fmt_money(copay) if copay is not None else None)
    pct = get("coinsurance_percent")
    line(
        "Coinsurance",
        f"{pct}% (the patient's share after the deductible)" if pct is not None else None,
    )
    line("Deductible", _amounts(get("deductible_cents"), get("deductible_met_cents"),
                                get("deductible_remaining_cents")))  # fmt: skip
    oop = _amounts(get("out_of_pocket_cents"), get("out_of_pocket_met_cents"),
                   get("out_of_pocket_remaining_cents"))  # fmt: skip
    line("Out-of-pocket", f"{oop} (then the plan pays in full)" if oop else None)
    checked = next((get(n) for n in ("answered_at", "requested_at", "checked_at") if get(n)), None)
    line("Checked", _when(checked))
    if get("check_id") is not None:
        control = f", control number {get('control_number')}" if get("control_number") else ""
        line("Check", f"#{get('check_id')}{control}")
    messages = get("messages") or ()
    if isinstance(messages, str):
        messages = (messages,)
    if messages:
        text.append("\nThe payer says\n", style="bold")
        for m in messages:
            text.append(f"  • {m}\n")
    sources = get("source_lines") or ()
    if isinstance(sources, str):
        sources = tuple(sources.splitlines())
    if sources:
        text.append("\nFrom the 271 answer\n", style="bold")
        for src in sources:
            text.append(f"  {src}\n", style="dim")
    text.rstrip()
    return text


class BenefitsCard(ModalScreen[None]):
    """The answer to an eligibility check, in plain words."""

    HELP = """
## Benefits card

What the payer answered when asked about this patient's coverage (a 270
question and the payer's 271 answer).

- **Active** means the policy covers visits on that date. **Not active**:
  do not bill this payer; ask the patient for their current card.
- **Copay** is collected at check-in. **Coinsurance** is the patient's
  percent of the allowed amount after the **deductible** is met.
- The lines at the bottom are the payer's own words, for when you call them.

`escape` closes the card.
"""

    BINDINGS = [
        Binding(
            "escape", "close", "Close", id="benefits.close", tooltip="Close the benefits card."
        ),
    ]

    DEFAULT_CSS = """
    BenefitsCard {
        align: center middle;
    }
    BenefitsCard > #card {
        width: 100%;
        max-width: 90;
        height: auto;
        max-height: 100%;
        border: round $accent;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    BenefitsCard #card-body {
        height: auto;
    }
    """

    def __init__(self, result: Any, who: str) -> None:
        super().__init__()
        self.result = result
        self.who = who

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card") as card:
            card.border_title = f"Benefits · {self.who}"
            card.border_subtitle = "escape closes"
            yield Static(benefits_text(self.result), id="card-body")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)


# -- other stages open a patient here ------------------------------------------------------------


def open_patient(app: Any, patient_id: int) -> None:
    """Switch to the Patients mode and show one patient's record (replacing any open record)."""
    app.switch_mode("patients")
    if isinstance(app.screen, PatientScreen):
        app.screen.show_patient(patient_id)
    else:
        app.push_screen(PatientScreen(patient_id))
