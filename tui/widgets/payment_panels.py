"""Pieces shared by the Payments stage (ERAs, the unmatched queue, denials, batches, patient
payments): the words for 835 codes, money cells, a tab pane that runs core services in thread
workers, forms that hand back what was typed, and the inputs those forms use.

Nothing here calls a service on the UI thread: panes hand their work to ``ServicePane.load``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, ClassVar

import pydantic
from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Input, Select, Static

from core.services.remittance import RemitClaimOut
from tui.format import day, money
from tui.messages import Failed, Loaded
from tui.screens.base import ServiceWorkers
from tui.widgets.claim_panels import plural
from tui.widgets.forms import (
    DateInput,
    FieldInput,
    FormField,
    FormScreen,
    MoneyInput,
    TextInput,
    fmt_date,
    parse_money,
)

# -- words -----------------------------------------------------------------------------------------

# CLP02, the claim's status in an 835 (X12 code list; our own short words).
CLP_STATUS = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, sent on to the next payer",
    "20": "processed as secondary, sent on to the next payer",
    "21": "processed as tertiary, sent on to the next payer",
    "22": "reversal of an earlier payment",
    "23": "not our claim (the payer says)",
    "25": "priced only, not paid (predetermination)",
}
GROUP_WORDS = {
    "CO": "contractual: the practice writes it off, never billed to the patient",
    "PR": "patient responsibility: the patient owes it",
    "OA": "other adjustment",
    "PI": "payer-initiated reduction",
    "CR": "correction or reversal",
}
# PLB03-1, provider-level adjustments (the most common ones, in our words).
PLB_WORDS = {
    "L6": "interest the payer added",
    "WO": "overpayment taken back",
    "FB": "balance carried forward",
    "72": "authorized return",
    "CS": "adjustment",
    "J1": "not reimbursable",
    "IR": "IRS withholding",
    "LE": "levy",
    "50": "late filing reduction",
    "90": "early payment allowance",
    "WU": "recovery (unspecified)",
    "TL": "third party liability",
    "IS": "interim settlement",
    "RA": "retroactive adjustment",
    "BD": "bad debt adjustment",
    "E3": "withholding",
}
STATUS_STYLE = {"1": "green", "2": "green", "3": "green", "4": "bold red", "22": "magenta",
                "23": "yellow", "19": "green", "20": "green", "21": "green"}  # fmt: skip
CLAIM_STATUS_WORDS = {"partially_paid": "part paid"}


def clp_text(code: str) -> Text:
    return Text(CLP_STATUS.get(code, f"status {code}"), style=STATUS_STYLE.get(code, ""))


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) < 2 else text


def adjustment_text(group: str, reason: str, cents: int, words: str = "") -> Text:
    """'CO-45 $65.00 (charge above the fee schedule)', the group and CARC in bold."""
    out = Text.assemble((f"{group}-{reason}", "bold"), f" {money(cents)}")
    if words:
        out.append(f" ({lower_first(words)})", style="dim" if group == "CO" else "")
    return out


def plb_words(reason: str) -> str:
    return PLB_WORDS.get(reason, f"reason {reason}")


def claim_status(status: str | None) -> str:
    return "" if not status else CLAIM_STATUS_WORDS.get(status, status)


def cell(cents: int | None, style: str = "") -> Text:
    """A money cell, right-aligned."""
    return Text(money(cents), style=style, justify="right")


def days_text(days: int, expired_word: str = "closed") -> str:
    if days < 0:
        return f"{expired_word} {-days} day{'s' if days != -1 else ''} ago"
    return f"{days} day{'s' if days != 1 else ''} left"


# -- one claim of a remittance, as a paper EOB reads ---------------------------------------------


def _remarks(codes: str | None, words: dict[str, str]) -> str:
    found = (codes or "").split()
    return "; ".join(f"{c} {lower_first(words[c])}" if c in words else c for c in found)


def claim_card(c: RemitClaimOut, words: dict[str, str]) -> Text:
    """One claim of a remittance as a paper EOB reads: who, what the payer says, the money,
    each adjustment with its reason in words, then each line the same way."""
    head = Text.assemble((c.patient_control_number, "bold"))
    if c.patient_name:
        head.append(f" · {c.patient_name}")
    head.append(" · ")
    head.append_text(clp_text(c.status_code))
    head.append(f" ({c.status_code})", style="dim")
    money_line = Text("  " + (f"DOS {day(c.service_date)} · " if c.service_date else ""))
    money_line.append(f"billed {money(c.charge_cents)} · paid ")
    money_line.append(money(c.paid_cents), style="bold")
    money_line.append(f" · patient's part {money(c.patient_responsibility_cents)}")
    parts = [head, money_line]
    allowed = [ln.allowed_cents for ln in c.lines]
    more = []
    if allowed and all(a is not None for a in allowed):
        more.append(f"allowed {money(sum(a or 0 for a in allowed))}")
    if c.payer_claim_number:
        more.append(f"payer claim no. {c.payer_claim_number}")
    if more:
        parts.append(Text("  " + " · ".join(more), style="dim"))
    if c.claim_id is None:
        parts.append(Text(f"  Not matched to a claim of ours: {c.note or ''}", style="yellow"))
    for a in c.adjustments:
        parts.append(Text("  ") + adjustment_text(a.group_code, a.reason_code, a.amount_cents,
                                                  a.words))  # fmt: skip
    if c.remarks:
        parts.append(Text(f"  Remarks: {_remarks(c.remarks, words)}", style="italic"))
    for ln in c.lines:
        code = ln.code + (f" {ln.modifiers.replace(':', ' ')}" if ln.modifiers else "")
        line = Text.assemble("  ", (code, "bold"))
        if ln.service_date:
            line.append(f" · {day(ln.service_date)}")
        if ln.units and ln.units not in ("1", "1.0"):
            line.append(f" · {ln.units} units")
        line.append(f" · billed {money(ln.charge_cents)}")
        if ln.allowed_cents is not None:
            line.append(f" · allowed {money(ln.allowed_cents)}")
        line.append(f" · paid {money(ln.paid_cents)}")
        parts.append(line)
        for a in ln.adjustments:
            parts.append(Text("    ") + adjustment_text(a.group_code, a.reason_code,
                                                        a.amount_cents, a.words))  # fmt: skip
        if ln.remarks:
            parts.append(Text(f"    Remarks: {_remarks(ln.remarks, words)}", style="italic"))
        if ln.match_note:
            parts.append(Text(f"    Matched: {ln.match_note}", style="yellow"))
    return Text("\n").join(parts)


class ClaimCard(Static, can_focus=True):
    """One claim of a remittance; focusable so j/k move between claims and enter opens it."""

    DEFAULT_CSS = """
    ClaimCard { height: auto; padding: 0 1; margin-bottom: 1; border-left: blank; }
    ClaimCard:focus { background: $boost; border-left: thick $accent; }
    """

    def __init__(self, claim: RemitClaimOut, words: dict[str, str]) -> None:
        super().__init__(claim_card(claim, words))
        self.claim = claim


# -- a tab pane that runs services in threads ------------------------------------------------------


class ServicePane(ServiceWorkers, Vertical):
    """A tab's content (see :class:`~tui.screens.base.ServiceWorkers`): the answer to
    ``self.load(what, fn, *args)`` comes back to :meth:`loaded` (or :meth:`failed`, which
    notifies). Each pane has its own worker groups."""

    CANCELLABLE: ClassVar[frozenset[str]] = frozenset()

    DEFAULT_CSS = """
    ServicePane { height: 1fr; }
    """

    @property
    def width(self) -> int:
        """The pane's width (the app's while the pane is not laid out yet)."""
        return self.size.width or self.app.size.width

    def worker_group(self, kind: str) -> str:
        return f"db:{self.id}:{kind}"

    def on_loaded(self, message: Loaded) -> None:
        message.stop()
        self.loaded(message.what, message.value)

    def on_failed(self, message: Failed) -> None:
        message.stop()
        self.failed(message.what, message.error)

    def loaded(self, what: str, value: Any) -> None:  # pragma: no cover - overridden
        pass

    def failed(self, what: str, error: str) -> None:
        self.notify(error, title="Could not finish", severity="error", timeout=10)

    def reload(self) -> None:
        """Read the pane's list again (when its tab is shown, or after a change elsewhere)."""

    def focus_main(self) -> None:
        """Put the cursor where the pane's work starts (its table)."""


