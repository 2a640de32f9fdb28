"""The rejection inbox: every claim that came back, whatever said no, in one list.

Three sources merge here: our own scrubber (claims in ``edits``: errors, or warnings nobody has
overridden yet), 999 errors (a whole transaction set refused) and 277CA rejections (one claim
refused by the clearinghouse or the payer's front end). Each item carries the reason in plain
words and a fix hint. Working an item is one action: ``correct`` takes the claim back to draft,
refreshes it from the visit and the patient's current coverage, and scrubs it again; then it
is batched like any ready claim (a rejected claim goes out again as a new original, under a
new patient control number).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ConcurrencyError, ValidationError
from core.schemas import ClaimOut, Frozen
from core.services.claims import _get, _record, scrub_and_route
from core.services.patients import coverage_in
from core.store import Store
from core.workflow import ClaimStatus, transition
from db.models import (
    Claim,
    ClaimFinding,
    ClaimOverride,
    ClaimRejection,
    Encounter,
    Patient,
    Payer,
    utcnow,
)


class InboxItem(Frozen):
    claim_id: int
    patient_control_number: str
    patient_id: int
    patient_name: str
    payer_code: str
    status: str
    source: str  # edits, 999, 277CA, 277
    code: str
    severity: str  # error, warning
    message: str
    fix_hint: str
    since: dt.datetime
    charge_cents: int
    version: int
    rejection_id: int | None = None
    line_number: int = 0

    @property
    def where_to_fix(self) -> str:
        """Which record a biller opens to fix this: policy, patient, coding or claim."""
        text = f"{self.code} {self.message}".lower()
        if any(w in text for w in ("member", "subscriber", "insured", "coverage", "payer id",
                                   "eligib", "policy")):  # fmt: skip
            return "policy"
        if any(w in text for w in ("birth", "dob", "address", "zip", "sex", "patient name")):
            return "patient"
        if any(w in text for w in ("diagnos", "icd", "modifier", "pointer", "procedure",
                                   "units", "cpt", "hcpcs", "ncci", "mue", "e/m")):  # fmt: skip
            return "coding"
        return "claim"


def inbox(store: Store, *, limit: int = 1000) -> list[InboxItem]:
    """Open rejections and scrubber findings that block a claim, newest first."""
    with store.uow() as uow:
        s = uow.session
        items: list[InboxItem] = []
        rows = s.execute(
            select(ClaimRejection, Claim, Patient, Payer)
            .join(Claim, Claim.id == ClaimRejection.claim_id)
            .join(Patient, Patient.id == Claim.patient_id)
            .join(Payer, Payer.id == Claim.payer_id)
            .where(
                ClaimRejection.resolved_at.is_(None), Claim.status == ClaimStatus.REJECTED.value
            )  # fmt: skip
            .order_by(ClaimRejection.received_at.desc(), ClaimRejection.id.desc())
            .limit(limit)
        ).all()
        for rej, claim, patient, payer in rows:
            items.append(_item(claim, patient, payer, source=rej.source, code=rej.code,
                               severity="error", message=rej.message, fix_hint=rej.fix_hint,
                               since=rej.received_at, rejection_id=rej.id))  # fmt: skip
        overridden = {
            (c, r, n)
            for c, r, n in s.execute(
                select(ClaimOverride.claim_id, ClaimOverride.rule_id, ClaimOverride.line_number)
                .join(Claim, Claim.id == ClaimOverride.claim_id)
                .where(Claim.status == ClaimStatus.EDITS.value)
            )
        }
        rows = s.execute(
            select(ClaimFinding, Claim, Patient, Payer)
            .join(Claim, Claim.id == ClaimFinding.claim_id)
            .join(Patient, Patient.id == Claim.patient_id)
            .join(Payer, Payer.id == Claim.payer_id)
            .where(Claim.status == ClaimStatus.EDITS.value)
            .order_by(ClaimFinding.found_at.desc(), ClaimFinding.id)
            .limit(limit)
        ).all()
        for f, claim, patient, payer in rows:
            if f.severity != "error" and (claim.id, f.rule_id, f.line_number) in overridden:
                continue
            items.append(_item(claim, patient, payer, source="edits", code=f.rule_id,
                               severity=f.severity, message=f.message, fix_hint=f.fix_hint,
                               since=f.found_at, line_number=f.line_number))  # fmt: skip
        items.sort(key=lambda i: (i.since, i.claim_id), reverse=True)
        return items[:limit]


def _item(claim: Claim, patient: Patient, payer: Payer, **kw) -> InboxItem:
    return InboxItem(
        claim_id=claim.id,
        patient_control_number=claim.patient_control_number,
        patient_id=patient.id,
        patient_name=f"{patient.last_name}, {patient.first_name}",
        payer_code=payer.payer_code,
        status=claim.status,
        charge_cents=claim.total_charge_cents,
        version=claim.version,
        **kw,
    )


def refresh_from_visit(session: Session, claim: Claim) -> list[str]:
    """Bring a claim back in line with its visit and the patient's coverage; say what changed.

    Codes, modifiers, units and pointers follow the visit's coding. Charges cannot change here:
    they are on the ledger; a visit whose charges changed needs the claim voided and rebuilt.
    """
    changes: list[str] = []
    encounter = session.get(Encounter, claim.encounter_id)
    if encounter is None:  # pragma: no cover - foreign key
        return changes
    by_seq = {n: line for n, line in enumerate(encounter.lines, start=1)}
    if len(by_seq) != len(claim.lines):
        raise ValidationError(
            f"the visit now has {len(by_seq)} lines and the claim {len(claim.lines)}; "
            "void this claim and bill the visit again"
        )
    for line in claim.lines:
        src = by_seq[line.line_number]
        if src.charge_cents != line.charge_cents:
            raise ValidationError(
                f"line {line.line_number}'s charge changed on the visit; void this claim and "
                "bill the visit again (charges are on the ledger)"
            )
        mods = ":".join(m for m in (src.modifier1, src.modifier2, src.modifier3,
                                    src.modifier4) if m)  # fmt: skip
        ptrs = ":".join(str(p) for p in (src.pointer1, src.pointer2, src.pointer3,
                                         src.pointer4) if p)  # fmt: skip
        new = (src.code, mods, src.units, ptrs)
        old = (line.code, line.modifiers, line.units, line.pointers)
        if new != old:
            line.code, line.modifiers, line.units, line.pointers = new
            changes.append(f"line {line.line_number} now {src.code} {mods}".rstrip())
    policies = [p for p in coverage_in(session, claim.patient_id, encounter.date_of_service)
                if p.rank == claim.payer_rank]  # fmt: skip
    if policies and policies[0].id != claim.policy_id:
        claim.policy_id, claim.payer_id = policies[0].id, policies[0].payer_id
        changes.append(f"billed to the patient's current rank {claim.payer_rank} policy")
    return changes


def correct(
    store: Store, claim_id: int, *, note: str = "", expected_version: int | None = None,
    today: dt.date | None = None,
) -> ClaimOut:  # fmt: skip
    """Work a rejected (or edits) claim: back to draft, refreshed, scrubbed again."""
    with store.uow() as uow:
        s = uow.session
        claim = _get(s, claim_id)
        if expected_version is not None and claim.version != expected_version:
            raise ConcurrencyError(
                f"Claim {claim.patient_control_number} was changed by someone else; reload it."
            )
        if claim.status not in (ClaimStatus.REJECTED.value, ClaimStatus.EDITS.value,
                                ClaimStatus.DRAFT.value, ClaimStatus.READY.value):  # fmt: skip
            raise ValidationError(
                f"claim {claim.patient_control_number} is {claim.status}; only rejected or "
                "unsent claims are corrected here (a paid or denied claim gets a corrected "
                "claim, frequency 7)"
            )
        changes = refresh_from_visit(s, claim)
        why = "; ".join(filter(None, [note.strip(), *changes])) or "corrected for resubmission"
        if claim.status == ClaimStatus.REJECTED.value:
            event = transition(claim.status, ClaimStatus.DRAFT, actor=store.actor, reason=why,
                               claim_ref=claim.patient_control_number)  # fmt: skip
            claim.status = event.to_status.value
            _record(s, claim, event)
            for rej in s.scalars(select(ClaimRejection).where(
                    ClaimRejection.claim_id == claim.id, ClaimRejection.resolved_at.is_(None))):  # fmt: skip
                rej.resolved_at, rej.resolved_by, rej.resolution = utcnow(), store.actor, why
        s.flush()
        scrub_and_route(s, [claim.id], actor=store.actor, today=today or dt.date.today())
        uow.audit("correct", "claim", claim.id, why, patient_id=claim.patient_id)
        s.flush()
        return ClaimOut.model_validate(claim)
