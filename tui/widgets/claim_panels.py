"""Pieces of the Claims stage shared by the claims queue, the claim screen and the rejection
inbox: status words and colours, a progress panel fed by worker threads, the claim's header,
its tables (lines, findings, files, notes), its timeline, and the small forms (a note or call,
a reason to override a warning, a yes/no question).

Nothing here calls a service on the UI thread: forms hand their work to ``ServiceScreen.load``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Header, ProgressBar, Select, Static

from core.errors import ValidationError
from core.schemas import ClaimDetail, ClaimNoteOut, ClaimOut, ClaimRow, TimelineItem, X12FileOut
from core.services import claims, cms1500, crossover, exchange, scrub, submission
from core.services.scrub import FindingOut
from core.workflow import DESCRIPTIONS, ClaimStatus
from tui.format import clip, money
from tui.messages import Loaded
from tui.screens.base import ServiceScreen
from tui.widgets.forms import DateInput, FormField, FormScreen, TextInput

WIDE = 110  # columns from which tables show every column
UNSENT = ("draft", "edits", "ready")

# -- words and colours ---------------------------------------------------------------------------

STATUS_STYLE = {
    "draft": "dim", "edits": "bold yellow", "ready": "bold green", "batched": "cyan",
    "submitted": "cyan", "accepted": "green", "rejected": "bold red", "pending": "yellow",
    "denied": "red", "partially_paid": "yellow", "paid": "green", "appealed": "magenta",
    "corrected": "dim", "void": "dim", "closed": "dim",
}  # fmt: skip
STATUS_LABEL = {"partially_paid": "part paid"}
FREQUENCY = {"1": "1 original", "7": "7 replacement", "8": "8 void"}
RANK = {1: "primary", 2: "secondary", 3: "tertiary"}


def status_text(status: str) -> Text:
    return Text(STATUS_LABEL.get(status, status), style=STATUS_STYLE.get(status, ""))


def meaning(status: str) -> str:
    try:
        return DESCRIPTIONS[ClaimStatus(status)]
    except ValueError:
        return ""


def local_time(value: dt.datetime | None) -> str:
    """A stored time (naive UTC) in the office's local time, MM/DD/YYYY HH:MM."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone().strftime("%m/%d/%Y %H:%M")


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def problem_text(row: ClaimRow) -> Text:
    """What the scrubber says about a claim, in one line: '✗ 2 errors: …' or '! 1 warning: …'."""
    if row.errors:
        return Text(f"✗ {plural(row.errors, 'error')}: {row.first_problem or ''}", style="red")
    if row.warnings:
        return Text(f"! {plural(row.warnings, 'warning')}: {row.first_problem or ''}", "yellow")
    if row.status == "edits":
        return Text("in edits; not scrubbed yet: open it and press s", style="yellow")
    if row.status == "draft":
        return Text("not scrubbed yet: open it and press s", style="dim")
    return Text("")


def why_not_selectable(row: ClaimRow) -> str | None:
    """None when the claim can go in a batch; else why not, for the person at the keyboard."""
    if row.errors:
        return (f"{row.patient_control_number} cannot go in a batch: the scrubber found "
                f"{plural(row.errors, 'error')} (first: {row.first_problem}). Open it (enter) "
                "to see how to fix it.")  # fmt: skip
    if row.warnings:
        return (f"{row.patient_control_number} cannot go in a batch until its "
                f"{plural(row.warnings, 'warning')} is fixed or overridden with a reason "
                f"(first: {row.first_problem}). Open it (enter), then o on the warning.")  # fmt: skip
    if row.status in ("draft", "edits"):
        return (f"{row.patient_control_number} is {row.status}: open it (enter) and scrub it "
                "(s); only ready claims go in a batch.")  # fmt: skip
    if row.status != "ready":
        return (f"{row.patient_control_number} is already {STATUS_LABEL.get(row.status, row.status)}"
                ": only ready claims go in a batch.")  # fmt: skip
    return None


