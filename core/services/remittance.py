"""Posting 835 remittances: match each claim and line, post to the cent, all or nothing.

How a file posts (``import_835``), in one transaction:

1. **Read** leniently with our own parser (``core.x12.x835``); pyx12 stays off this path (it is
   available on demand with ``claimdesk x12 validate``). A file that cannot be read is refused.
2. **Refuse duplicates**: the same bytes (SHA-256), or a payment (payer + trace number + total)
   already posted from another file. The same money never posts twice.
3. **Balance**: every rule of ``x835_model.balance_problems`` must hold to the cent, in every
   transaction set of the file; otherwise the whole file is **held for review** with the
   discrepancy shown, and nothing posts.
4. **Match** each CLP to our claim by patient control number (every control number a claim was
   ever sent under), and each SVC to our claim line: by the line control number we sent
   (REF*6R), else code + modifiers + charge + date, else code + charge + date (the payer dropped
   or changed a modifier: noted), else the code we billed (SVC06, the payer changed the code).
   A CLP we cannot match goes to the **unmatched remittance queue** (where a biller posts it to
   the right claim, :func:`post_unmatched`, or dismisses it); an SVC we cannot match (a line the
   payer added) posts at claim level with a note. Nothing is dropped silently. A file none of
   whose claims is ours is refused, unless its payee (N1*PE) is this practice: then the money is
   ours and every claim waits in the queue.
5. **Post** to the ledger: each payment (per line), and each CAS by group: PR moves the amount
   to the patient (reason 1 deductible, 2 coinsurance, 3 copay kept apart); CO, OA, PI, CR
   with a contractual reason (``CONTRACTUAL``: 45 over the fee schedule, 253 sequestration ...)
   are written off; any other CO/OA/PI/CR (a denial: 16, 50, 97, 197 ...) is recorded with the
   remittance and left on the insurance side for the denial queue, never silently written off. Reversals (CLP02 22) carry
   negative amounts and so undo the earlier posting; PLB amounts are recorded at provider
   level. The payer's claim number (CLP07) is kept for corrected claims and appeals.
6. **Settle** each claim's status (``core.services.settlement``): paid, partially paid, denied
   (CLP02 4), or back to accepted after a reversal with nothing else paid.

``dry_run=True`` runs every step and rolls back: the preview and the real posting give the
same numbers. Built for volume: bulk reads and inserts, no per-line queries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import String, bindparam, case, func, select, type_coerce, update
from sqlalchemy.orm import Session

from core.errors import NotFound, ValidationError
from core.gc_pause import gc_paused
from core.money import Money
from core.schemas import Frozen
from core.services.answers import ImportOutcome
from core.services.payments import POSTABLE
from core.services.settlement import CONTRACTUAL, HELD_FOR_NEXT, target_status
from core.store import Store
from core.workflow import TRANSITIONS, ClaimStatus, transition
from core.x12.reader import X12ReadError
from core.x12.x835_model import (
    ClaimPayment,
    Read835,
    Remittance835,
    ServicePayment,
    balance_problems,
)
from db.models import (
    Account,
    AuditRecord,
    Claim,
    ClaimEvent,
    ClaimLine,
    InsurancePolicy,
    LedgerEntry,
    Payer,
    Practice,
    Provider,
    ProviderAdjustment,
    RemitAdjustment,
    RemitClaim,
    RemitLine,
    Remittance,
    X12File,
    X12FileClaim,
    utcnow,
)

WRITE_OFF_GROUPS = ("CO", "OA", "PI", "CR")


class PostedClaim(Frozen):
    """What one CLP did (or would do) to one claim."""

    patient_control_number: str
    claim_id: int | None
    status_code: str
    paid_cents: int
    adjustments: dict[str, int]  # by group
    patient_cents: int  # PR moved to the patient
    status_after: str | None = None
    note: str = ""


# -- matching -----------------------------------------------------------------------------------
@dataclass(slots=True)
class _Line:
    id: int
    number: int
    code: str
    modifiers: tuple[str, ...]
    charge: int
    day: dt.date


@dataclass(slots=True)
class _ClaimRow:
    id: int
    patient_id: int
    payer_id: int
    status: str
    version: int
    pcn: str
    payer_rank: int = 1
    lines: list[_Line] = field(default_factory=list)
    # The patient has a next payer (secondary, tertiary) on the date of service: the PR
    # amounts stay billable to it instead of moving to the patient.
    next_payer: bool = False
    # The insurance side of the ledger: what is still owed by payers, and what payers paid
    # (>= 0), before this file and then with each posting of it (for the status it settles in).
    balance: int = 0
    paid: int = 0


def _match_line(svc: ServicePayment, lines: list[_Line], used: set[int],
                default_day: dt.date | None) -> tuple[_Line | None, str]:  # fmt: skip
    day = svc.service_from or default_day
    control = svc.line_control_number
    if control.isdigit():
        want = int(control)
        for ln in lines:
            if ln.id == want and want not in used:
                return ln, ""
    free = [ln for ln in lines if ln.id not in used] if used else lines
    mods = tuple(m for m in svc.modifiers if m)
    charge = abs(svc.charge_cents)  # a reversal (CLP02 22) repeats the line with signs turned

    def same_day(ln: _Line) -> bool:
        return day is None or ln.day == day

    for ln in free:
        if ln.code == svc.code and ln.modifiers == mods and ln.charge == charge and same_day(ln):
            return ln, ""
    for ln in free:
        if ln.code == svc.code and ln.charge == charge and same_day(ln):
            sent = ":".join(ln.modifiers) or "none"
            got = ":".join(mods) or "none"
            return ln, f"the payer changed the modifiers ({sent} sent, {got} paid)"
    if svc.original_code:
        for ln in free:
            if ln.code == svc.original_code and ln.charge == charge and same_day(ln):
                return ln, f"the payer paid {svc.code} for {ln.code}"
    return None, "a line the payer added (not on our claim): posted to the claim"


_C, _L, _E = Claim.__table__.c, ClaimLine.__table__.c, LedgerEntry.__table__.c
_CLAIM_COLS = (_C.id, _C.patient_id, _C.payer_id, _C.status, _C.version,
               _C.patient_control_number, _C.payer_rank)  # fmt: skip
_CLAIMS_BY_PCN = select(*_CLAIM_COLS).where(
    _C.patient_control_number.in_(bindparam("keys", expanding=True)))  # fmt: skip
_CLAIMS_BY_ID = select(*_CLAIM_COLS).where(_C.id.in_(bindparam("keys", expanding=True)))
# Dates as the stored text on SQLite (no per-row type processing); read once per distinct day.
_LINES_OF = select(_L.claim_id, _L.id, _L.line_number, _L.code, _L.modifiers, _L.charge_cents,
                   type_coerce(_L.date_of_service, String)).where(
    _L.claim_id.in_(bindparam("keys", expanding=True))).order_by(_L.claim_id, _L.line_number)  # fmt: skip
_INSURANCE_SIDE = (
    select(_E.claim_id, func.sum(_E.amount_cents),
           func.sum(case((_E.kind == "payment", _E.amount_cents), else_=0)))
    .where(_E.claim_id.in_(bindparam("keys", expanding=True)), _E.responsibility == "insurance")
    .group_by(_E.claim_id)
)  # fmt: skip


def _claims_by_pcn(s: Session, pcns: Sequence[str]) -> dict[str, _ClaimRow]:
    """Our claims for these patient control numbers, with their lines and the insurance side of
    their ledger before this file. Core selects read plain tuples (no ORM objects): a large
    835 names 10,000 claims."""
    conn = s.connection()
    ids_by_pcn: dict[str, int] = {}
    rows: dict[int, _ClaimRow] = {}
    wanted = list(dict.fromkeys(pcns))
    for chunk in _chunks(wanted):
        for r in conn.execute(_CLAIMS_BY_PCN, {"keys": chunk}).all():
            ids_by_pcn[r[5]] = r[0]
            rows[r[0]] = _ClaimRow(*r)
    # Control numbers of earlier submissions (a claim resent after a rejection has a new one).
    older = [p for p in wanted if p not in ids_by_pcn]
    for chunk in _chunks(older):
        for pcn, cid in s.execute(
            select(X12FileClaim.patient_control_number, X12FileClaim.claim_id)
            .join(X12File, X12File.id == X12FileClaim.file_id)
            .where(X12File.direction == "out", X12FileClaim.patient_control_number.in_(chunk))
        ):
            ids_by_pcn.setdefault(pcn, cid)
    for chunk in _chunks(sorted({c for c in ids_by_pcn.values() if c not in rows})):
        for r in conn.execute(_CLAIMS_BY_ID, {"keys": chunk}).all():
            rows[r[0]] = _ClaimRow(*r)
    days: dict[object, dt.date] = {}  # a file's lines share a few dates and modifier sets
    modifiers: dict[str, tuple[str, ...]] = {}
    for chunk in _chunks(sorted(rows)):
        for cid, line_id, number, code, mods, charge, day in conn.execute(
            _LINES_OF, {"keys": chunk}
        ).all():
            when = days.get(day)
            if when is None:
                when = days[day] = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
            these = modifiers.get(mods)
            if these is None:
                these = modifiers[mods] = tuple(m for m in mods.split(":") if m)
            rows[cid].lines.append(_Line(line_id, number, code, these, charge, when))
        for cid, balance, paid in conn.execute(_INSURANCE_SIDE, {"keys": chunk}).all():
            claim = rows[cid]
            claim.balance, claim.paid = int(balance or 0), -int(paid or 0)
    _mark_next_payers(s, rows)
    return {pcn: rows[cid] for pcn, cid in ids_by_pcn.items() if cid in rows}


def _mark_next_payers(s: Session, rows: dict[int, _ClaimRow]) -> None:
    """Flag the claims whose patient has a next-rank policy in force on the date of service."""
    patients = sorted({c.patient_id for c in rows.values()})
    ranks: dict[int, list] = defaultdict(list)
    P = InsurancePolicy
    for chunk in _chunks(patients):
        for p in s.execute(
            select(P.patient_id, P.rank, P.effective_from, P.effective_to)
            .where(P.patient_id.in_(chunk), P.rank > 1)
        ):  # fmt: skip
            ranks[p.patient_id].append(p)
    if not ranks:
        return
    for claim in rows.values():
        if claim.patient_id not in ranks:
            continue
        day = min((ln.day for ln in claim.lines), default=None)
        claim.next_payer = day is not None and any(
            p.rank == claim.payer_rank + 1 and p.effective_from <= day
            and (p.effective_to is None or day <= p.effective_to)
            for p in ranks.get(claim.patient_id, ())
        )  # fmt: skip


def _insert_many(s: Session, table, cols: Sequence[str], rows: list[tuple]) -> None:
    """executemany straight through the driver: the bulk of a large 835's rows (ledger
    entries, remit lines) skip SQLAlchemy's per-row parameter processing. ``rows`` are tuples
    in ``cols`` order with dates already as the driver takes them (:func:`_date_param`); column
    defaults (created_at) are filled here."""
    if not rows:
        return
    conn = s.connection()
    dialect = conn.dialect
    if dialect.paramstyle not in ("qmark", "format", "pyformat"):  # pragma: no cover
        s.execute(table.insert(), [dict(zip(cols, r, strict=True)) for r in rows])
        return
    defaults = [c for c in table.columns if c.name not in cols and c.default is not None
                and getattr(c.default, "is_callable", False)]  # fmt: skip
    if defaults:
        as_date = _date_param(s)
        extra = tuple(as_date(c.default.arg(None)) for c in defaults)
        rows = [r + extra for r in rows]
    names = [*cols, *(c.name for c in defaults)]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
           f"VALUES ({', '.join([mark] * len(names))})")  # fmt: skip
    conn.exec_driver_sql(sql, rows)


def _execute_many(s: Session, sql: str, rows: list[tuple]) -> None:
    """One statement (written with ``?`` marks) for each row, through the driver."""
    if not rows:
        return
    conn = s.connection()
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    conn.exec_driver_sql(sql, rows)


def _date_param(s: Session):
    """How a date or datetime goes to the driver: SQLite stores the text SQLAlchemy writes
    (its Date/DateTime formats), other drivers take the objects."""
    if s.get_bind().dialect.name != "sqlite":
        return lambda v: v

    seen: dict = {}  # a file repeats a few dates thousands of times

    def as_text(v):
        text = seen.get(v)
        if text is None:
            if isinstance(v, dt.datetime):
                text = v.strftime("%Y-%m-%d %H:%M:%S.%f")
            elif isinstance(v, dt.date):
                text = v.isoformat()
            else:
                return v
            seen[v] = text
        return text

    return as_text


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- the posting -------------------------------------------------------------------------------
# A ledger row of an 835 posting, in this order (see _post_amounts).
_LEDGER_COLS = ("account_id", "claim_id", "claim_line_id", "payer_id", "txn", "kind",
                "responsibility", "amount_cents", "group_code", "reason_code", "reference",
                "memo", "entry_date", "created_by", "remittance_id")  # fmt: skip
_REMIT_CLAIM_COLS = ("remittance_id", "claim_id", "patient_control_number", "status_code",
                     "charge_cents", "paid_cents", "patient_responsibility_cents",
                     "payer_claim_number", "patient_name", "service_date", "remarks", "note")  # fmt: skip
_REMIT_LINE_COLS = ("remit_claim_id", "claim_line_id", "code", "modifiers", "charge_cents",
                    "paid_cents", "allowed_cents", "units", "service_date", "remarks",
                    "match_note")  # fmt: skip
_REMIT_ADJ_COLS = ("remit_claim_id", "remit_line_id", "group_code", "reason_code",
                   "amount_cents", "quantity")  # fmt: skip


@dataclass(slots=True)
class _Posted:
    """What one CLP did, until the statuses are settled (then a :class:`PostedClaim`)."""

    pcn: str
    claim: _ClaimRow
    status_code: str
    paid: int
    groups: dict[str, int]
    patient: int


@dataclass
class _Batch:
    """Rows collected for one file, inserted in bulk at the end."""

    actor: str
    today: dt.date
    as_date: object  # _date_param of the session
    ledger: list[tuple] = field(default_factory=list)
    touched_accounts: set[int] = field(default_factory=set)
    # claim id -> (final CLP status code, its control number), in file order: the last one wins
    final: dict[int, tuple[str, str]] = field(default_factory=dict)
    payer_numbers: dict[int, str] = field(default_factory=dict)
    posted: list[_Posted] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    paid: int = 0
    by_group: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lines_posted: int = 0
    denied_claims: set[int] = field(default_factory=set)  # a denial CAS left on insurance
    held_for_next: set[int] = field(default_factory=set)  # PR kept for the next payer
    txn_seq: int = 0


def _post_amounts(b: _Batch, claim: _ClaimRow, row: tuple, paid: int, adjustments,
                  tail: tuple, groups: dict[str, int]) -> int:  # fmt: skip
    """Ledger rows for one line's (or the claim level's) payment and adjustments: ``row`` is
    (account, claim, line, payer, txn), ``tail`` (reference, memo, day, actor, remittance), as
    in ``_LEDGER_COLS``. Adds to ``groups``; returns the amount moved to the patient."""
    ledger = b.ledger
    patient = 0
    if paid:
        ledger.append((*row, "payment", "insurance", -paid, None, None, *tail))
        claim.balance -= paid
        claim.paid += paid
    for adj in adjustments:
        amount = adj.amount_cents
        if not amount:
            continue
        group = adj.group.upper()
        groups[group] += amount
        reason = adj.reason[:5]
        if group == "PR":
            # To the patient, or (a next payer is on file) kept on the insurance side for it:
            # the pair nets to zero there, and the 2320/2430 of the next claim reads the PR.
            ledger.append((*row, "transfer", "insurance", -amount, "PR", reason, *tail))
            if claim.next_payer:
                ledger.append((*row, "transfer", "insurance", amount, "PR", reason, tail[0],
                               HELD_FOR_NEXT, *tail[2:]))  # fmt: skip
                b.held_for_next.add(claim.id)
            else:
                ledger.append((*row, "transfer", "patient", amount, "PR", reason, *tail))
                claim.balance -= amount
                patient += amount
        elif adj.reason.upper() in CONTRACTUAL:
            ledger.append((*row, "adjustment", "insurance", -amount,
                           group if group in WRITE_OFF_GROUPS else "OA", reason, *tail))  # fmt: skip
            claim.balance -= amount
        else:
            b.denied_claims.add(claim.id)
    return patient


def _post_remittance(s: Session, b: _Batch, r: Remittance835, remittance_id: int,
                     claims: dict[str, _ClaimRow], accounts: dict[int, int]) -> None:  # fmt: skip
    """Collect the ledger rows and the remit_* rows for one transaction set."""
    as_date = b.as_date
    day = as_date(r.payment_date or b.today)
    trace = r.trace_number
    reference = trace[:50]
    claim_memo = f"835 {trace} claim"[:200]
    memos: dict[str, str] = {}
    rc_rows: list[tuple] = []
    lines_of: list[list[tuple]] = []
    adjs_of: list[list[tuple]] = []
    for clp in r.claims:
        claim = claims.get(clp.patient_control_number)
        if claim is None or clp.status_code == "23":
            note = ("the payer says this is not our claim (CLP02 23)" if claim else
                    f"no claim with control number {clp.patient_control_number}")  # fmt: skip
            b.unmatched.append(clp.patient_control_number)
            rc_rows.append(_remit_claim_row(remittance_id, clp, None, note, as_date))
            lines_of.append([])
            adjs_of.append([])
            continue
        rc_rows.append(_remit_claim_row(remittance_id, clp, claim.id, "", as_date))
        # Sequential within the file (not a random UUID): one posting's entries are easy to
        # find by eye.
        b.txn_seq += 1
        line_rows, adj_rows = _post_clp(
            b, clp, claim, accounts[claim.patient_id], f"835-{remittance_id}-{b.txn_seq:06d}",
            (reference, claim_memo, day, b.actor, remittance_id), memos,
        )  # fmt: skip
        lines_of.append(line_rows)
        adjs_of.append(adj_rows)
    _insert_remit_rows(s, remittance_id, rc_rows, lines_of, adjs_of)


def _post_clp(b: _Batch, clp: ClaimPayment, claim: _ClaimRow, account_id: int, txn: str,
              tail: tuple, memos: dict[str, str]) -> tuple[list[tuple], list[tuple]]:  # fmt: skip
    """Post one CLP to ``claim``: the ledger rows of each line and of the claim level go to
    the batch. ``tail`` is (reference, claim-level memo, day, actor, remittance id). Returns the
    remit_lines rows (without their remit claim) and the remit_adjustments rows (line index
    or None for the claim level)."""
    reference, claim_memo, day, actor, remittance_id = tail
    as_date = b.as_date
    b.touched_accounts.add(account_id)
    used: set[int] = set()
    groups: dict[str, int] = defaultdict(int)
    patient = 0
    line_rows: list[tuple] = []
    adj_rows: list[tuple] = []
    for k, svc in enumerate(clp.services):
        line, why = _match_line(svc, claim.lines, used, clp.service_from)
        if line is not None:
            used.add(line.id)
            if why:
                b.warnings.append(f"{clp.patient_control_number} line {line.number}: {why}")
        else:
            b.warnings.append(f"{clp.patient_control_number} {svc.code}: {why}")
        line_id = line.id if line else None
        memo = memos.get(svc.code)
        if memo is None:
            memo = memos[svc.code] = f"835 {reference} {svc.code}"[:200]
        patient += _post_amounts(
            b, claim, (account_id, claim.id, line_id, claim.payer_id, txn), svc.paid_cents,
            svc.adjustments, (reference, memo, day, actor, remittance_id), groups,
        )  # fmt: skip
        line_rows.append((line_id, svc.code[:8], ":".join(svc.modifiers)[:11],
                          svc.charge_cents, svc.paid_cents, svc.allowed_cents,
                          svc.units[:15] or None, as_date(svc.service_from),
                          " ".join(svc.remarks)[:200] or None, why[:200] or None))  # fmt: skip
        for a in svc.adjustments:
            adj_rows.append((k, a.group[:2], a.reason[:5], a.amount_cents,
                             a.quantity[:15] or None))  # fmt: skip
    b.lines_posted += len(clp.services)
    # Claim-level money: CAS on the claim, and any payment not spread over lines.
    rest = clp.paid_cents - sum(svc.paid_cents for svc in clp.services)
    patient += _post_amounts(
        b, claim, (account_id, claim.id, None, claim.payer_id, txn), rest, clp.adjustments,
        (reference, claim_memo, day, actor, remittance_id), groups,
    )  # fmt: skip
    for a in clp.adjustments:
        adj_rows.append((None, a.group[:2], a.reason[:5], a.amount_cents,
                         a.quantity[:15] or None))  # fmt: skip
    b.paid += clp.paid_cents
    for key, v in groups.items():
        b.by_group[key] += v
    b.final[claim.id] = (clp.status_code, clp.patient_control_number)
    if clp.payer_claim_number:
        b.payer_numbers[claim.id] = clp.payer_claim_number[:50]
    b.posted.append(_Posted(clp.patient_control_number, claim, clp.status_code, clp.paid_cents,
                            groups, patient))  # fmt: skip
    return line_rows, adj_rows


def _remit_claim_row(remittance_id: int, clp: ClaimPayment, claim_id: int | None, note: str,
                     as_date) -> tuple:  # fmt: skip
    """A remit_claims row, in ``_REMIT_CLAIM_COLS`` order."""
    name = " ".join(x for x in (clp.patient_last, clp.patient_first) if x)
    return (remittance_id, claim_id, clp.patient_control_number[:38], clp.status_code[:2],
            clp.charge_cents, clp.paid_cents, clp.patient_responsibility_cents,
            clp.payer_claim_number[:50] or None, name[:100] or None,
            as_date(clp.service_from), " ".join(clp.remarks)[:200] or None, note or None)  # fmt: skip


def _insert_remit_rows(s: Session, remittance_id: int, rc_rows: list[tuple],
                       lines_of: list[list[tuple]], adjs_of: list[list[tuple]]) -> None:  # fmt: skip
    """Bulk inserts (executemany, no RETURNING: row-at-a-time on SQLite). Ids are read back in
    id order, which is insertion order within this transaction."""
    if not rc_rows:
        return
    conn = s.connection()
    _insert_many(s, RemitClaim.__table__, _REMIT_CLAIM_COLS, rc_rows)
    RC, RL = RemitClaim.__table__.c, RemitLine.__table__.c
    rc_ids = list(conn.execute(select(RC.id).where(RC.remittance_id == remittance_id)
                               .order_by(RC.id)).scalars())  # fmt: skip
    line_rows = [(rc_id, *row) for rc_id, rows in zip(rc_ids, lines_of, strict=True)
                 for row in rows]  # fmt: skip
    line_ids: list[int] = []
    if line_rows:
        _insert_many(s, RemitLine.__table__, _REMIT_LINE_COLS, line_rows)
        line_ids = list(conn.execute(
            select(RL.id).join(RemitClaim.__table__, RC.id == RL.remit_claim_id)
            .where(RC.remittance_id == remittance_id).order_by(RL.id)).scalars())  # fmt: skip
    adj_rows = []
    cursor = 0
    for rc_id, rows, adjs in zip(rc_ids, lines_of, adjs_of, strict=True):
        ids_here = line_ids[cursor : cursor + len(rows)]
        cursor += len(rows)
        for k, *rest in adjs:
            adj_rows.append((rc_id, None if k is None else ids_here[k], *rest))
    _insert_many(s, RemitAdjustment.__table__, _REMIT_ADJ_COLS, adj_rows)


def _open_voids(s: Session, claim_ids: list[int]) -> dict[int, tuple[int, str, str]]:
    """The void claims (frequency 8) sent for these claims and still with the payer:
    original id -> (void claim id, its status, its control number)."""
    found: dict[int, tuple[int, str, str]] = {}
    for chunk in _chunks(claim_ids):
        for original, vid, status, pcn in s.execute(
            select(Claim.replaces_claim_id, Claim.id, Claim.status, Claim.patient_control_number)
            .where(Claim.replaces_claim_id.in_(chunk), Claim.frequency_code == "8",
                   Claim.status.in_(("submitted", "accepted", "pending")))
            .order_by(Claim.id)
        ):  # fmt: skip
            found[original] = (vid, status, pcn)
    return found


def _take_charges_off(s: Session, b: _Batch, originals: dict[int, str],
                      by_id: dict[int, _ClaimRow], accounts: dict[int, int]) -> None:  # fmt: skip
    """A voided claim's charges come off the insurance side, line by line (what is left there
    once the payer's reversal has posted)."""
    E = _E
    left = s.execute(
        select(E.claim_id, E.claim_line_id, func.sum(E.amount_cents))
        .where(E.claim_id.in_(list(originals)), E.responsibility == "insurance")
        .group_by(E.claim_id, E.claim_line_id).order_by(E.claim_id, E.claim_line_id)
    ).all()  # fmt: skip
    day = b.as_date(b.today)
    rows = []
    for cid, line_id, cents in left:
        if not cents:
            continue
        claim = by_id[cid]
        rows.append((accounts[claim.patient_id], cid, line_id, claim.payer_id,
                     f"void-{cid}-{originals[cid]}", "charge", "insurance", -int(cents), None,
                     None, originals[cid][:50], f"reversed: voided by {originals[cid]}", day,
                     b.actor, None))  # fmt: skip
        claim.balance -= int(cents)
    _insert_many(s, LedgerEntry.__table__, _LEDGER_COLS, rows)


