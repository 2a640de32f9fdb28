"""Patients, their guarantors and their insurance policies."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.errors import NotFound, ValidationError
from core.schemas import (
    GuarantorIn,
    GuarantorOut,
    PatientDetail,
    PatientIn,
    PatientOut,
    PolicyIn,
    PolicyOut,
)
from core.services._common import parse, translate_db_errors
from core.services.ledger import balance_in
from core.store import Store
from db.models import Account, Guarantor, InsurancePolicy, Patient, Payer

ACCOUNT_PREFIX = "A"


def _get(session: Session, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(f"No patient with id {patient_id}.")
    return patient


def _policy_out(policy: InsurancePolicy) -> PolicyOut:
    return PolicyOut(
        id=policy.id,
        patient_id=policy.patient_id,
        payer_id=policy.payer_id,
        payer_name=policy.payer.name,
        payer_code=policy.payer.payer_code,
        rank=policy.rank,
        member_id=policy.member_id,
        group_number=policy.group_number,
        plan_name=policy.plan_name,
        relationship_code=policy.relationship_code,
        subscriber_patient_id=policy.subscriber_patient_id,
        subscriber_first_name=policy.subscriber_first_name,
        subscriber_last_name=policy.subscriber_last_name,
        subscriber_date_of_birth=policy.subscriber_date_of_birth,
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
        copay_cents=policy.copay_cents,
        coinsurance_percent=policy.coinsurance_percent,
        deductible_cents=policy.deductible_cents,
        out_of_pocket_max_cents=policy.out_of_pocket_max_cents,
    )


def register_patient(
    store: Store,
    data: PatientIn | dict[str, Any],
    *,
    guarantor: GuarantorIn | dict[str, Any] | None = None,
    allow_duplicate: bool = False,
) -> PatientOut:
    """Register a patient and open their account. Refuses a likely duplicate unless allowed."""
    data = parse(PatientIn, data)
    guarantor_in = parse(GuarantorIn, guarantor) if guarantor is not None else None
    with translate_db_errors("patient"), store.uow() as uow:
        s = uow.session
        if not allow_duplicate:
            same = s.scalar(
                select(Patient.account_number).where(
                    func.lower(Patient.last_name) == data.last_name.lower(),
                    func.lower(Patient.first_name) == data.first_name.lower(),
                    Patient.date_of_birth == data.date_of_birth,
                )
            )
            if same:
                raise ValidationError(
                    f"{data.first_name} {data.last_name}, born {data.date_of_birth:%m/%d/%Y}, "
                    f"is already registered as account {same}."
                )
        if data.account_number and s.scalar(
            select(Patient.id).where(Patient.account_number == data.account_number)
        ):
            raise ValidationError(f"Account number {data.account_number} is already in use.")
        fields = data.model_dump(exclude={"account_number"})
        patient = Patient(**fields, account_number=data.account_number or "pending")
        if guarantor_in is not None:
            patient.guarantor = Guarantor(**guarantor_in.model_dump())
        s.add(patient)
        s.flush()
        if not data.account_number:
            patient.account_number = f"{ACCOUNT_PREFIX}{patient.id:06d}"
        s.add(Account(patient_id=patient.id))
        s.flush()
        uow.audit(
            "create", "patient", patient.id, f"registered account {patient.account_number}",
            patient_id=patient.id,
        )  # fmt: skip
        return PatientOut.model_validate(patient)


def update_patient(store: Store, patient_id: int, data: PatientIn | dict[str, Any]) -> PatientOut:
    """Replace a patient's demographics; the audit record names the fields that changed."""
    data = parse(PatientIn, data)
    with translate_db_errors("patient"), store.uow() as uow:
        patient = _get(uow.session, patient_id)
        changed = []
        for key, value in data.model_dump(exclude={"account_number"}).items():
            if getattr(patient, key) != value:
                setattr(patient, key, value)
                changed.append(key)
        if changed:
            uow.session.flush()
            uow.audit(
                "update", "patient", patient.id, "changed " + ", ".join(changed),
                patient_id=patient.id,
            )  # fmt: skip
        return PatientOut.model_validate(patient)


