"""Money posted by hand: payment batches (a paper EOB's check or EFT, or a day's front-desk
payments) with their EOB lines; reopening a closed batch. Patient payments are in
:mod:`tui.screens.patient_payments`.

Every read and write is a core service (``core.services.payments``) run in a thread worker.
A refused posting reopens its form with what was typed and the service's message on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from core.schemas import BatchOut
from core.services import claims, patients, payments, practice
from tui.format import clip, day, money
from tui.messages import Failed, Loaded
from tui.screens.base import ServiceScreen
from tui.widgets.claim_panels import WIDE, ClaimTable, ConfirmScreen, OverrideForm
from tui.widgets.payment_panels import (
    BatchForm,
    BatchIn,
    EobLineForm,
    EobLineIn,
    ServicePane,
    cell,
)

# -- what the workers do --------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchRecord:
    batch: BatchOut
    pcns: dict[int, str]  # claim id -> control number
    names: dict[int, str]  # patient id -> name


def load_batch(store: Any, batch_id: int) -> BatchRecord:
    batch = payments.batch_status(store, batch_id)
    ids = sorted({cid for e in batch.entries for cid in e.claim_ids})
    rows = claims.claim_rows(store, claim_ids=ids, limit=len(ids)) if ids else []
    names = {r.patient_id: r.patient_name for r in rows}
    for e in batch.entries:
        if e.patient_id not in names:
            p = patients.get_patient(store, e.patient_id).patient
            names[e.patient_id] = p.display_name
    return BatchRecord(batch, {r.id: r.patient_control_number for r in rows}, names)


def post_line(store: Any, batch_id: int, line: EobLineIn) -> BatchOut:
    """Find the claim by its control number, then post the EOB line to it."""
    claim = claims.find_claim(store, line.claim.strip().upper()).claim
    return payments.post_eob_line(store, batch_id, claim.id, line_number=line.line_number,
                                  paid=line.paid, adjustments=line.adjustments,
                                  denied=line.denied, remarks=line.remarks or "")  # fmt: skip


def open_batch(store: Any, b: BatchIn) -> BatchOut:
    return payments.open_batch(store, kind=b.kind, payer_id=b.payer_id if b.kind == "insurance"
                               else None, method=b.method, reference=b.reference,
                               deposit_date=b.deposit_date, total=b.total, note=b.note)  # fmt: skip


def load_payers(store: Any) -> tuple[Any, ...]:
    return tuple(practice.list_payers(store))


# -- the batch list ---------------------------------------------------------------------------------


def batch_who(b: BatchOut) -> str:
    return b.payer_name or ("front desk" if b.kind == "patient" else "")


def remaining_text(b: BatchOut) -> Text:
    if b.status == "closed":
        return Text("closed", style="dim")
    if b.remaining_cents == 0:
        return Text("balanced", style="bold green")
    word = "short" if b.remaining_cents > 0 else "over"
    return Text(f"{money(abs(b.remaining_cents))} {word}", style="yellow", justify="right")


class BatchPane(ServicePane):
    """Payment batches, open ones first; open one to post its EOB lines."""

    HELP = """
## Payment batches (paper EOBs, front-desk deposits)

A batch is one deposit worked by hand: the check or EFT a **paper EOB**
came with, or a day's **front-desk payments**. Open batches come first.
*Left* is what still has to be posted before the batch adds up.

- `n` opens a new batch (payer, method, check/EFT number, date, total).
- `enter` opens a batch: post its EOB lines (`e`), void a posting (`v`).
- `x` closes the highlighted batch; it is refused, with the difference,
  until what was posted equals the total to the cent.
- `o` reopens a closed batch (say why), to void or add a posting; it
  closes again only when it balances.
