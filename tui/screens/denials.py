"""The denial queue: denied and underpaid claims, most valuable x most urgent first (the order
``denials.denial_queue`` returns), with why the payer said no, the days left to appeal or refile,
and the suggested action; four actions, each a small form that returns what was typed.

A refused action (the service's message) reopens its form with what was typed and the message
at the top: nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.errors import ValidationError
from core.schemas import ClaimOut, DenialItem
from core.services import denials, exchange
from tui.format import clip, day, money
from tui.widgets.claim_panels import WIDE, ClaimTable, plural
from tui.widgets.forms import FormField, MoneyInput, TextInput
from tui.widgets.payment_panels import (
    CarcInput,
    ServicePane,
    ValuesForm,
    cell,
    claim_status,
    days_text,
    lower_first,
)

URGENT_DAYS = 14

# -- what the workers do --------------------------------------------------------------------------


@dataclass(frozen=True)
class Appealed:
    claim: ClaimOut
    path: Path
    enclosures: tuple[str, ...]


def appeal_and_save(store: Any, claim_id: int, *, reason_text: str, contact_name: str | None,
                    today: dt.date, expected_version: int | None = None) -> Appealed:  # fmt: skip
    """Mark the claim appealed and save its letter (PDF) in the exchange folder's ``letters``."""
    out = denials.appeal(store, claim_id, reason_text=reason_text, contact_name=contact_name,
                         today=today, expected_version=expected_version)  # fmt: skip
    folder = exchange.exchange_root(store) / "letters"
    path = folder / out.filename
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(out.pdf)
    except OSError as exc:
        raise ValidationError(
            f"the claim is marked appealed, but the letter could not be saved in {folder} "
            f"({exc.strerror or exc}); print it again from the claim once the folder is fixed"
        ) from None
    return Appealed(out.claim, path, out.enclosures)


# -- the cells --------------------------------------------------------------------------------------


def nearest_deadline(item: DenialItem) -> tuple[int, str] | None:
    """(days, 'appeal' | 'refile') of the nearest deadline still open; None when both passed."""
    open_ = [(d, w) for d, w in ((item.appeal_days_left, "appeal"),
                                 (item.refile_days_left, "refile")) if d >= 0]  # fmt: skip
    return min(open_) if open_ and not item.expired else None


def days_cell(item: DenialItem) -> Text:
    nearest = nearest_deadline(item)
    if nearest is None:
        return Text("✗ expired", style="red strike")
    days, what = nearest
    return Text(f"{days}d {what}", style="bold red" if days <= URGENT_DAYS else "")


def reason_words(item: DenialItem, width: int) -> Text:
    if not item.reasons:
        return Text("no reason on file", style="dim")
    r = item.reasons[0]
    text = Text.assemble((f"{r.group_code}-{r.reason_code}" if r.group_code else r.reason_code,
                          "bold"), f" {lower_first(r.description)}")  # fmt: skip
    if len(item.reasons) > 1:
        text.append(f" +{len(item.reasons) - 1}", style="dim")
    text.truncate(width, overflow="ellipsis")
    return text


def deadline_line(item: DenialItem) -> Text:
    def part(word: str, when: dt.date, days: int) -> Text:
        style = "bold red" if 0 <= days <= URGENT_DAYS else ("dim" if days < 0 else "")
        return Text(f"{word} by {day(when)} ({days_text(days)})", style=style)

    line = Text.assemble(part("Appeal", item.appeal_deadline, item.appeal_days_left), " · ",
                         part("refile", item.refile_deadline, item.refile_days_left))  # fmt: skip
    if item.expired:
        line.append(" · both deadlines have passed", style="bold red")
    return line


