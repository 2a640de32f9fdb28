"""The Claims stage (F6): the claims queue with batch selection, submission and exchange sync;
one claim's screen (header, lines, findings, 837 files, timeline, notes); an 837's segments.

Every read and write is a core service run in a thread worker (``ServiceScreen.load``);
submission and sync report progress from their thread as ``Step`` messages (a newer one
replaces any still queued), which feed a progress bar while the screen stays responsive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Header, Input, Static, TabbedContent, TabPane

from core.schemas import ClaimNoteOut, ClaimOut, ClaimRow, PayerOut
from core.services import claims, practice, rejections
from core.services.scrub import FindingOut
from core.workflow import ClaimStatus
from tui.messages import Failed, Loaded
from tui.screens.base import ServiceScreen
from tui.widgets.claim_panels import (
    STATUS_LABEL,
    WIDE,
    ClaimRecord,
    ClaimTable,
    NoteForm,
    OverrideForm,
    QueueTable,
    SegmentsScreen,
    Step,
    SyncSummary,
    WorkProgress,
    bill_next_payers,
    blocked_notice,
    claim_explain,
    claim_header,
    file_rows,
    finding_detail,
    finding_rows,
    line_rows,
    load_claim,
    mark_cell,
    meaning,
    money_table,
    note_rows,
    override_and_route,
    plural,
    reporter,
    save_claim_form,
    scrub_claim,
    status_text,
    submit_claims,
    submit_notice,
    sync_exchange,
    timeline_text,
    why_not_selectable,
)

PAGE = 500
WORK_LIST = ("edits", "ready", "batched", "submitted", "rejected")
FILTERS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("work list", WORK_LIST),
    *((STATUS_LABEL.get(s.value, s.value), (s.value,)) for s in ClaimStatus),
    ("all claims", None),
)
STATUS_ORDER = {s.value: n for n, s in enumerate(ClaimStatus)}


# -- what the workers return ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[ClaimRow, ...]
    after_id: int  # 0: the first page (replaces the rows); else appended
    full: bool  # a full page: there may be more


def load_page(store: Any, status: tuple[str, ...] | None, payer_code: str | None,
              after_id: int = 0) -> QueuePage:  # fmt: skip
    rows = claims.claim_rows(store, status=list(status) if status else None,
                             payer_code=payer_code, limit=PAGE, after_id=after_id)  # fmt: skip
    return QueuePage(tuple(rows), after_id, len(rows) == PAGE)


def load_payers(store: Any) -> tuple[PayerOut, ...]:
    return tuple(practice.list_payers(store))


# -- the claims queue -----------------------------------------------------------------------------


def _age(row: ClaimRow, today: dt.date) -> int:
    return row.age_days(today)


SORTS = (
    ("oldest first", lambda r, t: (-_age(r, t), r.id)),
    ("by payer", lambda r, t: (r.payer_code, -_age(r, t), r.id)),
    ("by status", lambda r, t: (STATUS_ORDER.get(r.status, 99), -_age(r, t), r.id)),
    ("largest first", lambda r, t: (-r.charge_cents, r.id)),
)


class ClaimsScreen(ServiceScreen):
    """The Claims stage's first screen: the claims that need work, and sending them."""

    HELP = """
## Claims: the queue

Every claim built from a coded visit, with where it stands. The first list
is the **work list**: claims that still need you.

Statuses, in order of a claim's life:
- **draft**: built, not yet checked. **edits**: the scrubber found
  problems (the *Problem* column says what; ✗ error, ! warning).
- **ready**: clean, can be sent. **batched**: in an 837 file in the
  outbox. **submitted**: sent; waiting for the 999 and 277CA answers.
- **accepted**: the payer took it in; **rejected**: sent back before the
  payer looked at it: fix it and send it again (the inbox, `i`).
- later: pending, denied, part paid, paid, appealed, closed.

Sending claims: `space` marks a ready claim (● marked, ○ can be marked;
dim claims cannot go out yet), `b` batches the marked claims into an 837
file (or every ready claim when none is marked; of the payer shown, if you
chose one), `x` sends the outbox to the clearinghouse and brings back
its answers.

Keys: `enter` opens a claim, `f` next status filter, `p` next payer,
`s` order, `/` search the list, `m` more claims, `r` reload, `i` the
rejection inbox, `n` bills the next payer (secondary claims of visits the
primary has paid), `escape` clears the search or the marks.
"""

    BINDINGS = [
        Binding("space", "mark", "Mark", id="claims.mark",
                tooltip="Mark or unmark the claim for the next batch (ready claims only)."),
        Binding("b", "submit", "Submit", id="claims.submit",
                tooltip="Batch the marked claims (or all ready claims) into an 837 file."),
        Binding("x", "sync", "Sync", id="claims.sync",
                tooltip="Send the outbox to the clearinghouse and fetch its answers."),
        Binding("i", "inbox", "Inbox", id="claims.inbox",
                tooltip="The rejection inbox: every claim that came back, and why."),
        Binding("n", "bill_next", "Bill next payer", show=False, id="claims.bill_next",
                tooltip="Build the secondary claims of visits whose primary 835 kept the "
                        "patient's share for the next payer."),
        Binding("f", "next_status", "Status", id="claims.status",
                tooltip="Show the next status: work list, each status, all claims."),
        Binding("p", "next_payer", "Payer", id="claims.payer",
                tooltip="Show the next payer's claims (or all payers)."),
        Binding("s", "sort", "Sort", id="claims.sort",
                tooltip="Order by age, payer, status or amount."),
        Binding("slash", "search", "Search", id="claims.search",
                tooltip="Search the list: claim number, patient, payer, problem."),
        Binding("m", "more", "More", show=False, id="claims.more",
                tooltip="Load the next 500 claims."),
        Binding("r", "reload", "Reload", show=False, id="claims.reload",
                tooltip="Read the claims again."),
        Binding("escape", "clear", "Clear", show=False, id="claims.clear",
                tooltip="Clear the search, or else the marks."),
        Binding("j", "cursor_down", "Down", show=False, id="claims.down",
                tooltip="Next claim."),
        Binding("k", "cursor_up", "Up", show=False, id="claims.up",
                tooltip="Previous claim."),
    ]  # fmt: skip

    CANCELLABLE = frozenset({"page"})

    DEFAULT_CSS = """
    ClaimsScreen #claims-search { display: none; }
    ClaimsScreen #claims-search.-shown { display: block; }
    ClaimsScreen #claims { height: 1fr; }
    ClaimsScreen #claim-explain { height: 3; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ClaimRow] = []
        self.shown: list[ClaimRow] = []
        self.marked: set[int] = set()
        self.filter_index = 0
        self.sort_index = 0
        self.payers: tuple[PayerOut, ...] = ()
        self.payer: str | None = None
        self.more = False
        self.fetching = False
        self.billing_next = False
        self._resumed = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Claims", id="claims-title", classes="title")
        yield Input(placeholder="search: claim number, patient, payer, problem…",
                    id="claims-search")  # fmt: skip
        yield QueueTable(id="claims")
        yield Static("", id="claim-explain")
        yield WorkProgress(id="claims-progress")
        yield Footer()

    @property
    def table(self) -> QueueTable:
        return self.query_one("#claims", QueueTable)

    @property
    def progress(self) -> WorkProgress:
        return self.query_one("#claims-progress", WorkProgress)

    def on_mount(self) -> None:
        self._columns()
        self.table.focus()
        self.load("payers", load_payers)
        self.action_reload()

    def on_screen_resume(self) -> None:
        if self._resumed:  # back from a claim or the inbox: statuses may have changed
            self.action_reload()
        self._resumed = True

    def on_resize(self) -> None:
        self._columns()

    # -- the table --------------------------------------------------------------------------
    def _columns(self) -> None:
        if self.table.layout_for(self.size.width):
            self._fill()

    def _visible(self) -> list[ClaimRow]:
        text = self.query_one("#claims-search", Input).value.strip().lower()
        rows = self.rows
        if text:
            rows = [r for r in rows if text in (
                f"{r.patient_control_number} {r.patient_name} {r.account_number} {r.payer_code} "
                f"{r.payer_name} {r.status} {r.first_problem or ''}").lower()]  # fmt: skip
        key = SORTS[self.sort_index][1]
        today = self.app.today
        return sorted(rows, key=lambda r: key(r, today))

    def _fill(self) -> None:
        self.shown = self._visible()
        self.table.show_claims(self.shown, self.marked, self.app.today)
        self._title()
        self._explain()

    def _title(self) -> None:
        name = FILTERS[self.filter_index][0]
        payer = self.payer or "all payers"
        count = f"{len(self.shown):,}" + (f" of {len(self.rows):,}" if
                                          len(self.shown) != len(self.rows) else "")  # fmt: skip
        more = " · m: more" if self.more else ""
        loading = " · loading…" if self.fetching else ""
        self.query_one("#claims-title", Static).update(
            f"Claims · {name} · {payer} — {count}, {SORTS[self.sort_index][0]} · "
            f"{len(self.marked)} marked{more}{loading}"
        )

    def _explain(self) -> None:
        row = self.table.current
        box = self.query_one("#claim-explain", Static)
        if row is None:
            box.update("No claims here. f shows another status, p another payer."
                       if not self.fetching else "")  # fmt: skip
            return
        box.update(claim_explain(row, self.app.today, max(self.size.width - 2, 20)))

    @on(DataTable.RowHighlighted, "#claims")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._explain()

    @on(DataTable.RowSelected, "#claims")
    def _selected(self, event: DataTable.RowSelected) -> None:
        row = self.table.current
        if row is not None:
            self.app.push_screen(ClaimScreen(row.id))

    # -- loading ----------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.fetching = True
        self._title()
        self.load("page", load_page, FILTERS[self.filter_index][1], self.payer, 0)

    def action_more(self) -> None:
        if not self.more or not self.rows:
            self.notify("Every claim in this list is shown.", timeout=3)
            return
        self.fetching = True
        self._title()
        last = max(r.id for r in self.rows)
        self.load("page", load_page, FILTERS[self.filter_index][1], self.payer, last)

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "page":
            page: QueuePage = message.value
            if page.after_id == 0:
                self.rows = list(page.rows)
            else:
                known = {r.id for r in self.rows}
                self.rows += [r for r in page.rows if r.id not in known]
            self.more = page.full
            self.fetching = False
            ok = {r.id for r in self.rows if why_not_selectable(r) is None}
            self.marked &= ok
            self._fill()
        elif message.what == "payers":
            self.payers = message.value
        elif message.what == "submit":
            self.progress.finish()
            self.marked.clear()
            text, severity = submit_notice(message.value, "the list")
            self.notify(text, title="Submitted", severity=severity, timeout=8)  # type: ignore[arg-type]
            blocked = blocked_notice(message.value)
            if blocked:
                self.notify(blocked, title="Not sent", severity="warning", timeout=10)
            self.action_reload()
        elif message.what == "sync":
            self.progress.finish()
            summary: SyncSummary = message.value
            self.notify(summary.text(), title="Exchange", timeout=8)
            if summary.problems:
                self.notify("; ".join(summary.problems[:3]), title="Answers not applied",
                            severity="warning", timeout=10)  # fmt: skip
            if summary.next_payer_problems:
                self.notify("; ".join(summary.next_payer_problems[:2]),
                            title="Secondary claims not built", severity="warning", timeout=10)  # fmt: skip
            self.action_reload()
        elif message.what == "bill_next":
            self.billing_next = False
            billed = message.value
            if billed.built:
                self.notify(f"{plural(len(billed.built), 'secondary claim')} built: "
                            f"{', '.join(billed.built[:4])}{' ...' if len(billed.built) > 4 else ''}",
                            title="Next payer", timeout=8)  # fmt: skip
            elif not billed.problems:
                self.notify("No visit is waiting for its next payer.", title="Next payer",
                            timeout=5)  # fmt: skip
            if billed.problems:
                self.notify("; ".join(billed.problems[:2]), title="Secondary claims not built",
                            severity="warning", timeout=10)  # fmt: skip
            self.action_reload()

    def on_failed(self, message: Failed) -> None:
        if message.what == "bill_next":
            self.billing_next = False
        if message.what in ("submit", "sync"):
            self.progress.finish()
            self.action_reload()
        elif message.what == "page":
            self.fetching = False
            self._title()

    def on_step(self, message: Step) -> None:
        self.progress.step(message)

    # -- filters and order ------------------------------------------------------------------
    def action_next_status(self) -> None:
        self.filter_index = (self.filter_index + 1) % len(FILTERS)
        self.action_reload()

    def action_next_payer(self) -> None:
        codes = [None, *(p.payer_code for p in self.payers)]
        index = codes.index(self.payer) if self.payer in codes else 0
        self.payer = codes[(index + 1) % len(codes)]
        self.action_reload()

    def action_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self._fill()

    def action_search(self) -> None:
        box = self.query_one("#claims-search", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#claims-search")
    def _searched(self, event: Input.Changed) -> None:
        self._fill()

    @on(Input.Submitted, "#claims-search")
    def _search_done(self, event: Input.Submitted) -> None:
        self.table.focus()

    def action_clear(self) -> None:
        box = self.query_one("#claims-search", Input)
        if box.has_class("-shown"):
            box.value = ""
            box.remove_class("-shown")
            self.table.focus()
            self._fill()
        elif self.marked:
            self.marked.clear()
            self._fill()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    # -- batch ------------------------------------------------------------------------------
    def action_mark(self) -> None:
        row = self.table.current
        if row is None:
            return
        why = why_not_selectable(row)
        if why is not None:
            self.notify(why, title="Cannot mark this claim", severity="warning", timeout=8)
            return
        self.marked.symmetric_difference_update({row.id})
        self.table.update_cell_at(Coordinate(self.table.cursor_row, 0), mark_cell(row, self.marked))
        self._title()
        self.table.action_cursor_down()

    def action_submit(self) -> None:
        if self.progress.running:
            self.notify("Wait: the last submission or sync is still running.", timeout=4)
            return
        ids = sorted(self.marked) or None
        if ids:
            title, payer = f"Submitting {plural(len(ids), 'marked claim')}", None
        else:
            payer = self.payer
            title = f"Submitting every ready claim{f' of {payer}' if payer else ''}"
        self.progress.start("submit", title, ("submit",))
        self.load("submit", submit_claims, ids, payer, today=self.app.today,
                  progress=reporter(self, "submit"))  # fmt: skip

    def action_sync(self) -> None:
        if self.progress.running:
            self.notify("Wait: the last submission or sync is still running.", timeout=4)
            return
        self.progress.start("sync", "Exchanging files with the clearinghouse", ("sync",))
        self.load("sync", sync_exchange, progress=reporter(self, "sync"))

    def action_bill_next(self) -> None:
        if self.billing_next:
            self.notify("Wait: the secondary claims are still being built.", timeout=4)
            return
        self.billing_next = True
        self.load("bill_next", bill_next_payers, today=self.app.today)

    def action_inbox(self) -> None:
        from tui.screens.rejections import InboxScreen

        self.app.push_screen(InboxScreen())


# -- one claim ------------------------------------------------------------------------------------

TABS = ("lines", "findings", "files", "timeline", "notes")


class ClaimScreen(ServiceScreen):
    """One claim from creation to now: what it bills, what the scrubber says, what was sent."""

    HELP = """
