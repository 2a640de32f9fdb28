"""Snapshot tests of the Claims stage at 80x24 and 120x40 on the seeded demo (fixed seed).

Plain ``def`` (snap_compare is synchronous); the app's "today" is the demo's; workers finish in
``run_before``. What a test adds to the demo goes through core services before the app starts,
and only what is deterministic is shown: the timeline is a demo claim's (times from the seed,
shown in UTC here), the 837 is built with a fixed clock, and the inbox's ages are counted from
the app's fixed "today". Review snapshot_report.html before any --snapshot-update.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from textual.widgets import Input

from core.schemas import ServiceLineIn
from core.services import claims, patients, submission
from core.store import Store
from tui.app import ClaimDeskApp
from tui.screens.claims import ClaimScreen, ClaimsScreen
from tui.screens.rejections import InboxScreen
from tui.widgets.claim_panels import SegmentsScreen

from .conftest import wait_until
from .test_claims import TODAY, _coded_claim, _duplicate_claim, _policy_data

SIZES = [(80, 24), (120, 40)]
IDS = lambda s: f"{s[0]}x{s[1]}"  # noqa: E731
NOW = dt.datetime(2026, 11, 2, 9, 30)  # the clock the 837s are built and answered with


@pytest.fixture
def utc(monkeypatch):
    """Times show in the office's local time: pin it so the pictures do not depend on TZ."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _app(db: str) -> ClaimDeskApp:
    return ClaimDeskApp(store_url=db, user="tester", today=TODAY)


def _work(db: str) -> dict[str, str]:
    """A blocked claim (error), one with a warning, and one the payer rejected (277CA)."""
    store = Store(db)
    blocked = _duplicate_claim(store)
    em = (ServiceLineIn(code="99213", pointers=(1,)), ServiceLineIn(code="20610", pointers=(1,)))
    warned, _, _ = _coded_claim(store, em, dx=("M17.11",))
    sent, _, policy = _coded_claim(store, (ServiceLineIn(code="99214", pointers=(1,)),))
    patients.update_policy(store, policy.id, _policy_data(policy, member_id=policy.member_id[:-1]))
    submission.submit(store, claim_ids=[sent.claim.id], today=TODAY, now=NOW)
    submission.sync(store, now=NOW)
    assert claims.get_claim(store, sent.claim.id).claim.status == "rejected"
    store.dispose()
    return {"blocked": blocked.patient_control_number,
            "warned": warned.claim.patient_control_number,
            "rejected": sent.claim.patient_control_number}  # fmt: skip


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


async def _queue(pilot) -> ClaimsScreen:
    await pilot.press("f6")
    await _until(pilot, lambda: isinstance(pilot.app.screen, ClaimsScreen))
    screen = pilot.app.screen
    await _until(pilot, lambda: screen.rows and not screen.fetching)
    return screen


async def _open(pilot, pcn: str) -> ClaimScreen:
    screen = await _queue(pilot)
    await pilot.press("slash", *pcn)
    await _until(pilot, lambda: [r.patient_control_number for r in screen.shown] == [pcn])
    await pilot.press("enter", "enter")
    await _until(pilot, lambda: isinstance(pilot.app.screen, ClaimScreen)
                 and pilot.app.screen.record is not None)  # fmt: skip
    return pilot.app.screen


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_claims_queue(snap_compare, demo_db, size):
    pcns = _work(demo_db)

    async def run_before(pilot):
        screen = await _queue(pilot)
        await pilot.press("s", "s")  # by status: the claims with edits first
        await _until(pilot, lambda: screen.shown[0].status == "edits")
        order = [r.patient_control_number for r in screen.shown]
        ready = next(n for n, r in enumerate(screen.shown) if r.status == "ready")
        await pilot.press(*["j"] * ready, "space")  # mark the first ready claim (moves down)
        await pilot.press(*["k"] * (ready + 1 - order.index(pcns["warned"])))
        await _settle(pilot)
        assert len(screen.marked) == 1
        assert screen.table.current.patient_control_number == pcns["warned"]

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_claim_findings(snap_compare, demo_db, size):
    pcns = _work(demo_db)

    async def run_before(pilot):
        screen = await _open(pilot, pcns["warned"])
        await pilot.press("2")
        await _until(pilot, lambda: pilot.app.focused is screen.query_one("#findings-table"))
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_claim_timeline(snap_compare, demo_db, size, utc):
    async def run_before(pilot):
        await _open(pilot, "CD0000000249")  # a demo claim: its events' times are the seed's
        await pilot.press("4")
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_837_segments(snap_compare, demo_db, size):
    store = Store(demo_db)
    result = submission.submit(store, claim_ids=[273], today=TODAY, now=NOW)
    assert result.claims == 1
    store.dispose()

    async def run_before(pilot):
        await _open(pilot, "CD0000000273")
        await pilot.press("3", "enter")
        await _until(pilot, lambda: isinstance(pilot.app.screen, SegmentsScreen)
                     and pilot.app.screen.query_one("#segments").items)  # fmt: skip
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_rejection_inbox(snap_compare, demo_db, size):
    _work(demo_db)

    async def run_before(pilot):
        await _queue(pilot)
        await pilot.press("i")
        await _until(pilot, lambda: isinstance(pilot.app.screen, InboxScreen)
                     and pilot.app.screen.loaded)  # fmt: skip
        await _settle(pilot)

    assert snap_compare(_app(demo_db), terminal_size=size, run_before=run_before)
