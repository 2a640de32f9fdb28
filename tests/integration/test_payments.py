"""Manual posting against a migrated SQLite file: paper EOB batches, patient payments, credits.

Every claim here bills 99214 ($185.00) + 36415 ($25.00) = $210.00 to Sandbox Medicare.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.errors import ClaimDeskError, NotFound, ValidationError
from core.services import claims, ledger, payments
from db.models import AuditRecord, LedgerEntry

from .helpers import BILLED_ON, DOS, built_claim, coded_encounter, small_practice

OLDER = DOS - dt.timedelta(days=30)
DEPOSIT = dt.date(2026, 11, 2)
CHARGE = 21000


# -- helpers ----------------------------------------------------------------------------------
def send(store, claim_id: int) -> None:
    """Move a ready claim to where a paper EOB applies."""
    for target in ("batched", "submitted", "accepted"):
        claims.transition_claim(store, claim_id, target, "test")


def sent_claim(store, world, *, dos=DOS) -> int:
    claim_id = built_claim(store, world, dos=dos)
    send(store, claim_id)
    return claim_id


def status(store, claim_id: int) -> str:
    return claims.get_claim(store, claim_id).claim.status


def counts(store) -> tuple[int, int]:
    with store.uow() as uow:
        s = uow.session
        return (
            s.scalar(select(func.count()).select_from(LedgerEntry)),
            s.scalar(select(func.count()).select_from(AuditRecord)),
        )


def check_identities(store, patient_id: int, claim_ids: list[int]) -> dict:
    """charge = paid + adjustments + patient paid + balance per claim; the account adds up."""
    with store.uow() as uow:
        s = uow.session
        money = ledger.claim_money_in(s, claim_ids)
        patient_paid = ledger.claim_patient_paid_in(s, claim_ids)
        balance = ledger.balance_in(s, patient_id)
        credit = ledger.unapplied_credit_in(s, patient_id)
        due = ledger.patient_due_by_claim(s, patient_id)
    for cid in claim_ids:
        m = money[cid]
        assert m.charge_cents == CHARGE
        assert m.charge_cents == (
            m.paid_cents + m.adjustment_cents + patient_paid[cid] + m.balance_cents
        ), cid
    assert balance.total_cents == sum(money[c].balance_cents for c in claim_ids) - credit
    # Patient side: what moved to the patient, less what the patient paid, less credit.
    pr = sum(money[c].patient_responsibility_cents for c in claim_ids)
    assert balance.patient_cents == pr - sum(patient_paid.values()) - credit
    assert sum(due.values()) == pr - sum(patient_paid.values())
    return dict(money=money, balance=balance, credit=credit, due=due, patient_paid=patient_paid)


def eob_batch(store, world, total: str, *, payer="payer", reference="CHK1001") -> int:
    return payments.open_batch(
        store, payer_id=world[payer].id, method="check", reference=reference,
        deposit_date=DEPOSIT, total=total,
    ).id  # fmt: skip


def pay_with_pr(store, world, claim_id: int, batch_id: int) -> None:
    """$210.00: paid $120.00, CO-45 $45.00, PR-1 $20.00 + PR-2 $15.00 + PR-3 $10.00."""
    payments.post_eob_line(
        store, batch_id, claim_id, paid="120.00",
        adjustments=[("CO", "45", "45.00"), ("PR", "1", "20.00"), ("PR", "2", "15.00"),
                     ("PR", "3", "10.00")],
    )  # fmt: skip


@pytest.fixture
def world(codes_store):
    return small_practice(codes_store)


# -- paper EOB batches ------------------------------------------------------------------------
def test_eob_batch_paid_and_denied_claims_then_close(codes_store, world):
    store = codes_store
    pid = world["patient"].id
    c1 = sent_claim(store, world, dos=OLDER)
    c2 = sent_claim(store, world)
    batch = payments.open_batch(
        store, payer_id=world["payer"].id, method="check", reference=" CHK1001 ",
        deposit_date=DEPOSIT, total="$1,200.00",
    )  # fmt: skip
    assert (batch.kind, batch.status, batch.reference, batch.total_cents) == (
        "insurance", "open", "CHK1001", 120000,
    )  # fmt: skip
    assert batch.payer_name == "Sandbox Medicare" and batch.posted_cents == 0

    # Claim 1, line 1 ($185.00): paid 100, CO-45 40, PR-1 20, PR-2 15, PR-3 10.
    out = payments.post_eob_line(
        store, batch.id, c1, line_number=1, paid="100.00",
        adjustments=[("co", "45", "40.00"), ("PR", "1", "20.00"), ("PR", "2", "15.00"),
                     ("PR", "3", 1000)],
        remarks="N130",
    )  # fmt: skip
    assert status(store, c1) == "partially_paid"  # line 2 is still with the payer
    assert (out.posted_cents, out.remaining_cents) == (10000, 110000)
    [first] = out.entries
    assert (first.claim_ids, first.line_number, first.paid_cents) == ((c1,), 1, 10000)
    assert (first.written_off_cents, first.to_patient_cents) == (4000, 4500)

    # Short: the close is refused with the difference in dollars, and nothing changes.
    with pytest.raises(ValidationError, match=r"\$1,100\.00 short: posted \$100\.00 of \$1,200"):
        payments.close_batch(store, batch.id)

    # Claim 1, line 2 ($25.00): paid 20, CO-45 5 -> the claim is paid.
    payments.post_eob_line(
        store, batch.id, c1, line_number=2, paid="20.00", adjustments=[("CO", "45", "5.00")]
    )
    assert status(store, c1) == "paid"
    # Claim 2 denied as not medically necessary (CO-50) for the whole claim.
    out = payments.post_eob_line(
        store, batch.id, c2, paid="0", adjustments=[("CO", "50", "210.00")], denied=True
    )
    assert status(store, c2) == "denied"
    assert (out.posted_cents, out.remaining_cents) == (12000, 108000)
    assert [e.line_number for e in out.entries] == [1, 2, None]
    assert [e.claim_ids for e in out.entries] == [(c1,), (c1,), (c2,)]

    # Money: the patient owes exactly the PR amounts; the denied claim stays with the payer
    # (at stake for the denial queue: a CO-50 is appealed or written off by a biller, never
    # silently), its CARC recorded.
    ids = check_identities(store, pid, [c1, c2])
    assert ids["balance"].insurance_cents == CHARGE
    assert ids["balance"].patient_cents == 4500 == 2000 + 1500 + 1000
    m1, m2 = ids["money"][c1], ids["money"][c2]
    assert (m1.paid_cents, m1.adjustment_cents, m1.patient_responsibility_cents) == (
        12000, 4500, 4500,
    )  # fmt: skip
    assert (m2.paid_cents, m2.adjustment_cents, m2.balance_cents) == (0, 0, CHARGE)
    # Deductible, coinsurance and copay stay apart, with the group and the batch kept.
    entries = [e for e in ledger.account_entries(store, pid) if e.kind != "charge"]
    moved = {e.reason_code: e.amount_cents for e in entries
             if e.kind == "transfer" and e.responsibility == "patient"}  # fmt: skip
    assert moved == {"1": 2000, "2": 1500, "3": 1000}
    assert {(e.group_code, e.reason_code) for e in entries if e.kind == "adjustment"} == {
        ("CO", "45"), ("CO", "50"),
    }  # fmt: skip
    with store.uow() as uow:
        rows = uow.session.scalars(select(LedgerEntry).where(LedgerEntry.kind != "charge")).all()
        assert {r.batch_id for r in rows} == {batch.id}
        pays = [r for r in rows if r.kind == "payment"]
        assert {(r.reference, r.payer_id, r.method) for r in pays} == {
            ("CHK1001", world["payer"].id, "check"),
        }  # fmt: skip
        assert {r.entry_date for r in rows} == {DEPOSIT}
        assert uow.session.scalar(
            select(func.count()).select_from(AuditRecord).where(
                AuditRecord.entity == "payment_batch", AuditRecord.action == "post"
            )
        ) == 3  # fmt: skip

    # The deposit really was $120.00: a batch total typed wrong cannot close. A right one can.
    right = eob_batch(store, world, "120.00", reference="CHK1002")
    assert payments.batch_status(store, right).remaining_cents == 12000
    c3 = sent_claim(store, world, dos=OLDER - dt.timedelta(days=1))
    pay_with_pr(store, world, c3, right)
    closed = payments.close_batch(store, right)
    assert (closed.status, closed.closed_by, closed.remaining_cents) == ("closed", "tester", 0)
    assert closed.closed_at is not None
    with pytest.raises(ValidationError, match="already closed"):
        payments.close_batch(store, right)
    # A closed batch takes no more postings and no voids.
    c4 = sent_claim(store, world, dos=OLDER - dt.timedelta(days=2))
    with pytest.raises(ValidationError, match="closed"):
        payments.post_eob_line(store, right, c4, paid="10.00")
    with pytest.raises(ValidationError, match="closed"):
        payments.void_batch_entry(store, right, closed.entries[0].txn)
    # Over-posted batches do not close either.
    over = eob_batch(store, world, "100.00", reference="CHK1003")
    pay_with_pr(store, world, c4, over)
    with pytest.raises(ValidationError, match=r"\$20\.00 over: posted \$120\.00 of \$100\.00"):
        payments.close_batch(store, over)

    listed = payments.list_batches(store)
    assert [b.id for b in listed if b.status == "open"] == [over, batch.id]
    assert [b.id for b in payments.list_batches(store, status="closed")] == [right]
    assert {b.id: b.posted_cents for b in listed} == {batch.id: 12000, right: 12000, over: 12000}
    with pytest.raises(ValidationError, match="open or closed"):
        payments.list_batches(store, status="pending")


def test_refusals_write_nothing(codes_store, world):
    store = codes_store
    c1 = sent_claim(store, world)
    batch = eob_batch(store, world, "500.00")
    wrong = eob_batch(store, world, "50.00", payer="secondary", reference="CHK77")
    before = counts(store)

    with pytest.raises(
        ValidationError,
        match=r"This EOB is from Sandbox Supplemental, but claim CD\d+ is billed to Sandbox "
        r"Medicare",
    ):
        payments.post_eob_line(store, wrong, c1, paid="50.00")
    # More than the payer still has on the claim, or on the line.
    with pytest.raises(ValidationError, match=r"takes \$210\.01 .* only \$210\.00"):
        payments.post_eob_line(store, batch, c1, paid="200.00", adjustments=[("CO", "45", "10.01")])
    with pytest.raises(ValidationError, match=r"only \$25\.00 .* line 2"):
        payments.post_eob_line(store, batch, c1, line_number=2, paid="20.00",
                               adjustments=[("PR", "2", "5.01")])  # fmt: skip
    bad_input = [
        (dict(paid="10.00", adjustments=[("XX", "45", "1.00")]), "not an adjustment group"),
        (dict(paid="10.00", adjustments=[("CO", "ABC", "1.00")]), "not a claim adjustment reason"),
        (dict(paid="10.00", adjustments=[("CO", "4.5", "1.00")]), "not a claim adjustment reason"),
        (dict(paid="10.00", adjustments=[("CO", "", "1.00")]), "not a claim adjustment reason"),
        (dict(paid="10.00", adjustments=[("CO", "45")]), "must be \\(group, reason code"),
        (dict(paid="10.00", adjustments=[("CO", "45", "0")]), "CO-45 must be more than zero"),
        (dict(paid="0", adjustments=[]), "Nothing to post"),
        (dict(paid="-5.00"), "more than zero"),
        (dict(paid="twelve"), "not an amount of money"),
        (dict(paid=12.5), "refuses float"),
        (dict(paid="10.00", denied=True), "denied EOB line pays nothing"),
    ]
    for kwargs, message in bad_input:
        with pytest.raises(ValidationError, match=message):
            payments.post_eob_line(store, batch, c1, **kwargs)
    with pytest.raises(NotFound, match="no line 3"):
        payments.post_eob_line(store, batch, c1, line_number=3, paid="1.00")
    with pytest.raises(NotFound):
        payments.post_eob_line(store, batch, 99999, paid="1.00")
    with pytest.raises(NotFound):
        payments.post_eob_line(store, 99999, c1, paid="1.00")
    # A claim the payer never got has no EOB.
    draft = built_claim(store, world, dos=OLDER)
    with pytest.raises(ValidationError, match="ready: an EOB can only be posted"):
        payments.post_eob_line(store, batch, draft, paid="1.00")
    # A patient batch is not for EOBs.
    cash = payments.open_batch(
        store, kind="patient", method="cash", deposit_date=DEPOSIT, total="40.00"
    )
    with pytest.raises(ValidationError, match="patient payments"):
        payments.post_eob_line(store, cash.id, c1, paid="1.00")
    assert status(store, c1) == "accepted"
    entries, audits = counts(store)
    # Only the draft's charges and the two new records' audits (build + batch) were added.
    assert entries == before[0] + 2
    assert payments.batch_status(store, batch).posted_cents == 0

    # Opening a batch: what must be there.
    common = dict(payer_id=world["payer"].id, deposit_date=DEPOSIT)
    for kwargs, message in [
        (dict(method="check", reference="1", total="0"), "more than zero"),
        (dict(method="check", reference="1", total="-3.00"), "more than zero"),
        (dict(method="check", reference=" ", total="10.00"), "check number"),
        (dict(method="eft", reference="", total="10.00"), "trace number"),
        (dict(method="cash", reference="1", total="10.00"), "check, eft"),
    ]:
        with pytest.raises(ValidationError, match=message):
            payments.open_batch(store, **common, **kwargs)
    with pytest.raises(ValidationError, match="payer"):
        payments.open_batch(store, method="check", reference="1", total="1.00",
                            deposit_date=DEPOSIT)  # fmt: skip
    with pytest.raises(ValidationError, match="future"):
        payments.open_batch(store, **{**common, "deposit_date": dt.date.today()
                                      + dt.timedelta(days=1)}, method="check", reference="1",
                            total="1.00")  # fmt: skip
    with pytest.raises(NotFound):
        payments.open_batch(store, payer_id=424242, method="check", reference="1",
                            total="1.00", deposit_date=DEPOSIT)  # fmt: skip
    with pytest.raises(ValidationError, match="no payer"):
        payments.open_batch(store, kind="patient", payer_id=world["payer"].id, method="cash",
                            total="1.00", deposit_date=DEPOSIT)  # fmt: skip
    with pytest.raises(ValidationError, match="insurance or patient"):
        payments.open_batch(store, kind="other", method="cash", total="1.00",
                            deposit_date=DEPOSIT)  # fmt: skip
    assert counts(store) == (entries, audits)
    # Every refusal is a sentence for the user, not a stack trace.
    try:
        payments.post_eob_line(store, wrong, c1, paid="50.00")
    except ClaimDeskError as exc:
        assert "\n" not in str(exc) and "Traceback" not in str(exc)


def test_void_batch_entry_restores_the_ledger(codes_store, world):
    store = codes_store
    pid = world["patient"].id
    c1 = sent_claim(store, world)
    batch = eob_batch(store, world, "120.00")
    before = ledger.account_balance(store, pid)
    with store.uow() as uow:
        money_before = ledger.claim_money_in(uow.session, [c1])[c1]

    pay_with_pr(store, world, c1, batch)
    assert status(store, c1) == "paid"
    assert ledger.account_balance(store, pid).patient_cents == 4500
    [posting] = payments.batch_status(store, batch).entries

    out = payments.void_batch_entry(store, batch, posting.txn)
    assert ledger.account_balance(store, pid) == before
    with store.uow() as uow:
        assert ledger.claim_money_in(uow.session, [c1])[c1] == money_before
    assert status(store, c1) == "accepted"  # waiting for the right adjudication again
    assert (out.posted_cents, out.remaining_cents) == (0, 12000)
    original, reversal = out.entries
    assert original.voided and not original.void_of
    assert reversal.void_of == posting.txn and reversal.paid_cents == -12000
    assert reversal.to_patient_cents == -4500
    # Nothing was deleted: the original entries are still there next to their reversal.
    with store.uow() as uow:
        rows = uow.session.scalars(select(LedgerEntry).where(LedgerEntry.batch_id == batch)).all()
        assert len(rows) == 2 * 8  # payment, CO-45, 3 PR pairs; doubled by the reversal
        assert sum(r.amount_cents for r in rows) == 0
    with pytest.raises(ValidationError, match="already voided"):
        payments.void_batch_entry(store, batch, posting.txn)
    with pytest.raises(ValidationError, match="itself a void"):
        payments.void_batch_entry(store, batch, reversal.txn)
    with pytest.raises(NotFound):
        payments.void_batch_entry(store, batch, "no-such-txn")
    with pytest.raises(ValidationError, match="short"):
        payments.close_batch(store, batch)

    # Posted right this time: the batch balances and closes; the claim is paid again.
    payments.post_eob_line(store, batch, c1, paid="120.00", adjustments=[("CO", "45", "90.00")])
    assert status(store, c1) == "paid"
    assert payments.close_batch(store, batch).status == "closed"
    ids = check_identities(store, pid, [c1])
    assert ids["balance"].patient_cents == 0 and ids["balance"].insurance_cents == 0


# -- patient payments -------------------------------------------------------------------------
def two_claims_owed(store, world) -> tuple[int, int]:
    """Claim 1 (older visit) leaves $45.00 to the patient, claim 2 leaves $30.00."""
    c1 = sent_claim(store, world, dos=OLDER)
    c2 = sent_claim(store, world)
    batch = eob_batch(store, world, "270.00")
    pay_with_pr(store, world, c1, batch)
    payments.post_eob_line(
        store, batch, c2, paid="150.00", adjustments=[("CO", "45", "30.00"), ("PR", "2", "30.00")]
    )
    payments.close_batch(store, batch)
    assert ledger.account_balance(store, world["patient"].id).patient_cents == 7500
    return c1, c2


def test_patient_payment_oldest_first_with_leftover_credit(codes_store, world):
    store = codes_store
    pid = world["patient"].id
    c1, c2 = two_claims_owed(store, world)
    drawer = payments.open_batch(
        store, kind="patient", method="cash", deposit_date=DEPOSIT, total="100.00",
        reference="DEP-1102",
    )  # fmt: skip
    assert drawer.payer_id is None and drawer.method == "cash"

    out = payments.take_patient_payment(
        store, pid, "100.00", method="cash", on=DEPOSIT, batch_id=drawer.id
    )
    assert [(a.claim_id, a.amount_cents) for a in out.applied] == [
        (c1, 4500), (c2, 3000), (None, 2500),
    ]  # fmt: skip
    assert out.applied[0].date_of_service == OLDER and out.applied[2].memo == "unapplied credit"
    assert (out.credit_cents, out.patient_balance_cents, out.batch_id) == (2500, -2500, drawer.id)
    ids = check_identities(store, pid, [c1, c2])
    assert ids["due"] == {} and ids["credit"] == 2500
    assert ids["patient_paid"] == {c1: 4500, c2: 3000}
    assert ids["balance"].patient_cents == -2500  # a credit shows as a negative balance
    status_ = payments.batch_status(store, drawer.id)
    assert status_.posted_cents == 10000 and status_.entries[0].credit_cents == 2500
    assert payments.close_batch(store, drawer.id).status == "closed"

    # Refusals: references, method against the batch's, claims of another patient, bad targets.
    card_batch = payments.open_batch(
        store, kind="patient", method="card", deposit_date=DEPOSIT, total="10.00"
    )
    before = counts(store)
    with pytest.raises(ValidationError, match="check number"):
        payments.take_patient_payment(store, pid, "5.00", method="check", on=DEPOSIT)
    with pytest.raises(ValidationError, match="last 4"):
        payments.take_patient_payment(store, pid, "5.00", method="card", reference="")
    with pytest.raises(ValidationError, match="cash, check, card"):
        payments.take_patient_payment(store, pid, "5.00", method="bitcoin")
    with pytest.raises(ValidationError, match="holds card payments"):
        payments.take_patient_payment(store, pid, "5.00", method="cash", batch_id=card_batch.id)
    with pytest.raises(ValidationError, match="closed"):
        payments.take_patient_payment(store, pid, "5.00", method="cash", batch_id=drawer.id)
    with pytest.raises(ValidationError, match="more than zero"):
        payments.take_patient_payment(store, pid, "0.00", method="cash")
    with pytest.raises(ValidationError, match="apply the payment"):
        payments.take_patient_payment(store, pid, "5.00", method="cash", apply_to="newest")
    with pytest.raises(ValidationError, match="at least one claim"):
        payments.take_patient_payment(store, pid, "5.00", method="cash", apply_to=[])
    with pytest.raises(NotFound):
        payments.take_patient_payment(store, pid, "5.00", method="cash", apply_to=[c1, 99999])
    with pytest.raises(NotFound):
        payments.take_patient_payment(store, 99999, "5.00", method="cash")
    with pytest.raises(ValidationError, match="future"):
        payments.take_patient_payment(
            store, pid, "5.00", method="cash", on=dt.date.today() + dt.timedelta(days=1)
        )
    assert counts(store) == before


def test_payment_to_chosen_claims_in_order(codes_store, world):
    store = codes_store
    pid = world["patient"].id
    c1, c2 = two_claims_owed(store, world)
    out = payments.take_patient_payment(
        store, pid, "40.00", method="check", reference="1234", on=DEPOSIT, apply_to=[c2, c1]
    )
    assert [(a.claim_id, a.amount_cents) for a in out.applied] == [(c2, 3000), (c1, 1000)]
    assert (out.credit_cents, out.patient_balance_cents) == (0, 3500)
    ids = check_identities(store, pid, [c1, c2])
    assert ids["due"] == {c1: 3500}
    with store.uow() as uow:
        rows = uow.session.scalars(select(LedgerEntry).where(LedgerEntry.txn == out.txn)).all()
        assert {(r.method, r.reference, r.kind, r.responsibility) for r in rows} == {
            ("check", "1234", "payment", "patient"),
        }  # fmt: skip


def test_copay_at_check_in_then_applied_to_its_claim(codes_store, world):
    store = codes_store
    pid = world["patient"].id
    # An older claim already owes $45.00.
    old = sent_claim(store, world, dos=OLDER)
    batch = eob_batch(store, world, "280.00")
    pay_with_pr(store, world, old, batch)

    # Check-in for today's visit: the copay is taken before any claim exists.
    visit = coded_encounter(store, world)
    copay = payments.take_patient_payment(
        store, pid, "25.00", method="card", reference="4242", on=DEPOSIT,
        apply_to=f"copay:{visit}",
    )  # fmt: skip
    assert [(a.claim_id, a.amount_cents) for a in copay.applied] == [(None, 2500)]
    assert copay.applied[0].memo == f"copay at check-in for visit {visit}"
    assert (copay.credit_cents, copay.patient_balance_cents) == (2500, 2000)

    # Billed and with the payer: the claim asks nothing of the patient yet, so nothing moves
    # (the old claim is not paid with this visit's copay either).
    new = claims.build_claim(store, visit, today=BILLED_ON).claim.id
    send(store, new)
    noop = payments.apply_credit(store, pid, to=[new])
    assert (noop.txn, noop.amount_cents, noop.applied, noop.credit_cents) == (None, 0, (), 2500)

    # The EOB puts the $25.00 copay on the patient (PR-3); the credit goes to that claim first.
    payments.post_eob_line(
        store, batch, new, paid="160.00", adjustments=[("CO", "45", "25.00"), ("PR", "3", "25")]
    )
    ids = check_identities(store, pid, [old, new])
    assert ids["due"] == {old: 4500, new: 2500} and ids["credit"] == 2500
    moved = payments.apply_credit(store, pid)
    assert [(a.claim_id, a.amount_cents) for a in moved.applied] == [(new, 2500)]
    assert moved.applied[0].memo == "check-in copay" and moved.txn is not None
    assert (moved.credit_cents, moved.patient_balance_cents) == (0, 4500)
    ids = check_identities(store, pid, [old, new])
    assert ids["due"] == {old: 4500} and ids["patient_paid"] == {old: 0, new: 2500}
    # Nothing left to apply: a no-op, nothing written.
    before = counts(store)
    assert payments.apply_credit(store, pid).txn is None
    assert counts(store) == before
    assert payments.close_batch(store, batch).status == "closed"

    with pytest.raises(NotFound):
        payments.take_patient_payment(store, pid, "5.00", method="cash", apply_to="copay:99999")


def test_refund_up_to_the_credit(codes_store, world):
    store = codes_store
    pid = world["patient"].id
    c1, c2 = two_claims_owed(store, world)
    with pytest.raises(ValidationError, match="no unapplied credit"):
        payments.refund_credit(store, pid, "1.00", method="cash", reason="overpaid")
    payments.take_patient_payment(store, pid, "100.00", method="cash", on=DEPOSIT)
    assert ledger.account_balance(store, pid).patient_cents == -2500

    before = counts(store)
    with pytest.raises(ValidationError, match=r"only \$25\.00 of unapplied credit"):
        payments.refund_credit(store, pid, "25.01", method="check", reference="5001",
                               reason="overpaid")  # fmt: skip
    with pytest.raises(ValidationError, match="check number"):
        payments.refund_credit(store, pid, "10.00", method="check", reason="overpaid")
    with pytest.raises(ValidationError, match="reason"):
        payments.refund_credit(store, pid, "10.00", method="cash", reason=" ")
    assert counts(store) == before

    out = payments.refund_credit(
        store, pid, "10.00", method="check", reference="5001", reason="overpaid", on=DEPOSIT
    )
    assert (out.action, out.amount_cents, out.credit_cents, out.patient_balance_cents) == (
        "refund", 1000, 1500, -1500,
    )  # fmt: skip
    ids = check_identities(store, pid, [c1, c2])
    assert ids["credit"] == 1500
    out = payments.refund_credit(store, pid, "15.00", method="cash", reason="closing account")
    assert (out.credit_cents, out.patient_balance_cents) == (0, 0)
    with pytest.raises(ValidationError, match="no unapplied credit"):
        payments.refund_credit(store, pid, "0.01", method="cash", reason="again")
    refunds = [e for e in ledger.account_entries(store, pid) if e.kind == "refund"]
    assert [(e.amount_cents, e.responsibility, e.claim_id) for e in refunds] == [
        (1000, "patient", None), (1500, "patient", None),
    ]  # fmt: skip
    check_identities(store, pid, [c1, c2])


def test_voiding_a_patient_payment(codes_store, world):
    store = codes_store
    pid = world["patient"].id
    c1, c2 = two_claims_owed(store, world)
    drawer = payments.open_batch(
        store, kind="patient", method="cash", deposit_date=DEPOSIT, total="100.00"
    )
    out = payments.take_patient_payment(store, pid, "100.00", method="cash", batch_id=drawer.id)
    # Part of its credit was refunded since: the payment can no longer be voided whole.
    payments.refund_credit(store, pid, "5.00", method="cash", reason="change")
    with pytest.raises(ValidationError, match=r"only \$20\.00 of credit is left"):
        payments.void_batch_entry(store, drawer.id, out.txn)
    # A payment whose credit is intact voids back to what was owed before.
    second = payments.take_patient_payment(store, pid, "30.00", method="cash", batch_id=drawer.id)
    assert [(a.claim_id, a.amount_cents) for a in second.applied] == [(None, 3000)]
    payments.void_batch_entry(store, drawer.id, second.txn)
    assert ledger.account_balance(store, pid).patient_cents == 7500 - 10000 + 500
    check_identities(store, pid, [c1, c2])
    assert payments.close_batch(store, drawer.id).posted_cents == 10000


def test_voiding_a_payment_taken_outside_a_batch(codes_store, world):
    """The front desk keyed $80 instead of $8: the payment is listed, voided with a reason
    (audited), and the claims owe what they owed before; a batch payment is voided in its
    batch, and nothing is voided twice."""
    from core.services import users

    store = codes_store
    pid = world["patient"].id
    c1, c2 = two_claims_owed(store, world)
    before = ledger.account_balance(store, pid).patient_cents
    wrong = payments.take_patient_payment(store, pid, "80.00", method="card", reference="4242")
    drawer = payments.open_batch(store, kind="patient", method="cash", deposit_date=DEPOSIT,
                                 total="5.00")  # fmt: skip
    in_batch = payments.take_patient_payment(store, pid, "5.00", method="cash",
                                             batch_id=drawer.id)  # fmt: skip
    listed = payments.patient_payments(store, pid)
    assert [(p.txn, p.amount_cents, p.batch_id, p.voided) for p in listed] == [
        (in_batch.txn, 500, drawer.id, False), (wrong.txn, 8000, None, False),
    ]  # fmt: skip
    assert listed[1].method == "card" and listed[1].reference == "4242"
    assert set(listed[1].claim_ids) <= {c1, c2} and listed[1].claim_ids
    with pytest.raises(ValidationError, match="say why"):
        payments.void_patient_payment(store, pid, wrong.txn, reason="")
    with pytest.raises(ValidationError, match=f"in batch {drawer.id}"):
        payments.void_patient_payment(store, pid, in_batch.txn, reason="wrong drawer")
    with pytest.raises(NotFound):
        payments.void_patient_payment(store, pid, "no-such-txn", reason="typo in amount")
    out = payments.void_patient_payment(store, pid, wrong.txn, reason="keyed $80 for $8")
    assert out.action == "void" and out.amount_cents == 8000
    assert ledger.account_balance(store, pid).patient_cents == before - 500
    check_identities(store, pid, [c1, c2])
    assert [p.voided for p in payments.patient_payments(store, pid)] == [False, True]
    with pytest.raises(ValidationError, match="already voided"):
        payments.void_patient_payment(store, pid, wrong.txn, reason="keyed $80 for $8")
    trail = users.audit_trail(store, entity="ledger")
    assert any("keyed $80 for $8" in a.summary for a in trail)


def test_a_closed_batch_reopens_with_a_reason(codes_store, world):
    store = codes_store
    pid = world["patient"].id
    two_claims_owed(store, world)
    drawer = payments.open_batch(store, kind="patient", method="cash", deposit_date=DEPOSIT,
                                 total="20.00")  # fmt: skip
    paid = payments.take_patient_payment(store, pid, "20.00", method="cash", batch_id=drawer.id)
    payments.close_batch(store, drawer.id)
    with pytest.raises(ValidationError, match="closed"):
        payments.void_batch_entry(store, drawer.id, paid.txn)
    with pytest.raises(ValidationError, match="say why"):
        payments.reopen_batch(store, drawer.id, reason="oops")
    opened = payments.reopen_batch(store, drawer.id, reason="the $20 was a $10 bill and change")
    assert (opened.status, opened.closed_at, opened.closed_by) == ("open", None, None)
    with pytest.raises(ValidationError, match="open already"):
        payments.reopen_batch(store, drawer.id, reason="the $20 was a $10 bill and change")
    payments.void_batch_entry(store, drawer.id, paid.txn)
    with pytest.raises(ValidationError, match="short"):
        payments.close_batch(store, drawer.id)  # it balances again only with the right posting
