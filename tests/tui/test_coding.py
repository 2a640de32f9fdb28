"""Pilot tests: visits and coding by keyboard alone, on the seeded demo practice."""

from __future__ import annotations

import datetime as dt
import io

from textual.widgets import DataTable, Input, Static

from core.services import authorizations, encounters, favorites
from core.store import Store
from tui.app import ClaimDeskApp
from tui.messages import Loaded
from tui.screens.coding import CoderScreen, CodingScreen, PickList, SuperbillScreen
from tui.screens.encounters import EncounterScreen, EncountersScreen, NewEncounterScreen, QueryModal

from .conftest import wait_until


def _app(db: str) -> ClaimDeskApp:
    return ClaimDeskApp(store_url=db, user="tester")


def _text(screen, selector: str) -> str:
    """What a Static shows, as plain text (Rich tables and groups included)."""
    from rich.console import Console

    content = screen.query_one(selector, Static).content
    if isinstance(content, str):
        return content
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


async def _type(pilot, text: str) -> None:
    """Type ``text`` into the focused box at once (a key per character costs ~0.1 s in Pilot;
    the first flows type key by key)."""
    pilot.app.focused.insert_text_at_cursor(text)
    await pilot.pause()


async def _open_coder(pilot, status: str = "open") -> CoderScreen:
    """F5, then down the queue with j to the first visit of ``status``, then enter."""
    app = pilot.app
    await pilot.press("f5")
    queue = app.screen
    assert isinstance(queue, CodingScreen)
    await wait_until(pilot, lambda: queue._rows)
    index = next(i for i, e in enumerate(queue._rows) if e.status == status)
    await pilot.press(*["j"] * index, "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, CoderScreen) and app.screen.context)
    return app.screen


async def test_code_an_open_visit_by_keyboard(demo_db):
    store = Store(demo_db)
    seen: list = []
    app = _app(demo_db)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        coder = await _open_coder(pilot)
        enc_id = coder.encounter_id
        assert coder.context.encounter.status == "open"
        assert "CHIEF COMPLAINT" in _text(coder, "#coder-note")
        dx_input = coder.query_one("#dx-input", Input)
        assert app.focused is dx_input
        # 80 columns: the note and the code entry take turns (ctrl+t).
        note, entry = coder.query_one("#note-pane"), coder.query_one("#entry-pane")
        assert coder.has_class("-narrow") and entry.display and not note.display
        await pilot.press("ctrl+t")
        assert note.display and not entry.display and app.focused is note
        await pilot.press("ctrl+t")
        assert entry.display and not note.display and app.focused is dx_input

        # Words: billable codes first; E11.9 is among them. Down into the list, then enter.
        await pilot.press(*"diabetes")
        await wait_until(pilot, lambda: any(p.code == "E11.9" for p in coder.picks))
        assert coder.picks_for == "dx"
        billable = [p.billable for p in coder.picks]
        assert billable == sorted(billable, reverse=True)
        index = next(i for i, p in enumerate(coder.picks) if p.code == "E11.9")
        await pilot.press("down")
        assert isinstance(app.focused, PickList)
        await pilot.press(*["down"] * index, "enter")
        await wait_until(pilot, lambda: [d.code for d in coder.dx] == ["E11.9"])
        assert app.focused is dx_input and dx_input.value == ""

        # A category is refused, with the longer codes as a hint; the typing stays.
        await pilot.press(*"E11", "enter")
        await wait_until(pilot, lambda: "needs more characters" in _text(coder, "#entry-msg"))
        assert "E11.9" in _text(coder, "#entry-msg") and "not a billable" in _text(
            coder, "#entry-msg"
        )
        assert [d.code for d in coder.dx] == ["E11.9"]
        assert dx_input.value == "E11"

        # Quick entry: one line, charged from the fee schedule.
        await pilot.press("ctrl+u", "tab")
        qe = coder.query_one("#qe-input", Input)
        assert app.focused is qe
        await pilot.press(*"99214 25 x1 1", "enter")
        await wait_until(pilot, lambda: len(coder.lines) == 1)
        line = coder.lines[0]
        fee = encounters.charge_for(store, "99214", ("25",))
        assert fee and line.charge_cents == fee
        assert (line.code, line.modifiers, line.units, line.pointers) == ("99214", ("25",), 1, (1,))
        assert qe.value == ""
        table = coder.query_one("#line-table", DataTable)
        assert table.row_count == 1 and "99214" in [str(c) for c in table.get_row_at(0)]

        # A bad line says why in place and keeps what was typed.
        await _type(pilot, "99214 25 x0 1")
        await pilot.press("enter")
        assert "units must be at least 1" in _text(coder, "#entry-msg")
        assert qe.value == "99214 25 x0 1" and len(coder.lines) == 1
        await pilot.press("ctrl+u")
        await _type(pilot, "36415 3")  # only one diagnosis is coded
        await pilot.press("enter")
        assert "points to diagnosis 3" in _text(coder, "#entry-msg")
        assert qe.value == "36415 3" and len(coder.lines) == 1
        await pilot.press("ctrl+u")
        await _type(pilot, "99214 25 59 RT LT XS")
        await pilot.press("enter")
        assert "at most 4 modifiers" in _text(coder, "#entry-msg")
        await pilot.press("ctrl+u")

        # Save, then mark coded: the visit leaves the coder's queue and waits for billing.
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: any(isinstance(m, Loaded) and m.what == "save" for m in seen)
        )
        saved = encounters.get_encounter(store, enc_id)
        assert [d.code for d in saved.diagnoses] == ["E11.9"]
        assert [(ln.code, ln.modifiers, ln.charge_cents) for ln in saved.lines] == [
            ("99214", ("25",), fee)
        ]
        assert not coder.dirty
        await pilot.press("ctrl+d")
        await wait_until(pilot, lambda: isinstance(app.screen, CodingScreen))
        queue = app.screen
        await wait_until(pilot, lambda: queue._rows and enc_id not in [e.id for e in queue._rows])
        assert encounters.get_encounter(store, enc_id).status == "coded"
        assert enc_id not in [e.id for e in encounters.coder_queue(store)]
    store.dispose()