def _settle_all(s: Session, b: _Batch, claims: dict[str, _ClaimRow],
                accounts: dict[int, int]) -> dict[int, str]:  # fmt: skip
    """Statuses after posting, for every claim the file touched (bulk, one pass). Each claim's
    insurance balance and payments are the ledger's before the file plus this file's rows
    (kept on the claim as they were collected): no read of the rows just written.

    A reversal (CLP02 22) of a claim we sent a void for (frequency 8) confirms the void: the
    original's charges come off and it is void; the void claim is closed."""
    by_id = {c.id: c for c in claims.values()}
    now = utcnow()
    at = b.as_date(now)
    reversed_ids = sorted(cid for cid, (code, _) in b.final.items() if code == "22")
    voids = _open_voids(s, reversed_ids) if reversed_ids else {}
    if voids:
        _take_charges_off(s, b, {cid: v[2] for cid, v in voids.items()}, by_id, accounts)
    checked: set[tuple[str, ClaimStatus]] = set()
    events, after = [], {}
    reason = {"4": "denied by the payer (835)", "22": "the payer reversed its payment (835)"}
    for cid in sorted(b.final):
        claim = by_id[cid]
        code, pcn = b.final[cid]
        balance, paid = claim.balance, claim.paid
        denied = code == "4" or (cid in b.denied_claims and paid <= 0)
        target = target_status(balance, paid, denied=denied, reversed_all=code == "22")
        if cid in b.held_for_next and code not in ("4", "22") and cid not in b.denied_claims:
            target = ClaimStatus.PAID  # this payer is done; the rest goes to the next one
        why = reason.get(code) or (f"835 posted: paid {Money(paid).format()}, insurance "
                                   f"balance {Money(balance).format()}")  # fmt: skip
        if cid in voids:
            target = ClaimStatus.VOID
            why = (f"void {voids[cid][2]} confirmed: the payer reversed its payment (835) and "
                   "the charges came off")  # fmt: skip
        path = _path(ClaimStatus(claim.status), target)
        if not path:
            after[cid] = claim.status
            continue
        current = claim.status
        for step in path:
            if (current, step) not in checked:
                # Every move is the state machine's: each kind of move is checked once by
                # core.workflow (the same table, the same refusal), then recorded in bulk.
                transition(current, step, actor=b.actor, reason=why, claim_ref=pcn, now=now)
                checked.add((current, step))
            events.append((cid, at, b.actor, current, step.value, why))
            current = step.value
        after[cid] = current
    changes = []
    for original, (vid, status, pcn) in voids.items():
        if after.get(original) != ClaimStatus.VOID.value:
            continue  # the original could not be voided (see its events): the void stays open
        current = status
        why = f"the payer confirmed this void of {by_id[original].pcn} (835 reversal)"
        for step in _path(ClaimStatus(status), ClaimStatus.CLOSED):
            transition(current, step, actor=b.actor, reason=why, claim_ref=pcn, now=now)
            events.append((vid, at, b.actor, current, step.value, why))
            current = step.value
        if current != status:
            changes.append((current, None, at, vid))
    _insert_many(s, ClaimEvent.__table__,
                 ("claim_id", "at", "actor", "from_status", "to_status", "reason"), events)  # fmt: skip
    # Each claim's new status and the payer's claim number (CLP07, for corrected claims and
    # appeals) in one statement per claim.
    for cid, status in after.items():
        number = b.payer_numbers.get(cid)
        if status != by_id[cid].status or number is not None:
            changes.append((status, number, at, cid))
    _execute_many(s, "UPDATE claims SET status = ?, payer_claim_number = COALESCE(?, "
                     "payer_claim_number), version = version + 1, updated_at = ? WHERE id = ?",
                  changes)  # fmt: skip
    return after