def set_guarantor(store: Store, patient_id: int, data: GuarantorIn | dict[str, Any] | None) -> None:
    """Name who pays the patient's bill (None: the patient is their own guarantor)."""
    data = parse(GuarantorIn, data) if data is not None else None
    with translate_db_errors("patient"), store.uow() as uow:
        patient = _get(uow.session, patient_id)
        patient.guarantor = Guarantor(**data.model_dump()) if data else None
        uow.session.flush()
        who = f"{data.first_name} {data.last_name}" if data else "self"
        uow.audit("update", "patient", patient.id, f"guarantor set to {who}", patient_id=patient.id)


def get_patient(store: Store, patient_id: int) -> PatientDetail:
    with store.uow() as uow:
        patient = _get(uow.session, patient_id)
        return PatientDetail(
            patient=PatientOut.model_validate(patient),
            guarantor=GuarantorOut.model_validate(patient.guarantor) if patient.guarantor else None,
            policies=tuple(_policy_out(p) for p in patient.policies),
            balance=balance_in(uow.session, patient.id),
        )


def find_by_account(store: Store, account_number: str) -> PatientOut:
    with store.uow() as uow:
        patient = uow.session.scalars(
            select(Patient).where(Patient.account_number == account_number.strip().upper())
        ).first()
        if patient is None:
            raise NotFound(f"No patient with account number {account_number!r}.")
        return PatientOut.model_validate(patient)


_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m-%d-%Y", "%m%d%Y")


def _as_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _starts_with(column, prefix: str):
    """``column`` starts with ``prefix``, as a range the lower(name) index can serve."""
    if not prefix:
        return column.is_not(None)
    return (column >= prefix) & (column < prefix[:-1] + chr(ord(prefix[-1]) + 1))


def search_patients(store: Store, text: str, *, limit: int = 50) -> list[PatientOut]:
    """Find patients by name ("smith", "smith, jo", "jo smith"), date of birth, account or member ID."""
    query_text = text.strip()
    if not query_text:
        return []
    with store.uow() as uow:
        s = uow.session
        base = select(Patient).order_by(Patient.last_name, Patient.first_name, Patient.id)
        day = _as_date(query_text)
        if day is not None:
            rows = s.scalars(base.where(Patient.date_of_birth == day).limit(limit))
            return [PatientOut.model_validate(p) for p in rows]
        token = query_text.upper()
        if re.fullmatch(r"[A-Z0-9-]+", token) and any(ch.isdigit() for ch in token):
            member_ids = select(InsurancePolicy.patient_id).where(
                InsurancePolicy.member_id == token
            )
            rows = s.scalars(
                base.where(or_(Patient.account_number == token, Patient.id.in_(member_ids))).limit(
                    limit
                )
            )
            return [PatientOut.model_validate(p) for p in rows]
        if "," in query_text:
            last, _, first = query_text.partition(",")
        else:
            parts = query_text.split()
            last, first = (parts[-1], " ".join(parts[:-1])) if len(parts) > 1 else (parts[0], "")
        found = _by_name(s, last, first, limit)
        if not found and "," not in query_text and first.strip() and " " not in first.strip():
            found = _by_name(s, first, last, limit)  # "smith jo": last name typed first
        return [PatientOut.model_validate(p) for p in found]


def _by_name(session: Session, last: str, first: str, limit: int) -> list[Patient]:
    cond = _starts_with(func.lower(Patient.last_name), last.strip().lower())
    if first.strip():
        cond = cond & _starts_with(func.lower(Patient.first_name), first.strip().lower())
    return list(
        session.scalars(
            select(Patient)
            .where(cond)
            .order_by(func.lower(Patient.last_name), func.lower(Patient.first_name), Patient.id)
            .limit(limit)
        )
    )


