"""Eligibility checks against a migrated SQLite file, answered by the sandbox clearinghouse."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.errors import ImportFileError, NotFound, ValidationError
from core.services import eligibility as elig
from core.services import encounters, ledger, patients
from core.services.clearinghouse import Clearinghouse, ClearinghouseError, SandboxClearinghouse
from core.store import Store
from core.x12.reader import read_x12
from db.models import AuditRecord, ControlCounter, EligibilityCheck, InsurancePolicy

from .helpers import DOS, built_claim, patient_data, small_practice


def rows(store: Store) -> list[EligibilityCheck]:
    with store.uow() as uow:
        found = list(uow.session.scalars(select(EligibilityCheck).order_by(EligibilityCheck.id)))
        uow.session.expunge_all()
        return found


def set_benefits(store: Store, policy_id: int, **values) -> None:
    with store.uow() as uow:
        policy = uow.session.get(InsurancePolicy, policy_id)
        for key, value in values.items():
            setattr(policy, key, value)


BENEFITS = dict(copay_cents=2500, coinsurance_percent=20, deductible_cents=100000,
                out_of_pocket_max_cents=500000, group_number="G77",
                plan_name="Blue Preferred 1000")  # fmt: skip


class Tampered:
    """A clearinghouse that changes the 270 on its way (as a payer with other records would)."""

    name = "tampered"
    receiver_id = "CLAIMDESKSBX"
    usage = "T"

    def __init__(self, store: Store, old: str = "", new: str = "", answer: str | None = None):
        self.sandbox = SandboxClearinghouse(store)
        self.old, self.new, self.answer = old, new, answer
        self.calls = 0

    def exchange_270(self, request_x12: str) -> str:
        self.calls += 1
        if self.answer is not None:
            return self.answer
        assert self.old in request_x12
        return self.sandbox.exchange_270(request_x12.replace(self.old, self.new))


class Down(Tampered):
    def exchange_270(self, request_x12: str) -> str:
        self.calls += 1
        raise ClearinghouseError("the clearinghouse did not answer within 30 seconds")


def test_active_coverage_card_everything_stored_and_audited(store):
    world = small_practice(store)
    set_benefits(store, world["policy"].id, **BENEFITS)
    result = elig.check_eligibility(store, world["patient"].id, service_date=DOS)

    assert isinstance(SandboxClearinghouse(store), Clearinghouse)
    assert result.status == "answered" and result.coverage_active is True
    assert result.headline == "Coverage active" and result.error is None
    assert (result.payer_name, result.payer_code, result.member_id) == (
        "Sandbox Medicare", "SBX01", "1EG4TE5MK73")  # fmt: skip
    assert result.plan == "BLUE PREFERRED 1000" and result.group_number == "G77"
    assert (result.copay_cents, result.coinsurance_percent) == (2500, 20)
    assert (result.deductible_cents, result.deductible_met_cents,
            result.deductible_remaining_cents) == (100000, 0, 100000)  # fmt: skip
    assert (result.out_of_pocket_cents, result.out_of_pocket_remaining_cents) == (500000, 500000)
    assert result.plan_begin == dt.date(2023, 1, 1) and result.service_date == DOS
    assert result.source_lines[0] == "EB*1*IND*30*MB*BLUE PREFERRED 1000"
    assert all(line.startswith("EB*") for line in result.source_lines)
    assert result.age_text(result.checked_at + dt.timedelta(hours=3)) == "3 hours ago"
    assert result.age_text() == "just now"

    (row,) = rows(store)
    assert row.status == "answered" and row.coverage_active is True
    assert read_x12(row.request_x12).transactions[0].set_id == "270"
    assert read_x12(row.response_x12).transactions[0].set_id == "271"
    assert row.summary_json and '"copay_cents":2500' in row.summary_json
    assert row.requested_by == "tester" and row.answered_at is not None
    with store.uow() as uow:
        verified = uow.session.get(InsurancePolicy, world["policy"].id).verified_at
        audits = list(uow.session.scalars(
            select(AuditRecord).where(AuditRecord.entity == "eligibility")))  # fmt: skip
        assert verified == row.answered_at
        assert [a.action for a in audits] == ["send", "answer"]
        assert {a.patient_id for a in audits} == {world["patient"].id}
        assert {a.entity_id for a in audits} == {str(row.id)}
    assert elig.last_check(store, world["patient"].id) == result
    assert elig.get_check(store, result.check_id) == result


def test_deductible_met_is_read_from_the_ledger(codes_store):
    store = codes_store
    world = small_practice(store)
    set_benefits(store, world["policy"].id, **BENEFITS)
    claim_id = built_claim(store, world)
    ledger.transfer_to_patient(store, claim_id, "120.00", reason_code="1", entry_date=DOS)
    ledger.transfer_to_patient(store, claim_id, "30.00", reason_code="2", entry_date=DOS)
    result = elig.check_eligibility(store, world["patient"].id, service_date=DOS)
    assert (result.deductible_cents, result.deductible_met_cents,
            result.deductible_remaining_cents) == (100000, 12000, 88000)  # fmt: skip
    assert result.out_of_pocket_met_cents == 15000
    assert result.out_of_pocket_remaining_cents == 485000
    # A new plan year starts from zero.
    next_year = elig.check_eligibility(store, world["patient"].id, service_date=dt.date(2027, 1, 4))
    assert next_year.deductible_met_cents == 0


def test_inactive_on_the_date_is_an_answer_not_an_error(store):
    world = small_practice(store)
    before = elig.check_eligibility(store, world["patient"].id, service_date=dt.date(2022, 6, 1))
    assert before.status == "answered" and before.coverage_active is False
    assert before.headline == "Coverage inactive" and before.source_lines[0].startswith("EB*6")
    assert "starts 01/01/2023" in before.messages[0]

    patients.end_policy(store, world["policy"].id, dt.date(2025, 12, 31))
    after = elig.check_eligibility(store, world["patient"].id, service_date=DOS)
    assert after.coverage_active is False and after.plan_end == dt.date(2025, 12, 31)
    assert after.policy_id == world["policy"].id
    with store.uow() as uow:
        assert uow.session.get(InsurancePolicy, world["policy"].id).verified_at is None


@pytest.mark.parametrize(
    "old,new,words,segment",
    [
        ("MI*1EG4TE5MK73", "MI*1EG4TE5MK99", "member ID invalid or missing", "AAA*N**72*C"),
        ("PI*SBX01", "PI*NOPE1", "participant identification invalid", "AAA*N**79*C"),
        ("DMG*D8*19580309", "DMG*D8*19580310", "date of birth does not match", "AAA*N**71*C"),
    ],
)
def test_payer_rejections_are_stored_with_a_clear_error(store, old, new, words, segment):
    world = small_practice(store)
    channel = Tampered(store, old, new)
    result = elig.check_eligibility(store, world["patient"].id, service_date=DOS,
                                    clearinghouse=channel)  # fmt: skip
    assert channel.calls == 1
    assert result.status == "rejected" and result.coverage_active is None
    assert words in result.error and result.error.startswith("The payer could not answer")
    assert segment in result.source_lines
    (row,) = rows(store)
    assert row.status == "rejected" and segment in row.response_x12 and words in row.error
    assert row.summary_json is not None


def test_unreadable_answer_is_stored_as_rejected(store):
    world = small_practice(store)
    result = elig.check_eligibility(store, world["patient"].id, service_date=DOS,
                                    clearinghouse=Tampered(store, answer="<html>502</html>"))  # fmt: skip
    assert result.status == "rejected" and "could not be read" in result.error
    assert result.headline == "The answer could not be read" and result.card is None
    (row,) = rows(store)
    assert row.response_x12 == "<html>502</html>" and row.request_x12.startswith("ISA*")


def test_no_answer_is_stored_as_error(store):
    world = small_practice(store)
    with pytest.raises(ClearinghouseError, match="Check 1: the clearinghouse did not answer"):
        elig.check_eligibility(store, world["patient"].id, clearinghouse=Down(store))
    (row,) = rows(store)
    assert row.status == "error" and row.response_x12 is None and "30 seconds" in row.error


def test_dependent_goes_in_hl_23_with_the_subscriber_in_2100c(store):
    world = small_practice(store)
    child = patients.register_patient(
        store, patient_data(first_name="Mia", date_of_birth=dt.date(2015, 8, 20))
    )
    patients.add_policy(
        store,
        child.id,
        dict(payer_id=world["payer"].id, rank=1, member_id="1EG4TE5MK73", relationship_code="19",
             subscriber_patient_id=world["patient"].id, effective_from=dt.date(2023, 1, 1)),
    )  # fmt: skip
    result = elig.check_eligibility(store, child.id, service_date=DOS)
    assert result.status == "answered" and result.coverage_active is True
    assert result.card.subject == "dependent" and result.card.patient_name == "TESTPATIENT, MIA"
    assert result.card.subscriber_name == "TESTPATIENT, ADA"
    request = rows(store)[0].request_x12
    segs = [s.raw for s in read_x12(request).segments]
    assert "HL*3*2*22*1" in segs and "HL*4*3*23*0" in segs
    assert "NM1*IL*1*TESTPATIENT*ADA****MI*1EG4TE5MK73" in segs
    assert "NM1*03*1*TESTPATIENT*MIA" in segs
    assert segs.index("NM1*03*1*TESTPATIENT*MIA") > segs.index("HL*4*3*23*0")

    # A dependent the payer does not have on that member's plan: AAA in 2100D.
    stranger = patients.register_patient(store, patient_data(first_name="Zed"))
    patients.add_policy(
        store,
        stranger.id,
        dict(payer_id=world["payer"].id, rank=1, member_id="1EG4TE5MK73", relationship_code="19",
             subscriber_first_name="Ada", subscriber_last_name="Testpatient",
             effective_from=dt.date(2023, 1, 1)),
    )  # fmt: skip
    channel = Tampered(store, "NM1*03*1*TESTPATIENT*ZED", "NM1*03*1*TESTPATIENT*ZEDD")
    lost = elig.check_eligibility(store, stranger.id, service_date=DOS, clearinghouse=channel)
    assert lost.status == "rejected" and "patient not found" in lost.error


def test_control_numbers_are_unique_and_persisted(store, tmp_path):
    world = small_practice(store)
    first = elig.check_eligibility(store, world["patient"].id, service_date=DOS)
    second = elig.check_eligibility(store, world["patient"].id, service_date=DOS)
    assert (first.control_number, second.control_number) == ("000000001", "000000002")
    for row in rows(store):
        isa = read_x12(row.request_x12).segments[0]
        assert isa.el(13) == row.control_number
    # A new Store on the same file (a restart) carries on from the persisted counter.
    again = Store(str(store.path), actor="someone-else")
    try:
        third = elig.check_eligibility(again, world["patient"].id, service_date=DOS)
    finally:
        again.dispose()
    assert third.control_number == "000000003" and third.requested_by == "someone-else"
    with store.uow() as uow:
        assert uow.session.scalar(select(ControlCounter.value)) == 3
    history = elig.list_checks(store, world["patient"].id)
    assert [r.check_id for r in history] == [third.check_id, second.check_id, first.check_id]
    assert all(r.status == "answered" for r in history) and len(rows(store)) == 3


def test_user_errors_write_nothing(store):
    world = small_practice(store)
    with pytest.raises(NotFound, match="No patient with id 999"):
        elig.check_eligibility(store, 999)
    with pytest.raises(ValidationError, match="no secondary \\(rank 2\\)"):
        elig.check_eligibility(store, world["patient"].id, rank=2)
    with pytest.raises(NotFound, match="No encounter"):
        elig.check_eligibility(store, world["patient"].id, encounter_id=77)
    assert rows(store) == []
    with store.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ControlCounter)) == 0
        assert uow.session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.entity == "eligibility")
        ) == 0  # fmt: skip


def test_a_270_that_fails_our_checks_is_not_sent(store):
    world = small_practice(store)
    set_benefits(store, world["policy"].id, subscriber_date_of_birth=dt.date(2099, 1, 1))
    channel = Tampered(store, answer="never used")
    with pytest.raises(ValidationError, match="DMG02 \\(segment 12\\).*future"):
        elig.check_eligibility(store, world["patient"].id, service_date=DOS, clearinghouse=channel)
    assert channel.calls == 0
    (row,) = rows(store)
    assert row.status == "error" and "not sent" in row.error and row.response_x12 is None


def test_check_for_an_encounter_uses_its_date_and_rendering_provider(store):
    world = small_practice(store)
    enc = encounters.create_encounter(
        store,
        dict(patient_id=world["patient"].id, date_of_service=DOS, place_of_service="11",
             rendering_provider_id=world["provider"].id),
    )  # fmt: skip
    result = elig.check_eligibility(store, world["patient"].id, encounter_id=enc.id)
    assert result.service_date == DOS and result.encounter_id == enc.id
    assert "NM1*1P*1*EXAMPLE*ROSA****XX*1245319599" in rows(store)[0].request_x12
    other = patients.register_patient(store, patient_data(first_name="Other"))
    with pytest.raises(ValidationError, match="not this patient's visit"):
        elig.check_eligibility(store, other.id, encounter_id=enc.id)


def test_read_271_wraps_reasons_for_the_cli(tmp_path):
    with pytest.raises(ImportFileError, match="not an X12 file"):
        elig.read_271("nope")
    with pytest.raises(ImportFileError, match="Cannot read"):
        elig.read_271_file(tmp_path / "missing.271")
