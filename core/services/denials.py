"""The denial queue and the work on a denied or underpaid claim.

:func:`denial_queue` lists every claim in ``denied`` or ``partially_paid`` with what is at
stake, why the payer said no (the CARCs and RARCs in our words), how many days are left before
the payer's appeal and refiling deadlines, and a suggested action; most valuable and most urgent
first (see :func:`urgency_score`).

The four actions each run in one transaction, go through the claim state machine with an
event, and leave an audit record:

- :func:`correct_and_resubmit` builds a replacement claim (frequency 7, REF*F8) from the visit's
  current coding and moves the original's insurance balance onto it;
- :func:`appeal` prints the appeal letter (PDF bytes) and marks the claim ``appealed``;
- :func:`write_off` adjusts the insurance balance off (group CO) and closes the claim when
  nothing is left;
- :func:`transfer_to_patient` moves the balance to the patient (group PR); never for a CO
  denial unless the biller gives an override reason.

What is at stake. Posting may leave a denied amount open on the insurance side, or write it off
at once as the payer's CO/OA/PI adjustment (the CAS of the 835 or the paper EOB). Both count:
at stake = the open insurance balance (when positive) + the payer's denial adjustments still
written off (every CO/OA/PI adjustment except contractual reductions such as CARC 45, and except
ClaimDesk's own write-offs). A corrected claim and a transfer to the patient first *reopen*
such a write-off (an opposite adjustment with the same group and CARC), so the amount is billed
again instead of silently vanishing.

ClaimDesk's own entries are told apart by their memo prefix (``write-off:``, ``reopened:``,
``to patient:``, ``corrected claim:``): they are not the payer's reasons.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.appeal_letter import AppealLetterData, AppealReason, AppealRemark, render_appeal_letter
from core.errors import ConcurrencyError, NotFound, ValidationError
from core.money import Money
from core.schemas import AppealOut, ClaimOut, DenialItem, DenialReasonOut, DenialRemarkOut
from core.services import ledger
from core.services._common import translate_db_errors
from core.services.claims import _record, pcn_for, scrub_and_route
from core.services.codesets import compact, is_code_format
from core.services.settlement import CONTRACTUAL
from core.store import Store
from core.workflow import (
    ClaimStatus,
    EncounterStatus,
    check_encounter_transition,
    creation_event,
    transition,
)
from db.models import (
    Account,
    Claim,
    ClaimEvent,
    ClaimLine,
    ClaimNote,
    Code,
    Encounter,
    InsurancePolicy,
    LedgerEntry,
    Patient,
    Payer,
    Practice,
    RemitAdjustment,
    RemitClaim,
    RemitLine,
    Remittance,
    User,
)

QUEUE_STATUSES = (ClaimStatus.DENIED.value, ClaimStatus.PARTIALLY_PAID.value)
# Contractual reductions (the contract working as agreed, nothing to appeal) are the one list
# both postings use: they write these off and leave any other CO/OA/PI amount open on the
# insurance side for this queue.
DENIAL_GROUPS = ("CO", "OA", "PI")

WRITE_OFF_MEMO = "write-off: "
REOPEN_MEMO = "reopened: "
TO_PATIENT_MEMO = "to patient: "
MOVED_MEMO = "corrected claim: "
OUR_MEMOS = (WRITE_OFF_MEMO, REOPEN_MEMO, TO_PATIENT_MEMO, MOVED_MEMO)

APPEAL_EVENT_PREFIX = "appeal letter sent: "

# -- what to do, by CARC ----------------------------------------------------------------------
SUGGESTIONS: dict[str, tuple[str, str]] = {
    "16": ("correct", "Correct and resubmit: fix the missing or wrong information and send a "
                      "corrected claim (frequency 7)."),
    "18": ("write_off", "Check for a duplicate: if the service was already paid on another "
                        "claim, write this one off."),
    "22": ("other_payer", "Bill the other payer first: fix the coverage order, then bill the "
                          "primary payer."),
    "29": ("appeal", "Appeal with proof of timely filing (the clearinghouse acceptance report "
                     "with the date it was first sent)."),
    "50": ("appeal", "Appeal with the medical records that show the service was necessary."),
    "96": ("write_off", "Non-covered service: write it off, or appeal if the plan covers it "
                        "(bill the patient only with a signed waiver)."),
    "97": ("write_off", "Bundled into another service: write it off, or appeal with records if "
                        "the service was separate (modifier 59/X)."),
    "197": ("appeal", "Get the authorization (a retro-authorization if the payer allows it), "
                      "then appeal."),
    "45": ("write_off", "Contractual reduction: nothing to appeal; write off what is left."),
    "253": ("write_off", "Sequestration reduction: nothing to appeal; write off what is left."),
}  # fmt: skip

ENCLOSURES: dict[str, str] = {
    "16": "A corrected copy of the claim with the missing information",
    "18": "Records showing the service is not a duplicate (a different service, date or units)",
    "22": "Coordination of benefits: the primary payer's remittance, or proof of no other "
          "coverage",
    "27": "Proof of coverage on the date of service (the eligibility response)",
    "29": "Proof of timely filing: the clearinghouse acceptance report (999/277CA) showing the "
          "date the claim was first sent",
    "45": "The contracted fee schedule for the billed service",
    "50": "Medical records for the date of service (visit note, test results) showing medical "
          "necessity",
    "96": "Medical records and the plan's coverage policy for the service",
    "97": "Medical records showing the service was separate and distinct from the other one",
    "197": "The prior authorization (or the retro-authorization request) and its number",
}  # fmt: skip
ALWAYS_ENCLOSED = "A copy of the claim and of the remittance advice (EOB) with the denial"

URGENCY_DAYS = 30


def urgency_score(at_stake_cents: int, days_left: int | None) -> int:
    """Dollars x urgency: ``cents * (1 + 30 / max(days_left, 1))``, in integer arithmetic.

    ``days_left`` is the nearest deadline (appeal or refiling) still open. $100 with 30 days
    left scores 20000 (twice its cents), with 1 day left 310000; far deadlines tend to the cents.
    ``None`` (every deadline passed) scores the cents alone; the queue sorts those last anyway.
    """
    cents = max(at_stake_cents, 0)
    if days_left is None:
        return cents
    d = max(days_left, 1)
    return cents * (d + URGENCY_DAYS) // d


# -- reading the facts --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Row:
    """An insurance-side adjustment or transfer with a group code, from the ledger."""

    line_id: int | None
    kind: str
    group: str
    reason: str
    cents: int
    memo: str

    @property
    def ours(self) -> bool:
        return self.memo.startswith(OUR_MEMOS)

    @property
    def denial_write_off(self) -> bool:
        """The payer's denial adjustment (or our reopening of one): not ours, not contractual."""
        return (
            self.kind == "adjustment"
            and self.group in DENIAL_GROUPS
            and self.reason not in CONTRACTUAL
            and not self.memo.startswith(WRITE_OFF_MEMO)
        )


