"""Eligibility and benefits: ask the payer (270), read the answer (271) into a benefits card.

A check goes:

1. build the 270 for the patient's policy of the rank asked (in force on the date of service, or
   the latest one, so that an ended plan is answered "inactive" rather than refused);
2. check it with ClaimDesk's own 270 validation; a 270 with findings is stored (status ``error``)
   and not sent;
3. hand it to the clearinghouse (the sandbox by default) and store the 271 verbatim, whatever it
   is: ``answered`` when it reads, ``rejected`` when the payer refused (AAA) or the file cannot
   be read, ``error`` when nothing came back;
4. a 271 that says the coverage is active stamps the policy's ``verified_at``.

Every step is recorded in the audit log (eligibility checks are patient data).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ImportFileError, NotFound, ValidationError
from core.services.clearinghouse import (
    Clearinghouse,
    ClearinghouseError,
    SandboxClearinghouse,
)
from core.store import Store
from core.x12 import benefits as _benefits
from core.x12.benefits import BenefitLine, BenefitsCard
from core.x12.control import next_control_number
from core.x12.envelope import Envelope
from core.x12.reader import X12ReadError
from core.x12.validate270 import validate_270
from core.x12.x270 import Inquiry, Person, build_270
from core.x12.x270 import Provider as Receiver
from db.models import (
    EligibilityCheck,
    Encounter,
    InsurancePolicy,
    Patient,
    Payer,
    Practice,
    Provider,
    utcnow,
)

__all__ = [
    "BenefitLine",
    "BenefitsCard",
    "EligibilityResult",
    "check_eligibility",
    "get_check",
    "get_exchange",
    "last_check",
    "list_checks",
    "read_271",
    "read_271_file",
]

RANK_NAMES = {1: "primary", 2: "secondary", 3: "tertiary"}


class EligibilityResult(BaseModel):
    """One stored eligibility check and what its 271 said (a flat benefits card).

    Money is integer cents; ``None`` means the payer did not say. ``requested_at`` and
    ``answered_at`` are naive UTC.
    """

    model_config = ConfigDict(frozen=True)

    check_id: int
    patient_id: int
    patient_name: str
    policy_id: int | None
    payer_id: int | None
    payer_name: str
    payer_code: str
    member_id: str
    rank: int | None
    encounter_id: int | None
    service_date: dt.date
    requested_at: dt.datetime
    requested_by: str
    answered_at: dt.datetime | None
    control_number: str
    status: str  # sent, answered, rejected, error
    coverage_active: bool | None
    error: str | None
    plan: str | None = None
    group_number: str | None = None
    insurance_type: str | None = None
    plan_begin: dt.date | None = None
    plan_end: dt.date | None = None
    copay_cents: int | None = None
    coinsurance_percent: int | None = None
    deductible_cents: int | None = None
    deductible_met_cents: int | None = None
    deductible_remaining_cents: int | None = None
    out_of_pocket_cents: int | None = None
    out_of_pocket_met_cents: int | None = None
    out_of_pocket_remaining_cents: int | None = None
    messages: tuple[str, ...] = ()
    rejections: tuple[str, ...] = ()
    source_lines: tuple[str, ...] = ()
    card: BenefitsCard | None = None

    @property
    def checked_at(self) -> dt.datetime:
        return self.answered_at or self.requested_at

    @property
    def headline(self) -> str:
        if self.status == "error":
            return "Not checked: the inquiry could not be sent"
        if self.status == "rejected":
            return "The payer could not answer" if self.card else "The answer could not be read"
        if self.coverage_active is True:
            return "Coverage active"
        if self.coverage_active is False:
            return "Coverage inactive"
        return "No coverage status in the answer"

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        """How long ago the check was answered (naive UTC ``now``; default: the current time)."""
        return (now or utcnow()) - self.checked_at

    def age_text(self, now: dt.datetime | None = None) -> str:
        seconds = max(int(self.age(now).total_seconds()), 0)
        if seconds < 60:
            return "just now"
        for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
            if seconds >= size:
                n = seconds // size
                return f"{n} {unit}{'s' if n != 1 else ''} ago"
        return "just now"  # pragma: no cover


# ---------------------------------------------------------------------------------------------
def _policy_for(patient: Patient, rank: int, day: dt.date) -> InsurancePolicy:
    ranked = [p for p in patient.policies if p.rank == rank]
    in_force = [
        p
        for p in ranked
        if p.effective_from <= day and (p.effective_to is None or day <= p.effective_to)
    ]
    if in_force:
        return in_force[0]
    if ranked:
        # Ask anyway: the payer's "inactive on that date" is the answer the biller needs.
        return max(ranked, key=lambda p: (p.effective_from, p.id))
    raise ValidationError(
        f"{patient.first_name} {patient.last_name} has no {RANK_NAMES[rank]} (rank {rank}) "
        "insurance policy on file; add one before checking eligibility."
    )


def _inquiry(
    *,
    control: int,
    now: dt.datetime,
    practice: Practice,
    provider: Provider | None,
    payer: Payer,
    policy: InsurancePolicy,
    patient: Patient,
    day: dt.date,
    clearinghouse: Clearinghouse,
) -> Inquiry:
    if provider is not None:
        receiver = Receiver(name=provider.last_name, first_name=provider.first_name,
                            npi=provider.npi)  # fmt: skip
    else:
        receiver = Receiver(name=practice.name, npi=practice.npi)
    subscriber = Person(
        last_name=policy.subscriber_last_name,
        first_name=policy.subscriber_first_name,
        date_of_birth=policy.subscriber_date_of_birth,
        sex=policy.subscriber_sex or "",
        member_id=policy.member_id,
    )
    dependent = None
    if policy.relationship_code != "18":
        dependent = Person(
            last_name=patient.last_name,
            first_name=patient.first_name,
            middle_name=patient.middle_name or "",
            date_of_birth=patient.date_of_birth,
            sex=patient.sex,
        )
    return Inquiry(
        envelope=Envelope(
            sender_id=practice.npi,
            receiver_id=clearinghouse.receiver_id,
            control_number=control,
            created_at=now,
            usage=clearinghouse.usage,
        ),
        payer_name=payer.name,
        payer_id=payer.payer_code,
        provider=receiver,
        subscriber=subscriber,
        dependent=dependent,
        trace_number=f"CD{control:09d}",
        trace_originator=f"9{practice.tax_id}",
        service_date=day,
        reference=f"CD{control:09d}",
    )


def check_eligibility(
    store: Store,
    patient_id: int,
    *,
    service_date: dt.date | None = None,
    rank: int = 1,
    encounter_id: int | None = None,
    clearinghouse: Clearinghouse | None = None,
) -> EligibilityResult:
    """Ask the patient's payer about coverage on ``service_date`` and store the exchange.

    Returns the stored check, whatever the payer said (``status`` answered or rejected).
    Raises ``NotFound``/``ValidationError`` before anything is written when the patient,
    encounter, policy or practice is missing; ``ValidationError`` when our own 270 fails its
    checks and ``ClearinghouseError`` when it cannot be delivered (both stored as ``error``).
    """
    if rank not in RANK_NAMES:
        raise ValidationError(f"rank must be 1, 2 or 3, not {rank}")
    channel = clearinghouse or SandboxClearinghouse(store)
    now = utcnow()
    with store.uow() as uow:
        s = uow.session
        patient = s.get(Patient, patient_id)
        if patient is None:
            raise NotFound(f"No patient with id {patient_id}.")
        provider = None
        if encounter_id is not None:
            encounter = s.get(Encounter, encounter_id)
            if encounter is None:
                raise NotFound(f"No encounter with id {encounter_id}.")
            if encounter.patient_id != patient.id:
                raise ValidationError(f"Encounter {encounter_id} is not this patient's visit.")
            service_date = service_date or encounter.date_of_service
            provider = s.get(Provider, encounter.rendering_provider_id)
        day = service_date or now.date()
        policy = _policy_for(patient, rank, day)
        practice = s.scalars(select(Practice).order_by(Practice.id)).first()
        if practice is None:
            raise ValidationError(
                "Set up the practice first: an eligibility inquiry names the practice's NPI."
            )
        payer = policy.payer
        control = next_control_number(s)
        inquiry = _inquiry(control=control, now=now, practice=practice, provider=provider,
                           payer=payer, policy=policy, patient=patient, day=day,
                           clearinghouse=channel)  # fmt: skip
        request = build_270(inquiry)
        findings = validate_270(request)
        problem = None
        if findings:
            more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
            problem = (
                f"ClaimDesk's 270 failed its own check, so it was not sent: {findings[0]}{more}."
            )
        check = EligibilityCheck(
            patient_id=patient.id,
            policy_id=policy.id,
            payer_id=payer.id,
            encounter_id=encounter_id,
            service_date=day,
            requested_at=now,
            requested_by=store.actor,
            control_number=inquiry.envelope.isa13,
            request_x12=request,
            status="error" if problem else "sent",
            error=problem,
        )
        s.add(check)
        s.flush()
        check_id = check.id
        uow.audit(
            "send", "eligibility", check_id,
            f"270 #{check.control_number} to {payer.name} ({channel.name}) for "
            f"{day.isoformat()}, rank {rank}" + (": not sent, failed its check" if problem else ""),
            patient_id=patient.id,
        )  # fmt: skip
    if problem:
        raise ValidationError(f"Check {check_id}: {problem}")
    try:
        answer = channel.exchange_270(request)
    except ClearinghouseError as exc:
        _store_failure(store, check_id, str(exc))
        raise ClearinghouseError(f"Check {check_id}: {exc}") from None
    return _store_answer(store, check_id, answer, inquiry)


def _store_failure(store: Store, check_id: int, error: str) -> None:
    with store.uow() as uow:
        check = uow.session.get(EligibilityCheck, check_id)
        assert check is not None
        check.status, check.error = "error", error
        uow.audit("answer", "eligibility", check_id, f"no answer: {error}",
                  patient_id=check.patient_id)  # fmt: skip


def _pick(cards: list[BenefitsCard], inquiry: Inquiry) -> BenefitsCard | None:
    if not cards:
        return None
    want = "dependent" if inquiry.dependent is not None else "subscriber"
    for card in cards:
        if card.subject == want and (
            not card.trace_numbers or inquiry.trace_number in card.trace_numbers
        ):
            return card
    return next((c for c in cards if c.subject == want), cards[0])


def _store_answer(store: Store, check_id: int, answer: str, inquiry: Inquiry) -> EligibilityResult:
    card: BenefitsCard | None = None
    error: str | None = None
    try:
        card = _pick(_benefits.read_271(answer), inquiry)
    except X12ReadError as exc:
        error = f"The answer could not be read: {exc}"
    if card is not None and card.trace_numbers and inquiry.trace_number not in card.trace_numbers:
        card = card.model_copy(
            update={
                "warnings": (
                    *card.warnings,
                    f"The answer's trace number {card.trace_numbers[0]!r} is not "
                    f"ours ({inquiry.trace_number!r}).",
                )
            }
        )
    if card is not None and card.status == "rejected":
        error = f"The payer could not answer: {card.reason}."
    status = "rejected" if error else "answered"
    active = card.coverage_active if card is not None and status == "answered" else None
    now = utcnow()
    with store.uow() as uow:
        check = uow.session.get(EligibilityCheck, check_id)
        assert check is not None
        check.response_x12 = answer
        check.answered_at = now
        check.status = status
        check.coverage_active = active
        check.summary_json = card.model_dump_json() if card is not None else None
        check.error = error
        if active is True and check.policy_id is not None:
            policy = uow.session.get(InsurancePolicy, check.policy_id)
            if policy is not None:
                policy.verified_at = now
        said = {True: "coverage active", False: "coverage inactive", None: "no coverage status"}
        uow.audit(
            "answer", "eligibility", check_id,
            f"271 read: {error or said[active]}",
            patient_id=check.patient_id,
        )  # fmt: skip
        uow.session.flush()
        return _result(uow.session, check)


def _result(session: Session, check: EligibilityCheck) -> EligibilityResult:
    patient = session.get(Patient, check.patient_id)
    policy = session.get(InsurancePolicy, check.policy_id) if check.policy_id else None
    payer = session.get(Payer, check.payer_id) if check.payer_id else None
    card = BenefitsCard.model_validate_json(check.summary_json) if check.summary_json else None
    fields = {}
    if card is not None:
        fields = card.model_dump(
            include={
                "plan", "group_number", "insurance_type", "plan_begin", "plan_end",
                "copay_cents", "coinsurance_percent", "deductible_cents", "deductible_met_cents",
                "deductible_remaining_cents", "out_of_pocket_cents", "out_of_pocket_met_cents",
                "out_of_pocket_remaining_cents", "messages", "rejections", "source_lines",
            }
        )  # fmt: skip
    return EligibilityResult(
        check_id=check.id,
        patient_id=check.patient_id,
        patient_name=f"{patient.last_name}, {patient.first_name}" if patient else "",
        policy_id=check.policy_id,
        payer_id=check.payer_id,
        payer_name=payer.name if payer else "",
        payer_code=payer.payer_code if payer else "",
        member_id=policy.member_id if policy else "",
        rank=policy.rank if policy else None,
        encounter_id=check.encounter_id,
        service_date=check.service_date,
        requested_at=check.requested_at,
        requested_by=check.requested_by,
        answered_at=check.answered_at,
        control_number=check.control_number,
        status=check.status,
        coverage_active=check.coverage_active,
        error=check.error,
        card=card,
        **fields,
    )


# ---------------------------------------------------------------------------------------------
def get_check(store: Store, check_id: int) -> EligibilityResult:
    with store.uow() as uow:
        check = uow.session.get(EligibilityCheck, check_id)
        if check is None:
            raise NotFound(f"No eligibility check with id {check_id}.")
        return _result(uow.session, check)


def get_exchange(store: Store, check_id: int) -> tuple[str, str | None]:
    """The check's 270 and 271 exactly as sent and received (the 271 is None when none came)."""
    with store.uow() as uow:
        check = uow.session.get(EligibilityCheck, check_id)
        if check is None:
            raise NotFound(f"No eligibility check with id {check_id}.")
        return check.request_x12, check.response_x12


def list_checks(store: Store, patient_id: int, *, limit: int = 50) -> list[EligibilityResult]:
    """The patient's checks, newest first."""
    with store.uow() as uow:
        rows = uow.session.scalars(
            select(EligibilityCheck)
            .where(EligibilityCheck.patient_id == patient_id)
            .order_by(EligibilityCheck.requested_at.desc(), EligibilityCheck.id.desc())
            .limit(limit)
        )
        return [_result(uow.session, row) for row in rows]


def last_check(store: Store, patient_id: int) -> EligibilityResult | None:
    found = list_checks(store, patient_id, limit=1)
    return found[0] if found else None


def read_271(data: str | bytes) -> list[BenefitsCard]:
    """The benefits cards of any 271 file (pure: no database).

    Raises ``ImportFileError`` with the plain reason when the text cannot be read as a 271.
    """
    try:
        return _benefits.read_271(data)
    except X12ReadError as exc:
        raise ImportFileError(str(exc)) from None


def read_271_file(path: str | Path) -> list[BenefitsCard]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        return _benefits.read_271(data)
    except X12ReadError as exc:
        raise ImportFileError(f"{path.name}: {exc}") from None