"""

    BINDINGS = [
        Binding("n", "new_batch", "New batch", id="batches.new",
                tooltip="Open a batch for a paper EOB's check/EFT or a day's deposit."),
        Binding("x", "close_batch", "Close", id="batches.close",
                tooltip="Close the highlighted batch (only when it balances)."),
        Binding("o", "reopen_batch", "Reopen", id="batches.reopen",
                tooltip="Open a closed batch again, with the reason (to void or add a posting)."),
        Binding("r", "reload", "Reload", show=False, id="batches.reload",
                tooltip="Read the batches again."),
        Binding("j", "cursor_down", "Down", show=False, id="batches.down", tooltip="Next batch."),
        Binding("k", "cursor_up", "Up", show=False, id="batches.up", tooltip="Previous batch."),
    ]  # fmt: skip

    CANCELLABLE = frozenset({"batches"})

    DEFAULT_CSS = """
    BatchPane #batches { height: 1fr; }
    BatchPane #batch-explain { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batches: list[BatchOut] = []
        self.payers: tuple[Any, ...] = ()
        self.loaded_once = False
        self._retry: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Static("Payment batches", id="batches-title", classes="title")
        yield ClaimTable(id="batches")
        yield Static("", id="batch-explain")

    @property
    def table(self) -> ClaimTable:
        return self.query_one("#batches", ClaimTable)

    def on_mount(self) -> None:
        wide = self.app.size.width >= WIDE
        cols = ([("#", 4), ("Kind", 9), ("Payer", 28), ("Method", 6), ("Reference", 14),
                 ("Deposit", 10), ("Total", 11), ("Posted", 11), ("Left", 13), ("Status", 6)]
                if wide else [("#", 4), ("Payer", 16), ("Reference", 10), ("Deposit", 10),
                              ("Total", 10), ("Left", 13)])  # fmt: skip
        for name, width in cols:
            self.table.add_column(name, width=width)
        self.load("payers", load_payers)

    def reload(self) -> None:
        self.load("batches", payments.list_batches)

    def focus_main(self) -> None:
        self.table.focus()

    def loaded(self, what: str, value: Any) -> None:
        if what == "batches":
            self.batches = list(value)
            self.loaded_once = True
            self._fill()
        elif what == "payers":
            self.payers = value
        elif what == "open":
            self._retry.pop("open", None)
            batch: BatchOut = value
            self.notify(f"Batch {batch.id} opened for {money(batch.total_cents)}: post its lines "
                        "with e.", title="Batch opened", timeout=6)  # fmt: skip
            self.reload()
            self.app.push_screen(BatchScreen(batch.id))
        elif what == "close":
            self.notify(f"Batch {value.id} closed at {money(value.posted_cents)}.",
                        title="Batch closed", timeout=6)  # fmt: skip
            self.reload()

    def failed(self, what: str, error: str) -> None:
        if what == "open" and "open" in self._retry:
            self.action_new_batch(self._retry.pop("open"), error)
            return
        title = "Not closed" if what == "close" else "Could not finish"
        self.notify(error, title=title, severity="error", timeout=12)

    def _fill(self) -> None:
        wide = self.app.size.width >= WIDE
        rows = []
        for b in self.batches:
            status = Text(b.status, style="bold" if b.status == "open" else "dim")
            if wide:
                rows.append((str(b.id), b.kind, clip(batch_who(b), 28), b.method,
                             clip(b.reference or "", 14), day(b.deposit_date), cell(b.total_cents),
                             cell(b.posted_cents), remaining_text(b), status))  # fmt: skip
            else:
                rows.append((str(b.id), clip(batch_who(b), 16), clip(b.reference or "", 10),
                             day(b.deposit_date), cell(b.total_cents), remaining_text(b)))  # fmt: skip
        self.table.show(self.batches, rows)
        opened = sum(1 for b in self.batches if b.status == "open")
        self.query_one("#batches-title", Static).update(
            f"Payment batches — {opened} open, {len(self.batches) - opened} closed · n opens one"
        )
        self._explain()

    def _explain(self) -> None:
        box = self.query_one("#batch-explain", Static)
        b = self.table.current
        if b is None:
            box.update("No batches yet: n opens one for a paper EOB's check." if
                       self.loaded_once else "")  # fmt: skip
            return
        box.update(Text.assemble(
            (f"Batch {b.id}", "bold"), f" · {b.kind} · {batch_who(b)} · {b.method} "
            f"{b.reference or ''} · deposit {money(b.total_cents)}, posted "
            f"{money(b.posted_cents)} · opened by {b.created_by}",
            ("\nenter opens it" + (" · x closes it" if b.status == "open" else ""), "dim"),
        ))  # fmt: skip

    @on(DataTable.RowHighlighted, "#batches")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._explain()

    @on(DataTable.RowSelected, "#batches")
    def _selected(self, event: DataTable.RowSelected) -> None:
        b = self.table.current
        if b is not None:
            self.app.push_screen(BatchScreen(b.id))

    def action_new_batch(self, typed: dict | None = None, error: str | None = None) -> None:
        form = BatchForm(self.payers, self.app.today, typed=typed, error=error)  # type: ignore[attr-defined]

        def done(model: BatchIn | None) -> None:
            if model is not None:
                self._retry["open"] = form.typed_values
                self.load("open", open_batch, model)

        self.app.push_screen(form, done)

    def action_close_batch(self) -> None:
        b = self.table.current
        if b is not None:
            self.load("close", payments.close_batch, b.id)

    def action_reopen_batch(self) -> None:
        b = self.table.current
        if b is None:
            return
        if b.status != "closed":
            self.notify(f"Batch {b.id} is open already.", timeout=4)
            return
        form = ReopenForm(f"Reopen batch {b.id} ({money(b.total_cents)})", reopen_batch, b.id)
        self.app.push_screen(form, self._reopened)

    def _reopened(self, batch: BatchOut | None) -> None:
        if batch is not None:
            self.notify(f"Batch {batch.id} is open again: void or post, then close it.",
                        title="Reopened", timeout=6)  # fmt: skip
            self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()


