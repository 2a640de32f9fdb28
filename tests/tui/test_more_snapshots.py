"""Snapshots of the screens the other snapshot files leave out, at 80x24 and 120x40.

Plain ``def``; fixed "today"; workers finish in ``run_before``; no blinking cursor.
"""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Input

from tui.app import ClaimDeskApp

SIZES = [(80, 24), (120, 40)]
IDS = lambda s: f"{s[0]}x{s[1]}"  # noqa: E731


def _app(db: str) -> ClaimDeskApp:
    return ClaimDeskApp(store_url=db, user="tester", today=dt.date(2026, 11, 2))


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_visits_list(snap_compare, demo_db, size):
    async def run_before(pilot):
        await pilot.press("f4")
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_new_visit_form(snap_compare, demo_db, size):
    async def run_before(pilot):
        await pilot.press("f4", "n")
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_claim_summary_from_a_queue(snap_compare, demo_db, size):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press(*["j"] * 6, "enter")  # Rejected claims
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_jump_mode(snap_compare, demo_db, size):
    async def run_before(pilot):
        await pilot.press("f9")
        await _settle(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


def test_help_at_80x24(snap_compare, demo_db):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(_app(demo_db), terminal_size=(80, 24), run_before=run_before)


async def _open_patient(pilot, account: str) -> None:
    await pilot.press("f3")
    await _settle(pilot)
    await pilot.press(*account)
    await pilot.pause(0.3)
    await _settle(pilot)
    await pilot.press("enter")
    await pilot.pause(0.3)
    await _settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
@pytest.mark.parametrize("key", ["p", "g", "d"], ids=["policy-form", "guarantor-form", "edit-form"])
def test_patient_forms(snap_compare, demo_db, size, key):
    async def run_before(pilot):
        await _open_patient(pilot, "A000005")
        await pilot.press(key)
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_authorization_form(snap_compare, demo_db, size):
    async def run_before(pilot):
        await _open_patient(pilot, "A000031")
        await pilot.press("a")
        await _settle(pilot)
        await pilot.press("n")
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)
