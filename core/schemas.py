"""Frozen DTOs: the only objects that leave ``core`` for the CLI and the TUI.

``*In`` models validate what a user typed; ``*Out`` models are read from ORM rows inside the
unit of work (``from_attributes``), so nothing detached ever escapes a session.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core import codes as C


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True, str_strip_whitespace=True)


class FrozenIn(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="forbid")


def _opt(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


Name = Annotated[str, Field(min_length=1, max_length=60)]


# ---------------------------------------------------------------------------------------------
# practice, providers, facilities, payers
class PracticeIn(FrozenIn):
    name: Name
    npi: str
    tax_id: str
    taxonomy: str
    address_line1: str = Field(min_length=1, max_length=55)
    address_line2: str | None = None
    city: str = Field(min_length=1, max_length=30)
    state: str
    zip_code: str
    phone: str | None = None

    _npi = field_validator("npi")(lambda v: _check_npi(v))
    _tax = field_validator("tax_id")(lambda v: C.normalize_tax_id(v))
    _tx = field_validator("taxonomy")(lambda v: _check_taxonomy(v))
    _st = field_validator("state")(lambda v: C.normalize_state(v))
    _zip = field_validator("zip_code")(lambda v: _check_zip9(v))
    _ph = field_validator("phone")(lambda v: None if not _opt(v) else C.normalize_phone(v))


def _check_npi(value: str) -> str:
    value = value.strip()
    problem = C.npi_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _check_taxonomy(value: str) -> str:
    value = value.strip().upper()
    if not C.is_taxonomy_format(value):
        raise ValueError(f"taxonomy code {value!r} must look like 207Q00000X (10 characters)")
    return value


def _check_zip9(value: str) -> str:
    digits = C.normalize_zip(value)
    if len(digits) != 9:
        raise ValueError("a billing address needs the 9-digit ZIP+4 (the 837 requires it)")
    return digits


class PracticeOut(Frozen):
    id: int
    name: str
    npi: str
    tax_id: str
    taxonomy: str
    address_line1: str
    address_line2: str | None
    city: str
    state: str
    zip_code: str
    phone: str | None


class ProviderIn(FrozenIn):
    npi: str
    first_name: str = Field(min_length=1, max_length=35)
    last_name: str = Field(min_length=1, max_length=60)
    credential: str | None = Field(default=None, max_length=10)
    taxonomy: str
    specialty: str | None = Field(default=None, max_length=60)

    _npi = field_validator("npi")(lambda v: _check_npi(v))
    _tx = field_validator("taxonomy")(lambda v: _check_taxonomy(v))


class ProviderOut(Frozen):
    id: int
    practice_id: int
    npi: str
    first_name: str
    last_name: str
    credential: str | None
    taxonomy: str
    specialty: str | None
    active: bool

    @property
    def display_name(self) -> str:
        cred = f", {self.credential}" if self.credential else ""
        return f"{self.first_name} {self.last_name}{cred}"


class FacilityIn(FrozenIn):
    name: Name
    npi: str | None = None
    place_of_service: str
    address_line1: str = Field(min_length=1, max_length=55)
    city: str = Field(min_length=1, max_length=30)
    state: str
    zip_code: str

    _npi = field_validator("npi")(lambda v: None if not _opt(v) else _check_npi(v))
    _pos = field_validator("place_of_service")(lambda v: _check_pos(v))
    _st = field_validator("state")(lambda v: C.normalize_state(v))
    _zip = field_validator("zip_code")(lambda v: _check_zip9(v))


def _check_pos(value: str) -> str:
    value = value.strip().zfill(2)
    if not C.is_pos_format(value):
        raise ValueError(f"place of service {value!r} must be two digits, e.g. 11")
    return value


class FacilityOut(Frozen):
    id: int
    practice_id: int
    name: str
    npi: str | None
    place_of_service: str
    address_line1: str
    city: str
    state: str
    zip_code: str


PAYER_KINDS = (
    "medicare",
    "medicaid",
    "commercial",
    "bcbs",
    "supplemental",
    "hmo",
    "tricare",
    "other",
)
# SBR09 claim filing indicator codes (X12 code list, values only).
FILING_INDICATORS = (
    "09 10 11 12 13 14 15 16 17 AM BL CH CI DS FI HM LM MA MB MC OF TV VA WC ZZ".split()
)


class PayerIn(FrozenIn):
    payer_code: str = Field(min_length=2, max_length=80)
    name: Name
    kind: str
    claim_filing_indicator: str
    timely_filing_days: int = Field(ge=1, le=3650)
    appeal_days: int = Field(default=180, ge=1, le=3650)
    address_line1: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    phone: str | None = None
    # Codes this payer wants a prior authorization for ("97110 7*": a code, or a prefix + *).
    auth_required_codes: str | None = Field(default=None, max_length=400)

    @field_validator("auth_required_codes")
    @classmethod
    def _auth_codes(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        items = v.replace(",", " ").upper().split()
        for item in items:
            if not re.fullmatch(r"[A-Z0-9]{1,5}\*?", item) or (len(item) < 5 and "*" not in item):
                raise ValueError(f"{item!r} is not a procedure code or a prefix ending in *")
        return " ".join(items)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in PAYER_KINDS:
            raise ValueError(f"payer kind must be one of {', '.join(PAYER_KINDS)}")
        return v

    @field_validator("claim_filing_indicator")
    @classmethod
    def _cfi(cls, v: str) -> str:
        v = v.strip().upper()
        if v not in FILING_INDICATORS:
            raise ValueError(f"claim filing indicator {v!r} is not an X12 SBR09 code")
        return v

    _st = field_validator("state")(lambda v: None if not _opt(v) else C.normalize_state(v))
    _zip = field_validator("zip_code")(lambda v: None if not _opt(v) else C.normalize_zip(v))
    _ph = field_validator("phone")(lambda v: None if not _opt(v) else C.normalize_phone(v))


class PayerOut(Frozen):
    id: int
    payer_code: str
    name: str
    kind: str
    claim_filing_indicator: str
    timely_filing_days: int
    appeal_days: int
    active: bool
    auth_required_codes: str | None = None


# ---------------------------------------------------------------------------------------------
# patients, guarantors, policies
SEXES = ("M", "F", "U")
RELATIONSHIPS = {"18": "self", "01": "spouse", "19": "child", "20": "employee", "21": "unknown",
                 "G8": "other"}  # fmt: skip


def _check_dob(value: dt.date) -> dt.date:
    today = dt.date.today()
    if value > today:
        raise ValueError("date of birth cannot be in the future")
    if value.year < today.year - 125:
        raise ValueError("date of birth is more than 125 years ago")
    return value


class GuarantorIn(FrozenIn):
    first_name: str = Field(min_length=1, max_length=35)
    last_name: str = Field(min_length=1, max_length=60)
    date_of_birth: dt.date | None = None
    relationship_to_patient: str = Field(min_length=1, max_length=20)
    address_line1: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    phone: str | None = None

    _st = field_validator("state")(lambda v: None if not _opt(v) else C.normalize_state(v))
    _zip = field_validator("zip_code")(lambda v: None if not _opt(v) else C.normalize_zip(v))
    _ph = field_validator("phone")(lambda v: None if not _opt(v) else C.normalize_phone(v))


class GuarantorOut(Frozen):
    id: int
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    relationship_to_patient: str
    address_line1: str | None
    city: str | None
    state: str | None
    zip_code: str | None
    phone: str | None


class PatientIn(FrozenIn):
    first_name: str = Field(min_length=1, max_length=35)
    middle_name: str | None = Field(default=None, max_length=25)
    last_name: str = Field(min_length=1, max_length=60)
    date_of_birth: dt.date
    sex: str
    address_line1: str = Field(min_length=1, max_length=55)
    address_line2: str | None = Field(default=None, max_length=55)
    city: str = Field(min_length=1, max_length=30)
    state: str
    zip_code: str
    phone: str | None = None
    email: str | None = Field(default=None, max_length=80)
    account_number: str | None = Field(default=None, max_length=20)

    _dob = field_validator("date_of_birth")(lambda v: _check_dob(v))
    _st = field_validator("state")(lambda v: C.normalize_state(v))
    _zip = field_validator("zip_code")(lambda v: C.normalize_zip(v))
    _ph = field_validator("phone")(lambda v: None if not _opt(v) else C.normalize_phone(v))

    @field_validator("sex")
    @classmethod
    def _sex(cls, v: str) -> str:
        v = v.strip().upper()[:1]
        if v not in SEXES:
            raise ValueError("sex must be M, F or U (unknown)")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        v = _opt(v)
        if v is not None and ("@" not in v or " " in v or v.startswith("@") or v.endswith("@")):
            raise ValueError(f"{v!r} is not an email address")
        return v


class PatientOut(Frozen):
    id: int
    account_number: str
    first_name: str
    middle_name: str | None
    last_name: str
    date_of_birth: dt.date
    sex: str
    address_line1: str
    address_line2: str | None
    city: str
    state: str
    zip_code: str
    phone: str | None
    email: str | None
    guarantor_id: int | None

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years


class PolicyIn(FrozenIn):
    payer_id: int
    rank: int = Field(ge=1, le=3)
    member_id: str = Field(min_length=2, max_length=80)
    group_number: str | None = Field(default=None, max_length=50)
    plan_name: str | None = Field(default=None, max_length=60)
    relationship_code: str = "18"
    subscriber_patient_id: int | None = None
    subscriber_first_name: str | None = Field(default=None, max_length=35)
    subscriber_last_name: str | None = Field(default=None, max_length=60)
    subscriber_date_of_birth: dt.date | None = None
    subscriber_sex: str | None = None
    effective_from: dt.date
    effective_to: dt.date | None = None
    copay_cents: int = Field(default=0, ge=0)
    coinsurance_percent: int = Field(default=0, ge=0, le=100)
    deductible_cents: int = Field(default=0, ge=0)
    out_of_pocket_max_cents: int = Field(default=0, ge=0)

    @field_validator("relationship_code")
    @classmethod
    def _rel(cls, v: str) -> str:
        v = v.strip().upper()
        if v not in RELATIONSHIPS:
            raise ValueError(
                "relationship must be one of "
                + ", ".join(f"{k} ({name})" for k, name in RELATIONSHIPS.items())
            )
        return v

    @model_validator(mode="after")
    def _dates(self) -> PolicyIn:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("coverage cannot end before it starts")
        if (
            self.relationship_code != "18"
            and self.subscriber_patient_id is None
            and not (self.subscriber_first_name and self.subscriber_last_name)
        ):
            raise ValueError("a dependent's policy needs the subscriber's name or patient record")
        return self


class PolicyOut(Frozen):
    id: int
    patient_id: int
    payer_id: int
    payer_name: str
    payer_code: str
    rank: int
    member_id: str
    group_number: str | None
    plan_name: str | None
    relationship_code: str
    subscriber_patient_id: int | None
    subscriber_first_name: str
    subscriber_last_name: str
    subscriber_date_of_birth: dt.date | None
    effective_from: dt.date
    effective_to: dt.date | None
    copay_cents: int
    coinsurance_percent: int
    deductible_cents: int
    out_of_pocket_max_cents: int

    def active_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class PatientDetail(Frozen):
    patient: PatientOut
    guarantor: GuarantorOut | None
    policies: tuple[PolicyOut, ...]
    balance: BalanceOut


# ---------------------------------------------------------------------------------------------
# encounters and coding
class EncounterIn(FrozenIn):
    patient_id: int
    date_of_service: dt.date
    place_of_service: str
    rendering_provider_id: int
    referring_provider_id: int | None = None
    facility_id: int | None = None
    authorization_number: str | None = Field(default=None, max_length=50)
    visit_reason: str | None = Field(default=None, max_length=120)
    clinical_note: str = ""

    _pos = field_validator("place_of_service")(lambda v: _check_pos(v))

    @field_validator("date_of_service")
    @classmethod
    def _dos(cls, v: dt.date) -> dt.date:
        if v > dt.date.today():
            raise ValueError("date of service cannot be in the future")
        return v


class ServiceLineIn(FrozenIn):
    code: str
    modifiers: tuple[str, ...] = ()
    units: int = Field(default=1, ge=1, le=999)
    charge_cents: int | None = Field(default=None, ge=0)  # None: take it from the fee schedule
    pointers: tuple[int, ...] = (1,)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        v = v.strip().upper()
        if C.procedure_kind(v) is None:
            raise ValueError(f"{v!r} is not a CPT (5 digits) or HCPCS (letter + 4 digits) code")
        return v

    @field_validator("modifiers")
    @classmethod
    def _mods(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        mods = tuple(m.strip().upper() for m in v if m and m.strip())
        if len(mods) > 4:
            raise ValueError("a service line takes at most 4 modifiers")
        for m in mods:
            if not C.is_modifier_format(m):
                raise ValueError(f"modifier {m!r} must be two letters or digits")
        return mods

    @field_validator("pointers")
    @classmethod
    def _ptrs(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if not 1 <= len(v) <= 4:
            raise ValueError("a service line points to 1 to 4 diagnoses")
        if any(p < 1 or p > 12 for p in v):
            raise ValueError("diagnosis pointers run from 1 to 12")
        if len(set(v)) != len(v):
            raise ValueError("a diagnosis pointer appears twice on one line")
        return v


class CodingIn(FrozenIn):
    diagnoses: tuple[str, ...]
    lines: tuple[ServiceLineIn, ...]

    @field_validator("diagnoses")
    @classmethod
    def _dx(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        codes = tuple(C.normalize_icd10(c) for c in v if c and c.strip())
        if not codes:
            raise ValueError("code at least one diagnosis")
        if len(codes) > 12:
            raise ValueError("a professional claim takes at most 12 diagnoses")
        for c in codes:
            if not C.is_icd10_format(c):
                raise ValueError(f"{c!r} is not shaped like an ICD-10-CM code")
        if len(set(codes)) != len(codes):
            raise ValueError("a diagnosis is listed twice")
        return codes

    @model_validator(mode="after")
    def _pointers_in_range(self) -> CodingIn:
        if not self.lines:
            raise ValueError("code at least one procedure line")
        for n, line in enumerate(self.lines, start=1):
            for p in line.pointers:
                if p > len(self.diagnoses):
                    raise ValueError(
                        f"line {n} points to diagnosis {p}, but only {len(self.diagnoses)} "
                        "diagnoses are coded"
                    )
        return self


class DiagnosisOut(Frozen):
    seq: int
    code: str


class ServiceLineOut(Frozen):
    id: int
    seq: int
    code: str
    modifiers: tuple[str, ...]
    units: int
    charge_cents: int
    pointers: tuple[int, ...]


class EncounterOut(Frozen):
    id: int
    patient_id: int
    patient_name: str
    date_of_service: dt.date
    place_of_service: str
    rendering_provider_id: int
    referring_provider_id: int | None
    facility_id: int | None
    authorization_number: str | None
    visit_reason: str | None
    clinical_note: str
    status: str
    query_note: str | None
    diagnoses: tuple[DiagnosisOut, ...] = ()
    lines: tuple[ServiceLineOut, ...] = ()

    @property
    def total_charge_cents(self) -> int:
        return sum(line.charge_cents for line in self.lines)


# ---------------------------------------------------------------------------------------------
# claims
class ClaimLineOut(Frozen):
    line_number: int
    date_of_service: dt.date
    code: str
    modifiers: str
    units: int
    charge_cents: int
    pointers: str


class ClaimEventOut(Frozen):
    at: dt.datetime
    actor: str
    from_status: str | None
    to_status: str
    reason: str


class ClaimOut(Frozen):
    id: int
    encounter_id: int
    patient_id: int
    payer_id: int
    policy_id: int
    payer_rank: int
    patient_control_number: str
    frequency_code: str
    replaces_claim_id: int | None
    payer_claim_number: str | None
    status: str
    total_charge_cents: int
    version: int
    created_at: dt.datetime


class ClaimDetail(Frozen):
    claim: ClaimOut
    lines: tuple[ClaimLineOut, ...]
    events: tuple[ClaimEventOut, ...]
    money: ClaimMoney


class ClaimMoney(Frozen):
    """What happened to a claim's charge, from the ledger."""

    charge_cents: int
    paid_cents: int
    adjustment_cents: int
    patient_responsibility_cents: int
    balance_cents: int


