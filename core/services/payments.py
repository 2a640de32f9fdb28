"""Money posted by hand: paper EOBs in payment batches, patient payments, credits and refunds.

A **payment batch** is one deposit worked by hand: the check or EFT a paper EOB came with
(``kind="insurance"``), or a day's front-desk payments (``kind="patient"``). Every ledger entry
posted in it carries its ``batch_id``; the batch closes only when what was posted equals the
deposit to the cent.

One EOB line (:func:`post_eob_line`) is one ledger transaction (one ``txn``): the insurance
payment, the write-offs (CO/OA/PI/CR, group and CARC kept) and the patient responsibility (PR,
moved to the patient bucket as transfer pairs, the reason 1/2/3 kept). Then the claim's status
follows its money (:func:`core.services.settlement.settle`). :func:`void_batch_entry` takes a
posting back with reversing entries; nothing is ever deleted.

Patient money goes onto claims that still ask something of the patient, oldest visit first or
to the claims chosen; what is left stays on the account as **unapplied credit** (a patient
payment on no claim). A copay taken at check-in, before the visit is billed, is such a credit
tagged with its visit (in the memo); :func:`apply_credit` moves it onto the visit's claim first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import NotFound, ValidationError
from core.money import Money
from core.schemas import (
    BatchOut,
    BatchPostingOut,
    PatientPaymentOut,
    PatientPaymentRow,
    PaymentApplicationOut,
)
from core.services import ledger
from core.services._common import translate_db_errors
from core.services.settlement import CONTRACTUAL, insurance_side, settle
from core.store import Store
from db.models import (
    Account,
    Claim,
    ClaimLine,
    Encounter,
    LedgerEntry,
    Patient,
    Payer,
    PaymentBatch,
    utcnow,
)

BATCH_KINDS = ("insurance", "patient")
INSURANCE_METHODS = ("check", "eft")
PATIENT_METHODS = ("cash", "check", "card")
BATCH_STATUSES = ("open", "closed")
WRITE_OFF_GROUPS = ("CO", "OA", "PI", "CR")
# Claims the payer has in hand: an EOB can speak of them.
POSTABLE = ("submitted", "accepted", "pending", "appealed", "denied", "partially_paid", "paid")
# A CARC is a number (45, 2, 253); a few carry a letter first (A1, B7, P14, W1).
_CARC = re.compile(r"^(?:[1-9][0-9]{0,2}|[A-Z][0-9]{1,2})$")
# Memo markers the service reads back: keep them stable.
VOID_PREFIX = "void of posting "
COPAY_PREFIX = "copay at check-in for visit "
CREDIT_MEMO = "unapplied credit"
FROM_CREDIT_MEMO = "from unapplied credit"
_COPAY = re.compile(r"^copay at check-in for visit (\d+)$")


# -- input ------------------------------------------------------------------------------------
def _money(value: Any, what: str, *, allow_zero: bool = False) -> Money:
    try:
        money = Money.of(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{what}: {exc}") from None
    if money.cents < 0 or (money.cents == 0 and not allow_zero):
        raise ValidationError(f"{what} must be more than zero (you entered {money})")
    return money


def _text(value: str | None) -> str:
    return (value or "").strip()


def _day(value: dt.date | None, what: str) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        raise ValidationError(f"{what} must be a date")
    if value > dt.date.today():
        raise ValidationError(f"{what} {value:%m/%d/%Y} is in the future")
    return value


def _method(value: str, allowed: Sequence[str], what: str) -> str:
    method = _text(value).lower()
    if method not in allowed:
        raise ValidationError(f"{what} must be paid by {', '.join(allowed)} (not {value!r})")
    return method


def _reference_for(method: str, reference: str | None, what: str) -> str | None:
    ref = _text(reference)
    if method == "check" and not ref:
        raise ValidationError(f"{what} by check needs the check number")
    if method == "card" and not ref:
        raise ValidationError(f"{what} by card needs the card's last 4 digits or the approval code")
    if method == "eft" and not ref:
        raise ValidationError(f"{what} by EFT needs its trace number")
    if len(ref) > 50:
        raise ValidationError(f"the reference {ref[:20]!r}... is longer than 50 characters")
    return ref or None


def _adjustments(items: Sequence[Any] | None) -> list[tuple[str, str, Money]]:
    out: list[tuple[str, str, Money]] = []
    for n, item in enumerate(items or (), start=1):
        try:
            group, reason, amount = item
        except (TypeError, ValueError):
            raise ValidationError(
                f"adjustment {n} must be (group, reason code, amount), e.g. ('CO', '45', '12.50')"
            ) from None
        group = str(group).strip().upper()
        if group not in ledger.GROUP_CODES:
            raise ValidationError(
                f"adjustment {n}: {group!r} is not an adjustment group; use CO (contractual), "
                "PR (patient responsibility), OA (other), PI (payer-initiated) or CR (correction)"
            )
        reason = str(reason).strip().upper()
        if not _CARC.match(reason):
            raise ValidationError(
                f"adjustment {n}: {reason!r} is not a claim adjustment reason code (CARC); "
                "CARCs are numbers such as 45 or 2 (a few start with a letter, such as B7)"
            )
        out.append((group, reason, _money(amount, f"adjustment {group}-{reason}")))
    return out


# -- reading batches --------------------------------------------------------------------------
def _batch(session: Session, batch_id: int) -> PaymentBatch:
    batch = session.get(PaymentBatch, batch_id)
    if batch is None:
        raise NotFound(f"No payment batch with id {batch_id}.")
    return batch


def _require_open(batch: PaymentBatch) -> None:
    if batch.status != "open":
        raise ValidationError(
            f"Batch {batch.id} is closed and cannot change; post the correction in a new batch."
        )


def _posted(session: Session, batch_ids: Sequence[int]) -> dict[int, int]:
    """Payments posted per batch, in cents (positive: money in)."""
    E = LedgerEntry
    rows = session.execute(
        select(E.batch_id, func.coalesce(func.sum(E.amount_cents), 0))
        .where(E.batch_id.in_(list(batch_ids)), E.kind == "payment")
        .group_by(E.batch_id)
    ).all()
    found = {int(bid): -int(total) for bid, total in rows}
    return {bid: found.get(bid, 0) for bid in batch_ids}


def _postings(session: Session, batch_id: int) -> list[BatchPostingOut]:
    entries = list(
        session.scalars(
            select(LedgerEntry).where(LedgerEntry.batch_id == batch_id).order_by(LedgerEntry.id)
        )
    )
    if not entries:
        return []
    patients = dict(
        session.execute(
            select(Account.id, Account.patient_id).where(
                Account.id.in_({e.account_id for e in entries})
            )
        ).all()
    )
    line_ids = {e.claim_line_id for e in entries if e.claim_line_id is not None}
    line_numbers = (
        dict(
            session.execute(
                select(ClaimLine.id, ClaimLine.line_number).where(ClaimLine.id.in_(line_ids))
            ).all()
        )
        if line_ids
        else {}
    )
    by_txn: dict[str, list[LedgerEntry]] = {}
    for entry in entries:
        by_txn.setdefault(entry.txn, []).append(entry)
    voided = {
        e.memo.removeprefix(VOID_PREFIX)
        for e in entries
        if e.memo and e.memo.startswith(VOID_PREFIX)
    }
    out = []
    for txn, group in by_txn.items():
        claim_ids = tuple(dict.fromkeys(e.claim_id for e in group if e.claim_id is not None))
        lines = {e.claim_line_id for e in group}
        line_number = None
        if len(lines) == 1 and None not in lines:
            line_number = line_numbers.get(next(iter(lines)))
        memo = next((e.memo for e in group if e.memo and e.memo.startswith(VOID_PREFIX)), None)
        out.append(
            BatchPostingOut(
                txn=txn,
                patient_id=patients[group[0].account_id],
                claim_ids=claim_ids,
                line_number=line_number,
                paid_cents=-sum(e.amount_cents for e in group if e.kind == "payment"),
                written_off_cents=-sum(e.amount_cents for e in group if e.kind == "adjustment"),
                to_patient_cents=sum(
                    e.amount_cents
                    for e in group
                    if e.kind == "transfer" and e.responsibility == "patient"
                ),
                credit_cents=-sum(
                    e.amount_cents
                    for e in group
                    if e.kind == "payment" and e.responsibility == "patient" and e.claim_id is None
                ),
                entry_date=group[0].entry_date,
                created_by=group[0].created_by,
                void_of=memo.removeprefix(VOID_PREFIX) if memo else None,
                voided=txn in voided,
            )
        )
    return out


def _batch_out(session: Session, batch: PaymentBatch, *, entries: bool = True) -> BatchOut:
    session.flush()
    posted = _posted(session, [batch.id])[batch.id]
    payer = session.get(Payer, batch.payer_id) if batch.payer_id is not None else None
    return BatchOut(
        id=batch.id,
        kind=batch.kind,
        payer_id=batch.payer_id,
        payer_name=payer.name if payer else None,
        method=batch.method,
        reference=batch.reference,
        deposit_date=batch.deposit_date,
        total_cents=batch.total_cents,
        status=batch.status,
        note=batch.note,
        created_at=batch.created_at,
        created_by=batch.created_by,
        closed_at=batch.closed_at,
        closed_by=batch.closed_by,
        posted_cents=posted,
        remaining_cents=batch.total_cents - posted,
        entries=tuple(_postings(session, batch.id)) if entries else (),
    )


# -- batches ----------------------------------------------------------------------------------
def open_batch(
    store: Store,
    *,
    kind: str = "insurance",
    payer_id: int | None = None,
    method: str,
    reference: str | None = None,
    deposit_date: dt.date,
    total: Money | int | str,
    note: str | None = None,
) -> BatchOut:
    """Open a batch for one deposit: a paper EOB's check/EFT (insurance) or a day's patient
    payments (patient). ``total`` is the deposit (Money, "1,000.00" or integer cents), > 0."""
    kind = _text(kind).lower()
    if kind not in BATCH_KINDS:
        raise ValidationError(f"a batch holds insurance or patient payments, not {kind!r}")
    amount = _money(total, "the batch total")
    day = _day(deposit_date, "the deposit date")
    if kind == "insurance":
        method = _method(method, INSURANCE_METHODS, "an insurance batch")
        if payer_id is None:
            raise ValidationError("an insurance batch needs the payer whose EOB it is")
        ref = _reference_for(method, reference, "an insurance batch paid")
    else:
        method = _method(method, PATIENT_METHODS, "a patient batch")
        if payer_id is not None:
            raise ValidationError("a patient batch holds patients' money: it has no payer")
        ref = _text(reference) or None  # a deposit slip number, if any
        if ref and len(ref) > 50:
            raise ValidationError(f"the reference {ref[:20]!r}... is longer than 50 characters")
    with translate_db_errors("payment batch"), store.uow() as uow:
        s = uow.session
        if payer_id is not None and s.get(Payer, payer_id) is None:
            raise NotFound(f"No payer with id {payer_id}.")
        batch = PaymentBatch(
            kind=kind, payer_id=payer_id, method=method, reference=ref, deposit_date=day,
            total_cents=amount.cents, status="open", note=_text(note) or None,
            created_by=store.actor,
        )  # fmt: skip
        s.add(batch)
        s.flush()
        uow.audit(
            "create",
            "payment_batch",
            batch.id,
            f"opened {kind} batch ({method} {ref or 'no reference'}) for {amount}",
        )
        return _batch_out(s, batch)


def batch_status(store: Store, batch_id: int) -> BatchOut:
    """The batch with what is posted so far, what remains, and its postings."""
    with store.uow() as uow:
        return _batch_out(uow.session, _batch(uow.session, batch_id))


def list_batches(store: Store, *, status: str | None = None) -> list[BatchOut]:
    """Batches, newest deposit first (open before closed); ``entries`` is left empty here."""
    if status is not None:
        status = _text(status).lower()
        if status not in BATCH_STATUSES:
            raise ValidationError(f"a batch is open or closed, not {status!r}")
    with store.uow() as uow:
        s = uow.session
        query = select(PaymentBatch)
        if status is not None:
            query = query.where(PaymentBatch.status == status)
        query = query.order_by(
            PaymentBatch.status.desc(), PaymentBatch.deposit_date.desc(), PaymentBatch.id.desc()
        )
        batches = list(s.scalars(query))
        if not batches:
            return []
        posted = _posted(s, [b.id for b in batches])
        payers = dict(
            s.execute(
                select(Payer.id, Payer.name).where(
                    Payer.id.in_({b.payer_id for b in batches if b.payer_id is not None})
                )
            ).all()
        )
        return [
            BatchOut(
                id=b.id,
                kind=b.kind,
                payer_id=b.payer_id,
                payer_name=payers.get(b.payer_id),
                method=b.method,
                reference=b.reference,
                deposit_date=b.deposit_date,
                total_cents=b.total_cents,
                status=b.status,
                note=b.note,
                created_at=b.created_at,
                created_by=b.created_by,
                closed_at=b.closed_at,
                closed_by=b.closed_by,
                posted_cents=posted[b.id],
                remaining_cents=b.total_cents - posted[b.id],
            )  # fmt: skip
            for b in batches
        ]


def close_batch(store: Store, batch_id: int) -> BatchOut:
    """Close the batch: only when what was posted equals the deposit, to the cent."""
    with translate_db_errors("payment batch"), store.uow() as uow:
        s = uow.session
        batch = _batch(s, batch_id)
        if batch.status == "closed":
            raise ValidationError(f"Batch {batch.id} is already closed.")
        posted = _posted(s, [batch.id])[batch.id]
        diff = batch.total_cents - posted
        if diff:
            where = "short" if diff > 0 else "over"
            fix = "post the missing lines" if diff > 0 else "void the posting that is too much"
            raise ValidationError(
                f"The batch is {Money(abs(diff))} {where}: posted {Money(posted)} of "
                f"{Money(batch.total_cents)}; {fix} before closing it."
            )
        batch.status = "closed"
        batch.closed_at = utcnow()
        batch.closed_by = store.actor
        uow.audit("close", "payment_batch", batch.id, f"closed batch at {Money(posted)}")
        return _batch_out(s, batch)


# -- paper EOBs -------------------------------------------------------------------------------
def post_eob_line(
    store: Store,
    batch_id: int,
    claim_id: int,
    *,
    line_number: int | None = None,
    paid: Money | int | str,
    adjustments: Sequence[tuple[str, str, Money | int | str]] = (),
    denied: bool = False,
    remarks: str = "",
    expected_version: int | None = None,
) -> BatchOut:
    """Post what a paper EOB says about one claim (or one of its lines) in an insurance batch.

    ``adjustments`` are (group, CARC, amount): CO/OA/PI/CR are written off on the insurance
    side; PR moves the amount to the patient (1 deductible, 2 coinsurance, 3 copay). The claim's
    status then follows its money. ``expected_version`` is the account version the user saw.
    """
    paid_m = _money(paid, "the paid amount", allow_zero=True)
    adjs = _adjustments(adjustments)
    taken = paid_m + sum((m for _, _, m in adjs), Money(0))
    if taken.cents == 0:
        raise ValidationError(
            "Nothing to post: the paid amount and the adjustments are all zero; enter what the "
            "EOB shows for this claim."
        )
    if denied and paid_m.cents:
        raise ValidationError(
            "A denied EOB line pays nothing: enter 0 as the paid amount, or do not mark it denied."
        )
    note = _text(remarks)
    if len(note) > 150:
        raise ValidationError("the EOB remarks are longer than 150 characters; shorten them")
    with translate_db_errors("account"), store.uow() as uow:
        s = uow.session
        batch = _batch(s, batch_id)
        if batch.kind != "insurance":
            raise ValidationError(
                f"Batch {batch.id} holds patient payments; post paper EOBs in an insurance batch."
            )
        _require_open(batch)
        claim = ledger._claim(s, claim_id)
        pcn = claim.patient_control_number
        if claim.payer_id != batch.payer_id:
            eob_payer = s.get(Payer, batch.payer_id)
            billed = s.get(Payer, claim.payer_id)
            raise ValidationError(
                f"This EOB is from {eob_payer.name if eob_payer else 'another payer'}, but claim "
                f"{pcn} is billed to {billed.name if billed else 'another payer'}; post it in a "
                "batch for that payer."
            )
        if claim.status not in POSTABLE:
            raise ValidationError(
                f"Claim {pcn} is {claim.status.replace('_', ' ')}: an EOB can only be posted to "
                "a claim the payer has (submitted, accepted, pending, appealed, denied, "
                "partially paid or paid)."
            )
        line = None
        if line_number is not None:
            line = s.scalars(
                select(ClaimLine).where(
                    ClaimLine.claim_id == claim.id, ClaimLine.line_number == line_number
                )
            ).first()
            if line is None:
                raise NotFound(
                    f"Claim {pcn} has no line {line_number} (it has {len(claim.lines)} lines)."
                )
            left = ledger.insurance_left_by_line(s, claim.id).get(line.id, 0)
            where = f"line {line_number} of claim {pcn}"
        else:
            left = insurance_side(s, claim.id)[0]
            where = f"claim {pcn}"
        if taken.cents > left:
            raise ValidationError(
                f"This EOB line takes {taken} off the insurance side, but only {Money(left)} is "
                f"still billed to the payer on {where}; check the paid and adjustment amounts."
            )
        account = ledger._account_for_patient(s, claim.patient_id)
        ledger._touch(account, expected_version)
        txn = ledger.new_txn()
        common: dict[str, Any] = dict(
            actor=store.actor, txn=txn, entry_date=batch.deposit_date, claim_id=claim.id,
            claim_line_id=line.id if line else None,
        )  # fmt: skip
        memo = f"EOB remarks: {note}" if note else None
        written: list[LedgerEntry] = []
        if paid_m.cents:
            entry = ledger._entry(
                s, account, kind="payment", responsibility="insurance", amount=-paid_m,
                payer_id=batch.payer_id, reference=batch.reference, memo=memo, **common,
            )  # fmt: skip
            entry.method = batch.method
            written.append(entry)
        for group, reason, amount in adjs:
            if group == "PR":
                label = ledger.PR_REASONS.get(reason, f"PR-{reason}")
                written.append(ledger._entry(
                    s, account, kind="transfer", responsibility="insurance", amount=-amount,
                    payer_id=batch.payer_id, group_code="PR", reason_code=reason, memo=label,
                    reference=batch.reference, **common,
                ))  # fmt: skip
                written.append(ledger._entry(
                    s, account, kind="transfer", responsibility="patient", amount=amount,
                    group_code="PR", reason_code=reason, memo=label, reference=batch.reference,
                    **common,
                ))  # fmt: skip
            elif reason in CONTRACTUAL:
                written.append(ledger._entry(
                    s, account, kind="adjustment", responsibility="insurance", amount=-amount,
                    payer_id=batch.payer_id, group_code=group, reason_code=reason, memo=memo,
                    reference=batch.reference, **common,
                ))  # fmt: skip
            else:
                # A denial reason: recorded (zero amount, the CARC kept) and left with the
                # payer for the denial queue, never silently written off.
                written.append(ledger._entry(
                    s, account, kind="adjustment", responsibility="insurance", amount=Money(0),
                    payer_id=batch.payer_id, group_code=group, reason_code=reason,
                    memo=f"denied {amount} ({group}-{reason}), left with the payer",
                    reference=batch.reference, **common,
                ))  # fmt: skip
                denied = denied or not paid_m.cents
        for entry in written:
            entry.batch_id = batch.id
        status = settle(
            s, claim, store.actor,
            f"paper EOB posted (batch {batch.id}, {batch.method} {batch.reference})",
            denied=denied,
        )  # fmt: skip
        off = sum((m for g, r, m in adjs if g != "PR" and r in CONTRACTUAL), Money(0))
        pr = sum((m for g, _, m in adjs if g == "PR"), Money(0))
        uow.audit(
            "post",
            "payment_batch",
            batch.id,
            f"EOB on {where}: paid {paid_m}, written off {off}, to patient {pr}"
            f"{' (denied)' if denied else ''}; claim now {status.value} [txn {txn}]",
            patient_id=claim.patient_id,
        )
        return _batch_out(s, batch)


def void_batch_entry(store: Store, batch_id: int, txn: str) -> BatchOut:
    """Take back one posting of an open batch with reversing entries (nothing is deleted).

    Claims it touched on the insurance side are settled again.
    """
    txn = _text(txn)
    with translate_db_errors("account"), store.uow() as uow:
        s = uow.session
        batch = _batch(s, batch_id)
        _require_open(batch)
        E = LedgerEntry
        entries = list(s.scalars(select(E).where(E.batch_id == batch.id, E.txn == txn)))
        if not entries:
            raise NotFound(f"Batch {batch.id} has no posting {txn!r}.")
        if s.scalar(select(E.id).where(E.batch_id == batch.id, E.memo == VOID_PREFIX + txn)):
            raise ValidationError("That posting was already voided.")
        account, back = _reverse(s, entries, txn, store.actor, batch_id=batch.id)
        claim_ids = dict.fromkeys(
            e.claim_id
            for e in entries
            if e.claim_id is not None and e.responsibility == "insurance"
        )
        for cid in claim_ids:
            settle(s, ledger._claim(s, cid), store.actor, f"EOB posting voided (batch {batch.id})")
        paid = Money(-sum(e.amount_cents for e in entries if e.kind == "payment"))
        uow.audit(
            "void",
            "payment_batch",
            batch.id,
            f"voided posting {txn} ({paid} paid) [txn {back}]",
            patient_id=account.patient_id,
        )
        return _batch_out(s, batch)


def _reverse(session: Session, entries: list[LedgerEntry], txn: str, actor: str, *,
             batch_id: int | None) -> tuple[Account, str]:  # fmt: skip
    """Reversing entries for one posting (``txn``): each entry again with its sign turned,
    today, memo ``VOID_PREFIX + txn``. Refused when the posting is itself a void, or when part
    of it was kept as credit that has since been used. Returns (the account, the new txn)."""
    if any(e.memo and e.memo.startswith(VOID_PREFIX) for e in entries):
        raise ValidationError(
            "That posting is itself a void; post the EOB line or payment again instead."
        )
    account = session.get(Account, entries[0].account_id)
    as_credit = -sum(
        e.amount_cents
        for e in entries
        if e.responsibility == "patient" and e.claim_id is None and e.kind == "payment"
    )
    if as_credit > 0:
        credit = ledger.unapplied_credit_in(session, account.patient_id)
        if credit < as_credit:
            raise ValidationError(
                f"{Money(as_credit)} of this payment was kept as credit, but only "
                f"{Money(credit)} of credit is left (the rest was applied to claims or "
                "refunded since); that payment can no longer be voided whole."
            )
    ledger._touch(account, None)
    back = ledger.new_txn()
    today = dt.date.today()
    for e in entries:
        session.add(
            LedgerEntry(
                account_id=e.account_id, claim_id=e.claim_id, claim_line_id=e.claim_line_id,
                payer_id=e.payer_id, txn=back, kind=e.kind, responsibility=e.responsibility,
                amount_cents=-e.amount_cents, group_code=e.group_code,
                reason_code=e.reason_code, reference=e.reference, memo=VOID_PREFIX + txn,
                entry_date=today, created_by=actor, batch_id=batch_id, method=e.method,
            )
        )  # fmt: skip
    session.flush()
    return account, back


def reopen_batch(store: Store, batch_id: int, *, reason: str) -> BatchOut:
    """Open a closed batch again (a posting in it was wrong and must be voided or added),
    with the reason kept in the audit trail. It closes again only when it balances."""
    why = _text(reason)
    if len(why) < 5:
        raise ValidationError("say why the batch is reopened (at least 5 characters)")
    with translate_db_errors("payment batch"), store.uow() as uow:
        s = uow.session
        batch = _batch(s, batch_id)
        if batch.status != "closed":
            raise ValidationError(f"Batch {batch.id} is open already.")
        batch.status = "open"
        batch.closed_at = None
        batch.closed_by = None
        uow.audit("reopen", "payment_batch", batch.id, f"reopened: {why}")
        return _batch_out(s, batch)


# -- patient payments -------------------------------------------------------------------------
def _parse_apply_to(value: Any) -> tuple[str, Any]:
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "oldest":
            return "oldest", None
        if text.startswith("copay:"):
            number = text.removeprefix("copay:").strip()
            if number.isdigit():
                return "copay", int(number)
        raise ValidationError(
            f"apply the payment to 'oldest', a list of claim ids, or 'copay:<visit id>' "
            f"(not {value!r})"
        )
    if isinstance(value, Sequence):
        ids: list[int] = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int):
                raise ValidationError(f"{item!r} is not a claim id")
            if item not in ids:
                ids.append(item)
        if not ids:
            raise ValidationError("choose at least one claim to apply the payment to")
        return "claims", ids
    raise ValidationError("apply the payment to 'oldest', a list of claim ids, or 'copay:<id>'")


def _dates_of_service(session: Session, claim_ids: Sequence[int]) -> dict[int, tuple[dt.date, int]]:
    """(date of service, encounter id) per claim."""
    if not claim_ids:
        return {}
    rows = session.execute(
        select(Claim.id, Encounter.date_of_service, Encounter.id)
        .join(Encounter, Encounter.id == Claim.encounter_id)
        .where(Claim.id.in_(list(claim_ids)))
    ).all()
    return {int(cid): (dos, int(eid)) for cid, dos, eid in rows}


def _oldest_due(session: Session, patient_id: int) -> list[tuple[int, int]]:
    """(claim id, patient balance) of claims the patient owes on, oldest visit first."""
    due = ledger.patient_due_by_claim(session, patient_id)
    dos = _dates_of_service(session, list(due))
    order = sorted(due, key=lambda cid: (dos[cid][0], cid))
    return [(cid, due[cid]) for cid in order]


def _chosen_claims(session: Session, patient_id: int, ids: Sequence[int]) -> list[tuple[int, int]]:
    due = ledger.patient_due_by_claim(session, patient_id)
    out = []
    for cid in ids:
        claim = ledger._claim(session, cid)
        if claim.patient_id != patient_id:
            raise ValidationError(f"Claim {claim.patient_control_number} is another patient's.")
        out.append((cid, due.get(cid, 0)))
    return out


def _copay_pools(session: Session, account: Account) -> dict[int, int]:
    """Credit still tagged as a visit's check-in copay, per encounter id (cents > 0)."""
    E = LedgerEntry
    rows = session.execute(
        select(E.txn, E.memo, E.amount_cents).where(
            E.account_id == account.id, E.responsibility == "patient", E.claim_id.is_(None),
            E.kind == "payment",
        )
    ).all()  # fmt: skip
    voided = {m.removeprefix(VOID_PREFIX) for _, m, _ in rows if m and m.startswith(VOID_PREFIX)}
    pools: dict[int, int] = {}
    for txn, memo, amount in rows:
        match = _COPAY.match(memo or "")
        if match and txn not in voided:
            eid = int(match.group(1))
            pools[eid] = pools.get(eid, 0) - int(amount)
    return {eid: cents for eid, cents in pools.items() if cents > 0}


