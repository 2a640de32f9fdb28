"""The Payments stage's patient payments tab: find a patient, take a payment (oldest visit
first, chosen claims, or a check-in copay), apply credit, refund it, void a payment taken outside
a batch."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Input, Static

from core.schemas import BalanceOut, BatchOut, PatientOut, PatientPaymentOut
from core.services import claims, encounters, ledger, patients, payments
from tui.format import clip, day, money
from tui.widgets.claim_panels import WIDE, ClaimTable, plural
from tui.widgets.payment_panels import (
    PaymentForm,
    PaymentIn,
    RefundForm,
    RefundIn,
    ServicePane,
    VoidPaymentForm,
    VoidPaymentIn,
    cell,
    claim_status,
    payment_label,
)

# -- what the workers do --------------------------------------------------------------------------


@dataclass(frozen=True)
class DueClaim:
    claim_id: int
    pcn: str
    date_of_service: dt.date
    payer_code: str
    status: str
    patient_owes_cents: int


@dataclass(frozen=True)
class Visit:
    encounter_id: int
    date_of_service: dt.date
    status: str


@dataclass(frozen=True)
class PatientAccount:
    patient: PatientOut
    balance: BalanceOut
    credit_cents: int
    due: tuple[DueClaim, ...]  # oldest visit first
    visits: tuple[Visit, ...]  # newest first
    batches: tuple[BatchOut, ...]  # open patient batches


def patient_account(store: Any, patient_id: int) -> PatientAccount:
    """The patient, what they owe per claim (oldest first), their credit, recent visits."""
    patient = patients.get_patient(store, patient_id).patient
    balance = ledger.account_balance(store, patient_id)
    owed: dict[int, int] = defaultdict(int)
    credit = 0
    for e in ledger.account_entries(store, patient_id):
        if e.responsibility != "patient":
            continue
        if e.claim_id is not None:
            owed[e.claim_id] += e.amount_cents
        elif e.kind in ("payment", "refund"):
            credit -= e.amount_cents
    ids = [cid for cid, cents in owed.items() if cents > 0]
    rows = claims.claim_rows(store, claim_ids=ids, limit=len(ids)) if ids else []
    due = sorted((DueClaim(r.id, r.patient_control_number, r.date_of_service, r.payer_code,
                           r.status, owed[r.id]) for r in rows),
                 key=lambda d: (d.date_of_service, d.claim_id))  # fmt: skip
    visits = tuple(Visit(e.id, e.date_of_service, e.status) for e in encounters.find_encounters(
        store, patient_text=patient.account_number, limit=6) if e.patient_id == patient_id)  # fmt: skip
    batches = tuple(b for b in payments.list_batches(store, status="open") if b.kind == "patient")
    return PatientAccount(patient, balance, max(credit, 0), tuple(due), visits, batches)


def search(store: Any, text: str) -> tuple[str, tuple[PatientOut, ...]]:
    return text, tuple(patients.search_patients(store, text, limit=50))


# -- patient payments -------------------------------------------------------------------------------


class PatientPane(ServicePane):
    """Find a patient; take a payment, apply their credit, refund it."""

    HELP = """
## Patient payments

Type a name (*smith, jo*), date of birth, account or member ID; `enter`
on a patient shows what they owe, claim by claim (oldest visit first),
and their **credit** (money they paid that is on no claim yet).

- `p` takes a payment (cash, check, card): on the oldest visits first,
  on the claims you marked with `space`, or as a copay for a visit.
- `a` applies their credit to what they owe (the marked claims, or the
  oldest first).
- `f` refunds credit they should get back.
- `v` voids a payment taken outside a batch (keyed wrong, a bounced
  check), with the reason; a batch payment is voided in its batch.