# -- progress from a worker thread ---------------------------------------------------------------

STAGE_WORDS = {
    "scrub": "checking the claims",
    "build": "building the 837 file",
    "validate": "validating the 837 with pyx12",
    "write": "writing the file to the outbox",
    "send": "sending files to the clearinghouse",
    "fetch": "fetching and applying the answers",
}
PHASE_OF = {"scrub": "submit", "build": "submit", "validate": "submit", "write": "submit",
            "send": "sync", "fetch": "sync"}  # fmt: skip


@dataclass
class Step(Message):
    """One progress report from a worker thread; a newer one replaces any still queued."""

    job: str
    stage: str
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, Step) and message.job == self.job


def reporter(target: Any, job: str):
    """A ``progress(stage, done, total)`` callback for a service, safe to call from a thread:
    it only posts a Step message to ``target`` (widgets are never touched from the thread)."""

    def progress(stage: str, done: int, total: int) -> None:
        target.post_message(Step(job, stage, done, total))

    return progress


def stage_fraction(stage: str, done: int, total: int) -> float:
    """How far one phase (submit or sync) is, 0..1, from a service's progress report."""
    total = max(total, 1)
    if stage == "scrub":
        return 0.1 * min(done, total) / total
    if stage in ("build", "validate"):
        part = 0.05 if stage == "build" else 0.3
        return 0.1 + 0.9 * (done + part) / total
    if stage == "write":
        return 0.1 + 0.9 * done / total
    if stage == "send":
        return 0.4 * done / total
    if stage == "fetch":
        return 0.4 + 0.6 * done / total
    return 0.0


