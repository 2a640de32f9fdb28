"""ERAs (835 remittances): the list, importing one (choose a file, preview it as a dry run, post
it) and one ERA as a readable remittance. (The unmatched queue is a tab of tui.screens.payments.)

Preview and posting read the file once: the preview keeps the bytes it checked and posting
sends the same bytes (``answers.import_bytes`` without ``dry_run``), so what was shown is what
posts. Every read and write runs in a thread worker.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Header, Input, Static

from core.errors import ValidationError
from core.services import answers, claims, codesets, exchange, remittance
from core.services.answers import ImportOutcome
from core.services.remittance import RemittanceDetail, RemittanceOut
from tui.format import clip, day, money
from tui.messages import Failed, Loaded
from tui.screens.base import ServiceScreen
from tui.widgets.claim_panels import WIDE, ClaimTable, plural
from tui.widgets.payment_panels import (
    ClaimCard,
    ServicePane,
    cell,
    claim_status,
    clp_text,
    plb_words,
)

METHOD = {"CHK": "check", "ACH": "EFT", "NON": "no payment", "BOP": "check + EFT",
          "FWT": "wire"}  # fmt: skip
SHORT_STATUS = {"1": "processed", "2": "processed", "3": "processed", "4": "denied",
                "19": "forwarded", "20": "forwarded", "21": "forwarded", "22": "reversal",
                "23": "not ours", "25": "priced only"}  # fmt: skip
MAX_CARDS = 300


# -- what the workers return ----------------------------------------------------------------------


@dataclass(frozen=True)
class InboxFile:
    path: Path
    size: int
    modified: dt.datetime


def inbox_files(store: Any) -> tuple[Path, tuple[InboxFile, ...]]:
    """The inbox folder and its ``*.835`` files, newest first."""
    folder = exchange.inbox_dir(store)
    if not folder.is_dir():
        return folder, ()
    found = []
    for path in folder.glob("*.835"):
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.is_file():
            found.append(InboxFile(path, stat.st_size, dt.datetime.fromtimestamp(stat.st_mtime)))
    found.sort(key=lambda f: (f.modified, f.path.name), reverse=True)
    return folder, tuple(found)


@dataclass(frozen=True)
class Preview:
    """A file read once and imported as a dry run; posting sends the same bytes."""

    path: Path
    data: bytes = field(repr=False)
    outcome: ImportOutcome
    names: dict[int, str]  # claim id -> patient name

    @property
    def name(self) -> str:
        return self.path.name


def read_file(path: Path) -> bytes:
    path = Path(path).expanduser()
    if not path.is_file():
        raise ValidationError(f"There is no file {path}: check the folder and the name.")
    try:
        if path.stat().st_size > answers.MAX_FILE_BYTES:
            raise ValidationError(f"{path.name} is larger than 200 MB: it is not a remittance.")
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{path} could not be read ({exc.strerror or exc}).") from None


def preview_file(store: Any, path: Path) -> Preview:
    """Read the file and import it as a dry run: every check, nothing kept."""
    path = Path(path).expanduser()
    data = read_file(path)
    outcome = answers.import_bytes(store, path.name, data, dry_run=True)
    ids = [p.claim_id for p in outcome.postings if p.claim_id is not None]
    rows = claims.claim_rows(store, claim_ids=ids, limit=len(ids)) if ids else []
    return Preview(path, data, outcome, {r.id: r.patient_name for r in rows})


def post_file(store: Any, preview: Preview) -> ImportOutcome:
    """Import for real the bytes the preview checked."""
    return answers.import_bytes(store, preview.name, preview.data)


@dataclass(frozen=True)
class EraRecord:
    detail: RemittanceDetail
    remark_words: dict[str, str]


def load_era(store: Any, remittance_id: int) -> EraRecord:
    """One ERA with its claims and lines, and the remark codes (RARCs) in words."""
    detail = remittance.remittance_detail(store, remittance_id)
    codes: set[str] = set()
    for c in detail.claims:
        codes.update((c.remarks or "").split())
        for ln in c.lines:
            codes.update((ln.remarks or "").split())
    words = {}
    for code in sorted(codes):
        found = (
            codesets.lookup(store, "rarc", code) if codesets.is_code_format("rarc", code) else None
        )
        if found is not None:
            words[code] = found.description
    return EraRecord(detail, words)


# -- words for the outcome of an import -----------------------------------------------------------


def outcome_text(o: ImportOutcome) -> tuple[str, str]:
    """(message, severity) for a finished import."""
    if o.held:
        return (f"{o.file} does not balance: it is kept for review (held) and nothing was "
                "posted. Open it from the list to see the difference.", "warning")  # fmt: skip
    if o.errors:
        return "; ".join(o.errors), "error"
    if o.type != "835":
        return (f"{o.file} ({o.type}) applied: {o.claims_matched} claims, {o.accepted} "
                f"accepted, {o.rejected} rejected.", "information")  # fmt: skip
    parts = [f"{plural(o.claims_matched, 'claim')} posted, {money(o.paid_cents)} paid"]
    if o.unmatched:
        parts.append(f"{len(o.unmatched)} not matched (in the Unmatched tab)")
    return f"{o.file}: " + ", ".join(parts) + ".", "information"


def groups_text(by_group: dict[str, int]) -> str:
    return " · ".join(f"{g} {money(c)}" for g, c in sorted(by_group.items()) if c)


# -- the ERA list -----------------------------------------------------------------------------------


class EraPane(ServicePane):
    """The remittances (ERAs) posted or held, newest first; import, preview and post one."""

    HELP = """