class ClaimRow(Frozen):
    """One line of the claims queue: who, which payer, where it stands, what blocks it."""

    id: int
    patient_control_number: str
    patient_id: int
    patient_name: str
    account_number: str
    payer_code: str
    payer_name: str
    payer_rank: int
    status: str
    frequency_code: str
    date_of_service: dt.date
    created_at: dt.datetime
    charge_cents: int
    paid_cents: int
    adjustment_cents: int
    patient_responsibility_cents: int
    balance_cents: int
    errors: int = 0
    warnings: int = 0  # warnings not yet overridden
    first_problem: str | None = None  # the first blocking finding, in the scrubber's words
    version: int = 0

    @property
    def blocked(self) -> bool:
        return self.errors > 0 or self.warnings > 0

    def age_days(self, today: dt.date) -> int:
        return (today - self.date_of_service).days


class ClaimNoteOut(Frozen):
    id: int
    claim_id: int
    at: dt.datetime
    actor: str
    kind: str
    text: str
    contact: str | None = None
    reference: str | None = None
    follow_up_on: dt.date | None = None


class TimelineItem(Frozen):
    """One thing that happened to a claim, from creation to now."""

    at: dt.datetime
    kind: str  # status, note, call, file, answer, rejection, scrub
    actor: str
    title: str
    detail: str = ""


