"""The same store on a real PostgreSQL server: migrations, services, code search, alembic check."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from core.services import claims, codesets, ledger, users
from core.store import Store
from db import migrate

from .helpers import built_claim, small_practice

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pg_url():
    from tests.pg import PostgresServer

    try:
        server = PostgresServer()
        url = server.start()
    except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
        if os.environ.get("CLAIMDESK_REQUIRE_SERVICES"):  # CI: a missing server is a failure
            pytest.fail(f"PostgreSQL server could not start: {exc}")
        pytest.skip(f"no PostgreSQL server available here: {exc}")
    yield url
    server.stop()


@pytest.fixture(scope="module")
def pg_store(pg_url):
    store = Store(pg_url, actor="tester")
    store.upgrade()
    codesets.load_builtin(store)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def pg_world(pg_store):
    return small_practice(pg_store)


def test_migrations_reach_head_on_postgres(pg_store):
    assert pg_store.revision() == migrate.head_revision()
    with pg_store.engine.connect() as conn:
        assert conn.execute(text("select version()")).scalar().startswith("PostgreSQL")


def test_alembic_check_on_postgres(pg_store, pg_url):
    env = {**os.environ, "CLAIMDESK_DB": pg_url}
    alembic = str(Path(sys.executable).with_name("alembic"))
    check = subprocess.run([alembic, "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_billing_core_runs_on_postgres(pg_store, pg_world):
    world = pg_world
    cid = built_claim(pg_store, world)  # scrubbed on save: clean, so ready
    ledger.post_insurance_payment(pg_store, cid, "100.00", reference="EFT1")
    ledger.transfer_to_patient(pg_store, cid, "20.00", reason_code="3")
    money = claims.get_claim(pg_store, cid).money
    assert (money.charge_cents, money.paid_cents, money.patient_responsibility_cents) == (
        21000, 10000, 2000,
    )  # fmt: skip
    assert money.balance_cents == 11000
    assert [e.to_status for e in claims.get_claim(pg_store, cid).events] == ["draft", "ready"]
    assert users.audit_trail(pg_store, entity="claim", entity_id=cid)


def test_code_search_works_on_postgres(pg_store):
    by_code = codesets.search(pg_store, "E11.9")
    assert by_code[0].code == "E11.9" and by_code[0].billable
    words = [c.code for c in codesets.search(pg_store, "diabetes without complications", limit=20)]
    assert "E11.9" in words
    e11 = codesets.lookup(pg_store, "icd10", "E11")
    assert e11 is not None and not e11.billable


def test_an_835_posts_to_the_cent_on_postgres(pg_store, pg_world, tmp_path, monkeypatch):
    """The posting's bulk path (driver executemany, dates as objects) on a real server: a
    partial payment with a deductible, the insurance balance and the status it settles in."""
    from core.services import answers, submission
    from core.x12.x835_model import Adjustment835 as A
    from tests.integration.helpers import BILLED_ON, DOS
    from tests.integration.test_remittance import NOW, clp, svc, text_835

    monkeypatch.setenv("CLAIMDESK_HOME", str(tmp_path))  # the sandbox's folders
    dos = DOS - dt.timedelta(days=7)  # not the visit the other test billed
    cid = built_claim(pg_store, pg_world, dos=dos)
    submission.submit(pg_store, claim_ids=[cid], today=BILLED_ON, now=NOW)
    submission.sync(pg_store, now=NOW)
    claim = claims.get_claim(pg_store, cid)
    assert claim.claim.status == "accepted"
    pcn = claim.claim.patient_control_number
    (c1, ch1), (c2, ch2) = [(ln.code, ln.charge_cents) for ln in claim.lines]
    assert (ch1, ch2) == (18500, 2500)
    data = text_835(clp(pcn, "1", 21000, 7000,
                        svc(c1, 18500, 6000, A("CO", "45", 10500), A("PR", "1", 2000), day=dos),
                        svc(c2, 2500, 1000, A("CO", "45", 1500), day=dos), pr=2000),
                    trace="PGEFT1")  # fmt: skip
    out = answers.import_bytes(pg_store, "pg.835", data)
    assert out.applied and not out.errors, out.errors
    assert out.claims_matched == 1 and out.lines_posted == 2
    assert out.adjustment_cents_by_group == {"CO": 12000, "PR": 2000}
    after = claims.get_claim(pg_store, cid)
    money = after.money
    assert (money.paid_cents, money.patient_responsibility_cents, money.balance_cents) == (
        7000, 2000, 2000,
    )  # fmt: skip
    assert after.claim.status == "paid"
    assert after.events[-1].to_status == "paid" and "835 posted" in after.events[-1].reason
    again = answers.import_bytes(pg_store, "pg.835", data)
    assert not again.applied and "already imported" in again.errors[0]
