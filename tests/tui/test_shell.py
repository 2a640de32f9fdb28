"""The shell around the stages: work queues that open records, the palette, jump mode."""

from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Input

from core.services import dashboard, lookup
from core.store import Store
from tui.app import ClaimDeskApp
from tui.screens.claims import ClaimScreen
from tui.screens.queue import QueueScreen

from .conftest import wait_until

TODAY = dt.date(2026, 11, 2)  # the demo seed's fixed "today"


def test_every_queue_lists_its_items(demo_db):
    store = Store(demo_db)
    counts = {q.key: q.count for q in dashboard.work_queues(store, TODAY).queues}
    assert set(counts) == set(dashboard.QUEUE_KEYS)
    for key in dashboard.QUEUE_KEYS:
        items = dashboard.queue_items(store, key, today=TODAY)
        assert len(items) == min(counts[key], 300), key
    to_code = dashboard.queue_items(store, "to_code", today=TODAY)
    assert {i.status for i in to_code} <= {"open", "query"}
    assert any(i.detail.startswith("Query:") for i in to_code)
    assert counts["verify"] > 0 and counts["auths"] > 0


def test_palette_search_finds_patients_claims_and_visits(demo_db):
    store = Store(demo_db)
    some = dashboard.queue_items(store, "rejected", today=TODAY)[0]
    hits = lookup.find_anything(store, some.title)
    assert hits[0].kind == "claim" and hits[0].record_id == some.record_id
    last = some.patient_name.split(",")[0]
    assert any(h.kind == "patient" and h.patient_id == some.patient_id
               for h in lookup.find_anything(store, some.patient_name, limit=20))  # fmt: skip
    assert any(h.kind == "patient" for h in lookup.find_anything(store, last))
    assert [h.kind for h in lookup.find_anything(store, "#1")][:1] == ["encounter"]
    assert lookup.find_anything(store, "x") == []
    assert lookup.find_anything(store, "zzzzqqq") == []


async def test_a_queue_opens_filters_sorts_and_shows_a_claim(demo_db):
    app = ClaimDeskApp(store_url=demo_db, user="tester", today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        home = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: home.row_count == 9)
        labels = [str(home.get_row_at(i)[0]) for i in range(home.row_count)]
        await pilot.press(*["j"] * labels.index("Rejected claims"), "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, QueueScreen))
        queue = app.screen
        table = queue.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count > 0)
        total = table.row_count
        first_patient = queue.shown[0].patient_name
        await pilot.press("slash", *first_patient.split(",")[0].lower())
        await wait_until(pilot, lambda: table.row_count <= total)
        assert all(first_patient.split(",")[0] in i.patient_name for i in queue.shown)
        await pilot.press("enter")  # leaves the filter box for the table
        assert app.focused is table
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ClaimScreen))
        shown = app.screen
        await wait_until(pilot, lambda: getattr(shown, "record", None) is not None)
        assert shown.record.detail.claim.status == "rejected"
        assert shown.record.detail.events[0].to_status == "draft"
        await pilot.press("escape")
        assert app.screen is queue
        await pilot.press("escape")  # clears the filter
        assert queue.query_one("#filter", Input).value == "" and table.row_count == total
        await pilot.press("s")
        assert queue.sort_index == 1
        names = [i.patient_name.lower() for i in queue.shown]
        assert names == sorted(names)
        await pilot.press("escape")
        assert app.screen.query_one(DataTable) is home


async def test_jump_mode_focuses_by_one_key(demo_db):
    app = ClaimDeskApp(store_url=demo_db, user="tester", today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f9")
        await pilot.press("ctrl+o")
        jump = app.screen
        assert type(jump).__name__ == "JumpScreen"
        key = next(k for k, w in jump.targets.items() if isinstance(w, DataTable))
        await pilot.press(key)
        assert isinstance(app.focused, DataTable)


async def test_palette_lists_commands_with_their_keys(demo_db):
    app = ClaimDeskApp(store_url=demo_db, user="tester", today=TODAY)
    async with app.run_test(size=(80, 24)):
        titles = [str(c.title) for c in app.get_system_commands(app.screen)]
        assert "Codes  [f9]" in titles and "Jump  [ctrl+o]" in titles
