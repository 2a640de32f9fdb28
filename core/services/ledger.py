"""The account ledger: charges, payments, adjustments and transfers. Balances are sums, never stored.

Sign convention (see db.models.LedgerEntry): ``amount_cents`` is the change to what is owed in
the ``responsibility`` bucket. Charges are positive; payments and write-offs are negative; a
transfer moves an amount from one bucket to the other as two entries sharing one ``txn``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.errors import NotFound, ValidationError
from core.money import Money
from core.schemas import BalanceOut, ClaimMoney, LedgerEntryOut
from core.services._common import translate_db_errors
from core.store import Store
from db.models import Account, Claim, LedgerEntry, Patient, utcnow

KINDS = ("charge", "payment", "adjustment", "transfer", "refund")
BUCKETS = ("insurance", "patient")
GROUP_CODES = ("CO", "PR", "OA", "PI", "CR")
PR_REASONS = {"1": "deductible", "2": "coinsurance", "3": "copay"}


def new_txn() -> str:
    return uuid.uuid4().hex


def _account_for_patient(session: Session, patient_id: int) -> Account:
    account = session.scalars(select(Account).where(Account.patient_id == patient_id)).first()
    if account is None:
        raise NotFound(f"Patient {patient_id} has no account.")
    return account


def _claim(session: Session, claim_id: int) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"No claim with id {claim_id}.")
    return claim


def _touch(account: Account, expected_version: int | None) -> None:
    """Bump the account's version: two postings racing on one account cannot both commit."""
    if expected_version is not None and account.version != expected_version:
        from core.errors import ConcurrencyError

        raise ConcurrencyError(
            "This account changed since you opened it (someone else posted to it); "
            "reload it and post again."
        )
    account.last_activity_at = utcnow()


def _entry(
    session: Session,
    account: Account,
    *,
    actor: str,
    txn: str,
    kind: str,
    responsibility: str,
    amount: Money,
    entry_date: dt.date,
    claim_id: int | None = None,
    claim_line_id: int | None = None,
    payer_id: int | None = None,
    group_code: str | None = None,
    reason_code: str | None = None,
    reference: str | None = None,
    memo: str | None = None,
) -> LedgerEntry:
    assert kind in KINDS and responsibility in BUCKETS
    entry = LedgerEntry(
        account_id=account.id,
        claim_id=claim_id,
        claim_line_id=claim_line_id,
        payer_id=payer_id,
        txn=txn,
        kind=kind,
        responsibility=responsibility,
        amount_cents=amount.cents,
        group_code=group_code,
        reason_code=reason_code,
        reference=reference,
        memo=memo,
        entry_date=entry_date,
        created_by=actor,
    )
    session.add(entry)
    return entry


def post_claim_charges(session: Session, claim: Claim, actor: str, *, insured: bool = True) -> str:
    """Post one charge per claim line (used by the claims service inside its unit of work)."""
    account = _account_for_patient(session, claim.patient_id)
    _touch(account, None)
    txn = new_txn()
    for line in claim.lines:
        _entry(
            session,
            account,
            actor=actor,
            txn=txn,
            kind="charge",
            responsibility="insurance" if insured else "patient",
            amount=Money(line.charge_cents),
            entry_date=line.date_of_service,
            claim_id=claim.id,
            claim_line_id=line.id,
            payer_id=claim.payer_id if insured else None,
            memo=f"{line.code} x{line.units}",
        )
    return txn


def insurance_left_by_line(session: Session, claim_id: int) -> dict[int, int]:
    """What is still owed on the insurance side of a claim, per claim line id.

    Postings made to the whole claim (no line) are spread over the lines in proportion to
    what each line still owes, so the per-line figures always add up to the claim's total.
    """
    E = LedgerEntry
    rows = session.execute(
        select(E.claim_line_id, func.coalesce(func.sum(E.amount_cents), 0))
        .where(E.claim_id == claim_id, E.responsibility == "insurance")
        .group_by(E.claim_line_id)
    ).all()
    by_line = {int(line_id): int(total) for line_id, total in rows if line_id is not None}
    unassigned = sum(int(total) for line_id, total in rows if line_id is None)
    if unassigned and by_line:
        ids = sorted(by_line)
        weights = [max(by_line[i], 0) for i in ids]
        if sum(weights) == 0:
            weights = [1] * len(ids)
        for line_id, part in zip(ids, Money(unassigned).allocate(weights), strict=True):
            by_line[line_id] += part.cents
    return by_line


