"""Snapshots of the Payments stage at 80x24 and 120x40: the ERA list, one ERA opened, the import
preview, the denial queue, a payment batch and patient payments.

The data is the seeded demo (fixed seed and date) plus two claims billed, submitted and accepted
through core services, and the 835 for them (tests/tui/test_payments.py builds both). Nothing
shown depends on the wall clock: the screens show payment, deposit and service dates, never the
time a row was written.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Input

from core.services import answers, claims, exchange, payments, practice, remittance
from core.store import Store
from tui.app import ClaimDeskApp

from .test_payments import ERA_NAME, TODAY, WEAVER, paid_and_denied, sent_claims, write_inbox

SIZES = [(80, 24), (120, 40)]
ids = pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")


@pytest.fixture(scope="session")
def paid_template(tmp_path_factory, demo_template) -> tuple[Path, bytes, int]:
    """The demo with the two claims accepted; the 835's bytes; the denied claim's id."""
    path = tmp_path_factory.mktemp("payments") / "demo.db"
    shutil.copyfile(demo_template, path)
    store = Store(str(path), actor="biller")
    paid, denied = sent_claims(store)
    data = paid_and_denied(store, paid, denied).data
    store.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path, data, denied.claim.id


@pytest.fixture
def world(tmp_path, paid_template) -> tuple[str, Store, int]:
    """A copy of the template with the 835 in its inbox (nothing imported yet)."""
    template, data, denied_id = paid_template
    db = tmp_path / "demo.db"
    shutil.copyfile(template, db)
    store = Store(str(db), actor="biller")
    write_inbox(store, data)
    yield str(db), store, denied_id
    store.dispose()


def _post(store: Store) -> None:
    """Import the inbox's 835 through the service (as the exchange sync would)."""
    data = (exchange.inbox_dir(store) / ERA_NAME).read_bytes()
    assert answers.import_bytes(store, ERA_NAME, data).applied


def _app(db: str) -> ClaimDeskApp:
    return ClaimDeskApp(store_url=db, user="biller", today=TODAY)


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for inp in pilot.app.screen.query(Input):
        inp.cursor_blink = False
    await pilot.pause()


async def _payments(pilot) -> None:
    await pilot.press("f7")
    await _settle(pilot)


@ids
def test_era_list(snap_compare, world, size):
    db, store, _ = world
    _post(store)

    async def run_before(pilot):
        await _payments(pilot)
        assert pilot.app.screen.pane("eras").eras[0].status == "posted"

    assert snap_compare(_app(db), terminal_size=size, run_before=run_before)


@ids
def test_era_opened(snap_compare, world, size):
    db, store, _ = world
    _post(store)

    async def run_before(pilot):
        await _payments(pilot)
        await pilot.press("enter")
        await _settle(pilot)
        assert pilot.app.screen.record is not None

    assert snap_compare(_app(db), terminal_size=size, run_before=run_before)


@ids
def test_import_preview(snap_compare, world, size):
    db, _, _ = world

    async def run_before(pilot):
        await _payments(pilot)
        await pilot.press("i")
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)
        assert pilot.app.screen.preview.outcome.claims_matched == 2

    assert snap_compare(_app(db), terminal_size=size, run_before=run_before)


@ids
def test_denial_queue(snap_compare, world, size):
    db, store, denied_id = world
    _post(store)

    async def run_before(pilot):
        await _payments(pilot)
        await pilot.press("3")
        await _settle(pilot)
        pane = pilot.app.screen.pane("denials")
        for _ in range(len(pane.items)):  # highlight the claim denied by the 835
            if pane.table.current.claim_id == denied_id:
                break
            await pilot.press("j")
        assert pane.table.current.claim_id == denied_id
        await _settle(pilot)

    assert snap_compare(_app(db), terminal_size=size, run_before=run_before)


@ids
def test_payment_batch(snap_compare, world, size):
    db, store, _ = world
    medicare = next(p for p in practice.list_payers(store) if p.kind == "medicare")
    batch = payments.open_batch(store, payer_id=medicare.id, method="check", reference="100234",
                                deposit_date=dt.date(2026, 10, 31), total="120.00")  # fmt: skip
    (paid,) = [r for r in claims.claim_rows(store, status="accepted", payer_code=medicare.payer_code)
               if r.patient_name.startswith("Ross")]  # fmt: skip
    payments.post_eob_line(store, batch.id, paid.id, line_number=1, paid="84.00",
                           adjustments=[("CO", "45", "45.00"), ("PR", "2", "21.00")])  # fmt: skip
    assert remittance.list_remittances(store) == []

    async def run_before(pilot):
        await _payments(pilot)
        await pilot.press("4")
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)
        assert pilot.app.screen.batch.remaining_cents == 3600

    assert snap_compare(_app(db), terminal_size=size, run_before=run_before)


@ids
def test_patient_payments(snap_compare, world, size):
    db, _, _ = world

    async def run_before(pilot):
        await _payments(pilot)
        await pilot.press("5")
        await _settle(pilot)
        await pilot.press(*WEAVER)
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)
        await pilot.press("space")  # mark the oldest claim
        await _settle(pilot)
        assert pilot.app.screen.pane("patient").account.patient.account_number == WEAVER

    assert snap_compare(_app(db), terminal_size=size, run_before=run_before)
