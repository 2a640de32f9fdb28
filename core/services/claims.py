"""Claims: built from a coded encounter, moved only through the state machine in core.workflow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ConcurrencyError, NotFound, ValidationError
from core.schemas import (
    ClaimDetail,
    ClaimEventOut,
    ClaimLineOut,
    ClaimNoteOut,
    ClaimOut,
    ClaimRow,
    TimelineItem,
)
from core.services import ledger
from core.services._common import translate_db_errors
from core.services.patients import coverage_in
from core.store import Store
from core.workflow import ClaimStatus, EncounterStatus, creation_event, parse_status, transition
from db.models import (
    Claim,
    ClaimEvent,
    ClaimFinding,
    ClaimLine,
    ClaimNote,
    ClaimOverride,
    ClaimRejection,
    Encounter,
    Patient,
    Payer,
    X12File,
    X12FileClaim,
)

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


def build_claim(
    store: Store, encounter_id: int, *, payer_rank: int = 1, today: dt.date | None = None
) -> ClaimDetail:
    """Build the claim for the payer at ``payer_rank`` from a coded encounter.

    Lines are snapshotted from the encounter, charges post to the ledger, the encounter
    becomes billed, and the claim starts as a draft with its creation event. Then it is
    scrubbed (claims scrub on save): ready when nothing blocks it, else edits.
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
        scrub_and_route(s, [claim.id], actor=store.actor, today=today or dt.date.today())
        uow.audit(
            "create", "claim", claim.id,
            f"claim {claim.patient_control_number} to payer {policy.payer_code}",
            patient_id=claim.patient_id,
        )  # fmt: skip
        s.refresh(claim)
        return _detail(s, claim)


UNSENT = (ClaimStatus.DRAFT.value, ClaimStatus.EDITS.value, ClaimStatus.READY.value)


def scrub_and_route(
    session: Session, claim_ids: Sequence[int], *, actor: str, today: dt.date
) -> dict[int, list]:
    """Scrub unsent claims in the caller's transaction and move each to ``ready`` or ``edits``.

    Errors, and warnings nobody has overridden, keep a claim in edits (it cannot be batched);
    the event says why. Returns the findings per claim (overrides marked).
    """
    from core.edits import blocking
    from core.services.scrub import scrub_claims

    ids = list(
        session.scalars(
            select(Claim.id).where(Claim.id.in_(list(claim_ids)), Claim.status.in_(UNSENT))
        )  # fmt: skip
    )
    if not ids:
        return {}
    results = scrub_claims(session, ids, actor=actor, today=today)
    for cid, findings in results.items():
        claim = session.get(Claim, cid)
        assert claim is not None
        blocked = blocking(findings)
        target = ClaimStatus.EDITS if blocked else ClaimStatus.READY
        if claim.status == target.value:
            continue
        if blocked:
            errors = sum(1 for f in blocked if f.severity == "error")
            reason = (f"scrubber: {errors} error(s), {len(blocked) - errors} warning(s) to "
                      f"clear; first: {blocked[0].message}")  # fmt: skip
        else:
            reason = "scrubber: no errors" + (
                f", {len(findings)} warning(s) overridden" if findings else ""
            )
        event = transition(claim.status, target, actor=actor, reason=reason[:500],
                           claim_ref=claim.patient_control_number)  # fmt: skip
        claim.status = event.to_status.value
        _record(session, claim, event)
    session.flush()
    return results


def scrub(
    store: Store, claim_ids: Sequence[int], *, today: dt.date | None = None
) -> dict[int, list]:
    """Scrub claims again (after a fix elsewhere, or an override) and route them."""
    with store.uow() as uow:
        return scrub_and_route(uow.session, claim_ids, actor=store.actor,
                               today=today or dt.date.today())  # fmt: skip


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


# -- the claims queue --------------------------------------------------------------------------
def _blocking_by_claim(
    session: Session, claim_ids: Sequence[int]
) -> dict[int, tuple[int, int, str | None]]:
    """(errors, warnings not overridden, first blocking message) per claim, from stored findings."""
    if not claim_ids:
        return {}
    overridden = {
        (cid, rule, line)
        for cid, rule, line in session.execute(
            select(ClaimOverride.claim_id, ClaimOverride.rule_id, ClaimOverride.line_number).where(
                ClaimOverride.claim_id.in_(claim_ids)
            )
        )
    }
    out: dict[int, list] = {}
    rows = session.execute(
        select(
            ClaimFinding.claim_id,
            ClaimFinding.rule_id,
            ClaimFinding.line_number,
            ClaimFinding.severity,
            ClaimFinding.message,
        )
        .where(ClaimFinding.claim_id.in_(claim_ids))
        .order_by(ClaimFinding.claim_id, ClaimFinding.id)
    )
    for cid, rule, line, severity, message in rows:
        entry = out.setdefault(cid, [0, 0, None, None])
        if severity == "error":
            entry[0] += 1
            entry[2] = entry[2] or message
        elif (cid, rule, line) not in overridden:
            entry[1] += 1
            entry[3] = entry[3] or message
    return {
        cid: (e, w, first_err or first_warn) for cid, (e, w, first_err, first_warn) in out.items()
    }