async def test_diagnosis_order_pointers_and_edits(demo_db):
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        coder = await _open_coder(pilot)
        # 120 columns: the note on the left beside the code entry.
        note, entry = coder.query_one("#note-pane"), coder.query_one("#entry-pane")
        assert not coder.has_class("-narrow") and note.display and entry.display
        assert note.region.x < entry.region.x and note.region.width > 40
        for code in ("E11.9", "I10"):
            await _type(pilot, code)
            await pilot.press("enter")
            await wait_until(pilot, lambda c=code: c in [d.code for d in coder.dx])
        await pilot.press("tab")
        await _type(pilot, "99214 2")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(coder.lines) == 1)
        assert coder.lines[0].pointers == (2,)

        # Moving I10 up to first place keeps the line pointing at I10.
        coder.query_one("#dx-table", DataTable).focus()
        await pilot.press("down", "K")
        assert [d.code for d in coder.dx] == ["I10", "E11.9"]
        assert coder.lines[0].pointers == (1,)
        # A diagnosis a line points to cannot be removed; the other one can.
        await pilot.press("x")
        assert "still pointed to by line 1" in _text(coder, "#entry-msg")
        assert len(coder.dx) == 2
        await pilot.press("J")  # and back down: the line still points at I10
        assert [d.code for d in coder.dx] == ["E11.9", "I10"]
        assert coder.lines[0].pointers == (2,)
        await pilot.press("up", "x")  # E11.9: no line points to it
        assert [d.code for d in coder.dx] == ["I10"]
        assert coder.lines[0].pointers == (1,)

        # Edit a line in the line box: units change, the charge follows the fee schedule.
        coder.query_one("#line-table", DataTable).focus()
        await pilot.press("e")
        qe = coder.query_one("#qe-input", Input)
        assert app.focused is qe and qe.value == "99214 x1 1"
        await pilot.press("backspace", "backspace", "backspace", *"2 1", "enter")
        await wait_until(pilot, lambda: coder.lines[0].units == 2)
        assert len(coder.lines) == 1
        assert coder.lines[0].charge_cents == 2 * encounters.charge_for(app.store, "99214", ())
        # The 13th diagnosis is refused.
        coder.dx.extend(coder.dx[0] for _ in range(11))
        await pilot.press("ctrl+u")
        dx_input = coder.query_one("#dx-input", Input)
        dx_input.focus()
        await pilot.pause()
        await _type(pilot, "E11.9")
        await pilot.press("enter")
        assert "at most 12 diagnoses" in _text(coder, "#entry-msg")
        assert dx_input.value == "E11.9"


