"""One search box for everything: patients, visits and claims (the command palette uses it)."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.schemas import Frozen
from core.services import patients
from core.store import Store
from db.models import Claim, Encounter, Patient


class Found(Frozen):
    kind: str  # patient, encounter, claim
    record_id: int
    patient_id: int
    title: str
    detail: str


def _patient_title(p: Patient) -> str:
    return f"{p.last_name}, {p.first_name}"


def find_anything(store: Store, text: str, *, limit: int = 10) -> list[Found]:
    """Patients by name, date of birth, account or member ID; claims by claim number;
    visits and claims by their number ("123", "#123"); a found patient's latest visit too."""
    query = text.strip()
    if len(query) < 2:
        return []
    found: list[Found] = []
    with store.uow() as uow:
        s = uow.session
        number = re.fullmatch(r"#?(\d{1,9})", query)
        if number:
            n = int(number.group(1))
            enc = s.get(Encounter, n)
            if enc is not None:
                found.append(Found(kind="encounter", record_id=enc.id, patient_id=enc.patient_id,
                                   title=f"Visit {enc.id}: {_patient_title(enc.patient)}",
                                   detail=f"{enc.date_of_service:%m/%d/%Y} · {enc.status}"))  # fmt: skip
            claim = s.get(Claim, n)
            if claim is not None:
                found.append(_claim_found(claim))
        if re.fullmatch(r"[A-Za-z]{2}\d{3,}", query):
            rows = s.scalars(
                select(Claim)
                .where(Claim.patient_control_number >= query.upper())
                .where(Claim.patient_control_number < query.upper() + "\uffff")
                .order_by(Claim.patient_control_number)
                .limit(limit)
            )
            found.extend(_claim_found(c) for c in rows)
    if len(found) < limit:
        for p in patients.search_patients(store, query, limit=limit - len(found)):
            found.append(
                Found(kind="patient", record_id=p.id, patient_id=p.id,
                      title=f"{p.last_name}, {p.first_name}",
                      detail=f"born {p.date_of_birth:%m/%d/%Y} · account {p.account_number}")
            )  # fmt: skip
    with store.uow() as uow:
        extra = []
        for f in [f for f in found if f.kind == "patient"][:3]:
            enc = uow.session.scalars(
                select(Encounter)
                .where(Encounter.patient_id == f.patient_id)
                .order_by(Encounter.date_of_service.desc(), Encounter.id.desc())
                .limit(1)
            ).first()
            if enc is not None:
                extra.append(Found(kind="encounter", record_id=enc.id, patient_id=enc.patient_id,
                                   title=f"Latest visit of {f.title}",
                                   detail=f"{enc.date_of_service:%m/%d/%Y} · {enc.status}"))  # fmt: skip
    return (found + extra)[: limit + 3]


def _claim_found(claim: Claim) -> Found:
    return Found(
        kind="claim", record_id=claim.id, patient_id=claim.patient_id,
        title=f"Claim {claim.patient_control_number}: {_patient_title(claim.patient)}",
        detail=f"{claim.status} · payer {claim.payer.name}",
    )  # fmt: skip