def _path(current: ClaimStatus, target: ClaimStatus) -> list[ClaimStatus]:
    """The moves from ``current`` to ``target`` the state machine allows (at most two)."""
    if current == target:
        return []
    if target in TRANSITIONS[current]:
        return [target]
    for middle in (ClaimStatus.ACCEPTED, ClaimStatus.PARTIALLY_PAID):
        if middle in TRANSITIONS[current] and target in TRANSITIONS[middle]:
            return [middle, target]
    return []  # nowhere to go (e.g. a void claim): the money is on the ledger, status stays


# -- entry point -----------------------------------------------------------------------------------
def import_835(store: Store, name: str, data: bytes, *, dry_run: bool = False,
               today: dt.date | None = None) -> ImportOutcome:  # fmt: skip
    """Post one 835 file (see the module docstring). Never raises for bad input."""
    with gc_paused():  # bulk work: see core.gc_pause
        return _import_835(store, name, data, dry_run=dry_run, today=today)


def _import_835(store: Store, name: str, data: bytes, *, dry_run: bool,
                today: dt.date | None) -> ImportOutcome:  # fmt: skip
    from core.x12.x835 import parse_835

    digest = hashlib.sha256(data).hexdigest()
    try:
        read = parse_835(data)
    except X12ReadError as exc:
        return _refused(name, f"{name}: {exc}")
    if not read.remittances:
        return _refused(name, f"{name}: the file holds no remittance (no 835 transaction set)")
    today = today or dt.date.today()
    with store.uow() as uow:
        uow.discard = dry_run
        s = uow.session
        earlier = s.scalars(
            select(X12File).where(X12File.direction == "in", X12File.sha256 == digest)
        ).first()
        if earlier is not None:
            when = f"{earlier.created_at:%m/%d/%Y %H:%M}"
            return _refused(name, f"{name} was already imported on {when} (file #{earlier.id}); "
                                  "nothing changed")  # fmt: skip
        for r in read.remittances:
            dup = s.scalars(select(Remittance).where(
                Remittance.trace_number == r.trace_number[:50],
                Remittance.total_cents == r.total_cents,
                Remittance.payer_name == r.payer_name[:60],
                Remittance.status == "posted")).first()  # fmt: skip
            if dup is not None and r.trace_number:
                return _refused(name, f"{name}: payment {r.trace_number} from {r.payer_name} for "
                                      f"{Money(r.total_cents).format()} was already posted (file "
                                      f"#{dup.file_id}); nothing changed")  # fmt: skip
        found = [balance_problems(r) for r in read.remittances]
        problems = [p for each in found for p in each]
        status = "held" if problems else "posted"
        record = X12File(
            direction="in", transaction="835", name=name[:200], sha256=digest, size=len(data),
            interchange_control=read.interchange_control[:9] or None,
            sender_id=read.sender_id[:15] or None, receiver_id=read.receiver_id[:15] or None,
            status=status, content=data.decode("utf-8", errors="replace"),
            created_by=store.actor, error="; ".join(problems)[:4000] or None,
        )  # fmt: skip
        s.add(record)
        s.flush()
        b = _Batch(
            actor=store.actor, today=today, as_date=_date_param(s), warnings=list(read.warnings)
        )
        claims = _claims_by_pcn(s, [c.patient_control_number for r in read.remittances
                                    for c in r.claims])  # fmt: skip
        accounts = dict(s.execute(select(Account.patient_id, Account.id).where(
            Account.patient_id.in_({c.patient_id for c in claims.values()}))).all())  # fmt: skip
        payers = dict(s.execute(select(Payer.payer_code, Payer.id)).all())
        remittance_ids = []
        for r, its_problems in zip(read.remittances, found, strict=True):
            rem = Remittance(
                file_id=record.id, transaction_control=r.control_number[:9],
                payer_id=payers.get(r.payer_id), payer_name=r.payer_name[:60] or "(no name)",
                payer_identifier=r.payer_identifier[:80] or None,
                payee_name=r.payee_name[:60] or None, payee_npi=r.payee_id[:80] or None,
                trace_number=r.trace_number[:50], payment_method=r.payment_method[:3],
                payment_date=r.payment_date, total_cents=r.total_cents, status=status,
                discrepancy="; ".join(its_problems) or None,
                claims_count=len(r.claims), lines_count=r.service_line_count,
                posted_by=store.actor,
            )  # fmt: skip
            s.add(rem)
            s.flush()
            remittance_ids.append(rem.id)
            if r.provider_adjustments:
                s.execute(ProviderAdjustment.__table__.insert(), [
                    dict(remittance_id=rem.id, reason_code=p.reason[:2],
                         reference=p.reference[:50] or None, amount_cents=p.amount_cents,
                         provider_identifier=p.provider_identifier[:50] or None,
                         fiscal_date=p.fiscal_date) for p in r.provider_adjustments])  # fmt: skip
            if status == "posted":
                _post_remittance(s, b, r, rem.id, claims, accounts)
        plb = sum(r.plb_total for r in read.remittances)
        if status == "held":
            return ImportOutcome(
                file=name, type="835", applied=False, dry_run=dry_run, held=True,
                warnings=tuple(b.warnings), plb_cents=plb,
                errors=tuple(f"held for review, nothing posted: {p}" for p in problems),
                file_id=None if dry_run else record.id,
            )  # fmt: skip
        if not b.posted and not _pays_this_practice(s, read):
            # Not one claim is ours and the payee is not us: a file sent to the wrong office.
            # (When the payee is us, the money is ours: it is recorded and every claim waits in
            # the unmatched queue, to be posted by hand or dismissed.)
            uow.discard = True
            return _refused(name, f"{name}: it speaks only of claims ClaimDesk never sent ("
                                  f"{', '.join(list(dict.fromkeys(b.unmatched))[:5])}) and pays "
                                  f"{_payee_words(read)}, not this practice; nothing changed",
                            unmatched=b.unmatched)  # fmt: skip
        for chunk in _chunks(b.ledger, 5000):
            _insert_many(s, LedgerEntry.__table__, _LEDGER_COLS, chunk)
        now = utcnow()
        for chunk in _chunks(sorted(b.touched_accounts)):
            s.execute(update(Account).where(Account.id.in_(chunk))
                      .values(version=Account.version + 1, last_activity_at=now)
                      .execution_options(synchronize_session=False))  # fmt: skip
        after = _settle_all(s, b, claims, accounts)
        _insert_many(s, AuditRecord.__table__,
                     ("actor", "action", "entity", "entity_id", "patient_id", "summary"), [
            (store.actor, "post", "claim", str(p.claim.id), p.claim.patient_id,
             f"835 {name}: paid {Money(p.paid).format()} ({p.status_code})")
            for p in b.posted])  # fmt: skip
        uow.audit("import", "x12_file", record.id,
                  f"835 {name}: {len(b.posted)} claims posted, {len(b.unmatched)} unmatched")  # fmt: skip
        # Built by us from checked values: no validation pass (10,000 claims per file).
        posted = tuple(
            PostedClaim.model_construct(
                patient_control_number=p.pcn, claim_id=p.claim.id, status_code=p.status_code,
                paid_cents=p.paid, adjustments=dict(p.groups), patient_cents=p.patient,
                status_after=after.get(p.claim.id), note="")
            for p in b.posted
        )  # fmt: skip
        if b.unmatched:
            b.warnings.append(f"{len(b.unmatched)} claim(s) not matched: in the unmatched queue")
        return ImportOutcome(
            file=name, type="835", applied=not dry_run, dry_run=dry_run,
            claims_matched=len({p.claim.id for p in b.posted}), paid_cents=b.paid,
            adjustment_cents_by_group=dict(b.by_group), plb_cents=plb,
            unmatched=tuple(b.unmatched), warnings=tuple(b.warnings),
            lines_posted=b.lines_posted, postings=posted,
            file_id=None if dry_run else record.id,
        )  # fmt: skip