class WorkProgress(Vertical):
    """A title, a progress bar and the current stage; hidden while nothing runs."""

    DEFAULT_CSS = """
    WorkProgress { height: auto; display: none; padding: 0 1; background: $boost; }
    WorkProgress.-running { display: block; }
    WorkProgress #progress-title { height: 1; text-style: bold; }
    WorkProgress ProgressBar { height: 1; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job: str | None = None
        self.phases: tuple[str, ...] = ()
        self.title = ""
        self.last_stage = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="progress-title")
        yield ProgressBar(total=100, show_eta=False, id="progress-bar")

    @property
    def running(self) -> bool:
        return self.job is not None

    def start(self, job: str, title: str, phases: Sequence[str] = ("submit",)) -> None:
        self.job, self.title, self.phases, self.last_stage = job, title, tuple(phases), ""
        self.query_one(ProgressBar).update(total=100, progress=0)
        self.query_one("#progress-title", Static).update(f"{title}…")
        self.add_class("-running")

    def step(self, step: Step) -> None:
        if step.job != self.job:
            return
        phase = PHASE_OF.get(step.stage, self.phases[0] if self.phases else "submit")
        index = self.phases.index(phase) if phase in self.phases else 0
        fraction = (index + stage_fraction(step.stage, step.done, step.total)) / max(
            len(self.phases), 1
        )
        self.query_one(ProgressBar).update(progress=round(100 * min(fraction, 1.0)))
        self.last_stage = step.stage
        words = STAGE_WORDS.get(step.stage, step.stage)
        count = ""
        if step.stage in ("build", "validate") and step.total > 1:
            count = f" (file {step.done + 1} of {step.total})"
        self.query_one("#progress-title", Static).update(f"{self.title}: {words}{count}…")

    def finish(self) -> None:
        self.job = None
        self.query_one(ProgressBar).update(progress=100)
        self.remove_class("-running")


# -- what the workers do (called in a thread, never on the UI thread) ----------------------------


def submit_claims(store: Any, claim_ids: list[int] | None, payer_code: str | None, *,
                  today: dt.date, progress: Any = None) -> submission.SubmitResult:  # fmt: skip
    """Batch the given ready claims (or every ready claim, of one payer if named)."""
    return submission.submit(store, payer_code=payer_code, claim_ids=claim_ids,
                             progress=progress, today=today)  # fmt: skip


@dataclass(frozen=True)
class SyncSummary:
    sent: int
    answers: int
    accepted: int
    rejected: int
    problems: tuple[str, ...]
    next_payer: tuple[str, ...] = ()  # secondary claims built for visits the 835s settled
    next_payer_problems: tuple[str, ...] = ()

    def text(self) -> str:
        if not self.sent and not self.answers:
            return "Nothing to send and no answers waiting."
        text = (f"Sent {plural(self.sent, 'file')}, {plural(self.answers, 'answer')} back: "
                f"{self.accepted} accepted, {self.rejected} rejected.")  # fmt: skip
        if self.next_payer:
            text += f" {plural(len(self.next_payer), 'secondary claim')} built, ready to send."
        return text


def summarize(result: submission.SyncResult) -> SyncSummary:
    accepted = sum(o.accepted for o in result.imported if o.type in ("277CA", "277"))
    rejected = sum(o.rejected for o in result.imported if o.type in ("999", "277CA", "277"))
    return SyncSummary(len(result.sent), len(result.imported), accepted, rejected,
                       tuple(result.problems), tuple(result.next_payer_claims),
                       tuple(result.next_payer_problems))  # fmt: skip


def bill_next_payers(store: Any, *, today: dt.date) -> Any:
    """Build the secondary (or tertiary) claim of every visit due for its next payer."""
    return crossover.bill_next_payers(store, today=today)


def sync_exchange(store: Any, *, progress: Any = None) -> SyncSummary:
    """Send what waits in the outbox, fetch and apply the answers (999, 277CA)."""
    return summarize(submission.sync(store, progress=progress))


@dataclass(frozen=True)
class ClaimRecord:
    detail: ClaimDetail
    row: ClaimRow | None
    findings: tuple[FindingOut, ...]
    timeline: tuple[TimelineItem, ...]
    notes: tuple[ClaimNoteOut, ...]
    files: tuple[X12FileOut, ...]


def load_claim(store: Any, claim_id: int) -> ClaimRecord:
    """Everything the claim screen shows, read in one worker."""
    detail = claims.get_claim(store, claim_id)
    rows = claims.claim_rows(store, claim_ids=[claim_id], limit=1)
    return ClaimRecord(
        detail=detail,
        row=rows[0] if rows else None,
        findings=tuple(scrub.findings_for(store, [claim_id]).get(claim_id, [])),
        timeline=tuple(claims.timeline(store, claim_id)),
        notes=tuple(claims.notes(store, claim_id)),
        files=tuple(submission.files_for_claim(store, claim_id)),
    )


def scrub_claim(store: Any, claim_id: int, *, today: dt.date) -> ClaimOut:
    claim = claims.get_claim(store, claim_id).claim
    if claim.status not in UNSENT:
        raise ValidationError(
            f"claim {claim.patient_control_number} is {claim.status}; only draft, edits and "
            "ready claims are scrubbed (this one has left the office)"
        )
    claims.scrub(store, [claim_id], today=today)
    return claims.get_claim(store, claim_id).claim


def override_and_route(store: Any, claim_id: int, rule_id: str, line_number: int, reason: str,
                       *, today: dt.date) -> ClaimOut:  # fmt: skip
    """Override a warning with its reason, then scrub again so the claim moves to ready."""
    scrub.override_warning(store, claim_id, rule_id, line_number, reason)
    claims.scrub(store, [claim_id], today=today)
    return claims.get_claim(store, claim_id).claim


def save_claim_form(store: Any, claim_id: int, *, overlay: bool = False) -> Path:
    """Write the claim's CMS-1500 as a PDF in the exchange folder's ``forms``; return the path."""
    pcn = claims.get_claim(store, claim_id).claim.patient_control_number
    pdf = cms1500.claim_form_pdf(store, claim_id, overlay=overlay)
    folder = exchange.exchange_root(store) / "forms"
    path = folder / f"{pcn}-cms1500{'-overlay' if overlay else ''}.pdf"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
    except OSError as exc:
        raise ValidationError(
            f"the form could not be saved in {folder} ({exc.strerror or exc}); check that the "
            "folder exists and that you may write there"
        ) from None
    return path


def submit_notice(result: submission.SubmitResult, what: str) -> tuple[str, str]:
    """(message, severity) for a finished submission."""
    if not result.claims:
        return f"Nothing was batched: {what} had no ready claims.", "warning"
    names = ", ".join(Path(f).name for f in result.files)
    return (f"{plural(result.claims, 'claim')} batched into {names} in the outbox. "
            "Press x to send it to the clearinghouse."), "information"  # fmt: skip


def blocked_notice(result: submission.SubmitResult) -> str | None:
    if not result.blocked:
        return None
    shown = "; ".join(f"{pcn}: {why}" for pcn, why in result.blocked[:3])
    more = f" (and {len(result.blocked) - 3} more)" if len(result.blocked) > 3 else ""
    return f"{plural(len(result.blocked), 'claim')} went back to edits: {shown}{more}"


# -- the claim's header --------------------------------------------------------------------------


def claim_header(detail: ClaimDetail, row: ClaimRow | None) -> Table:
    """Who the claim is for, which payer it bills, the date of service and the visit."""
    c = detail.claim
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    patient = f"{row.patient_name} ({row.account_number})" if row else f"patient {c.patient_id}"
    payer = f"{row.payer_code} {row.payer_name}" if row else f"payer {c.payer_id}"
    grid.add_row("Patient", patient, "Payer", payer)
    dos = row.date_of_service.strftime("%m/%d/%Y") if row else ""
    billed = f"{RANK.get(c.payer_rank, c.payer_rank)} · {FREQUENCY.get(c.frequency_code, c.frequency_code)}"
    grid.add_row("DOS", dos, "Billed as", billed)
    grid.add_row("Visit", f"#{c.encounter_id}", "Payer claim", c.payer_claim_number or "—")
    return grid


def money_table(m: Any) -> Table:
    """The claim's money in two lines: what was billed, paid, adjusted, owed and left."""
    grid = Table.grid(padding=(0, 3))
    names = ("Charge", "Paid", "Adjusted", "Patient owes", "Balance")
    values = (m.charge_cents, m.paid_cents, m.adjustment_cents, m.patient_responsibility_cents,
              m.balance_cents)  # fmt: skip
    for _ in names:
        grid.add_column(justify="right")
    grid.add_row(*(Text(n, style="bold") for n in names))
    grid.add_row(*(Text(money(v), style="bold" if n == "Balance" else "")
                   for n, v in zip(names, values, strict=True)))  # fmt: skip
    return grid


