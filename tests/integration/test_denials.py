"""The denial queue and its actions: correct & resubmit (7), appeal letter, write off, to patient."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from sqlalchemy import func, select

from core.errors import ClaimDeskError, IllegalTransition, ValidationError
from core.services import claims, denials, encounters, ledger, submission
from core.x12 import x837
from db.models import (
    Account,
    AuditRecord,
    Claim,
    ClaimEvent,
    ClaimNote,
    Encounter,
    LedgerEntry,
    RemitAdjustment,
    RemitClaim,
    RemitLine,
    Remittance,
    X12File,
)
from tests.integration.helpers import DOS, coded_encounter, small_practice

TODAY = dt.date(2027, 1, 10)
ICN = "26123456789"


@pytest.fixture
def store(codes_store):
    return codes_store


@pytest.fixture
def world(store):
    return small_practice(store)


# -- making denied and underpaid claims the way posting would ------------------------------
def accepted_claim(store, world, dos: dt.date = DOS) -> int:
    """A claim built on ``dos`` (scrubbed as of three days later), batched, sent, accepted."""
    enc = coded_encounter(store, world, dos=dos)
    claim_id = claims.build_claim(store, enc, today=dos + dt.timedelta(days=3)).claim.id
    for step in ("batched", "submitted", "accepted"):
        claims.transition_claim(store, claim_id, step, "test")
    return claim_id


def post(store, claim_id, *, status, at, paid=None, adjustments=(), icn=None) -> None:
    """Ledger entries and the status, as posting writes them: payments per line, CO/OA/PI
    adjustments written off, PR moved to the patient, and the status event at ``at``."""
    with store.uow() as uow:
        s = uow.session
        claim = s.get(Claim, claim_id)
        account = s.scalars(select(Account).where(Account.patient_id == claim.patient_id)).one()
        line = {ln.line_number: ln.id for ln in claim.lines}
        txn = uuid.uuid4().hex

        def entry(line_no, kind, bucket, cents, group=None, reason=None):
            s.add(LedgerEntry(
                account_id=account.id, claim_id=claim_id, claim_line_id=line.get(line_no),
                payer_id=claim.payer_id if bucket == "insurance" else None, txn=txn, kind=kind,
                responsibility=bucket, amount_cents=cents, group_code=group, reason_code=reason,
                entry_date=at.date(), created_by="poster",
            ))  # fmt: skip

        for line_no, cents in (paid or {}).items():
            entry(line_no, "payment", "insurance", -cents)
        for line_no, group, reason, cents in adjustments:
            if group == "PR":
                entry(line_no, "transfer", "insurance", -cents, group, reason)
                entry(line_no, "transfer", "patient", cents, group, reason)
            else:
                entry(line_no, "adjustment", "insurance", -cents, group, reason)
        s.add(ClaimEvent(claim_id=claim_id, at=at, actor="poster", from_status=claim.status,
                         to_status=status, reason="posted"))  # fmt: skip
        claim.status = status
        if icn:
            claim.payer_claim_number = icn


def remit(store, claim_id, *, posted_at, status_code, cas, paid=0, icn=ICN, remarks=None,
          line_remarks=None) -> None:  # fmt: skip
    """The 835 as posting stores it: X12File, Remittance, RemitClaim, RemitLines, CAS rows."""
    with store.uow() as uow:
        s = uow.session
        claim = s.get(Claim, claim_id)
        f = X12File(direction="in", transaction="835", name=f"era-{claim_id}.835",
                    sha256=f"{claim_id:064d}", size=10, status="applied", content="ISA*",
                    created_by="poster")  # fmt: skip
        s.add(f)
        s.flush()
        r = Remittance(file_id=f.id, transaction_control="0001", payer_id=claim.payer_id,
                       payer_name="Sandbox Medicare", trace_number=f"EFT{claim_id}",
                       payment_method="ACH" if paid else "NON", total_cents=paid,
                       status="posted", posted_at=posted_at, posted_by="poster")  # fmt: skip
        s.add(r)
        s.flush()
        rc = RemitClaim(remittance_id=r.id, claim_id=claim_id,
                        patient_control_number=claim.patient_control_number,
                        status_code=status_code, charge_cents=claim.total_charge_cents,
                        paid_cents=paid, payer_claim_number=icn, remarks=remarks)  # fmt: skip
        s.add(rc)
        s.flush()
        lines = {}
        for ln in claim.lines:
            rl = RemitLine(remit_claim_id=rc.id, claim_line_id=ln.id, code=ln.code,
                           charge_cents=ln.charge_cents, paid_cents=0,
                           remarks=(line_remarks or {}).get(ln.line_number))  # fmt: skip
            s.add(rl)
            s.flush()
            lines[ln.line_number] = rl.id
        for line_no, group, reason, cents in cas:
            s.add(RemitAdjustment(remit_claim_id=rc.id, remit_line_id=lines.get(line_no),
                                  group_code=group, reason_code=reason, amount_cents=cents))  # fmt: skip


def deny_by_835(store, claim_id, *, reason="50", posted_at=dt.datetime(2026, 11, 20, 10, 0),
                **kw) -> None:  # fmt: skip
    """A whole-claim denial (CLP02 4) with group CO, posted: the denied amounts written off."""
    cas = [(1, "CO", reason, 18500), (2, "CO", reason, 2500)]
    remit(store, claim_id, posted_at=posted_at, status_code="4", cas=cas, **kw)
    post(store, claim_id, status="denied", at=posted_at, adjustments=cas)


def counts(store) -> tuple[int, ...]:
    with store.uow() as uow:
        s = uow.session
        return tuple(
            s.scalar(select(func.count()).select_from(model))
            for model in (Claim, LedgerEntry, ClaimEvent, ClaimNote, AuditRecord)
        )


def status_of(store, claim_id) -> str:
    return claims.get_claim(store, claim_id).claim.status


def insurance_by_line(store, claim_id) -> list[int]:
    with store.uow() as uow:
        left = ledger.insurance_left_by_line(uow.session, claim_id)
        claim = uow.session.get(Claim, claim_id)
        return [left.get(ln.id, 0) for ln in claim.lines]


def assert_identity(store, claim_id) -> None:
    """Each claim still reads charge = paid + adjustments + patient part + balance."""
    m = claims.get_claim(store, claim_id).money
    with store.uow() as uow:
        patient_paid = ledger.claim_patient_paid_in(uow.session, [claim_id])[claim_id]
    assert m.charge_cents == (m.paid_cents + m.adjustment_cents + patient_paid + m.balance_cents)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# -- the queue --------------------------------------------------------------------------------
def test_queue_puts_dollars_times_urgency_first_and_expired_last(store, world):
    big = accepted_claim(store, world)  # $210.00 denied CO-50 by an 835
    deny_by_835(store, big, remarks="N115", line_remarks={2: "M127"})
    under = accepted_claim(store, world, DOS - dt.timedelta(days=7))  # underpaid, by hand
    post(store, under, status="partially_paid", at=dt.datetime(2026, 12, 1, 9),
         paid={1: 10000}, adjustments=[(1, "CO", "45", 3000)], icn="X1")  # fmt: skip
    old = accepted_claim(store, world, dt.date(2025, 6, 2))  # every deadline passed
    post(store, old, status="denied", at=dt.datetime(2025, 7, 1, 9),
         adjustments=[(1, "CO", "29", 18500), (2, "CO", "299", 2500)])  # fmt: skip
    urgent = accepted_claim(store, world, dt.date(2026, 6, 1))  # small, 3 days to appeal
    post(store, urgent, status="partially_paid", at=dt.datetime(2026, 7, 17, 9),
         paid={1: 18500})  # fmt: skip
    waiting = accepted_claim(store, world, DOS - dt.timedelta(days=1))  # not denied: not listed

    queue = denials.denial_queue(store, today=TODAY)
    assert [i.claim_id for i in queue] == [urgent, big, under, old]
    assert waiting not in {i.claim_id for i in queue}
    by_id = {i.claim_id: i for i in queue}

    a = by_id[big]
    assert (a.status, a.charge_cents, a.balance_cents) == ("denied", 21000, 0)
    assert (a.written_off_denied_cents, a.at_stake_cents) == (21000, 21000)
    assert a.reasons_source == "835" and a.payer_claim_number == ICN
    assert [(r.group_code, r.reason_code, r.amount_cents, r.description) for r in a.reasons] == [
        ("CO", "50", 21000, "Not medically necessary in the payer's judgment")
    ]
    assert [(m.code, m.description) for m in a.remarks] == [
        ("N115", "Decision based on a Local Coverage Determination (LCD)"),
        ("M127", "Medical record for this service is missing"),
    ]
    assert a.denial_date == dt.date(2026, 11, 20)
    assert a.appeal_deadline == dt.date(2027, 5, 19) and a.appeal_days_left == 129
    assert a.refile_deadline == dt.date(2027, 10, 14) and a.refile_days_left == 277
    assert a.action == "appeal" and "medical records" in a.suggestion
    assert a.score == 21000 * 159 // 129 == 25883 and not a.expired
    assert (a.patient_name, a.payer_name) == ("Testpatient, Ada", "Sandbox Medicare")

    b = by_id[under]
    assert (b.balance_cents, b.at_stake_cents, b.paid_cents) == (8000, 8000, 10000)
    assert b.reasons_source == "ledger"
    assert [(r.group_code, r.reason_code, r.amount_cents) for r in b.reasons] == [
        ("CO", "45", 3000)
    ]
    assert (b.appeal_days_left, b.refile_days_left) == (140, 270)
    assert b.score == 8000 * 170 // 140 and b.action == "write_off"

    c = by_id[old]
    assert c.expired and c.at_stake_cents == 21000 and c.score == 21000
    assert c.appeal_days_left == (dt.date(2025, 12, 28) - TODAY).days < 0
    assert c.refile_days_left == (dt.date(2026, 6, 2) - TODAY).days < 0
    assert [(r.reason_code, r.description) for r in c.reasons] == [
        ("29", "Filing deadline has passed"),
        ("299", "reason 299"),  # not in our code set: named by its number
    ]
    assert c.action == "appeal" and "timely filing" in c.suggestion

    d = by_id[urgent]
    assert (d.at_stake_cents, d.appeal_days_left, d.refile_days_left) == (2500, 3, 142)
    assert d.score == 2500 * 33 // 3 == 27500  # smaller, but 3 days left: it goes first
    assert d.reasons == () and d.reasons_source == "none" and d.action == "review"


def test_urgency_score_formula():
    assert denials.urgency_score(10000, 30) == 20000
    assert denials.urgency_score(10000, 0) == 310000  # due today counts as one day
    assert denials.urgency_score(10000, None) == 10000
    assert denials.urgency_score(-500, 10) == 0


# -- correct and resubmit -------------------------------------------------------------------------
def test_correct_and_resubmit_makes_a_frequency_7_claim_and_moves_the_balance(store, world):
    original = accepted_claim(store, world)
    deny_by_835(store, original, reason="16", remarks="MA130")
    assert claims.get_claim(store, original).claim.payer_claim_number is None  # only on the 835
    assert ledger.account_balance(store, world["patient"].id).insurance_cents == 0

    new = denials.correct_and_resubmit(store, original, note="added the missing referral",
                                       today=TODAY)  # fmt: skip

    assert new.id != original and new.frequency_code == "7"
    assert new.replaces_claim_id == original and new.payer_claim_number == ICN
    assert new.patient_control_number == claims.pcn_for(new.id)
    assert new.status == "ready" and new.total_charge_cents == 21000
    detail = claims.get_claim(store, new.id)
    assert [(ln.code, ln.charge_cents) for ln in detail.lines] == [("99214", 18500),
                                                                    ("36415", 2500)]  # fmt: skip
    assert "replacing" in detail.events[0].reason
    assert status_of(store, original) == "corrected"
    # The denial write-off is reopened and the whole balance moves, line by line.
    assert insurance_by_line(store, new.id) == [18500, 2500]
    assert insurance_by_line(store, original) == [0, 0]
    assert ledger.account_balance(store, world["patient"].id).insurance_cents == 21000
    assert claims.get_claim(store, new.id).money.charge_cents == 21000
    assert_identity(store, original)
    assert_identity(store, new.id)
    # The 837 writes it as a replacement quoting the payer's number.
    with store.uow() as uow:
        built, _ = submission.claims_837(uow.session, [new.id])[new.id]
    assert (built.frequency_code, built.payer_claim_number) == ("7", ICN)
    segments = x837._claim_segments(built, {})
    assert segments[0].startswith(f"CLM*{new.patient_control_number}*210***11:B:7*")
    assert f"REF*F8*{ICN}" in segments
    # Not in the queue any more; the original is final.
    assert denials.denial_queue(store, today=TODAY) == []
    with pytest.raises(IllegalTransition):
        denials.correct_and_resubmit(store, original, note="again", today=TODAY)


def test_correct_and_resubmit_uses_the_visits_current_coding(store, world):
    original = accepted_claim(store, world)
    post(store, original, status="partially_paid", at=dt.datetime(2026, 12, 1, 9),
         paid={1: 10000}, adjustments=[(1, "CO", "45", 3000)], icn=ICN)  # fmt: skip
    enc = claims.get_claim(store, original).claim.encounter_id
    encounters.send_back(store, enc, "the note supports 99213, not 99214")
    # The coder's fix, made in place: encounters.save_coding replaces the visit's lines, which
    # the claim lines of a billed visit still point at (a foreign key refuses that today).
    with store.uow() as uow:
        line = uow.session.get(Encounter, enc).lines[0]
        line.code, line.charge_cents = "99213", 13000
    encounters.mark_coded(store, enc)

    new = denials.correct_and_resubmit(store, original, note="recoded to 99213", today=TODAY)

    detail = claims.get_claim(store, new.id)
    assert [(ln.code, ln.charge_cents) for ln in detail.lines] == [("99213", 13000),
                                                                    ("36415", 2500)]  # fmt: skip
    assert new.total_charge_cents == 15500
    # $55.00 + $25.00 moved; line 1's charge fell by $55.00 with the recoding.
    assert insurance_by_line(store, new.id) == [0, 2500]
    assert insurance_by_line(store, original) == [0, 0]
    assert ledger.account_balance(store, world["patient"].id).insurance_cents == 2500
    assert encounters.get_encounter(store, enc).status == "billed"
    assert_identity(store, original)
    assert_identity(store, new.id)


def test_correct_and_resubmit_refuses_without_a_payer_claim_number(store, world):
    original = accepted_claim(store, world)
    post(store, original, status="denied", at=dt.datetime(2026, 11, 20),
         adjustments=[(1, "CO", "16", 18500), (2, "CO", "16", 2500)])  # fmt: skip
    before = counts(store)
    with pytest.raises(ValidationError, match="payer claim number"):
        denials.correct_and_resubmit(store, original, note="fixed", today=TODAY)
    with pytest.raises(ValidationError, match="what was corrected"):
        denials.correct_and_resubmit(store, original, note="  ", today=TODAY)
    assert counts(store) == before and status_of(store, original) == "denied"


def test_correct_and_resubmit_refuses_while_the_visit_is_being_recoded(store, world):
    original = accepted_claim(store, world)
    post(store, original, status="denied", at=dt.datetime(2026, 11, 20), icn=ICN,
         adjustments=[(1, "CO", "16", 18500), (2, "CO", "16", 2500)])  # fmt: skip
    encounters.send_back(store, claims.get_claim(store, original).claim.encounter_id, "check")
    before = counts(store)
    with pytest.raises(ValidationError, match="being recoded"):
        denials.correct_and_resubmit(store, original, note="fixed", today=TODAY)
    assert counts(store) == before and status_of(store, original) == "denied"


# -- appeal ---------------------------------------------------------------------------------------
def test_appeal_prints_a_real_letter_and_marks_the_claim_appealed(store, world):
    claim_id = accepted_claim(store, world)
    deny_by_835(store, claim_id, remarks="N115")
    pcn = claims.get_claim(store, claim_id).claim.patient_control_number
    why = "The visit note documents uncontrolled diabetes that needed the labs."

    out = denials.appeal(store, claim_id, reason_text=why, today=TODAY, contact_name="Pat Biller")

    assert out.pdf.startswith(b"%PDF") and out.filename == f"appeal-{pcn}-20270110.pdf"
    text = " ".join(pdf_text(out.pdf).split())
    for expected in (
        "Maple Grove Family Medicine", "NPI 1234567893", "Tax ID 123456789", "January 10, 2027",
        "Sandbox Medicare", "Ada Testpatient", "03/09/1958", "Member ID: 1EG4TE5MK73",
        f"Payer claim number: {ICN}", f"Our claim control number: {pcn}", "10/14/2026",
        "Billed amount: $210.00", "Amount denied: $210.00",
        "CO-50 ($210.00): Not medically necessary in the payer's judgment",
        "Remark N115: Decision based on a Local Coverage Determination (LCD)",
        why, "Medical records for the date of service", "Pat Biller",
    ):  # fmt: skip
        assert expected in text, expected
    assert any("Medical records" in e for e in out.enclosures)
    assert out.claim.status == "appealed" == status_of(store, claim_id)
    (note,) = claims.notes(store, claim_id)
    assert note.kind == "note" and why in note.text and "Sandbox Medicare" in note.text
    events = claims.get_claim(store, claim_id).events
    assert (events[-1].from_status, events[-1].to_status) == ("denied", "appealed")

    # Printed again, nothing changes; the reason given at the appeal is reused.
    before = counts(store)
    again = denials.appeal_letter_pdf(store, claim_id, today=TODAY)
    assert why in " ".join(pdf_text(again).split())
    assert counts(store) == before and status_of(store, claim_id) == "appealed"
    # An appealed claim is not appealed twice (the payer's answer comes first).
    with pytest.raises(ValidationError, match="only denied or underpaid"):
        denials.appeal(store, claim_id, reason_text=why, today=TODAY)


def test_appeal_refusals_write_nothing(store, world):
    ready = accepted_claim(store, world)  # accepted, not denied
    denied = accepted_claim(store, world, DOS - dt.timedelta(days=7))
    deny_by_835(store, denied)
    before = counts(store)
    with pytest.raises(ValidationError, match="appeal reason"):
        denials.appeal(store, denied, reason_text=" ", today=TODAY)
    with pytest.raises(ValidationError, match="accepted"):
        denials.appeal(store, ready, reason_text="please pay", today=TODAY)
    with pytest.raises(ValidationError, match="appeal reason"):
        denials.appeal_letter_pdf(store, denied, today=TODAY)  # never appealed: no reason yet
    assert counts(store) == before and status_of(store, denied) == "denied"


# -- write off ------------------------------------------------------------------------------------
def test_write_off_part_then_the_rest_closes_the_claim(store, world):
    claim_id = accepted_claim(store, world)
    # Posted leaving the denied amount open on the insurance side.
    post(store, claim_id, status="denied", at=dt.datetime(2026, 11, 20))
    before = counts(store)
    with pytest.raises(ValidationError, match="at most \\$210.00"):
        denials.write_off(store, claim_id, reason_code="50", amount="210.01", note="no records")
    with pytest.raises(ValidationError, match="CARC"):
        denials.write_off(store, claim_id, reason_code="fifty", note="no records")
    with pytest.raises(ValidationError, match="why it is written off"):
        denials.write_off(store, claim_id, reason_code="50", note="")
    assert counts(store) == before

    out = denials.write_off(store, claim_id, reason_code="50", amount="50.00",
                            note="provider agreed", today=TODAY)  # fmt: skip
    assert out.status == "denied"
    assert sum(insurance_by_line(store, claim_id)) == 16000
    (item,) = denials.denial_queue(store, today=TODAY)
    assert item.at_stake_cents == 16000  # our own write-off is not the payer's denial
    out = denials.write_off(store, claim_id, reason_code="50", note="not worth appealing",
                            today=TODAY)  # fmt: skip
    assert out.status == "closed"
    m = claims.get_claim(store, claim_id).money
    assert (m.adjustment_cents, m.balance_cents) == (21000, 0)
    with store.uow() as uow:
        groups = set(uow.session.execute(
            select(LedgerEntry.group_code, LedgerEntry.reason_code)
            .where(LedgerEntry.claim_id == claim_id, LedgerEntry.kind == "adjustment")).all())  # fmt: skip
    assert groups == {("CO", "50")}
    assert_identity(store, claim_id)
    assert denials.denial_queue(store, today=TODAY) == []


def test_write_off_of_a_denial_already_written_off_just_closes(store, world):
    claim_id = accepted_claim(store, world)
    deny_by_835(store, claim_id, reason="18")
    entries = counts(store)[1]
    out = denials.write_off(store, claim_id, reason_code="18", note="duplicate of CD1")
    assert out.status == "closed" and counts(store)[1] == entries  # no new ledger rows


# -- transfer to the patient ----------------------------------------------------------------------
def test_transfer_refuses_a_co_denial_unless_overridden(store, world):
    claim_id = accepted_claim(store, world)
    deny_by_835(store, claim_id, reason="50")
    before = counts(store)
    with pytest.raises(ValidationError, match="may not bill the patient for a CO denial"):
        denials.transfer_to_patient(store, claim_id, note="patient asked for it")
    assert counts(store) == before and status_of(store, claim_id) == "denied"

    out = denials.transfer_to_patient(store, claim_id, note="non-covered test",
                                      override_reason="signed waiver (ABN) on file",
                                      reason_code="50", today=TODAY)  # fmt: skip
    assert out.status == "closed"
    balance = ledger.account_balance(store, world["patient"].id)
    assert (balance.insurance_cents, balance.patient_cents) == (0, 21000)
    m = claims.get_claim(store, claim_id).money
    assert (m.adjustment_cents, m.patient_responsibility_cents) == (0, 21000)
    assert_identity(store, claim_id)


def test_transfer_moves_part_then_the_rest(store, world):
    claim_id = accepted_claim(store, world)
    post(store, claim_id, status="partially_paid", at=dt.datetime(2026, 12, 1),
         paid={1: 15000})  # fmt: skip
    with pytest.raises(ValidationError, match="at most \\$60.00"):
        denials.transfer_to_patient(store, claim_id, amount=6001, note="coinsurance")
    out = denials.transfer_to_patient(store, claim_id, amount="25.00", reason_code="2",
                                      note="coinsurance per the EOB", today=TODAY)  # fmt: skip
    assert out.status == "partially_paid"
    # $25.00 spread over the lines by what each owes ($35.00 : $25.00): $14.58 + $10.42.
    assert insurance_by_line(store, claim_id) == [3500 - 1458, 2500 - 1042]
    out = denials.transfer_to_patient(store, claim_id, reason_code="1", note="deductible",
                                      today=TODAY)  # fmt: skip
    assert out.status == "closed"
    balance = ledger.account_balance(store, world["patient"].id)
    assert (balance.insurance_cents, balance.patient_cents) == (0, 6000)
    with store.uow() as uow:
        pairs = uow.session.execute(
            select(LedgerEntry.reason_code, LedgerEntry.responsibility,
                   func.sum(LedgerEntry.amount_cents))
            .where(LedgerEntry.claim_id == claim_id, LedgerEntry.kind == "transfer")
            .group_by(LedgerEntry.reason_code, LedgerEntry.responsibility)
        ).all()  # fmt: skip
    assert sorted(pairs) == [("1", "insurance", -3500), ("1", "patient", 3500),
                             ("2", "insurance", -2500), ("2", "patient", 2500)]  # fmt: skip
    assert_identity(store, claim_id)
    with pytest.raises(ValidationError, match="only denied or underpaid"):
        denials.transfer_to_patient(store, claim_id, note="again")


def test_actions_check_the_version_the_user_saw(store, world):
    claim_id = accepted_claim(store, world)
    deny_by_835(store, claim_id)
    (item,) = denials.denial_queue(store, today=TODAY)
    with pytest.raises(ClaimDeskError, match="changed by someone else"):
        denials.write_off(store, claim_id, reason_code="50", note="x",
                          expected_version=item.version - 1)  # fmt: skip
    out = denials.write_off(store, claim_id, reason_code="50", note="x",
                            expected_version=item.version)  # fmt: skip
    assert out.status == "closed"


def test_a_paper_eob_denial_shows_its_reason_and_amount_in_the_queue(store, world):
    """Manual posting leaves a denial with the payer (a zero-amount marker keeps the CARC):
    the queue shows the reason with the amount denied, not "no reason on file"."""
    from core.services import payments

    cid = accepted_claim(store, world)
    batch = payments.open_batch(store, payer_id=world["payer"].id, method="check",
                                reference="CHK77", deposit_date=DOS + dt.timedelta(days=20),
                                total="1.00")  # fmt: skip
    payments.post_eob_line(store, batch.id, cid, paid="0",
                           adjustments=[("CO", "50", "210.00")], denied=True)  # fmt: skip
    (item,) = denials.denial_queue(store, today=DOS + dt.timedelta(days=25))
    assert item.claim_id == cid and item.reasons_source == "ledger"
    assert [(r.group_code, r.reason_code, r.amount_cents) for r in item.reasons] == [
        ("CO", "50", 21000)
    ]
    assert item.at_stake_cents == 21000