## One claim

The top says where the claim stands (its **status** and what that means),
who it bills and its money: *charge* is what was billed, *paid* what the
payer paid, *adjusted* what was written off, *patient* what the patient
owes, *balance* what is still open.

Tabs (press the number): **1 Lines** the services billed; **2 Findings**
what the scrubber found (✗ errors must be fixed; ! warnings can be
overridden with a reason); **3 837 files** the files the claim went out in
and the answers (999, 277CA) that came back, `enter` shows a file segment
by segment; **4 Timeline** everything that happened, oldest first;
**5 Notes** your notes and calls.

Keys: `s` scrub again (after fixing the visit or the insurance), `o`
override the highlighted warning, `n` add a note or a call, `p` print the
CMS-1500 on plain paper (PDF), `P` the same for pre-printed red forms,
`c` correct a rejected claim (back to draft, refreshed, scrubbed), `b` send
this claim in a batch (ready claims), `v` void a claim the payer already has
(a frequency-8 claim with the payer's claim number goes out; the payer then
reverses what it paid), `escape` back.
"""

    BINDINGS = [
        Binding("1", "tab('lines')", "Lines", show=False, id="claim.tab_lines",
                tooltip="Show the service lines."),
        Binding("2", "tab('findings')", "Findings", show=False, id="claim.tab_findings",
                tooltip="Show what the scrubber found."),
        Binding("3", "tab('files')", "Files", show=False, id="claim.tab_files",
                tooltip="Show the 837 files and the answers."),
        Binding("4", "tab('timeline')", "Timeline", show=False, id="claim.tab_timeline",
                tooltip="Show everything that happened to the claim."),
        Binding("5", "tab('notes')", "Notes", show=False, id="claim.tab_notes",
                tooltip="Show the notes and calls."),
        Binding("s", "scrub", "Scrub", id="claim.scrub",
                tooltip="Check the claim again and move it to ready or edits."),
        Binding("o", "override", "Override", id="claim.override",
                tooltip="Override the highlighted warning, with a reason."),
        Binding("n", "note", "Note", id="claim.note", tooltip="Add a note or a call."),
        Binding("p", "print", "Print", id="claim.print",
                tooltip="Save the CMS-1500 (plain paper) as a PDF."),
        Binding("P", "print(True)", "Print on form", show=False, id="claim.print_overlay",
                tooltip="Save the CMS-1500 for pre-printed red forms as a PDF."),
        Binding("c", "correct", "Correct", id="claim.correct",
                tooltip="Correct a rejected claim: back to draft, refreshed and scrubbed."),
        Binding("b", "submit", "Submit", id="claim.submit",
                tooltip="Batch this ready claim into an 837 file."),
        Binding("r", "reload", "Reload", show=False, id="claim.reload",
                tooltip="Read the claim again."),
        Binding("v", "void", "Void", show=False, id="claim.void",
                tooltip="Void a claim the payer has: a frequency-8 claim goes out."),
        Binding("escape", "back", "Back", id="claim.back", tooltip="Back to the list."),
    ]  # fmt: skip

    CANCELLABLE = frozenset({"claim"})

    DEFAULT_CSS = """
    ClaimScreen #claim-title { height: 1; }
    ClaimScreen #claim-meaning { height: auto; padding: 0 1; color: $text-muted;
        text-style: italic; }
    ClaimScreen #claim-head { height: auto; padding: 0 1; }
    ClaimScreen #claim-money { height: 2; padding: 0 1; }
    ClaimScreen TabbedContent { height: 1fr; }
    ClaimScreen TabPane { padding: 0; height: 1fr; }
    ClaimScreen #finding-detail { height: auto; max-height: 8; padding: 0 1;
        border-top: solid $panel; }
    ClaimScreen .tab-hint { height: auto; max-height: 3; padding: 0 1; }
    ClaimScreen .tab-hint { color: $text-muted; }
    ClaimScreen #timeline-scroll { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
    """

    def __init__(self, claim_id: int) -> None:
        super().__init__()
        self.claim_id = claim_id
        self.record: ClaimRecord | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Claim #{self.claim_id}: opening…", id="claim-title", classes="title")
        yield Static("", id="claim-meaning")
        yield Static("", id="claim-head")
        yield Static("", id="claim-money")
        yield WorkProgress(id="claim-progress")
        with TabbedContent(initial="lines"):
            with TabPane("1 Lines", id="lines"):
                yield ClaimTable(id="lines-table")
            with TabPane("2 Findings", id="findings"):
                yield ClaimTable(id="findings-table")
                yield Static("", id="finding-detail")
            with TabPane("3 837 files", id="files"):
                yield ClaimTable(id="files-table")
                yield Static("enter shows the highlighted file segment by segment.",
                             classes="tab-hint")  # fmt: skip
            with TabPane("4 Timeline", id="timeline"):
                with VerticalScroll(id="timeline-scroll"):
                    yield Static("", id="timeline-text")
            with TabPane("5 Notes", id="notes"):
                yield ClaimTable(id="notes-table")
                yield Static("n adds a note, or a call to the payer (who you spoke with, the "
                             "reference number).", classes="tab-hint")  # fmt: skip
        yield Footer()

    @property
    def wide(self) -> bool:
        return self.size.width >= WIDE

    def on_mount(self) -> None:
        self.query_one("#lines-table", ClaimTable).add_columns(
            "#", "Date", "Code", "Modifiers", "Units", "Charge", "Dx pointers"
        )
        self.query_one("#files-table", ClaimTable).add_columns(
            "File", "What", "Name", "Status", "Claims", "When"
        )
        self.query_one("#notes-table", ClaimTable).add_columns(
            "When", "Kind", "Who", "Spoke with", "Ref", "What happened")  # fmt: skip
        self._finding_columns()
        self.query_one("#lines-table").focus()
        self.action_reload()

    def _finding_columns(self) -> None:
        table = self.query_one("#findings-table", ClaimTable)
        table.clear(columns=True)
        self._message_width = message = max(
            20, self.size.width - (12 + 5 + 16 + (14 if self.wide else 0)) - 14
        )
        table.add_column("Severity", width=12)
        table.add_column("Line", width=5)
        table.add_column("Rule", width=16)
        table.add_column("Message", width=message)
        if self.wide:
            table.add_column("Source", width=14)

    def on_resize(self) -> None:
        if self.record is not None:
            self._finding_columns()
            self._show_record()

    @property
    def claim(self) -> ClaimOut | None:
        return self.record.detail.claim if self.record else None

    # -- loading and showing ----------------------------------------------------------------
    def action_reload(self) -> None:
        self.load("claim", load_claim, self.claim_id)

    def on_loaded(self, message: Loaded) -> None:
        what = message.what
        if what == "claim":
            self.record = message.value
            self._show_record()
            return
        value = message.value
        if what == "print":
            self.notify(f"CMS-1500 saved as {value}", title="Printed to PDF", timeout=10)
            return
        if what == "submit":
            self.query_one("#claim-progress", WorkProgress).finish()
            text, severity = submit_notice(value, "this claim")
            self.notify(text, title="Submitted", severity=severity, timeout=8)  # type: ignore[arg-type]
            blocked = blocked_notice(value)
            if blocked:
                self.notify(blocked, title="Not sent", severity="warning", timeout=10)
        elif what in ("scrub", "correct", "override"):
            status = STATUS_LABEL.get(value.status, value.status)
            self.notify(f"Claim {value.patient_control_number} is now {status}: "
                        f"{meaning(value.status)}", title="Claim updated", timeout=8)  # fmt: skip
        self.action_reload()

    def on_failed(self, message: Failed) -> None:
        if message.what == "submit":
            self.query_one("#claim-progress", WorkProgress).finish()
        if message.what == "claim" and self.record is None:
            self.query_one("#claim-title", Static).update(
                Text(f"Could not open this claim: {message.error}", style="bold red"))  # fmt: skip

    def on_step(self, message: Step) -> None:
        self.query_one("#claim-progress", WorkProgress).step(message)

    def _show_record(self) -> None:
        assert self.record is not None
        rec, wide = self.record, self.wide
        c = rec.detail.claim
        self.query_one("#claim-title", Static).update(
            Text.assemble(f"Claim {c.patient_control_number} · ", status_text(c.status))
        )
        self.query_one("#claim-meaning", Static).update(meaning(c.status))
        self.query_one("#claim-head", Static).update(claim_header(rec.detail, rec.row))
        m = rec.detail.money
        self.query_one("#claim-money", Static).update(money_table(m))
        self.query_one("#lines-table", ClaimTable).show(rec.detail.lines, line_rows(rec.detail))
        findings = self.query_one("#findings-table", ClaimTable)
        findings.show(rec.findings, finding_rows(rec.findings, wide, self._message_width))
        self._finding_detail()
        self.query_one("#files-table", ClaimTable).show(rec.files, file_rows(rec.files))
        self.query_one("#timeline-text", Static).update(timeline_text(rec.timeline))
        self.query_one("#notes-table", ClaimTable).show(rec.notes, note_rows(rec.notes))
        self._tab_labels()

    def _tab_labels(self) -> None:
        assert self.record is not None
        tabs = self.query_one(TabbedContent)
        count = len([f for f in self.record.findings if f.blocks])
        tabs.get_tab("findings").label = f"2 Findings ({count})" if count else "2 Findings"
        tabs.get_tab("files").label = f"3 837 files ({len(self.record.files)})"
        tabs.get_tab("notes").label = f"5 Notes ({len(self.record.notes)})"

    def _finding_detail(self) -> None:
        table = self.query_one("#findings-table", ClaimTable)
        self.query_one("#finding-detail", Static).update(
            finding_detail(table.current, len(table.items)))  # fmt: skip

    @on(DataTable.RowHighlighted, "#findings-table")
    def _finding_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._finding_detail()

    @on(DataTable.RowSelected, "#files-table")
    def _file_selected(self, event: DataTable.RowSelected) -> None:
        file = self.query_one("#files-table", ClaimTable).current
        if file is not None and self.claim is not None:
            self.app.push_screen(SegmentsScreen(file, self.claim.patient_control_number))

    # -- actions ----------------------------------------------------------------------------
    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name
        focus = {"lines": "#lines-table", "findings": "#findings-table", "files": "#files-table",
                 "timeline": "#timeline-scroll", "notes": "#notes-table"}[name]  # fmt: skip
        self.query_one(focus).focus()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_scrub(self) -> None:
        if self.claim is not None:
            self.load("scrub", scrub_claim, self.claim_id, today=self.app.today)

    def action_override(self) -> None:
        if self.record is None:
            return
        table = self.query_one("#findings-table", ClaimTable)
        if self.query_one(TabbedContent).active != "findings" or self.app.focused is not table:
            self.action_tab("findings")
            if table.items:
                self.notify("Highlight the warning to override, then press o again.", timeout=5)
                return
        finding: FindingOut | None = table.current
        if finding is None:
            self.notify("This claim has no findings to override.", timeout=4)
            return
        if finding.severity != "warning":
            # The service is the judge: it refuses errors and says why, in its own words.
            self.load("override", override_and_route, self.claim_id, finding.rule_id,
                      finding.line_number, "asked on the claim screen", today=self.app.today)  # fmt: skip
            return
        where = "the claim" if finding.line_number == 0 else f"line {finding.line_number}"
        form = OverrideForm(f"Override {finding.rule_id} on {where} · "
                            f"{self.record.detail.claim.patient_control_number}",
                            override_and_route, self.claim_id, finding.rule_id,
                            finding.line_number, today=self.app.today)  # fmt: skip
        self.app.push_screen(form, self._overridden)

    def _overridden(self, claim: ClaimOut | None) -> None:
        if claim is None:
            return
        status = STATUS_LABEL.get(claim.status, claim.status)
        self.notify(f"Warning overridden; claim {claim.patient_control_number} is now {status}.",
                    title="Override saved", timeout=8)  # fmt: skip
        self.action_reload()

    def action_note(self) -> None:
        if self.claim is not None:
            form = NoteForm(self.claim_id, self.claim.patient_control_number)
            self.app.push_screen(form, self._noted)

    def _noted(self, note: ClaimNoteOut | None) -> None:
        if note is not None:
            self.notify(f"{note.kind.capitalize()} saved on the claim.", title="Saved", timeout=4)
            self.action_reload()
            self.action_tab("notes")

    def action_print(self, overlay: bool = False) -> None:
        if self.claim is not None:
            self.notify("Printing the CMS-1500 to PDF…", timeout=2)
            self.load("print", save_claim_form, self.claim_id, overlay=overlay)

    def action_correct(self) -> None:
        claim = self.claim
        if claim is None:
            return
        if claim.status not in ("rejected", "edits"):
            self.notify(f"Claim {claim.patient_control_number} is {claim.status}: only rejected "
                        "claims and claims in edits are corrected here.", timeout=6)  # fmt: skip
            return
        self.load("correct", rejections.correct, self.claim_id, expected_version=claim.version,
                  today=self.app.today)  # fmt: skip

    def action_void(self) -> None:
        claim = self.claim
        if claim is None:
            return
        form = VoidForm(f"Void {claim.patient_control_number} (frequency 8)", void_with_reason,
                        self.claim_id, today=self.app.today)  # fmt: skip
        self.app.push_screen(form, self._voided)

    def _voided(self, void: ClaimOut | None) -> None:
        if void is not None:
            self.notify(f"Void {void.patient_control_number} is {void.status}: press F6 and send "
                        "it with the next batch.", title="Void made", timeout=8)  # fmt: skip
            self.action_reload()

    def action_submit(self) -> None:
        claim = self.claim
        if claim is None:
            return
        if claim.status != "ready":
            self.notify(f"Claim {claim.patient_control_number} is {claim.status}: only ready "
                        "claims are batched. Scrub it (s) or fix what the findings say.",
                        timeout=6)  # fmt: skip
            return
        progress = self.query_one("#claim-progress", WorkProgress)
        if progress.running:
            return
        progress.start("submit", f"Submitting {claim.patient_control_number}", ("submit",))
        self.load("submit", submit_claims, [self.claim_id], None, today=self.app.today,
                  progress=reporter(self, "submit"))  # fmt: skip


def void_with_reason(store: Any, claim_id: int, reason: str, *, today: Any) -> ClaimOut:
    """The void service in the shape the reason form calls (a worker function)."""
    return claims.void_claim(store, claim_id, reason=reason, today=today).claim


class VoidForm(OverrideForm):
    """Why the claim is voided; saving makes the frequency-8 claim."""

    HELP = """
## Void a claim

A void tells the payer to cancel a claim it already has: billed to the
wrong patient or payer, or for a visit that did not happen. ClaimDesk makes
a new claim with frequency code 8 and the payer's claim number (REF*F8),
scrubs it and leaves it ready to send. The payer then takes back what it
paid, and that reversal posts to the original claim.

Say why in a few words (at least 5 characters). `ctrl+s` makes the void;
`escape` closes without changing anything.
"""


def open_claim(app: Any, claim_id: int) -> None:
    """Switch to the Claims stage and show one claim (what other stages and the palette use)."""
    app.switch_mode("claims")
    top = app.screen
    if isinstance(top, ClaimScreen) and top.claim_id == claim_id:
        top.action_reload()
        return
    app.push_screen(ClaimScreen(claim_id))


def bill_next_from_anywhere(app: Any) -> None:
    """Switch to the Claims stage and bill the next payers there (the palette command)."""
    app.switch_mode("claims")
    screen = app.screen
    if isinstance(screen, ClaimsScreen):
        screen.action_bill_next()
    else:  # a claim or the inbox is open over the queue: run it on the queue below
        for below in reversed(app.screen_stack):
            if isinstance(below, ClaimsScreen):
                below.action_bill_next()
                return
