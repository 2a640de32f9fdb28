"""A patient's prior authorizations: what the payer approved, what is used, what is left."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Select, Static

from core.schemas import PatientOut, PayerOut
from core.services import authorizations
from tui.bindings import identify
from tui.format import clip, day
from tui.messages import Loaded
from tui.screens.base import ServiceScreen
from tui.widgets.forms import DateInput, FormField, FormScreen, TextInput


class AuthorizationsScreen(ServiceScreen):
    HELP = """
## Prior authorizations

Some services (physical therapy, imaging, injections) need the payer's approval
before the visit. Each row is one approval: its number, the codes it covers,
how many visits or units were approved and used, and its dates.

- `n` records a new authorization from the payer's letter or portal.
- A visit on a covered date picks up the matching authorization by itself, and
  the claim carries its number.
- Rows in the Home queue **Authorizations running out** need a renewal
  request to the payer *before* the next visit.
- `escape` goes back to the patient.
"""

    BINDINGS = identify(
        "authorizations",
        [("n", "new", "New authorization"), ("r", "reload", "Reload"), ("escape", "back", "Back")],
    )
    CANCELLABLE = frozenset({"list"})
    DEFAULT_CSS = """
    AuthorizationsScreen #auths { height: 1fr; }
    """

    def __init__(self, patient: PatientOut, payers: Iterable[PayerOut]) -> None:
        super().__init__()
        self.patient = patient
        self.payers = tuple(payers)

    def compose(self) -> ComposeResult:
        yield Header()
        p = self.patient
        yield Static(f"Authorizations · {p.last_name}, {p.first_name} ({p.account_number})",
                     classes="title")  # fmt: skip
        yield DataTable(id="auths", cursor_type="row", zebra_stripes=True)
        yield Static("", id="auth-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Number", "State", "Left", "Used", "From", "To", "Payer", "Codes"):
            table.add_column(label)
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.load("list", authorizations.list_authorizations, patient_id=self.patient.id)

    def on_loaded(self, message: Loaded) -> None:
        if message.what != "list":
            return
        today = self.app.today  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        table.clear()
        rows = list(message.value)
        for a in rows:
            state = "expired" if a.end_date < today else (
                "not started" if a.start_date > today else ("used up" if a.units_left == 0 else "active")
            )  # fmt: skip
            table.add_row(a.number, state, str(a.units_left), f"{a.units_used}/{a.units_approved}",
                          day(a.start_date), day(a.end_date), clip(a.payer_name, 20),
                          " ".join(a.service_codes))  # fmt: skip
        self.query_one("#auth-empty", Static).update(
            "" if rows else "No authorizations on file. Press n to record one."
        )

    def action_new(self) -> None:
        def saved(result: Any) -> None:
            if result:
                self.notify(f"Authorization {result.number} saved.", timeout=3)
                self.action_reload()

        self.app.push_screen(AuthorizationForm(self.patient, self.payers), saved)

    def action_back(self) -> None:
        self.app.pop_screen()


class AuthorizationForm(FormScreen):
    """Record a prior authorization."""

    HELP = """
## Record a prior authorization

Copy it from the payer's approval: the **number**, the **codes** it covers
(separated by spaces, e.g. `97110 97140`), the **units or visits approved**,
any already **used**, and the **first and last day** it is valid.

`ctrl+s` saves; `escape` closes without saving. Problems show next to their field.
"""

    MODEL = authorizations.AuthorizationIn

    def __init__(self, patient: PatientOut, payers: Iterable[PayerOut]) -> None:
        super().__init__()
        self.patient = patient
        self.payers = tuple(payers)
        self.FORM_TITLE = f"New authorization · {patient.last_name}, {patient.first_name}"

    def compose_fields(self) -> Iterable[FormField]:
        options = [(clip(f"{p.name} ({p.payer_code})", 40), p.id) for p in self.payers]
        yield FormField("payer_id", "Payer", Select(options, prompt="choose the payer", compact=True),
                        required=True, help="The payer that approved the service.")  # fmt: skip
        yield FormField("number", "Number", TextInput(max_length=50), required=True)
        yield FormField("service_codes", "Codes", TextInput(max_length=200), required=True,
                        help="CPT/HCPCS codes it covers, separated by spaces.")  # fmt: skip
        yield FormField("units_approved", "Units approved", TextInput(max_length=4), required=True,
                        width=8)  # fmt: skip
        yield FormField("units_used", "Units used", TextInput("0", max_length=4), width=8)
        yield FormField("start_date", "First day", DateInput(), required=True, width=12)
        yield FormField("end_date", "Last day", DateInput(), required=True, width=12)
        yield FormField("note", "Note", TextInput(max_length=200))

    def extra_values(self) -> dict[str, Any]:
        return {"patient_id": self.patient.id}

    def submit(self, model: Any) -> None:
        self.load("save", authorizations.add_authorization, model)

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "save":
            self.dismiss(message.value)