## ERAs (electronic remittances, 835)

Every remittance the payers sent, newest first: the payer, the check or
EFT number, the payment date, the total and how many claims it paid.
**posted** means its money is on the claims; **held** means it does not
add up (the payer's numbers disagree with each other), so nothing was
posted: open it to see the difference, and call the payer.

The clearinghouse's ERAs are fetched and posted for you by the exchange
sync (x on the Claims screen). Use `i` for a file you got another way:

1. `i` lists the `.835` files in the inbox folder; pick one with `enter`,
   or type the path of any file.
2. The **preview** shows what posting would do, claim by claim: what the
   payer says (processed, denied...), paid, CO (written off), PR (the
   patient owes) and the claim's status after. Nothing is posted yet.
3. `p` posts it; `escape` leaves without posting.

`enter` opens an ERA as a readable remittance. `r` reloads.
"""

    BINDINGS = [
        Binding("i", "import_file", "Import", id="era.import",
                tooltip="Import an 835 file: choose it, preview it, then post it."),
        Binding("r", "reload", "Reload", show=False, id="era.reload",
                tooltip="Read the ERA list again."),
        Binding("j", "cursor_down", "Down", show=False, id="era.down", tooltip="Next ERA."),
        Binding("k", "cursor_up", "Up", show=False, id="era.up", tooltip="Previous ERA."),
    ]  # fmt: skip

    CANCELLABLE = frozenset({"eras"})

    DEFAULT_CSS = """
    EraPane #eras { height: 1fr; }
    EraPane #era-explain { height: auto; max-height: 4; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.eras: list[RemittanceOut] = []
        self.loaded_once = False
        self._wide: bool | None = None

    def compose(self) -> ComposeResult:
        yield Static("ERAs", id="era-title", classes="title")
        yield ClaimTable(id="eras")
        yield Static("", id="era-explain")

    @property
    def table(self) -> ClaimTable:
        return self.query_one("#eras", ClaimTable)

    def on_mount(self) -> None:
        self._columns()

    def on_resize(self) -> None:
        self._columns()

    def _columns(self) -> None:
        wide = self.width >= WIDE
        if wide == self._wide:
            return
        self._wide = wide
        table = self.table
        table.clear(columns=True)
        if wide:
            cols = [("File", 18), ("Payer", 22), ("Check/EFT", 14), ("How", 6), ("Paid on", 10),
                    ("Total", 12), ("Claims", 6), ("Lines", 6), ("Status", 7)]  # fmt: skip
        else:
            cols = [("Payer", 16), ("Check/EFT", 14), ("Paid on", 10), ("Total", 11),
                    ("Claims", 6), ("Status", 6)]  # fmt: skip
        for name, width in cols:
            table.add_column(name, width=width)
        self._fill()

    def reload(self) -> None:
        self.load("eras", remittance.list_remittances)

    def focus_main(self) -> None:
        self.table.focus()

    def loaded(self, what: str, value: Any) -> None:
        if what == "eras":
            self.eras = list(value)
            self.loaded_once = True
            self._fill()
        elif what == "preview":
            self._previewed(value)

    def failed(self, what: str, error: str) -> None:
        title = "Could not read the file" if what == "preview" else "Could not finish"
        if what == "preview":
            self._fill()  # the title again
        self.notify(error, title=title, severity="error", timeout=10)

    def _cells(self, r: RemittanceOut) -> list[Any]:
        held = r.status == "held"
        status = Text(r.status, style="bold red" if held else "green")
        trace = clip(r.trace_number, 14)
        if self._wide:
            return [clip(r.file_name or f"#{r.file_id}", 18), clip(r.payer_name, 22), trace,
                    METHOD.get(r.payment_method, r.payment_method), day(r.payment_date),
                    cell(r.total_cents), Text(str(r.claims_count), justify="right"),
                    Text(str(r.lines_count), justify="right"), status]  # fmt: skip
        return [clip(r.payer_name, 16), trace, day(r.payment_date), cell(r.total_cents),
                Text(str(r.claims_count), justify="right"), status]  # fmt: skip

    def _fill(self) -> None:
        if self._wide is None:
            return
        self.table.show(self.eras, (self._cells(r) for r in self.eras))
        held = sum(1 for r in self.eras if r.status == "held")
        extra = f" · {held} held for review" if held else ""
        self.query_one("#era-title", Static).update(
            f"ERAs — {len(self.eras)} remittance{'s' if len(self.eras) != 1 else ''}{extra} · "
            "i imports a file"
        )
        self._explain()

    def _explain(self) -> None:
        box = self.query_one("#era-explain", Static)
        r = self.table.current
        if r is None:
            box.update("No remittances yet. The exchange sync (x on the Claims screen) fetches "
                       "and posts the payers' ERAs; i imports a file." if self.loaded_once else "")  # fmt: skip
            return
        method = METHOD.get(r.payment_method, r.payment_method)
        text = Text.assemble((r.payer_name, "bold"), f" · {method} {r.trace_number} · paid "
                             f"{day(r.payment_date)} · {money(r.total_cents)} for "
                             f"{plural(r.claims_count, 'claim')} · {r.file_name or f'file #{r.file_id}'} · "
                             f"by {r.posted_by}")  # fmt: skip
        if r.status == "held":
            text.append(f"\nHeld, nothing posted: {r.discrepancy or 'it does not balance'}",
                        style="bold red")  # fmt: skip
        else:
            text.append("\nenter shows it claim by claim.", style="dim")
        box.update(text)

    @on(DataTable.RowHighlighted, "#eras")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._explain()

    @on(DataTable.RowSelected, "#eras")
    def _selected(self, event: DataTable.RowSelected) -> None:
        r = self.table.current
        if r is not None:
            self.app.push_screen(RemittanceScreen(r.id))

    def action_reload(self) -> None:
        self.reload()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    # -- import ------------------------------------------------------------------------------
    def action_import_file(self) -> None:
        self.app.push_screen(ImportDialog(), self._chosen)

    def _chosen(self, path: Path | None) -> None:
        if path is None:
            return
        self.query_one("#era-title", Static).update(
            f"ERAs — checking {path.name} (a dry run: nothing is posted)…")  # fmt: skip
        self.load("preview", preview_file, path)

    def _previewed(self, preview: Preview) -> None:
        self._fill()  # the title again
        o = preview.outcome
        if o.errors and not o.held:
            self.notify("; ".join(o.errors), title=f"{preview.name} cannot be imported",
                        severity="error", timeout=12)  # fmt: skip
            return
        self.app.push_screen(PreviewScreen(preview), self._posted)

    def _posted(self, outcome: ImportOutcome | None) -> None:
        if outcome is None:
            return
        text, severity = outcome_text(outcome)
        self.notify(text, title="Held for review" if outcome.held else "Posted",
                    severity=severity, timeout=10)  # type: ignore[arg-type]  # fmt: skip
        self.reload()
        self.table.move_cursor(row=0)


# -- choosing a file ------------------------------------------------------------------------------


class ImportDialog(ServiceScreen, ModalScreen):
    """The ``*.835`` files in the inbox folder, or a path typed; dismisses with the path."""

    HELP = """
## Import an ERA file

The list shows the `.835` files in ClaimDesk's inbox folder, newest first
(files the exchange sync fetched are there and are usually posted already:
importing one again is refused, and nothing posts twice).

`enter` on a file chooses it; or `tab` to the box below, type the full
path of a file you saved elsewhere and press `enter`. Nothing is posted
yet: the next screen is a preview. `escape` closes.
"""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="era_import.cancel", tooltip="Close; nothing is imported."),
        Binding("f1", "app.help", "Help", id="era_import.help",
                tooltip="What this dialog is for and how to use it."),
    ]  # fmt: skip

    DEFAULT_CSS = """
    ImportDialog { align: center middle; }
    ImportDialog > #import-box { width: 100%; max-width: 100; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1; }
    ImportDialog #inbox-files { height: auto; max-height: 12; }
    ImportDialog #import-folder { color: $text-muted; height: auto; }
    ImportDialog #import-error { color: $text-error; height: auto; display: none; }
    ImportDialog #import-error.-shown { display: block; }
    ImportDialog #import-path { margin-top: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.files: tuple[InboxFile, ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical(id="import-box") as box:
            box.border_title = "Import an ERA (835)"
            yield Static("Reading the inbox folder…", id="import-folder")
            yield ClaimTable(id="inbox-files")
            yield Input(placeholder="or type the path of a file, then enter", id="import-path",
                        compact=True)  # fmt: skip
            yield Static("", id="import-error")
            yield Static("enter chooses · tab moves · escape closes", classes="form-keys")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#inbox-files", ClaimTable)
        table.add_column("File", width=40)
        table.add_column("Received", width=16)
        table.add_column("Size", width=9)
        table.focus()
        self.load("files", inbox_files)

    def on_loaded(self, message: Loaded) -> None:
        if message.what != "files":
            return
        folder, files = message.value
        self.files = files
        table = self.query_one("#inbox-files", ClaimTable)
        table.show(files, ((clip(f.path.name, 40), f.modified.strftime("%m/%d/%Y %H:%M"),
                            Text(f"{max(f.size // 1024, 1):,} KB", justify="right"))
                           for f in files))  # fmt: skip
        count = f"{plural(len(files), '.835 file')}" if files else "no .835 files"
        self.query_one("#import-folder", Static).update(f"Inbox {folder}: {count}")
        if not files:
            self.query_one("#import-path", Input).focus()

    def on_failed(self, message: Failed) -> None:
        message.prevent_default()
        self._error(message.error)

    def _error(self, text: str | None) -> None:
        box = self.query_one("#import-error", Static)
        box.update(text or "")
        box.set_class(bool(text), "-shown")

    @on(DataTable.RowSelected, "#inbox-files")
    def _picked(self, event: DataTable.RowSelected) -> None:
        f = self.query_one("#inbox-files", ClaimTable).current
        if f is not None:
            self.dismiss(f.path)

    @on(Input.Submitted, "#import-path")
    def _typed(self, event: Input.Submitted) -> None:
        text = event.value.strip().strip("'\"")
        if not text:
            self._error("Type the path of the file (for example /home/me/Downloads/era.835).")
            return
        path = Path(text).expanduser()
        if not path.is_file():
            self._error(f"There is no file {path}: check the folder and the name.")
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- the preview ----------------------------------------------------------------------------------


class PreviewScreen(ServiceScreen):
    """What importing a file would do (a dry run), claim by claim; ``p`` posts it for real."""

    HELP = """