def _patient_out(
    session: Session, *, action: str, txn: str | None, patient_id: int, amount: int,
    method: str | None, reference: str | None, day: dt.date, batch_id: int | None,
    applied: list[PaymentApplicationOut],
) -> PatientPaymentOut:  # fmt: skip
    session.flush()
    return PatientPaymentOut(
        action=action, txn=txn, patient_id=patient_id, amount_cents=amount, method=method,
        reference=reference, entry_date=day, batch_id=batch_id, applied=tuple(applied),
        credit_cents=ledger.unapplied_credit_in(session, patient_id),
        patient_balance_cents=ledger.balance_in(session, patient_id).patient_cents,
    )  # fmt: skip


def take_patient_payment(
    store: Store,
    patient_id: int,
    amount: Money | int | str,
    *,
    method: str,
    reference: str | None = None,
    on: dt.date | None = None,
    apply_to: str | Sequence[int] = "oldest",
    batch_id: int | None = None,
    expected_version: int | None = None,
) -> PatientPaymentOut:
    """Take money from a patient (cash, check or card) and put it on what they owe.

    ``apply_to``: "oldest" (claims the patient owes on, oldest visit first), a list of claim ids
    (in that order), or "copay:<encounter id>" (a copay at check-in, before the visit is
    billed). What is left over stays on the account as unapplied credit.
    """
    money = _money(amount, "the payment")
    method = _method(method, PATIENT_METHODS, "a patient payment")
    ref = _reference_for(method, reference, "a payment")
    day = _day(on, "the payment date")
    mode, target = _parse_apply_to(apply_to)
    with translate_db_errors("account"), store.uow() as uow:
        s = uow.session
        if s.get(Patient, patient_id) is None:
            raise NotFound(f"No patient with id {patient_id}.")
        batch = None
        if batch_id is not None:
            batch = _batch(s, batch_id)
            if batch.kind != "patient":
                raise ValidationError(
                    f"Batch {batch.id} is a paper EOB batch; put patient payments in a patient "
                    "batch."
                )
            _require_open(batch)
            if batch.method != method:
                raise ValidationError(
                    f"Batch {batch.id} holds {batch.method} payments; put this {method} payment "
                    f"in a {method} batch."
                )
        account = ledger._account_for_patient(s, patient_id)
        ledger._touch(account, expected_version)
        leftover_memo = CREDIT_MEMO
        if mode == "oldest":
            targets = _oldest_due(s, patient_id)
        elif mode == "claims":
            targets = _chosen_claims(s, patient_id, target)
        else:
            encounter = s.get(Encounter, target)
            if encounter is None:
                raise NotFound(f"No visit (encounter) with id {target}.")
            if encounter.patient_id != patient_id:
                raise ValidationError(f"Visit {target} is another patient's.")
            due = ledger.patient_due_by_claim(s, patient_id)
            claim_ids = s.scalars(
                select(Claim.id).where(Claim.encounter_id == target).order_by(Claim.id)
            ).all()
            targets = [(cid, due[cid]) for cid in claim_ids if cid in due]
            leftover_memo = f"{COPAY_PREFIX}{target}"
        txn = ledger.new_txn()
        dos = _dates_of_service(s, [cid for cid, _ in targets])
        remaining = money.cents
        applied: list[PaymentApplicationOut] = []
        written: list[LedgerEntry] = []
        for cid, due_cents in targets:
            take = min(remaining, due_cents)
            if take <= 0:
                continue
            written.append(ledger._entry(
                s, account, actor=store.actor, txn=txn, kind="payment", responsibility="patient",
                amount=Money(-take), entry_date=day, claim_id=cid, reference=ref,
            ))  # fmt: skip
            applied.append(PaymentApplicationOut(
                claim_id=cid, date_of_service=dos[cid][0], amount_cents=take,
            ))  # fmt: skip
            remaining -= take
        if remaining > 0:
            written.append(ledger._entry(
                s, account, actor=store.actor, txn=txn, kind="payment", responsibility="patient",
                amount=Money(-remaining), entry_date=day, reference=ref, memo=leftover_memo,
            ))  # fmt: skip
            applied.append(PaymentApplicationOut(
                claim_id=None, date_of_service=None, amount_cents=remaining, memo=leftover_memo,
            ))  # fmt: skip
        for entry in written:
            entry.method = method
            entry.batch_id = batch.id if batch else None
        s.flush()
        uow.audit(
            "post",
            "ledger",
            written[0].id,
            f"patient payment {money} by {method}"
            f"{f' ({ref})' if ref else ''}: {money.cents - remaining} to claims, "
            f"{Money(remaining)} kept as credit [txn {txn}]",
            patient_id=patient_id,
        )
        return _patient_out(
            s, action="payment", txn=txn, patient_id=patient_id, amount=money.cents,
            method=method, reference=ref, day=day, batch_id=batch.id if batch else None,
            applied=applied,
        )  # fmt: skip