def _ledger_rows(session: Session, claim_ids: Sequence[int]) -> dict[int, list[_Row]]:
    E = LedgerEntry
    rows = session.execute(
        select(E.claim_id, E.claim_line_id, E.kind, E.group_code, E.reason_code,
               E.amount_cents, E.memo)
        .where(E.claim_id.in_(list(claim_ids)), E.responsibility == "insurance",
               E.kind.in_(("adjustment", "transfer")), E.group_code.is_not(None))
        .order_by(E.id)
    )  # fmt: skip
    out: dict[int, list[_Row]] = defaultdict(list)
    for cid, line_id, kind, group, reason, cents, memo in rows:
        out[int(cid)].append(
            _Row(line_id, kind, (group or "").upper(), (reason or "").upper(), int(cents),
                 memo or "")
        )  # fmt: skip
    return out


DENIED_MARKER = "denied $"


def _marker_cents(memo: str) -> int:
    try:
        return Money.parse(memo[len("denied ") :].split(" ", 1)[0].replace("$", "")).cents
    except (ValueError, ValidationError):
        return 0


def _denial_buckets(rows: Sequence[_Row]) -> dict[tuple[int | None, str, str], int]:
    """What the payer's denial adjustments still keep written off, per (line, group, CARC)."""
    buckets: dict[tuple[int | None, str, str], int] = defaultdict(int)
    for r in rows:
        if r.denial_write_off:
            buckets[(r.line_id, r.group, r.reason)] -= r.cents
    return {key: cents for key, cents in buckets.items() if cents > 0}


def _insurance_balances(session: Session, claim_ids: Sequence[int]) -> dict[int, int]:
    E = LedgerEntry
    rows = session.execute(
        select(E.claim_id, func.coalesce(func.sum(E.amount_cents), 0))
        .where(E.claim_id.in_(list(claim_ids)), E.responsibility == "insurance")
        .group_by(E.claim_id)
    )
    found = {int(cid): int(total) for cid, total in rows}
    return {cid: found.get(cid, 0) for cid in claim_ids}


