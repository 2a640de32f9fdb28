"""Snapshots of the visit and coding screens at 80x24 and 120x40 on the seeded demo.

Plain ``def`` (snap_compare is synchronous); workers finish in ``run_before``; the input
cursor does not blink. Review snapshot_report.html before any --snapshot-update.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from core.services import favorites
from core.store import Store
from tui.app import ClaimDeskApp
from tui.screens.coding import CoderScreen, CodingScreen, SuperbillScreen
from tui.screens.encounters import EncounterScreen, open_encounter

from .conftest import wait_until

SIZES = [(80, 24), (120, 40)]
SIZE_IDS = lambda s: f"{s[0]}x{s[1]}"  # noqa: E731

QUERY_VISIT = 231  # demo: a diabetes visit the biller sent back with a question
THERAPY_VISIT = 294  # demo: physical therapy under a prior authorization
CODED_VISIT = 237  # demo: coded, waiting for the biller


def _app(db: str) -> ClaimDeskApp:
    return ClaimDeskApp(store_url=db, user="tester")


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for inp in pilot.app.screen.query(Input):
        inp.cursor_blink = False
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_coder_queue(snap_compare, demo_db, size):
    async def run_before(pilot):
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CodingScreen))
        await wait_until(pilot, lambda: pilot.app.screen._rows)
        await pilot.press("j", "j", "j")
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_coder_screen(snap_compare, demo_db, size):
    store = Store(demo_db)
    for kind, code in (("icd10", "E11.9"), ("icd10", "E11.65"), ("cpt", "99214")):
        favorites.add_favorite(store, 1, kind, code)  # Dr. Marsh, who saw the visit
    store.dispose()

    async def run_before(pilot):
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CodingScreen))
        queue = pilot.app.screen
        await wait_until(pilot, lambda: queue._rows)
        index = [e.id for e in queue._rows].index(QUERY_VISIT)
        await pilot.press(*["j"] * index, "enter")
        await wait_until(
            pilot, lambda: isinstance(pilot.app.screen, CoderScreen) and pilot.app.screen.context
        )
        await pilot.press(*"E11.6")
        await wait_until(pilot, lambda: any(p.code == "E11.65" for p in pilot.app.screen.picks))
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_encounter_detail(snap_compare, demo_db, size):
    async def run_before(pilot):
        open_encounter(pilot.app, THERAPY_VISIT)
        await wait_until(
            pilot, lambda: isinstance(pilot.app.screen, EncounterScreen) and pilot.app.screen.detail
        )
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_superbill(snap_compare, demo_db, size):
    async def run_before(pilot):
        open_encounter(pilot.app, CODED_VISIT)
        await wait_until(
            pilot, lambda: isinstance(pilot.app.screen, EncounterScreen) and pilot.app.screen.detail
        )
        await pilot.press("b")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SuperbillScreen))
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)