def _pays_this_practice(s: Session, read: Read835) -> bool:
    """Whether an 835's payee (N1*PE: its NPI, or its tax ID when it has no NPI) is this
    practice or one of its providers."""
    npis = {npi for (npi,) in s.execute(select(Provider.npi))}
    tins: set[str] = set()
    for npi, tax_id in s.execute(select(Practice.npi, Practice.tax_id)):
        npis.add(npi)
        tins.add((tax_id or "").replace("-", ""))
    for r in read.remittances:
        qualifier, ident = r.payee_id_qualifier, r.payee_id.replace("-", "")
        if (qualifier == "XX" and ident in npis) or (qualifier == "FI" and ident in tins - {""}):
            return True
    return False


def _payee_words(read: Read835) -> str:
    r = read.remittances[0]
    who = r.payee_name or "a payee"
    ident = r.payee_id or r.payee_tax_id
    return f"{who} ({ident})" if ident else f"{who} (no ID)"


def _refused(name: str, error: str, *, unmatched: Sequence[str] = ()) -> ImportOutcome:
    return ImportOutcome(file=name, type="835", applied=False, errors=(error,),
                         unmatched=tuple(unmatched))  # fmt: skip


# -- reading back: the ERA list, one remittance, the unmatched queue ------------------------------
class RemittanceOut(Frozen):
    id: int
    file_id: int
    payer_name: str
    trace_number: str
    payment_method: str
    payment_date: dt.date | None
    total_cents: int
    status: str
    discrepancy: str | None
    claims_count: int
    lines_count: int
    posted_at: dt.datetime
    posted_by: str
    file_name: str = ""  # the 835 file it came in


