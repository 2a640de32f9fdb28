"""Posting 835s to the cent: each scenario the issue names, with the ledger it must leave, and
nothing written for the bad files."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.services import answers, claims, crossover, ledger, remittance, submission
from core.x12.envelope import Envelope
from core.x12.x835_model import (
    Adjustment835 as A,
)
from core.x12.x835_model import (
    ClaimPayment,
    ProviderAdjustment835,
    Remittance835,
    ServicePayment,
)
from db.models import Claim, LedgerEntry, RemitClaim, Remittance, X12File
from tests.integration.helpers import BILLED_ON, DOS, built_claim, small_practice

NOW = dt.datetime(2026, 10, 25, 8, 0)
PAY_DAY = dt.date(2026, 10, 24)
_control = iter(range(5000, 9000))


@pytest.fixture
def world(codes_store):
    return small_practice(codes_store)


def sent_claim(store, world, dos=DOS) -> int:
    """A claim built, submitted and accepted through the sandbox (PCN CD + id)."""
    cid = built_claim(store, world, dos=dos)
    submission.submit(store, claim_ids=[cid], today=BILLED_ON, now=NOW)
    submission.sync(store, now=NOW)
    assert claims.get_claim(store, cid).claim.status == "accepted"
    return cid


def svc(code, charge, paid, *adjs, mods=(), day=DOS, allowed=None, line_id=""):
    return ServicePayment(qualifier="HC", code=code, modifiers=tuple(mods), charge_cents=charge,
                          paid_cents=paid, service_from=day, adjustments=tuple(adjs),
                          allowed_cents=allowed, line_control_number=line_id, units="1")  # fmt: skip


def clp(pcn, status, charge, paid, *services, pr=0, adjs=(), number="PAYER123"):
    return ClaimPayment(patient_control_number=pcn, status_code=status, charge_cents=charge,
                        paid_cents=paid, patient_responsibility_cents=pr, filing_indicator="MB",
                        payer_claim_number=number, patient_last="TESTPATIENT",
                        patient_first="ADA", service_from=DOS, adjustments=tuple(adjs),
                        services=tuple(services))  # fmt: skip


def text_835(*claims_paid, trace="EFT1001", plb=(), total=None) -> bytes:
    from core.x12.x835 import build_835

    paid = sum(c.paid_cents for c in claims_paid)
    total = paid - sum(p.amount_cents for p in plb) if total is None else total
    remit = Remittance835(
        control_number="0001", handling_code="I" if total >= 0 else "H",
        total_cents=total, credit_debit="C" if total >= 0 else "D", payment_method="CHK", payment_date=PAY_DAY, trace_number=trace,
        payer_identifier="1999999999", payer_name="SANDBOX MEDICARE", payer_id="SBX01",
        payee_name="MAPLE GROVE FAMILY MEDICINE", payee_id="1234567893",
        payee_id_qualifier="XX", payer_address=("1 PAYER WAY", "SALEM", "OR", "973010001"),
        payer_contact_phone="5035550100", claims=tuple(claims_paid),
        provider_adjustments=tuple(plb),
    )  # fmt: skip
    env = Envelope("CLAIMDESKSBX", "123456789", next(_control), NOW)
    return build_835(remit, env).encode()


def money(store, cid):
    return claims.get_claim(store, cid).money


def ledger_rows(store) -> int:
    with store.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(LedgerEntry))


def count(store, model) -> int:
    with store.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def post(store, data: bytes, name="era.835", **kw):
    return answers.import_bytes(store, name, data, **kw)


# -- the scenarios ------------------------------------------------------------------------------
def test_partial_payment_writes_off_contractual_and_moves_pr_to_the_patient(codes_store, world):
    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    data = text_835(clp(pcn, "1", 21000, 10500,
                        svc("99214", 18500, 9000, A("CO", "45", 6500), A("PR", "2", 3000),
                            allowed=12000),
                        svc("36415", 2500, 1500, A("CO", "45", 1000)),
                        pr=3000))  # fmt: skip
    out = post(store, data)
    assert out.applied and out.errors == (), out.errors
    assert (out.paid_cents, out.adjustment_cents_by_group) == (10500, {"CO": 7500, "PR": 3000})
    m = money(store, cid)
    assert (m.charge_cents, m.paid_cents, m.adjustment_cents) == (21000, 10500, 7500)
    assert (m.patient_responsibility_cents, m.balance_cents) == (3000, 3000)
    detail = claims.get_claim(store, cid)
    assert detail.claim.status == "paid" and detail.claim.payer_claim_number == "PAYER123"
    balance = ledger.account_balance(store, world["patient"].id)
    assert (balance.insurance_cents, balance.patient_cents) == (0, 3000)
    # The coinsurance is kept apart from deductible and copay.
    with store.uow() as uow:
        reasons = uow.session.execute(
            select(LedgerEntry.reason_code, func.sum(LedgerEntry.amount_cents))
            .where(LedgerEntry.claim_id == cid, LedgerEntry.responsibility == "patient")
            .group_by(LedgerEntry.reason_code)
        ).all()
    assert reasons == [("2", 3000)]


def test_full_denial_stays_at_stake_and_the_claim_is_denied(codes_store, world):
    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    data = text_835(clp(pcn, "4", 21000, 0, svc("99214", 18500, 0, A("CO", "50", 18500)),
                        svc("36415", 2500, 0, A("CO", "50", 2500))))  # fmt: skip
    out = post(store, data)
    assert out.applied and out.paid_cents == 0
    m = money(store, cid)
    assert (m.paid_cents, m.adjustment_cents, m.balance_cents) == (0, 0, 21000)
    assert claims.get_claim(store, cid).claim.status == "denied"


def test_reversal_then_corrected_payment(codes_store, world):
    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    first = clp(pcn, "1", 21000, 16000, svc("99214", 18500, 14000, A("CO", "45", 4500)),
                svc("36415", 2500, 2000, A("CO", "45", 500)))  # fmt: skip
    assert post(store, text_835(first, trace="EFT1")).applied
    assert money(store, cid).paid_cents == 16000
    reversal = clp(pcn, "22", -21000, -16000, svc("99214", -18500, -14000, A("CO", "45", -4500)),
                   svc("36415", -2500, -2000, A("CO", "45", -500)))  # fmt: skip
    corrected = clp(pcn, "1", 21000, 12000,
                    svc("99214", 18500, 10000, A("CO", "45", 6000), A("PR", "1", 2500)),
                    svc("36415", 2500, 2000, A("CO", "45", 500)), pr=2500)  # fmt: skip
    out = post(store, text_835(reversal, corrected, trace="EFT2"))
    assert out.applied, out.errors
    m = money(store, cid)
    assert (m.paid_cents, m.adjustment_cents, m.patient_responsibility_cents) == (12000, 6500, 2500)
    assert m.balance_cents == 2500
    assert claims.get_claim(store, cid).claim.status == "paid"


def test_a_reversal_alone_sends_the_claim_back_to_waiting(codes_store, world):
    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    post(store, text_835(clp(pcn, "1", 21000, 21000, svc("99214", 18500, 18500),
                             svc("36415", 2500, 2500)), trace="EFT1"))  # fmt: skip
    assert claims.get_claim(store, cid).claim.status == "paid"
    post(store, text_835(clp(pcn, "22", -21000, -21000, svc("99214", -18500, -18500),
                             svc("36415", -2500, -2500)), trace="EFT2"))  # fmt: skip
    assert money(store, cid).balance_cents == 21000
    assert claims.get_claim(store, cid).claim.status == "accepted"


def test_payment_split_over_two_835s(codes_store, world):
    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    one = clp(pcn, "1", 18500, 14000, svc("99214", 18500, 14000, A("CO", "45", 4500)))
    assert post(store, text_835(one, trace="CHK1"), name="a.835").applied
    assert claims.get_claim(store, cid).claim.status == "partially_paid"
    two = clp(pcn, "1", 2500, 2000, svc("36415", 2500, 2000, A("CO", "45", 500)))
    assert post(store, text_835(two, trace="CHK2"), name="b.835").applied
    m = money(store, cid)
    assert (m.paid_cents, m.adjustment_cents, m.balance_cents) == (16000, 5000, 0)
    assert claims.get_claim(store, cid).claim.status == "paid"


def test_plb_recoupment_is_recorded_at_provider_level(codes_store, world):
    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    plb = ProviderAdjustment835("1234567893", dt.date(2026, 12, 31), "WO", "OLDCLAIM77", 3000)
    data = text_835(clp(pcn, "1", 21000, 21000, svc("99214", 18500, 18500),
                        svc("36415", 2500, 2500)), plb=(plb,))  # fmt: skip
    out = post(store, data)
    assert out.applied and out.plb_cents == 3000 and out.paid_cents == 21000
    with store.uow() as uow:
        (rem,) = uow.session.scalars(select(Remittance)).all()
        assert rem.total_cents == 18000  # 210.00 paid less the 30.00 taken back
    detail = remittance.remittance_detail(store, rem.id)
    assert detail.provider_adjustments == (("WO", "OLDCLAIM77", 3000),)
    assert money(store, cid).paid_cents == 21000  # the claim itself was paid in full


def test_a_dropped_modifier_still_matches_the_line(codes_store, world):
    store = codes_store
    from core.schemas import ServiceLineIn
    from tests.integration.helpers import coded_encounter

    enc = coded_encounter(store, world, diagnoses=("M17.11",), lines=(
        ServiceLineIn(code="20610", modifiers=("RT",), charge_cents=15000, pointers=(1,)),))  # fmt: skip
    cid = claims.build_claim(store, enc, today=BILLED_ON).claim.id
    submission.submit(store, claim_ids=[cid], today=BILLED_ON, now=NOW)
    submission.sync(store, now=NOW)
    pcn = f"CD{cid:010d}"
    out = post(store, text_835(clp(pcn, "1", 15000, 9000,
                                   svc("20610", 15000, 9000, A("CO", "45", 6000)))))  # fmt: skip
    assert out.applied
    assert any("modifiers" in w for w in out.warnings)
    with store.uow() as uow:
        lines = (
            uow.session.execute(
                select(LedgerEntry.claim_line_id).where(LedgerEntry.kind == "payment")
            )
            .scalars()
            .all()
        )
    assert lines and all(line is not None for line in lines)
    assert money(store, cid).balance_cents == 0


def test_a_line_the_payer_added_posts_at_claim_level(codes_store, world):
    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    data = text_835(clp(pcn, "1", 21000, 21000, svc("99214", 18500, 18500),
                        svc("36415", 2000, 2000), svc("36416", 500, 500)))  # fmt: skip
    out = post(store, data)
    assert out.applied and any("added" in w for w in out.warnings)
    m = money(store, cid)
    assert (m.paid_cents, m.balance_cents) == (21000, 0)


def test_an_835_for_an_unknown_claim_goes_to_the_unmatched_queue(codes_store, world):
    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    data = text_835(clp(pcn, "1", 21000, 21000, svc("99214", 18500, 18500),
                        svc("36415", 2500, 2500)),
                    clp("XX999", "1", 5000, 5000, svc("99213", 5000, 5000)))  # fmt: skip
    out = post(store, data)
    assert out.applied and out.unmatched == ("XX999",)
    (item,) = remittance.unmatched_queue(store)
    assert item.patient_control_number == "XX999" and "no claim" in item.note
    remittance.dismiss_unmatched(store, item.id, "not our patient: another office's claim")
    assert remittance.unmatched_queue(store) == []
    # A file that speaks only of unknown claims but pays this practice: the money is ours, so
    # it is recorded and the claim waits in the queue (nothing is posted to any claim).
    before = ledger_rows(store)
    only = post(store, text_835(clp("ZZ1", "1", 100, 100, svc("99213", 100, 100)), trace="X9"))
    assert only.applied and only.unmatched == ("ZZ1",) and only.claims_matched == 0
    assert [i.patient_control_number for i in remittance.unmatched_queue(store)] == ["ZZ1"]
    assert ledger_rows(store) == before
    # The same for another practice (its NPI as payee): refused, nothing changes.
    foreign = text_835(clp("ZZ2", "1", 100, 100, svc("99213", 100, 100)), trace="X10")
    foreign = foreign.replace(b"N1*PE*MAPLE GROVE FAMILY MEDICINE*XX*1234567893",
                              b"N1*PE*ANOTHER CLINIC*XX*1999999976")  # fmt: skip
    files = count(store, X12File)
    refused = post(store, foreign)
    assert not refused.applied and "never sent" in refused.errors[0]
    assert "ANOTHER CLINIC (1999999976), not this practice" in refused.errors[0]
    assert count(store, X12File) == files and ledger_rows(store) == before


def test_an_unmatched_claim_is_posted_by_hand_to_the_claim_it_belongs_to(codes_store, world):
    """The payer dropped a digit of the second claim's control number: it waits unmatched;
    the biller posts it to the right claim, which then reads exactly as if it had matched
    (ledger, status, the remittance's lines and reasons), and the queue is empty."""
    from core.errors import NotFound, ValidationError

    store = codes_store
    first = sent_claim(store, world)
    second = sent_claim(store, world, dos=DOS - dt.timedelta(days=14))
    good, bad = f"CD{first:010d}", f"CD{second:010d}"
    mangled = bad[:-3] + bad[-2:]  # one digit lost on the payer's side
    data = text_835(clp(good, "1", 21000, 21000, svc("99214", 18500, 18500),
                        svc("36415", 2500, 2500)),
                    clp(mangled, "1", 21000, 15000,
                        svc("99214", 18500, 13000, A("CO", "45", 3000), A("PR", "2", 2500),
                            day=DOS - dt.timedelta(days=14)),
                        svc("36415", 2500, 2000, A("CO", "45", 500),
                            day=DOS - dt.timedelta(days=14)), pr=2500,
                        number="PAYER456"))  # fmt: skip
    assert post(store, data).unmatched == (mangled,)
    (item,) = remittance.unmatched_queue(store)
    before = ledger_rows(store)
    with pytest.raises(ValidationError, match="say how"):
        remittance.post_unmatched(store, item.id, bad, note="")
    with pytest.raises(NotFound, match="CD9999999999"):
        remittance.post_unmatched(store, item.id, "CD9999999999", note="same patient and date")
    assert ledger_rows(store) == before  # refusals write nothing
    out = remittance.post_unmatched(store, item.id, bad.lower(), note="same patient, DOS, $210")
    assert (out.claim_id, out.paid_cents, out.patient_cents, out.status_after) == (
        second, 15000, 2500, "paid",
    )  # fmt: skip
    assert out.adjustments == {"CO": 3500, "PR": 2500}
    m = money(store, second)
    assert (m.paid_cents, m.adjustment_cents, m.patient_responsibility_cents) == (15000, 3500, 2500)
    detail = claims.get_claim(store, second)
    assert detail.claim.payer_claim_number == "PAYER456"
    assert "posted" in detail.events[-1].reason
    assert remittance.unmatched_queue(store) == []
    with store.uow() as uow:
        lines = uow.session.scalars(select(LedgerEntry.claim_line_id).where(
            LedgerEntry.claim_id == second, LedgerEntry.kind == "payment")).all()  # fmt: skip
    assert None not in lines and len(set(lines)) == 2  # each line found its line
    (rem,) = [r for r in remittance.list_remittances(store) if r.trace_number == "EFT1001"]
    shown = {
        c.patient_control_number: c for c in remittance.remittance_detail(store, rem.id).claims
    }
    assert shown[mangled].claim_id == second and len(shown[mangled].lines) == 2
    assert {(a.group_code, a.reason_code) for ln in shown[mangled].lines for a in ln.adjustments} == {
        ("CO", "45"), ("PR", "2")}  # fmt: skip
    with pytest.raises(NotFound):
        remittance.post_unmatched(store, item.id, bad, note="same patient, DOS, $210")


def test_an_unmatched_claim_cannot_pay_another_payers_claim(codes_store, world):
    from core.errors import ValidationError

    store = codes_store
    first = sent_claim(store, world)
    other = built_claim(store, world, dos=DOS - dt.timedelta(days=21))
    with store.uow() as uow:  # billed to the supplemental payer (as if sent there)
        c = uow.session.get(Claim, other)
        c.payer_id, c.status = world["secondary"].id, "accepted"
    data = text_835(clp(f"CD{first:010d}", "1", 21000, 21000, svc("99214", 18500, 18500),
                        svc("36415", 2500, 2500)),
                    clp("CD00000XX", "1", 21000, 21000, svc("99214", 18500, 18500),
                        svc("36415", 2500, 2500)))  # fmt: skip
    post(store, data)
    (item,) = remittance.unmatched_queue(store)
    with pytest.raises(ValidationError, match="is from SANDBOX MEDICARE"):
        remittance.post_unmatched(store, item.id, f"CD{other:010d}", note="looks like this one")
    assert remittance.unmatched_queue(store) != []


def test_the_same_835_twice_posts_once(codes_store, world):
    store = codes_store
    cid = sent_claim(store, world)
    paid = clp(f"CD{cid:010d}", "1", 21000, 21000, svc("99214", 18500, 18500),
               svc("36415", 2500, 2500))  # fmt: skip
    data = text_835(paid)
    assert post(store, data).applied
    before = ledger_rows(store)
    again = post(store, data, name="again.835")
    assert not again.applied and "already imported" in again.errors[0]
    # The same payment re-sent in a new envelope (other bytes, same trace and total): refused.
    resent = post(store, text_835(paid), name="resent.835")
    assert not resent.applied and resent.errors
    assert ledger_rows(store) == before
    assert money(store, cid).paid_cents == 21000


def test_truncated_and_unbalanced_files_post_nothing(codes_store, world):
    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    good = text_835(clp(pcn, "1", 21000, 21000, svc("99214", 18500, 18500),
                        svc("36415", 2500, 2500)))  # fmt: skip
    before = ledger_rows(store)
    cut = post(store, good[: len(good) * 2 // 3], name="cut.835")
    assert not cut.applied and cut.errors
    # Unbalanced: the line says paid 185.00 but only 150.00 + no adjustment.
    from core.x12.x835 import parse_835

    bad_text = good.replace(b"SVC*HC:99214*185*185", b"SVC*HC:99214*185*150")
    assert bad_text != good
    parse_835(bad_text)  # readable ...
    held = post(store, bad_text, name="unbalanced.835")
    assert not held.applied and held.held and "held for review" in held.errors[0]
    assert ledger_rows(store) == before
    assert money(store, cid).paid_cents == 0
    with store.uow() as uow:
        statuses = uow.session.scalars(select(X12File.status).where(X12File.direction == "in",
                                                                    X12File.transaction == "835")).all()  # fmt: skip
        assert statuses == ["held"]
        assert uow.session.scalar(select(func.count()).select_from(RemitClaim)) == 0


def test_dry_run_previews_the_same_numbers_and_writes_nothing(codes_store, world):
    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    data = text_835(clp(pcn, "1", 21000, 10500,
                        svc("99214", 18500, 9000, A("CO", "45", 6500), A("PR", "2", 3000)),
                        svc("36415", 2500, 1500, A("CO", "45", 1000)), pr=3000))  # fmt: skip
    before = ledger_rows(store)
    preview = post(store, data, dry_run=True)
    assert preview.dry_run and not preview.applied and ledger_rows(store) == before
    assert claims.get_claim(store, cid).claim.status == "accepted"
    real = post(store, data)
    assert real.applied
    for key in ("paid_cents", "adjustment_cents_by_group", "plb_cents", "claims_matched",
                "lines_posted", "unmatched"):  # fmt: skip
        assert getattr(preview, key) == getattr(real, key), key
    assert [(p.claim_id, p.paid_cents, p.status_after) for p in preview.postings] == [
        (p.claim_id, p.paid_cents, p.status_after) for p in real.postings
    ]


def test_with_a_secondary_on_file_the_pr_waits_for_it(codes_store, world):
    """The primary's PR stays billable to the secondary (not the patient); the secondary claim
    takes it over and its 837 (2320/2430 from the primary's 835) passes pyx12."""
    from core.services import patients
    from core.x12.pyx12_check import validate_x12

    store = codes_store
    patients.add_policy(store, world["patient"].id, dict(
        payer_id=world["secondary"].id, rank=2, member_id="SUP123456",
        effective_from=dt.date(2023, 1, 1)))  # fmt: skip
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    data = text_835(clp(pcn, "1", 21000, 10500,
                        svc("99214", 18500, 9000, A("CO", "45", 6500), A("PR", "2", 3000)),
                        svc("36415", 2500, 1500, A("CO", "45", 1000)), pr=3000))  # fmt: skip
    assert post(store, data).applied
    m = money(store, cid)
    assert (m.paid_cents, m.adjustment_cents, m.patient_responsibility_cents) == (10500, 7500, 0)
    assert m.balance_cents == 3000  # still with insurance: the secondary's to pay
    assert claims.get_claim(store, cid).claim.status == "paid"
    # The visit is due for its secondary: listed, then billed once (crossover).
    (due,) = crossover.next_payers_due(store)
    assert (due.claim_id, due.next_rank, due.held_cents) == (cid, 2, 3000)
    billed = crossover.bill_next_payers(store, today=BILLED_ON)
    assert billed.problems == () and len(billed.built) == 1
    assert crossover.next_payers_due(store) == []
    assert crossover.bill_next_payers(store, today=BILLED_ON).built == ()  # never twice
    second = claims.find_claim(store, billed.built[0])
    assert (second.claim.payer_rank, second.claim.payer_id) == (2, world["secondary"].id)
    assert second.money.balance_cents == 3000 and money(store, cid).balance_cents == 0
    assert second.claim.status == "ready", second.events[-1].reason
    (path,) = submission.submit(store, claim_ids=[second.claim.id], today=BILLED_ON,
                                now=NOW).files  # fmt: skip
    text = open(path).read()
    assert "AMT*D*105" in text and "CAS*PR*2*30" in text and "SBR*S" in text
    report = validate_x12(text)
    assert report.ok and report.findings == (), [str(f) for f in report.findings]


def test_a_void_goes_out_as_frequency_8_and_the_reversal_posts_to_the_original(codes_store, world):
    from core.errors import ValidationError
    from core.x12.pyx12_check import validate_x12

    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    paid = clp(pcn, "1", 21000, 21000, svc("99214", 18500, 18500), svc("36415", 2500, 2500))
    assert post(store, text_835(paid, trace="EFT1")).applied
    with pytest.raises(ValidationError, match="why"):
        claims.void_claim(store, cid, reason="")
    void = claims.void_claim(store, cid, reason="billed to the wrong patient", today=BILLED_ON)
    assert (void.claim.frequency_code, void.claim.replaces_claim_id) == ("8", cid)
    assert void.claim.status == "ready" and void.claim.payer_claim_number == "PAYER123"
    (path,) = submission.submit(store, claim_ids=[void.claim.id], today=BILLED_ON,
                                now=NOW).files  # fmt: skip
    text = open(path).read()
    assert ":B:8*" in text and "REF*F8*PAYER123" in text
    report = validate_x12(text)
    assert report.ok and report.findings == (), [str(f) for f in report.findings]
    submission.sync(store, now=NOW)
    assert claims.get_claim(store, void.claim.id).claim.status == "accepted"
    # The payer reverses its payment on the original: that confirms the void. The payment
    # comes back off, then the charges: nothing is owed on a claim that should not exist.
    reversal = clp(pcn, "22", -21000, -21000, svc("99214", -18500, -18500),
                   svc("36415", -2500, -2500))  # fmt: skip
    out = post(store, text_835(reversal, trace="EFT2"))
    assert out.applied and out.postings[0].status_after == "void"
    assert not [w for w in out.warnings if "added" in w]  # reversed lines match their lines
    original = claims.get_claim(store, cid)
    assert original.claim.status == "void"
    assert [e.to_status for e in original.events][-2:] == ["accepted", "void"]
    assert "confirmed" in original.events[-1].reason
    m = original.money
    assert (m.charge_cents, m.paid_cents, m.balance_cents) == (0, 0, 0)
    with store.uow() as uow:
        off = uow.session.scalars(select(LedgerEntry).where(
            LedgerEntry.claim_id == cid, LedgerEntry.kind == "charge",
            LedgerEntry.amount_cents < 0)).all()  # fmt: skip
    assert sorted(e.amount_cents for e in off) == [-18500, -2500]  # line by line
    assert all(e.memo == f"reversed: voided by {void.claim.patient_control_number}" for e in off)
    closed = claims.get_claim(store, void.claim.id)
    assert closed.claim.status == "closed"  # the void's work is done
    assert closed.money.charge_cents == 0  # the void itself moves no money
    # A second reversal of the same claim (a payer resending) moves nothing more.
    assert post(store, text_835(reversal, trace="EFT3")).applied
    assert claims.get_claim(store, cid).money.charge_cents == 0


def test_an_835_without_a_payment_date_posts_on_the_day_given(codes_store, world):
    """BPR16 missing (a warning, not a refusal): the entries are dated the import's day."""
    import re

    store = codes_store
    cid = sent_claim(store, world)
    pcn = f"CD{cid:010d}"
    data = text_835(clp(pcn, "1", 21000, 21000, svc("99214", 18500, 18500),
                        svc("36415", 2500, 2500)), trace="EFTNODATE")  # fmt: skip
    data = re.sub(rb"(BPR\*[^~]*)\*\d{8}~", rb"\1~", data, count=1)
    day = dt.date(2026, 11, 3)
    out = answers.import_bytes(store, "nodate.835", data, today=day)
    assert out.applied and any("BPR16" in w for w in out.warnings), out.warnings
    with store.uow() as uow:
        days = set(uow.session.scalars(select(LedgerEntry.entry_date).where(
            LedgerEntry.claim_id == cid, LedgerEntry.kind == "payment")))  # fmt: skip
    assert days == {day}