- `/` finds another patient.
"""

    BINDINGS = [
        Binding("p", "take_payment", "Payment", id="patient_pay.take",
                tooltip="Take a payment from this patient."),
        Binding("a", "apply_credit", "Apply credit", id="patient_pay.apply",
                tooltip="Put the patient's credit on what they owe."),
        Binding("f", "refund", "Refund", id="patient_pay.refund",
                tooltip="Give back the patient's unapplied credit."),
        Binding("v", "void_payment", "Void", id="patient_pay.void",
                tooltip="Void a payment taken outside a batch (keyed wrong, bounced)."),
        Binding("space", "mark", "Mark", show=False, id="patient_pay.mark",
                tooltip="Mark or unmark the claim to pay (or to apply credit to)."),
        Binding("slash", "find", "Find", id="patient_pay.find", tooltip="Find another patient."),
    ]  # fmt: skip

    CANCELLABLE = frozenset({"search", "account"})

    DEFAULT_CSS = """
    PatientPane #pp-search { margin: 0; padding: 0 1; }
    PatientPane #pp-results { height: 1fr; display: none; }
    PatientPane.-searching #pp-results { display: block; }
    PatientPane #pp-summary { height: auto; padding: 0 1; margin-top: 1; }
    PatientPane #pp-claims { height: 1fr; }
    PatientPane.-searching #pp-claims, PatientPane.-searching #pp-summary { display: none; }
    PatientPane #pp-hint { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.found: tuple[PatientOut, ...] = ()
        self.account: PatientAccount | None = None
        self.marked: set[int] = set()
        self._typed: dict[str, dict[str, Any]] = {}
        self._typed_void: tuple[dict | None, str | None] = (None, None)

    def compose(self) -> ComposeResult:
        yield Input(placeholder="find a patient: name, date of birth, account or member ID",
                    id="pp-search", compact=True)  # fmt: skip
        yield ClaimTable(id="pp-results")
        yield Static("", id="pp-summary")
        yield ClaimTable(id="pp-claims")
        yield Static("Find a patient to take a payment.", id="pp-hint")

    @property
    def claims_table(self) -> ClaimTable:
        return self.query_one("#pp-claims", ClaimTable)

    def on_mount(self) -> None:
        results = self.query_one("#pp-results", ClaimTable)
        for name, width in (("Patient", 26), ("Account", 9), ("Born", 10), ("City", 16)):
            results.add_column(name, width=width)
        wide = self.app.size.width >= WIDE
        for name, width in (("", 1), ("Claim", 14), ("DOS", 10), ("Payer", 6),
                            ("Status", 10 if wide else 9), ("Patient owes", 12)):  # fmt: skip
            self.claims_table.add_column(name, width=width)
        self.add_class("-searching")

    def focus_main(self) -> None:
        if self.account is None:
            self.query_one("#pp-search", Input).focus()
        else:
            self.claims_table.focus()

    def reload(self) -> None:
        if self.account is not None:
            self.load("account", patient_account, self.account.patient.id)

    # -- finding the patient ----------------------------------------------------------------
    @on(Input.Changed, "#pp-search")
    def _typed_search(self, event: Input.Changed) -> None:
        text = event.value.strip()
        self.add_class("-searching")
        if len(text) >= 2:
            self.load("search", search, text)
        else:
            self.found = ()
            self.query_one("#pp-results", ClaimTable).show((), ())

    @on(Input.Submitted, "#pp-search")
    def _search_done(self, event: Input.Submitted) -> None:
        if len(self.found) == 1:
            self._choose(self.found[0])
        elif self.found:
            self.query_one("#pp-results", ClaimTable).focus()

    @on(DataTable.RowSelected, "#pp-results")
    def _picked(self, event: DataTable.RowSelected) -> None:
        p = self.query_one("#pp-results", ClaimTable).current
        if p is not None:
            self._choose(p)

    def _choose(self, patient: PatientOut) -> None:
        if self.account is None or self.account.patient.id != patient.id:
            self.marked.clear()
        self.load("account", patient_account, patient.id)

    def action_find(self) -> None:
        box = self.query_one("#pp-search", Input)
        self.add_class("-searching")
        box.focus()

    # -- showing the account ----------------------------------------------------------------
    def loaded(self, what: str, value: Any) -> None:
        if what == "search":
            text, found = value
            if text != self.query_one("#pp-search", Input).value.strip():
                return
            self.found = found
            self.query_one("#pp-results", ClaimTable).show(found, (
                (clip(p.display_name, 26), p.account_number, day(p.date_of_birth), clip(p.city, 16))
                for p in found))  # fmt: skip
            self.query_one("#pp-hint", Static).update(
                f"{plural(len(found), 'patient')} found: enter chooses one." if found else
                "No patient found: try the last name, or the date of birth MM/DD/YYYY.")  # fmt: skip
        elif what == "account":
            self.account = value
            self.marked &= {d.claim_id for d in value.due}
            self.remove_class("-searching")
            self._show()
            self.claims_table.focus()
        elif what in ("payment", "apply", "refund", "void"):
            self._typed.pop(what, None)
            self._done(what, value)
            self.reload()
        elif what == "payments":
            self._void_form(value)

    def failed(self, what: str, error: str) -> None:
        if what in ("payment", "refund", "void") and what in self._typed:
            opener = {"payment": self.action_take_payment, "refund": self.action_refund,
                      "void": self.action_void_payment}[what]  # fmt: skip
            opener(self._typed.pop(what), error)
            return
        super().failed(what, error)

    def _show(self) -> None:
        a = self.account
        assert a is not None
        p = a.patient
        owes = sum(d.patient_owes_cents for d in a.due)
        summary = Text.assemble(
            (p.display_name, "bold"), f" ({p.account_number}) · born {day(p.date_of_birth)}\n",
            "Owes ", (money(owes), "bold yellow" if owes else "bold"),
            " · credit ", (money(a.credit_cents), "bold green" if a.credit_cents else "bold"),
            f" · with insurance {money(a.balance.insurance_cents)}",
        )  # fmt: skip
        self.query_one("#pp-summary", Static).update(summary)
        self._fill_claims()
        hint = ("p payment · a apply credit · f refund · v void · space marks · / another patient"
                if a.due or a.credit_cents else
                "Owes nothing. p takes a payment (kept as credit, or a copay for a visit).")  # fmt: skip
        self.query_one("#pp-hint", Static).update(hint)

    def _fill_claims(self) -> None:
        assert self.account is not None
        rows = []
        for d in self.account.due:
            mark = Text("●", style="bold green") if d.claim_id in self.marked else Text("")
            rows.append((mark, d.pcn, day(d.date_of_service), d.payer_code,
                         claim_status(d.status), cell(d.patient_owes_cents)))  # fmt: skip
        self.claims_table.show(self.account.due, rows)

    def action_mark(self) -> None:
        d = self.claims_table.current
        if d is None:
            return
        self.marked.symmetric_difference_update({d.claim_id})
        mark = Text("●", style="bold green") if d.claim_id in self.marked else Text("")
        self.claims_table.update_cell_at(Coordinate(self.claims_table.cursor_row, 0), mark)

    def _marked_ids(self) -> list[int]:
        assert self.account is not None
        return [d.claim_id for d in self.account.due if d.claim_id in self.marked]

    # -- actions ----------------------------------------------------------------------------
    def _need_patient(self) -> PatientAccount | None:
        if self.account is None:
            self.notify("Find the patient first (type the name, then enter).", timeout=4)
        return self.account

    def action_take_payment(self, typed: dict | None = None, error: str | None = None) -> None:
        a = self._need_patient()
        if a is None:
            return
        apply = [("oldest visits first", "oldest")]
        if self.marked:
            apply.append((f"the {plural(len(self.marked), 'marked claim')}", "marked"))
        apply += [(f"copay for the visit of {day(v.date_of_service)} ({v.status})",
                   f"copay:{v.encounter_id}") for v in a.visits]  # fmt: skip
        batches = [(f"batch {b.id} · {b.method} · {day(b.deposit_date)}", b.id) for b in a.batches]
        form = PaymentForm(f"Payment from {a.patient.display_name}", apply, batches,
                           self.app.today, typed=typed, error=error)  # type: ignore[attr-defined]  # fmt: skip

        def done(m: PaymentIn | None) -> None:
            if m is None:
                return
            self._typed["payment"] = form.typed_values
            target: Any = self._marked_ids() if m.apply_to == "marked" else m.apply_to
            self.load("payment", payments.take_patient_payment, a.patient.id, m.amount,
                      method=m.method, reference=m.reference, on=m.on, apply_to=target,
                      batch_id=m.batch_id)  # fmt: skip

        self.app.push_screen(form, done)

    def action_apply_credit(self) -> None:
        a = self._need_patient()
        if a is None:
            return
        if not a.credit_cents:
            self.notify(f"{a.patient.display_name} has no credit to apply.", timeout=4)
            return
        target: Any = self._marked_ids() or "oldest"
        self.load("apply", payments.apply_credit, a.patient.id, to=target)

    def action_refund(self, typed: dict | None = None, error: str | None = None) -> None:
        a = self._need_patient()
        if a is None:
            return
        form = RefundForm(f"Refund to {a.patient.display_name} · credit {money(a.credit_cents)}",
                          a.credit_cents, self.app.today, typed=typed, error=error)  # type: ignore[attr-defined]  # fmt: skip

        def done(m: RefundIn | None) -> None:
            if m is None:
                return
            self._typed["refund"] = form.typed_values
            self.load("refund", payments.refund_credit, a.patient.id, m.amount, method=m.method,
                      reference=m.reference, reason=m.reason, on=m.on)  # fmt: skip

        self.app.push_screen(form, done)

    def action_void_payment(self, typed: dict | None = None, error: str | None = None) -> None:
        a = self._need_patient()
        if a is not None:
            self._typed_void = (typed, error)
            self.load("payments", payments.patient_payments, a.patient.id)

    def _void_form(self, rows: list[Any]) -> None:
        a = self.account
        open_rows = [p for p in rows if not p.voided and p.batch_id is None]
        if a is None:
            return
        if not open_rows:
            self.notify("No payment taken outside a batch to void (a batch payment is voided in "
                        "its batch).", timeout=6)  # fmt: skip
            return
        typed, error = self._typed_void
        form = VoidPaymentForm(f"Void a payment of {a.patient.display_name}",
                               [(payment_label(p), p.txn) for p in open_rows],
                               typed=typed, error=error)  # fmt: skip

        def done(m: VoidPaymentIn | None) -> None:
            if m is None:
                return
            self._typed["void"] = form.typed_values
            self.load("void", payments.void_patient_payment, a.patient.id, m.txn,
                      reason=m.reason)  # fmt: skip

        self.app.push_screen(form, done)

    def _done(self, what: str, out: PatientPaymentOut) -> None:
        pcns = {d.claim_id: d.pcn for d in self.account.due} if self.account else {}
        to_claims = [f"{money(x.amount_cents)} to {pcns.get(x.claim_id, f'claim {x.claim_id}')}"
                     for x in out.applied if x.claim_id is not None]  # fmt: skip
        kept = sum(x.amount_cents for x in out.applied if x.claim_id is None)
        after = (f"Now owes {money(max(out.patient_balance_cents, 0))}; credit "
                 f"{money(out.credit_cents)}.")  # fmt: skip
        if what == "refund":
            text = f"Refunded {money(out.amount_cents)} by {out.method}. {after}"
        elif what == "void":
            how = f" {out.method}" if out.method else ""
            text = f"Voided the {money(out.amount_cents)}{how} payment. {after}"
        elif what == "apply":
            if out.txn is None:
                text = "Nothing to apply: no claim asks anything of the patient. " + after
            else:
                text = f"Credit applied: {'; '.join(to_claims)}. {after}"
        else:
            parts = to_claims + ([f"{money(kept)} kept as credit"] if kept else [])
            text = f"Payment {money(out.amount_cents)} by {out.method}: {'; '.join(parts)}. {after}"
        self.marked.clear()
        self.notify(text, title="Saved", timeout=10)