# -- forms that hand back their values ------------------------------------------------------------


class ValuesForm(FormScreen):
    """A modal form that checks what was typed (through ``MODEL``) and dismisses with the model;
    the caller runs the service. When the service refuses, the caller opens the form again with
    ``typed`` (what was typed, kept in ``self.typed_values`` on dismissal) and the refusal shown
    at the top: nothing typed is lost."""

    def __init__(self, title: str, *, typed: dict[str, Any] | None = None,
                 error: str | None = None) -> None:  # fmt: skip
        super().__init__()
        self.FORM_TITLE = title
        self._typed = dict(typed or {})
        self._error = error
        self.typed_values: dict[str, Any] = {}

    def on_mount(self) -> None:
        for name, value in self._typed.items():
            try:
                control = self.field(name).control
            except Exception:  # noqa: BLE001 - a field this form no longer has
                continue
            if isinstance(control, (Input, Select)):
                control.value = value
        if self._error:
            self.show_form_error(f"Not saved: {self._error}")
        super().on_mount()

    def typed(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, field in self.fields().items():
            control = field.control
            if isinstance(control, (Input, Select)):
                out[name] = control.value
        return out

    def submit(self, model: Any) -> None:
        self.typed_values = self.typed()
        self.dismiss(model)


# -- inputs ---------------------------------------------------------------------------------------

_ADJUSTMENT = re.compile(
    r"^\s*([A-Za-z]{2})\s*-?\s*([A-Za-z]?\d{1,3})\s*[ :=]\s*\$?\s*([0-9][0-9,]*(?:\.[0-9]{1,2})?)\s*$"
)


def parse_adjustment(text: str) -> tuple[str, str, int]:
    """'CO-45 65.00' (also 'co 45 $65', 'PR2 10') -> ('CO', '45', 6500)."""
    m = _ADJUSTMENT.match(text)
    if not m:
        raise ValueError(
            f"{text.strip()!r} is not an adjustment; type the group, the reason code and the "
            "amount as the EOB shows them, e.g. CO-45 65.00"
        )
    group, reason, amount = m.groups()
    group = group.upper()
    if group not in GROUP_WORDS:
        raise ValueError(f"{group} is not a group code; use CO, PR, OA, PI or CR")
    cents = parse_money(amount)
    if cents == 0:
        raise ValueError("an adjustment of $0.00 changes nothing; leave the field empty")
    return group, reason.upper(), cents


class AdjustmentInput(FieldInput):
    """One CAS line of an EOB: group, reason code and amount ('CO-45 65.00')."""

    PLACEHOLDER = "CO-45 65.00"
    RESTRICT = r"[A-Za-z0-9 \-$,.:=]*"
    MAX_LENGTH = 24

    def convert(self, text: str) -> tuple[str, str, int]:
        return parse_adjustment(text)


class CarcInput(FieldInput):
    """A claim adjustment reason code (CARC): 45, 50, 97, B7..."""

    PLACEHOLDER = "e.g. 45"
    RESTRICT = r"[A-Za-z0-9]*"
    MAX_LENGTH = 4

    def convert(self, text: str) -> str:
        code = text.strip().upper()
        if not re.fullmatch(r"[A-Z]?\d{1,3}", code):
            raise ValueError(f"{code!r} is not a reason code (CARC); CARCs are numbers like 45")
        return code


class WholeNumberInput(FieldInput):
    PLACEHOLDER = ""
    RESTRICT = r"[0-9]*"
    MAX_LENGTH = 3

    def convert(self, text: str) -> int:
        number = int(text.strip())
        if number < 1:
            raise ValueError("type a number from 1 up")
        return number


def field_select(choices: list[tuple[str, Any]], value: Any = None, **kw: Any) -> Select:
    """A compact Select; ``value`` None leaves it blank (the prompt shows)."""
    if value is None:
        return Select(choices, prompt=kw.pop("prompt", "choose"), compact=True, **kw)
    return Select(choices, value=value, allow_blank=False, compact=True, **kw)


# -- the batch and patient payment forms ----------------------------------------------------------

KIND_OPTIONS = [("insurance: a paper EOB's check or EFT", "insurance"),
                ("patient: front-desk payments", "patient")]  # fmt: skip
METHOD_OPTIONS = [("check", "check"), ("EFT", "eft"), ("cash", "cash"), ("card", "card")]
PATIENT_METHOD_OPTIONS = [("cash", "cash"), ("check", "check"), ("card", "card")]
DENIED_OPTIONS = [("no", False), ("yes: the payer denied it", True)]


class BatchIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    kind: str
    payer_id: int | None = None
    method: str
    reference: str | None = pydantic.Field(default=None, max_length=50)
    deposit_date: dt.date
    total: int = pydantic.Field(gt=0)
    note: str | None = pydantic.Field(default=None, max_length=200)

    @pydantic.model_validator(mode="after")
    def _payer(self) -> BatchIn:
        if self.kind == "insurance" and self.payer_id is None:
            raise ValueError("an insurance batch needs the payer whose EOB it is")
        return self


class BatchForm(ValuesForm):
    HELP = """
## A new payment batch

One batch is one deposit worked by hand:

- **insurance**: the check (or EFT) a paper EOB came with. Choose the
  payer, the method, the check or EFT trace number, the deposit date and
  the check's **total**. Then post each claim of the EOB in the batch.
- **patient**: a day's front-desk payments (cash, check or card); no
  payer; the reference is the deposit slip number, if any.

The batch closes only when what was posted equals the total, to the cent.
`ctrl+s` opens it; `escape` closes without saving.
"""
    MODEL = BatchIn
    FIELD_FOR_MODEL_ERROR = {"payer whose EOB": "payer_id"}

    def __init__(self, payers: tuple[Any, ...], today: dt.date, **kwargs: Any) -> None:
        super().__init__("New payment batch", **kwargs)
        self.payers = payers
        self.today = today

    def compose_fields(self) -> Iterable[Any]:
        yield FormField("kind", "Kind", field_select(KIND_OPTIONS, "insurance"), required=True,
                        width=40)  # fmt: skip
        payers = [(f"{p.payer_code}  {p.name}", p.id) for p in self.payers]
        yield FormField("payer_id", "Payer", field_select(payers, prompt="choose the payer"),
                        width=40, help="Whose EOB it is (insurance batches only).")  # fmt: skip
        yield FormField("method", "Method", field_select(METHOD_OPTIONS, "check"),
                        required=True, width=14)  # fmt: skip
        yield FormField("reference", "Check/EFT number", TextInput(max_length=50), width=24,
                        help="The check number or the EFT trace number (required for both).")  # fmt: skip
        yield FormField("deposit_date", "Deposit date", DateInput(fmt_date(self.today)),
                        required=True, width=12)  # fmt: skip
        yield FormField("total", "Total", MoneyInput(), required=True, width=14,
                        help="The check's or the deposit's total, to the cent.")  # fmt: skip
        yield FormField("note", "Note", TextInput(max_length=200))


class EobLineIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    claim: str = pydantic.Field(min_length=1, max_length=20)
    line_number: int | None = None
    paid: int = pydantic.Field(ge=0)
    adj1: tuple[str, str, int] | None = None
    adj2: tuple[str, str, int] | None = None
    adj3: tuple[str, str, int] | None = None
    adj4: tuple[str, str, int] | None = None
    denied: bool = False
    remarks: str | None = pydantic.Field(default=None, max_length=150)

    @property
    def adjustments(self) -> list[tuple[str, str, int]]:
        return [a for a in (self.adj1, self.adj2, self.adj3, self.adj4) if a is not None]


class EobLineForm(ValuesForm):
    HELP = """
## Post one EOB line

Copy what the paper EOB says about one claim (or one of its lines):

- **Claim**: our claim number as the EOB prints it (the patient control
  number, e.g. CD0000000123). **Line**: empty for the whole claim.
- **Paid**: what the payer paid (0.00 for a denial).
- **Adjustments**: up to four, each as group, reason code and amount, as
  the EOB shows them: `CO-45 65.00` (written off by contract), `PR-2
  20.00` (coinsurance, the patient owes it), `PR-1` deductible, `PR-3`
  copay. A denial reason (CO-50, CO-97...) is kept open for the denial
  queue, not written off.
- **Denied**: yes when the payer denied the claim (paid must be 0.00).

`ctrl+s` posts it; `escape` closes without posting.
"""
    MODEL = EobLineIn

    def compose_fields(self) -> Iterable[Any]:
        yield FormField("claim", "Claim", TextInput(max_length=20, placeholder="CD0000000123"),
                        required=True, width=22)  # fmt: skip
        yield FormField("line_number", "Line", WholeNumberInput(placeholder="all"), width=6,
                        help="The claim's line number; empty posts to the whole claim.")  # fmt: skip
        yield FormField("paid", "Paid", MoneyInput(), required=True, width=14)
        for n in range(1, 5):
            yield FormField(f"adj{n}", f"Adjustment {n}", AdjustmentInput(), width=24,
                            help="Group, reason code, amount: CO-45 65.00")  # fmt: skip
        yield FormField("denied", "Denied", field_select(DENIED_OPTIONS, False), width=28)
        yield FormField("remarks", "EOB remarks", TextInput(max_length=150),
                        help="Remark codes or words printed on the EOB (kept with the posting).")  # fmt: skip


class PaymentIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    amount: int = pydantic.Field(gt=0)
    method: str
    reference: str | None = pydantic.Field(default=None, max_length=50)
    on: dt.date | None = None
    apply_to: str = "oldest"
    batch_id: int | None = None


class PaymentForm(ValuesForm):
    HELP = """
## Take a payment from the patient

- **Amount** and **method** (cash, check or card). A check needs its
  number, a card its last 4 digits or the approval code (**Reference**).
- **Apply to**: *oldest visits first* (the usual choice), the claims you
  marked with `space`, or a **copay for a visit** not billed yet (kept
  for that visit's claim). What is left over stays as credit.
- **Batch**: the day's patient batch, if your office uses them.

`ctrl+s` takes it; `escape` closes without saving.
"""
    MODEL = PaymentIn

    def __init__(self, title: str, apply_options: list[tuple[str, str]],
                 batches: list[tuple[str, int]], today: dt.date, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(title, **kwargs)
        self.apply_options = apply_options
        self.batches = batches
        self.today = today

    def compose_fields(self) -> Iterable[Any]:
        yield FormField("amount", "Amount", MoneyInput(), required=True, width=14)
        yield FormField("method", "Method", field_select(PATIENT_METHOD_OPTIONS, "card"),
                        required=True, width=12)  # fmt: skip
        yield FormField("reference", "Reference", TextInput(max_length=50), width=24,
                        help="Check number, or the card's last 4 digits / approval code.")  # fmt: skip
        yield FormField("on", "Date", DateInput(fmt_date(self.today)), width=12)
        yield FormField("apply_to", "Apply to", field_select(self.apply_options, "oldest"),
                        required=True, width=40)  # fmt: skip
        if self.batches:
            yield FormField("batch_id", "Batch", field_select(self.batches, prompt="(none)"),
                            width=40)  # fmt: skip


class RefundIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    amount: int = pydantic.Field(gt=0)
    method: str
    reference: str | None = pydantic.Field(default=None, max_length=50)
    reason: str = pydantic.Field(min_length=1, max_length=150)
    on: dt.date | None = None


class RefundForm(ValuesForm):
    HELP = """
## Refund the patient's credit

Gives back money the patient paid that is on no claim (unapplied
credit), never more than that credit. Apply the credit to what they owe
first (`a`), refund only what is left.

- **Method**: how the money goes back; a check needs its number, a card
  refund its approval code (**Reference**).
- **Reason**: why (e.g. *overpaid copay*).

`ctrl+s` refunds; `escape` closes without saving.
"""
    MODEL = RefundIn

    def __init__(self, title: str, credit_cents: int, today: dt.date, **kwargs: Any) -> None:
        super().__init__(title, **kwargs)
        self.credit_cents = credit_cents
        self.today = today

    def compose_fields(self) -> Iterable[Any]:
        yield FormField("amount", "Amount", MoneyInput(money(self.credit_cents)), required=True,
                        width=14, help="At most the unapplied credit.")  # fmt: skip
        yield FormField("method", "Method", field_select(PATIENT_METHOD_OPTIONS, "check"),
                        required=True, width=12)  # fmt: skip
        yield FormField("reference", "Reference", TextInput(max_length=50), width=24)
        yield FormField("reason", "Reason", TextInput(max_length=150), required=True)
        yield FormField("on", "Date", DateInput(fmt_date(self.today)), width=12)


class VoidPaymentIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    txn: str = pydantic.Field(min_length=1)
    reason: str = pydantic.Field(min_length=5, max_length=200)


def payment_label(p: Any) -> str:
    """'10/02/2026 $80.00 card 4242: 2 claims, $5.00 credit' for a PatientPaymentRow."""
    where = [plural(len(p.claim_ids), "claim")] if p.claim_ids else []
    if p.credit_cents:
        where.append(f"{money(p.credit_cents)} credit")
    how = " ".join(x for x in (p.method, p.reference) if x)
    return (f"{day(p.entry_date)} {money(p.amount_cents)}{' ' + how if how else ''}: "
            f"{', '.join(where) or 'nothing applied'}")  # fmt: skip


class VoidPaymentForm(ValuesForm):
    HELP = """
## Void a patient payment

Takes back a payment taken outside a batch (keyed wrong, a check that
bounced, a card charge reversed): reversing entries, nothing is deleted,
and the claims owe again what the payment had paid. A payment in a
front-desk batch is voided in its batch (Batches tab), so the batch still
adds up. Part of a payment kept as credit can be voided only while that
credit is still there.

- **Payment**: which one (newest first).
- **Reason**: why, in a few words (kept in the audit trail).

`ctrl+s` voids; `escape` closes without changing anything.
"""
    MODEL = VoidPaymentIn

    def __init__(self, title: str, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(title, **kwargs)
        self.choices = choices

    def compose_fields(self) -> Iterable[Any]:
        yield FormField("txn", "Payment", field_select(self.choices, self.choices[0][1]),
                        required=True)  # fmt: skip
        yield FormField("reason", "Reason", TextInput(max_length=200), required=True,
                        help="Why it is voided (at least 5 characters).")  # fmt: skip