class RemitAdjustmentOut(Frozen):
    group_code: str
    reason_code: str
    amount_cents: int
    words: str = ""


class RemitLineOut(Frozen):
    code: str
    modifiers: str
    charge_cents: int
    allowed_cents: int | None
    paid_cents: int
    units: str | None
    service_date: dt.date | None
    remarks: str | None
    match_note: str | None
    adjustments: tuple[RemitAdjustmentOut, ...] = ()


class RemitClaimOut(Frozen):
    id: int
    claim_id: int | None
    patient_control_number: str
    status_code: str
    charge_cents: int
    paid_cents: int
    patient_responsibility_cents: int
    payer_claim_number: str | None
    patient_name: str | None
    service_date: dt.date | None
    remarks: str | None
    note: str | None
    adjustments: tuple[RemitAdjustmentOut, ...] = ()
    lines: tuple[RemitLineOut, ...] = ()


class RemittanceDetail(Frozen):
    remittance: RemittanceOut
    file_name: str
    claims: tuple[RemitClaimOut, ...]
    provider_adjustments: tuple[tuple[str, str, int], ...]  # (reason, reference, cents)


def list_remittances(store: Store, *, limit: int = 500) -> list[RemittanceOut]:
    """The ERA list, newest first, each with the name of the file it came in."""
    with store.uow() as uow:
        rows = uow.session.execute(
            select(Remittance, X12File.name).join(X12File, X12File.id == Remittance.file_id)
            .order_by(Remittance.id.desc()).limit(limit)
        ).all()  # fmt: skip
        return [RemittanceOut.model_validate(r).model_copy(update={"file_name": name})
                for r, name in rows]  # fmt: skip