# -- tables ----------------------------------------------------------------------------------------


class ClaimTable(DataTable):
    """A row-cursor table that keeps the objects behind its rows."""

    DEFAULT_CSS = """
    ClaimTable { height: 1fr; scrollbar-size-vertical: 1; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.items: list[Any] = []

    @property
    def current(self) -> Any | None:
        row = self.cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    def show(self, items: Iterable[Any], rows: Iterable[Sequence[Any]]) -> None:
        keep = self.cursor_row
        self.items = list(items)
        self.clear()
        self.add_rows(rows)
        if self.items:
            self.move_cursor(row=max(0, min(keep, len(self.items) - 1)))


def mark_cell(row: ClaimRow, marked: set[int]) -> Text:
    """● marked for the batch, ○ can be marked, nothing when the claim cannot go out."""
    if row.id in marked:
        return Text("●", style="bold green")
    return Text("○") if why_not_selectable(row) is None else Text("")


class QueueTable(ClaimTable):
    """The claims queue's table: every column at 110+ columns; at 80, the DOS, age and
    balance move to the lines under the table. Claims that cannot go in a batch are dim."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wide = False
        self.problem_width = 0

    def layout_for(self, width: int) -> bool:
        """Set the columns for a screen ``width`` wide; True when they changed."""
        wide = width >= WIDE
        if wide:
            names = ["", "Claim", "Patient", "Payer", "DOS", "Age", "Status", "Charge", "Balance"]
            fixed = [1, 14, 18, 5, 10, 4, 9, 10, 10]
        else:
            names = ["", "Claim", "Patient", "Payer", "Status", "Charge"]
            fixed = [1, 14, 13, 5, 9, 9]
        problem = max(12, width - sum(fixed) - 2 * (len(fixed) + 1) - 1)
        if (self.wide, self.problem_width) == (wide, problem) and self.columns:
            return False
        self.wide, self.problem_width = wide, problem
        self.clear(columns=True)
        for name, size in zip(names, fixed, strict=True):
            self.add_column(name, width=size)
        self.add_column("Problem", width=problem)
        return True

    def cells(self, row: ClaimRow, marked: set[int], today: dt.date) -> list[Any]:
        wide = self.wide
        dim = why_not_selectable(row) is not None
        style = "dim" if dim else ""
        status = status_text(row.status)
        problem = problem_text(row)
        problem.truncate(self.problem_width, overflow="ellipsis")
        if dim:
            status.stylize("dim")
            problem.stylize("dim")
        cells: list[Any] = [
            mark_cell(row, marked),
            Text(row.patient_control_number, style=style),
            Text(clip(row.patient_name, 18 if wide else 13), style=style),
            Text(row.payer_code, style=style),
        ]
        if wide:
            cells += [Text(row.date_of_service.strftime("%m/%d/%Y"), style=style),
                      Text(str(row.age_days(today)), style=style, justify="right")]  # fmt: skip
        cells += [status, Text(money(row.charge_cents), style=style, justify="right")]
        if wide:
            cells.append(Text(money(row.balance_cents), style=style, justify="right"))
        cells.append(problem)
        return cells

    def show_claims(self, rows: Sequence[ClaimRow], marked: set[int], today: dt.date) -> None:
        self.show(rows, (self.cells(r, marked, today) for r in rows))