def detail_text(item: DenialItem, width: int) -> Text:
    head = Text.assemble((item.patient_control_number, "bold"),
                         f" · {item.patient_name} ({item.account_number}) · {item.payer_code} "
                         f"{item.payer_name} · DOS {day(item.date_of_service)} · ",
                         (claim_status(item.status), "bold"))  # fmt: skip
    head.truncate(width, overflow="ellipsis")
    stake = Text.assemble(("At stake ", "bold"), (money(item.at_stake_cents), "bold"),
                          f": billed {money(item.charge_cents)}, paid {money(item.paid_cents)}, "
                          f"open with the payer {money(item.balance_cents)}")  # fmt: skip
    if item.written_off_denied_cents:
        stake.append(f", written off by the payer {money(item.written_off_denied_cents)}")
    parts = [head, stake]
    if item.reasons:
        reasons = Text.assemble(("Why: ", "bold"))
        for n, r in enumerate(item.reasons):
            if n:
                reasons.append("; ")
            code = f"{r.group_code}-{r.reason_code}" if r.group_code else r.reason_code
            reasons.append(code, style="bold")
            reasons.append(f" {money(r.amount_cents)} ({lower_first(r.description)})")
        parts.append(reasons)
    else:
        parts.append(Text("Why: no reason on file (check the remittance or call the payer).",
                          style="dim"))  # fmt: skip
    if item.remarks:
        parts.append(Text.assemble(("Remarks: ", "bold"), "; ".join(
            f"{r.code} {lower_first(r.description)}" for r in item.remarks)))  # fmt: skip
    parts.append(deadline_line(item))
    parts.append(Text.assemble(("Suggested: ", "bold green"), item.suggestion))
    return Text("\n").join(parts)


# -- the forms --------------------------------------------------------------------------------------


class CorrectIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    note: str = pydantic.Field(min_length=1, max_length=500)


class AppealIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    reason_text: str = pydantic.Field(min_length=1, max_length=1500)
    contact_name: str | None = pydantic.Field(default=None, max_length=80)


class WriteOffIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    reason_code: str = pydantic.Field(min_length=1, max_length=4)
    note: str = pydantic.Field(min_length=1, max_length=500)
    amount: int | None = pydantic.Field(default=None, gt=0)


class TransferIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    note: str = pydantic.Field(min_length=1, max_length=500)
    amount: int | None = pydantic.Field(default=None, gt=0)
    reason_code: str = pydantic.Field(default="2", min_length=1, max_length=4)
    override_reason: str | None = pydantic.Field(default=None, max_length=300)
    needs_override: bool = False

    @pydantic.model_validator(mode="after")
    def _override(self) -> TransferIn:
        if self.needs_override and not (self.override_reason or "").strip():
            raise ValueError("a CO denial is billed to the patient only with their signed "
                             "agreement: write it as the override reason")  # fmt: skip
        return self


class DenialForm(ValuesForm):
    """A denial action's form: the claim's facts on top, then the fields."""

    ACTION = ""

    def __init__(self, item: DenialItem, *, typed: dict[str, Any] | None = None,
                 error: str | None = None) -> None:  # fmt: skip
        super().__init__(f"{self.ACTION} · {item.patient_control_number} · "
                         f"{money(item.at_stake_cents)} at stake", typed=typed, error=error)  # fmt: skip
        self.item = item

    def facts(self) -> Static:
        r = self.item.reasons[0] if self.item.reasons else None
        why = (
            f"{r.group_code}-{r.reason_code} {lower_first(r.description)}"
            if r
            else "no reason on file"
        )
        return Static(f"{self.item.patient_name} · {self.item.payer_name} · why: {why}",
                      classes="form-info")  # fmt: skip


class CorrectForm(DenialForm):
    ACTION = "Correct & resubmit"
    HELP = """
## Correct and resubmit

Builds a **corrected claim** (frequency 7, quoting the payer's claim
number) from the visit's *current* coding and insurance, and moves the
open balance onto it. Fix the cause first: the coding (F5), the
patient's insurance (F3), the visit (F4). The new claim is checked and
waits in the Claims queue (ready to send, or in edits).

**What was corrected** goes on both claims' history: say what you changed
(e.g. *added modifier 25; diagnosis E11.9 was missing*).

`ctrl+s` builds it; `escape` closes without changing anything.
"""
    MODEL = CorrectIn

    def compose_fields(self) -> Iterable[Any]:
        yield self.facts()
        yield FormField("note", "What was corrected", TextInput(max_length=500), required=True,
                        help="What you changed, so the next person knows.")  # fmt: skip


