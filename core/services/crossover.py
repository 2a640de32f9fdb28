"""Billing the next payer (secondary, tertiary) once the prior payer's 835 has posted.

When an 835 settles a claim whose patient has a next policy in force on the date of service,
posting keeps the patient's share (deductible, coinsurance, copay) on the insurance side with
the memo ``settlement.HELD_FOR_NEXT`` instead of moving it to the patient. That visit is then
**due** for the next payer's claim: :func:`next_payers_due` lists them, :func:`bill_next_payers`
builds each claim with ``claims.build_claim(payer_rank=rank + 1)``, which takes over what the
prior payer left, line by line, and scrubs it (ready, or edits like any other claim). The
837 then carries the prior payer's adjudication (2320/2430) read from its 835.

``exchange sync`` bills the next payers of the claims its 835s settled, so the unattended loop
goes on to the secondary; the Claims stage and ``claimdesk claims bill-next`` do it by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select

from core.errors import ClaimDeskError
from core.schemas import Frozen
from core.services import claims
from core.services.settlement import HELD_FOR_NEXT
from core.store import Store
from core.workflow import ClaimStatus
from db.models import Claim, LedgerEntry, Patient, Payer

# A claim settled in one of these, with the patient's share kept for the next payer.
_SETTLED = (ClaimStatus.PAID.value, ClaimStatus.PARTIALLY_PAID.value)
# A claim in one of these no longer bills its visit: the rank is free again.
_GONE = (ClaimStatus.VOID.value, ClaimStatus.CORRECTED.value)


class NextPayerDue(Frozen):
    """A visit whose next payer is still to be billed."""

    claim_id: int  # the prior payer's claim
    patient_control_number: str
    encounter_id: int
    patient_name: str
    payer_code: str  # the prior payer
    next_rank: int
    held_cents: int  # what waits on the insurance side for the next payer


class NextPayerBilled(Frozen):
    built: tuple[str, ...] = ()  # control numbers of the claims built
    problems: tuple[str, ...] = ()  # one sentence per visit that could not be billed


def next_payers_due(store: Store, claim_ids: Sequence[int] | None = None) -> list[NextPayerDue]:
    """Visits whose claim is settled with money held for the next payer and no claim for that
    payer yet (oldest claim first). ``claim_ids`` narrows the search to those claims."""
    E = LedgerEntry
    with store.uow() as uow:
        s = uow.session
        held = select(E.claim_id).where(E.memo == HELD_FOR_NEXT, E.amount_cents > 0)
        if claim_ids is not None:
            if not claim_ids:
                return []
            held = held.where(E.claim_id.in_(list(claim_ids)))
        left = (
            select(E.claim_id, func.sum(E.amount_cents).label("cents"))
            .where(E.responsibility == "insurance", E.claim_id.in_(held))
            .group_by(E.claim_id)
            .subquery()
        )
        rows = s.execute(
            select(Claim.id, Claim.patient_control_number, Claim.encounter_id, Claim.payer_rank,
                   Patient.last_name, Patient.first_name, Payer.payer_code, left.c.cents)
            .join(left, left.c.claim_id == Claim.id)
            .join(Patient, Patient.id == Claim.patient_id)
            .join(Payer, Payer.id == Claim.payer_id)
            .where(Claim.status.in_(_SETTLED), left.c.cents > 0)
            .order_by(Claim.id)
        ).all()  # fmt: skip
        if not rows:
            return []
        billed = set(s.execute(
            select(Claim.encounter_id, Claim.payer_rank).where(
                Claim.encounter_id.in_({r.encounter_id for r in rows}),
                Claim.status.not_in(_GONE))).all())  # fmt: skip
    return [
        NextPayerDue(
            claim_id=r.id,
            patient_control_number=r.patient_control_number,
            encounter_id=r.encounter_id,
            patient_name=f"{r.last_name}, {r.first_name}",
            payer_code=r.payer_code,
            next_rank=r.payer_rank + 1,
            held_cents=int(r.cents),
        )  # fmt: skip
        for r in rows
        if (r.encounter_id, r.payer_rank + 1) not in billed
    ]


def bill_next_payers(
    store: Store, claim_ids: Sequence[int] | None = None, *, today: dt.date | None = None
) -> NextPayerBilled:
    """Build the next payer's claim for every visit due (or only for ``claim_ids``). Each is
    built and scrubbed in its own transaction: one that cannot be built is reported in
    ``problems`` with the reason and the others go on."""
    built, problems = [], []
    for due in next_payers_due(store, claim_ids):
        try:
            claim = claims.build_claim(store, due.encounter_id, payer_rank=due.next_rank,
                                       today=today)  # fmt: skip
        except ClaimDeskError as exc:
            problems.append(f"{due.patient_control_number} ({due.patient_name}): the next "
                            f"payer's claim was not built: {exc}")  # fmt: skip
            continue
        built.append(claim.claim.patient_control_number)
    return NextPayerBilled(built=tuple(built), problems=tuple(problems))
