"""Where a claim stands after money moved on it: one rule for 835 posting and manual posting.

After insurance payments or adjustments post to a claim (inside the caller's transaction):

- the payer denied it (an 835 CLP02 4, or a paper EOB marked denied) and it paid nothing:
  ``denied``;
- nothing is left on the insurance side: ``paid``;
- something was paid but a balance is left with the payer: ``partially_paid``;
- a reversal took the payment back and nothing else is paid: back to ``accepted`` (waiting for
  the corrected adjudication).

A claim still ``submitted`` (its 277CA never came) first moves to ``accepted``: an 835 is proof
the payer took it in. Every move goes through ``core.workflow`` and leaves its event.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.workflow import TRANSITIONS, ClaimStatus, transition
from db.models import Claim, ClaimEvent, LedgerEntry

# Adjustment reasons that are the contract working as agreed: written off as they post (835 or
# paper EOB). Any other CO, OA, PI or CR amount is a denial or a reduction to work: it is
# recorded and stays on the insurance side (the denial queue shows it) until a biller appeals,
# corrects, writes it off or moves it to the patient. 45 charge over the fee schedule, 253
# sequestration, 42/59/94/104/131/144/172/237 pricing and multiple-procedure rules, B10 and
# P24 pricing reductions, 23 the impact of a prior payer's adjudication.
CONTRACTUAL = frozenset({"45", "253", "42", "59", "94", "104", "131", "144", "172", "237", "B10",
                         "P24", "23"})  # fmt: skip


# The memo of the insurance-side half of a PR transfer an 835 kept for the next payer
# (secondary, tertiary) instead of moving it to the patient: claims.next_payers_due finds the
# visits whose next payer is still to be billed by it.
HELD_FOR_NEXT = "held for the next payer"


def insurance_side(session: Session, claim_id: int) -> tuple[int, int]:
    """(insurance balance, insurance payments so far) of a claim, in cents (payments >= 0)."""
    E = LedgerEntry
    balance, paid = session.execute(
        select(
            func.coalesce(func.sum(E.amount_cents), 0),
            func.coalesce(func.sum(case((E.kind == "payment", E.amount_cents), else_=0)), 0),
        ).where(E.claim_id == claim_id, E.responsibility == "insurance")
    ).one()
    return int(balance), -int(paid)


def _move(session: Session, claim: Claim, target: ClaimStatus, actor: str, reason: str) -> None:
    if claim.status == target.value:
        return
    event = transition(claim.status, target, actor=actor, reason=reason,
                       claim_ref=claim.patient_control_number)  # fmt: skip
    claim.status = event.to_status.value
    session.add(ClaimEvent(claim_id=claim.id, at=event.at, actor=event.actor,
                           from_status=event.from_status.value if event.from_status else None,
                           to_status=event.to_status.value, reason=event.reason))  # fmt: skip


def target_status(balance: int, paid: int, *, denied: bool, reversed_all: bool) -> ClaimStatus:
    if reversed_all:
        return ClaimStatus.ACCEPTED
    if denied and paid <= 0:
        return ClaimStatus.DENIED
    if balance <= 0:
        return ClaimStatus.PAID
    if paid > 0:
        return ClaimStatus.PARTIALLY_PAID
    return ClaimStatus.DENIED if denied else ClaimStatus.ACCEPTED


def settle(
    session: Session, claim: Claim, actor: str, reason: str, *, denied: bool = False,
    reversed_all: bool = False,
) -> ClaimStatus:  # fmt: skip
    """Move ``claim`` to where its money says it stands (see the module docstring)."""
    session.flush()
    balance, paid = insurance_side(session, claim.id)
    target = target_status(balance, paid, denied=denied, reversed_all=reversed_all)
    current = ClaimStatus(claim.status)
    if current == ClaimStatus.SUBMITTED and target != ClaimStatus.ACCEPTED:
        _move(session, claim, ClaimStatus.ACCEPTED, actor, "the payer adjudicated it (835)")
        current = ClaimStatus.ACCEPTED
    if current == target:
        return target
    if target in TRANSITIONS[current]:
        _move(session, claim, target, actor, reason)
    elif current in (ClaimStatus.PAID, ClaimStatus.CLOSED) and target == ClaimStatus.DENIED:
        # A paid claim taken back in full and denied: through partially paid (the table's way).
        _move(session, claim, ClaimStatus.PARTIALLY_PAID, actor, reason)
        _move(session, claim, ClaimStatus.DENIED, actor, reason)
    return ClaimStatus(claim.status)
