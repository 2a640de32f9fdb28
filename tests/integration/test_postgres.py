"""The same store on a real PostgreSQL server: migrations, services, code search, alembic check."""

from __future__ import annotations

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


def test_migrations_reach_head_on_postgres(pg_store):
    assert pg_store.revision() == migrate.head_revision()
    with pg_store.engine.connect() as conn:
        assert conn.execute(text("select version()")).scalar().startswith("PostgreSQL")


def test_alembic_check_on_postgres(pg_store, pg_url):
    env = {**os.environ, "CLAIMDESK_DB": pg_url}
    alembic = str(Path(sys.executable).with_name("alembic"))
    check = subprocess.run([alembic, "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_billing_core_runs_on_postgres(pg_store):
    world = small_practice(pg_store)
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
