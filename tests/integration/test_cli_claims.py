"""The CLI contract of claims out: `claims list|submit`, `exchange sync`, `x12 import`,
`clearinghouse run` (real subprocesses on a real SQLite file)."""

from __future__ import annotations

import datetime as dt
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


def test_bill_next_lists_and_builds_the_secondary(codes_store):
    """A primary's 835 kept the coinsurance for the secondary: `claims bill-next --list` shows
    the visit due, `claims bill-next` builds the secondary claim once."""
    from core.services import answers, patients
    from core.x12.x835_model import Adjustment835 as A

    from .test_remittance import clp, sent_claim, svc, text_835

    store = codes_store
    world = small_practice(store)
    patients.add_policy(store, world["patient"].id, dict(
        payer_id=world["secondary"].id, rank=2, member_id="SUP123456",
        effective_from=dt.date(2023, 1, 1)))  # fmt: skip
    cid = sent_claim(store, world)
    pcn = claims.get_claim(store, cid).claim.patient_control_number
    data = text_835(clp(pcn, "1", 21000, 10500,
                        svc("99214", 18500, 9000, A("CO", "45", 6500), A("PR", "2", 3000)),
                        svc("36415", 2500, 1500, A("CO", "45", 1000)), pr=3000))  # fmt: skip
    assert answers.import_bytes(store, "primary.835", data).applied
    store.dispose()
    listed = cd(store.path, "claims", "bill-next", "--list", "--json")
    assert listed.returncode == 0, listed.stderr
    (due,) = json.loads(listed.stdout)["due"]
    assert (due["claim_id"], due["next_rank"], due["held_cents"]) == (cid, 2, 3000)
    built = cd(store.path, "claims", "bill-next", "--json")
    assert built.returncode == 0, built.stderr
    out = json.loads(built.stdout)
    assert len(out["built"]) == 1 and out["problems"] == []
    again = cd(store.path, "claims", "bill-next")
    assert again.returncode == 0 and "built 0 claim(s)" in again.stdout
    assert "No visit is waiting" in cd(store.path, "claims", "bill-next", "--list").stdout
    rows = {r.patient_control_number: r for r in claims.claim_rows(Store(str(store.path)))}
    assert rows[out["built"][0]].balance_cents == 3000
