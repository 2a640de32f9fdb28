"""Claims: built from a coded encounter, moved only through the state machine in core.workflow."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ConcurrencyError, NotFound, ValidationError
from core.schemas import ClaimDetail, ClaimEventOut, ClaimLineOut, ClaimOut
from core.services import ledger
from core.services._common import translate_db_errors
from core.services.patients import coverage_in
from core.store import Store
from core.workflow import ClaimStatus, EncounterStatus, creation_event, parse_status, transition
from db.models import Claim, ClaimEvent, ClaimLine, Encounter

PCN_PREFIX = "CD"


def pcn_for(claim_id: int) -> str:
    """Our patient control number (CLM01, at most 20 characters): payers echo it back."""
    return f"{PCN_PREFIX}{claim_id:010d}"


def _get(session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"No claim with id {claim_id}.")
    return claim


def _detail(session: Session, claim: Claim) -> ClaimDetail:
    return ClaimDetail(
        claim=ClaimOut.model_validate(claim),
        lines=tuple(ClaimLineOut.model_validate(line) for line in claim.lines),
        events=tuple(ClaimEventOut.model_validate(e) for e in claim.events),
        money=ledger.claim_money_in(session, [claim.id])[claim.id],
    )


def _record(session: Session, claim: Claim, event) -> None:
    session.add(
        ClaimEvent(
            claim_id=claim.id,
            at=event.at,
            actor=event.actor,
            from_status=event.from_status.value if event.from_status else None,
            to_status=event.to_status.value,
            reason=event.reason,
        )
    )


def build_claim(store: Store, encounter_id: int, *, payer_rank: int = 1) -> ClaimDetail:
    """Build the claim for the payer at ``payer_rank`` from a coded encounter.

    Lines are snapshotted from the encounter, charges post to the ledger, the encounter
    becomes billed, and the claim starts as a draft with its creation event.
    """
    with translate_db_errors("claim"), store.uow() as uow:
        s = uow.session
        encounter = s.get(Encounter, encounter_id)
        if encounter is None:
            raise NotFound(f"No encounter with id {encounter_id}.")
        if payer_rank == 1 and encounter.status != EncounterStatus.CODED.value:
            raise ValidationError(
                f"encounter {encounter_id} is {encounter.status}; only coded visits can be billed"
            )
        if not encounter.lines:
            raise ValidationError(f"encounter {encounter_id} has no service lines to bill")
        policies = [
            p
            for p in coverage_in(s, encounter.patient_id, encounter.date_of_service)
            if p.rank == payer_rank
        ]
        if not policies:
            raise ValidationError(
                f"the patient has no rank {payer_rank} coverage on "
                f"{encounter.date_of_service:%m/%d/%Y}; verify insurance or bill the patient"
            )
        policy = policies[0]
        dx_count = len(encounter.diagnoses)
        claim = Claim(
            encounter_id=encounter.id,
            patient_id=encounter.patient_id,
            policy_id=policy.id,
            payer_id=policy.payer_id,
            payer_rank=payer_rank,
            patient_control_number=f"tmp-{encounter.id}-{payer_rank}",
            frequency_code="1",
            status=ClaimStatus.DRAFT.value,
            total_charge_cents=sum(line.charge_cents for line in encounter.lines),
            created_by=store.actor,
        )
        for n, line in enumerate(encounter.lines, start=1):
            pointers = [
                p for p in (line.pointer1, line.pointer2, line.pointer3, line.pointer4) if p
            ]
            if any(p > dx_count for p in pointers):
                raise ValidationError(f"line {n} points past the {dx_count} coded diagnoses")
            mods = [
                m for m in (line.modifier1, line.modifier2, line.modifier3, line.modifier4) if m
            ]
            claim.lines.append(
                ClaimLine(
                    service_line_id=line.id,
                    line_number=n,
                    date_of_service=encounter.date_of_service,
                    code=line.code,
                    modifiers=":".join(mods),
                    units=line.units,
                    charge_cents=line.charge_cents,
                    pointers=":".join(str(p) for p in pointers),
                )
            )
        s.add(claim)
        s.flush()
        claim.patient_control_number = pcn_for(claim.id)
        _record(s, claim, creation_event(store.actor, f"built from encounter {encounter.id}"))
        if payer_rank == 1:
            ledger.post_claim_charges(s, claim, store.actor, insured=True)
            encounter.status = EncounterStatus.BILLED.value
        else:
            _take_over_from_prior_payer(s, claim, store.actor)
        s.flush()
        uow.audit(
            "create", "claim", claim.id,
            f"claim {claim.patient_control_number} to payer {policy.payer_code}",
            patient_id=claim.patient_id,
        )  # fmt: skip
        s.refresh(claim)
        return _detail(s, claim)


# Statuses of a prior payer's claim after its remittance: the next payer can be billed.
ADJUDICATED = {ClaimStatus.PAID, ClaimStatus.PARTIALLY_PAID, ClaimStatus.CLOSED}


def _take_over_from_prior_payer(session: Session, claim: Claim, actor: str) -> None:
    """A secondary (or tertiary) claim bills what the prior payer left on the insurance side.

    The charges already sit on the ledger under the prior payer's claim; what remains there
    moves line by line onto this claim (a pair of entries sharing one txn), so the account's
    total never changes and each claim still reads charge = paid + adjustments + balance.
    """
    prior = session.scalars(
        select(Claim)
        .where(
            Claim.encounter_id == claim.encounter_id,
            Claim.payer_rank == claim.payer_rank - 1,
            Claim.status.in_([s.value for s in ADJUDICATED]),
        )
        .order_by(Claim.id.desc())
    ).first()
    if prior is None:
        raise ValidationError(
            f"bill the rank {claim.payer_rank} payer after the rank {claim.payer_rank - 1} "
            "payer has paid the visit (its claim is not paid yet)"
        )
    left = ledger.insurance_left_by_line(session, prior.id)
    if sum(left.values()) <= 0:
        raise ValidationError(
            f"claim {prior.patient_control_number} left nothing on the insurance side "
            "for the next payer"
        )
    by_number = {line.line_number: line for line in claim.lines}
    prior_lines = {line.id: line.line_number for line in prior.lines}
    moves = [
        (prior_line_id, by_number[prior_lines[prior_line_id]].id, amount)
        for prior_line_id, amount in sorted(left.items())
        if amount > 0 and prior_lines.get(prior_line_id) in by_number
    ]
    ledger.move_to_next_payer(session, prior, claim, moves, actor)


def transition_claim(
    store: Store,
    claim_id: int,
    target: str | ClaimStatus,
    reason: str,
    *,
    expected_version: int | None = None,
) -> ClaimOut:
    """Move a claim to ``target`` through the state machine, recording who, when and why.

    ``expected_version`` is the version the user saw: if someone changed the claim since,
    ConcurrencyError is raised and nothing is written.
    """
    target_status = parse_status(str(target))
    with translate_db_errors("claim"), store.uow() as uow:
        s = uow.session
        claim = _get(s, claim_id)
        if expected_version is not None and claim.version != expected_version:
            raise ConcurrencyError(
                f"Claim {claim.patient_control_number} was changed by someone else "
                f"(version {claim.version}, you saw {expected_version}); reload it."
            )
        event = transition(
            claim.status,
            target_status,
            actor=store.actor,
            reason=reason,
            claim_ref=claim.patient_control_number,
        )
        claim.status = event.to_status.value
        _record(s, claim, event)
        s.flush()
        uow.audit(
            "transition", "claim", claim.id,
            f"{event.from_status} -> {event.to_status}: {event.reason}",
            patient_id=claim.patient_id,
        )  # fmt: skip
        return ClaimOut.model_validate(claim)


def get_claim(store: Store, claim_id: int) -> ClaimDetail:
    with store.uow() as uow:
        return _detail(uow.session, _get(uow.session, claim_id))


def find_claim(store: Store, patient_control_number: str) -> ClaimDetail:
    with store.uow() as uow:
        claim = uow.session.scalars(
            select(Claim).where(Claim.patient_control_number == patient_control_number.strip())
        ).first()
        if claim is None:
            raise NotFound(f"No claim with patient control number {patient_control_number!r}.")
        return _detail(uow.session, claim)


def list_claims(
    store: Store, *, status: str | None = None, limit: int = 500, after_id: int = 0
) -> list[ClaimOut]:
    """Claims in id order, a keyset page at a time (``after_id`` = the last id already shown)."""
    with store.uow() as uow:
        query = select(Claim).where(Claim.id > after_id).order_by(Claim.id).limit(limit)
        if status:
            query = query.where(Claim.status == parse_status(status).value)
        return [ClaimOut.model_validate(c) for c in uow.session.scalars(query)]


def count_by_status(store: Store) -> dict[str, int]:
    with store.uow() as uow:
        rows = uow.session.execute(select(Claim.status, func.count()).group_by(Claim.status)).all()
        counts = {s.value: 0 for s in ClaimStatus}
        counts.update({status: int(n) for status, n in rows})
        return counts