def _words(session: Session, kind: str, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.execute(
        select(Code.compact, Code.description).where(
            Code.kind == kind, Code.compact.in_([compact(c) for c in codes])
        )
    )
    return {str(code): str(desc) for code, desc in rows}


def _split_remarks(text: str | None) -> list[str]:
    return [part.upper() for part in re.split(r"[\s,;:]+", text or "") if part]


@dataclass
class _RemitFacts:
    posted_on: dt.date
    payer_claim_number: str | None
    reasons: dict[tuple[str, str], int]
    remarks: list[str]


def _latest_remits(session: Session, claim_ids: Sequence[int]) -> dict[int, _RemitFacts]:
    """The latest posted remittance answer (CLP, reversals aside) for each claim, with its CAS
    amounts summed by (group, CARC) over the claim and its lines, and its RARCs."""
    found = session.execute(
        select(RemitClaim, Remittance.posted_at)
        .join(Remittance, Remittance.id == RemitClaim.remittance_id)
        .where(RemitClaim.claim_id.in_(list(claim_ids)), Remittance.status == "posted",
               RemitClaim.status_code != "22")
        .order_by(Remittance.posted_at, RemitClaim.id)
    ).all()  # fmt: skip
    latest: dict[int, tuple[RemitClaim, dt.datetime]] = {}
    for rc, posted_at in found:
        latest[int(rc.claim_id)] = (rc, posted_at)
    if not latest:
        return {}
    by_remit = {rc.id: cid for cid, (rc, _) in latest.items()}
    reasons: dict[int, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for rid, group, reason, cents in session.execute(
        select(RemitAdjustment.remit_claim_id, RemitAdjustment.group_code,
               RemitAdjustment.reason_code, RemitAdjustment.amount_cents)
        .where(RemitAdjustment.remit_claim_id.in_(list(by_remit)))
        .order_by(RemitAdjustment.id)
    ):  # fmt: skip
        reasons[rid][((group or "").upper(), (reason or "").upper())] += int(cents)
    line_remarks: dict[int, list[str]] = defaultdict(list)
    for rid, text in session.execute(
        select(RemitLine.remit_claim_id, RemitLine.remarks)
        .where(RemitLine.remit_claim_id.in_(list(by_remit)))
        .order_by(RemitLine.id)
    ):  # fmt: skip
        line_remarks[rid] += _split_remarks(text)
    out = {}
    for cid, (rc, posted_at) in latest.items():
        remarks = list(dict.fromkeys(_split_remarks(rc.remarks) + line_remarks[rc.id]))
        out[cid] = _RemitFacts(
            posted_on=posted_at.date(),
            payer_claim_number=rc.payer_claim_number,
            reasons=dict(reasons[rc.id]),
            remarks=remarks,
        )
    return out


def _suggest(status: str, reasons: Sequence[DenialReasonOut]) -> tuple[str, str]:
    """(action, words) from the main CARC: the largest non-PR reason, contractual ones last."""
    ranked = sorted(
        (r for r in reasons if r.group_code != "PR"),
        key=lambda r: (r.reason_code in CONTRACTUAL, -r.amount_cents, r.reason_code),
    )
    if ranked:
        top = ranked[0]
        if top.reason_code in SUGGESTIONS:
            return SUGGESTIONS[top.reason_code]
        label = f"{top.group_code}-{top.reason_code}" if top.group_code else top.reason_code
        return ("review", f"Read {label} ({top.description}) on the remittance, then correct, "
                          "appeal or write off.")  # fmt: skip
    if any(r.group_code == "PR" for r in reasons):
        return ("bill_patient", "The payer put it on the patient (PR): move the balance to the "
                                "patient.")  # fmt: skip
    if status == ClaimStatus.PARTIALLY_PAID.value:
        return ("review", "Paid less than expected with no reason on file: check the remittance "
                          "or call the payer, then appeal the underpayment or write it off.")  # fmt: skip
    return ("review", "No denial reason on file: check the remittance or call the payer, then "
                      "decide.")  # fmt: skip


def _enclosures(reasons: Sequence[DenialReasonOut]) -> tuple[str, ...]:
    ranked = sorted(
        (r for r in reasons if r.group_code != "PR"),
        key=lambda r: (r.reason_code in CONTRACTUAL, -r.amount_cents, r.reason_code),
    )
    chosen = [ENCLOSURES[r.reason_code] for r in ranked if r.reason_code in ENCLOSURES]
    return tuple(dict.fromkeys([*chosen, ALWAYS_ENCLOSED]))


def _items(
    session: Session, found: Sequence[tuple[Claim, Patient, Payer]], today: dt.date
) -> list[DenialItem]:
    """The denial facts of each (claim, patient, payer), in the order given."""
    ids = [c.id for c, _, _ in found]
    if not ids:
        return []
    balances = _insurance_balances(session, ids)
    money = ledger.claim_money_in(session, ids)
    rows = _ledger_rows(session, ids)
    remits = _latest_remits(session, ids)
    first_dos = dict(
        session.execute(
            select(ClaimLine.claim_id, func.min(ClaimLine.date_of_service))
            .where(ClaimLine.claim_id.in_(ids))
            .group_by(ClaimLine.claim_id)
        ).all()
    )
    event_dates = dict(
        session.execute(
            select(ClaimEvent.claim_id, func.max(ClaimEvent.at))
            .where(ClaimEvent.claim_id.in_(ids), ClaimEvent.to_status.in_(QUEUE_STATUSES))
            .group_by(ClaimEvent.claim_id)
        ).all()
    )
    # The reasons of each claim: the latest remittance's CAS, else the ledger's group codes.
    raw: dict[int, tuple[str, dict[tuple[str, str], int], list[str]]] = {}
    for cid in ids:
        if cid in remits:
            raw[cid] = ("835", remits[cid].reasons, remits[cid].remarks)
            continue
        sums: dict[tuple[str, str], int] = defaultdict(int)
        for r in rows.get(cid, []):
            if r.ours:
                continue
            if r.cents == 0 and r.memo.startswith(DENIED_MARKER):
                # A denial recorded by hand (paper EOB) and left with the payer: the marker
                # carries the amount denied ("denied $210.00 (CO-50), left with the payer").
                sums[(r.group, r.reason)] += _marker_cents(r.memo)
            else:
                sums[(r.group, r.reason)] -= r.cents
        sums = {k: v for k, v in sums.items() if v}
        raw[cid] = ("ledger" if sums else "none", sums, [])
    carc = _words(session, "carc", {reason for _, sums, _ in raw.values() for _, reason in sums})
    rarc = _words(session, "rarc", {code for _, _, remarks in raw.values() for code in remarks})

    items = []
    for claim, patient, payer in found:
        cid = claim.id
        source, sums, remark_codes = raw[cid]
        reasons = tuple(
            sorted(
                (
                    DenialReasonOut(
                        group_code=group,
                        reason_code=reason,
                        amount_cents=cents,
                        description=carc.get(compact(reason), f"reason {reason}"),
                    )
                    for (group, reason), cents in sums.items()
                ),
                key=lambda r: (-r.amount_cents, r.group_code, r.reason_code),
            )
        )
        remarks = tuple(
            DenialRemarkOut(code=code, description=rarc.get(compact(code), f"remark {code}"))
            for code in remark_codes
        )
        balance = balances[cid]
        written_off = sum(_denial_buckets(rows.get(cid, [])).values())
        at_stake = max(balance, 0) + written_off
        dos = first_dos.get(cid) or claim.created_at.date()
        if cid in remits:
            denial_date = remits[cid].posted_on
        elif event_dates.get(cid) is not None:
            denial_date = event_dates[cid].date()
        else:
            denial_date = claim.updated_at.date()
        appeal_deadline = denial_date + dt.timedelta(days=payer.appeal_days or 0)
        refile_deadline = dos + dt.timedelta(days=payer.timely_filing_days or 0)
        appeal_left = (appeal_deadline - today).days
        refile_left = (refile_deadline - today).days
        still_open = [d for d in (appeal_left, refile_left) if d >= 0]
        nearest = min(still_open) if still_open else None
        action, words = _suggest(claim.status, reasons)
        number = claim.payer_claim_number or (remits[cid].payer_claim_number if cid in remits
                                              else None)  # fmt: skip
        items.append(
            DenialItem(
                claim_id=cid,
                patient_control_number=claim.patient_control_number,
                status=claim.status,
                version=claim.version,
                patient_id=patient.id,
                patient_name=f"{patient.last_name}, {patient.first_name}",
                account_number=patient.account_number,
                payer_id=payer.id,
                payer_code=payer.payer_code,
                payer_name=payer.name,
                payer_rank=claim.payer_rank,
                payer_claim_number=number,
                date_of_service=dos,
                charge_cents=claim.total_charge_cents,
                paid_cents=money[cid].paid_cents,
                balance_cents=balance,
                written_off_denied_cents=written_off,
                at_stake_cents=at_stake,
                reasons=reasons,
                remarks=remarks,
                reasons_source=source,
                denial_date=denial_date,
                appeal_deadline=appeal_deadline,
                appeal_days_left=appeal_left,
                refile_deadline=refile_deadline,
                refile_days_left=refile_left,
                expired=nearest is None,
                action=action,
                suggestion=words,
                score=urgency_score(at_stake, nearest),
            )
        )
    return items


def _with_parties(session: Session, claim_ids: Sequence[int] | None, statuses: Sequence[str]):
    query = (
        select(Claim, Patient, Payer)
        .join(Patient, Patient.id == Claim.patient_id)
        .join(Payer, Payer.id == Claim.payer_id)
        .order_by(Claim.id)
    )
    if claim_ids is not None:
        query = query.where(Claim.id.in_(list(claim_ids)))
    if statuses:
        query = query.where(Claim.status.in_(list(statuses)))
    return [tuple(row) for row in session.execute(query).all()]


def sort_key(item: DenialItem) -> tuple:
    """Open items by score (dollars x urgency) then dollars; expired ones last, by dollars."""
    return (item.expired, -item.score, -item.at_stake_cents, item.claim_id)


def denial_queue(store: Store, *, today: dt.date) -> list[DenialItem]:
    """Every denied or underpaid (partially paid) claim, most valuable x most urgent first."""
    with store.uow() as uow:
        found = _with_parties(uow.session, None, QUEUE_STATUSES)
        return sorted(_items(uow.session, found, today), key=sort_key)


def denial_item(store: Store, claim_id: int, *, today: dt.date) -> DenialItem:
    """The denial facts of one claim, whatever its status (for the claim screen)."""
    with store.uow() as uow:
        found = _with_parties(uow.session, [claim_id], ())
        if not found:
            raise NotFound(f"No claim with id {claim_id}.")
        return _items(uow.session, found, today)[0]


# -- shared by the actions ----------------------------------------------------------------------
def _lock(session: Session, claim_id: int, expected_version: int | None) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"No claim with id {claim_id}.")
    if expected_version is not None and claim.version != expected_version:
        raise ConcurrencyError(
            f"Claim {claim.patient_control_number} was changed by someone else "
            f"(version {claim.version}, you saw {expected_version}); reload it."
        )
    return claim


def _in_queue(claim: Claim, what: str) -> None:
    if claim.status not in QUEUE_STATUSES:
        raise ValidationError(
            f"Claim {claim.patient_control_number} is {claim.status}; only denied or underpaid "
            f"(partially paid) claims can be {what}."
        )


def _required(text: str | None, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(f"Write {what}: it goes on the claim's record.")
    return text


def _carc(code: str | None, what: str) -> str:
    value = compact(code or "")
    if not value or not is_code_format("carc", value):
        raise ValidationError(
            f"{what} needs a claim adjustment reason code (CARC), a number such as 45, 50 or "
            f"97; {code!r} is not one."
        )
    return value


def _amount(amount: Money | int | str | None, what: str) -> int | None:
    if amount is None:
        return None
    try:
        cents = Money.of(amount).cents
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"The amount to {what} is not a dollar amount ({exc}).") from None
    if cents <= 0:
        raise ValidationError(f"The amount to {what} must be more than zero.")
    return cents


def _move(session: Session, claim: Claim, target: ClaimStatus, actor: str, reason: str):
    event = transition(claim.status, target, actor=actor, reason=reason,
                       claim_ref=claim.patient_control_number)  # fmt: skip
    claim.status = event.to_status.value
    _record(session, claim, event)
    return event


def _reopen(
    session: Session, account: Account, claim: Claim, cents: int | None, *, actor: str,
    txn: str, day: dt.date, memo: str,
) -> int:  # fmt: skip
    """Reverse the payer's denial write-offs on ``claim`` (all, or ``cents`` of them, largest
    first) with opposite adjustments of the same group and CARC. Returns the cents reopened."""
    buckets = _denial_buckets(_ledger_rows(session, [claim.id]).get(claim.id, []))
    order = sorted(buckets.items(), key=lambda kv: (-kv[1], kv[0][0] or 0, kv[0][1], kv[0][2]))
    left = cents
    done = 0
    for (line_id, group, reason), amount in order:
        take = amount if left is None else min(amount, left)
        if take <= 0:
            break
        ledger._entry(
            session, account, actor=actor, txn=txn, kind="adjustment", responsibility="insurance",
            amount=Money(take), entry_date=day, claim_id=claim.id, claim_line_id=line_id,
            payer_id=claim.payer_id, group_code=group, reason_code=reason,
            memo=(REOPEN_MEMO + memo)[:200],
        )  # fmt: skip
        done += take
        if left is not None:
            left -= take
    session.flush()
    return done


def _spread(session: Session, claim: Claim, cents: int) -> list[tuple[int, int]]:
    """``cents`` over the claim's lines in proportion to what each still owes the insurance
    side: [(claim line id, cents)], no line given more than it owes."""
    left = ledger.insurance_left_by_line(session, claim.id)
    ids = [line_id for line_id in sorted(left) if left[line_id] > 0]
    if not ids:
        return []
    parts = Money(cents).allocate([left[i] for i in ids])
    return [(i, p.cents) for i, p in zip(ids, parts, strict=True) if p.cents]


# -- correct and resubmit (frequency 7) ---------------------------------------------------------
def correct_and_resubmit(
    store: Store, claim_id: int, *, note: str, today: dt.date,
    expected_version: int | None = None,
) -> ClaimOut:  # fmt: skip
    """Replace a denied (or underpaid) claim with a corrected claim, frequency 7.

    The replacement bills the same visit, payer, policy and rank with the visit's *current*
    coding, quotes the payer's claim number (REF*F8) and gets its own control number. The
    original becomes ``corrected``; its insurance balance (denial write-offs reopened first)
    moves line by line onto the replacement as paired entries, and a charge changed by
    recoding posts its difference, so the visit is never charged twice. The replacement is
    then scrubbed: ``ready`` to batch, or ``edits``. Returns the replacement.
    """
    why = _required(note, "what was corrected")
    with translate_db_errors("claim"), store.uow() as uow:
        s = uow.session
        original = _lock(s, claim_id, expected_version)
        pcn = original.patient_control_number
        # The state machine first: a claim that cannot become corrected stops here.
        transition(original.status, ClaimStatus.CORRECTED, actor=store.actor, reason=why,
                   claim_ref=pcn)  # fmt: skip
        number = (original.payer_claim_number or "").strip()
        if not number:
            remit = _latest_remits(s, [original.id]).get(original.id)
            number = ((remit.payer_claim_number if remit else None) or "").strip()
        if not number:
            raise ValidationError(
                f"Claim {pcn} has no payer claim number: a corrected claim (frequency 7) must "
                "quote the number the payer gave the original (REF*F8). Take it from the "
                "remittance or ask the payer, enter it on the claim, then try again."
            )
        encounter = s.get(Encounter, original.encounter_id)
        assert encounter is not None  # foreign key
        if encounter.status in (EncounterStatus.OPEN.value, EncounterStatus.QUERY.value):
            raise ValidationError(
                f"The visit of claim {pcn} is {encounter.status} (being recoded); finish the "
                "coding and mark it coded before making the corrected claim."
            )
        if encounter.status == EncounterStatus.VOID.value:
            raise ValidationError(f"The visit of claim {pcn} was voided; there is nothing to bill.")
        if not encounter.lines:
            raise ValidationError(f"The visit of claim {pcn} has no service lines to bill.")

        replacement = Claim(
            encounter_id=original.encounter_id,
            patient_id=original.patient_id,
            policy_id=original.policy_id,
            payer_id=original.payer_id,
            payer_rank=original.payer_rank,
            patient_control_number=f"tmp-fix-{original.id}",
            frequency_code="7",
            replaces_claim_id=original.id,
            payer_claim_number=number,
            status=ClaimStatus.DRAFT.value,
            total_charge_cents=sum(line.charge_cents for line in encounter.lines),
            created_by=store.actor,
        )
        dx_count = len(encounter.diagnoses)
        for n, src in enumerate(encounter.lines, start=1):
            pointers = [p for p in (src.pointer1, src.pointer2, src.pointer3, src.pointer4) if p]
            if any(p > dx_count for p in pointers):
                raise ValidationError(f"Line {n} of the visit points past its {dx_count} "
                                      "coded diagnoses; fix the coding first.")  # fmt: skip
            mods = [m for m in (src.modifier1, src.modifier2, src.modifier3, src.modifier4) if m]
            replacement.lines.append(
                ClaimLine(
                    service_line_id=src.id,
                    line_number=n,
                    date_of_service=encounter.date_of_service,
                    code=src.code,
                    modifiers=":".join(mods),
                    units=src.units,
                    charge_cents=src.charge_cents,
                    pointers=":".join(str(p) for p in pointers),
                )  # fmt: skip
            )
        s.add(replacement)
        s.flush()
        new_pcn = pcn_for(replacement.id)
        replacement.patient_control_number = new_pcn
        _record(s, replacement, creation_event(
            store.actor, f"corrected claim (frequency 7) replacing {pcn}: {why}"))  # fmt: skip
        if encounter.status == EncounterStatus.CODED.value:
            check_encounter_transition(encounter.status, EncounterStatus.BILLED.value)
            encounter.status = EncounterStatus.BILLED.value
            uow.audit("transition", "encounter", encounter.id,
                      f"coded -> billed: corrected claim {new_pcn}",
                      patient_id=encounter.patient_id)  # fmt: skip
        event = _move(s, original, ClaimStatus.CORRECTED, store.actor,
                      f"replaced by corrected claim {new_pcn} (frequency 7): {why}")  # fmt: skip

        account = ledger._account_for_patient(s, original.patient_id)
        ledger._touch(account, None)
        txn = ledger.new_txn()
        _reopen(s, account, original, None, actor=store.actor, txn=txn, day=today,
                memo=f"billed again on corrected claim {new_pcn}")  # fmt: skip
        left = ledger.insurance_left_by_line(s, original.id)
        new_by_number = {line.line_number: line for line in replacement.lines}
        matched: set[int] = set()

        def charge(claim: Claim, line_id: int, cents: int, memo: str) -> None:
            ledger._entry(
                s, account, actor=store.actor, txn=txn, kind="charge", responsibility="insurance",
                amount=Money(cents), entry_date=today, claim_id=claim.id, claim_line_id=line_id,
                payer_id=claim.payer_id, memo=(MOVED_MEMO + memo)[:200],
            )  # fmt: skip

        moved = 0
        for old in original.lines:
            cents = left.get(old.id, 0)
            new = new_by_number.get(old.line_number)
            if new is None:
                if cents:
                    charge(original, old.id, -cents, f"line {old.line_number} removed by recoding")
                continue
            matched.add(new.line_number)
            if cents:
                charge(original, old.id, -cents, f"moved to {new_pcn}")
                charge(replacement, new.id, cents, f"moved from {pcn}")
                moved += cents
            if new.charge_cents != old.charge_cents:
                charge(replacement, new.id, new.charge_cents - old.charge_cents,
                       f"line {new.line_number} charge changed by recoding "
                       f"(was {Money(old.charge_cents)})")  # fmt: skip
        for new in replacement.lines:
            if new.line_number not in matched:
                charge(replacement, new.id, new.charge_cents,
                       f"line {new.line_number} added by recoding")  # fmt: skip
        s.flush()
        scrub_and_route(s, [replacement.id], actor=store.actor, today=today)
        uow.audit("create", "claim", replacement.id,
                  f"corrected claim {new_pcn} (frequency 7, REF*F8 {number}) replacing {pcn}; "
                  f"{Money(moved)} moved from the original",
                  patient_id=replacement.patient_id)  # fmt: skip
        uow.audit("transition", "claim", original.id,
                  f"{event.from_status} -> {event.to_status}: {event.reason}",
                  patient_id=original.patient_id)  # fmt: skip
        s.flush()
        return ClaimOut.model_validate(replacement)


# -- appeal ---------------------------------------------------------------------------------------
APPEALABLE = QUEUE_STATUSES + (ClaimStatus.APPEALED.value,)


def _zip(z: str | None) -> str:
    z = z or ""
    return f"{z[:5]}-{z[5:]}" if len(z) == 9 else z


def _letter(
    session: Session, claim: Claim, *, reason_text: str, today: dt.date, signer: str
) -> tuple[AppealLetterData, DenialItem]:
    found = _with_parties(session, [claim.id], ())
    item = _items(session, found, today)[0]
    _, patient, payer = found[0]
    practice = session.scalars(select(Practice).order_by(Practice.id).limit(1)).first()
    if practice is None:
        raise ValidationError("Set up the practice (name, address, NPI, tax ID) before "
                              "printing an appeal letter.")  # fmt: skip
    policy = session.get(InsurancePolicy, claim.policy_id)
    lines = session.execute(
        select(func.min(ClaimLine.date_of_service), func.max(ClaimLine.date_of_service))
        .where(ClaimLine.claim_id == claim.id)
    ).one()  # fmt: skip
    city = ", ".join(x for x in (payer.city, " ".join(filter(None, (payer.state,
                     _zip(payer.zip_code))))) if x)  # fmt: skip
    data = AppealLetterData(
        practice_name=practice.name,
        practice_address=tuple(
            x
            for x in (
                practice.address_line1,
                practice.address_line2,
                f"{practice.city}, {practice.state} {_zip(practice.zip_code)}",
            )
            if x
        ),  # fmt: skip
        practice_npi=practice.npi,
        practice_tax_id=practice.tax_id,
        practice_phone=practice.phone,
        letter_date=today,
        payer_name=payer.name,
        payer_address=tuple(x for x in (payer.address_line1, city) if x),
        patient_name=f"{patient.first_name} {patient.last_name}",
        patient_date_of_birth=patient.date_of_birth,
        member_id=policy.member_id if policy else "",
        payer_claim_number=item.payer_claim_number or "",
        patient_control_number=claim.patient_control_number,
        service_from=lines[0] or item.date_of_service,
        service_to=lines[1] or item.date_of_service,
        billed_cents=claim.total_charge_cents,
        denied_cents=item.at_stake_cents,
        reasons=tuple(
            AppealReason(
                group_code=r.group_code,
                reason_code=r.reason_code,
                amount_cents=r.amount_cents,
                description=r.description,
            )
            for r in item.reasons
        ),  # fmt: skip
        remarks=tuple(AppealRemark(code=m.code, description=m.description) for m in item.remarks),
        appeal_reason=reason_text,
        enclosures=_enclosures(item.reasons),
        signer_name=signer,
    )
    return data, item


def _signer(session: Session, actor: str, contact_name: str | None) -> str:
    if contact_name and contact_name.strip():
        return contact_name.strip()
    name = session.scalar(select(User.full_name).where(User.username == actor))
    return name or actor


def appeal(
    store: Store, claim_id: int, *, reason_text: str, today: dt.date,
    contact_name: str | None = None, expected_version: int | None = None,
) -> AppealOut:  # fmt: skip
    """Print the appeal letter for a denied or underpaid claim and mark the claim appealed.

    The letter (PDF bytes in the result: the caller saves or prints them) carries the claim's
    facts, the payer's reasons in words, the biller's ``reason_text`` and what to enclose,
    chosen from the CARCs. A note on the claim records that the appeal went out and why.
    """
    why = _required(reason_text, "why the claim should be paid (the appeal reason)")
    with translate_db_errors("claim"), store.uow() as uow:
        s = uow.session
        claim = _lock(s, claim_id, expected_version)
        _in_queue(claim, "appealed")
        transition(claim.status, ClaimStatus.APPEALED, actor=store.actor, reason=why,
                   claim_ref=claim.patient_control_number)  # fmt: skip
        data, item = _letter(s, claim, reason_text=why, today=today,
                             signer=_signer(s, store.actor, contact_name))  # fmt: skip
        pdf = render_appeal_letter(data)
        _move(s, claim, ClaimStatus.APPEALED, store.actor, APPEAL_EVENT_PREFIX + why)
        s.add(
            ClaimNote(
                claim_id=claim.id, actor=store.actor, kind="note",
                text=(f"Appeal letter sent to {item.payer_name} on {today:%m/%d/%Y} for "
                      f"{Money(item.at_stake_cents)}. Reason: {why.rstrip('.')}. Enclosed: "
                      + "; ".join(data.enclosures) + "."),
                contact=(contact_name or "").strip()[:80] or None,
            )
        )  # fmt: skip
        s.flush()
        uow.audit("appeal", "claim", claim.id,
                  f"appeal letter for {claim.patient_control_number} to {item.payer_name}",
                  patient_id=claim.patient_id)  # fmt: skip
        return AppealOut(
            claim=ClaimOut.model_validate(claim),
            pdf=pdf,
            filename=f"appeal-{claim.patient_control_number}-{today:%Y%m%d}.pdf",
            enclosures=data.enclosures,
        )


def appeal_letter_pdf(
    store: Store, claim_id: int, *, today: dt.date, reason_text: str | None = None,
    contact_name: str | None = None,
) -> bytes:  # fmt: skip
    """The appeal letter again (PDF bytes), changing nothing. Without ``reason_text`` the reason
    given when the appeal was sent is used."""
    with store.uow() as uow:
        s = uow.session
        claim = _lock(s, claim_id, None)
        if claim.status not in APPEALABLE:
            raise ValidationError(
                f"Claim {claim.patient_control_number} is {claim.status}; appeal letters are "
                "for denied, underpaid or appealed claims."
            )
        text = (reason_text or "").strip()
        if not text:
            last = s.scalar(
                select(ClaimEvent.reason)
                .where(ClaimEvent.claim_id == claim.id, ClaimEvent.to_status == "appealed")
                .order_by(ClaimEvent.id.desc())
                .limit(1)
            )  # fmt: skip
            text = (last or "").removeprefix(APPEAL_EVENT_PREFIX).strip()
        why = _required(text, "why the claim should be paid (the appeal reason)")
        data, _ = _letter(s, claim, reason_text=why, today=today,
                          signer=_signer(s, store.actor, contact_name))  # fmt: skip
        return render_appeal_letter(data)


# -- write off ------------------------------------------------------------------------------------
def write_off(
    store: Store, claim_id: int, *, reason_code: str, note: str,
    amount: Money | int | str | None = None, today: dt.date | None = None,
    expected_version: int | None = None,
) -> ClaimOut:  # fmt: skip
    """Write off the insurance balance of a denied or underpaid claim (group CO, the CARC,
    the note in the memo); ``amount`` (cents, Money or "12.50") defaults to the whole balance
    and may not exceed it. The claim is closed when nothing is left on the insurance side."""
    reason = _carc(reason_code, "A write-off")
    why = _required(note, "why it is written off")
    cents = _amount(amount, "write off")
    day = today or dt.date.today()
    with translate_db_errors("claim"), store.uow() as uow:
        s = uow.session
        claim = _lock(s, claim_id, expected_version)
        _in_queue(claim, "written off here")
        balance = _insurance_balances(s, [claim.id])[claim.id]
        if cents is None:
            if balance < 0:
                raise ValidationError(
                    f"Claim {claim.patient_control_number} shows a credit of "
                    f"{Money(-balance)} on the insurance side: there is nothing to write off; "
                    "refund or review the overpayment."
                )
            cents = balance
        elif cents > balance:
            raise ValidationError(
                f"You can write off at most {Money(max(balance, 0))} on claim "
                f"{claim.patient_control_number} (what the insurance side still shows); "
                f"{Money(cents)} is more."
            )
        if cents:
            account = ledger._account_for_patient(s, claim.patient_id)
            ledger._touch(account, None)
            txn = ledger.new_txn()
            for line_id, part in _spread(s, claim, cents):
                ledger._entry(
                    s, account, actor=store.actor, txn=txn, kind="adjustment",
                    responsibility="insurance", amount=Money(-part), entry_date=day,
                    claim_id=claim.id, claim_line_id=line_id, payer_id=claim.payer_id,
                    group_code="CO", reason_code=reason, memo=(WRITE_OFF_MEMO + why)[:200],
                )  # fmt: skip
            s.flush()
        left = _insurance_balances(s, [claim.id])[claim.id]
        summary = f"wrote off {Money(cents)} (CO-{reason}) on {claim.patient_control_number}"
        if left == 0:
            text = (f"written off {Money(cents)} (CO-{reason}): {why}" if cents
                    else f"nothing left on the insurance side: {why}")  # fmt: skip
            _move(s, claim, ClaimStatus.CLOSED, store.actor, text)
            summary += "; claim closed"
        s.flush()
        uow.audit("write_off", "claim", claim.id, f"{summary}: {why}",
                  patient_id=claim.patient_id)  # fmt: skip
        return ClaimOut.model_validate(claim)


# -- transfer to the patient ----------------------------------------------------------------------
def transfer_to_patient(
    store: Store, claim_id: int, *, note: str, amount: Money | int | str | None = None,
    reason_code: str = "2", override_reason: str | None = None, today: dt.date | None = None,
    expected_version: int | None = None,
) -> ClaimOut:  # fmt: skip
    """Move the insurance balance (or ``amount`` of it) to the patient (group PR, ``reason_code``:
    1 deductible, 2 coinsurance, 3 copay or any PR reason). A denial the payer wrote off is
    reopened first. Refused for a CO denial (the provider may not bill the patient) unless
    ``override_reason`` says why it is allowed (a signed waiver). The claim is closed when
    nothing is left on the insurance side."""
    reason = _carc(reason_code, "A transfer to the patient")
    why = _required(note, "why the patient owes it")
    cents = _amount(amount, "move to the patient")
    override = (override_reason or "").strip()
    day = today or dt.date.today()
    with translate_db_errors("claim"), store.uow() as uow:
        s = uow.session
        claim = _lock(s, claim_id, expected_version)
        _in_queue(claim, "moved to the patient")
        item = _items(s, _with_parties(s, [claim.id], ()), day)[0]
        co = [f"CO-{r.reason_code}" for r in item.reasons if r.group_code == "CO"]
        if co and not override:
            raise ValidationError(
                f"The payer's reason on claim {claim.patient_control_number} is "
                f"{', '.join(co)} (contractual): the provider may not bill the patient for a CO "
                "denial. Appeal or write it off; if the patient agreed in writing to pay, give "
                "that as the override reason."
            )
        balance = item.balance_cents
        available = max(balance, 0) + item.written_off_denied_cents
        if cents is None:
            cents = available
        if cents <= 0:
            raise ValidationError(
                f"Nothing is left on the insurance side of claim {claim.patient_control_number} "
                "to move to the patient."
            )
        if cents > available:
            raise ValidationError(
                f"You can move at most {Money(available)} of claim "
                f"{claim.patient_control_number} to the patient; {Money(cents)} is more."
            )
        account = ledger._account_for_patient(s, claim.patient_id)
        ledger._touch(account, None)
        txn = ledger.new_txn()
        memo = (TO_PATIENT_MEMO + why + (f" (override: {override})" if override else ""))[:200]
        need = cents - max(balance, 0)
        if need > 0:
            _reopen(s, account, claim, need, actor=store.actor, txn=txn, day=day,
                    memo=f"billed to the patient: {why}")  # fmt: skip
        for line_id, part in _spread(s, claim, cents):
            for bucket, sign, payer_id in (("insurance", -1, claim.payer_id),
                                           ("patient", 1, None)):  # fmt: skip
                ledger._entry(
                    s, account, actor=store.actor, txn=txn, kind="transfer",
                    responsibility=bucket, amount=Money(sign * part), entry_date=day,
                    claim_id=claim.id, claim_line_id=line_id, payer_id=payer_id,
                    group_code="PR", reason_code=reason, memo=memo,
                )  # fmt: skip
        s.flush()
        left = _insurance_balances(s, [claim.id])[claim.id]
        summary = f"moved {Money(cents)} (PR-{reason}) to the patient"
        if override:
            summary += f" despite {', '.join(co) or 'the denial'}: {override}"
        if left == 0:
            _move(s, claim, ClaimStatus.CLOSED, store.actor, f"{summary}: {why}")
            summary += "; claim closed"
        s.flush()
        uow.audit("transfer", "claim", claim.id,
                  f"{summary} on {claim.patient_control_number}: {why}",
                  patient_id=claim.patient_id)  # fmt: skip
        return ClaimOut.model_validate(claim)