def claim_explain(row: ClaimRow, today: dt.date, width: int) -> Text:
    """The lines under the queue: who and which payer; DOS, age and money; the problem."""
    rank = RANK.get(row.payer_rank, "")
    who = Text.assemble((row.patient_control_number, "bold"),
                        f" · {row.patient_name} ({row.account_number}) · {row.payer_code} "
                        f"{row.payer_name} ({rank})")  # fmt: skip
    days = row.age_days(today)
    money_line = Text(f"DOS {row.date_of_service:%m/%d/%Y} ({plural(days, 'day')} ago) · "
                      f"charge {money(row.charge_cents)} · paid {money(row.paid_cents)} · "
                      f"balance {money(row.balance_cents)}")  # fmt: skip
    problem = problem_text(row)
    if not problem.plain:
        problem = Text(f"{STATUS_LABEL.get(row.status, row.status)}: {meaning(row.status)}",
                       style="dim")  # fmt: skip
    for line in (who, money_line, problem):
        line.truncate(width, overflow="ellipsis")
    return Text("\n").join([who, money_line, problem])


def line_rows(detail: ClaimDetail) -> list[tuple]:
    return [
        (str(ln.line_number), ln.date_of_service.strftime("%m/%d/%Y"), ln.code,
         ln.modifiers.replace(":", " "), str(ln.units), Text(money(ln.charge_cents), justify="right"),
         ln.pointers.replace(":", " "))
        for ln in detail.lines
    ]  # fmt: skip