def move_to_next_payer(
    session: Session,
    prior: Claim,
    claim: Claim,
    moves: list[tuple[int, int, int]],
    actor: str,
) -> str:
    """Move (prior line id, new line id, cents) from the prior payer's claim onto ``claim``."""
    account = _account_for_patient(session, claim.patient_id)
    _touch(account, None)
    txn = new_txn()
    for prior_line_id, line_id, cents in moves:
        for claim_id, cl_id, payer_id, sign, memo in (
            (prior.id, prior_line_id, prior.payer_id, -1, f"billed to the next payer ({claim.id})"),
            (claim.id, line_id, claim.payer_id, 1, f"left by the prior payer ({prior.id})"),
        ):
            _entry(
                session, account, actor=actor, txn=txn, kind="charge", responsibility="insurance",
                amount=Money(sign * cents), entry_date=dt.date.today(), claim_id=claim_id,
                claim_line_id=cl_id, payer_id=payer_id, memo=memo,
            )  # fmt: skip
    return txn


def _positive(amount: Money | int | str, what: str) -> Money:
    try:
        money = Money.of(amount)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{what}: {exc}") from None
    if money.cents <= 0:
        raise ValidationError(f"{what} must be more than zero")
    return money


def post_insurance_payment(
    store: Store,
    claim_id: int,
    amount: Money | int | str,
    *,
    reference: str,
    entry_date: dt.date | None = None,
    expected_version: int | None = None,
) -> LedgerEntryOut:
    """Record money the payer paid on a claim."""
    money = _positive(amount, "payment")
    if not reference or not reference.strip():
        raise ValidationError("an insurance payment needs its check or EFT number")
    with translate_db_errors("account"), store.uow() as uow:
        claim = _claim(uow.session, claim_id)
        account = _account_for_patient(uow.session, claim.patient_id)
        _touch(account, expected_version)
        entry = _entry(
            uow.session,
            account,
            actor=store.actor,
            txn=new_txn(),
            kind="payment",
            responsibility="insurance",
            amount=-money,
            entry_date=entry_date or dt.date.today(),
            claim_id=claim.id,
            payer_id=claim.payer_id,
            reference=reference.strip(),
        )
        uow.session.flush()
        uow.audit(
            "post",
            "ledger",
            entry.id,
            f"insurance payment {money} on claim {claim.id}",
            patient_id=claim.patient_id,
        )
        return LedgerEntryOut.model_validate(entry)


def post_adjustment(
    store: Store,
    claim_id: int,
    amount: Money | int | str,
    *,
    group_code: str,
    reason_code: str,
    responsibility: str = "insurance",
    memo: str | None = None,
    entry_date: dt.date | None = None,
    expected_version: int | None = None,
) -> LedgerEntryOut:
    """Write off part of a claim (CO contractual, OA/PI other), lowering the bucket's balance.

    PR is not a write-off: use :func:`transfer_to_patient` for patient responsibility.
    """
    money = _positive(amount, "adjustment")
    group = group_code.strip().upper()
    if group not in GROUP_CODES or group == "PR":
        raise ValidationError(
            "adjustment group must be CO, OA, PI or CR (PR moves to the patient: use a transfer)"
        )
    if responsibility not in BUCKETS:
        raise ValidationError("responsibility must be insurance or patient")
    if not reason_code or not reason_code.strip():
        raise ValidationError("an adjustment needs its reason code (CARC)")
    with translate_db_errors("account"), store.uow() as uow:
        claim = _claim(uow.session, claim_id)
        account = _account_for_patient(uow.session, claim.patient_id)
        _touch(account, expected_version)
        entry = _entry(
            uow.session,
            account,
            actor=store.actor,
            txn=new_txn(),
            kind="adjustment",
            responsibility=responsibility,
            amount=-money,
            entry_date=entry_date or dt.date.today(),
            claim_id=claim.id,
            payer_id=claim.payer_id if responsibility == "insurance" else None,
            group_code=group,
            reason_code=reason_code.strip().upper(),
            memo=memo,
        )
        uow.session.flush()
        uow.audit(
            "post",
            "ledger",
            entry.id,
            f"adjustment {group}-{reason_code} {money} on claim {claim.id}",
            patient_id=claim.patient_id,
        )
        return LedgerEntryOut.model_validate(entry)