def claim_rows(
    store: Store,
    *,
    status: str | Sequence[str] | None = None,
    payer_code: str | None = None,
    claim_ids: Sequence[int] | None = None,
    limit: int = 500,
    after_id: int = 0,
) -> list[ClaimRow]:
    """The claims queue: a keyset page of claims with their money and what blocks them."""
    with store.uow() as uow:
        s = uow.session
        query = (
            select(Claim, Patient, Payer)
            .join(Patient, Patient.id == Claim.patient_id)
            .join(Payer, Payer.id == Claim.payer_id)
            .where(Claim.id > after_id)
            .order_by(Claim.id)
            .limit(limit)
        )
        if status:
            wanted = [status] if isinstance(status, str) else list(status)
            query = query.where(Claim.status.in_([parse_status(w).value for w in wanted]))
        if payer_code:
            query = query.where(Payer.payer_code == payer_code.strip().upper())
        if claim_ids is not None:
            query = query.where(Claim.id.in_(list(claim_ids)))
        found = s.execute(query).all()
        ids = [c.id for c, _, _ in found]
        money = ledger.claim_money_in(s, ids)
        blocking = _blocking_by_claim(s, ids)
        first_dos = dict(
            s.execute(
                select(ClaimLine.claim_id, func.min(ClaimLine.date_of_service))
                .where(ClaimLine.claim_id.in_(ids))
                .group_by(ClaimLine.claim_id)
            ).all()
        )
        rows = []
        for claim, patient, payer in found:
            m = money[claim.id]
            errors, warnings, first = blocking.get(claim.id, (0, 0, None))
            rows.append(
                ClaimRow(
                    id=claim.id,
                    patient_control_number=claim.patient_control_number,
                    patient_id=patient.id,
                    patient_name=f"{patient.last_name}, {patient.first_name}",
                    account_number=patient.account_number,
                    payer_code=payer.payer_code,
                    payer_name=payer.name,
                    payer_rank=claim.payer_rank,
                    status=claim.status,
                    frequency_code=claim.frequency_code,
                    date_of_service=first_dos.get(claim.id) or claim.created_at.date(),
                    created_at=claim.created_at,
                    charge_cents=m.charge_cents or claim.total_charge_cents,
                    paid_cents=m.paid_cents,
                    adjustment_cents=m.adjustment_cents,
                    patient_responsibility_cents=m.patient_responsibility_cents,
                    balance_cents=m.balance_cents,
                    errors=errors,
                    warnings=warnings,
                    first_problem=first,
                    version=claim.version,
                )
            )
        return rows


# -- notes and the timeline --------------------------------------------------------------------
NOTE_KINDS = ("note", "call")


