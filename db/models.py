"""SQLAlchemy 2 typed models: the tables of ClaimDesk.

Rules that hold everywhere:
- money is integer cents in ``*_cents`` columns (never Numeric/float);
- dates of service are ``Date``; timestamps are naive UTC ``DateTime``;
- claims and accounts carry a ``version`` column used for optimistic locking;
- balances are never stored: they are sums over ``ledger_entries``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Practice(Base):
    __tablename__ = "practices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    npi: Mapped[str] = mapped_column(String(10))
    tax_id: Mapped[str] = mapped_column(String(9))
    taxonomy: Mapped[str] = mapped_column(String(10))
    address_line1: Mapped[str] = mapped_column(String(55))
    address_line2: Mapped[str | None] = mapped_column(String(55))
    city: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(9))
    phone: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Provider(Base):
    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    npi: Mapped[str] = mapped_column(String(10), unique=True)
    first_name: Mapped[str] = mapped_column(String(35))
    last_name: Mapped[str] = mapped_column(String(60))
    credential: Mapped[str | None] = mapped_column(String(10))
    taxonomy: Mapped[str] = mapped_column(String(10))
    specialty: Mapped[str | None] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Facility(Base):
    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    npi: Mapped[str | None] = mapped_column(String(10))
    place_of_service: Mapped[str] = mapped_column(String(2))
    address_line1: Mapped[str] = mapped_column(String(55))
    city: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(9))


class Payer(Base):
    __tablename__ = "payers"

    id: Mapped[int] = mapped_column(primary_key=True)
    payer_code: Mapped[str] = mapped_column(String(80), unique=True)  # X12 payer ID (NM109)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))  # medicare, medicaid, commercial, bcbs, ...
    claim_filing_indicator: Mapped[str] = mapped_column(String(2))  # SBR09: MB, MC, CI, BL, ...
    timely_filing_days: Mapped[int] = mapped_column(Integer)
    appeal_days: Mapped[int] = mapped_column(Integer, default=180)
    address_line1: Mapped[str | None] = mapped_column(String(55))
    city: Mapped[str | None] = mapped_column(String(30))
    state: Mapped[str | None] = mapped_column(String(2))
    zip_code: Mapped[str | None] = mapped_column(String(9))
    phone: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Services this payer wants a prior authorization for: space-separated codes, or prefixes
    # ending in "*" (e.g. "7* 97110"). The scrubber flags such lines without a usable one.
    auth_required_codes: Mapped[str | None] = mapped_column(String(400))


class Guarantor(Base):
    """The person responsible for a patient's bill when it is not the patient."""

    __tablename__ = "guarantors"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(35))
    last_name: Mapped[str] = mapped_column(String(60))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    relationship_to_patient: Mapped[str] = mapped_column(String(20))  # parent, spouse, ...
    address_line1: Mapped[str | None] = mapped_column(String(55))
    city: Mapped[str | None] = mapped_column(String(30))
    state: Mapped[str | None] = mapped_column(String(2))
    zip_code: Mapped[str | None] = mapped_column(String(9))
    phone: Mapped[str | None] = mapped_column(String(10))


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (
        Index("ix_patients_name", "last_name", "first_name"),
        Index("ix_patients_dob", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_number: Mapped[str] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(35))
    middle_name: Mapped[str | None] = mapped_column(String(25))
    last_name: Mapped[str] = mapped_column(String(60))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))  # M, F, U
    address_line1: Mapped[str] = mapped_column(String(55))
    address_line2: Mapped[str | None] = mapped_column(String(55))
    city: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(9))
    phone: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(80))
    guarantor_id: Mapped[int | None] = mapped_column(ForeignKey("guarantors.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    guarantor: Mapped[Guarantor | None] = relationship()
    account: Mapped[Account] = relationship(back_populates="patient", uselist=False)
    policies: Mapped[list[InsurancePolicy]] = relationship(
        back_populates="patient",
        foreign_keys="InsurancePolicy.patient_id",
        order_by="InsurancePolicy.rank",
    )


# Case-insensitive name search ("smi" finds Smith) as an index range scan, not a table scan.
Index("ix_patients_name_lower", func.lower(Patient.last_name), func.lower(Patient.first_name))


class Account(Base):
    """The patient's account: the ledger hangs off it. Versioned for optimistic locking."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), unique=True)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Touched by every posting, so two billers posting to one account at once collide on version.
    last_activity_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    patient: Mapped[Patient] = relationship(back_populates="account")

    __mapper_args__ = {"version_id_col": version}


class InsurancePolicy(Base):
    __tablename__ = "insurance_policies"
    __table_args__ = (Index("ix_insurance_policies_member_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)  # 1 primary, 2 secondary, 3 tertiary
    member_id: Mapped[str] = mapped_column(String(80))
    group_number: Mapped[str | None] = mapped_column(String(50))
    plan_name: Mapped[str | None] = mapped_column(String(60))
    # X12 individual relationship code of the patient to the subscriber: 18 self, 01 spouse,
    # 19 child, 20 employee, 21 unknown, G8 other.
    relationship_code: Mapped[str] = mapped_column(String(2))
    subscriber_patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    subscriber_first_name: Mapped[str] = mapped_column(String(35))
    subscriber_last_name: Mapped[str] = mapped_column(String(60))
    subscriber_date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    subscriber_sex: Mapped[str | None] = mapped_column(String(1))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    copay_cents: Mapped[int] = mapped_column(Integer, default=0)
    coinsurance_percent: Mapped[int] = mapped_column(Integer, default=0)
    deductible_cents: Mapped[int] = mapped_column(Integer, default=0)
    out_of_pocket_max_cents: Mapped[int] = mapped_column(Integer, default=0)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    patient: Mapped[Patient] = relationship(back_populates="policies", foreign_keys=[patient_id])
    payer: Mapped[Payer] = relationship()


class Authorization(Base):
    __tablename__ = "authorizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"))
    number: Mapped[str] = mapped_column(String(50))
    service_codes: Mapped[str] = mapped_column(String(200))  # space-separated codes
    units_approved: Mapped[int] = mapped_column(Integer)
    units_used: Mapped[int] = mapped_column(Integer, default=0)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class Encounter(Base):
    __tablename__ = "encounters"
    __table_args__ = (
        Index("ix_encounters_status_dos", "status", "date_of_service"),
        Index("ix_encounters_patient_dos", "patient_id", "date_of_service"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    date_of_service: Mapped[dt.date] = mapped_column(Date)
    place_of_service: Mapped[str] = mapped_column(String(2))
    rendering_provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    referring_provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    authorization_id: Mapped[int | None] = mapped_column(ForeignKey("authorizations.id"))
    authorization_number: Mapped[str | None] = mapped_column(String(50))
    visit_reason: Mapped[str | None] = mapped_column(String(120))
    clinical_note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    query_note: Mapped[str | None] = mapped_column(Text)  # biller -> coder question
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    patient: Mapped[Patient] = relationship()
    diagnoses: Mapped[list[Diagnosis]] = relationship(
        back_populates="encounter", order_by="Diagnosis.seq", cascade="all, delete-orphan"
    )
    lines: Mapped[list[ServiceLine]] = relationship(
        back_populates="encounter", order_by="ServiceLine.seq", cascade="all, delete-orphan"
    )


class Diagnosis(Base):
    __tablename__ = "diagnoses"
    __table_args__ = (UniqueConstraint("encounter_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # 1..12, 1 = principal
    code: Mapped[str] = mapped_column(String(8))  # with the dot: E11.9

    encounter: Mapped[Encounter] = relationship(back_populates="diagnoses")


class ServiceLine(Base):
    __tablename__ = "service_lines"
    __table_args__ = (UniqueConstraint("encounter_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(5))
    modifier1: Mapped[str | None] = mapped_column(String(2))
    modifier2: Mapped[str | None] = mapped_column(String(2))
    modifier3: Mapped[str | None] = mapped_column(String(2))
    modifier4: Mapped[str | None] = mapped_column(String(2))
    units: Mapped[int] = mapped_column(Integer, default=1)
    charge_cents: Mapped[int] = mapped_column(Integer)
    pointer1: Mapped[int | None] = mapped_column(Integer)
    pointer2: Mapped[int | None] = mapped_column(Integer)
    pointer3: Mapped[int | None] = mapped_column(Integer)
    pointer4: Mapped[int | None] = mapped_column(Integer)

    encounter: Mapped[Encounter] = relationship(back_populates="lines")


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        Index("ix_claims_status", "status"),
        Index("ix_claims_payer_status", "payer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounters.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("insurance_policies.id"))
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"))
    payer_rank: Mapped[int] = mapped_column(Integer, default=1)
    patient_control_number: Mapped[str] = mapped_column(String(20), unique=True)
    frequency_code: Mapped[str] = mapped_column(String(1), default="1")
    replaces_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    payer_claim_number: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    total_charge_cents: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # How many times this claim has gone out in an 837; each submission gets its own
    # patient control number (see x12_file_claims), so an answer finds the submission it is for.
    submission_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    scrubbed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    lines: Mapped[list[ClaimLine]] = relationship(
        back_populates="claim", order_by="ClaimLine.line_number", cascade="all, delete-orphan"
    )
    events: Mapped[list[ClaimEvent]] = relationship(
        back_populates="claim", order_by="ClaimEvent.id", cascade="all, delete-orphan"
    )
    payer: Mapped[Payer] = relationship()
    patient: Mapped[Patient] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ClaimLine(Base):
    """What the claim billed for a service line: a snapshot taken when the claim was built."""

    __tablename__ = "claim_lines"
    __table_args__ = (UniqueConstraint("claim_id", "line_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    service_line_id: Mapped[int | None] = mapped_column(ForeignKey("service_lines.id"))
    line_number: Mapped[int] = mapped_column(Integer)
    date_of_service: Mapped[dt.date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(5))
    modifiers: Mapped[str] = mapped_column(String(11), default="")  # colon-joined, e.g. "25:LT"
    units: Mapped[int] = mapped_column(Integer)
    charge_cents: Mapped[int] = mapped_column(Integer)
    pointers: Mapped[str] = mapped_column(String(7), default="1")  # colon-joined, e.g. "1:2"

    claim: Mapped[Claim] = relationship(back_populates="lines")


class ClaimEvent(Base):
    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)

    claim: Mapped[Claim] = relationship(back_populates="events")


class LedgerEntry(Base):
    """One signed movement on an account.

    ``amount_cents`` is the change to what is owed, in the ``responsibility`` bucket
    (``insurance`` or ``patient``): charges are positive; payments and write-offs negative;
    a transfer is two entries sharing ``txn`` (minus on one bucket, plus on the other).
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_account", "account_id", "entry_date"),
        Index("ix_ledger_entries_claim", "claim_id"),
        # Only batch postings (paper EOBs, patient payments) have a batch: 835 postings, the
        # bulk of the ledger, stay out of this index (0006).
        Index("ix_ledger_entries_batch_id", "batch_id",
              sqlite_where=text("batch_id IS NOT NULL"),
              postgresql_where=text("batch_id IS NOT NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_lines.id"))
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"))
    # No index of its own (0006): entries are found by claim, account, batch or remittance;
    # a batch posting's txn is looked up within its batch.
    txn: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(12))  # charge, payment, adjustment, transfer, refund
    responsibility: Mapped[str] = mapped_column(String(9))  # insurance, patient
    amount_cents: Mapped[int] = mapped_column(Integer)
    group_code: Mapped[str | None] = mapped_column(String(2))  # CO, PR, OA, PI
    reason_code: Mapped[str | None] = mapped_column(String(5))  # CARC
    reference: Mapped[str | None] = mapped_column(String(50))  # check / EFT trace / receipt
    memo: Mapped[str | None] = mapped_column(String(200))
    entry_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(40))
    # Where the money came from: the 835 it was posted from, or the payment batch (paper EOB,
    # patient payments) it belongs to; the method of a patient payment (cash, check, card).
    remittance_id: Mapped[int | None] = mapped_column(ForeignKey("remittances.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"))
    method: Mapped[str | None] = mapped_column(String(10))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(12))  # admin, biller, coder, trainer, viewer
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AuditRecord(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(20))  # create, update, delete, transition, import
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    summary: Mapped[str] = mapped_column(Text)