def patient_payments(store: Store, patient_id: int, *, limit: int = 50) -> list[PatientPaymentRow]:
    """The patient's payments (money in), newest first, each with the claims it went to, the
    part kept as credit, and whether it was voided."""
    E = LedgerEntry
    with store.uow() as uow:
        s = uow.session
        if s.get(Patient, patient_id) is None:
            raise NotFound(f"No patient with id {patient_id}.")
        account = ledger._account_for_patient(s, patient_id)
        rows = s.scalars(
            select(E).where(E.account_id == account.id, E.responsibility == "patient",
                            E.kind == "payment").order_by(E.id)
        ).all()  # fmt: skip
        by_txn: dict[str, list[LedgerEntry]] = {}
        voided: set[str] = set()
        for e in rows:
            memo = e.memo or ""
            if memo.startswith(VOID_PREFIX):
                voided.add(memo.removeprefix(VOID_PREFIX))
            else:
                by_txn.setdefault(e.txn, []).append(e)
        out = []
        for txn, entries in by_txn.items():
            if any((e.memo or "") == FROM_CREDIT_MEMO for e in entries):
                continue  # credit moved onto claims: no money came in
            paid = -sum(e.amount_cents for e in entries)
            if paid <= 0:
                continue
            first = entries[0]
            out.append(PatientPaymentRow(
                txn=txn, entry_date=first.entry_date, amount_cents=paid, method=first.method,
                reference=first.reference, batch_id=first.batch_id,
                claim_ids=tuple(dict.fromkeys(e.claim_id for e in entries if e.claim_id)),
                credit_cents=-sum(e.amount_cents for e in entries if e.claim_id is None),
                voided=txn in voided,
            ))  # fmt: skip
        return out[::-1][:limit]


