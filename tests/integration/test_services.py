"""Service tests against a real migrated SQLite file: patients, policies, encounters, claims, ledger."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from core.errors import ConcurrencyError, IllegalTransition, NotFound, ValidationError
from core.schemas import CodingIn, ServiceLineIn
from core.services import claims, encounters, ledger, patients, practice, users
from db.models import AuditRecord, ClaimEvent, LedgerEntry, Patient

from .helpers import (
    DOS,
    PRACTICE,
    add_fee,
    built_claim,
    coded_encounter,
    patient_data,
    small_practice,
)


def count(store, model) -> int:
    with store.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


# -- practice ---------------------------------------------------------------------------------
def test_practice_requires_valid_identifiers(store):
    with pytest.raises(ValidationError, match="check digit"):
        practice.save_practice(store, {**PRACTICE, "npi": "1234567890"})
    with pytest.raises(ValidationError, match="9-digit ZIP"):
        practice.save_practice(store, {**PRACTICE, "zip_code": "62701"})
    with pytest.raises(ValidationError, match="tax ID"):
        practice.save_practice(store, {**PRACTICE, "tax_id": "12"})
    assert practice.get_practice(store) is None
    saved = practice.save_practice(store, PRACTICE)
    assert saved.zip_code == "627011234" and saved.tax_id == "123456789"
    assert practice.save_practice(store, {**PRACTICE, "name": "Renamed"}).id == saved.id


def test_providers_and_payers(store):
    with pytest.raises(ValidationError, match="practice"):
        practice.add_provider(
            store, dict(npi="1245319599", first_name="A", last_name="B", taxonomy="207Q00000X")
        )
    world = small_practice(store)
    with pytest.raises(ValidationError, match="already exists"):
        practice.add_provider(
            store, dict(npi="1245319599", first_name="A", last_name="B", taxonomy="207Q00000X")
        )
    with pytest.raises(ValidationError, match="filing indicator"):
        practice.add_payer(
            store,
            dict(payer_code="X9", name="X", kind="commercial", claim_filing_indicator="QQ",
                 timely_filing_days=90),
        )  # fmt: skip
    assert [p.payer_code for p in practice.list_payers(store)] == ["SBX01", "SBX05"]
    assert practice.get_payer(store, "SBX01").id == world["payer"].id
    with pytest.raises(NotFound):
        practice.get_payer(store, "NOPE")


# -- patients ---------------------------------------------------------------------------------
def test_register_opens_an_account_and_audits(store):
    pat = patients.register_patient(store, patient_data())
    assert pat.account_number == f"A{pat.id:06d}"
    assert pat.phone == "2175550142" and pat.zip_code == "62704"
    detail = patients.get_patient(store, pat.id)
    assert detail.balance.total_cents == 0 and detail.policies == ()
    trail = users.audit_trail(store, patient_id=pat.id)
    assert trail[0].action == "create" and trail[0].actor == "tester"


@pytest.mark.parametrize(
    "field,value,why",
    [
        ("date_of_birth", dt.date(2999, 1, 1), "future"),
        ("zip_code", "1234", "ZIP"),
        ("state", "QQ", "state"),
        ("phone", "555-1234", "phone"),
        ("sex", "X", "sex"),
        ("first_name", "", "first name"),
        ("email", "not-an-email", "email"),
    ],
)
def test_bad_demographics_are_refused_and_nothing_written(store, field, value, why):
    with pytest.raises(ValidationError, match=why):
        patients.register_patient(store, patient_data(**{field: value}))
    assert count(store, Patient) == 0 and count(store, AuditRecord) == 0


def test_duplicates_are_caught(store):
    patients.register_patient(store, patient_data())
    with pytest.raises(ValidationError, match="already registered"):
        patients.register_patient(store, patient_data(first_name="ADA"))
    patients.register_patient(store, patient_data(), allow_duplicate=True)
    assert count(store, Patient) == 2


def test_update_audits_changed_fields(store):
    pat = patients.register_patient(store, patient_data())
    patients.update_patient(store, pat.id, patient_data(city="Chatham", zip_code="62629"))
    assert users.audit_trail(store, patient_id=pat.id)[0].summary == "changed city, zip_code"


def test_search_by_name_dob_account_member(store):
    world = small_practice(store)
    patients.register_patient(store, patient_data(first_name="Bob", last_name="Sample"))
    pid = world["patient"].id
    assert [p.id for p in patients.search_patients(store, "testp")] == [pid]
    assert [p.id for p in patients.search_patients(store, "Testpatient, ad")] == [pid]
    assert [p.id for p in patients.search_patients(store, "ada testpatient")] == [pid]
    assert [p.last_name for p in patients.search_patients(store, "03/09/1958")] == [
        "Sample",
        "Testpatient",
    ]
    assert [p.id for p in patients.search_patients(store, world["patient"].account_number)] == [pid]
    assert [p.id for p in patients.search_patients(store, "1eg4te5mk73")] == [pid]
    assert patients.search_patients(store, "zz%_") == []
    assert patients.search_patients(store, "   ") == []


def test_policies_rank_and_dependents(store):
    world = small_practice(store)
    pid = world["patient"].id
    assert world["policy"].subscriber_last_name == "Testpatient"
    with pytest.raises(ValidationError, match="already has a rank 1"):
        patients.add_policy(
            store, pid, dict(payer_id=world["payer"].id, rank=1, member_id="X1",
                             effective_from=dt.date(2024, 1, 1)),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="end before it starts"):
        patients.add_policy(
            store, pid, dict(payer_id=world["payer"].id, rank=2, member_id="X1",
                             effective_from=dt.date(2024, 1, 1), effective_to=dt.date(2023, 1, 1)),
        )  # fmt: skip
    child = patients.register_patient(
        store, patient_data(first_name="Kid", date_of_birth=dt.date(2015, 5, 5))
    )
    dep = patients.add_policy(
        store, child.id, dict(payer_id=world["secondary"].id, rank=1, member_id="FAM01",
                              relationship_code="19", subscriber_patient_id=pid,
                              effective_from=dt.date(2024, 1, 1)),
    )  # fmt: skip
    assert dep.subscriber_first_name == "Ada" and dep.relationship_code == "19"
    with pytest.raises(ValidationError, match="subscriber"):
        patients.add_policy(
            store, child.id, dict(payer_id=world["secondary"].id, rank=2, member_id="Z1",
                                  relationship_code="19", effective_from=dt.date(2024, 1, 1)),
        )  # fmt: skip
    ended = patients.end_policy(store, dep.id, dt.date(2025, 12, 31))
    assert not ended.active_on(dt.date(2026, 1, 1))
    assert patients.coverage_on(store, child.id, dt.date(2026, 1, 1)) == []
    assert [p.rank for p in patients.coverage_on(store, pid, DOS)] == [1]


# -- encounters and coding --------------------------------------------------------------------
def test_coding_checks_codes_against_the_code_sets(codes_store):
    world = small_practice(codes_store)
    enc = encounters.create_encounter(
        codes_store,
        dict(patient_id=world["patient"].id, date_of_service=DOS, place_of_service="11",
             rendering_provider_id=world["provider"].id, clinical_note="note"),
    )  # fmt: skip
    line = ServiceLineIn(code="99213", charge_cents=12000)
    with pytest.raises(ValidationError, match="E11"):  # a category, not billable
        encounters.save_coding(codes_store, enc.id, CodingIn(diagnoses=("E11",), lines=(line,)))
    with pytest.raises(ValidationError, match="Z99.99"):
        encounters.save_coding(codes_store, enc.id, CodingIn(diagnoses=("Z99.99",), lines=(line,)))
    with pytest.raises(ValidationError, match="modifier"):
        encounters.save_coding(
            codes_store, enc.id,
            CodingIn(diagnoses=("E11.9",), lines=(ServiceLineIn(code="99213", modifiers=("Q9",),
                                                                charge_cents=100),)),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="fee schedule"):
        encounters.save_coding(
            codes_store,
            enc.id,
            CodingIn(diagnoses=("E11.9",), lines=(ServiceLineIn(code="99213"),)),
        )
    add_fee(codes_store, "99213", 12000)
    saved = encounters.save_coding(
        codes_store, enc.id,
        CodingIn(diagnoses=("e119",), lines=(ServiceLineIn(code="99213", modifiers=("25",)),)),
    )  # fmt: skip
    assert saved.diagnoses[0].code == "E11.9" and saved.lines[0].charge_cents == 12000
    assert saved.lines[0].modifiers == ("25",) and saved.status == "open"


def test_sex_specific_codes_are_checked(codes_store):
    world = small_practice(codes_store)  # the patient is female
    enc = encounters.create_encounter(
        codes_store,
        dict(patient_id=world["patient"].id, date_of_service=DOS, place_of_service="11",
             rendering_provider_id=world["provider"].id),
    )  # fmt: skip
    line = ServiceLineIn(code="99213", charge_cents=100)
    with pytest.raises(ValidationError, match="male"):
        encounters.save_coding(codes_store, enc.id, CodingIn(diagnoses=("N40.0",), lines=(line,)))


@pytest.mark.parametrize(
    "coding,why",
    [
        (dict(diagnoses=(), lines=()), "at least one diagnosis"),
        (dict(diagnoses=("E11.9",), lines=()), "procedure line"),
        (dict(diagnoses=tuple(f"Z00.0{i}" for i in range(13)), lines=()), "at most 12"),
        (dict(diagnoses=("E11.9",), lines=(dict(code="99213", pointers=(2,)),)), "points to diagnosis 2"),
        (dict(diagnoses=("E11.9",), lines=(dict(code="9921"),)), "CPT"),
        (dict(diagnoses=("E11.9",), lines=(dict(code="99213", units=0),)), "units"),
        (dict(diagnoses=("E11.9",), lines=(dict(code="99213", modifiers=("1", "2", "3", "4", "5")),)), "modifier"),
        (dict(diagnoses=("E11.9", "E11.9"), lines=(dict(code="99213"),)), "twice"),
    ],
)  # fmt: skip
def test_bad_coding_is_refused(store, coding, why):
    world = small_practice(store)
    enc = encounters.create_encounter(
        store,
        dict(patient_id=world["patient"].id, date_of_service=DOS, place_of_service="11",
             rendering_provider_id=world["provider"].id),
    )  # fmt: skip
    with pytest.raises(ValidationError, match=why):
        encounters.save_coding(store, enc.id, coding)
    assert encounters.get_encounter(store, enc.id).diagnoses == ()


def test_encounter_entry_checks(store):
    world = small_practice(store)
    base = dict(patient_id=world["patient"].id, date_of_service=DOS, place_of_service="11",
                rendering_provider_id=world["provider"].id)  # fmt: skip
    with pytest.raises(ValidationError, match="future"):
        encounters.create_encounter(store, {**base, "date_of_service": dt.date(2999, 1, 1)})
    with pytest.raises(NotFound, match="patient"):
        encounters.create_encounter(store, {**base, "patient_id": 999})
    with pytest.raises(NotFound, match="rendering provider"):
        encounters.create_encounter(store, {**base, "rendering_provider_id": 999})
    with pytest.raises(ValidationError, match="place of service"):
        encounters.create_encounter(store, {**base, "place_of_service": "A1"})


def test_coder_and_biller_hand_off(codes_store):
    world = small_practice(codes_store)
    enc_id = coded_encounter(codes_store, world)
    assert encounters.get_encounter(codes_store, enc_id).status == "coded"
    back = encounters.send_back(codes_store, enc_id, "Note says type 1; please check E11.9")
    assert back.status == "query" and "type 1" in back.query_note
    with pytest.raises(ValidationError):
        claims.build_claim(codes_store, enc_id)
    assert encounters.mark_coded(codes_store, enc_id).status == "coded"
    assert encounters.count_by_status(codes_store)["coded"] == 1


# -- claims and the state machine -------------------------------------------------------------
def test_build_claim_snapshots_lines_and_posts_charges(codes_store):
    world = small_practice(codes_store)
    detail = claims.get_claim(codes_store, built_claim(codes_store, world))
    c = detail.claim
    # Scrubbed on save: a clean claim is ready at once.
    assert c.status == "ready" and c.frequency_code == "1" and c.payer_id == world["payer"].id
    assert c.patient_control_number == f"CD{c.id:010d}" and len(c.patient_control_number) <= 20
    assert c.total_charge_cents == 21000 == sum(line.charge_cents for line in detail.lines)
    assert [(line.code, line.pointers) for line in detail.lines] == [
        ("99214", "1:2"),
        ("36415", "1"),
    ]
    assert [(e.from_status, e.to_status) for e in detail.events] == [
        (None, "draft"), ("draft", "ready")
    ]  # fmt: skip
    assert "scrubber: no errors" in detail.events[1].reason
    assert detail.money.charge_cents == 21000 == detail.money.balance_cents
    assert encounters.get_encounter(codes_store, c.encounter_id).status == "billed"
    with pytest.raises(ValidationError, match="only coded"):
        claims.build_claim(codes_store, c.encounter_id)


def test_no_coverage_no_claim(codes_store):
    world = small_practice(codes_store)
    patients.end_policy(codes_store, world["policy"].id, DOS - dt.timedelta(days=1))
    enc_id = coded_encounter(codes_store, world)
    with pytest.raises(ValidationError, match="no rank 1 coverage"):
        claims.build_claim(codes_store, enc_id)
    assert claims.count_by_status(codes_store)["draft"] == 0


def test_transitions_leave_events_and_audit(codes_store):
    world = small_practice(codes_store)
    cid = built_claim(codes_store, world)
    for target in ["batched", "submitted", "accepted", "paid", "closed"]:
        claims.transition_claim(codes_store, cid, target, f"test moves it to {target}")
    detail = claims.get_claim(codes_store, cid)
    assert detail.claim.status == "closed"
    assert [e.to_status for e in detail.events] == [
        "draft", "ready", "batched", "submitted", "accepted", "paid", "closed"
    ]  # fmt: skip
    assert all(e.actor == "tester" for e in detail.events)
    assert detail.events[3].from_status == "batched" and "submitted" in detail.events[3].reason
    trail = users.audit_trail(codes_store, entity="claim", entity_id=cid)
    assert len([t for t in trail if t.action == "transition"]) == 5
    assert len([t for t in trail if t.action == "create"]) == 1


def test_illegal_transition_is_refused_and_nothing_written(codes_store):
    world = small_practice(codes_store)
    cid = built_claim(codes_store, world)
    events_before = count(codes_store, ClaimEvent)
    with pytest.raises(IllegalTransition, match="cannot move to 'paid'"):
        claims.transition_claim(codes_store, cid, "paid", "skipping ahead")
    with pytest.raises(ValidationError, match="unknown claim status"):
        claims.transition_claim(codes_store, cid, "lost", "?")
    assert count(codes_store, ClaimEvent) == events_before
    assert claims.get_claim(codes_store, cid).claim.status == "ready"


def test_stale_version_is_refused(codes_store):
    world = small_practice(codes_store)
    cid = built_claim(codes_store, world)
    seen = claims.get_claim(codes_store, cid).claim.version
    claims.transition_claim(codes_store, cid, "draft", "reopen", expected_version=seen)
    with pytest.raises(ConcurrencyError, match="changed by someone else"):
        claims.transition_claim(codes_store, cid, "edits", "late", expected_version=seen)
    assert claims.get_claim(codes_store, cid).claim.status == "draft"


def test_version_column_catches_a_lost_update(codes_store):
    """Two sessions read the same claim; the second writer loses at flush (optimistic lock)."""
    from db.models import Claim

    world = small_practice(codes_store)
    cid = built_claim(codes_store, world)
    s1, s2 = codes_store.session_factory(), codes_store.session_factory()
    c1, c2 = s1.get(Claim, cid), s2.get(Claim, cid)
    c1.status = "draft"
    s1.commit()
    c2.status = "edits"
    from sqlalchemy.orm.exc import StaleDataError

    with pytest.raises(StaleDataError):
        s2.commit()
    s1.close(), s2.close()


# -- ledger -----------------------------------------------------------------------------------
def test_ledger_balances_follow_the_money(codes_store):
    world = small_practice(codes_store)
    cid = built_claim(codes_store, world)
    pid = world["patient"].id
    ledger.post_insurance_payment(codes_store, cid, "120.00", reference="EFT123")
    ledger.post_adjustment(codes_store, cid, "45.00", group_code="CO", reason_code="45")
    ledger.transfer_to_patient(codes_store, cid, "30.00", reason_code="2")
    balance = ledger.account_balance(codes_store, pid)
    assert (balance.insurance_cents, balance.patient_cents) == (1500, 3000)
    ledger.post_patient_payment(codes_store, pid, "20.00", reference="receipt 77", claim_id=cid)
    money = claims.get_claim(codes_store, cid).money
    assert money.charge_cents == 21000 and money.paid_cents == 12000
    assert money.adjustment_cents == 4500 and money.patient_responsibility_cents == 3000
    assert money.balance_cents == 21000 - 12000 - 4500 - 2000 == 2500
    assert ledger.account_balance(codes_store, pid).patient_cents == 1000
    entries = ledger.account_entries(codes_store, pid)
    transfers = [e for e in entries if e.kind == "transfer"]
    assert len(transfers) == 2 and transfers[0].txn == transfers[1].txn
    assert sum(e.amount_cents for e in transfers) == 0
    assert sum(e.amount_cents for e in entries) == 2500


@pytest.mark.parametrize(
    "call,why",
    [
        (lambda s, c, p: ledger.post_insurance_payment(s, c, "0", reference="x"), "more than zero"),
        (lambda s, c, p: ledger.post_insurance_payment(s, c, "-5", reference="x"), "more than zero"),
        (lambda s, c, p: ledger.post_insurance_payment(s, c, "ten", reference="x"), "not an amount"),
        (lambda s, c, p: ledger.post_insurance_payment(s, c, "5", reference=" "), "check or EFT"),
        (lambda s, c, p: ledger.post_adjustment(s, c, "5", group_code="PR", reason_code="1"), "transfer"),
        (lambda s, c, p: ledger.post_adjustment(s, c, "5", group_code="CO", reason_code=""), "reason"),
        (lambda s, c, p: ledger.post_patient_payment(s, 999, "5", reference="r"), "No patient"),
        (lambda s, c, p: ledger.post_insurance_payment(s, 999, "5", reference="r"), "No claim"),
    ],
)  # fmt: skip
def test_bad_postings_write_nothing(codes_store, call, why):
    world = small_practice(codes_store)
    cid = built_claim(codes_store, world)
    before = count(codes_store, LedgerEntry)
    with pytest.raises((ValidationError, NotFound), match=why):
        call(codes_store, cid, world["patient"].id)
    assert count(codes_store, LedgerEntry) == before


def test_account_version_guards_concurrent_posting(codes_store):
    world = small_practice(codes_store)
    cid = built_claim(codes_store, world)
    from db.models import Account

    with codes_store.uow() as uow:
        version = uow.session.scalars(select(Account.version)).one()
    ledger.post_insurance_payment(codes_store, cid, "1.00", reference="a", expected_version=version)
    with pytest.raises(ConcurrencyError):
        ledger.post_insurance_payment(
            codes_store, cid, "1.00", reference="b", expected_version=version
        )
    assert claims.get_claim(codes_store, cid).money.paid_cents == 100


def test_two_threads_posting_at_once_both_land(codes_store):
    """WAL + busy timeout: concurrent writers wait for each other instead of failing."""
    world = small_practice(codes_store)
    cid = built_claim(codes_store, world)
    errors = []

    def pay(ref):
        try:
            for i in range(10):
                ledger.post_insurance_payment(codes_store, cid, "1.00", reference=f"{ref}{i}")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=pay, args=(r,)) for r in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # A race on the account version is a clean ConcurrencyError, never a lost or half write.
    assert all(isinstance(e, ConcurrencyError) for e in errors)
    posted = claims.get_claim(codes_store, cid).money.paid_cents
    with codes_store.uow() as uow:
        rows = uow.session.scalar(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "payment")
        )
    assert posted == rows * 100 and rows >= 10


def test_a_failed_write_rolls_back_whole(codes_store):
    """An error after the first insert of a unit of work leaves nothing behind."""
    world = small_practice(codes_store)
    before = (count(codes_store, Patient), count(codes_store, AuditRecord))
    with pytest.raises(RuntimeError):
        with codes_store.uow() as uow:
            uow.session.add(
                Patient(
                    **patients.parse(patients.PatientIn, patient_data(first_name="Z")).model_dump(
                        exclude={"account_number"}
                    ),
                    account_number="Z1",
                )
            )  # noqa: E501
            uow.session.flush()
            uow.audit("create", "patient", 0, "half")
            raise RuntimeError("disk on fire")
    assert (count(codes_store, Patient), count(codes_store, AuditRecord)) == before
    assert world  # the practice is still there


def test_users_and_roles(store):
    users.add_user(store, "JDoe", "Jane Doe", "biller")
    with pytest.raises(ValidationError, match="already exists"):
        users.add_user(store, "jdoe", "Jane Doe", "biller")
    with pytest.raises(ValidationError, match="role"):
        users.add_user(store, "kim", "Kim", "boss")
    assert [(u.username, u.role) for u in users.list_users(store)] == [("jdoe", "biller")]


def test_secondary_claim_bills_what_the_primary_left(codes_store):
    world = small_practice(codes_store)
    pid = world["patient"].id
    patients.add_policy(
        codes_store, pid, dict(payer_id=world["secondary"].id, rank=2, member_id="SUP123",
                               effective_from=dt.date(2023, 1, 1)),
    )  # fmt: skip
    cid = built_claim(codes_store, world)
    enc_id = claims.get_claim(codes_store, cid).claim.encounter_id
    with pytest.raises(ValidationError, match="not paid yet"):
        claims.build_claim(codes_store, enc_id, payer_rank=2)
    for target in ["batched", "submitted", "accepted", "paid"]:
        claims.transition_claim(codes_store, cid, target, "test")
    ledger.post_insurance_payment(codes_store, cid, "120.00", reference="EFT9")
    ledger.post_adjustment(codes_store, cid, "60.00", group_code="CO", reason_code="45")
    total_before = ledger.account_balance(codes_store, pid).total_cents
    second = claims.build_claim(codes_store, enc_id, payer_rank=2)
    assert second.claim.payer_id == world["secondary"].id and second.claim.payer_rank == 2
    assert second.money.balance_cents == 3000 == second.money.charge_cents
    primary = claims.get_claim(codes_store, cid).money
    assert primary.balance_cents == 0
    # The 30.00 moved off the primary's charges onto the secondary claim.
    assert primary.charge_cents == 21000 - 3000 == primary.paid_cents + primary.adjustment_cents
    assert ledger.account_balance(codes_store, pid).total_cents == total_before


def test_fee_schedule_charge_is_per_unit(codes_store):
    world = small_practice(codes_store)
    add_fee(codes_store, "99213", 12000)
    enc = encounters.create_encounter(
        codes_store,
        dict(patient_id=world["patient"].id, date_of_service=DOS, place_of_service="11",
             rendering_provider_id=world["provider"].id),
    )  # fmt: skip
    saved = encounters.save_coding(
        codes_store,
        enc.id,
        CodingIn(diagnoses=("E11.9",), lines=(ServiceLineIn(code="99213", units=3),)),
    )
    assert saved.lines[0].charge_cents == 36000


def test_last_name_first_without_a_comma(store):
    pat = patients.register_patient(store, patient_data(first_name="Joanna", last_name="Smithers"))
    assert [p.id for p in patients.search_patients(store, "smithers jo")] == [pat.id]
    assert [p.id for p in patients.search_patients(store, "jo smithers")] == [pat.id]


def test_recoding_a_billed_visit_keeps_its_claim_lines_linked(codes_store):
    """A billed visit sent back and recoded (for a corrected claim): lines update in place."""
    from core.schemas import CodingIn, ServiceLineIn
    from db.models import ClaimLine

    world = small_practice(codes_store)
    cid = built_claim(codes_store, world)
    enc_id = claims.get_claim(codes_store, cid).claim.encounter_id
    encounters.send_back(codes_store, enc_id, "modifier 25 is missing on the visit")
    encounters.save_coding(codes_store, enc_id, CodingIn(
        diagnoses=("E11.9",),
        lines=(ServiceLineIn(code="99214", modifiers=("25",), charge_cents=18500, pointers=(1,)),),
    ))  # fmt: skip
    coded = encounters.get_encounter(codes_store, enc_id)
    assert [(ln.code, ln.modifiers) for ln in coded.lines] == [("99214", ("25",))]
    with codes_store.uow() as uow:
        links = uow.session.execute(
            select(ClaimLine.line_number, ClaimLine.service_line_id)
            .where(ClaimLine.claim_id == cid)
            .order_by(ClaimLine.line_number)
        ).all()
    assert links[0][1] == coded.lines[0].id and links[1][1] is None