class Code(Base):
    """A code from a code set: ICD-10-CM, HCPCS, CPT, modifier, place of service, CARC, RARC."""

    __tablename__ = "codes"
    __table_args__ = (
        UniqueConstraint("kind", "code"),
        Index("ix_codes_kind_compact", "kind", "compact"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(10))  # as people write it (E11.9)
    compact: Mapped[str] = mapped_column(String(10))  # upper case, no dot (E119): prefix search
    description: Mapped[str] = mapped_column(Text)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    parent_code: Mapped[str | None] = mapped_column(String(10))
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))  # code fits only this sex
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(80))


class CodeSetRelease(Base):
    __tablename__ = "code_set_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    release: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(200))
    code_count: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(40))


class FeeScheduleItem(Base):
    __tablename__ = "fee_schedule"
    __table_args__ = (UniqueConstraint("code", "modifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5))
    modifier: Mapped[str] = mapped_column(String(2), default="")
    kind: Mapped[str] = mapped_column(String(10))  # cpt, hcpcs
    description: Mapped[str] = mapped_column(String(120))  # our own plain wording
    charge_cents: Mapped[int] = mapped_column(Integer)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class EligibilityCheck(Base):
    """One 270 inquiry and the 271 answer it got, kept whole (both files verbatim)."""

    __tablename__ = "eligibility_checks"
    __table_args__ = (Index("ix_eligibility_checks_patient", "patient_id", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_policies.id"))
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"))
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounters.id"))
    service_date: Mapped[dt.date] = mapped_column(Date)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(40))
    control_number: Mapped[str] = mapped_column(String(9))
    request_x12: Mapped[str] = mapped_column(Text)
    response_x12: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # sent, answered, rejected (AAA / unreadable answer), error (could not be sent)
    status: Mapped[str] = mapped_column(String(12))
    coverage_active: Mapped[bool | None] = mapped_column(Boolean)
    summary_json: Mapped[str | None] = mapped_column(Text)  # the benefits card, as read
    error: Mapped[str | None] = mapped_column(Text)


class ControlCounter(Base):
    """Persisted X12 control numbers (ISA13, GS06, ST02): unique per sender, never reused."""

    __tablename__ = "control_counters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class ProviderFavorite(Base):
    """A code a provider uses often: offered first on the coder's screen."""

    __tablename__ = "provider_favorites"
    __table_args__ = (UniqueConstraint("provider_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # icd10, cpt, hcpcs
    code: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0)


class NcciPtpEdit(Base):
    """One NCCI procedure-to-procedure pair from the CMS file the office imported.

    Column 2 is not paid with column 1 on the same day for the same patient unless the
    modifier indicator is 1 and a distinct-service modifier (59, XE, XS, XP, XU, ...) is on it.
    """

    __tablename__ = "ncci_ptp_edits"
    __table_args__ = (Index("ix_ncci_ptp_pair", "column1", "column2"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    column1: Mapped[str] = mapped_column(String(5))
    column2: Mapped[str] = mapped_column(String(5))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    deleted_on: Mapped[dt.date | None] = mapped_column(Date)
    modifier_indicator: Mapped[str] = mapped_column(String(1))  # 0 never, 1 allowed, 9 n/a
    rationale: Mapped[str | None] = mapped_column(String(200))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("code_set_releases.id"))


class MueEdit(Base):
    """A medically unlikely edit: the most units of a code one patient gets on one day."""

    __tablename__ = "mue_edits"
    __table_args__ = (Index("ix_mue_edits_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(5))
    max_units: Mapped[int] = mapped_column(Integer)
    adjudication_indicator: Mapped[str | None] = mapped_column(String(1))  # MAI 1, 2 or 3
    rationale: Mapped[str | None] = mapped_column(String(200))
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    release_id: Mapped[int | None] = mapped_column(ForeignKey("code_set_releases.id"))


class ClaimFinding(Base):
    """What the scrubber found on a claim the last time it ran (replaced at each run)."""

    __tablename__ = "claim_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))  # error, warning
    line_number: Mapped[int] = mapped_column(Integer, default=0)  # 0 = the whole claim
    message: Mapped[str] = mapped_column(Text)
    fix_hint: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(80))  # 5010 guide, CMS, payer, practice
    found_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ClaimOverride(Base):
    """A biller's acknowledged override of a scrubber warning, with the reason (kept forever)."""

    __tablename__ = "claim_overrides"
    __table_args__ = (UniqueConstraint("claim_id", "rule_id", "line_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str] = mapped_column(String(40))
    line_number: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ExchangeConnection(Base):
    """A clearinghouse connection: who we are to it, and the transport (JSON settings)."""

    __tablename__ = "exchange_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    transport: Mapped[str] = mapped_column(String(10))  # local, sftp
    settings_json: Mapped[str] = mapped_column(Text)
    submitter_id: Mapped[str] = mapped_column(String(15))  # ISA06 / GS02 / 1000A NM109
    receiver_id: Mapped[str] = mapped_column(String(15))  # ISA08 / GS03 / 1000B NM109
    receiver_name: Mapped[str] = mapped_column(String(60))
    usage: Mapped[str] = mapped_column(String(1), default="T")  # ISA15
    sandbox: Mapped[bool] = mapped_column(Boolean, default=False)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class X12File(Base):
    """Every X12 file sent or received, archived whole with its hash and control numbers."""

    __tablename__ = "x12_files"
    __table_args__ = (
        UniqueConstraint("direction", "sha256"),
        Index("ix_x12_files_status", "direction", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # out, in
    transaction: Mapped[str] = mapped_column(String(6))  # 837P, 999, 277CA, 277, 835, ...
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    interchange_control: Mapped[str | None] = mapped_column(String(9))
    group_control: Mapped[str | None] = mapped_column(String(9))
    sender_id: Mapped[str | None] = mapped_column(String(15))
    receiver_id: Mapped[str | None] = mapped_column(String(15))
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_connections.id"))
    # out: outbox, sent, failed; in: applied, refused
    status: Mapped[str] = mapped_column(String(12))
    claims_count: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[str] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class X12FileClaim(Base):
    """A claim inside an X12 file: the 837 it went out in, or an answer that spoke of it."""

    __tablename__ = "x12_file_claims"
    __table_args__ = (Index("ix_x12_file_claims_pcn", "patient_control_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("x12_files.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    patient_control_number: Mapped[str] = mapped_column(String(20))
    transaction_control: Mapped[str | None] = mapped_column(String(9))  # ST02
    outcome: Mapped[str | None] = mapped_column(String(20))  # accepted, rejected (answers)


class ClaimRejection(Base):
    """A reason a claim came back: a 999 error or a 277CA rejection, until it is worked."""

    __tablename__ = "claim_rejections"
    __table_args__ = (Index("ix_claim_rejections_open", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(10))  # 999, 277CA, 277
    code: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    fix_hint: Mapped[str] = mapped_column(Text)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("x12_files.id"))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(40))
    resolution: Mapped[str | None] = mapped_column(Text)


class ClaimNote(Base):
    """The biller's log on a claim: calls to the payer, who answered, what they said."""

    __tablename__ = "claim_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))  # call, note
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(80))
    reference: Mapped[str | None] = mapped_column(String(40))
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date)


class Remittance(Base):
    """One 835 remittance (a payment: check or EFT) as posted, or held for review."""

    __tablename__ = "remittances"
    __table_args__ = (Index("ix_remittances_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("x12_files.id"), index=True)
    transaction_control: Mapped[str] = mapped_column(String(9))  # ST02 within the file
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"))
    payer_name: Mapped[str] = mapped_column(String(60))
    payer_identifier: Mapped[str | None] = mapped_column(String(80))  # TRN03 / N1*PR REF*2U
    payee_name: Mapped[str | None] = mapped_column(String(60))
    payee_npi: Mapped[str | None] = mapped_column(String(80))
    trace_number: Mapped[str] = mapped_column(String(50))  # TRN02: check or EFT number
    payment_method: Mapped[str] = mapped_column(String(3))  # BPR04: ACH, CHK, NON, BOP, FWT
    payment_date: Mapped[dt.date | None] = mapped_column(Date)  # BPR16
    total_cents: Mapped[int] = mapped_column(Integer)  # BPR02
    status: Mapped[str] = mapped_column(String(10))  # posted, held, refused
    discrepancy: Mapped[str | None] = mapped_column(Text)
    claims_count: Mapped[int] = mapped_column(Integer, default=0)
    lines_count: Mapped[int] = mapped_column(Integer, default=0)
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    posted_by: Mapped[str] = mapped_column(String(40))


class RemitClaim(Base):
    """One CLP of an 835: the payer's answer on one claim, matched to ours or queued."""

    __tablename__ = "remit_claims"
    __table_args__ = (
        Index("ix_remit_claims_unmatched", "claim_id", "resolved_at"),
        Index("ix_remit_claims_pcn", "patient_control_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_id: Mapped[int] = mapped_column(
        ForeignKey("remittances.id", ondelete="CASCADE"), index=True
    )
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))  # None: unmatched
    patient_control_number: Mapped[str] = mapped_column(String(38))
    status_code: Mapped[str] = mapped_column(String(2))  # CLP02
    charge_cents: Mapped[int] = mapped_column(Integer)
    paid_cents: Mapped[int] = mapped_column(Integer)
    patient_responsibility_cents: Mapped[int] = mapped_column(Integer, default=0)
    payer_claim_number: Mapped[str | None] = mapped_column(String(50))
    patient_name: Mapped[str | None] = mapped_column(String(100))
    service_date: Mapped[dt.date | None] = mapped_column(Date)
    remarks: Mapped[str | None] = mapped_column(String(200))  # RARCs (MOA), space-separated
    note: Mapped[str | None] = mapped_column(Text)  # why unmatched, or how it was resolved
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(40))


class RemitLine(Base):
    """One SVC of an 835: billed, allowed and paid for a line, matched to our claim line."""

    __tablename__ = "remit_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    remit_claim_id: Mapped[int] = mapped_column(
        ForeignKey("remit_claims.id", ondelete="CASCADE"), index=True
    )
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_lines.id"))
    code: Mapped[str] = mapped_column(String(8))
    modifiers: Mapped[str] = mapped_column(String(11), default="")
    charge_cents: Mapped[int] = mapped_column(Integer)
    paid_cents: Mapped[int] = mapped_column(Integer)
    allowed_cents: Mapped[int | None] = mapped_column(Integer)  # AMT*B6
    units: Mapped[str | None] = mapped_column(String(15))
    service_date: Mapped[dt.date | None] = mapped_column(Date)
    remarks: Mapped[str | None] = mapped_column(String(200))  # LQ*HE RARCs
    match_note: Mapped[str | None] = mapped_column(String(200))  # e.g. "payer dropped 25"


class RemitAdjustment(Base):
    """One CAS amount, on a claim (remit_line_id None) or on a line."""

    __tablename__ = "remit_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    remit_claim_id: Mapped[int] = mapped_column(
        ForeignKey("remit_claims.id", ondelete="CASCADE"), index=True
    )
    remit_line_id: Mapped[int | None] = mapped_column(ForeignKey("remit_lines.id"))
    group_code: Mapped[str] = mapped_column(String(2))  # CO, PR, OA, PI, CR
    reason_code: Mapped[str] = mapped_column(String(5))  # CARC
    amount_cents: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[str | None] = mapped_column(String(15))


class ProviderAdjustment(Base):
    """A PLB amount: interest, a recoupment, a forwarding balance: at provider level."""

    __tablename__ = "provider_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    remittance_id: Mapped[int] = mapped_column(
        ForeignKey("remittances.id", ondelete="CASCADE"), index=True
    )
    reason_code: Mapped[str] = mapped_column(String(2))  # PLB03-1: L6 interest, WO, FB, 72 ...
    reference: Mapped[str | None] = mapped_column(String(50))  # PLB03-2
    amount_cents: Mapped[int] = mapped_column(Integer)  # positive reduces the payment
    provider_identifier: Mapped[str | None] = mapped_column(String(50))
    fiscal_date: Mapped[dt.date | None] = mapped_column(Date)


class PaymentBatch(Base):
    """A deposit worked by hand: a paper EOB's check or EFT, or a day's patient payments."""

    __tablename__ = "payment_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # insurance, patient
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payers.id"))
    method: Mapped[str] = mapped_column(String(10))  # check, eft, cash, card
    reference: Mapped[str | None] = mapped_column(String(50))  # check number, EFT trace
    deposit_date: Mapped[dt.date] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # open, closed
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(40))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[str | None] = mapped_column(String(40))