class X12FileOut(Frozen):
    id: int
    direction: str
    transaction: str
    name: str
    sha256: str
    size: int
    interchange_control: str | None
    group_control: str | None
    status: str
    claims_count: int
    created_at: dt.datetime
    created_by: str
    sent_at: dt.datetime | None = None
    error: str | None = None
    summary: str | None = None


# ---------------------------------------------------------------------------------------------
# ledger
class LedgerEntryOut(Frozen):
    id: int
    txn: str
    kind: str
    responsibility: str
    amount_cents: int
    claim_id: int | None
    payer_id: int | None
    group_code: str | None
    reason_code: str | None
    reference: str | None
    memo: str | None
    entry_date: dt.date
    created_by: str


class BalanceOut(Frozen):
    insurance_cents: int
    patient_cents: int

    @property
    def total_cents(self) -> int:
        return self.insurance_cents + self.patient_cents


class UserOut(Frozen):
    id: int
    username: str
    full_name: str
    role: str
    active: bool


class AuditOut(Frozen):
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    summary: str


PatientDetail.model_rebuild()
ClaimDetail.model_rebuild()


# ---------------------------------------------------------------------------------------------
# payments
class BatchPostingOut(Frozen):
    """One posting in a payment batch: the ledger entries sharing one ``txn``, summed."""

    txn: str
    patient_id: int
    claim_ids: tuple[int, ...]
    line_number: int | None  # the claim line an EOB line was posted to (None: the whole claim)
    paid_cents: int  # money in (insurance or patient payment), positive
    written_off_cents: int  # CO / OA / PI / CR adjustments, positive
    to_patient_cents: int  # PR amounts moved to the patient, positive
    credit_cents: int  # a patient payment's part left as unapplied credit, positive
    entry_date: dt.date
    created_by: str
    void_of: str | None = None  # this posting takes back posting ``void_of``
    voided: bool = False  # a later posting took this one back