async def test_favorites_are_quick_picks(demo_db):
    store = Store(demo_db)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        first_open = next(e for e in encounters.coder_queue(store) if e.status == "open")
        doc = first_open.rendering_provider_id
        favorites.add_favorite(store, doc, "icd10", "E11.9")
        favorites.add_favorite(store, doc, "icd10", "I10")
        favorites.add_favorite(store, doc, "cpt", "99213")
        coder = await _open_coder(pilot)
        assert coder.encounter_id == first_open.id
        assert [p.code for p in coder.picks] == ["E11.9", "I10"]
        assert "favorite diagnoses" in _text(coder, "#picks-title")
        await pilot.press("down", "2")  # into the list; 2 picks the second favorite
        await wait_until(pilot, lambda: [d.code for d in coder.dx] == ["I10"])
        # The line box offers the procedure favorites; picking one fills the box.
        await pilot.press("tab")
        assert [p.code for p in coder.picks] == ["99213"]
        await pilot.press("down", "1")
        qe = coder.query_one("#qe-input", Input)
        assert app.focused is qe and qe.value == "99213 "
        # f on a search result adds it to the provider's favorites.
        await pilot.press("ctrl+u", "shift+tab")
        await _type(pilot, "hyperlipidemia")
        await wait_until(pilot, lambda: any(p.code == "E78.5" for p in coder.picks))
        index = next(i for i, p in enumerate(coder.picks) if p.code == "E78.5")
        await pilot.press("down", *["down"] * index, "f")
        await wait_until(
            pilot, lambda: "E78.5" in [f.code for f in favorites.list_favorites(store, doc)]
        )
        await wait_until(pilot, lambda: "added to" in _text(coder, "#entry-msg"))
    store.dispose()


async def test_biller_sends_back_and_coder_sees_why(demo_db):
    store = Store(demo_db)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        visits = app.screen
        assert isinstance(visits, EncountersScreen)
        await pilot.press("3")  # coded only
        await wait_until(
            pilot, lambda: visits._rows and all(e.status == "coded" for e in visits._rows)
        )
        enc_id = visits._rows[0].id
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: isinstance(app.screen, EncounterScreen) and app.screen.detail
        )
        await pilot.press("q")
        assert isinstance(app.screen, QueryModal)
        await pilot.press("enter")  # nothing written yet: asked to write the question
        assert "Write the question first" in _text(app.screen, "#query-msg")
        await _type(pilot, "Please confirm the visit level.")
        await pilot.press("enter")
        await wait_until(pilot, lambda: encounters.get_encounter(store, enc_id).status == "query")
        assert (
            encounters.get_encounter(store, enc_id).query_note == "Please confirm the visit level."
        )

        # The coder's queue shows the question; the coder's screen shows it on top.
        await pilot.press("f5")
        queue = app.screen
        await wait_until(pilot, lambda: enc_id in [e.id for e in queue._rows])
        index = [e.id for e in queue._rows].index(enc_id)
        await pilot.press(*["j"] * index)
        assert "Please confirm the visit level." in _text(queue, "#queue-explain")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CoderScreen) and app.screen.context)
        banner = app.screen.query_one("#coder-query", Static)
        assert banner.display and "Please confirm the visit level." in str(banner.render())
        assert app.screen.dx and app.screen.lines  # the coding is there to correct
    store.dispose()


async def test_open_visits_and_code_from_the_visit(demo_db):
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        visits = app.screen
        await wait_until(pilot, lambda: visits._rows)
        await pilot.press("slash")
        await _type(pilot, "morris, jon")
        await wait_until(
            pilot,
            lambda: visits._rows and {e.patient_name for e in visits._rows} == {"Morris, Jonathan"},
        )
        await pilot.press("escape", "enter")
        await wait_until(
            pilot, lambda: isinstance(app.screen, EncounterScreen) and app.screen.detail
        )
        detail = app.screen
        facts = _text(detail, "#visit-facts")
        assert "PA62741951" in facts and "units left" in facts
        assert "SUBJECTIVE" in _text(detail, "#visit-note-text")
        await pilot.press("q")  # open, not coded: cannot go back to the coder
        assert not isinstance(app.screen, QueryModal)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CoderScreen) and app.screen.context)
        assert app.current_mode == "coding"
        assert app.screen.encounter_id == detail.encounter_id