def add_note(
    store: Store,
    claim_id: int,
    text: str,
    *,
    kind: str = "note",
    contact: str | None = None,
    reference: str | None = None,
    follow_up_on: dt.date | None = None,
) -> ClaimNoteOut:
    """Log a note or a call to the payer on a claim (who you spoke with, their reference)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("write what happened: the note is empty")
    if kind not in NOTE_KINDS:
        raise ValidationError(f"a note is one of {', '.join(NOTE_KINDS)}, not {kind!r}")
    if kind == "call" and not (contact or "").strip():
        raise ValidationError("for a call, note who you spoke with (name or department)")
    with translate_db_errors("claim note"), store.uow() as uow:
        claim = _get(uow.session, claim_id)
        note = ClaimNote(
            claim_id=claim.id,
            actor=store.actor,
            kind=kind,
            text=text,
            contact=(contact or "").strip() or None,
            reference=(reference or "").strip() or None,
            follow_up_on=follow_up_on,
        )
        uow.session.add(note)
        uow.session.flush()
        uow.audit(
            "note", "claim", claim.id, f"{kind} on {claim.patient_control_number}",
            patient_id=claim.patient_id,
        )  # fmt: skip
        return ClaimNoteOut.model_validate(note)


def notes(store: Store, claim_id: int) -> list[ClaimNoteOut]:
    with store.uow() as uow:
        _get(uow.session, claim_id)
        rows = uow.session.scalars(
            select(ClaimNote).where(ClaimNote.claim_id == claim_id).order_by(ClaimNote.id)
        )
        return [ClaimNoteOut.model_validate(n) for n in rows]


_FILE_TITLES = {"out": "sent in", "in": "answered in"}


def timeline(store: Store, claim_id: int) -> list[TimelineItem]:
    """Every event of a claim in time order: status changes, files, answers, rejections, notes."""
    with store.uow() as uow:
        s = uow.session
        claim = _get(s, claim_id)
        items: list[TimelineItem] = []
        for e in claim.events:
            title = f"{e.from_status or 'new'} \u2192 {e.to_status}"
            items.append(TimelineItem(at=e.at, kind="status", actor=e.actor, title=title,
                                      detail=e.reason))  # fmt: skip
        files = s.execute(
            select(X12File, X12FileClaim)
            .join(X12FileClaim, X12FileClaim.file_id == X12File.id)
            .where(X12FileClaim.claim_id == claim_id)
        ).all()
        for f, link in files:
            if f.direction == "out":
                title = f"{f.transaction} file #{f.id} built (ISA13 {f.interchange_control})"
                detail = f"{f.name}; control number {link.patient_control_number}"
                items.append(TimelineItem(at=f.created_at, kind="file", actor=f.created_by,
                                          title=title, detail=detail))  # fmt: skip
                if f.sent_at:
                    items.append(TimelineItem(at=f.sent_at, kind="file", actor=f.created_by,
                                              title=f"file #{f.id} sent", detail=f.name))  # fmt: skip
            else:
                outcome = link.outcome or "mentioned"
                items.append(TimelineItem(at=f.created_at, kind="answer", actor=f.created_by,
                                          title=f"{f.transaction}: {outcome}",
                                          detail=f"file #{f.id} {f.name}"))  # fmt: skip
        for r in s.scalars(select(ClaimRejection).where(ClaimRejection.claim_id == claim_id)):
            items.append(TimelineItem(at=r.received_at, kind="rejection", actor="payer",
                                      title=f"rejected ({r.source} {r.code})",
                                      detail=r.message))  # fmt: skip
            if r.resolved_at:
                items.append(TimelineItem(at=r.resolved_at, kind="rejection",
                                          actor=r.resolved_by or "", title="rejection worked",
                                          detail=r.resolution or ""))  # fmt: skip
        for n in s.scalars(select(ClaimNote).where(ClaimNote.claim_id == claim_id)):
            who = f" with {n.contact}" if n.contact else ""
            ref = f" (ref {n.reference})" if n.reference else ""
            items.append(TimelineItem(at=n.at, kind=n.kind, actor=n.actor,
                                      title=f"{n.kind}{who}{ref}", detail=n.text))  # fmt: skip
        order = {"status": 0, "file": 1, "answer": 2, "rejection": 3, "note": 4, "call": 4}
        items.sort(key=lambda i: (i.at, order.get(i.kind, 9)))
        return items


# -- voiding a claim the payer has (frequency 8) -------------------------------------------------
VOIDABLE = (ClaimStatus.ACCEPTED.value, ClaimStatus.PENDING.value, ClaimStatus.PAID.value,
            ClaimStatus.PARTIALLY_PAID.value, ClaimStatus.DENIED.value, ClaimStatus.CLOSED.value)  # fmt: skip


def void_claim(
    store: Store, claim_id: int, *, reason: str, today: dt.date | None = None
) -> ClaimDetail:
    """Tell the payer to cancel a claim it has (billed to the wrong patient or payer, a visit
    that did not happen): a new claim with frequency 8 and the payer's claim number (REF*F8),
    the same lines, scrubbed and ready to send. It moves no money by itself: the payer's 835
    reverses what it paid on the original, and posting puts that back on the original."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError("say why the claim is voided (at least 5 characters)")
    with translate_db_errors("claim"), store.uow() as uow:
        s = uow.session
        original = _get(s, claim_id)
        if original.status not in VOIDABLE:
            raise ValidationError(
                f"claim {original.patient_control_number} is {original.status}; only a claim "
                "the payer has accepted or adjudicated is voided with frequency 8 (an unsent "
                "claim is simply voided)"
            )
        if not original.payer_claim_number:
            raise ValidationError(
                f"claim {original.patient_control_number} has no payer claim number; a void "
                "must carry it (REF*F8): find it on the 277CA or the 835"
            )
        if original.frequency_code == "8":
            raise ValidationError("this claim is itself a void")
        void = Claim(
            encounter_id=original.encounter_id, patient_id=original.patient_id,
            policy_id=original.policy_id, payer_id=original.payer_id,
            payer_rank=original.payer_rank, patient_control_number=f"tmp-void-{original.id}",
            frequency_code="8", replaces_claim_id=original.id,
            payer_claim_number=original.payer_claim_number, status=ClaimStatus.DRAFT.value,
            total_charge_cents=original.total_charge_cents, created_by=store.actor,
        )  # fmt: skip
        for line in original.lines:
            void.lines.append(ClaimLine(
                service_line_id=line.service_line_id, line_number=line.line_number,
                date_of_service=line.date_of_service, code=line.code, modifiers=line.modifiers,
                units=line.units, charge_cents=line.charge_cents, pointers=line.pointers,
            ))  # fmt: skip
        s.add(void)
        s.flush()
        void.patient_control_number = pcn_for(void.id)
        _record(s, void, creation_event(
            store.actor, f"void of {original.patient_control_number} "
            f"(payer claim {original.payer_claim_number}): {reason}"))  # fmt: skip
        s.add(ClaimNote(claim_id=original.id, actor=store.actor, kind="note",
                        text=f"void sent as {void.patient_control_number}: {reason}"))  # fmt: skip
        s.flush()
        scrub_and_route(s, [void.id], actor=store.actor, today=today or dt.date.today())
        uow.audit("void", "claim", original.id,
                  f"void {void.patient_control_number} of {original.patient_control_number}: "
                  f"{reason}", patient_id=original.patient_id)  # fmt: skip
        s.refresh(void)
        return _detail(s, void)