def _words(s: Session, kind: str, codes: set[str]) -> dict[str, str]:
    from db.models import Code

    if not codes:
        return {}
    return dict(s.execute(select(Code.code, Code.description).where(
        Code.kind == kind, Code.code.in_(codes))).all())  # fmt: skip


def remittance_detail(store: Store, remittance_id: int) -> RemittanceDetail:
    """An ERA as a readable remittance: per claim and line, billed, allowed, paid, and each
    adjustment with its reason in words."""
    with store.uow() as uow:
        s = uow.session
        rem = s.get(Remittance, remittance_id)
        if rem is None:
            raise NotFound(f"No remittance with id {remittance_id}.")
        file = s.get(X12File, rem.file_id)
        rcs = s.scalars(select(RemitClaim).where(RemitClaim.remittance_id == rem.id)
                        .order_by(RemitClaim.id)).all()  # fmt: skip
        ids = [c.id for c in rcs]
        lines = s.scalars(select(RemitLine).where(RemitLine.remit_claim_id.in_(ids))
                          .order_by(RemitLine.id)).all() if ids else []  # fmt: skip
        adjs = s.scalars(select(RemitAdjustment).where(RemitAdjustment.remit_claim_id.in_(ids))
                         .order_by(RemitAdjustment.id)).all() if ids else []  # fmt: skip
        words = _words(s, "carc", {a.reason_code for a in adjs})

        def out(a: RemitAdjustment) -> RemitAdjustmentOut:
            return RemitAdjustmentOut(group_code=a.group_code, reason_code=a.reason_code,
                                      amount_cents=a.amount_cents,
                                      words=words.get(a.reason_code, f"reason {a.reason_code}"))  # fmt: skip

        by_line, by_claim = defaultdict(list), defaultdict(list)
        for a in adjs:
            (by_line[a.remit_line_id] if a.remit_line_id else by_claim[a.remit_claim_id]).append(
                out(a)
            )
        lines_of = defaultdict(list)
        for ln in lines:
            lines_of[ln.remit_claim_id].append(RemitLineOut(
                code=ln.code, modifiers=ln.modifiers, charge_cents=ln.charge_cents,
                allowed_cents=ln.allowed_cents, paid_cents=ln.paid_cents, units=ln.units,
                service_date=ln.service_date, remarks=ln.remarks, match_note=ln.match_note,
                adjustments=tuple(by_line[ln.id])))  # fmt: skip
        claims = tuple(
            RemitClaimOut(id=c.id, claim_id=c.claim_id,
                          patient_control_number=c.patient_control_number,
                          status_code=c.status_code, charge_cents=c.charge_cents,
                          paid_cents=c.paid_cents,
                          patient_responsibility_cents=c.patient_responsibility_cents,
                          payer_claim_number=c.payer_claim_number, patient_name=c.patient_name,
                          service_date=c.service_date, remarks=c.remarks, note=c.note,
                          adjustments=tuple(by_claim[c.id]), lines=tuple(lines_of[c.id]))
            for c in rcs
        )  # fmt: skip
        plb = tuple((p.reason_code, p.reference or "", p.amount_cents) for p in s.scalars(
            select(ProviderAdjustment).where(ProviderAdjustment.remittance_id == rem.id)))  # fmt: skip
        return RemittanceDetail(remittance=RemittanceOut.model_validate(rem).model_copy(
                                    update={"file_name": file.name if file else ""}),
                                file_name=file.name if file else "", claims=claims,
                                provider_adjustments=plb)  # fmt: skip