async def test_new_visit_form(demo_db):
    store = Store(demo_db)
    before = len(encounters.list_encounters(store, limit=1000))
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4", "n")
        form = app.screen
        assert isinstance(form, NewEncounterScreen)
        await pilot.press("ctrl+s")
        assert "Choose the patient first" in _text(form, "#form-error")
        await _type(pilot, "morris, jon")
        await wait_until(pilot, lambda: len(form._hits) == 1)
        await pilot.press("enter")
        assert form.patient is not None and form.patient.last_name == "Morris"
        dos = form.query_one("#dos", Input)
        assert app.focused is dos

        future = dt.date.today() + dt.timedelta(days=3)
        await pilot.press("ctrl+u")
        await _type(pilot, f"{future:%m/%d/%Y}")
        await pilot.press("ctrl+s")
        error = _text(form, "#form-error")
        assert "in the future" in error and f"{future:%m/%d/%Y}" in error
        assert dos.value == f"{future:%m/%d/%Y}" and app.focused is dos
        await pilot.press("ctrl+u")
        await _type(pilot, "13/45/2026")
        await pilot.press("ctrl+s")
        assert "MM/DD/YYYY" in _text(form, "#form-error")

        # A date the authorization on file covers: its number is filled in by itself.
        await pilot.press("ctrl+u")
        await _type(pilot, "11/02/2026")
        auth = form.query_one("#auth", Input)
        await wait_until(pilot, lambda: auth.value == "PA62741951")
        assert "9 of 18 units left" in _text(form, "#auth-hint")
        await pilot.press("ctrl+s")
        assert "Choose the provider" in _text(form, "#form-error")
        await pilot.press("enter", "down", "enter")  # the provider list: first provider
        assert form.query_one("#provider").value is not None
        form.query_one("#reason", Input).focus()
        await pilot.pause()
        await _type(pilot, "Knee pain follow-up")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, EncounterScreen))
        new_id = app.screen.encounter_id
        await wait_until(pilot, lambda: app.screen.detail)
    created = encounters.get_encounter(store, new_id)
    assert created.status == "open" and created.visit_reason == "Knee pain follow-up"
    assert created.authorization_number == "PA62741951"
    assert created.date_of_service == dt.date(2026, 11, 2)
    assert authorizations.for_encounter(store, new_id).number == "PA62741951"
    assert len(encounters.list_encounters(store, limit=1000)) == before + 1
    store.dispose()


async def test_superbill_view_and_pdf(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMDESK_HOME", str(tmp_path))
    store = Store(demo_db)
    coded = encounters.list_encounters(store, status="coded")[0]
    app = _app(demo_db)
    async with app.run_test(size=(120, 40)) as pilot:
        from tui.screens.encounters import open_encounter

        open_encounter(app, coded.id)
        await wait_until(
            pilot, lambda: isinstance(app.screen, EncounterScreen) and app.screen.detail
        )
        await pilot.press("b")
        sb = app.screen
        assert isinstance(sb, SuperbillScreen)
        total = f"${coded.total_charge_cents / 100:,.2f}"
        await wait_until(pilot, lambda: total in _text(sb, "#sb-body"))
        body = _text(sb, "#sb-body")
        for line in coded.lines:
            assert line.code in body
        for dx in coded.diagnoses:
            assert dx.code in body
        await pilot.press("p")
        pdf = tmp_path / "superbills" / f"superbill-{coded.id}.pdf"
        await wait_until(pilot, lambda: pdf.exists() and pdf.stat().st_size > 0)
        assert pdf.read_bytes().startswith(b"%PDF")
        await pilot.press("escape")
        assert isinstance(app.screen, EncounterScreen)
    store.dispose()


def test_every_binding_has_a_description_and_every_screen_help():
    from textual.binding import Binding

    from tui.screens.coding import DxTable, LineTable, QueueTable
    from tui.screens.encounters import VisitTable

    classes = [EncountersScreen, EncounterScreen, NewEncounterScreen, QueryModal, CodingScreen,
               CoderScreen, SuperbillScreen, PickList, DxTable, LineTable]  # fmt: skip
    for cls in classes:
        assert cls.HELP and len(cls.HELP) > 200, cls
    for cls in [*classes, QueueTable, VisitTable]:
        for b in cls.BINDINGS:
            assert isinstance(b, Binding) and b.description and b.tooltip, (cls, b)


async def test_eligibility_from_the_visit(demo_db):
    """e on a visit checks coverage for its date of service and shows the benefits card."""
    from core.services import eligibility
    from tui.screens.patients import BenefitsCard

    store = Store(demo_db)
    app = _app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        visits = app.screen
        await wait_until(pilot, lambda: visits._rows)
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: isinstance(app.screen, EncounterScreen) and app.screen.detail
        )
        visit = app.screen.detail.encounter
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, BenefitsCard))
        check = eligibility.last_check(store, visit.patient_id)
        assert check is not None and check.encounter_id == visit.id
        assert check.service_date == visit.date_of_service
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, EncounterScreen))
    store.dispose()
