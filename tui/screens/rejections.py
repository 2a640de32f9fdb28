"""The rejection inbox: every claim that came back, whatever said no, in one list; one key to
fix an item where it must be fixed, and one to send it again.

Three sources merge here (``rejections.inbox``): our scrubber (claims in edits), 999 errors
and 277CA rejections. ``c`` opens what to fix (the policy form, the patient's record, the
coder's screen or the claim); when the user comes back, the claim is corrected
(``rejections.correct``: back to draft, refreshed, scrubbed) and its new status shows. ``r``
corrects if needed, batches the claim, and runs the exchange, in one worker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from core.errors import ValidationError
from core.schemas import ClaimOut, PatientDetail, PayerOut, PolicyOut
from core.services import claims, patients, practice, rejections
from core.services.rejections import InboxItem
from tui.format import clip, money
from tui.messages import Failed, Loaded
from tui.screens.base import ServiceScreen
from tui.widgets.claim_panels import (
    STATUS_LABEL,
    WIDE,
    ClaimTable,
    ConfirmScreen,
    Step,
    SyncSummary,
    WorkProgress,
    meaning,
    reporter,
    status_text,
    submit_claims,
    sync_exchange,
)

FIX_WORDS = {
    "policy": "c opens the patient's insurance policy to correct it",
    "patient": "c opens the patient's record (name, date of birth, address)",
    "coding": "c opens the visit on the coder's screen",
    "claim": "c opens the claim",
}
BACK_FROM = {"patient": "the patient's record", "coding": "the coder's screen",
             "claim": "the claim"}  # fmt: skip


# -- what the workers return ----------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyFix:
    detail: PatientDetail
    payers: tuple[PayerOut, ...]
    policy: PolicyOut


def load_policy_fix(store: Any, claim_id: int) -> PolicyFix:
    """The patient, the payers and the policy the claim billed: what the policy form needs."""
    claim = claims.get_claim(store, claim_id).claim
    detail = patients.get_patient(store, claim.patient_id)
    policy = next((p for p in detail.policies if p.id == claim.policy_id), None)
    if policy is None:
        raise ValidationError(
            f"the policy claim {claim.patient_control_number} billed is no longer on the "
            "patient's record; open the patient (F3) and check their insurance"
        )
    return PolicyFix(detail, tuple(practice.list_payers(store)), policy)


def encounter_of(store: Any, claim_id: int) -> int:
    return claims.get_claim(store, claim_id).claim.encounter_id


@dataclass(frozen=True)
class Resubmitted:
    claim: ClaimOut
    corrected: bool
    exchange: SyncSummary
    why: str  # the newest rejection's reason when it came back rejected again


def resubmit(store: Any, claim_id: int, *, today: dt.date, progress: Any = None) -> Resubmitted:
    """Correct the claim if it still needs it, batch it, send it and bring back the answers."""
    claim = claims.get_claim(store, claim_id).claim
    corrected = False
    if claim.status in ("rejected", "edits", "draft"):
        claim = rejections.correct(store, claim_id, note="corrected for resubmission",
                                   expected_version=claim.version, today=today)  # fmt: skip
        corrected = True
    if claim.status != "ready":
        rows = claims.claim_rows(store, claim_ids=[claim_id], limit=1)
        first = rows[0].first_problem if rows and rows[0].first_problem else claim.status
        raise ValidationError(
            f"claim {claim.patient_control_number} is {claim.status}, not ready, so it was not "
            f"sent: {first}. Fix it first (c)"
        )
    result = submit_claims(store, [claim_id], None, today=today, progress=progress)
    if not result.claims:
        why = result.blocked[0][1] if result.blocked else "it was not ready"
        raise ValidationError(f"claim {claim.patient_control_number} was not batched: {why}")
    summary = sync_exchange(store, progress=progress)
    after = claims.get_claim(store, claim_id).claim
    why = ""
    if after.status == "rejected":
        items = [i for i in rejections.inbox(store) if i.claim_id == claim_id]
        why = items[0].message if items else ""
    return Resubmitted(after, corrected, summary, why)


# -- the inbox ------------------------------------------------------------------------------------


@dataclass
class Row:
    item: InboxItem
    worked: str | None = None  # the claim's status after it was worked here


class InboxScreen(ServiceScreen):
    """Claims that came back (scrubber edits, 999, 277CA): why, where to fix, send again."""

    HELP = """
## The rejection inbox

Every claim that cannot go on as it is, newest first, whatever said no:

- **edits**: our own scrubber, before anything was sent (✗ errors must be
  fixed; ! warnings can be overridden on the claim screen);