def finding_rows(findings: Sequence[Any], wide: bool, width: int = 60) -> list[tuple]:
    rows = []
    for f in findings:
        if f.overridden:
            sev = Text("✓ overridden", style="dim")
        elif f.severity == "error":
            sev = Text("✗ error", style="bold red")
        else:
            sev = Text("! warning", style="bold yellow")
        message = Text(f.message)
        message.truncate(width, overflow="ellipsis")
        cells = [sev, "claim" if f.line_number == 0 else str(f.line_number), f.rule_id, message]
        if wide:
            cells.append(f.source)
        rows.append(tuple(cells))
    return rows


def finding_detail(finding: Any | None, count: int) -> Text:
    if finding is None:
        return Text(
            "No findings: the scrubber found nothing wrong (s scrubs again)." if count == 0 else "",
            style="dim",
        )
    where = "Claim" if finding.line_number == 0 else f"Line {finding.line_number}"
    text = Text.assemble((f"{finding.rule_id} ({where.lower()}): ", "bold"), finding.message,
                         "\n", ("Fix: ", "bold"), finding.fix_hint or "—",
                         (f" (source: {finding.source})" if finding.source else "", "dim"))  # fmt: skip
    if finding.overridden:
        text.append(f"\nOverridden by {finding.overridden_by or '?'}: ", style="bold")
        text.append(finding.override_reason or "")
    elif finding.severity == "warning":
        text.append("\no overrides this warning with a reason (only if the note supports it).",
                    style="dim")  # fmt: skip
    else:
        text.append("\nErrors cannot be overridden: fix the record, then s scrubs again.", "dim")
    return text


FILE_KIND = {"out": "sent", "in": "answer"}


def file_rows(files: Sequence[X12FileOut]) -> list[tuple]:
    return [
        (str(f.id), f"{f.transaction} {FILE_KIND.get(f.direction, f.direction)}", f.name,
         f.status, str(f.claims_count), local_time(f.created_at))
        for f in files
    ]  # fmt: skip


def note_rows(notes: Sequence[ClaimNoteOut]) -> list[tuple]:
    return [
        (local_time(n.at), n.kind, n.actor, n.contact or "", n.reference or "",
         n.text.replace("\n", " "))
        for n in notes
    ]  # fmt: skip


KIND_MARK = {"status": "●", "file": "▤", "answer": "↩", "rejection": "✗", "note": "✎",
             "call": "☎"}  # fmt: skip


def timeline_text(items: Sequence[TimelineItem]) -> Text:
    """Every event of the claim, oldest first: when, what, who, and why underneath."""
    text = Text()
    if not items:
        return Text("Nothing has happened to this claim yet.", style="dim")
    for n, item in enumerate(items):
        if n:
            text.append("\n")
        text.append(f"{local_time(item.at)}  ", style="dim")
        text.append(f"{KIND_MARK.get(item.kind, '·')} ")
        if item.kind == "status" and "→" in item.title:
            before, _, after = item.title.partition("→")
            text.append(f"{before.strip()} → ")
            text.append_text(status_text(after.strip()))
        else:
            style = "bold red" if item.kind == "rejection" else "bold"
            text.append(item.title, style=style)
        text.append(f"  {item.actor}", style="dim italic")
        if item.detail:
            text.append(f"\n    {item.detail}", style="")
    return text


# -- small forms ---------------------------------------------------------------------------------


class NoteIn(pydantic.BaseModel):
    """What the note form sends to ``claims.add_note`` (the service checks the rest)."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    kind: str = "note"
    text: str = pydantic.Field(min_length=1, max_length=2000)
    contact: str | None = pydantic.Field(default=None, max_length=80)
    reference: str | None = pydantic.Field(default=None, max_length=40)
    follow_up_on: dt.date | None = None


KIND_OPTIONS = [("note", "note"), ("call to the payer", "call")]


class NoteForm(FormScreen):
    """Log a note, or a call to the payer, on one claim."""

    HELP = """
## A note or a call on this claim