def transfer_to_patient(
    store: Store,
    claim_id: int,
    amount: Money | int | str,
    *,
    reason_code: str,
    entry_date: dt.date | None = None,
    expected_version: int | None = None,
) -> tuple[LedgerEntryOut, LedgerEntryOut]:
    """Move patient responsibility (PR: 1 deductible, 2 coinsurance, 3 copay...) to the patient."""
    money = _positive(amount, "transfer")
    reason = reason_code.strip().upper()
    if not reason:
        raise ValidationError("a transfer to the patient needs its PR reason code")
    with translate_db_errors("account"), store.uow() as uow:
        claim = _claim(uow.session, claim_id)
        account = _account_for_patient(uow.session, claim.patient_id)
        _touch(account, expected_version)
        txn = new_txn()
        day = entry_date or dt.date.today()
        label = PR_REASONS.get(reason, f"PR-{reason}")
        out = _entry(
            uow.session, account, actor=store.actor, txn=txn, kind="transfer",
            responsibility="insurance", amount=-money, entry_date=day, claim_id=claim.id,
            payer_id=claim.payer_id, group_code="PR", reason_code=reason, memo=label,
        )  # fmt: skip
        into = _entry(
            uow.session, account, actor=store.actor, txn=txn, kind="transfer",
            responsibility="patient", amount=money, entry_date=day, claim_id=claim.id,
            group_code="PR", reason_code=reason, memo=label,
        )  # fmt: skip
        uow.session.flush()
        uow.audit(
            "post",
            "ledger",
            out.id,
            f"transfer {money} ({label}) to patient on claim {claim.id}",
            patient_id=claim.patient_id,
        )
        return LedgerEntryOut.model_validate(out), LedgerEntryOut.model_validate(into)


def post_patient_payment(
    store: Store,
    patient_id: int,
    amount: Money | int | str,
    *,
    reference: str,
    claim_id: int | None = None,
    entry_date: dt.date | None = None,
    expected_version: int | None = None,
) -> LedgerEntryOut:
    """Money the patient paid (cash, check, card reference), optionally applied to one claim."""
    money = _positive(amount, "payment")
    if not reference or not reference.strip():
        raise ValidationError("a patient payment needs a reference (receipt, check or card ref.)")
    with translate_db_errors("account"), store.uow() as uow:
        if uow.session.get(Patient, patient_id) is None:
            raise NotFound(f"No patient with id {patient_id}.")
        if claim_id is not None:
            claim = _claim(uow.session, claim_id)
            if claim.patient_id != patient_id:
                raise ValidationError(f"Claim {claim_id} belongs to another patient.")
        account = _account_for_patient(uow.session, patient_id)
        _touch(account, expected_version)
        entry = _entry(
            uow.session, account, actor=store.actor, txn=new_txn(), kind="payment",
            responsibility="patient", amount=-money, entry_date=entry_date or dt.date.today(),
            claim_id=claim_id, reference=reference.strip(),
        )  # fmt: skip
        uow.session.flush()
        uow.audit("post", "ledger", entry.id, f"patient payment {money}", patient_id=patient_id)
        return LedgerEntryOut.model_validate(entry)


# -- reading ----------------------------------------------------------------------------------
def account_balance(store: Store, patient_id: int) -> BalanceOut:
    with store.uow() as uow:
        return balance_in(uow.session, patient_id)


def balance_in(session: Session, patient_id: int) -> BalanceOut:
    account = _account_for_patient(session, patient_id)
    rows = session.execute(
        select(LedgerEntry.responsibility, func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
        .where(LedgerEntry.account_id == account.id)
        .group_by(LedgerEntry.responsibility)
    ).all()
    sums = {bucket: int(total) for bucket, total in rows}
    return BalanceOut(
        insurance_cents=sums.get("insurance", 0), patient_cents=sums.get("patient", 0)
    )


def account_entries(store: Store, patient_id: int) -> list[LedgerEntryOut]:
    with store.uow() as uow:
        account = _account_for_patient(uow.session, patient_id)
        rows = uow.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.account_id == account.id)
            .order_by(LedgerEntry.entry_date, LedgerEntry.id)
        )
        return [LedgerEntryOut.model_validate(r) for r in rows]


