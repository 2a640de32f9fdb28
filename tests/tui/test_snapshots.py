"""Snapshot tests: each screen at 80x24 and 120x40 on the seeded demo (fixed seed and date).

Plain ``def`` (snap_compare is synchronous). Workers finish in ``run_before``; the input cursor
does not blink. Review snapshot_report.html before any --snapshot-update.
"""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, Input

from tui.app import ClaimDeskApp

SIZES = [(80, 24), (120, 40)]


def _app(db: str) -> ClaimDeskApp:
    # The demo seed's fixed "today": counts that depend on the date stay the same.
    return ClaimDeskApp(store_url=db, user="tester", today=dt.date(2026, 11, 2))


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for inp in pilot.app.screen.query(Input):
        inp.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare, demo_db, size):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.app.workers.wait_for_complete()
        assert pilot.app.screen.query_one(DataTable).row_count == 9

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_code_lookup(snap_compare, demo_db, size):
    async def run_before(pilot):
        await pilot.press("f9")
        await pilot.press(*"e11.")
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_queue(snap_compare, demo_db, size):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press("j", "j", "j", "j", "enter")
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_stage_placeholder(snap_compare, demo_db, size):
    async def run_before(pilot):
        await pilot.press("f8")  # Reports: a stage still to be built
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


def test_help_panel(snap_compare, demo_db):
    async def run_before(pilot):
        await _settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(_app(demo_db), terminal_size=(120, 40), run_before=run_before)