def unmatched_queue(store: Store) -> list[RemitClaimOut]:
    """Remittance claims we could not match to a claim of ours, not yet resolved."""
    with store.uow() as uow:
        rows = uow.session.scalars(
            select(RemitClaim).where(RemitClaim.claim_id.is_(None), RemitClaim.resolved_at.is_(None))
            .order_by(RemitClaim.id)
        )  # fmt: skip
        return [RemitClaimOut.model_validate(r) for r in rows]


def dismiss_unmatched(store: Store, remit_claim_id: int, note: str) -> None:
    """Close an unmatched item with the reason (another office's patient, a test claim ...)."""
    if len((note or "").strip()) < 5:
        raise ValidationError("say why this remittance needs no posting (at least 5 characters)")
    with store.uow() as uow:
        rc = uow.session.get(RemitClaim, remit_claim_id)
        if rc is None or rc.claim_id is not None:
            raise NotFound(f"No unmatched remittance item {remit_claim_id}.")
        rc.resolved_at, rc.resolved_by = utcnow(), store.actor
        rc.note = f"{rc.note or ''} | dismissed: {note.strip()}"[:2000]
        uow.audit("resolve", "remit_claim", rc.id, f"dismissed: {note.strip()}")


# Claims a payer's remittance can speak of: those a paper EOB can (the payer has them), and
# closed ones too (a late payment or a recoupment reopens a closed claim).
_POSTABLE = frozenset(POSTABLE) | {"closed"}