class BatchOut(Frozen):
    """A deposit worked by hand (paper EOB check/EFT, or a day's patient payments)."""

    id: int
    kind: str  # insurance, patient
    payer_id: int | None
    payer_name: str | None
    method: str
    reference: str | None
    deposit_date: dt.date
    total_cents: int
    status: str  # open, closed
    note: str | None
    created_at: dt.datetime
    created_by: str
    closed_at: dt.datetime | None
    closed_by: str | None
    posted_cents: int  # payments posted in the batch so far
    remaining_cents: int  # total - posted (negative: posted more than the deposit)
    entries: tuple[BatchPostingOut, ...] = ()  # empty in list_batches


class PaymentApplicationOut(Frozen):
    """Part of a patient's money put on one claim (claim_id None: kept as unapplied credit)."""

    claim_id: int | None
    date_of_service: dt.date | None
    amount_cents: int
    memo: str | None = None


class PatientPaymentRow(Frozen):
    """One payment a patient made (money in): where it went, and whether it was voided."""

    txn: str
    entry_date: dt.date
    amount_cents: int  # what the patient paid (> 0)
    method: str | None
    reference: str | None
    batch_id: int | None  # a front-desk batch, or None (taken on its own)
    claim_ids: tuple[int, ...]  # the claims it went to
    credit_cents: int  # the part kept as unapplied credit (or a check-in copay)
    voided: bool


