"""The CLI contract of claims out: `claims list|submit`, `exchange sync`, `x12 import`,
`clearinghouse run` (real subprocesses on a real SQLite file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.services import claims, exchange
from core.store import Store

from .helpers import built_claim, small_practice
from .test_cli_main import run

LIST_KEYS = {
    "claim_id", "patient_control_number", "payer_id", "status", "charge_cents", "paid_cents",
    "adjustment_cents", "patient_responsibility_cents", "balance_cents",
}  # fmt: skip
IMPORT_KEYS = {
    "file", "type", "posted", "claims_matched", "paid_cents", "adjustment_cents_by_group",
    "plb_cents", "unmatched", "warnings", "errors",
}  # fmt: skip


@pytest.fixture
def office(codes_store) -> Path:
    world = small_practice(codes_store)
    built_claim(codes_store, world)
    codes_store.dispose()
    return codes_store.path


def cd(path: Path, *args: str):
    return run("--db", str(path), *args)


def test_list_prints_the_contract_keys(office):
    result = cd(office, "claims", "list", "--json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert LIST_KEYS <= set(row)
    assert (row["status"], row["payer_id"], row["charge_cents"], row["balance_cents"]) == (
        "ready", "SBX01", 21000, 21000,
    )  # fmt: skip
    assert json.loads(cd(office, "claims", "list", "--json", "--status", "paid").stdout) == []
    assert cd(office, "claims", "list", "--status", "nonsense").returncode == 2


def test_submit_sync_and_import_through_the_cli(office, tmp_path):
    result = cd(office, "claims", "submit", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["claims"] == 1 and len(out["files"]) == 1 and Path(out["files"][0]).is_file()
    assert cd(office, "x12", "validate", out["files"][0]).returncode == 0
    # The sandbox answers on its own side; sync sends, fetches and imports.
    result = cd(office, "exchange", "sync", "--json")
    assert result.returncode == 0, result.stderr
    synced = json.loads(result.stdout)
    assert len(synced["sent"]) == 1 and len(synced["fetched"]) == 2
    assert all(IMPORT_KEYS <= set(i) and i["posted"] for i in synced["imported"])
    rows = json.loads(cd(office, "claims", "list", "--json").stdout)
    assert [r["status"] for r in rows] == ["accepted"]
    # The same answers again: refused, exit 1, nothing changes.
    store = Store(str(office))
    inbox = exchange.inbox_dir(store)
    files = sorted(str(p) for p in inbox.iterdir() if p.is_file())
    again = cd(office, "x12", "import", "--json", *files)
    assert again.returncode == 1
    outcomes = json.loads(again.stdout)
    assert [o["posted"] for o in outcomes] == [False, False]
    assert all("already imported" in o["errors"][0] for o in outcomes)
    assert claims.claim_rows(store)[0].status == "accepted"
    store.dispose()


def test_import_refuses_bad_files_with_exit_1(office, tmp_path):
    junk = tmp_path / "junk.999"
    junk.write_text("not x12")
    missing = tmp_path / "missing.277CA"
    result = cd(office, "x12", "import", "--json", str(junk), str(missing))
    assert result.returncode == 1
    a, b = json.loads(result.stdout)
    assert not a["posted"] and a["errors"] and not b["posted"] and "cannot read" in b["errors"][0]
    assert "Traceback" not in result.stderr


def test_dry_run_writes_nothing(office, tmp_path):
    cd(office, "claims", "submit")
    run_once = cd(office, "clearinghouse", "run", "--once")
    assert run_once.returncode == 0 and "answered 0 file(s)" in run_once.stdout  # not sent yet
    store = Store(str(office))
    # Send without fetching: put the outbox file on the sandbox's side by hand, answer it.
    outbox = exchange.outbox_dir(store)
    to_payer, from_payer = exchange.sandbox_dirs(store)
    to_payer.mkdir(parents=True, exist_ok=True)
    for f in outbox.glob("*.837"):
        (to_payer / f.name).write_bytes(f.read_bytes())
    answered = cd(office, "clearinghouse", "run", "--once")
    assert "answered 1 file(s): 1 claim(s) accepted" in answered.stdout
    ca = next(from_payer.glob("*.277CA"))
    preview = cd(office, "x12", "import", "--dry-run", "--json", str(ca))
    (o,) = json.loads(preview.stdout)
    assert o["dry_run"] and not o["posted"] and o["claims_matched"] == 1
    assert claims.claim_rows(store)[0].status == "batched"
    store.dispose()


def test_void_through_the_cli(office):
    store = Store(str(office))
    (row,) = claims.claim_rows(store)
    store.dispose()
    # Not with the payer yet: refused with the reason, exit 1.
    refused = cd(office, "claims", "void", str(row.id), "--reason", "wrong patient billed")
    assert refused.returncode == 1 and "only a claim the payer has" in refused.stderr
    assert cd(office, "claims", "void", str(row.id)).returncode == 2  # --reason is required
