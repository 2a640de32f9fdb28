"""Claims out, end to end on a real SQLite file: submit -> 837P in the outbox (pyx12 clean) ->
sync through the sandbox clearinghouse -> 999 and 277CA back -> claims accepted or rejected ->
a rejection corrected and resubmitted."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.services import answers, claims, exchange, patients, rejections, submission
from core.x12.pyx12_check import validate_x12
from core.x12.x837_read import read_837
from db.models import X12File
from tests.integration.helpers import BILLED_ON, DOS, built_claim, small_practice

NOW = dt.datetime(2026, 10, 18, 9, 30)


@pytest.fixture
def world(codes_store):
    return small_practice(codes_store)


def _policy_data(policy, **change):
    data = {k: getattr(policy, k) for k in (
        "payer_id", "rank", "member_id", "group_number", "plan_name", "relationship_code",
        "effective_from", "effective_to", "copay_cents", "coinsurance_percent",
        "deductible_cents", "out_of_pocket_max_cents")}  # fmt: skip
    data.update(change)
    return data


def test_submit_writes_a_pyx12_clean_837_and_batches_the_claims(codes_store, world):
    store = codes_store
    ids = [built_claim(store, world, dos=DOS - dt.timedelta(days=n)) for n in range(3)]
    result = submission.submit(store, today=BILLED_ON, now=NOW)
    assert result.claims == 3 and len(result.files) == 1 and result.blocked == []
    text = open(result.files[0]).read()
    report = validate_x12(text)
    assert report.ok and report.findings == (), [str(f) for f in report.findings]
    read = read_837(text)
    assert [c.patient_control_number for c in read.claims] == [f"CD{i:010d}" for i in ids]
    assert {claims.get_claim(store, i).claim.status for i in ids} == {"batched"}
    with store.uow() as uow:
        (record,) = uow.session.query(X12File).all()
        assert (record.direction, record.status, record.claims_count) == ("out", "outbox", 3)
        assert record.interchange_control == read.interchange_control
        assert record.content == text
    # Nothing ready is left: a second submit writes nothing.
    assert submission.submit(store, today=BILLED_ON).files == []


def test_control_numbers_never_repeat(codes_store, world):
    store = codes_store
    built_claim(store, world)
    first = submission.submit(store, today=BILLED_ON, now=NOW).files[0]
    built_claim(store, world, dos=DOS - dt.timedelta(days=1))
    second = submission.submit(store, today=BILLED_ON, now=NOW).files[0]
    a, b = read_837(open(first).read()), read_837(open(second).read())
    assert a.interchange_control != b.interchange_control
    assert a.group_control != b.group_control


def test_sync_sends_and_the_sandbox_accepts(codes_store, world):
    store = codes_store
    cid = built_claim(store, world)
    submission.submit(store, today=BILLED_ON, now=NOW)
    result = submission.sync(store, now=NOW)
    assert len(result.sent) == 1 and result.sandbox_answered == 1
    kinds = sorted(o.type for o in result.imported)
    assert kinds == ["277CA", "999"], result.imported
    assert all(o.applied for o in result.imported), [o.errors for o in result.imported]
    detail = claims.get_claim(store, cid)
    assert detail.claim.status == "accepted"
    assert detail.claim.payer_claim_number.startswith("SBX")
    steps = [e.to_status for e in detail.events]
    assert steps == ["draft", "ready", "batched", "submitted", "accepted"]
    timeline = claims.timeline(store, cid)
    assert [i.kind for i in timeline].count("answer") == 2
    # The answers were kept in the inbox and acknowledged on the far side.
    inbox = exchange.inbox_dir(store)
    assert sorted(p.suffix for p in inbox.iterdir() if p.is_file()) == [".277CA", ".999"]
    assert submission.sync(store, now=NOW).fetched == []


def test_rejected_member_id_goes_to_the_inbox_and_comes_back_accepted(codes_store, world):
    store = codes_store
    # A mistyped Medicare MBI (10 characters): the scrubber cannot know, the payer refuses.
    patients.update_policy(store, world["policy"].id,
                           _policy_data(world["policy"], member_id="1EG4TE5MK7"))  # fmt: skip
    cid = built_claim(store, world)
    submission.submit(store, today=BILLED_ON, now=NOW)
    submission.sync(store, now=NOW)
    assert claims.get_claim(store, cid).claim.status == "rejected"
    (item,) = rejections.inbox(store)
    assert item.claim_id == cid and item.source == "277CA" and item.code.startswith("A7:164")
    assert "member" in item.message.lower() and item.fix_hint
    assert item.where_to_fix == "policy"
    # Fix the member ID, correct the claim, resubmit: a new control number for this submission.
    patients.update_policy(store, world["policy"].id,
                           _policy_data(world["policy"], member_id="1EG4TE5MK73"))  # fmt: skip
    fixed = rejections.correct(store, cid, note="member ID corrected from the card",
                               today=BILLED_ON)  # fmt: skip
    assert fixed.status == "ready"
    assert rejections.inbox(store) == []
    result = submission.submit(store, claim_ids=[cid], today=BILLED_ON, now=NOW)
    assert result.claims == 1
    submission.sync(store, now=NOW)
    detail = claims.get_claim(store, cid)
    assert detail.claim.status == "accepted"
    assert detail.claim.patient_control_number == f"CD{cid:010d}-2"
    assert [e.to_status for e in detail.events] == [
        "draft", "ready", "batched", "submitted", "rejected", "draft", "ready", "batched",
        "submitted", "accepted",
    ]  # fmt: skip
    kinds = [i.kind for i in claims.timeline(store, cid)]
    assert "rejection" in kinds and kinds.count("file") >= 4


def test_bad_answers_change_nothing(codes_store, world, tmp_path):
    store = codes_store
    built_claim(store, world)
    submission.submit(store, today=BILLED_ON, now=NOW)
    # Keep the sandbox's answers instead of importing them: send, answer, then read them.
    from core.services import sandbox_claims

    with store.uow() as uow:
        conn = exchange.connection_in(store, uow.session)
        conn_out = exchange.ConnectionOut.model_validate(conn)
    outbox = exchange.outbox_dir(store)
    name = next(p.name for p in outbox.iterdir() if p.is_file())
    with exchange.open_transport(conn_out) as t:
        t.send(name, (outbox / name).read_bytes())
    sandbox_claims.run(store, now=NOW)
    _, from_payer = exchange.sandbox_dirs(store)
    ack999 = next(from_payer.glob("*.999")).read_bytes()
    ca = next(from_payer.glob("*.277CA")).read_bytes()

    def snapshot():
        with store.uow() as uow:
            return (uow.session.query(X12File).count(),
                    [(e.to_status, e.reason) for e in claims.get_claim(store, 1).events])  # fmt: skip

    before = snapshot()
    truncated = answers.import_bytes(store, "cut.999", ack999[: len(ack999) // 2])
    assert not truncated.applied and truncated.errors
    corrupt = answers.import_bytes(store, "junk.277CA", b"this is not X12 at all")
    assert not corrupt.applied and corrupt.errors
    foreign = answers.import_bytes(
        store, "other.277CA", ca.replace(b"CD0000000001", b"ZZ0000000999")
    )
    assert not foreign.applied and "never sent" in foreign.errors[0]
    assert "ZZ0000000999" in foreign.errors[0]
    assert snapshot() == before
    # A good answer applies once; the same file again is refused and changes nothing.
    assert answers.import_bytes(store, "a.999", ack999).applied
    twice = answers.import_bytes(store, "again.999", ack999)
    assert not twice.applied and "already imported" in twice.errors[0]
    # A dry run computes the outcome and writes nothing.
    preview = answers.import_bytes(store, "ca.277CA", ca, dry_run=True)
    assert preview.dry_run and not preview.applied and preview.claims_matched == 1
    after_preview = snapshot()
    real = answers.import_bytes(store, "ca.277CA", ca)
    assert real.applied and real.accepted == preview.accepted == 1
    assert snapshot() != after_preview
    json.dumps(real.model_dump(mode="json"))


def test_status_request_276_brings_a_277_and_the_claim_is_pending(codes_store, world):
    store = codes_store
    cid = built_claim(store, world)
    submission.submit(store, today=BILLED_ON, now=NOW)
    submission.sync(store, now=NOW)
    assert claims.get_claim(store, cid).claim.status == "accepted"
    # Quiet for 14 days: due for follow-up.
    with store.uow() as uow:
        assert submission.follow_up_ids(uow.session, dt.date.today() + dt.timedelta(days=15)) == [
            cid
        ]
        assert submission.follow_up_ids(uow.session, dt.date.today()) == []
    path = submission.request_status(store, claim_ids=[cid], now=NOW)
    from core.x12.x276 import check_276

    assert check_276(open(path, "rb").read()) == []
    result = submission.sync(store, now=NOW)
    assert [o.type for o in result.imported] == ["277"] and result.imported[0].applied
    detail = claims.get_claim(store, cid)
    assert detail.claim.status == "pending"
    assert "P1" in detail.events[-1].reason or "process" in detail.events[-1].reason.lower()
    assert submission.request_status(store, claim_ids=[], now=NOW) is None
