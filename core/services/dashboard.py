"""The work queues on the home screen: what waits for whom, and the items in each queue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, exists, func, or_, select

from core.errors import ValidationError
from core.schemas import Frozen
from core.services import claims, encounters
from core.store import Store
from core.workflow import ClaimStatus, EncounterStatus
from db.models import (
    Authorization,
    Claim,
    ClaimEvent,
    Encounter,
    InsurancePolicy,
    Patient,
    Payer,
)

# Coverage older than this is checked again before the visit is billed.
VERIFY_EVERY_DAYS = 30
# An authorization runs out when it ends within this many days or has this few units left.
AUTH_WARN_DAYS = 14
AUTH_WARN_UNITS = 2


class QueueCount(Frozen):
    key: str
    label: str
    count: int
    who: str
    meaning: str


class WorkQueues(Frozen):
    queues: tuple[QueueCount, ...]
    encounters_by_status: dict[str, int]
    claims_by_status: dict[str, int]


class QueueItem(Frozen):
    """One row of a work queue: what it is, and the record it opens."""

    kind: str  # encounter, claim, patient
    record_id: int
    patient_id: int
    patient_name: str
    title: str
    detail: str
    day: dt.date | None
    age_days: int | None
    amount_cents: int | None
    status: str


CLAIM_QUEUES = {
    "edits": (ClaimStatus.EDITS, ClaimStatus.DRAFT),
    "ready": (ClaimStatus.READY,),
    "rejected": (ClaimStatus.REJECTED,),
    "with_payer": (ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED, ClaimStatus.PENDING,
                   ClaimStatus.APPEALED),
    "denied": (ClaimStatus.DENIED, ClaimStatus.PARTIALLY_PAID),
}  # fmt: skip
ENCOUNTER_QUEUES = {
    "to_code": (EncounterStatus.OPEN, EncounterStatus.QUERY),
    "to_bill": (EncounterStatus.CODED,),
}
QUEUE_KEYS = (*ENCOUNTER_QUEUES, "verify", "auths", *CLAIM_QUEUES)


def _unverified(today: dt.date):
    """Patients with a visit not yet billed whose primary coverage is unverified or stale."""
    stale = dt.datetime.combine(today - dt.timedelta(days=VERIFY_EVERY_DAYS), dt.time())
    pending = exists().where(
        Encounter.patient_id == InsurancePolicy.patient_id,
        Encounter.status.in_([EncounterStatus.OPEN.value, EncounterStatus.QUERY.value,
                              EncounterStatus.CODED.value]),
    )  # fmt: skip
    return and_(
        InsurancePolicy.rank == 1,
        InsurancePolicy.effective_from <= today,
        or_(InsurancePolicy.effective_to.is_(None), InsurancePolicy.effective_to >= today),
        or_(InsurancePolicy.verified_at.is_(None), InsurancePolicy.verified_at < stale),
        pending,
    )


def _auth_running_out(today: dt.date):
    return and_(
        Authorization.end_date >= today - dt.timedelta(days=AUTH_WARN_DAYS),
        or_(
            Authorization.end_date <= today + dt.timedelta(days=AUTH_WARN_DAYS),
            Authorization.units_approved - Authorization.units_used <= AUTH_WARN_UNITS,
        ),
    )


def work_queues(store: Store, today: dt.date | None = None) -> WorkQueues:
    today = today or dt.date.today()
    enc = encounters.count_by_status(store)
    clm = claims.count_by_status(store)
    with store.uow() as uow:
        verify = uow.session.scalar(
            select(func.count(func.distinct(InsurancePolicy.patient_id))).where(_unverified(today))
        )
        auths = uow.session.scalar(
            select(func.count()).select_from(Authorization).where(_auth_running_out(today))
        )
    rows = [
        ("to_code", "Visits to code", enc["open"] + enc["query"], "coder",
         "Documented visits without codes, and visits the biller sent back with a question."),
        ("to_bill", "Coded visits to bill", enc["coded"], "biller",
         "Coding is done; build the claim."),
        ("verify", "Coverage to verify", int(verify or 0), "biller",
         f"Patients with a visit to bill whose insurance was not checked in {VERIFY_EVERY_DAYS} "
         "days: run an eligibility check."),
        ("auths", "Authorizations running out", int(auths or 0), "biller",
         f"Prior authorizations ending within {AUTH_WARN_DAYS} days or with "
         f"{AUTH_WARN_UNITS} or fewer units left: ask the payer for more before the next visit."),
        ("edits", "Claims with edits", clm["edits"] + clm["draft"], "biller",
         "The scrubber found problems (or has not run yet); fix before sending."),
        ("ready", "Claims ready to send", clm["ready"], "biller",
         "Clean claims waiting for the next batch."),
        ("rejected", "Rejected claims", clm["rejected"], "biller",
         "Sent back by the clearinghouse or payer before adjudication: correct and resend."),
        ("with_payer", "Waiting on payers", clm["submitted"] + clm["accepted"] + clm["pending"]
         + clm["appealed"], "biller", "Follow up when a claim has waited 14-30 days."),
        ("denied", "Denied or short-paid", clm["denied"] + clm["partially_paid"], "biller",
         "Appeal, correct and resubmit, or write off."),
    ]  # fmt: skip
    return WorkQueues(
        queues=tuple(
            QueueCount(key=k, label=label, count=n, who=who, meaning=meaning)
            for k, label, n, who, meaning in rows
        ),
        encounters_by_status=enc,
        claims_by_status=clm,
    )


def _name(p: Patient) -> str:
    return f"{p.last_name}, {p.first_name}"


def queue_items(
    store: Store, key: str, *, today: dt.date | None = None, limit: int = 300
) -> list[QueueItem]:
    """The items of one queue, oldest first (at most ``limit``: a page, never thousands)."""
    if key not in QUEUE_KEYS:
        raise ValidationError(f"unknown work queue {key!r}")
    today = today or dt.date.today()
    with store.uow() as uow:
        s = uow.session
        if key in ENCOUNTER_QUEUES:
            statuses = [st.value for st in ENCOUNTER_QUEUES[key]]
            rows = s.execute(
                select(Encounter, Patient)
                .join(Patient, Patient.id == Encounter.patient_id)
                .where(Encounter.status.in_(statuses))
                .order_by(Encounter.date_of_service, Encounter.id)
                .limit(limit)
            ).all()
            return [
                QueueItem(
                    kind="encounter",
                    record_id=e.id,
                    patient_id=p.id,
                    patient_name=_name(p),
                    title=e.visit_reason or "visit",
                    detail=(
                        f"Query: {e.query_note}"
                        if e.status == "query" and e.query_note
                        else f"{e.status}"
                    ),
                    day=e.date_of_service,
                    age_days=(today - e.date_of_service).days,
                    amount_cents=None,
                    status=e.status,
                )  # fmt: skip
                for e, p in rows
            ]
        if key == "verify":
            rows = s.execute(
                select(InsurancePolicy, Patient, Payer)
                .join(Patient, Patient.id == InsurancePolicy.patient_id)
                .join(Payer, Payer.id == InsurancePolicy.payer_id)
                .where(_unverified(today))
                .order_by(Patient.last_name, Patient.first_name)
                .limit(limit)
            ).all()
            return [
                QueueItem(
                    kind="patient",
                    record_id=p.id,
                    patient_id=p.id,
                    patient_name=_name(p),
                    title=payer.name,
                    detail=f"member {pol.member_id}",
                    day=pol.verified_at.date() if pol.verified_at else None,
                    age_days=(today - pol.verified_at.date()).days if pol.verified_at else None,
                    amount_cents=None,
                    status="never verified" if pol.verified_at is None else "stale",
                )  # fmt: skip
                for pol, p, payer in rows
            ]
        if key == "auths":
            rows = s.execute(
                select(Authorization, Patient)
                .join(Patient, Patient.id == Authorization.patient_id)
                .where(_auth_running_out(today))
                .order_by(Authorization.end_date)
                .limit(limit)
            ).all()
            return [
                QueueItem(
                    kind="patient",
                    record_id=p.id,
                    patient_id=p.id,
                    patient_name=_name(p),
                    title=f"auth {a.number}",
                    detail=f"{a.units_approved - a.units_used} of {a.units_approved} units left; "
                    f"codes {a.service_codes}",
                    day=a.end_date,
                    age_days=(a.end_date - today).days,
                    amount_cents=None,
                    status="expired" if a.end_date < today else "running out",
                )  # fmt: skip
                for a, p in rows
            ]
        statuses = [st.value for st in CLAIM_QUEUES[key]]
        last_event = (
            select(ClaimEvent.claim_id, func.max(ClaimEvent.at).label("at"))
            .group_by(ClaimEvent.claim_id)
            .subquery()
        )
        rows = s.execute(
            select(Claim, Patient, Payer, last_event.c.at)
            .join(Patient, Patient.id == Claim.patient_id)
            .join(Payer, Payer.id == Claim.payer_id)
            .outerjoin(last_event, last_event.c.claim_id == Claim.id)
            .where(Claim.status.in_(statuses))
            .order_by(last_event.c.at, Claim.id)
            .limit(limit)
        ).all()
        return [
            QueueItem(
                kind="claim",
                record_id=c.id,
                patient_id=p.id,
                patient_name=_name(p),
                title=c.patient_control_number,
                detail=payer.name,
                day=at.date() if at else None,
                age_days=(today - at.date()).days if at else None,
                amount_cents=c.total_charge_cents,
                status=c.status,
            )  # fmt: skip
            for c, p, payer, at in rows
        ]