def post_unmatched(store: Store, remit_claim_id: int, claim_number: str, *, note: str,
                   today: dt.date | None = None) -> PostedClaim:  # fmt: skip
    """Post an unmatched remittance claim to the claim the biller found it belongs to (the
    payer changed or mistyped the control number): the CLP is read again from the archived 835,
    posted exactly as an import would post it (lines matched by code, charge and date), the
    item leaves the queue with the note, and the claim settles. One transaction."""
    from core.x12.x835 import parse_835

    note, pcn = (note or "").strip(), (claim_number or "").strip().upper()
    if len(note) < 5:
        raise ValidationError("say how you know the claim is this one (at least 5 characters)")
    today = today or dt.date.today()
    with gc_paused(), store.uow() as uow:
        s = uow.session
        rc = s.get(RemitClaim, remit_claim_id)
        if rc is None or rc.claim_id is not None or rc.resolved_at is not None:
            raise NotFound(f"No unmatched remittance item {remit_claim_id}.")
        if rc.status_code == "23":
            raise ValidationError("the payer says this claim is not ours (CLP02 23): nothing to "
                                  "post; dismiss it with the reason")  # fmt: skip
        rem = s.get(Remittance, rc.remittance_id)
        claim = _claims_by_pcn(s, [pcn]).get(pcn)
        if claim is None:
            raise NotFound(f"No claim with control number {pcn}.")
        if claim.status not in _POSTABLE:
            raise ValidationError(f"claim {pcn} is {claim.status}: the payer does not have it, so "
                                  "no remittance can pay it")  # fmt: skip
        if rem.payer_id is not None and rem.payer_id != claim.payer_id:
            billed = s.get(Payer, claim.payer_id)
            raise ValidationError(
                f"this remittance is from {rem.payer_name}, but claim {pcn} is billed to "
                f"{billed.name if billed else 'another payer'}: it cannot be that claim's payment"
            )
        clp = _archived_clp(s, rem, rc, parse_835)
        account_id = s.scalar(select(Account.id).where(Account.patient_id == claim.patient_id))
        b = _Batch(actor=store.actor, today=today, as_date=_date_param(s))
        reference = rem.trace_number[:50]
        line_rows, adj_rows = _post_clp(
            b, dataclasses.replace(clp, patient_control_number=pcn), claim, account_id,
            f"835-{rem.id}-hand-{rc.id}",
            (reference, f"835 {reference} claim"[:200], b.as_date(rem.payment_date or today),
             b.actor, rem.id), {},
        )  # fmt: skip
        _insert_many(s, LedgerEntry.__table__, _LEDGER_COLS, b.ledger)
        s.execute(update(Account).where(Account.id == account_id)
                  .values(version=Account.version + 1, last_activity_at=utcnow())
                  .execution_options(synchronize_session=False))  # fmt: skip
        after = _settle_all(s, b, {pcn: claim}, {claim.patient_id: account_id})
        # The item is this claim's now, with its lines and adjustments as an import writes them
        # for a matched claim (the ERA view and the denial queue read them).
        _insert_many(s, RemitLine.__table__, _REMIT_LINE_COLS,
                     [(rc.id, *row) for row in line_rows])  # fmt: skip
        ids = s.scalars(select(RemitLine.id).where(RemitLine.remit_claim_id == rc.id)
                        .order_by(RemitLine.id)).all()  # fmt: skip
        _insert_many(s, RemitAdjustment.__table__, _REMIT_ADJ_COLS,
                     [(rc.id, None if k is None else ids[k], *rest) for k, *rest in adj_rows])  # fmt: skip
        rc.claim_id, rc.resolved_at, rc.resolved_by = claim.id, utcnow(), store.actor
        rc.note = f"{rc.note or ''} | posted by hand to {pcn}: {note}"[:2000]
        posted = b.posted[0]
        uow.audit("post", "claim", claim.id,
                  f"unmatched {rc.patient_control_number} of 835 {rem.trace_number} posted by "
                  f"hand: paid {Money(posted.paid).format()}: {note}",
                  patient_id=claim.patient_id)  # fmt: skip
        return PostedClaim(
            patient_control_number=pcn, claim_id=claim.id, status_code=posted.status_code,
            paid_cents=posted.paid, adjustments=dict(posted.groups),
            patient_cents=posted.patient, status_after=after.get(claim.id),
            note="; ".join(b.warnings)[:500],
        )  # fmt: skip


def _archived_clp(s: Session, rem: Remittance, rc: RemitClaim, parse_835) -> ClaimPayment:
    """The CLP of an unmatched item, read again from the archived 835 file: the same
    transaction set, the same control number and amounts, the same occurrence."""
    file = s.get(X12File, rem.file_id)
    try:
        read = parse_835((file.content if file else "").encode())
    except X12ReadError as exc:
        raise ValidationError(f"the archived 835 cannot be read again: {exc}") from None
    same = [r for r in read.remittances
            if r.control_number[:9] == rem.transaction_control
            and r.trace_number[:50] == rem.trace_number]  # fmt: skip
    siblings = s.scalars(select(RemitClaim.id).where(
        RemitClaim.remittance_id == rem.id,
        RemitClaim.patient_control_number == rc.patient_control_number).order_by(RemitClaim.id)
    ).all()  # fmt: skip
    nth = list(siblings).index(rc.id)
    found = [c for r in same[:1] for c in r.claims
             if c.patient_control_number[:38] == rc.patient_control_number]  # fmt: skip
    if nth >= len(found):
        raise ValidationError("this item is no longer in its archived 835; post it by hand from "
                              "the paper remittance")  # fmt: skip
    return found[nth]