## Preview: nothing is posted yet

ClaimDesk read the file and did everything posting does, then threw it
away. Check the numbers against the paper or the payer's portal:

- **Payer says**: the claim's status in the 835 (processed, denied,
  reversal of an earlier payment, forwarded to the next payer).
- **Paid**: what the payer paid on the claim. **CO**: contractual
  (never billed to the patient): written off, except a denial's amount,
  which stays open for the Denials tab. **PR**: the patient's part
  (deductible, coinsurance, copay), or kept for the secondary payer when
  the patient has one. **OA/PI**: other adjustments.
- **After**: the claim's status once posted (paid, part paid, denied...).

Below: claims the file names that are not ours (they go to the Unmatched
tab) and any warnings. A file that **does not balance** is held for
review: posting it only records it, nothing goes on the claims.

`p` posts (or records a held file); `escape` leaves without posting.
"""

    BINDINGS = [
        Binding("p", "post", "Post", id="preview.post",
                tooltip="Post this file for real (the same bytes the preview checked)."),
        Binding("escape", "cancel", "Cancel", id="preview.cancel",
                tooltip="Leave without posting anything."),
        Binding("j", "cursor_down", "Down", show=False, id="preview.down", tooltip="Next claim."),
        Binding("k", "cursor_up", "Up", show=False, id="preview.up", tooltip="Previous claim."),
    ]  # fmt: skip

    DEFAULT_CSS = """
    PreviewScreen #preview-summary { height: auto; padding: 0 1; }
    PreviewScreen #preview-held { height: auto; padding: 0 1; color: $text-error;
        text-style: bold; display: none; }
    PreviewScreen #preview-held.-shown { display: block; }
    PreviewScreen #postings { height: 1fr; }
    PreviewScreen #preview-notes { height: auto; max-height: 6; padding: 0 1;
        border-top: solid $panel; }
    """

    def __init__(self, preview: Preview) -> None:
        super().__init__()
        self.preview = preview
        self.busy = False

    @property
    def outcome(self) -> ImportOutcome:
        return self.preview.outcome

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Preview of {self.preview.name} · nothing is posted until you press p",
                     id="preview-title", classes="title")  # fmt: skip
        yield Static(self._summary(), id="preview-summary")
        yield Static("", id="preview-held")
        yield ClaimTable(id="postings")
        with VerticalScroll(id="preview-notes"):
            yield Static(self._notes(), id="preview-notes-text")
        yield Footer()

    def _summary(self) -> Text:
        o = self.outcome
        if o.type != "835":
            return Text(f"A {o.type} file (not a remittance): {o.claims_matched} claims, "
                        f"{o.accepted} accepted, {o.rejected} rejected. p applies it.")  # fmt: skip
        text = Text.assemble(
            (plural(o.claims_matched, "claim"), "bold"), " matched · ",
            (f"{plural(o.lines_posted, 'line')}", ""), " · paid ", (money(o.paid_cents), "bold"),
        )  # fmt: skip
        groups = groups_text(o.adjustment_cents_by_group)
        if groups:
            text.append(f" · {groups}")
        if o.plb_cents:
            text.append(f" · provider-level adjustments (PLB) {money(o.plb_cents)}")
        if o.unmatched:
            text.append(f" · {len(o.unmatched)} not ours", style="yellow")
        return text

    def _notes(self) -> Text:
        o = self.outcome
        parts: list[Text] = []
        if o.unmatched:
            parts.append(Text.assemble(("Not ours, to the Unmatched tab: ", "bold yellow"),
                                       ", ".join(o.unmatched)))  # fmt: skip
        for w in o.warnings:
            parts.append(Text.assemble(("! ", "yellow"), w))
        if not parts:
            parts.append(Text("No warnings: every claim and line matched.", style="dim"))
        return Text("\n").join(parts)

    def on_mount(self) -> None:
        held = self.query_one("#preview-held", Static)
        if self.outcome.held:
            held.update("This file does not balance: it will be HELD for review and nothing "
                        "will post. p records it as held.\n" + "\n".join(self.outcome.errors))  # fmt: skip
            held.add_class("-shown")
        table = self.query_one("#postings", ClaimTable)
        wide = self.app.size.width >= WIDE
        others = sorted({g for p in self.outcome.postings for g in p.adjustments
                         if g not in ("CO", "PR")})  # fmt: skip
        cols = [("Claim", 14)]
        if wide:
            cols.append(("Patient", 20))
        cols += [("Payer says", 30 if wide else 14), ("Paid", 10), ("CO", 10), ("PR", 10)]
        cols += [(g, 9) for g in others]
        cols.append(("After", 10))
        for name, width in cols:
            table.add_column(name, width=width)
        rows = []
        for p in self.outcome.postings:
            status = clp_text(p.status_code) if wide else Text(
                f"{SHORT_STATUS.get(p.status_code, 'status')} ({p.status_code})",
                style=clp_text(p.status_code).style)  # fmt: skip
            row: list[Any] = [p.patient_control_number]
            if wide:
                row.append(clip(self.preview.names.get(p.claim_id or 0, ""), 20))
            row += [status, cell(p.paid_cents), cell(p.adjustments.get("CO", 0) or None),
                    cell(p.adjustments.get("PR", 0) or None)]  # fmt: skip
            row += [cell(p.adjustments.get(g) or None) for g in others]
            row.append(claim_status(p.status_after))
            rows.append(row)
        table.show(self.outcome.postings, rows)
        table.focus()

    def action_post(self) -> None:
        if self.busy:
            return
        self.busy = True
        self.query_one("#preview-title", Static).update(f"Posting {self.preview.name}…")
        self.load("post", post_file, self.preview)

    def on_loaded(self, message: Loaded) -> None:
        if message.what != "post":
            return
        outcome: ImportOutcome = message.value
        self.busy = False
        self._title()
        if outcome.errors and not outcome.held:
            self.notify("; ".join(outcome.errors), title="Not posted", severity="error",
                        timeout=12)  # fmt: skip
            return
        self.dismiss(outcome)

    def on_failed(self, message: Failed) -> None:
        self.busy = False
        self._title()

    def _title(self) -> None:
        self.query_one("#preview-title", Static).update(
            f"Preview of {self.preview.name} · nothing is posted until you press p")  # fmt: skip

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    def action_cursor_down(self) -> None:
        self.query_one("#postings", ClaimTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#postings", ClaimTable).action_cursor_up()


# -- one ERA, readable ----------------------------------------------------------------------------


class RemittanceScreen(ServiceScreen):
    """One ERA as a readable remittance: its payment, then claim by claim, then the PLB."""

    HELP = """