def reopen_batch(store: Any, batch_id: int, reason: str) -> BatchOut:
    return payments.reopen_batch(store, batch_id, reason=reason)


class ReopenForm(OverrideForm):
    """Why a closed batch is opened again; saving reopens it."""

    HELP = """
## Reopen a batch

A closed batch added up to its deposit. Reopen it only to correct it: a
posting that was wrong (void it, post it again) or one that is missing.
Say why in a few words (at least 5 characters): it is kept in the audit
trail. The batch closes again only when it balances to the cent.

`ctrl+s` reopens; `escape` closes without changing anything.
"""


# -- one batch ------------------------------------------------------------------------------------


class BatchScreen(ServiceScreen):
    """One batch: its deposit, what was posted and what remains; post EOB lines, void, close."""

    HELP = """
## One payment batch

The top line is the deposit; below it, **posted** so far and what is
**left** to post. The table has one row per posting: the claim (and line),
what was paid, written off (CO/OA), moved to the patient (PR).

- `e` posts the next EOB line: the claim number, the line (or empty for
  the whole claim), paid, and the adjustments as the EOB prints them
  (`CO-45 65.00`, `PR-2 20.00`).
- `v` voids the highlighted posting (reversing entries; nothing is
  deleted), when it was wrong. Post it again correctly.
- `x` closes the batch: refused, with the difference, until it balances.

`r` reloads; `escape` goes back to the batches.
"""

    BINDINGS = [
        Binding("e", "post_line", "Post EOB line", id="batch.post",
                tooltip="Post what the EOB says about one claim or line."),
        Binding("v", "void", "Void", id="batch.void",
                tooltip="Take back the highlighted posting with reversing entries."),
        Binding("x", "close_batch", "Close", id="batch.close",
                tooltip="Close the batch (only when posted equals the total)."),
        Binding("r", "reload", "Reload", show=False, id="batch.reload",
                tooltip="Read the batch again."),
        Binding("escape", "back", "Back", id="batch.back", tooltip="Back to the batches."),
        Binding("j", "cursor_down", "Down", show=False, id="batch.down", tooltip="Next posting."),
        Binding("k", "cursor_up", "Up", show=False, id="batch.up", tooltip="Previous posting."),
    ]  # fmt: skip

    CANCELLABLE = frozenset({"batch"})

    DEFAULT_CSS = """
    BatchScreen #batch-money { height: auto; padding: 0 1; }
    BatchScreen #postings { height: 1fr; }
    BatchScreen #batch-hint { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, batch_id: int) -> None:
        super().__init__()
        self.batch_id = batch_id
        self.record: BatchRecord | None = None
        self._typed: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Batch {self.batch_id}: opening…", id="batch-title", classes="title")
        yield Static("", id="batch-money")
        yield ClaimTable(id="postings")
        yield Static("", id="batch-hint")
        yield Footer()

    @property
    def batch(self) -> BatchOut | None:
        return self.record.batch if self.record else None

    @property
    def table(self) -> ClaimTable:
        return self.query_one("#postings", ClaimTable)

    def on_mount(self) -> None:
        wide = self.app.size.width >= WIDE
        cols = [("Claim", 14), ("Line", 4), ("Paid", 10), ("Written off", 11), ("To patient", 10)]
        if wide:
            cols += [("Patient", 20), ("Date", 10), ("By", 10), ("Note", 12)]
        else:
            cols += [("Note", 12)]
        for name, width in cols:
            self.table.add_column(name, width=width)
        self.table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.load("batch", load_batch, self.batch_id)

    def on_loaded(self, message: Loaded) -> None:
        what, value = message.what, message.value
        if what == "batch":
            self.record = value
            self._show()
            return
        if what == "post":
            self._typed = {}
            self.notify(f"Posted. {money(value.posted_cents)} of {money(value.total_cents)} "
                        f"posted; {money(value.remaining_cents)} left.", title="EOB line posted",
                        timeout=6)  # fmt: skip
        elif what == "void":
            self.notify("Posting voided (reversing entries written).", title="Voided", timeout=6)
        elif what == "close":
            self.notify(f"Batch {value.id} closed at {money(value.posted_cents)}.",
                        title="Batch closed", timeout=8)  # fmt: skip
        self.action_reload()

    def on_failed(self, message: Failed) -> None:
        if message.what == "post":
            message.prevent_default()
            self.action_post_line(message.error)
        elif message.what == "close":
            message.prevent_default()
            self.notify(message.error, title="Not closed", severity="error", timeout=12)

    def _show(self) -> None:
        assert self.record is not None
        b = self.record.batch
        self.query_one("#batch-title", Static).update(
            f"Batch {b.id} · {batch_who(b)} · {b.method} {b.reference or ''} · "
            f"{day(b.deposit_date)} · {b.status}"
        )
        line = Text.assemble(("Total ", "bold"), money(b.total_cents), ("  Posted ", "bold"),
                             money(b.posted_cents), ("  Left ", "bold"))  # fmt: skip
        line.append_text(remaining_text(b))
        self.query_one("#batch-money", Static).update(line)
        wide = self.app.size.width >= WIDE
        rows = []
        for e in b.entries:
            claim = ", ".join(self.record.pcns.get(c, f"#{c}") for c in e.claim_ids) or "credit"
            note = "voided" if e.voided else f"void of {e.void_of[:6]}" if e.void_of else ""
            style = "dim strike" if e.voided else ("dim" if e.void_of else "")
            row: list[Any] = [Text(clip(claim, 14), style=style),
                              "" if e.line_number is None else str(e.line_number),
                              cell(e.paid_cents or None, style), cell(e.written_off_cents or None,
                              style), cell(e.to_patient_cents or None, style)]  # fmt: skip
            if wide:
                row += [clip(self.record.names.get(e.patient_id, ""), 20), day(e.entry_date),
                        clip(e.created_by, 10)]  # fmt: skip
            row.append(Text(note, style="dim"))
            rows.append(row)
        self.table.show(b.entries, rows)
        if b.status == "closed":
            hint = "Closed: nothing can change. Post corrections in a new batch."
        elif b.kind == "patient":
            hint = ("A patient batch: take payments on the Patient payments tab and choose this "
                    "batch there. x closes it when it balances.")  # fmt: skip
        elif b.remaining_cents == 0 and b.entries:
            hint = "Balanced: x closes the batch."
        else:
            hint = "e posts the next EOB line · v voids the highlighted posting · x closes"
        self.query_one("#batch-hint", Static).update(hint)

    def action_post_line(self, error: str | None = None) -> None:
        b = self.batch
        if b is None:
            return
        if b.status != "open":
            self.notify(f"Batch {b.id} is closed; post corrections in a new batch.", timeout=5)
            return
        if b.kind != "insurance":
            self.notify("This batch holds patient payments: take them on the Patient payments "
                        "tab and choose this batch there.", timeout=6)  # fmt: skip
            return
        form = EobLineForm(f"EOB line · batch {b.id} · {batch_who(b)} · "
                           f"{money(b.remaining_cents)} left", typed=self._typed, error=error)  # fmt: skip

        def done(line: EobLineIn | None) -> None:
            if line is None:
                self._typed = {}
                return
            self._typed = form.typed_values
            self.load("post", post_line, self.batch_id, line)

        self.app.push_screen(form, done)

    def action_void(self) -> None:
        entry = self.table.current
        if entry is None or self.record is None:
            self.notify("Nothing to void: no posting is highlighted.", timeout=4)
            return
        if entry.voided or entry.void_of:
            self.notify("That posting was already voided (or is itself a void).", timeout=5)
            return
        claim = ", ".join(self.record.pcns.get(c, f"#{c}") for c in entry.claim_ids) or "credit"

        def answer(yes: bool | None) -> None:
            if yes:
                self.load("void", payments.void_batch_entry, self.batch_id, entry.txn)

        self.app.push_screen(ConfirmScreen(
            "Void this posting?", f"Take back the posting on {claim} (paid "
            f"{money(entry.paid_cents)})? Reversing entries are written and the claim's status "
            "follows its money; nothing is deleted."), answer)  # fmt: skip

    def action_close_batch(self) -> None:
        if self.batch is not None:
            self.load("close", payments.close_batch, self.batch_id)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()
