"""Alembic: an empty file upgrades to head, models and migrations agree, downgrade works."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect, text

from core.store import Store
from db import migrate

ROOT = Path(__file__).resolve().parents[2]


def test_empty_file_upgrades_to_head(tmp_path):
    store = Store(str(tmp_path / "fresh.db"))
    assert store.is_empty() and store.revision() is None
    before, after = store.upgrade()
    assert before is None and after == migrate.head_revision() == store.revision()
    tables = set(inspect(store.engine).get_table_names())
    for needed in ("patients", "accounts", "claims", "claim_events", "ledger_entries", "codes",
                   "audit_log", "users", "insurance_policies", "encounters", "service_lines"):  # fmt: skip
        assert needed in tables
    assert "codes_fts" in tables  # the FTS5 index
    # Upgrading again is a no-op.
    assert store.upgrade() == (after, after)


def test_engine_pragmas_are_set(store):
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_foreign_keys_are_enforced(store):
    import pytest
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with store.engine.begin() as conn:
            conn.execute(text("INSERT INTO accounts (patient_id, opened_at, last_activity_at, "
                              "version) VALUES (999, '2026-01-01', '2026-01-01', 1)"))  # fmt: skip


def test_money_columns_are_integers(store):
    for table in inspect(store.engine).get_table_names():
        for col in inspect(store.engine).get_columns(table):
            if col["name"].endswith("_cents"):
                assert str(col["type"]) == "INTEGER", (table, col["name"])


def test_downgrade_to_base_and_back(tmp_path):
    from alembic import command

    store = Store(str(tmp_path / "d.db"))
    store.upgrade()
    cfg = migrate.alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    names = set(inspect(store.engine).get_table_names()) - {"alembic_version"}
    assert names == set()
    store.upgrade()
    assert store.is_current()


def test_alembic_check_finds_no_drift(tmp_path):
    """What CI runs: `alembic check` on a database at head reports no model drift."""
    db = tmp_path / "check.db"
    env = {**os.environ, "CLAIMDESK_DB": str(db)}
    alembic = str(Path(sys.executable).with_name("alembic"))
    up = subprocess.run([alembic, "upgrade", "head"], cwd=ROOT, env=env, capture_output=True,
                        text=True)  # fmt: skip
    assert up.returncode == 0, up.stderr
    check = subprocess.run([alembic, "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_require_current_explains_the_fix(tmp_path):
    import pytest

    from core.errors import StoreError

    path = tmp_path / "old.db"
    sqlite3.connect(path).execute("CREATE TABLE something (x)").connection.close()
    store = Store(str(path))
    with pytest.raises(StoreError, match="claimdesk db upgrade"):
        store.require_current()


def test_name_search_uses_the_lower_name_index(store):
    from core.services import patients

    with store.engine.connect() as conn:
        names = {r[1] for r in conn.execute(text("PRAGMA index_list('patients')"))}
    assert "ix_patients_name_lower" in names
    # The query plan of the service's name search is an index search, not a scan.
    import sqlalchemy

    captured = []

    def grab(conn, cursor, statement, params, context, executemany):
        if "FROM patients" in statement and "lower" in statement:
            captured.append((statement, params))

    sqlalchemy.event.listen(store.engine, "before_cursor_execute", grab)
    patients.search_patients(store, "smi")
    sqlalchemy.event.remove(store.engine, "before_cursor_execute", grab)
    statement, params = captured[0]
    with store.engine.connect() as conn:
        plan = " ".join(
            str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
        )
    assert "ix_patients_name_lower" in plan and "SCAN patients" not in plan


def test_schema_state_head_names_the_newest_migration():
    from db import schema_state

    assert schema_state.HEAD == migrate.head_revision()
