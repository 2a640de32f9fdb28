"""Snapshot tests of the Patients stage at 80x24 and 120x40 on the seeded demo (fixed seed).

Plain ``def`` (snap_compare is synchronous). The record's clock is frozen at the demo's 'today'
(ages and active policies depend on it); workers finish in ``run_before``; the input cursor does
not blink. Review snapshot_report.html before any --snapshot-update.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import types

import pytest
from textual.widgets import Input

from sample_data.demo import DEFAULT_TODAY
from tui.app import ClaimDeskApp
from tui.screens.patient_forms import PatientForm, PolicyForm
from tui.screens.patients import BenefitsCard, PatientScreen, PatientsScreen

from .conftest import wait_until

SIZES = [(80, 24), (120, 40)]
IDS = lambda s: f"{s[0]}x{s[1]}"  # noqa: E731


def _app(db: str) -> ClaimDeskApp:
    return ClaimDeskApp(store_url=db, user="tester", today=DEFAULT_TODAY)


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for inp in pilot.app.screen.query(Input):
        inp.cursor_blink = False
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _until(pilot, predicate) -> None:
    # Bounded by time, not by a count of pauses: a loaded CI machine is slow, not wrong.
    await wait_until(pilot, predicate, timeout=30.0)


async def _form_ready(pilot, form_class) -> None:
    def ready() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, form_class):
            return False
        first = next(iter(screen.fields().values()), None)
        return first is not None and pilot.app.focused is first.control

    await _until(pilot, ready)


async def _record(pilot, account: str) -> None:
    await pilot.press("f3")
    await _until(pilot, lambda: isinstance(pilot.app.screen, PatientsScreen))
    await pilot.press(*account)
    await _until(pilot, lambda: pilot.app.screen.query_one("#patient-results").row_count == 1)
    await pilot.press("enter")
    await _until(
        pilot,
        lambda: isinstance(pilot.app.screen, PatientScreen) and pilot.app.screen.record is not None,
    )


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_patient_search(snap_compare, demo_db, size):
    async def run_before(pilot):
        await pilot.press("f3")
        await _until(pilot, lambda: isinstance(pilot.app.screen, PatientsScreen))
        await pilot.press(*"smith")
        await _until(pilot, lambda: pilot.app.screen.query_one("#patient-results").row_count > 0)
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_patient_record(snap_compare, demo_db, size):
    async def run_before(pilot):
        await _record(pilot, "A000005")
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_registration_with_errors(snap_compare, demo_db, size):
    typed = {"first_name": "Ann", "last_name": "Example", "date_of_birth": "02/30/1990",
             "phone": "503555", "address_line1": "1 Main St", "city": "Portland", "state": "XX",
             "zip_code": "972"}  # fmt: skip

    async def run_before(pilot):
        await pilot.press("f3")
        await _until(pilot, lambda: isinstance(pilot.app.screen, PatientsScreen))
        pilot.app.push_screen(PatientForm(prefill=typed))  # what ctrl+n and typing give
        await _form_ready(pilot, PatientForm)
        await pilot.press("tab", "tab", "tab", "tab", "enter", "down", "enter", "ctrl+s")
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


def test_policy_form_refuses_end_before_start(snap_compare, demo_db):
    async def run_before(pilot):
        await _record(pilot, "A000001")
        await pilot.press("p")
        await _form_ready(pilot, PolicyForm)
        await pilot.press("enter", "down", "down", "enter", "tab", "tab", *"XY1")
        await pilot.press("tab", "tab", *"01/01/2026", "tab", *"12/31/2025", "tab")
        await pilot.press(*"25", "ctrl+s")
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=(80, 24), run_before=run_before)


def test_benefits_card(snap_compare, demo_db, monkeypatch):
    fake = types.ModuleType("core.services.eligibility")

    def check_eligibility(store, patient_id, service_date=None, rank=1):
        return types.SimpleNamespace(
            coverage_active=True, status="answered", payer_name="Sandbox Medicare Part B",
            service_date=DEFAULT_TODAY, copay_cents=0, coinsurance_percent=20,
            deductible_cents=25700, deductible_remaining_cents=0,
            out_of_pocket_remaining_cents=None,
            answered_at=dt.datetime(2026, 11, 2, 17, 30), check_id=12,
            control_number="000000012", payer_code="SBX01", member_id="6QW2ME7JC39",
            messages=("Part B deductible met for 2026",),
            source_lines=("EB*1**30**MB", "EB*A*IND*30*MB***20", "EB*C*IND*30*MB*23*257*****N"),
        )  # fmt: skip

    fake.check_eligibility = check_eligibility
    monkeypatch.setitem(sys.modules, "core.services.eligibility", fake)
    monkeypatch.setenv("TZ", "UTC")  # the card shows the check's time in local time
    time.tzset()

    async def run_before(pilot):
        await _record(pilot, "A000005")
        await pilot.press("e")
        await _until(pilot, lambda: isinstance(pilot.app.screen, BenefitsCard))
        await _settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    try:
        assert snap_compare(_app(demo_db), terminal_size=(80, 24), run_before=run_before)
    finally:
        monkeypatch.undo()
        time.tzset()
