"""Coding: the coder's queue, the coder's screen (the note beside the code entry), the superbill."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from core import quick_entry
from core.schemas import EncounterOut, PatientOut, ProviderOut
from core.services import codesets, encounters, favorites, patients, practice, superbill
from core.services.codesets import CodeOut
from core.services.favorites import FavoriteOut
from core.store import data_dir
from tui.bindings import identify
from tui.format import clip, money
from tui.format import day as us_date
from tui.messages import Failed, Loaded
from tui.screens.encounters import LIST_FIXED, DeskScreen, status_text

MAX_DIAGNOSES = 12
NARROW = 100  # below this width the note and the code entry take turns


# -- what the screens hold (view state, plain values) -----------------------------------------
@dataclass(frozen=True)
class Dx:
    code: str
    description: str


@dataclass(frozen=True)
class Line:
    code: str
    modifiers: tuple[str, ...]
    units: int
    pointers: tuple[int, ...]
    charge_cents: int
    description: str
    charge_typed: bool = False  # True: the coder typed the charge; False: fee schedule x units

    def quick(self) -> quick_entry.QuickLine:
        return quick_entry.QuickLine(
            code=self.code,
            modifiers=self.modifiers,
            units=self.units,
            pointers=self.pointers,
            charge_cents=self.charge_cents if self.charge_typed else None,
        )


@dataclass(frozen=True)
class Pick:
    kind: str
    code: str
    description: str
    billable: bool
    favorite: bool


# -- loaders: run in the worker thread and call core services only ----------------------------
@dataclass(frozen=True)
class QueueRows:
    rows: list[EncounterOut]
    providers: dict[int, ProviderOut]


def load_queue(store) -> QueueRows:
    rows = encounters.coder_queue(store)
    providers = {p.id: p for p in practice.list_providers(store, active_only=False)}
    return QueueRows(rows, providers)


@dataclass(frozen=True)
class CoderContext:
    encounter: EncounterOut
    patient: PatientOut
    provider: ProviderOut | None
    dx: list[Dx]
    lines: list[Line]
    favorites: list[FavoriteOut]


def _describe(store, kind: str, code: str) -> str:
    found = codesets.lookup(store, kind, code)
    return found.description if found else "(not in the loaded code set)"


def load_context(store, encounter_id: int) -> CoderContext:
    enc = encounters.get_encounter(store, encounter_id)
    patient = patients.get_patient(store, enc.patient_id).patient
    provider = next(
        (p for p in practice.list_providers(store, active_only=False)
         if p.id == enc.rendering_provider_id),
        None,
    )  # fmt: skip
    dx = [Dx(d.code, _describe(store, "icd10", d.code)) for d in enc.diagnoses]
    lines = []
    for ln in enc.lines:
        fee = encounters.charge_for(store, ln.code, ln.modifiers, ln.units)
        lines.append(
            Line(ln.code, ln.modifiers, ln.units, ln.pointers, ln.charge_cents,
                 _describe(store, _kind(ln.code), ln.code), charge_typed=fee != ln.charge_cents)
        )  # fmt: skip
    favs = favorites.list_favorites(store, enc.rendering_provider_id)
    return CoderContext(enc, patient, provider, dx, lines, favs)


def _kind(code: str) -> str:
    return "hcpcs" if code[:1].isalpha() else "cpt"


@dataclass(frozen=True)
class PickRows:
    source: str  # "dx" or "px"
    text: str
    rows: list[CodeOut]


def search_dx(store, text: str, day: dt.date) -> PickRows:
    rows = codesets.search(store, text, kind="icd10", limit=40, on=day)
    rows.sort(key=lambda c: not c.billable)  # billable first; categories after (stable)
    return PickRows("dx", text, rows)


def search_px(store, text: str, day: dt.date) -> PickRows:
    rows = codesets.search(store, text, kind="cpt", limit=20, on=day)
    rows += codesets.search(store, text, kind="hcpcs", limit=20, on=day)
    return PickRows("px", text, rows)


@dataclass(frozen=True)
class DxCheck:
    code: str
    description: str
    problems: list[str]


def check_dx(store, encounter_id: int, code: str) -> DxCheck:
    problems = encounters.diagnosis_problems(store, encounter_id, code)
    found = codesets.lookup(store, "icd10", code)
    shown = found.code if found else codesets.display_code("icd10", code)
    return DxCheck(shown, found.description if found else "", problems)


@dataclass(frozen=True)
class LineCheck:
    text: str
    lines: list[Line]
    problems: list[str]


def check_lines(
    store, encounter_id: int, text: str, typed: list[quick_entry.QuickLine]
) -> LineCheck:
    problems: list[str] = []
    out: list[Line] = []
    many = len(typed) > 1
    for n, q in enumerate(typed, start=1):
        where = f"line {n}: " if many else ""
        found = encounters.line_problems(store, encounter_id, q.code, q.modifiers)
        problems += [where + p for p in found]
        if found:
            continue
        charge = q.charge_cents
        if charge is None:
            charge = encounters.charge_for(store, q.code, q.modifiers, q.units)
            if charge is None:
                problems.append(
                    f"{where}{q.code} has no fee in the fee schedule: type the charge, "
                    f"for example {q.code} $120.00"
                )
                continue
        out.append(
            Line(q.code, q.modifiers, q.units, q.pointers, charge,
                 _describe(store, _kind(q.code), q.code), charge_typed=q.charge_cents is not None)
        )  # fmt: skip
    return LineCheck(text, out, problems)


@dataclass(frozen=True)
class FavoriteToggled:
    code: str
    now_favorite: bool
    favorites: list[FavoriteOut]


def toggle_favorite(store, provider_id: int, kind: str, code: str) -> FavoriteToggled:
    now = favorites.toggle_favorite(store, provider_id, kind, code)
    return FavoriteToggled(code, now, favorites.list_favorites(store, provider_id))


def save_and_mark(store, encounter_id: int, coding: dict) -> EncounterOut:
    saved = encounters.save_coding(store, encounter_id, coding)
    if saved.status == "coded":  # recoded after the fact: it stays with the biller
        return saved
    return encounters.mark_coded(store, encounter_id)


# -- the queue ---------------------------------------------------------------------------------
class QueueTable(DataTable):
    """The coder's queue: `enter` opens the highlighted visit for coding."""

    BINDINGS = identify(
        "queue_table",
        [
            Binding(
                "enter",
                "select_cursor",
                "Code it",
                tooltip="Open the highlighted visit for coding.",
            ),
        ],
    )