Write down what you did and what you learned, so the next person does not
start over.

- **Kind**: *note* for anything you did or found; *call to the payer* when
  you phoned: then **Spoke with** is required (a name or a department), and
  **Reference** is the call reference number they gave you.
- **Follow up on**: the day to look at the claim again (MM/DD/YYYY).

`ctrl+s` saves; `escape` closes without saving. The note shows in the
claim's timeline.
"""

    MODEL = NoteIn

    def __init__(self, claim_id: int, pcn: str, kind: str = "note") -> None:
        super().__init__()
        self.claim_id = claim_id
        self.kind = kind
        self.FORM_TITLE = f"Note on claim {pcn}"

    def compose_fields(self) -> Iterable[FormField]:
        yield FormField("kind", "Kind", Select(KIND_OPTIONS, value=self.kind, allow_blank=False,
                        compact=True), required=True, width=22)  # fmt: skip
        yield FormField("text", "What happened", TextInput(max_length=2000), required=True,
                        help="In plain words: what you did, what they said, what comes next.")  # fmt: skip
        yield FormField("contact", "Spoke with", TextInput(max_length=80),
                        help="For a call: the name or department you spoke with.")  # fmt: skip
        yield FormField("reference", "Reference", TextInput(max_length=40), width=22,
                        help="The call reference number the payer gave you.")  # fmt: skip
        yield FormField("follow_up_on", "Follow up on", DateInput(), width=12)

    def submit(self, model: NoteIn) -> None:
        self.load("save", claims.add_note, self.claim_id, model.text, kind=model.kind,
                  contact=model.contact, reference=model.reference,
                  follow_up_on=model.follow_up_on)  # fmt: skip

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "save":
            self.dismiss(message.value)


class ReasonIn(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")
    reason: str = pydantic.Field(min_length=1, max_length=500)


class OverrideForm(FormScreen):
    """Ask why a warning can be ignored; the save runs ``work(store, reason)`` in a worker."""

    HELP = """
## Override a warning

A warning is the scrubber saying "this often gets a claim rejected or
underpaid; are you sure?". Override it only when the record supports the
claim as it is, and say why in a few words (at least 5 characters), for
example *note documents a separate problem-oriented visit*. The reason is
kept with the claim and in the audit log.