- **999**: the clearinghouse could not read the file's claim (a format
  problem: rarely the biller's, often the data);
- **277CA**: the clearinghouse or the payer's front door refused the claim
  (wrong member ID, date of birth, coverage dates...).

The panel under the list says how to fix the highlighted item. A claim
rejected before adjudication was never looked at by the payer: fix it and
send it again as a new claim (it gets a new control number ending -2, -3).

Keys: `c` fix it: opens the insurance policy, the patient, the coder's
screen or the claim, depending on the reason; when you come back, the
claim is **corrected** (back to draft, refreshed from the visit and the
current insurance, checked again) and its new status shows here.
`r` sends it again: corrects it if needed, batches it, sends it and
brings back the answers. `enter` opens the claim; `ctrl+r` reloads;
`escape` goes back.
"""

    BINDINGS = [
        Binding("c", "fix", "Fix", id="inbox.fix",
                tooltip="Open what to fix (policy, patient, coding or claim), then correct."),
        Binding("r", "resubmit", "Resubmit", id="inbox.resubmit",
                tooltip="Correct if needed, batch, send and fetch the answers."),
        Binding("ctrl+r", "reload", "Reload", show=False, id="inbox.reload",
                tooltip="Read the inbox again."),
        Binding("escape", "back", "Back", id="inbox.back", tooltip="Back to the claims."),
        Binding("j", "cursor_down", "Down", show=False, id="inbox.down", tooltip="Next item."),
        Binding("k", "cursor_up", "Up", show=False, id="inbox.up", tooltip="Previous item."),
    ]  # fmt: skip

    CANCELLABLE = frozenset({"inbox"})

    DEFAULT_CSS = """
    InboxScreen #inbox { height: 1fr; }
    InboxScreen #inbox-detail { height: auto; max-height: 10; padding: 0 1;
        border-top: solid $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.items: list[InboxItem] = []
        self.rows: list[Row] = []
        self.worked: dict[int, tuple[InboxItem, str]] = {}
        self.loaded = False
        self._fixing: InboxItem | None = None  # away fixing it on another screen or stage
        self._ask_about: int | None = None  # back from fixing: ask once the inbox is read
        self._resumed = False
        self._layout: tuple[bool, int] | None = None
        self._policy_item: InboxItem | None = None  # the item whose policy form is open
        self._correcting: InboxItem | None = None
        self._resubmitting: InboxItem | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Rejection inbox", id="inbox-title", classes="title")
        yield ClaimTable(id="inbox")
        yield Static("", id="inbox-detail")
        yield WorkProgress(id="inbox-progress")
        yield Footer()

    @property
    def table(self) -> ClaimTable:
        return self.query_one("#inbox", ClaimTable)

    @property
    def progress(self) -> WorkProgress:
        return self.query_one("#inbox-progress", WorkProgress)

    def on_mount(self) -> None:
        self._columns()
        self.table.focus()
        self.action_reload()

    def on_resize(self) -> None:
        self._columns()

    def on_screen_resume(self) -> None:
        if self._resumed:
            if self._fixing is not None:
                self._ask_about = self._fixing.claim_id
                self._fixing = None
            self.action_reload()
        self._resumed = True

    # -- the table --------------------------------------------------------------------------
    def _columns(self) -> None:
        wide = self.size.width >= WIDE
        fixed = [6, 18, 14, 20, 9, 4] if wide else [6, 12, 14, 3]
        message = max(16, self.size.width - sum(fixed) - 2 * (len(fixed) + 1) - 2)
        if self._layout == (wide, message):
            return
        self._layout = (wide, message)
        table = self.table
        table.clear(columns=True)
        names = (["Source", "Code", "Claim", "Patient", "Status", "Age"] if wide
                 else ["Source", "Code", "Patient", "Age"])  # fmt: skip
        for name, width in zip(names, fixed, strict=True):
            table.add_column(name, width=width)
        table.add_column("Reason", width=message)
        self._fill()

    def _compose_rows(self) -> list[Row]:
        open_ids = {i.claim_id for i in self.items}
        done = [Row(item, status) for cid, (item, status) in self.worked.items()
                if cid not in open_ids]  # fmt: skip
        return done + [Row(i) for i in self.items]

    def _cells(self, row: Row, wide: bool, width: int) -> list[Any]:
        i = row.item
        age = max((self.app.today - i.since.date()).days, 0)
        style = "green" if row.worked else ""
        source = Text("fixed", style="bold green") if row.worked else Text(i.source, style="bold")
        if row.worked:
            reason = Text(f"corrected, now {STATUS_LABEL.get(row.worked, row.worked)}"
                          f"{': r sends it again' if row.worked == 'ready' else ''}",
                          style="green")  # fmt: skip
        else:
            mark = "!" if i.severity == "warning" else "✗"
            reason = Text(f"{mark} {i.message}", style="yellow" if mark == "!" else "")
        reason.truncate(width, overflow="ellipsis")
        cells: list[Any] = [source, Text(clip(i.code, 18 if wide else 12), style=style)]
        if wide:
            cells.append(Text(i.patient_control_number, style=style))
        cells.append(Text(clip(i.patient_name, 20 if wide else 14), style=style))
        if wide:
            cells.append(status_text(row.worked or i.status))
        cells.append(Text(str(age), justify="right", style=style))
        cells.append(reason)
        return cells

    def _fill(self) -> None:
        if self._layout is None:
            return
        wide, width = self._layout
        self.rows = self._compose_rows()
        self.table.show(self.rows, (self._cells(r, wide, width) for r in self.rows))
        sources: dict[str, int] = {}
        for i in self.items:
            sources[i.source] = sources.get(i.source, 0) + 1
        parts = ", ".join(f"{n} {s}" for s, n in sorted(sources.items()))
        claims_count = len({i.claim_id for i in self.items})
        self.query_one("#inbox-title", Static).update(
            f"Rejection inbox — {claims_count} claim{'s' if claims_count != 1 else ''} to work"
            + (f" ({parts})" if parts else "")
            + (f" · {len(self.rows) - len(self.items)} fixed here" if self.worked else "")
        )
        self._detail()

    def _detail(self) -> None:
        box = self.query_one("#inbox-detail", Static)
        row = self.table.current
        if row is None:
            box.update("Nothing to work: no claim is waiting for a fix." if self.loaded else "")
            return
        i = row.item
        status = row.worked or i.status
        head = Text.assemble((i.patient_control_number, "bold"), f" · {i.patient_name} · "
                             f"{i.payer_code} · {money(i.charge_cents)} · ", status_text(status))  # fmt: skip
        if row.worked:
            body = Text(meaning(status))
            todo = Text("r sends it again; enter opens the claim." if status == "ready" else
                        "enter opens the claim.", style="dim")  # fmt: skip
        else:
            where = "the claim" if not i.line_number else f"line {i.line_number}"
            body = Text.assemble((f"{i.source} {i.code} on {where}: ", "bold"), i.message)
            todo = Text.assemble(("Fix: ", "bold"), i.fix_hint or "—", "\n",
                                 (f"{FIX_WORDS[i.where_to_fix]}; r sends it again.", "dim"))  # fmt: skip
        head.truncate(max(self.size.width - 2, 20), overflow="ellipsis")
        box.update(Text("\n").join([head, body, todo]))

    @on(DataTable.RowHighlighted, "#inbox")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail()

    @on(DataTable.RowSelected, "#inbox")
    def _selected(self, event: DataTable.RowSelected) -> None:
        from tui.screens.claims import ClaimScreen

        row = self.table.current
        if row is not None:
            self.app.push_screen(ClaimScreen(row.item.claim_id))

    # -- loading ----------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.load("inbox", rejections.inbox)

    def on_loaded(self, message: Loaded) -> None:
        what, value = message.what, message.value
        if what == "inbox":
            self.items = list(value)
            self.loaded = True
            self._fill()
            self._ask_if_back()
        elif what == "policy-fix":
            self._edit_policy(value)
        elif what == "encounter":
            from tui.screens.coding import open_coder

            open_coder(self.app, value)
        elif what == "correct":
            self._corrected(value)
        elif what == "resubmit":
            self._resubmitted(value)

    def on_failed(self, message: Failed) -> None:
        if message.what == "resubmit":
            self.progress.finish()
            self.action_reload()
        elif message.what == "encounter":
            self._fixing = None

    def on_step(self, message: Step) -> None:
        self.progress.step(message)

    # -- fixing -----------------------------------------------------------------------------
    def action_fix(self) -> None:
        row = self.table.current
        if row is None:
            self.notify("Nothing to fix: the inbox is empty.", timeout=3)
            return
        if row.worked and row.worked not in ("rejected", "edits"):
            self.notify(f"Claim {row.item.patient_control_number} is already corrected "
                        f"({STATUS_LABEL.get(row.worked, row.worked)}); r sends it again.",
                        timeout=5)  # fmt: skip
            return
        item = row.item
        where = item.where_to_fix
        if where == "policy":
            self._policy_item = item
            self.load("policy-fix", load_policy_fix, item.claim_id)
        elif where == "patient":
            from tui.screens.patients import open_patient

            self._fixing = item
            open_patient(self.app, item.patient_id)
        elif where == "coding":
            self._fixing = item
            self.load("encounter", encounter_of, item.claim_id)
        else:
            from tui.screens.claims import ClaimScreen

            self._fixing = item
            self.app.push_screen(ClaimScreen(item.claim_id))

    def _edit_policy(self, fix: PolicyFix) -> None:
        from tui.screens.patient_forms import PolicyForm

        item = self._policy_item
        if item is None:
            return

        def saved(policy: PolicyOut | None) -> None:
            if policy is None:
                self.notify(f"Nothing changed: claim {item.patient_control_number} stays in the "
                            "inbox.", timeout=5)  # fmt: skip
                return
            self._correct(item, f"policy corrected (member ID {policy.member_id})")

        form = PolicyForm(fix.detail, fix.payers, self.app.today, policy=fix.policy)
        self.app.push_screen(form, saved)

    def _ask_if_back(self) -> None:
        claim_id, self._ask_about = self._ask_about, None
        if claim_id is None:
            return
        item = next((i for i in self.items if i.claim_id == claim_id), None)
        if item is None:
            return  # corrected (or sent) while away: nothing to ask

        def answer(yes: bool | None) -> None:
            if yes:
                self._correct(
                    item, f"fixed on {BACK_FROM.get(item.where_to_fix, 'another screen')}"
                )
            else:
                self.notify(f"Claim {item.patient_control_number} stays in the inbox.", timeout=4)

        self.app.push_screen(ConfirmScreen(
            "Correct the claim?",
            f"You are back from {BACK_FROM.get(item.where_to_fix, 'another screen')}. Correct "
            f"claim {item.patient_control_number} now? It goes back to draft, takes the visit's "
            "codes and the patient's current insurance, and is checked again."), answer)  # fmt: skip

    def _correct(self, item: InboxItem, note: str) -> None:
        self._correcting = item
        self.load("correct", rejections.correct, item.claim_id, note=note,
                  expected_version=item.version, today=self.app.today)  # fmt: skip

    def _corrected(self, claim: ClaimOut) -> None:
        item = self._correcting
        if item is not None and item.claim_id == claim.id:
            self.worked[claim.id] = (item, claim.status)
        status = STATUS_LABEL.get(claim.status, claim.status)
        then = " Press r to send it again." if claim.status == "ready" else ""
        self.notify(f"Claim {claim.patient_control_number} corrected: now {status}.{then}",
                    title="Corrected", severity="information" if then else "warning",
                    timeout=8)  # fmt: skip
        self.action_reload()

    # -- sending again ----------------------------------------------------------------------
    def action_resubmit(self) -> None:
        row = self.table.current
        if row is None:
            return
        if self.progress.running:
            self.notify("Wait: the last resubmission is still running.", timeout=4)
            return
        self._resubmitting = row.item
        self.progress.start("resubmit", f"Sending {row.item.patient_control_number} again",
                            ("submit", "sync"))  # fmt: skip
        self.load("resubmit", resubmit, row.item.claim_id, today=self.app.today,
                  progress=reporter(self, "resubmit"))  # fmt: skip

    def _resubmitted(self, done: Resubmitted) -> None:
        self.progress.finish()
        c = done.claim
        if self._resubmitting is not None:
            self.worked[c.id] = (self._resubmitting, c.status)
        how = "corrected, sent again and " if done.corrected else "sent again and "
        if c.status == "accepted":
            self.notify(f"Claim {c.patient_control_number} was {how}accepted by the payer. "
                        f"{done.exchange.text()}", title="Accepted", timeout=10)  # fmt: skip
        elif c.status == "rejected":
            self.notify(f"Claim {c.patient_control_number} was {how}rejected again: {done.why}",
                        title="Rejected", severity="error", timeout=12)  # fmt: skip
        else:
            self.notify(f"Claim {c.patient_control_number} is {STATUS_LABEL.get(c.status, c.status)}"
                        f": {meaning(c.status)} {done.exchange.text()}", title="Sent", timeout=10)  # fmt: skip
        self.action_reload()

    # -- moving -----------------------------------------------------------------------------
    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()


def open_inbox(app: Any) -> None:
    """Switch to the Claims stage and show the rejection inbox (the palette command)."""
    app.switch_mode("claims")
    if not isinstance(app.screen, InboxScreen):
        app.push_screen(InboxScreen())
