"""The scrub service on real claims: facts from the database, findings stored, overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update

from core.errors import NotFound, ValidationError
from core.schemas import ServiceLineIn
from core.services import authorizations, claims, ncci, patients, scrub
from db.models import (
    AuditRecord,
    Claim,
    ClaimFinding,
    ClaimLine,
    ClaimOverride,
    Code,
    Diagnosis,
    Encounter,
    Payer,
    ServiceLine,
)
from tests.integration.helpers import (
    DOS,
    built_claim,
    coded_encounter,
    patient_data,
    small_practice,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TODAY = dt.date(2026, 10, 20)


@pytest.fixture
def world(codes_store):
    return small_practice(codes_store)


def run(store, ids, today=TODAY):
    with store.uow() as uow:
        return scrub.scrub_claims(uow.session, ids, actor=store.actor, today=today)


def rules(found) -> list[str]:
    return [f.rule_id for f in found]


def claim_for(store, world, *lines: ServiceLineIn, diagnoses=("M25.561",), **enc) -> int:
    enc_id = coded_encounter(store, world, diagnoses=diagnoses, lines=lines)
    if enc:
        with store.uow() as uow:
            uow.session.execute(update(Encounter).where(Encounter.id == enc_id).values(**enc))
    return claims.build_claim(store, enc_id).claim.id


def stored(store, claim_id) -> list[tuple[str, str, int]]:
    with store.uow() as uow:
        rows = uow.session.execute(
            select(ClaimFinding.rule_id, ClaimFinding.severity, ClaimFinding.line_number)
            .where(ClaimFinding.claim_id == claim_id)
            .order_by(ClaimFinding.id)
        )
        return [tuple(r) for r in rows]


# -- a clean claim ----------------------------------------------------------------------------
def test_a_clean_claim_scrubs_clean_and_is_stamped(codes_store, world):
    cid = built_claim(codes_store, world)
    with codes_store.uow() as uow:
        before = uow.session.get(Claim, cid)
        version, status = before.version, before.status
    assert run(codes_store, [cid]) == {cid: []}
    assert stored(codes_store, cid) == []
    with codes_store.uow() as uow:
        claim = uow.session.get(Claim, cid)
        assert claim.scrubbed_at is not None
        # Scrubbing neither edits the claim (version) nor moves it (the caller does).
        assert (claim.version, claim.status) == (version, status)
        audit = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "scrub").order_by(AuditRecord.id.desc())
        ).first()
        assert audit.actor == "tester" and "0 with errors" in audit.summary


def test_facts_come_from_the_database(codes_store, world):
    cid = built_claim(codes_store, world)
    with codes_store.uow() as uow:
        facts = scrub.gather_facts(uow.session, [cid, 999_999], TODAY)
    assert list(facts) == [cid]  # an unknown id is left out
    f = facts[cid]
    assert f.billing.npi == "1234567893" and f.billing.zip_code == "627011234"
    assert f.payer.payer_id == "SBX01" and f.payer.timely_filing_days == 365
    assert f.subscriber.member_id == "1EG4TE5MK73" and f.patient.sex == "F"
    assert f.rendering_npi == "1245319599" and f.place_of_service == "11"
    assert [(d.position, d.code, d.known, d.billable) for d in f.diagnoses] == [
        (1, "E11.9", True, True), (2, "I10", True, True),
    ]  # fmt: skip
    assert [(x.number, x.code, x.units, x.charge_cents, x.pointers) for x in f.lines] == [
        (1, "99214", 1, 18500, (1, 2)), (2, "36415", 1, 2500, (1,)),
    ]  # fmt: skip
    assert f.total_charge_cents == 21000 and f.date_of_service == DOS
    assert "25" in f.valid_modifiers and "11" in f.valid_pos
    assert f.duplicates == () and f.authorization is None


def test_a_loaded_claim_sees_its_new_stamp(codes_store, world):
    cid = built_claim(codes_store, world)
    with codes_store.uow() as uow:
        claim = uow.session.get(Claim, cid)
        scrub.scrub_claims(uow.session, [cid], actor="tester", today=TODAY)
        assert claim.scrubbed_at is not None
        assert claim not in uow.session.dirty


# -- findings land in claim_findings ----------------------------------------------------------
def test_ncci_and_mue_findings_from_imported_files(codes_store, world):
    ncci.import_ncci_ptp(codes_store, FIXTURES / "ncci_ptp_sample.txt")
    ncci.import_mue(codes_store, FIXTURES / "mue_sample.csv")
    cid = claim_for(
        codes_store, world,
        ServiceLineIn(code="97530", charge_cents=6000),
        ServiceLineIn(code="97140", charge_cents=3000),
        ServiceLineIn(code="97110", units=6, charge_cents=18000),
    )  # fmt: skip
    found = run(codes_store, [cid])[cid]
    assert rules(found) == ["MUE_DAY", "NCCI_PTP_1"]
    mue, ptp = found
    assert mue.severity == "error" and mue.line_number == 3
    assert "Line 3 (97110) bills 6 units" in mue.message and "at most 4 per day" in mue.message
    assert ptp.severity == "warning" and ptp.line_number == 2 and "line 1 (97530)" in ptp.message
    assert stored(codes_store, cid) == [("MUE_DAY", "error", 3), ("NCCI_PTP_1", "warning", 2)]
    assert rules(scrub.blocking(found)) == ["MUE_DAY", "NCCI_PTP_1"]


def test_a_rescrub_replaces_the_findings(codes_store, world):
    ncci.import_mue(codes_store, FIXTURES / "mue_sample.csv")
    cid = claim_for(codes_store, world, ServiceLineIn(code="97110", units=6, charge_cents=18000))
    assert rules(run(codes_store, [cid])[cid]) == ["MUE_DAY"]
    assert rules(run(codes_store, [cid])[cid]) == ["MUE_DAY"]
    assert len(stored(codes_store, cid)) == 1
    with codes_store.uow() as uow:  # the units are corrected on the claim
        uow.session.execute(update(ClaimLine).where(ClaimLine.claim_id == cid).values(units=4))
        uow.session.execute(update(Claim).where(Claim.id == cid).values(total_charge_cents=18000))
    assert run(codes_store, [cid]) == {cid: []}
    assert stored(codes_store, cid) == []


def test_ncci_indicator_0_blocks(codes_store, world):
    ncci.import_ncci_ptp(codes_store, FIXTURES / "ncci_ptp_sample.txt")
    cid = claim_for(
        codes_store, world,
        ServiceLineIn(code="11102", charge_cents=15000),
        ServiceLineIn(code="17110", charge_cents=12000, modifiers=("59",)),
    )  # fmt: skip
    found = run(codes_store, [cid])[cid]
    assert rules(found) == ["NCCI_PTP_0"] and found[0].line_number == 2


def test_em_with_a_procedure_without_25(codes_store, world):
    cid = claim_for(
        codes_store, world,
        ServiceLineIn(code="99214", charge_cents=18500),
        ServiceLineIn(code="20610", charge_cents=9000),
    )  # fmt: skip
    found = run(codes_store, [cid])[cid]
    assert rules(found) == ["EM_WITHOUT_25"] and found[0].severity == "warning"
    ok = claim_for(
        codes_store, world,
        ServiceLineIn(code="99214", modifiers=("25",), charge_cents=18500),
        ServiceLineIn(code="20610", charge_cents=9000),
        date_of_service=DOS - dt.timedelta(days=1),
    )  # fmt: skip
    assert run(codes_store, [ok])[ok] == []


def test_icd_validity_and_sex_from_the_code_set(codes_store, world):
    cid = built_claim(codes_store, world)
    with codes_store.uow() as uow:
        s = uow.session
        s.execute(
            update(Code)
            .where(Code.kind == "icd10", Code.compact == "E119")
            .values(effective_to=dt.date(2026, 9, 30))
        )
        enc_id = s.scalar(select(Claim.encounter_id).where(Claim.id == cid))
        s.execute(
            update(Diagnosis)
            .where(Diagnosis.encounter_id == enc_id, Diagnosis.seq == 2)
            .values(code="N40.0")
        )
    found = run(codes_store, [cid])[cid]
    assert rules(found) == ["DX_NOT_VALID_ON_DOS", "DX_SEX"]
    assert "Diagnosis 1 (E11.9)" in found[0].message and found[0].severity == "error"
    assert "Diagnosis 2 (N40.0)" in found[1].message and found[1].severity == "warning"


def test_bad_setup_data_is_reported(codes_store, world):
    cid = built_claim(codes_store, world)
    with codes_store.uow() as uow:
        s = uow.session
        s.execute(update(Payer).where(Payer.id == world["payer"].id).values(payer_code=" "))
        s.execute(update(ClaimLine).where(ClaimLine.line_number == 2).values(pointers="1:5"))
        s.execute(update(Claim).values(frequency_code="7"))
    found = run(codes_store, [cid])[cid]
    assert set(rules(found)) == {"PAYER_ID", "PAYER_CLAIM_NUMBER", "POINTER_RANGE"}
    assert all(f.severity == "error" for f in found)


# -- duplicates -------------------------------------------------------------------------------
def test_duplicate_claims_name_each_other_until_one_is_voided(codes_store, world):
    first, second = built_claim(codes_store, world), built_claim(codes_store, world)
    pcn = {
        c: claims.get_claim(codes_store, c).claim.patient_control_number for c in (first, second)
    }
    found = run(codes_store, [first, second])
    assert rules(found[first]) == ["DUPLICATE_CLAIM"] and pcn[second] in found[first][0].message
    assert rules(found[second]) == ["DUPLICATE_CLAIM"] and pcn[first] in found[second][0].message
    claims.transition_claim(codes_store, second, "void", "built twice")
    assert run(codes_store, [first]) == {first: []}


def test_a_replacement_does_not_duplicate_the_claim_it_replaces(codes_store, world):
    original, fix = built_claim(codes_store, world), built_claim(codes_store, world)
    with codes_store.uow() as uow:
        uow.session.execute(
            update(Claim)
            .where(Claim.id == fix)
            .values(frequency_code="7", replaces_claim_id=original, payer_claim_number="ICN77")
        )
    assert run(codes_store, [fix]) == {fix: []}


def test_another_payer_or_another_patient_is_not_a_duplicate(codes_store, world):
    first = built_claim(codes_store, world)
    other = patients.register_patient(codes_store, patient_data(first_name="Bea"))
    patients.add_policy(
        codes_store, other.id,
        dict(payer_id=world["payer"].id, rank=1, member_id="1EG4TE5MK74",
             effective_from=dt.date(2023, 1, 1)),
    )  # fmt: skip
    second = built_claim(codes_store, {**world, "patient": other})
    assert run(codes_store, [first, second]) == {first: [], second: []}


# -- timely filing ----------------------------------------------------------------------------
def test_timely_filing_with_a_fixed_today(codes_store, world):
    cid = built_claim(codes_store, world)  # Sandbox Medicare: 365 days
    late = run(codes_store, [cid], today=DOS + dt.timedelta(days=366))[cid]
    assert rules(late) == ["TIMELY_FILING_PASSED"] and late[0].severity == "error"
    assert "10/14/2027" in late[0].message
    soon = run(codes_store, [cid], today=DOS + dt.timedelta(days=360))[cid]
    assert rules(soon) == ["TIMELY_FILING_SOON"] and soon[0].severity == "warning"
    assert run(codes_store, [cid], today=DOS + dt.timedelta(days=300)) == {cid: []}


# -- authorization ----------------------------------------------------------------------------
def test_authorization_required_missing_then_used_up(codes_store, world):
    with codes_store.uow() as uow:
        uow.session.execute(
            update(Payer).where(Payer.id == world["payer"].id).values(auth_required_codes="97*")
        )
    pt = (ServiceLineIn(code="97110", units=3, charge_cents=9000),)
    cid = claim_for(codes_store, world, *pt)
    found = run(codes_store, [cid])[cid]
    assert rules(found) == ["AUTH_MISSING"] and found[0].severity == "warning"
    authorizations.add_authorization(
        codes_store,
        dict(patient_id=world["patient"].id, payer_id=world["payer"].id, number="PT2026A",
             service_codes="97110 97140", units_approved=12, units_used=10,
             start_date=dt.date(2026, 10, 1), end_date=dt.date(2026, 12, 31)),
    )  # fmt: skip
    linked = claim_for(
        codes_store, world, *pt, authorization_number="PT2026A",
        date_of_service=DOS - dt.timedelta(days=1),
    )  # fmt: skip
    found = run(codes_store, [cid, linked])
    for claim_id in (cid, linked):  # the unlinked visit finds it by payer, date and code
        assert rules(found[claim_id]) == ["AUTH_USED_UP"]
        assert "2 units left of 12" in found[claim_id][0].message


# -- overrides --------------------------------------------------------------------------------
def em_claim(store, world) -> int:
    return claim_for(
        store, world,
        ServiceLineIn(code="99214", charge_cents=18500),
        ServiceLineIn(code="20610", charge_cents=9000, units=3),
    )  # fmt: skip


def test_a_warning_is_overridden_with_a_reason_and_audited(codes_store, world):
    cid = em_claim(codes_store, world)
    assert rules(run(codes_store, [cid])[cid]) == ["EM_WITHOUT_25"]
    scrub.override_warning(
        codes_store, cid, "em_without_25", 1, "  separate problem-focused visit "
    )
    with codes_store.uow() as uow:
        o = uow.session.scalars(select(ClaimOverride)).one()
        assert (o.claim_id, o.rule_id, o.line_number, o.actor) == (
            cid,
            "EM_WITHOUT_25",
            1,
            "tester",
        )
        assert o.reason == "separate problem-focused visit"
        audit = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.action == "override")
        ).one()
        assert audit.entity_id == str(cid) and "separate problem-focused visit" in audit.summary
        assert audit.patient_id == world["patient"].id
    found = run(codes_store, [cid])[cid]
    assert found[0].overridden and found[0].override_reason == "separate problem-focused visit"
    assert scrub.blocking(found) == []
    shown = scrub.findings_for(codes_store, [cid, 424242])
    assert shown[424242] == []
    (out,) = shown[cid]
    assert out.overridden and out.overridden_by == "tester" and not out.blocks
    assert out.message == found[0].message and out.source == "CMS"
    # A second override replaces the reason instead of failing.
    scrub.override_warning(codes_store, cid, "EM_WITHOUT_25", 1, "reviewed again by coder")
    assert scrub.findings_for(codes_store, [cid])[cid][0].override_reason == (
        "reviewed again by coder"
    )


def test_errors_cannot_be_overridden(codes_store, world):
    ncci.import_mue(codes_store, FIXTURES / "mue_sample.csv")
    cid = claim_for(codes_store, world, ServiceLineIn(code="97110", units=6, charge_cents=18000))
    assert rules(run(codes_store, [cid])[cid]) == ["MUE_DAY"]
    with pytest.raises(ValidationError, match="errors cannot be overridden; fix"):
        scrub.override_warning(codes_store, cid, "MUE_DAY", 1, "payer pays it anyway")
    with codes_store.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ClaimOverride)) == 0
    (out,) = scrub.findings_for(codes_store, [cid])[cid]
    assert out.blocks and not out.overridden
    assert "bills 6 units" in scrub.why_blocked(scrub.findings_for(codes_store, [cid])[cid])


@pytest.mark.parametrize(
    "rule_id,line,reason,error,match",
    [
        ("EM_WITHOUT_25", 1, "ok", ValidationError, "at least 5 characters"),
        ("EM_WITHOUT_25", 1, "     ", ValidationError, "at least 5 characters"),
        ("EM_WITHOUT_25", 2, "a good reason", NotFound, "no finding EM_WITHOUT_25 on line 2"),
        ("AUTH_MISSING", 0, "a good reason", NotFound, "scrub the claim again"),
    ],
)
def test_bad_overrides_write_nothing(codes_store, world, rule_id, line, reason, error, match):
    cid = em_claim(codes_store, world)
    run(codes_store, [cid])
    with pytest.raises(error, match=match):
        scrub.override_warning(codes_store, cid, rule_id, line, reason)
    with codes_store.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ClaimOverride)) == 0


def test_override_of_an_unknown_claim(codes_store):
    with pytest.raises(NotFound, match="No claim with id 12345"):
        scrub.override_warning(codes_store, 12345, "EM_WITHOUT_25", 1, "a good reason")


# -- batches ----------------------------------------------------------------------------------
def clone_claims(store, claim_id: int, n: int) -> list[int]:
    """``n`` more claims like ``claim_id``, each on its own encounter a day apart (fast: one
    transaction of plain inserts, not the services)."""
    ids = []
    with store.uow() as uow:
        s = uow.session
        claim = s.get(Claim, claim_id)
        enc = s.get(Encounter, claim.encounter_id)
        for k in range(1, n + 1):
            day = enc.date_of_service - dt.timedelta(days=k)
            e = Encounter(
                patient_id=enc.patient_id, date_of_service=day, place_of_service="11",
                rendering_provider_id=enc.rendering_provider_id, status="billed",
                created_by="tester",
                diagnoses=[Diagnosis(seq=d.seq, code=d.code) for d in enc.diagnoses],
                lines=[ServiceLine(seq=x.seq, code=x.code, units=x.units,
                                   charge_cents=x.charge_cents, pointer1=1) for x in enc.lines],
            )  # fmt: skip
            s.add(e)
            s.flush()
            c = Claim(
                encounter_id=e.id, patient_id=claim.patient_id, policy_id=claim.policy_id,
                payer_id=claim.payer_id, patient_control_number=f"BULK{k:06d}", status="draft",
                total_charge_cents=claim.total_charge_cents, created_by="tester",
                lines=[ClaimLine(line_number=x.line_number, date_of_service=day, code=x.code,
                                 modifiers=x.modifiers, units=x.units,
                                 charge_cents=x.charge_cents, pointers=x.pointers)
                       for x in claim.lines],
            )  # fmt: skip
            s.add(c)
            s.flush()
            ids.append(c.id)
    return ids


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def test_gather_facts_for_200_claims_uses_a_bounded_number_of_queries(codes_store, world):
    ncci.import_ncci_ptp(codes_store, FIXTURES / "ncci_ptp_sample.txt")
    ncci.import_mue(codes_store, FIXTURES / "mue_sample.csv")
    first = built_claim(codes_store, world)
    ids = [first, *clone_claims(codes_store, first, 199)]
    with codes_store.uow() as uow:
        with QueryCounter(codes_store.engine) as gathering:
            facts = scrub.gather_facts(uow.session, ids, TODAY)
    assert len(facts) == 200 and gathering.count < 30, gathering.count
    assert facts[ids[-1]].lines[0].date == DOS - dt.timedelta(days=199)
    assert facts[ids[-1]].mue["99214"].max_units == 1
    with codes_store.uow() as uow:
        with QueryCounter(codes_store.engine) as scrubbing:
            found = scrub.scrub_claims(uow.session, ids, actor="tester", today=TODAY)
    assert scrubbing.count < 45, scrubbing.count
    assert all(found[c] == [] for c in ids)  # one visit a day each: all clean
    with codes_store.uow() as uow:
        stamped = uow.session.scalar(
            select(func.count()).select_from(Claim).where(Claim.scrubbed_at.is_not(None))
        )
    assert stamped == 200