Errors cannot be overridden: fix them. `ctrl+s` overrides; `escape` closes
without changing anything.
"""

    MODEL = ReasonIn

    def __init__(self, title: str, work: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.FORM_TITLE = title
        self.work = (work, args, kwargs)

    def compose_fields(self) -> Iterable[FormField]:
        yield FormField("reason", "Why", TextInput(max_length=500), required=True,
                        help="Why the claim is right as it is (at least 5 characters).")  # fmt: skip

    def submit(self, model: ReasonIn) -> None:
        work, args, kwargs = self.work
        self.load("save", work, *args, model.reason, **kwargs)

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "save":
            self.dismiss(message.value)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y (or enter) says yes, n (or escape) says no."""

    HELP = """
## A question

Read the question, then press `y` for yes or `n` for no (`escape` is no).
"""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Answer yes."),
        Binding("enter", "answer(True)", "Yes", show=False, id="confirm.yes_enter",
                tooltip="Answer yes."),
        Binding("n", "answer(False)", "No", id="confirm.no", tooltip="Answer no."),
        Binding("escape", "answer(False)", "No", show=False, id="confirm.no_escape",
                tooltip="Answer no."),
    ]  # fmt: skip

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > #question { width: 100%; max-width: 72; height: auto; border: round $accent;
        background: $surface; padding: 0 1; }
    """

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        body = Text.assemble(self.question, "\n\n", ("y", "bold"), " yes · ", ("n", "bold"), " no")
        box = Static(body, id="question")
        box.border_title = self.title_text
        yield box
        yield Footer()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


# -- an X12 file, segment by segment -------------------------------------------------------------


class SegmentsScreen(ServiceScreen):
    """One archived X12 file, a segment per row, with its loop ID and the loop's name."""

    HELP = """
## An X12 file, segment by segment

What was sent (837P) or received (999, 277CA) exactly as in the file, one
segment per row. *Loop* is the 837's loop ID (2300 the claim, 2400 a
service line, 2010BA the subscriber...), with its name. The rows of this
claim are in bold; the cursor starts on its CLM segment. The line under
the table shows the whole highlighted segment.

Use it when a payer's answer names a loop or a segment: find it here.
`escape` goes back.
"""

    BINDINGS = [
        Binding("escape", "back", "Back", id="segments.back", tooltip="Back to the claim."),
        Binding("j", "cursor_down", "Down", show=False, id="segments.down",
                tooltip="Next segment."),
        Binding("k", "cursor_up", "Up", show=False, id="segments.up",
                tooltip="Previous segment."),
    ]  # fmt: skip

    DEFAULT_CSS = """
    SegmentsScreen #segments { height: 1fr; }
    SegmentsScreen #segment-detail { height: auto; max-height: 3; padding: 0 1;
        color: $text-muted; }
    """

    def __init__(self, file: X12FileOut, pcn: str = "") -> None:
        super().__init__()
        self.file = file
        self.pcn = pcn.split("-")[0]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"{self.file.name} · {self.file.transaction} · reading…",
                     id="segments-title", classes="title")  # fmt: skip
        yield ClaimTable(id="segments")
        yield Static("", id="segment-detail")
        yield Footer()

    def on_mount(self) -> None:
        wide = self.size.width >= WIDE
        name = 30 if wide else 16
        text = max(20, self.size.width - (4 + 6 + name) - 2 * 4 - 2)
        table = self.query_one("#segments", ClaimTable)
        table.add_column("#", width=4)
        table.add_column("Loop", width=6)
        table.add_column("Loop name", width=name)
        table.add_column("Segment", width=text)
        table.focus()
        self.load("segments", submission.file_segments, self.file.id)

    def _ours(self, segments: list[Any]) -> set[int]:
        """Positions of this claim's segments: its CLM up to the next CLM, HL or SE."""
        out: set[int] = set()
        inside = False
        for seg in segments:
            if seg.segment_id == "CLM":
                clm01 = seg.text.split("*")[1] if "*" in seg.text else ""
                inside = bool(self.pcn) and clm01.split("-")[0] == self.pcn
            elif seg.segment_id in ("HL", "SE"):
                inside = False
            if inside:
                out.add(seg.position)
        return out

    def on_loaded(self, message: Loaded) -> None:
        if message.what != "segments":
            return
        segments = list(message.value)
        ours = self._ours(segments)
        table = self.query_one("#segments", ClaimTable)
        rows = []
        for seg in segments:
            style = "bold" if seg.position in ours else ""
            rows.append((Text(str(seg.position), style=style, justify="right"),
                         Text(seg.loop_id, style=style), Text(seg.loop_name, style=style),
                         Text(seg.text, style=style)))  # fmt: skip
        table.show(segments, rows)
        first = next((n for n, s in enumerate(segments) if s.position in ours), 0)
        table.move_cursor(row=first)
        mine = f" · this claim: {len(ours)} segments in bold" if ours else ""
        self.query_one("#segments-title", Static).update(
            f"{self.file.name} · {self.file.transaction} · {len(segments)} segments{mine}"
        )
        self._detail()

    @on(DataTable.RowHighlighted, "#segments")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail()

    def _detail(self) -> None:
        seg = self.query_one("#segments", ClaimTable).current
        self.query_one("#segment-detail", Static).update(
            Text(seg.text, no_wrap=False) if seg is not None else ""
        )

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_cursor_down(self) -> None:
        self.query_one("#segments", ClaimTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#segments", ClaimTable).action_cursor_up()