class AppealForm(DenialForm):
    ACTION = "Appeal"
    HELP = """
## Appeal

Writes the **appeal letter** (a PDF, saved in the exchange folder's
`letters`) with the claim's facts, the payer's reasons and what to
enclose, and marks the claim *appealed*. Print it, sign it, add the
enclosures and send it before the appeal deadline.

- **Why it should be paid**: your argument in plain sentences (e.g. *the
  visit note documents the medical necessity; records enclosed*).
- **Signed by**: the name on the letter (empty: your user's name).

`ctrl+s` writes the letter; `escape` closes without changing anything.
"""
    MODEL = AppealIn

    def compose_fields(self) -> Iterable[Any]:
        yield self.facts()
        yield FormField("reason_text", "Why it should be paid", TextInput(max_length=1500),
                        required=True, help="Your argument, in plain sentences.")  # fmt: skip
        yield FormField("contact_name", "Signed by", TextInput(max_length=80),
                        help="The name on the letter; empty: your user's full name.")  # fmt: skip


class WriteOffForm(DenialForm):
    ACTION = "Write off"
    HELP = """
## Write off

Takes the open balance off the insurance side (group CO, with the reason
code you give) and closes the claim when nothing is left. Use it when the
denial is right and cannot be billed to anyone: bundled (97), a
duplicate (18), timely filing missed (29)...

- **Reason code**: the CARC that explains it (usually the payer's).
- **Amount**: empty writes off the whole open balance; or type less.
- **Note**: why, for the audit trail.

`ctrl+s` writes it off; `escape` closes without changing anything.
"""
    MODEL = WriteOffIn

    def compose_fields(self) -> Iterable[Any]:
        code = self.item.reasons[0].reason_code if self.item.reasons else ""
        yield self.facts()
        yield FormField("reason_code", "Reason code", CarcInput(code), required=True, width=8,
                        help="The claim adjustment reason code (CARC), e.g. 97 bundled.")  # fmt: skip
        yield FormField("note", "Why", TextInput(max_length=500), required=True,
                        help="Why it is written off (kept with the claim and the audit log).")  # fmt: skip
        yield FormField("amount", "Amount", MoneyInput(placeholder=money(self.item.balance_cents)),
                        width=14, help="Empty: the whole open balance.")  # fmt: skip


class TransferForm(DenialForm):
    ACTION = "Transfer to patient"
    HELP = """
## Transfer to the patient

Moves the open balance (or the amount you type) to the patient (group PR)
so it goes on their statement, and closes the claim when nothing is left
with the payer.

A **CO** denial is contractual: the practice may **not** bill the patient,
unless the patient signed an agreement to pay (an ABN or waiver). Then
write that as the **override reason**; otherwise appeal or write it off.

- **Reason code**: 1 deductible, 2 coinsurance, 3 copay (or another PR
  reason).

`ctrl+s` moves it; `escape` closes without changing anything.
"""
    MODEL = TransferIn
    FIELD_FOR_MODEL_ERROR = {"override reason": "override_reason"}

    @property
    def co_reasons(self) -> list[str]:
        return [f"CO-{r.reason_code}" for r in self.item.reasons if r.group_code == "CO"]

    def compose_fields(self) -> Iterable[Any]:
        yield self.facts()
        if self.co_reasons:
            yield Static(f"The payer's reason is {', '.join(self.co_reasons)} (contractual): the "
                         "patient may be billed only with their signed agreement; say so in "
                         "Override reason.", classes="form-note")  # fmt: skip
        yield FormField("note", "Why they owe it", TextInput(max_length=500), required=True)
        yield FormField("reason_code", "Reason code", CarcInput("2"), required=True, width=8,
                        help="1 deductible, 2 coinsurance, 3 copay.")  # fmt: skip
        yield FormField("amount", "Amount", MoneyInput(placeholder=money(self.item.at_stake_cents)),
                        width=14, help="Empty: everything still open with the payer.")  # fmt: skip
        yield FormField("override_reason", "Override reason", TextInput(max_length=300),
                        required=bool(self.co_reasons),
                        help="Only for a CO denial: the patient's signed agreement to pay.")  # fmt: skip

    def extra_values(self) -> dict[str, Any]:
        return {"needs_override": bool(self.co_reasons)}


FORMS: dict[str, type[DenialForm]] = {
    "correct": CorrectForm, "appeal": AppealForm, "write_off": WriteOffForm,
    "transfer": TransferForm,
}  # fmt: skip


# -- the queue --------------------------------------------------------------------------------------