class CodingScreen(DeskScreen):
    HELP = """
## The coder's queue

Visits waiting for codes, oldest first (the oldest are closest to the payer's filing
limit). **open** visits are new; **query** visits came back from the biller with a
question, shown in yellow: read it before you open the visit.

- `enter` opens the highlighted visit: the provider's note beside the code entry.
- `j`/`k` or the arrow keys move; `r` reads the queue again.

When a visit is coded and marked **Coded** it leaves this queue and waits for the biller.
"""

    DEFAULT_CSS = """
    CodingScreen #coder-queue { height: 1fr; }
    CodingScreen #queue-explain { height: auto; max-height: 4; padding: 0 1; }
    """

    CANCELLABLE = frozenset({"queue"})

    BINDINGS = identify("coding_screen", [
        Binding("r", "refresh", "Refresh", tooltip="Read the queue again."),
        Binding("j", "cursor_down", "Down", show=False, tooltip="Next visit."),
        Binding("k", "cursor_up", "Up", show=False, tooltip="Previous visit."),
    ])  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[EncounterOut] = []
        self._providers: dict[int, ProviderOut] = {}
        self._loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Visits to code", id="queue-title", classes="title")
        yield QueueTable(id="coder-queue", cursor_type="row", zebra_stripes=True)
        yield Static("", id="queue-explain")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Date", key="date", width=10)
        table.add_column("Patient", key="patient", width=20)
        table.add_column("Provider", key="provider", width=9)
        table.add_column("Status", key="status", width=6)
        table.add_column("Reason / question", key="reason")
        table.focus()
        self.action_refresh()

    def on_screen_resume(self) -> None:
        if self._loaded:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.load("queue", load_queue)

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def _current(self) -> EncounterOut | None:
        row = self.query_one(DataTable).cursor_row
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def action_open(self) -> None:
        current = self._current()
        if current is not None:
            self.app.push_screen(CoderScreen(current.id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._explain()

    def _explain(self) -> None:
        current = self._current()
        explain = self.query_one("#queue-explain", Static)
        if current is None:
            explain.update("Nothing to code: every visit is coded." if self._loaded else "")
        elif current.query_note:
            explain.update(
                Text.assemble(
                    ("Biller's question: ", "bold yellow"), (current.query_note, "yellow")
                )
            )
        else:
            explain.update(
                f"Visit {current.id}: {current.visit_reason or 'no reason given'}. "
                "Press enter to code it."
            )

    def on_loaded(self, message: Loaded) -> None:
        if message.what != "queue":
            return
        value: QueueRows = message.value
        self._loaded = True
        self._rows = value.rows
        self._providers = value.providers
        queries = sum(1 for e in value.rows if e.query_note)
        self.query_one("#queue-title", Static).update(
            f"Visits to code: {len(value.rows)}"
            + (f" ({queries} with a question)" if queries else "")
        )
        self._fill()

    def on_resize(self, event: events.Resize) -> None:
        if self._rows:
            self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        room = self.app.size.width - LIST_FIXED
        rows = []
        for e in self._rows:
            provider = self._providers.get(e.rendering_provider_id)
            reason: Text | str = clip(e.visit_reason or "", room)
            if e.query_note:
                reason = Text(clip(f"? {e.query_note}", room), style="yellow")
            rows.append((us_date(e.date_of_service), clip(e.patient_name, 20),
                         provider.last_name if provider else "?", status_text(e.status), reason))  # fmt: skip
        table.add_rows(rows)
        if rows:
            table.move_cursor(row=max(0, min(keep, len(rows) - 1)))
        self._explain()


# -- widgets of the coder's screen -------------------------------------------------------------
class PickList(OptionList):
    """Search results or the provider's favorites."""

    HELP = """
## Picks

Search results for what you typed, or the rendering provider's **favorites** when the box
is empty. Diagnoses marked *not billable* are categories: keep going to a longer code.

- `enter` or `1`-`9` picks: a diagnosis is added to the list; a procedure code is put in the
  line box, where you add modifiers, units and pointers.
- `f` adds the highlighted code to the provider's favorites (or takes it off).
- `escape` goes back to the box you were typing in.
"""

    BINDINGS = identify("pick_list", [
        Binding("f", "favorite", "Favorite", tooltip="Add to or remove from the provider's favorites."),
        *(
            Binding(str(n), f"pick({n})", f"Pick {n}", show=False, tooltip=f"Pick item {n}.")
            for n in range(1, 10)
        ),
    ])  # fmt: skip

    def action_pick(self, n: int) -> None:
        if n <= self.option_count:
            self.highlighted = n - 1
            self.action_select()

    def action_favorite(self) -> None:
        screen = self.screen
        if isinstance(screen, CoderScreen) and self.highlighted is not None:
            screen.toggle_pick_favorite(self.highlighted)


class DxTable(DataTable):
    HELP = """
## Diagnoses

The visit's diagnoses in claim order: the first is the main reason for the visit. Lines
point to them by number (1-12), so moving a diagnosis keeps each line pointing at the same
code.

- `K` / `J` (or `shift+up` / `shift+down`) move the highlighted diagnosis up or down.
- `x` or `delete` removes it (not while a line points to it).
- `f` adds it to the provider's favorites (or takes it off).
"""

    BINDINGS = identify("dx_table", [
        Binding("K,shift+up", "move(-1)", "Up", tooltip="Move the diagnosis up."),
        Binding("J,shift+down", "move(1)", "Down", tooltip="Move the diagnosis down."),
        Binding("x,delete", "remove", "Remove", tooltip="Remove the diagnosis."),
        Binding("f", "favorite", "Favorite", show=False, tooltip="Add to or remove from favorites."),
    ])  # fmt: skip

    def action_move(self, offset: int) -> None:
        if isinstance(self.screen, CoderScreen):
            self.screen.move_dx(self.cursor_row, offset)

    def action_remove(self) -> None:
        if isinstance(self.screen, CoderScreen):
            self.screen.remove_dx(self.cursor_row)

    def action_favorite(self) -> None:
        if isinstance(self.screen, CoderScreen):
            self.screen.toggle_row_favorite("dx", self.cursor_row)


class LineTable(DataTable):
    HELP = """
## Procedure lines

Each line: the CPT/HCPCS code, up to 4 modifiers, units, the diagnoses it points to and the
charge (the fee schedule's fee times the units, unless you typed a charge).

- `e` or `enter` puts the line back in the line box to change it.
- `K` / `J` (or `shift+up` / `shift+down`) move it; `x` or `delete` removes it.
- `f` adds its code to the provider's favorites (or takes it off).
"""

    BINDINGS = identify("line_table", [
        Binding("e", "edit", "Edit", tooltip="Change this line in the line box."),
        Binding("K,shift+up", "move(-1)", "Up", tooltip="Move the line up."),
        Binding("J,shift+down", "move(1)", "Down", tooltip="Move the line down."),
        Binding("x,delete", "remove", "Remove", tooltip="Remove the line."),
        Binding("f", "favorite", "Favorite", show=False, tooltip="Add to or remove from favorites."),
    ])  # fmt: skip

    def action_edit(self) -> None:
        if isinstance(self.screen, CoderScreen):
            self.screen.edit_line(self.cursor_row)

    def action_move(self, offset: int) -> None:
        if isinstance(self.screen, CoderScreen):
            self.screen.move_line(self.cursor_row, offset)

    def action_remove(self) -> None:
        if isinstance(self.screen, CoderScreen):
            self.screen.remove_line(self.cursor_row)

    def action_favorite(self) -> None:
        if isinstance(self.screen, CoderScreen):
            self.screen.toggle_row_favorite("px", self.cursor_row)


class EntryPane(VerticalScroll):
    """The code entry; when its width changes (terminal resized, help shown) the tables and the
    picks are laid out again to fit."""

    def on_resize(self, event: events.Resize) -> None:
        screen = self.screen
        if isinstance(screen, CoderScreen) and screen.context is not None:
            screen.call_after_refresh(screen.relayout)


# -- the coder's screen ------------------------------------------------------------------------
class CoderScreen(DeskScreen):
    HELP = f"""
## Coding a visit

Read the provider's note (left; `ctrl+t` switches between the note and the codes on a
small terminal) and code only what it supports, as specifically as it allows.

**Diagnoses** (`Dx` box): type a code (`E11.9`) or words (`diabetes`). Billable codes come
first; a *category* such as `E11` is not billable and is refused with a hint of the longer
codes. `enter` on a code adds it; `down` moves into the matches.

**Lines** (`Line` box), one per procedure, in quick entry:
`{quick_entry.EXAMPLE}` = code 99214, modifier 25, 1 unit, diagnoses 1 and 2.
Also `J3301 x2 1`, `20610 RT 2`, `99213` (1 unit, diagnosis 1), `G0439 1,2,3`,
`99213 $85.00` (your own charge). The charge comes from the fee schedule.

Every code is checked against the date of service and the patient's sex and age; a problem
is said in place and what you typed stays.

- `ctrl+s` saves; `ctrl+d` (or `m`) saves and marks it **Coded**: it goes to the biller.
- `b` shows the superbill. `escape` leaves a box, then goes back to the queue.
- A yellow **question** at the top came from the biller: answer it in the coding (or ask the
  provider) before marking the visit coded again.
"""

    DEFAULT_CSS = """
    CoderScreen #coder-title { height: 1; padding: 0 1; text-style: bold; }
    CoderScreen #coder-query { height: auto; padding: 0 1; background: $warning 25%;
                               display: none; }
    CoderScreen #coder-query.-shown { display: block; }
    CoderScreen #coder-body { height: 1fr; }
    CoderScreen #note-pane { width: 42%; border: round $panel; padding: 0 1; }
    CoderScreen #note-pane:focus { border: round $accent; }
    CoderScreen #entry-pane { width: 1fr; padding: 0 0 0 1; }
    CoderScreen .entry-row { height: 1; margin: 0 0 0 0; }
    CoderScreen .entry-row > Label { width: 6; color: $text-muted; }
    CoderScreen .entry-row > Input { width: 1fr; }
    CoderScreen #picks-title { height: 1; color: $text-muted; margin: 1 0 0 0; }
    CoderScreen #picks { height: 10; }
    CoderScreen #entry-msg { height: auto; min-height: 1; }
    CoderScreen #entry-msg.-error { color: $error; text-style: bold; }
    CoderScreen #entry-msg.-ok { color: $success; }
    CoderScreen .section { height: 1; text-style: bold; color: $accent; }
    CoderScreen #dx-table { height: auto; max-height: 8; }
    CoderScreen #line-table { height: auto; max-height: 7; }
    CoderScreen #problems { height: auto; color: $error; }
    CoderScreen.-narrow #note-pane { display: none; }
    CoderScreen.-narrow #picks { height: 5; }
    CoderScreen.-narrow #picks-title { margin: 0; }
    CoderScreen.-narrow.-show-note #note-pane { display: block; width: 1fr; }
    CoderScreen.-narrow.-show-note #entry-pane { display: none; }
    """

    CANCELLABLE = frozenset({"picks"})

    BINDINGS = identify("coder_screen", [
        Binding("ctrl+s", "save", "Save", tooltip="Save the diagnoses and lines."),
        Binding("ctrl+d", "mark_coded", "Coded", priority=True,
                tooltip="Save and mark the visit coded: it goes to the billing queue."),
        Binding("m", "mark_coded", "Coded", show=False,
                tooltip="Save and mark the visit coded (outside the boxes)."),
        Binding("ctrl+t", "toggle_pane", "Note/codes", tooltip="Switch between the note and the code entry."),
        Binding("b", "superbill", "Superbill", tooltip="Show the superbill (what is saved)."),
        Binding("escape", "back", "Back", tooltip="Leave the box, or go back to the queue."),
    ])  # fmt: skip

    def __init__(self, encounter_id: int) -> None:
        super().__init__()
        self.encounter_id = encounter_id
        self.context: CoderContext | None = None
        self.dx: list[Dx] = []
        self.lines: list[Line] = []
        self.favorites: list[FavoriteOut] = []
        self.picks: list[Pick] = []
        self.picks_for = "dx"
        self.editing: int | None = None
        self.dirty = False
        self._leave_warned = False

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Visit {self.encounter_id}", id="coder-title")
        yield Static("", id="coder-query")
        with Horizontal(id="coder-body"):
            with VerticalScroll(id="note-pane"):
                yield Static("Loading the note…", id="coder-note", markup=False)
            with EntryPane(id="entry-pane"):
                with Horizontal(classes="entry-row"):
                    yield Label("Dx")
                    yield Input(placeholder="diagnosis: code or words (E11.9, diabetes)",
                                id="dx-input", compact=True)  # fmt: skip
                with Horizontal(classes="entry-row"):
                    yield Label("Line")
                    yield Input(placeholder=f"procedure: {quick_entry.EXAMPLE}",
                                id="qe-input", compact=True, select_on_focus=False)  # fmt: skip
                yield Static("", id="picks-title")
                yield PickList(id="picks", compact=True)
                yield Static("", id="entry-msg")
                yield Static("Diagnoses", id="dx-title", classes="section")
                yield DxTable(id="dx-table", cursor_type="row", zebra_stripes=True)
                yield Static("Lines", id="lines-title", classes="section")
                yield LineTable(id="line-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="problems")
        yield Footer()

    def on_mount(self) -> None:
        self._fit(self.app.size.width)
        self.query_one("#dx-input", Input).focus()
        self.load("context", load_context, self.encounter_id)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def relayout(self) -> None:
        self._refresh_tables()
        self._render_picks()

    def _fit(self, width: int) -> None:
        self.set_class(width < NARROW, "-narrow")

    # -- messages in place -----------------------------------------------------------------
    def say(self, text: str | Text, kind: str = "") -> None:
        msg = self.query_one("#entry-msg", Static)
        msg.update(text)
        msg.set_class(kind == "error", "-error")
        msg.set_class(kind == "ok", "-ok")

    # -- loading ---------------------------------------------------------------------------
    def on_loaded(self, message: Loaded) -> None:
        handler = getattr(self, f"_loaded_{message.what}", None)
        if handler is not None:
            handler(message.value)

    def on_failed(self, message: Failed) -> None:
        # Handlers run for every class in the MRO: prevent_default keeps ServiceScreen's
        # notification for what is shown in place here.
        if message.what in ("save", "coded"):
            message.prevent_default()
            self._show_problems(message.error)
            self.notify("Not saved: the problems are listed under the lines.",
                        title="Not saved", severity="error")  # fmt: skip
        elif message.what in ("dx", "lines", "favorite"):
            message.prevent_default()
            self.say(message.error, "error")

    def _show_problems(self, text: str) -> None:
        parts = [p.strip() for p in text.split("; ") if p.strip()]
        self.query_one("#problems", Static).update(
            Text("Not saved:\n" + "\n".join(f"• {p}" for p in parts), style="bold")
        )

    def _loaded_context(self, ctx: CoderContext) -> None:
        self.context = ctx
        e, p = ctx.encounter, ctx.patient
        self.dx = list(ctx.dx)
        self.lines = list(ctx.lines)
        self.favorites = list(ctx.favorites)
        provider = ctx.provider.display_name if ctx.provider else "?"
        self.query_one("#coder-title", Static).update(
            Text.assemble(
                f"Visit {e.id} ",
                status_text(e.status),
                f" · {p.display_name} {p.sex} {p.age_on(e.date_of_service)} · "
                f"DOS {us_date(e.date_of_service)} · POS {e.place_of_service} · {provider}",
            )
        )
        query = self.query_one("#coder-query", Static)
        query.set_class(bool(e.query_note), "-shown")
        query.update(Text.assemble(("Biller's question: ", "bold"), e.query_note or ""))
        reason = f"Reason for visit: {e.visit_reason}\n\n" if e.visit_reason else ""
        self.query_one("#coder-note", Static).update(
            reason + (e.clinical_note or "(The provider has not written a note for this visit.)")
        )
        self._refresh_tables()
        self._show_favorites(self.picks_for)
        self.dirty = False
        if e.status not in ("open", "query", "coded"):
            self.say(
                f"This visit is {e.status}: its coding can be read here but not changed.", "error"
            )

    def _loaded_picks(self, rows: PickRows) -> None:
        source = self.query_one("#dx-input" if rows.source == "dx" else "#qe-input", Input)
        if rows.text != source.value.strip():
            return  # typed on since: a newer search is coming
        fav_codes = {(f.kind, f.code) for f in self.favorites}
        picks = [Pick(c.kind, c.code, c.description, c.billable, (c.kind, c.code) in fav_codes)
                 for c in rows.rows]  # fmt: skip
        what = "diagnoses" if rows.source == "dx" else "procedures"
        if picks:
            title = f"{what.capitalize()} matching {rows.text!r}: enter or 1-9 picks"
        else:
            title = f"No {what} match {rows.text!r}"
        self._set_picks(rows.source, picks, title)

    def _loaded_dx(self, check: DxCheck) -> None:
        dx_input = self.query_one("#dx-input", Input)
        if check.problems:
            self.say("Not added: " + "; ".join(check.problems), "error")
            return
        if any(d.code == check.code for d in self.dx):
            self.say(f"{check.code} is already on the list.", "error")
            return
        if len(self.dx) >= MAX_DIAGNOSES:
            self.say(f"A claim holds at most {MAX_DIAGNOSES} diagnoses; remove one first.", "error")
            return
        self.dx.append(Dx(check.code, check.description))
        self._changed()
        self.say(f"Added {check.code} as diagnosis {len(self.dx)}.", "ok")
        if dx_input.value.strip():
            dx_input.value = ""
        self._refresh_tables(dx_row=len(self.dx) - 1)

    def _loaded_lines(self, check: LineCheck) -> None:
        qe = self.query_one("#qe-input", Input)
        if check.problems:
            self.say("Not added: " + "; ".join(check.problems), "error")
            return
        if self.editing is not None and len(check.lines) == 1 and self.editing < len(self.lines):
            n = self.editing
            self.lines[n] = check.lines[0]
            self.say(f"Line {n + 1} changed: {self._line_words(check.lines[0])}.", "ok")
            row = n
        else:
            self.lines.extend(check.lines)
            row = len(self.lines) - 1
            self.say("Added " + "; ".join(self._line_words(ln) for ln in check.lines) + ".", "ok")
        self.editing = None
        self._changed()
        if qe.value == check.text:
            qe.value = ""
        self._refresh_tables(line_row=row)

    def _loaded_favorite(self, result: FavoriteToggled) -> None:
        self.favorites = list(result.favorites)
        verb = "added to" if result.now_favorite else "taken off"
        name = self.context.provider.last_name if self.context and self.context.provider else ""
        self.say(f"{result.code} {verb} {name}'s favorites.", "ok")
        source = self.query_one("#dx-input" if self.picks_for == "dx" else "#qe-input", Input)
        if not source.value.strip():
            self._show_favorites(self.picks_for)
        else:
            fav = {(f.kind, f.code) for f in self.favorites}
            self.picks = [
                dataclasses.replace(p, favorite=(p.kind, p.code) in fav) for p in self.picks
            ]
            self._render_picks()

    def _loaded_save(self, enc: EncounterOut) -> None:
        self.dirty = False
        self.query_one("#problems", Static).update("")
        self.notify(
            f"Visit {enc.id}: {len(enc.diagnoses)} diagnoses and {len(enc.lines)} lines saved "
            f"({money(enc.total_charge_cents)}).",
            title="Saved",
        )

    def _loaded_coded(self, enc: EncounterOut) -> None:
        self.dirty = False
        self.notify(f"Visit {enc.id} is coded and waits for the biller.", title="Coded")
        self.app.pop_screen()

    # -- tables ----------------------------------------------------------------------------
    def _changed(self) -> None:
        self.dirty = True
        self._leave_warned = False
        self.query_one("#problems", Static).update("")

    @staticmethod
    def _line_words(ln: Line) -> str:
        mods = f" {' '.join(ln.modifiers)}" if ln.modifiers else ""
        return (f"{ln.code}{mods} x{ln.units} → dx {','.join(map(str, ln.pointers))} "
                f"{money(ln.charge_cents)}")  # fmt: skip

    def _entry_width(self) -> int:
        pane = self.query_one("#entry-pane")
        width = pane.scrollable_content_region.width
        if width <= 0:  # not laid out yet: estimate from the terminal
            full = self.app.size.width
            width = full - 2 if full < NARROW else full - int(full * 0.42) - 3
        return width

    def _fill(
        self, table: DataTable, headers: list[str], rows: list[list], right: set[int] = frozenset()
    ) -> None:
        """Refill a table; every column fits its content, the last takes the room left."""
        keep = table.cursor_row
        table.clear(columns=True)
        widths = [max([len(h)] + [len(str(r[i])) for r in rows]) for i, h in enumerate(headers)]
        room = self._entry_width() - sum(widths[:-1]) - 2 * len(headers) - 2
        widths[-1] = max(10, room)
        for i, (h, w) in enumerate(zip(headers, widths, strict=True)):
            table.add_column(Text(h, justify="right") if i in right else h, width=w)
        for r in rows:
            cells = [
                Text(str(c), justify="right") if i in right else str(c) for i, c in enumerate(r)
            ]
            last = cells[-1]
            if isinstance(last, str) and len(last) > widths[-1]:
                cells[-1] = last[: widths[-1] - 1] + "…"
            table.add_row(*cells)
        if rows:
            table.move_cursor(row=max(0, min(keep, len(rows) - 1)))

    def _refresh_tables(self, dx_row: int | None = None, line_row: int | None = None) -> None:
        dx_table = self.query_one("#dx-table", DataTable)
        if dx_row is not None:
            dx_table.move_cursor(row=dx_row)
        self._fill(
            dx_table,
            ["#", "Code", "Description"],
            [[n, d.code, d.description] for n, d in enumerate(self.dx, 1)],
            right={0},
        )
        if dx_row is not None and self.dx:
            dx_table.move_cursor(row=min(dx_row, len(self.dx) - 1))
        line_table = self.query_one("#line-table", DataTable)
        self._fill(
            line_table,
            ["#", "Code", "Mods", "Un", "Dx", "Charge", "Description"],
            [
                [n, ln.code, " ".join(ln.modifiers), ln.units, ",".join(map(str, ln.pointers)),
                 money(ln.charge_cents), ln.description]
                for n, ln in enumerate(self.lines, 1)
            ],
            right={0, 3, 5},
        )  # fmt: skip
        if line_row is not None and self.lines:
            line_table.move_cursor(row=min(line_row, len(self.lines) - 1))
        self.query_one("#dx-title", Static).update(
            f"Diagnoses {len(self.dx)} of {MAX_DIAGNOSES}"
            + ("" if self.dx else " — none yet: search in the Dx box")
        )
        total = sum(ln.charge_cents for ln in self.lines)
        self.query_one("#lines-title", Static).update(
            f"Lines {len(self.lines)} · total {money(total)}"
            + ("" if self.lines else " — none yet: type one in the Line box")
        )

    # -- picks (search results and favorites) -----------------------------------------------
    def _show_favorites(self, source: str) -> None:
        kinds = ("icd10",) if source == "dx" else favorites.PROCEDURE_KINDS
        picks = [Pick(f.kind, f.code, f.description, f.billable, True)
                 for f in self.favorites if f.kind in kinds]  # fmt: skip
        name = self.context.provider.last_name if self.context and self.context.provider else ""
        what = "diagnoses" if source == "dx" else "procedures"
        if picks:
            title = f"{name}'s favorite {what}: 1-9 or enter picks, f removes"
        else:
            title = f"{name} has no favorite {what} yet: f on a match adds one"
        self._set_picks(source, picks, title)

    def _set_picks(self, source: str, picks: list[Pick], title: str) -> None:
        self.picks_for = source
        self.picks = picks
        self.query_one("#picks-title", Static).update(title)
        self._render_picks()

    def _render_picks(self) -> None:
        plist = self.query_one("#picks", PickList)
        keep = plist.highlighted
        plist.clear_options()
        options = []
        room = self._entry_width() - 2
        for n, p in enumerate(self.picks, 1):
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(f"{n:>2} " if n <= 9 else "   ", style="dim")
            text.append(f"{p.code:<8}", style="bold" if p.billable else "dim")
            text.append("★ " if p.favorite else "  ", style="yellow")
            if not p.billable:
                text.append("not billable · ", style="italic red")
            left = max(8, room - len(text))
            desc = p.description if len(p.description) <= left else p.description[: left - 1] + "…"
            text.append(desc, style="" if p.billable else "dim")
            options.append(Option(text))
        plist.add_options(options)
        if options and keep is not None and plist.has_focus:
            plist.highlighted = min(keep, len(options) - 1)

    @on(Input.Changed, "#dx-input")
    def _dx_typed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if not text:
            self._show_favorites("dx")
        elif self.context is not None:
            self.load("picks", search_dx, text, self.context.encounter.date_of_service)

    @on(Input.Changed, "#qe-input")
    def _qe_typed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if not text:
            self._show_favorites("px")
            if self.editing is None:
                self.say("")
            return
        first = text.split()[0].upper()
        if not any(ch.isdigit() for ch in first) and len(text) >= 3:
            if self.context is not None:  # words: find the procedure code
                self.load("picks", search_px, text, self.context.encounter.date_of_service)
            self.say("Pick the code from the matches (down, then enter).")
            return
        try:
            typed = quick_entry.parse_many(text)
        except quick_entry.QuickEntryError as exc:
            self.say(Text(f"… {exc}", style="dim"))
        else:
            self.say(Text("enter adds: " + "; ".join(self._preview(q) for q in typed), style="dim"))

    @staticmethod
    def _preview(q: quick_entry.QuickLine) -> str:
        mods = f" modifier {' '.join(q.modifiers)}" if q.modifiers else ""
        charge = f" charge {money(q.charge_cents)}" if q.charge_cents is not None else ""
        return (f"{q.code}{mods}, {q.units} unit{'s' if q.units != 1 else ''}, "
                f"diagnosis {', '.join(map(str, q.pointers))}{charge}")  # fmt: skip

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if isinstance(widget, Input) and widget.id in ("dx-input", "qe-input"):
            source = "dx" if widget.id == "dx-input" else "px"
            if source != self.picks_for:
                if widget.value.strip():
                    finder = search_dx if source == "dx" else search_px
                    if self.context is not None:
                        self.load("picks", finder, widget.value.strip(),
                                  self.context.encounter.date_of_service)  # fmt: skip
                else:
                    self._show_favorites(source)

    @on(Input.Submitted, "#dx-input")
    def _dx_enter(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.say("Type a diagnosis code or words first, e.g. E11.9 or diabetes.", "error")
            return
        if codesets.is_code_format("icd10", text):
            self.add_dx(text)
        elif self.picks:
            self._focus_picks()
        else:
            self.say(f"No diagnosis matches {text!r}: try other words or a code.", "error")

    @on(Input.Submitted, "#qe-input")
    def _qe_enter(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        try:
            typed = quick_entry.parse_many(text)
        except quick_entry.QuickEntryError as exc:
            if self.picks and self.picks_for == "px" and text and not text[0].isdigit():
                self._focus_picks()
                return
            self.say(f"Not added: {exc}", "error")
            return
        for q in typed:
            over = [p for p in q.pointers if p > len(self.dx)]
            if over:
                have = len(self.dx)
                coded = {0: "no diagnosis is", 1: "only 1 diagnosis is"}.get(
                    have, f"only {have} diagnoses are"
                )
                self.say(
                    f"Not added: {q.code} points to diagnosis {over[0]}, but {coded} coded; "
                    "add the diagnosis first.",
                    "error",
                )
                return
        if self.editing is None and len(self.lines) + len(typed) > 50:
            self.say("That is more lines than one claim takes (50).", "error")
            return
        self.load("lines", check_lines, self.encounter_id, event.value, typed)

    def _focus_picks(self) -> None:
        plist = self.query_one("#picks", PickList)
        if plist.option_count:
            plist.focus()
            plist.highlighted = 0

    def on_key(self, event: events.Key) -> None:
        focused = self.focused
        if (
            event.key == "down"
            and isinstance(focused, Input)
            and focused.id in ("dx-input", "qe-input")
        ):
            if self.picks:
                event.stop()
                self._focus_picks()

    @on(OptionList.OptionSelected, "#picks")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if not 0 <= event.option_index < len(self.picks):
            return
        pick = self.picks[event.option_index]
        if pick.kind == "icd10":
            self.add_dx(pick.code)
            self.query_one("#dx-input", Input).focus()
        else:
            qe = self.query_one("#qe-input", Input)
            rest = qe.value.strip().split()[1:] if qe.value.strip() else []
            if rest and not any(ch.isdigit() for ch in qe.value.strip().split()[0]):
                rest = []  # the words were a search, not parts of a line
            qe.value = " ".join([pick.code, *rest]) + " "
            qe.focus()
            qe.cursor_position = len(qe.value)
            self.say(
                f"{pick.code}: add modifiers, units (x2) and diagnosis pointers (1,2), then enter."
            )

    # -- operations (keys on the tables and lists call these) ---------------------------------
    def add_dx(self, code: str) -> None:
        shown = codesets.display_code("icd10", code)
        if any(d.code == shown for d in self.dx):
            n = next(i for i, d in enumerate(self.dx, 1) if d.code == shown)
            self.say(f"{shown} is already diagnosis {n}.", "error")
            return
        if len(self.dx) >= MAX_DIAGNOSES:
            self.say(f"A claim holds at most {MAX_DIAGNOSES} diagnoses; remove one first.", "error")
            return
        self.say(f"Checking {shown}…")
        self.load("dx", check_dx, self.encounter_id, shown)

    def move_dx(self, row: int, offset: int) -> None:
        other = row + offset
        if not (0 <= row < len(self.dx) and 0 <= other < len(self.dx)):
            return
        self.dx[row], self.dx[other] = self.dx[other], self.dx[row]
        a, b = row + 1, other + 1
        swap = {a: b, b: a}
        self.lines = [dataclasses.replace(ln, pointers=tuple(swap.get(p, p) for p in ln.pointers))
                      for ln in self.lines]  # fmt: skip
        self._changed()
        self.say(f"{self.dx[other].code} is now diagnosis {other + 1}; lines follow it.")
        self._refresh_tables(dx_row=other)

    def remove_dx(self, row: int) -> None:
        if not 0 <= row < len(self.dx):
            return
        n = row + 1
        users = [i for i, ln in enumerate(self.lines, 1) if n in ln.pointers]
        if users:
            which = ", ".join(f"line {i} ({self.lines[i - 1].code})" for i in users)
            self.say(
                f"{self.dx[row].code} is still pointed to by {which}: change the line first "
                "(e on the line).",
                "error",
            )
            return
        gone = self.dx.pop(row)
        self.lines = [
            dataclasses.replace(ln, pointers=tuple(p - 1 if p > n else p for p in ln.pointers))
            for ln in self.lines
        ]
        self._changed()
        self.say(f"Removed {gone.code}.")
        self._refresh_tables(dx_row=row)

    def edit_line(self, row: int) -> None:
        if not 0 <= row < len(self.lines):
            return
        self.editing = row
        qe = self.query_one("#qe-input", Input)
        qe.value = self.lines[row].quick().as_text()
        qe.focus()
        qe.cursor_position = len(qe.value)
        self.say(f"Changing line {row + 1}: edit it and press enter (escape keeps it as it was).")

    def move_line(self, row: int, offset: int) -> None:
        other = row + offset
        if not (0 <= row < len(self.lines) and 0 <= other < len(self.lines)):
            return
        self.lines[row], self.lines[other] = self.lines[other], self.lines[row]
        self._changed()
        self._refresh_tables(line_row=other)

    def remove_line(self, row: int) -> None:
        if not 0 <= row < len(self.lines):
            return
        gone = self.lines.pop(row)
        self._changed()
        self.say(f"Removed line {row + 1} ({gone.code}).")
        self._refresh_tables(line_row=row)

    def toggle_row_favorite(self, which: str, row: int) -> None:
        items = self.dx if which == "dx" else self.lines
        if 0 <= row < len(items):
            code = items[row].code
            self._toggle_favorite("icd10" if which == "dx" else _kind(code), code)

    def toggle_pick_favorite(self, index: int) -> None:
        if 0 <= index < len(self.picks):
            pick = self.picks[index]
            if not pick.billable:
                self.say(f"{pick.code} is not billable, so it cannot be a favorite.", "error")
                return
            self._toggle_favorite(pick.kind, pick.code)

    def _toggle_favorite(self, kind: str, code: str) -> None:
        if self.context is None:
            return
        self.load("favorite", toggle_favorite, self.context.encounter.rendering_provider_id,
                  kind, code)  # fmt: skip

    # -- screen actions --------------------------------------------------------------------
    def _coding(self) -> dict:
        return dict(
            diagnoses=[d.code for d in self.dx],
            lines=[
                dict(code=ln.code, modifiers=ln.modifiers, units=ln.units,
                     charge_cents=ln.charge_cents, pointers=ln.pointers)
                for ln in self.lines
            ],
        )  # fmt: skip

    def _can_change(self) -> bool:
        if self.context is None:
            return False
        status = self.context.encounter.status
        if status not in ("open", "query", "coded"):
            self.say(f"This visit is {status}: its coding cannot be changed here.", "error")
            return False
        return True

    def action_save(self) -> None:
        if not self._can_change():
            return
        self.load("save", encounters.save_coding, self.encounter_id, self._coding())

    def action_mark_coded(self) -> None:
        if not self._can_change():
            return
        if not self.dx or not self.lines:
            self._show_problems(
                "code at least one diagnosis and one procedure line before marking it coded"
            )
            return
        self.load("coded", save_and_mark, self.encounter_id, self._coding())

    def action_toggle_pane(self) -> None:
        if self.has_class("-narrow"):
            self.toggle_class("-show-note")
            if self.has_class("-show-note"):
                self.query_one("#note-pane").focus()
            else:
                self.query_one("#dx-input", Input).focus()
        elif self.focused is not None and self.focused.id == "note-pane":
            self.query_one("#dx-input", Input).focus()
        else:
            self.query_one("#note-pane").focus()

    def action_superbill(self) -> None:
        if self.dirty:
            self.notify("The superbill shows what is saved: ctrl+s saves your changes.",
                        title="Unsaved changes", severity="warning")  # fmt: skip
        self.app.push_screen(SuperbillScreen(self.encounter_id))

    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, PickList):
            self.query_one("#dx-input" if self.picks_for == "dx" else "#qe-input", Input).focus()
            return
        if isinstance(focused, Input) and focused.id == "qe-input" and self.editing is not None:
            self.editing = None
            focused.value = ""
            self.say("Line left as it was.")
            return
        if isinstance(focused, Input):
            target = "#dx-table" if self.dx or not self.lines else "#line-table"
            self.query_one(target).focus()
            return
        if self.has_class("-narrow") and self.has_class("-show-note"):
            self.action_toggle_pane()
            return
        if self.dirty and not self._leave_warned:
            self._leave_warned = True
            self.say("Unsaved changes: ctrl+s saves them; escape again leaves without saving.",
                     "error")  # fmt: skip
            return
        self.app.pop_screen()


# -- the superbill -----------------------------------------------------------------------------
def superbill_path(encounter_id: int):
    return data_dir() / "superbills" / f"superbill-{encounter_id}.pdf"


def print_superbill(store, encounter_id: int):
    return superbill.superbill_pdf(store, encounter_id, superbill_path(encounter_id))


class SuperbillScreen(DeskScreen):
    HELP = """
## Superbill

A one-page summary of the visit as saved: patient, insurance in force on the date of
service, providers, the diagnoses with their descriptions, and each line with modifiers,
units, charge and diagnosis pointers, with the total.

Check before printing: every line points to a diagnosis that supports it, the total is what
you expect, and the insurance is the one the patient has today.

- `p` prints it to a PDF file (the path is shown when it is written).
- `escape` goes back.
"""

    DEFAULT_CSS = """
    SuperbillScreen #sb { height: 1fr; padding: 0 1; }
    """

    CANCELLABLE = frozenset({"superbill"})

    BINDINGS = identify("superbill_screen", [
        Binding("p", "print", "Print PDF", tooltip="Write the superbill as a PDF file."),
        Binding("r", "refresh", "Refresh", show=False, tooltip="Read the visit again."),
        Binding("escape", "back", "Back", tooltip="Go back."),
    ])  # fmt: skip

    def __init__(self, encounter_id: int) -> None:
        super().__init__()
        self.encounter_id = encounter_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Superbill · visit {self.encounter_id}", classes="title")
        with VerticalScroll(id="sb"):
            yield Static("Loading…", id="sb-body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sb", VerticalScroll).focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self.load("superbill", superbill.superbill, self.encounter_id)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_print(self) -> None:
        self.load("pdf", print_superbill, self.encounter_id)

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "pdf":
            self.notify(f"Saved to {message.value}", title="Superbill printed", timeout=10)
        elif message.what == "superbill":
            self.query_one("#sb-body", Static).update(render_superbill(message.value))


def render_superbill(b: superbill.Superbill) -> Group:
    head = Table.grid(padding=(0, 1), expand=True)
    head.add_column(style="bold", no_wrap=True)
    head.add_column(ratio=1)
    head.add_row(
        "Practice", f"{b.practice_name} · NPI {b.practice_npi} · Tax ID {b.practice_tax_id}"
    )
    head.add_row("Patient", f"{b.patient_name} · account {b.account_number} · born "
                 f"{us_date(b.date_of_birth)} · {b.sex}")  # fmt: skip
    if b.coverage:
        for cov in b.coverage:
            rank = {1: "Primary", 2: "Secondary", 3: "Tertiary"}.get(cov.rank, str(cov.rank))
            head.add_row(rank, f"{cov.payer_name} · member {cov.member_id}"
                         + (f" · group {cov.group_number}" if cov.group_number else ""))  # fmt: skip
    else:
        head.add_row("Insurance", "none in force on the date of service (self-pay)")
    head.add_row("Visit", f"{us_date(b.date_of_service)} · POS {b.place_of_service} "
                 f"{b.place_of_service_name} · {b.status}")  # fmt: skip
    head.add_row("Provider", f"{b.rendering_provider} · NPI {b.rendering_npi}")
    if b.referring_provider:
        head.add_row("Referring", f"{b.referring_provider} · NPI {b.referring_npi}")
    if b.facility_name:
        head.add_row("Facility", b.facility_name)
    if b.authorization_number:
        head.add_row("Authorization", b.authorization_number)

    dx = Table(title="Diagnoses", title_justify="left", title_style="bold", expand=True,
               show_edge=False, box=None, padding=(0, 1))  # fmt: skip
    dx.add_column("#", width=2, justify="right")
    dx.add_column("Code", width=8, no_wrap=True)
    dx.add_column("Description", ratio=1)
    for d in b.diagnoses:
        dx.add_row(str(d.seq), d.code, d.description)
    if not b.diagnoses:
        dx.add_row("", "", Text("none coded yet", style="italic"))

    lines = Table(title="Services", title_justify="left", title_style="bold", expand=True,
                  show_edge=False, box=None, padding=(0, 1), show_footer=True)  # fmt: skip
    lines.add_column("#", width=2, justify="right")
    lines.add_column("Code", width=5, no_wrap=True)
    lines.add_column("Mods", width=5, no_wrap=True)
    lines.add_column("Un", width=3, justify="right")
    lines.add_column("Dx", width=7, no_wrap=True)
    lines.add_column("Description", ratio=1, footer=Text("Total", style="bold", justify="right"))
    lines.add_column("Charge", width=11, justify="right",
                     footer=Text(money(b.total_cents), style="bold"))  # fmt: skip
    for ln in b.lines:
        lines.add_row(str(ln.seq), ln.code, " ".join(ln.modifiers), str(ln.units),
                      ",".join(map(str, ln.pointers)), ln.description, money(ln.charge_cents))  # fmt: skip
    if not b.lines:
        lines.add_row("", "", "", "", "", Text("none coded yet", style="italic"), "")
    parts: list = [head, Text(""), dx, Text(""), lines]
    if b.query_note:
        parts[1:1] = [Text(f"Question for the coder: {b.query_note}", style="bold yellow")]
    parts.append(Text("\nCPT wording is ClaimDesk's demo wording unless a licensed CPT file was "
                      "imported.", style="dim italic"))  # fmt: skip
    return Group(*parts)


def open_coder(app, encounter_id: int) -> None:
    """Switch to the Coding mode with one encounter open for coding."""
    app.switch_mode("coding")
    top = app.screen
    if isinstance(top, CoderScreen) and top.encounter_id == encounter_id:
        return
    while len(app.screen_stack) > 1 and not (
        isinstance(app.screen, CoderScreen) and app.screen.dirty
    ):
        app.pop_screen()
    if isinstance(app.screen, CoderScreen) and app.screen.dirty:
        app.notify(
            f"Visit {app.screen.encounter_id} has unsaved codes: save (ctrl+s) or leave it "
            "(escape) first.",
            title="Unsaved changes",
            severity="warning",
        )
        return
    app.push_screen(CoderScreen(encounter_id))