def void_patient_payment(store: Store, patient_id: int, txn: str, *, reason: str
                         ) -> PatientPaymentOut:  # fmt: skip
    """Take back a patient payment taken outside a batch (keyed wrong, a check that bounced):
    reversing entries, the reason in the audit trail. A payment in a batch is voided in its
    batch (:func:`void_batch_entry`), so the batch keeps balancing."""
    txn, why = _text(txn), _text(reason)
    if len(why) < 5:
        raise ValidationError("say why the payment is voided (at least 5 characters)")
    E = LedgerEntry
    with translate_db_errors("account"), store.uow() as uow:
        s = uow.session
        if s.get(Patient, patient_id) is None:
            raise NotFound(f"No patient with id {patient_id}.")
        account = ledger._account_for_patient(s, patient_id)
        entries = list(s.scalars(select(E).where(
            E.account_id == account.id, E.txn == txn, E.kind == "payment",
            E.responsibility == "patient")))  # fmt: skip
        if not entries or any((e.memo or "") == FROM_CREDIT_MEMO for e in entries):
            raise NotFound(f"This patient has no payment {txn!r}.")
        if any(e.batch_id is not None for e in entries):
            raise ValidationError(
                f"That payment is in batch {entries[0].batch_id}: void it there, so the batch "
                "still balances."
            )
        if s.scalar(select(E.id).where(E.account_id == account.id,
                                       E.memo == VOID_PREFIX + txn)):  # fmt: skip
            raise ValidationError("That payment was already voided.")
        _, back = _reverse(s, entries, txn, store.actor, batch_id=None)
        paid = -sum(e.amount_cents for e in entries)
        first = entries[0]
        uow.audit("void", "ledger", first.id,
                  f"voided patient payment {txn} ({Money(paid)} by {first.method or 'unknown'}): "
                  f"{why} [txn {back}]", patient_id=patient_id)  # fmt: skip
        return _patient_out(
            s, action="void", txn=back, patient_id=patient_id, amount=paid,
            method=first.method, reference=first.reference, day=dt.date.today(), batch_id=None,
            applied=[],
        )  # fmt: skip