class DenialPane(ServicePane):
    """Denied and underpaid claims, worked one at a time."""

    HELP = """
## Denials

Every **denied** or **underpaid** (part paid) claim, most money at stake
times most urgent first. *At stake* is what an appeal could still win.
*Days* is the nearest deadline still open (to appeal, or to send a
corrected claim): **red** at 14 days or less, ✗ when both have passed.
The panel below says why the payer said no, in words, and what to do.

- `c` **correct & resubmit**: fix the cause (coding, insurance), then a
  corrected claim (frequency 7) replaces this one.
- `a` **appeal**: writes the appeal letter (PDF) and marks it appealed.
- `w` **write off**: the denial is right and no one can be billed.
- `t` **transfer to patient**: the patient owes it (never for a CO
  denial without the patient's signed agreement).

`enter` opens the claim (its history and payments); `r` reloads.
"""

    BINDINGS = [
        Binding("c", "act('correct')", "Correct", id="denials.correct",
                tooltip="Correct and resubmit: a corrected claim replaces this one."),
        Binding("a", "act('appeal')", "Appeal", id="denials.appeal",
                tooltip="Write the appeal letter (PDF) and mark the claim appealed."),
        Binding("w", "act('write_off')", "Write off", id="denials.write_off",
                tooltip="Write off the open balance with a reason code."),
        Binding("t", "act('transfer')", "To patient", id="denials.transfer",
                tooltip="Move the open balance to the patient (PR)."),
        Binding("r", "reload", "Reload", show=False, id="denials.reload",
                tooltip="Read the denial queue again."),
        Binding("j", "cursor_down", "Down", show=False, id="denials.down", tooltip="Next claim."),
        Binding("k", "cursor_up", "Up", show=False, id="denials.up", tooltip="Previous claim."),
    ]  # fmt: skip

    CANCELLABLE = frozenset({"queue"})

    DEFAULT_CSS = """
    DenialPane #denials { height: 1fr; }
    DenialPane #denial-detail { height: auto; max-height: 9; padding: 0 1;
        border-top: solid $panel; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items: list[DenialItem] = []
        self.loaded_once = False
        self._layout: tuple[bool, int] | None = None
        self._retry: dict[str, tuple[int, dict[str, Any]]] = {}

    def compose(self) -> ComposeResult:
        yield Static("Denials", id="denials-title", classes="title")
        yield ClaimTable(id="denials")
        yield Static("", id="denial-detail")

    @property
    def table(self) -> ClaimTable:
        return self.query_one("#denials", ClaimTable)

    def on_mount(self) -> None:
        self._columns()

    def on_resize(self) -> None:
        self._columns()

    def _columns(self) -> None:
        width = self.width
        wide = width >= WIDE
        fixed = [14, 18, 6, 10, 26, 11] if wide else [12, 14, 10, 11]
        rest = max(14, width - sum(fixed) - 2 * (len(fixed) + 1) - 3)
        if self._layout == (wide, rest):
            return
        self._layout = (wide, rest)
        names = (["Claim", "Patient", "Payer", "At stake", "Why", "Days", "Suggested"] if wide
                 else ["Claim", "Patient", "At stake", "Days", "Why"])  # fmt: skip
        widths = [*fixed, rest] if wide else [*fixed[:3], fixed[3], rest]
        table = self.table
        table.clear(columns=True)
        for name, w in zip(names, widths, strict=True):
            table.add_column(name, width=w)
        self._fill()

    def _cells(self, item: DenialItem) -> list[Any]:
        assert self._layout is not None
        wide, rest = self._layout
        pcn = item.patient_control_number
        if wide:
            suggestion = Text(item.suggestion, style="dim")
            suggestion.truncate(rest, overflow="ellipsis")
            return [pcn, clip(item.patient_name, 18), item.payer_code,
                    cell(item.at_stake_cents), reason_words(item, 26), days_cell(item),
                    suggestion]  # fmt: skip
        return [clip(pcn, 12), clip(item.patient_name, 14), cell(item.at_stake_cents),
                days_cell(item), reason_words(item, rest)]  # fmt: skip

    def _fill(self) -> None:
        if self._layout is None:
            return
        self.table.show(self.items, (self._cells(i) for i in self.items))
        stake = sum(i.at_stake_cents for i in self.items)
        urgent = sum(1 for i in self.items if (n := nearest_deadline(i)) and n[0] <= URGENT_DAYS)
        self.query_one("#denials-title", Static).update(
            f"Denials — {plural(len(self.items), 'claim')}, {money(stake)} at stake"
            + (f" · {urgent} due within {URGENT_DAYS} days" if urgent else "")
        )
        self._detail()

    def _detail(self) -> None:
        box = self.query_one("#denial-detail", Static)
        item = self.table.current
        if item is None:
            box.update("No denied or underpaid claims: nothing to work." if self.loaded_once
                       else "")  # fmt: skip
            return
        box.update(detail_text(item, max(self.width - 4, 30)))

    @on(DataTable.RowHighlighted, "#denials")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail()

    @on(DataTable.RowSelected, "#denials")
    def _selected(self, event: DataTable.RowSelected) -> None:
        from tui.screens.claims import ClaimScreen

        item = self.table.current
        if item is not None:
            self.app.push_screen(ClaimScreen(item.claim_id))

    def reload(self) -> None:
        self.load("queue", denials.denial_queue, today=self.app.today)  # type: ignore[attr-defined]

    def focus_main(self) -> None:
        self.table.focus()

    # -- actions ----------------------------------------------------------------------------
    def action_act(self, kind: str, claim_id: int | None = None,
                   typed: dict[str, Any] | None = None, error: str | None = None) -> None:  # fmt: skip
        item = self._item(claim_id) if claim_id is not None else self.table.current
        if item is None:
            self.notify("No claim to work: the denial queue is empty." if not self.items else
                        "That claim has left the denial queue.", timeout=4)  # fmt: skip
            return
        form = FORMS[kind](item, typed=typed, error=error)

        def done(model: Any) -> None:
            if model is not None:
                fresh = self._item(item.claim_id) or item  # reloaded while the form was open
                self._retry[kind] = (item.claim_id, form.typed_values)
                self._run(kind, fresh, model)

        self.app.push_screen(form, done)

    def _item(self, claim_id: int) -> DenialItem | None:
        return next((i for i in self.items if i.claim_id == claim_id), None)

    def _run(self, kind: str, item: DenialItem, m: Any) -> None:
        today = self.app.today  # type: ignore[attr-defined]
        common = dict(today=today, expected_version=item.version)
        if kind == "correct":
            self.load(kind, denials.correct_and_resubmit, item.claim_id, note=m.note, **common)
        elif kind == "appeal":
            self.load(kind, appeal_and_save, item.claim_id, reason_text=m.reason_text,
                      contact_name=m.contact_name, **common)  # fmt: skip
        elif kind == "write_off":
            self.load(kind, denials.write_off, item.claim_id, reason_code=m.reason_code,
                      note=m.note, amount=m.amount, **common)  # fmt: skip
        else:
            self.load(kind, denials.transfer_to_patient, item.claim_id, note=m.note,
                      amount=m.amount, reason_code=m.reason_code,
                      override_reason=m.override_reason, **common)  # fmt: skip
        self._working = item

    def loaded(self, what: str, value: Any) -> None:
        if what == "queue":
            self.items = list(value)
            self.loaded_once = True
            self._fill()
            return
        self._retry.pop(what, None)
        item: DenialItem = self._working
        if what == "appeal":
            done: Appealed = value
            self.notify(f"Claim {item.patient_control_number} is appealed. Letter saved as "
                        f"{done.path}: print it, sign it and send it with "
                        f"{plural(len(done.enclosures), 'enclosure')}.", title="Appeal letter",
                        timeout=15)  # fmt: skip
        elif what == "correct":
            c: ClaimOut = value
            self.notify(f"Corrected claim {c.patient_control_number} (frequency 7) replaces "
                        f"{item.patient_control_number}; it is {claim_status(c.status)}: "
                        "send it from the Claims screen (F6).", title="Corrected claim",
                        timeout=12)  # fmt: skip
        else:
            c = value
            did = "written off" if what == "write_off" else "moved to the patient"
            self.notify(f"Claim {c.patient_control_number}: balance {did}; the claim is now "
                        f"{claim_status(c.status)}.", title="Done", timeout=10)  # fmt: skip
        self.reload()

    def failed(self, what: str, error: str) -> None:
        if what in self._retry:
            claim_id, typed = self._retry.pop(what)
            self.reload()
            if self._item(claim_id) is None:
                self.notify(error, title="Not done", severity="error", timeout=12)
                return
            self.action_act(what, claim_id, typed, error)
            return
        super().failed(what, error)

    def action_reload(self) -> None:
        self.reload()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()