## One remittance (ERA)

The payer's payment (check or EFT, the date, the total), then each claim
it speaks of, as the paper EOB would show it:

- what the payer says (processed, denied, reversal...), what was
  billed, allowed and paid, and what the patient owes;
- each adjustment as group-reason and amount, with the reason in words:
  **CO** is written off (never billed to the patient), **PR** is the
  patient's (1 deductible, 2 coinsurance, 3 copay), **OA/PI** other;
- then each service line the same way, with the payer's remark codes.

At the bottom, **provider-level adjustments** (PLB): interest added,
overpayments taken back from this check. A **held** ERA says at the top
why it does not balance: nothing of it was posted.

`j`/`k` move from claim to claim; `enter` opens the highlighted claim
(its history and payments); `escape` goes back.
"""

    BINDINGS = [
        Binding("escape", "back", "Back", id="remit.back", tooltip="Back to the ERA list."),
        Binding("j", "next_claim", "Next", show=False, id="remit.next", tooltip="Next claim."),
        Binding("k", "previous_claim", "Previous", show=False, id="remit.previous",
                tooltip="Previous claim."),
        Binding("enter", "open_claim", "Open claim", id="remit.open",
                tooltip="Open the highlighted claim: its lines, history and payments."),
    ]  # fmt: skip

    DEFAULT_CSS = """
    RemittanceScreen #remit-held { height: auto; padding: 0 1; color: $text-error;
        text-style: bold; display: none; }
    RemittanceScreen #remit-held.-shown { display: block; }
    RemittanceScreen #remit-head { height: auto; padding: 0 1; margin-bottom: 1; }
    RemittanceScreen #remit-body { height: 1fr; scrollbar-size-vertical: 1; }
    RemittanceScreen #remit-plb { height: auto; padding: 0 1; }
    """

    def __init__(self, remittance_id: int) -> None:
        super().__init__()
        self.remittance_id = remittance_id
        self.record: EraRecord | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"ERA #{self.remittance_id}: opening…", id="remit-title", classes="title")
        yield Static("", id="remit-held")
        yield Static("", id="remit-head")
        yield VerticalScroll(id="remit-body")
        yield Footer()

    def on_mount(self) -> None:
        self.load("era", load_era, self.remittance_id)

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "era":
            self.record = message.value
            self._show()

    def _show(self) -> None:
        assert self.record is not None
        d = self.record.detail
        r = d.remittance
        method = METHOD.get(r.payment_method, r.payment_method)
        self.query_one("#remit-title", Static).update(
            f"ERA from {r.payer_name} · {method} {r.trace_number} · {r.status}"
        )
        if r.status == "held":
            held = self.query_one("#remit-held", Static)
            held.update(
                f"Held for review, nothing was posted: {r.discrepancy or 'it does not balance'}"
            )
            held.add_class("-shown")
        paid = sum(c.paid_cents for c in d.claims)
        plb = sum(cents for _, _, cents in d.provider_adjustments)
        head = Text.assemble(
            ("Payment ", "bold"), f"{money(r.total_cents)} by {method} {r.trace_number}, paid "
            f"{day(r.payment_date)} · file {d.file_name or '#' + str(r.file_id)}\n",
            f"{plural(r.claims_count, 'claim')}, {plural(r.lines_count, 'line')}: claims paid "
            f"{money(paid)}", (f" − provider-level adjustments {money(plb)}" if plb else ""),
            f" · recorded by {r.posted_by}",
        )  # fmt: skip
        self.query_one("#remit-head", Static).update(head)
        body = self.query_one("#remit-body", VerticalScroll)
        cards = [ClaimCard(c, self.record.remark_words) for c in d.claims[:MAX_CARDS]]
        tail: list[Static] = []
        if len(d.claims) > MAX_CARDS:
            tail.append(Static(Text(f"Showing the first {MAX_CARDS} of {len(d.claims)} claims.",
                                    style="dim"), classes="explain"))  # fmt: skip
        tail.append(Static(self._plb_text(), id="remit-plb"))
        body.mount_all([*cards, *tail])
        if cards:
            cards[0].focus()

    def _plb_text(self) -> Text:
        assert self.record is not None
        plb = self.record.detail.provider_adjustments
        text = Text.assemble(("Provider-level adjustments (PLB)", "bold"))
        if not plb:
            text.append("\n  none on this payment", style="dim")
        for reason, reference, cents in plb:
            sign = "added to the payment" if cents < 0 else "taken from the payment"
            text.append(f"\n  {reason} {plb_words(reason)} · {reference or 'no reference'} · "
                        f"{money(abs(cents))} {sign}")  # fmt: skip
        return text

    def _cards(self) -> list[ClaimCard]:
        return list(self.query(ClaimCard))

    def _move(self, step: int) -> None:
        cards = self._cards()
        if not cards:
            return
        current = self.focused
        index = cards.index(current) if current in cards else -1
        target = cards[max(0, min(len(cards) - 1, index + step))]
        target.focus()
        target.scroll_visible()

    def action_next_claim(self) -> None:
        self._move(1)

    def action_previous_claim(self) -> None:
        self._move(-1)

    def action_open_claim(self) -> None:
        card = self.focused
        if not isinstance(card, ClaimCard):
            return
        if card.claim.claim_id is None:
            self.notify(f"{card.claim.patient_control_number} is not a claim of ours: see the "
                        "Unmatched tab.", timeout=5)  # fmt: skip
            return
        from tui.screens.claims import ClaimScreen

        self.app.push_screen(ClaimScreen(card.claim.claim_id))

    def action_back(self) -> None:
        self.dismiss(None)
