"""Acceptance: the demo practice runs the whole loop unattended — submit, the sandbox answers
(999, 277CA, 835), import, post — and afterwards every claim's charge = paid + adjustments +
patient payments + balance to the cent, and each patient's balance equals the PR amounts moved
to them less what they paid (plus anything billed to them directly)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.services import claims, ledger, sandbox_payer, submission
from db.models import Claim, Encounter, LedgerEntry, RemitAdjustment, RemitClaim, X12File

TODAY = dt.date(2026, 11, 2)


def test_the_demo_practice_runs_the_whole_loop_unattended(codes_store):
    from sample_data import demo

    store = codes_store
    demo.seed(store, patients=120, encounters=220, today=TODAY)
    with store.uow() as uow:
        coded = list(uow.session.scalars(select(Encounter.id).where(Encounter.status == "coded")))
    for enc_id in coded:
        try:
            claims.build_claim(store, enc_id, today=TODAY)
        except Exception as exc:  # noqa: BLE001 - a visit without coverage stays unbilled
            assert "coverage" in str(exc), exc
    sent = submission.submit(store, today=TODAY)
    assert sent.claims > 0
    first = submission.sync(store)  # the 837s go; 999 and 277CA come back and apply
    assert first.sent and all(o.applied for o in first.imported), [
        o.errors for o in first.imported if not o.applied
    ]
    run = sandbox_payer.adjudicate(store, seed=3, today=TODAY)
    assert run.files
    second = submission.sync(store)  # the 835s come back and post
    remits = [o for o in second.imported if o.type == "835"]
    assert remits and all(o.applied and not o.held for o in remits), [o.errors for o in remits]
    with store.uow() as uow:
        s = uow.session
        assert s.scalars(select(X12File).where(X12File.transaction == "835")).first()
        adjudicated = s.scalars(
            select(Claim.id).where(Claim.status.in_(["paid", "partially_paid", "denied"]))
        ).all()
        assert adjudicated
        all_ids = list(s.scalars(select(Claim.id)))
        money = ledger.claim_money_in(s, all_ids)
        patient_paid = ledger.claim_patient_paid_in(s, all_ids)
        for cid in all_ids:
            m = money[cid]
            assert m.charge_cents == (
                m.paid_cents + m.adjustment_cents + patient_paid.get(cid, 0) + m.balance_cents
            ), (cid, m)
        # The patient's part of each claim the sandbox adjudicated is exactly the PR amounts
        # of its 835s (read back from the remittance tables), less what the patient paid.
        pr_by_claim = dict(
            s.execute(
                select(RemitClaim.claim_id, func.sum(RemitAdjustment.amount_cents))
                .join(RemitAdjustment, RemitAdjustment.remit_claim_id == RemitClaim.id)
                .where(RemitAdjustment.group_code == "PR", RemitClaim.claim_id.is_not(None))
                .group_by(RemitClaim.claim_id)
            ).all()
        )
        posted = list(
            s.scalars(select(RemitClaim.claim_id).where(RemitClaim.claim_id.is_not(None)))
        )
        assert posted
        E = LedgerEntry
        patient_side = dict(
            s.execute(
                select(E.claim_id, func.sum(E.amount_cents))
                .where(E.claim_id.in_(posted), E.responsibility == "patient")
                .group_by(E.claim_id)
            ).all()
        )
        # PR of a patient with a secondary on file waits on the insurance side for it.
        held = dict(
            s.execute(
                select(E.claim_id, func.sum(E.amount_cents))
                .where(E.claim_id.in_(posted), E.responsibility == "insurance",
                       E.kind == "transfer", E.amount_cents > 0,
                       E.memo == "held for the next payer")
                .group_by(E.claim_id)
            ).all()
        )  # fmt: skip
        for cid in posted:
            expected = pr_by_claim.get(cid, 0) - held.get(cid, 0) - patient_paid.get(cid, 0)
            assert patient_side.get(cid, 0) == expected, cid
        assert sum(pr_by_claim.values()) > 0