def apply_credit(
    store: Store,
    patient_id: int,
    *,
    to: str | Sequence[int] = "oldest",
    expected_version: int | None = None,
) -> PatientPaymentOut:
    """Move the account's unapplied credit onto claims the patient owes on.

    ``to="oldest"``: a copay taken at check-in goes to its own visit's claim first, then the
    rest to the oldest visits; or a list of claim ids, in that order. Claims that owe nothing
    take nothing; when nothing can move, nothing is written (``txn`` is None).
    """
    mode, target = _parse_apply_to(to)
    if mode == "copay":
        raise ValidationError("credit goes to 'oldest' or to a list of claim ids")
    with translate_db_errors("account"), store.uow() as uow:
        s = uow.session
        if s.get(Patient, patient_id) is None:
            raise NotFound(f"No patient with id {patient_id}.")
        account = ledger._account_for_patient(s, patient_id)
        credit = ledger.unapplied_credit_in(s, patient_id)
        pools = _copay_pools(s, account)
        if mode == "oldest":
            targets = _oldest_due(s, patient_id)
        else:
            targets = _chosen_claims(s, patient_id, target)
        dos = _dates_of_service(s, [cid for cid, _ in targets])
        if mode == "oldest":  # a visit's own copay first
            targets.sort(key=lambda t: (dos[t[0]][1] not in pools,))
        today = dt.date.today()
        txn = ledger.new_txn()
        applied: list[PaymentApplicationOut] = []
        remaining = credit
        for cid, due_cents in targets:
            take = min(remaining, due_cents)
            if take <= 0:
                continue
            if not applied:
                ledger._touch(account, expected_version)
            encounter_id = dos[cid][1]
            tagged = min(take, pools.get(encounter_id, 0))
            # Out of the credit (tagged parts keep their visit's tag), onto the claim.
            parts = [
                (tagged, f"{COPAY_PREFIX}{encounter_id}"),
                (take - tagged, f"credit applied to claim {cid}"),
            ]
            for cents, memo in parts:
                if cents > 0:
                    ledger._entry(
                        s, account, actor=store.actor, txn=txn, kind="payment",
                        responsibility="patient", amount=Money(cents), entry_date=today, memo=memo,
                    )  # fmt: skip
            if tagged:
                pools[encounter_id] -= tagged
            ledger._entry(
                s, account, actor=store.actor, txn=txn, kind="payment", responsibility="patient",
                amount=Money(-take), entry_date=today, claim_id=cid, memo=FROM_CREDIT_MEMO,
            )  # fmt: skip
            applied.append(PaymentApplicationOut(
                claim_id=cid, date_of_service=dos[cid][0], amount_cents=take,
                memo="check-in copay" if tagged == take else None,
            ))  # fmt: skip
            remaining -= take
        moved = credit - remaining
        if moved:
            s.flush()
            uow.audit(
                "post",
                "ledger",
                None,
                f"applied {Money(moved)} of credit to claims "
                f"{', '.join(str(a.claim_id) for a in applied)} [txn {txn}]",
                patient_id=patient_id,
            )
        return _patient_out(
            s, action="apply_credit", txn=txn if moved else None, patient_id=patient_id,
            amount=moved, method=None, reference=None, day=today, batch_id=None, applied=applied,
        )  # fmt: skip