def _policy_fields(s: Session, patient: Patient, data: PolicyIn, own_id: int | None) -> dict:
    """Check a policy against the patient's others and fill in the subscriber's facts."""
    payer = s.get(Payer, data.payer_id)
    if payer is None:
        raise NotFound(f"No payer with id {data.payer_id}.")
    for other in patient.policies:
        if other.id == own_id:
            continue
        overlaps = (other.effective_to is None or other.effective_to >= data.effective_from) and (
            data.effective_to is None or data.effective_to >= other.effective_from
        )
        if other.rank == data.rank and overlaps:
            raise ValidationError(
                f"{patient.first_name} {patient.last_name} already has a rank {data.rank} "
                f"policy ({other.payer.name}) for those dates; end it first."
            )
    fields = data.model_dump()
    if data.relationship_code == "18":
        if data.subscriber_patient_id not in (None, patient.id):
            raise ValidationError("relationship 18 (self) means the patient is the subscriber")
        fields.update(
            subscriber_patient_id=patient.id,
            subscriber_first_name=patient.first_name,
            subscriber_last_name=patient.last_name,
            subscriber_date_of_birth=patient.date_of_birth,
            subscriber_sex=patient.sex,
        )
    elif data.subscriber_patient_id is not None:
        if data.subscriber_patient_id == patient.id:
            raise ValidationError("a dependent cannot be their own subscriber")
        sub = _get(s, data.subscriber_patient_id)
        fields.update(
            subscriber_first_name=sub.first_name,
            subscriber_last_name=sub.last_name,
            subscriber_date_of_birth=sub.date_of_birth,
            subscriber_sex=sub.sex,
        )
    return fields


def add_policy(store: Store, patient_id: int, data: PolicyIn | dict[str, Any]) -> PolicyOut:
    """Add an insurance policy in its place (1 primary, 2 secondary, 3 tertiary)."""
    data = parse(PolicyIn, data)
    with translate_db_errors("policy"), store.uow() as uow:
        s = uow.session
        patient = _get(s, patient_id)
        fields = _policy_fields(s, patient, data, None)
        policy = InsurancePolicy(patient_id=patient.id, **fields)
        s.add(policy)
        s.flush()
        s.refresh(policy)
        payer = s.get(Payer, data.payer_id)
        uow.audit(
            "create", "policy", policy.id,
            f"rank {data.rank} policy with {payer.name}, member {data.member_id}",
            patient_id=patient.id,
        )  # fmt: skip
        return _policy_out(policy)


def update_policy(store: Store, policy_id: int, data: PolicyIn | dict[str, Any]) -> PolicyOut:
    """Correct a policy (a mistyped member ID, the group number, the dates): audited with
    what changed. Claims already sent keep what they said; the next claim uses the fix."""
    data = parse(PolicyIn, data)
    with translate_db_errors("policy"), store.uow() as uow:
        s = uow.session
        policy = s.get(InsurancePolicy, policy_id)
        if policy is None:
            raise NotFound(f"No policy with id {policy_id}.")
        patient = _get(s, policy.patient_id)
        fields = _policy_fields(s, patient, data, policy.id)
        changed = []
        for key, value in fields.items():
            if getattr(policy, key) != value:
                changed.append(f"{key.replace('_', ' ')} {getattr(policy, key)!s} -> {value!s}")
                setattr(policy, key, value)
        s.flush()
        s.refresh(policy)
        uow.audit(
            "update", "policy", policy.id, "; ".join(changed) or "saved unchanged",
            patient_id=patient.id,
        )  # fmt: skip
        return _policy_out(policy)


def end_policy(store: Store, policy_id: int, last_day: dt.date) -> PolicyOut:
    with translate_db_errors("policy"), store.uow() as uow:
        policy = uow.session.get(InsurancePolicy, policy_id)
        if policy is None:
            raise NotFound(f"No policy with id {policy_id}.")
        if last_day < policy.effective_from:
            raise ValidationError("coverage cannot end before it starts")
        policy.effective_to = last_day
        uow.session.flush()
        uow.audit(
            "update", "policy", policy.id, f"coverage ends {last_day.isoformat()}",
            patient_id=policy.patient_id,
        )  # fmt: skip
        return _policy_out(policy)


def coverage_on(store: Store, patient_id: int, day: dt.date) -> list[PolicyOut]:
    """The patient's policies in force on ``day``, primary first."""
    with store.uow() as uow:
        return coverage_in(uow.session, patient_id, day)


def coverage_in(session: Session, patient_id: int, day: dt.date) -> list[PolicyOut]:
    patient = _get(session, patient_id)
    return [
        _policy_out(p)
        for p in patient.policies
        if p.effective_from <= day and (p.effective_to is None or day <= p.effective_to)
    ]
