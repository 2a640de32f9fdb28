"""`claimdesk seed --demo`: the command's contract (exit codes, JSON keys, refusing to re-seed).

The database files are migrated beforehand so the command skips loading the built-in code sets
(the seed never needs them); that path is covered by the `db upgrade` tests.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from cli.main import cli
from core.store import Store


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "demo.db"
    store = Store(str(path))
    store.upgrade()
    store.dispose()
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def count(path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_seed_json(db):
    result = invoke("--db", str(db), "--user", "ann", "seed", "--demo", "--patients", "40",
                    "--encounters", "60", "--seed", "2", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {
        "patients",
        "encounters",
        "claims",
        "providers",
        "payers",
        "seconds",
        "database",
    } <= set(out)
    assert out["patients"] == 40 and out["encounters"] == 60
    assert out["claims"] == count(db, "claims") > 0
    assert out["providers"] >= 3 and out["payers"] >= 5
    assert out["database"] == str(db.resolve())
    assert count(db, "patients") == 40
    con = sqlite3.connect(db)
    actors = {r[0] for r in con.execute("SELECT DISTINCT actor FROM audit_log")}
    con.close()
    assert actors == {"ann"}


def test_seed_text_summary_then_refuse_a_second_seed(db):
    first = invoke("--db", str(db), "seed", "--demo", "--patients", "30", "--encounters", "30")
    assert first.exit_code == 0, first.output
    assert "30 patients" in first.stdout and "claims" in first.stdout
    before = {
        t: count(db, t) for t in ("patients", "encounters", "claims", "ledger_entries", "audit_log")
    }
    again = invoke("--db", str(db), "seed", "--demo")
    assert again.exit_code == 1
    assert "already has 30 patients; seed a new database file" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert {t: count(db, t) for t in before} == before


@pytest.mark.parametrize(
    "args",
    [
        ("seed", "--demo", "--patients", "0"),
        ("seed", "--demo", "--encounters", "0"),
        ("seed", "--demo", "--patients", "many"),
        ("seed",),
    ],
)
def test_usage_errors_exit_2(db, args):
    result = invoke("--db", str(db), *args)
    assert result.exit_code == 2, result.output
    assert count(db, "patients") == 0


def test_missing_demo_flag_explains(db):
    result = invoke("--db", str(db), "seed", "--patients", "5")
    assert result.exit_code == 2
    assert "only the synthetic demo practice can be seeded" in result.stderr