def _sum_where(condition) -> object:
    return func.coalesce(func.sum(case((condition, LedgerEntry.amount_cents), else_=0)), 0)


def claim_money_in(session: Session, claim_ids: Iterable[int]) -> dict[int, ClaimMoney]:
    """Charge, paid, adjusted, patient part and balance per claim, summed from the ledger.

    paid = insurance payments; adjustments = write-offs in either bucket;
    patient responsibility = what moved to (or was charged to) the patient bucket;
    balance = everything still owed. Then charge = paid + patient payments + adjustments + balance.
    """
    ids = list(claim_ids)
    if not ids:
        return {}
    E = LedgerEntry
    rows = session.execute(
        select(
            E.claim_id,
            _sum_where(E.kind == "charge"),
            _sum_where((E.kind == "payment") & (E.responsibility == "insurance")),
            _sum_where(E.kind == "adjustment"),
            _sum_where((E.responsibility == "patient") & E.kind.in_(("charge", "transfer"))),
            func.coalesce(func.sum(E.amount_cents), 0),
        )
        .where(E.claim_id.in_(ids))
        .group_by(E.claim_id)
    ).all()
    result = {
        int(cid): ClaimMoney(
            charge_cents=int(charge),
            paid_cents=-int(paid),
            adjustment_cents=-int(adj),
            patient_responsibility_cents=int(pr),
            balance_cents=int(bal),
        )
        for cid, charge, paid, adj, pr, bal in rows
    }
    zero = ClaimMoney(
        charge_cents=0, paid_cents=0, adjustment_cents=0, patient_responsibility_cents=0,
        balance_cents=0,
    )  # fmt: skip
    return {cid: result.get(cid, zero) for cid in ids}


# -- patient side: what each claim still asks of the patient, and credit not on any claim ----
def patient_due_by_claim(session: Session, patient_id: int) -> dict[int, int]:
    """Patient-side balance per claim (PR moved in + patient charges - patient payments).

    Only claims where the patient still owes something (balance > 0) are returned.
    """
    account = _account_for_patient(session, patient_id)
    E = LedgerEntry
    rows = session.execute(
        select(E.claim_id, func.sum(E.amount_cents))
        .where(E.account_id == account.id, E.responsibility == "patient", E.claim_id.is_not(None))
        .group_by(E.claim_id)
    ).all()
    return {int(cid): int(total) for cid, total in rows if int(total) > 0}


def unapplied_credit_in(session: Session, patient_id: int) -> int:
    """Patient money kept on the account but on no claim (payments less refunds), in cents >= 0.

    Patient payments with no claim are credit; refunds and credit moved onto claims take it down.
    """
    account = _account_for_patient(session, patient_id)
    E = LedgerEntry
    total = session.scalar(
        select(func.coalesce(func.sum(E.amount_cents), 0)).where(
            E.account_id == account.id,
            E.responsibility == "patient",
            E.claim_id.is_(None),
            E.kind.in_(("payment", "refund")),
        )
    )
    return max(0, -int(total or 0))


def claim_patient_paid_in(session: Session, claim_ids: Iterable[int]) -> dict[int, int]:
    """Patient payments put on each claim, in cents (positive), from the ledger.

    With :func:`claim_money_in`: charge = paid + adjustments + patient paid + balance.
    """
    ids = list(claim_ids)
    if not ids:
        return {}
    E = LedgerEntry
    rows = session.execute(
        select(E.claim_id, func.coalesce(func.sum(E.amount_cents), 0))
        .where(E.claim_id.in_(ids), E.responsibility == "patient", E.kind == "payment")
        .group_by(E.claim_id)
    ).all()
    found = {int(cid): -int(total) for cid, total in rows}
    return {cid: found.get(cid, 0) for cid in ids}