class PatientPaymentOut(Frozen):
    """What a patient payment, a credit application or a refund did to the account."""

    action: str  # payment, apply_credit, refund, void
    txn: str | None  # None when nothing was written (no credit to apply)
    patient_id: int
    amount_cents: int  # the payment, the credit moved, or the refund
    method: str | None
    reference: str | None
    entry_date: dt.date
    batch_id: int | None
    applied: tuple[PaymentApplicationOut, ...]
    credit_cents: int  # the account's unapplied credit after this
    patient_balance_cents: int  # what the patient owes after this (negative: a credit)


# ---------------------------------------------------------------------------------------------
# denials
class DenialReasonOut(Frozen):
    """One reason the payer gave (a CAS group + CARC), summed over the claim, in our words."""

    group_code: str  # CO, PR, OA, PI, CR ("" when the source did not say)
    reason_code: str  # the CARC
    amount_cents: int
    description: str  # our plain words from the carc code set, or "reason <code>"


class DenialRemarkOut(Frozen):
    """A remark code (RARC) of the remittance, in our words."""

    code: str
    description: str


class DenialItem(Frozen):
    """One claim of the denial queue: what is at stake, why, how long is left, what to do."""

    claim_id: int
    patient_control_number: str
    status: str  # denied, partially_paid
    version: int
    patient_id: int
    patient_name: str
    account_number: str
    payer_id: int
    payer_code: str
    payer_name: str
    payer_rank: int
    payer_claim_number: str | None
    date_of_service: dt.date
    charge_cents: int
    paid_cents: int
    balance_cents: int  # what the insurance side of the ledger still shows open
    written_off_denied_cents: int  # denial adjustments the posting already wrote off
    at_stake_cents: int  # balance (if positive) + denial write-offs: what an appeal can win
    reasons: tuple[DenialReasonOut, ...]
    remarks: tuple[DenialRemarkOut, ...]
    reasons_source: str  # "835" (remittance tables), "ledger" (posted by hand), "none"
    denial_date: dt.date
    appeal_deadline: dt.date
    appeal_days_left: int  # negative: the appeal window has closed
    refile_deadline: dt.date
    refile_days_left: int  # negative: past the payer's timely filing limit
    expired: bool  # both deadlines have passed: sorted last
    action: str  # correct, appeal, write_off, other_payer, bill_patient, review
    suggestion: str  # the suggested action in plain words
    score: int  # dollars x urgency (see core.services.denials.urgency_score)


class AppealOut(Frozen):
    """An appeal letter: the PDF bytes (the caller saves them) and the claim after the appeal."""

    claim: ClaimOut
    pdf: bytes
    filename: str
    enclosures: tuple[str, ...]