def refund_credit(
    store: Store,
    patient_id: int,
    amount: Money | int | str,
    *,
    method: str,
    reference: str | None = None,
    reason: str,
    on: dt.date | None = None,
    expected_version: int | None = None,
) -> PatientPaymentOut:
    """Give the patient back money from their unapplied credit (never more than that credit)."""
    money = _money(amount, "the refund")
    method = _method(method, PATIENT_METHODS, "a refund")
    ref = _reference_for(method, reference, "a refund")
    why = _text(reason)
    if not why:
        raise ValidationError("a refund needs its reason (e.g. 'overpaid copay')")
    if len(why) > 150:
        raise ValidationError("the refund reason is longer than 150 characters; shorten it")
    day = _day(on, "the refund date")
    with translate_db_errors("account"), store.uow() as uow:
        s = uow.session
        if s.get(Patient, patient_id) is None:
            raise NotFound(f"No patient with id {patient_id}.")
        account = ledger._account_for_patient(s, patient_id)
        credit = ledger.unapplied_credit_in(s, patient_id)
        if credit == 0:
            raise ValidationError("This account has no unapplied credit to refund.")
        if money.cents > credit:
            raise ValidationError(
                f"This account has only {Money(credit)} of unapplied credit; a refund of "
                f"{money} is more than that."
            )
        ledger._touch(account, expected_version)
        txn = ledger.new_txn()
        entry = ledger._entry(
            s, account, actor=store.actor, txn=txn, kind="refund", responsibility="patient",
            amount=money, entry_date=day, reference=ref, memo=f"refund: {why}",
        )  # fmt: skip
        entry.method = method
        s.flush()
        uow.audit(
            "refund",
            "ledger",
            entry.id,
            f"refunded {money} of credit by {method}{f' ({ref})' if ref else ''}: {why}",
            patient_id=patient_id,
        )
        return _patient_out(
            s, action="refund", txn=txn, patient_id=patient_id, amount=money.cents,
            method=method, reference=ref, day=day, batch_id=None,
            applied=[PaymentApplicationOut(
                claim_id=None, date_of_service=None, amount_cents=money.cents, memo=why,
            )],
        )  # fmt: skip
