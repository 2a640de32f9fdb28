"""Authorizations from the patient's record: list, add by keyboard, bad input in place."""

from __future__ import annotations

import datetime as dt

import pytest

from core.services import authorizations
from core.store import Store
from tui.app import ClaimDeskApp
from tui.screens.authorizations import AuthorizationForm, AuthorizationsScreen

from .conftest import wait_until
from .test_patients import _choose, _field, _form_ready, _open_record

TODAY = dt.date(2026, 11, 2)


async def test_record_an_authorization_by_keyboard(demo_db):
    store = Store(demo_db)
    seen: list = []
    app = ClaimDeskApp(store_url=demo_db, user="tester", today=TODAY)
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        record = await _open_record(pilot, seen, "A000001")
        patient_id = record.record.detail.patient.id
        before = len(authorizations.list_authorizations(store, patient_id=patient_id))
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AuthorizationsScreen))
        screen = app.screen
        await pilot.press("n")
        await _form_ready(pilot, AuthorizationForm)
        form = app.screen
        await _choose(pilot, 1)
        await pilot.press("tab", *"PA123456", "tab", *"97110 97140", "tab", *"12", "tab", "tab",
                          *"11/01/2026", "tab", *"10/01/2026")  # fmt: skip
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form, "an end before the start is refused in place"
        assert _field(form, "number").raw() == "PA123456"
        await pilot.press("ctrl+u", *"12/31/2026", "ctrl+s")
        await wait_until(pilot, lambda: app.screen is screen)
        table = screen.query_one("#auths")
        await wait_until(pilot, lambda: table.row_count == before + 1)
    saved = authorizations.by_number(store, patient_id, "PA123456")
    assert saved is not None and saved.service_codes == ("97110", "97140")
    assert (saved.units_approved, saved.units_left) == (12, 12)
    assert saved.end_date == dt.date(2026, 12, 31)
    store.dispose()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_authorizations_snapshot(snap_compare, demo_db, size):
    async def run_before(pilot):
        seen: list = []
        pilot.app._seen = seen
        await pilot.press("f3")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press(*"A000031")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await pilot.press("a")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    app = ClaimDeskApp(store_url=demo_db, user="tester", today=TODAY)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
