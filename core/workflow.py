"""The claim state machine: the one place that says how a claim may move.

Every change of status goes through :func:`transition`, which checks the move against
``TRANSITIONS`` and returns the event to record (who, when, from, to, why). Services persist the
event in the same transaction as the status change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from core.errors import IllegalTransition, ValidationError


class ClaimStatus(StrEnum):
    DRAFT = "draft"  # built from a coded encounter, not yet scrubbed
    EDITS = "edits"  # the scrubber found errors that block submission
    READY = "ready"  # scrubbed clean (or warnings overridden): can be batched
    BATCHED = "batched"  # inside an 837 file waiting in the outbox
    SUBMITTED = "submitted"  # the file left for the clearinghouse
    ACCEPTED = "accepted"  # 999/277CA accepted it into adjudication
    REJECTED = "rejected"  # 999 or 277CA rejected it: fix and send again
    PENDING = "pending"  # the payer reports it pending / under review
    DENIED = "denied"  # adjudicated with no payment
    PARTIALLY_PAID = "partially_paid"  # paid less than expected; follow-up or appeal
    PAID = "paid"  # the payer's part is settled
    APPEALED = "appealed"  # an appeal is with the payer
    CORRECTED = "corrected"  # replaced by a corrected claim (frequency 7)
    VOID = "void"  # cancelled (never sent, or voided with frequency 8)
    CLOSED = "closed"  # nothing left to do on the insurance side


S = ClaimStatus

TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    S.DRAFT: frozenset({S.EDITS, S.READY, S.VOID}),
    S.EDITS: frozenset({S.DRAFT, S.READY, S.VOID}),
    S.READY: frozenset({S.DRAFT, S.EDITS, S.BATCHED, S.VOID}),
    S.BATCHED: frozenset({S.READY, S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED}),
    # A void (frequency 8) the payer confirmed by reversing its payment: the original is void
    # (its charges come off) and the void claim itself is closed (nothing to pay on it).
    S.ACCEPTED: frozenset(
        {S.REJECTED, S.PENDING, S.DENIED, S.PARTIALLY_PAID, S.PAID, S.VOID, S.CLOSED}
    ),
    S.PENDING: frozenset({S.REJECTED, S.DENIED, S.PARTIALLY_PAID, S.PAID}),
    S.REJECTED: frozenset({S.DRAFT, S.VOID}),
    S.DENIED: frozenset({S.APPEALED, S.CORRECTED, S.PARTIALLY_PAID, S.PAID, S.CLOSED}),
    S.PARTIALLY_PAID: frozenset({S.ACCEPTED, S.APPEALED, S.CORRECTED, S.PAID, S.DENIED, S.CLOSED}),
    # A payment can be reversed (835 CLP02 22): the claim goes back to waiting for adjudication.
    S.PAID: frozenset({S.ACCEPTED, S.PARTIALLY_PAID, S.CORRECTED, S.CLOSED}),
    S.APPEALED: frozenset({S.DENIED, S.PARTIALLY_PAID, S.PAID, S.CLOSED}),
    S.CORRECTED: frozenset(),
    S.VOID: frozenset(),
    # A late recoupment or refund request reopens a closed claim.
    S.CLOSED: frozenset({S.PARTIALLY_PAID, S.ACCEPTED}),
}

FINAL_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)

# Statuses from which the claim sits with the payer and the biller waits for an answer.
WITH_PAYER = frozenset({S.SUBMITTED, S.ACCEPTED, S.PENDING, S.APPEALED})

DESCRIPTIONS: dict[ClaimStatus, str] = {
    S.DRAFT: "Built from the coded visit; not yet checked.",
    S.EDITS: "The scrubber found errors; fix them before the claim can go out.",
    S.READY: "Checked and clean; waiting to be put in a batch.",
    S.BATCHED: "In an 837 file in the outbox, about to be sent.",
    S.SUBMITTED: "Sent to the clearinghouse; waiting for the 999 and 277CA.",
    S.ACCEPTED: "The payer took it into adjudication; waiting for payment.",
    S.REJECTED: "Sent back before adjudication; correct it and send it again.",
    S.PENDING: "The payer is still working on it.",
    S.DENIED: "Adjudicated with no payment; appeal, correct, or write off.",
    S.PARTIALLY_PAID: "Paid less than billed and expected; review the remittance.",
    S.PAID: "The payer's part is settled.",
    S.APPEALED: "An appeal is with the payer.",
    S.CORRECTED: "Replaced by a corrected claim.",
    S.VOID: "Cancelled.",
    S.CLOSED: "Nothing left to do on the insurance side.",
}


@dataclass(frozen=True, slots=True)
class TransitionEvent:
    """What :func:`transition` decided: persisted as a claim event."""

    from_status: ClaimStatus | None
    to_status: ClaimStatus
    actor: str
    at: dt.datetime
    reason: str


def parse_status(value: str) -> ClaimStatus:
    try:
        return ClaimStatus(value.strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in ClaimStatus)
        raise ValidationError(f"unknown claim status {value!r}; use one of: {names}") from None


def allowed_targets(current: ClaimStatus | str) -> list[ClaimStatus]:
    return sorted(TRANSITIONS[ClaimStatus(current)], key=list(ClaimStatus).index)


def can_transition(current: ClaimStatus | str, target: ClaimStatus | str) -> bool:
    return ClaimStatus(target) in TRANSITIONS[ClaimStatus(current)]


def transition(
    current: ClaimStatus | str,
    target: ClaimStatus | str,
    *,
    actor: str,
    reason: str,
    claim_ref: str = "",
    now: dt.datetime | None = None,
) -> TransitionEvent:
    """Check the move from ``current`` to ``target`` and return the event that records it.

    Raises IllegalTransition for a move the table does not allow, ValidationError when the
    actor or the reason is missing.
    """
    cur = parse_status(str(current))
    tgt = parse_status(str(target))
    if not actor or not actor.strip():
        raise ValidationError("a claim status change needs the user who made it")
    if not reason or not reason.strip():
        raise ValidationError("a claim status change needs a reason")
    if tgt not in TRANSITIONS[cur]:
        raise IllegalTransition(
            claim_ref or "?", cur.value, tgt.value, [s.value for s in allowed_targets(cur)]
        )
    return TransitionEvent(
        from_status=cur,
        to_status=tgt,
        actor=actor.strip(),
        at=now or dt.datetime.now(dt.UTC).replace(tzinfo=None),
        reason=reason.strip(),
    )


def creation_event(actor: str, reason: str, now: dt.datetime | None = None) -> TransitionEvent:
    """The first event of every claim: it is born a draft."""
    if not actor or not actor.strip():
        raise ValidationError("creating a claim needs the user who made it")
    return TransitionEvent(
        from_status=None,
        to_status=ClaimStatus.DRAFT,
        actor=actor.strip(),
        at=now or dt.datetime.now(dt.UTC).replace(tzinfo=None),
        reason=reason.strip() or "claim created",
    )


class EncounterStatus(StrEnum):
    OPEN = "open"  # documented by the provider, waiting for the coder
    QUERY = "query"  # sent back to the coder with a question from the biller
    CODED = "coded"  # coded; waiting for the biller to build the claim
    BILLED = "billed"  # a claim was built from it
    VOID = "void"  # created in error


ENCOUNTER_TRANSITIONS: dict[EncounterStatus, frozenset[EncounterStatus]] = {
    EncounterStatus.OPEN: frozenset({EncounterStatus.CODED, EncounterStatus.VOID}),
    EncounterStatus.QUERY: frozenset({EncounterStatus.CODED, EncounterStatus.VOID}),
    EncounterStatus.CODED: frozenset(
        {EncounterStatus.QUERY, EncounterStatus.BILLED, EncounterStatus.OPEN}
    ),
    # A rejected or corrected claim sends the visit back for recoding.
    EncounterStatus.BILLED: frozenset({EncounterStatus.QUERY, EncounterStatus.CODED}),
    EncounterStatus.VOID: frozenset(),
}


def check_encounter_transition(current: str, target: str) -> EncounterStatus:
    cur, tgt = EncounterStatus(current), EncounterStatus(target)
    if tgt not in ENCOUNTER_TRANSITIONS[cur]:
        allowed = ", ".join(sorted(s.value for s in ENCOUNTER_TRANSITIONS[cur])) or "none"
        raise ValidationError(
            f"an encounter that is {cur.value!r} cannot become {tgt.value!r} (allowed: {allowed})"
        )
    return tgt
