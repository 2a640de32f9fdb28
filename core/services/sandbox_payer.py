"""The sandbox payer: it adjudicates the claims the sandbox clearinghouse accepted and pays them
with 835 remittances (005010X221A1), written to the sandbox's ``from_payer`` folder, where the
exchange sync fetches them like any clearinghouse answer.

One call of :func:`adjudicate` is one pass of the payers' claim systems. Everything it decides
comes from the database (the payers' contracts and enrollment rolls), the payer's own books and
a seed: the same database, books and seed give byte-identical 835s.

Which claims: those whose current submission went out on a sandbox connection, that ClaimDesk
knows as accepted (or pending) and that the books do not list yet. A small seeded share is held
for a few weeks before it is paid (late claims earn prompt-payment interest).

How a claim is paid, line by line:

- **allowed amount** from the payer's contract (:data:`CONTRACT_PERCENT`): a percentage, per kind
  of payer, of the practice's fee schedule charge for the code (or of the billed charge when the
  fee schedule lacks the code), or an exact per-unit rate (:data:`CONTRACT_RATES`); never more
  than billed. What is above it is written off: CO-45;
- **patient responsibility** from the policy: the visit's copay on E/M lines first (PR-3), then
  the deductible until the plan year's is met (PR-1, accumulated across claims per member and
  calendar year), then the coinsurance percentage of what remains (PR-2); the patient's total
  for the plan year stops at the out-of-pocket maximum. The payer pays the rest;
- a **secondary** claim (rank 2, 3) is paid from what the prior payer left to the patient (the
  books hold the primary's adjudication): OA-23 for what the prior payer paid or wrote off, the
  secondary's own copay/deductible/coinsurance on the rest (a Medicare supplement plan leaves
  the Part B deductible to the patient).

Denials, from the claim's facts (and a small seeded rate where facts cannot decide):

================  =====================================================================  ======
CARC (group)      when                                                                   RARC
================  =====================================================================  ======
CO-29             received later than the payer's filing limit after the date of service  —
CO-22             a payer of last resort billed first while another payer is primary     MA04
                  (Medicaid with any other coverage; Medicare with an employer plan);
                  seeded for patients with other coverage                                N4
CO-16             secondary claim with no prior payer's adjudication on record           N4
CO-16             seeded: the claim cannot be processed as sent (whole claim)            MA130
CO-16             Medicaid: a drug (J code) without its NDC (ClaimDesk sends none)       M119
CO-197            the payer requires prior authorization for the code and the visit has  M62
                  none (N54: the authorization does not cover the date or the code)
CO-96 / PR-96     a service this kind of payer does not cover (Medicare: routine        N130
                  physicals); PR when the patient signed an ABN (modifier GA)
CO-18             the member's same service (date, code, modifiers) already paid under   M86
                  another claim
CO-97             bundled into another line of the same day (NCCI pairs for Medicare and M15
                  Medicaid; pulse oximetry with a visit; venipuncture with a lab panel
                  for Medicaid and HMOs)
CO-50             the line's diagnoses do not support the test (coverage table), or      N115
                  seeded on non-E/M lines
================  =====================================================================  ======

A claim whose every line is denied is CLP02 4 (denied) with nothing paid; a denied line inside
a paid claim carries its CAS with nothing paid for the line.

Payments: one 835 (one check) per payer, split over several checks when the payer has more
than :data:`MAX_CLAIMS_PER_CHECK` claims, or over two by seeded choice; claims of different
payers never share an 835. Provider-level adjustments
(PLB): L6 interest on claims paid more than 30 days after they were received, WO recoupments of
an earlier claim's overpayment (planned, seeded, when a claim is paid), and FB forward balances
when a check would be negative (the balance is taken back from the payer's next check).

Some paid claims are planned (seeded) to be reversed in a later run: CLP02 22 mirroring the
original with negative amounts, followed in the same 835 by the corrected payment (the fee
schedule corrected by a few percent). A replacement claim (frequency 7) reverses the original's
payment before the new one is paid; a void (frequency 8) only reverses it.

The payer's own books (``sandbox/payer_books.json`` next to the folders) remember each claim it
adjudicated (by payer claim number: the one its 277CA gave), what it paid per line, the
deductible and out-of-pocket met per member and plan year, and balances carried forward. They are
written (temp file + rename) after the 835s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.edits import EM_CODES, needs_authorization
from core.errors import ClaimDeskError
from core.services import exchange
from core.services.sandbox_claims import payer_claim_number
from core.store import Store
from core.x12.control import next_control_number
from core.x12.envelope import Envelope
from core.x12.x835_model import (
    Adjustment835,
    ClaimPayment,
    ProviderAdjustment835,
    Remittance835,
    ServicePayment,
    balance_problems,
)
from db.models import (
    Authorization,
    Claim,
    Diagnosis,
    Encounter,
    ExchangeConnection,
    FeeScheduleItem,
    InsurancePolicy,
    NcciPtpEdit,
    Patient,
    Payer,
    Practice,
    X12File,
    X12FileClaim,
    utcnow,
)

COUNTER = "sandbox"  # the sandbox's own control numbers (shared with its 999s and 277CAs)
BOOKS_NAME = "payer_books.json"
BOOKS_VERSION = 1

# -- the contracts --------------------------------------------------------------------------------
#: Allowed amount, in percent of the practice's fee schedule charge, per kind of payer.
CONTRACT_PERCENT: dict[str, int] = {
    "medicare": 48,
    "medicaid": 38,
    "commercial": 65,
    "bcbs": 62,
    "hmo": 57,
    "supplemental": 48,
}
DEFAULT_CONTRACT_PERCENT = 60
#: Exact allowed amounts per unit (cents) that override the percentage, per kind and code.
CONTRACT_RATES: dict[str, dict[str, int]] = {
    "medicare": {"36415": 300},
    "medicaid": {"36415": 250},
}

#: Kinds that pay last: a claim billed to them first while other coverage is primary is denied.
LAST_RESORT = frozenset({"medicaid"})
#: Kinds that are secondary to the patient's employer plan (Medicare Secondary Payer rules).
SECONDARY_TO_EMPLOYER = frozenset({"medicare"})
_NOT_EMPLOYER = frozenset({"medicare", "medicaid", "supplemental"})

_PREVENTIVE = frozenset(str(n) for n in [*range(99381, 99388), *range(99391, 99398)])
_ACUPUNCTURE = frozenset({"97810", "97811", "97813", "97814"})
#: Services a kind of payer does not cover (CO-96; PR-96 when the patient signed an ABN).
NON_COVERED: dict[str, frozenset[str]] = {
    "medicare": _PREVENTIVE | _ACUPUNCTURE,
    "medicaid": _ACUPUNCTURE,
}
DEFAULT_NON_COVERED = _ACUPUNCTURE
_ABN_MODIFIERS = frozenset({"GA", "GX"})

#: Tests paid only for diagnoses that support them (prefixes of ICD-10-CM codes, with the dot).
COVERAGE: dict[str, tuple[str, ...]] = {
    "83036": ("E08", "E09", "E10", "E11", "E13", "O24", "R73", "Z79.4", "Z79.84", "Z13.1"),
    "84443": ("E0", "R53", "R63", "Z79.899", "Z13.29"),
    "93000": ("I", "R00", "R01", "R06", "R07", "R42", "R55", "Z01.81"),
    "71046": ("J", "R05", "R06", "R07", "R50", "I50", "C34", "Z01.81"),
    "94010": ("J4", "J8", "R05", "R06", "Z87.891", "Z01.81"),
}
_DISTINCT = frozenset("59 XE XS XP XU 91".split())
_LAB_FIRST = 80047  # CPT pathology and laboratory: 80047-89398


def _is_lab(code: str) -> bool:
    return len(code) == 5 and code.isdigit() and _LAB_FIRST <= int(code) <= 89398


#: Kinds that bundle venipuncture (36415) into a lab test billed the same day.
BUNDLE_DRAW_WITH_LAB = frozenset({"medicaid", "hmo"})
#: Kinds that apply the NCCI pairs the office imported.
APPLY_NCCI = frozenset({"medicare", "medicaid"})

#: CLP06 has its own code list: the 837's commercial (CI) and Blue Cross (BL) indicators are
#: not in it; a commercial plan answers as a PPO (12), a supplement as indemnity (15).
_CLP06 = frozenset("12 13 14 15 16 17 AM CH DS HM LM MA MB MC OF TV VA WC ZZ".split())


def filing_indicator_835(sbr09: str, kind: str) -> str:
    """CLP06 for a payer whose 837 claim filing indicator (SBR09) is ``sbr09``."""
    if sbr09 in _CLP06:
        return sbr09
    if sbr09 in ("CI", "BL"):
        return "15" if kind == "supplemental" else "12"
    return "ZZ"


INTEREST_AFTER_DAYS = 30  # prompt payment: interest on what is paid later than this
INTEREST_BASIS_POINTS = 425  # yearly rate, 4.25%
MAX_CLAIMS_PER_CHECK = 40


@dataclass(frozen=True, slots=True)
class SandboxRates:
    """How often the sandbox does what facts cannot decide (each a probability, 0 to 1)."""

    missing_information: float = 0.005  # whole claim CO-16 MA130
    other_payer_primary: float = 0.02  # CO-22 N4, only for patients with other coverage
    not_necessary: float = 0.005  # CO-50 on a non-E/M line
    held: float = 0.04  # the claim waits 31-45 days (then earns interest)
    split_check: float = 0.3  # a payer's claims go out in two checks
    reversal: float = 0.03  # a paid claim is reversed and corrected 14-45 days later
    recoupment: float = 0.03  # part of a paid claim is recouped 20-60 days later


DEFAULT_RATES = SandboxRates()
#: Facts only: no seeded surprises (for tests that want one scenario at a time).
NO_SURPRISES = SandboxRates(0, 0, 0, 0, 0, 0, 0)


class SandboxPayerError(ClaimDeskError):
    """The sandbox payer cannot work (its books are unreadable, or it built a bad 835)."""


@dataclass
class AdjudicationRun:
    """What one pass of the sandbox payer did."""

    files: list[str] = field(default_factory=list)  # 835 paths written
    claims_paid: int = 0  # processed with a payment (or a zero payment to the deductible)
    claims_denied: int = 0  # CLP02 4
    claims_reversed: int = 0  # CLP02 22 (with a corrected payment after, unless a void)
    lines_denied: int = 0  # denied lines inside processed claims
    held: int = 0  # claims the payer is still working on
    paid_cents: int = 0  # sum of CLP04 (reversals count negative)
    patient_cents: int = 0  # sum of CLP05
    interest_cents: int = 0  # PLB L6
    recouped_cents: int = 0  # PLB WO
    total_cents: int = 0  # sum of the checks (BPR02)

    @property
    def claims(self) -> int:
        return self.claims_paid + self.claims_denied

    def summary(self) -> str:
        if not self.files:
            held = f" ({self.held} held for review)" if self.held else ""
            return f"no claims to adjudicate{held}"
        parts = [
            f"{len(self.files)} remittance(s): {self.claims_paid} claim(s) paid, "
            f"{self.claims_denied} denied, {self.claims_reversed} reversed",
            f"checks total {_money(self.total_cents)}",
        ]
        if self.interest_cents:
            parts.append(f"interest {_money(self.interest_cents)}")
        if self.recouped_cents:
            parts.append(f"recouped {_money(self.recouped_cents)}")
        if self.held:
            parts.append(f"{self.held} held for review")
        return "; ".join(parts)


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{rest:02d}"


def _pct(cents: int, percent: int) -> int:
    """``percent`` of ``cents``, rounded half up (integers only)."""
    value = cents * percent
    return (value + 50) // 100 if value >= 0 else -((-value + 50) // 100)


# -- the books -------------------------------------------------------------------------------------
def books_path(store: Store) -> Path:
    return exchange.exchange_root(store) / "sandbox" / BOOKS_NAME


def _empty_books() -> dict[str, Any]:
    return {"version": BOOKS_VERSION, "claims": {}, "accumulators": {}, "forward": {},
            "void": {}}  # fmt: skip


def read_books(store: Store) -> dict[str, Any]:
    """The payer's books as plain data (empty books when the sandbox never paid anything)."""
    path = books_path(store)
    if not path.is_file():
        return _empty_books()
    try:
        books = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SandboxPayerError(
            f"The sandbox payer's books ({path}) cannot be read ({exc}); move the file away to "
            "let the sandbox payer start afresh (it will then pay accepted claims again)."
        ) from None
    if not isinstance(books, dict) or books.get("version") != BOOKS_VERSION:
        raise SandboxPayerError(
            f"The sandbox payer's books ({path}) are not in the format this version of "
            "ClaimDesk writes; move the file away to let the sandbox payer start afresh."
        )
    for key, value in _empty_books().items():
        books.setdefault(key, value)
    damaged = [key for key in ("claims", "accumulators", "forward", "void")
               if not isinstance(books[key], dict)]  # fmt: skip
    damaged += [
        number for number, entry in books["claims"].items()
        if not isinstance(entry, dict) or not _ENTRY_KEYS <= entry.keys()
        or not isinstance(entry["lines"], list)
    ]  # fmt: skip
    if damaged:
        raise SandboxPayerError(
            f"The sandbox payer's books ({path}) are damaged (see {', '.join(damaged[:3])}); "
            "move the file away to let the sandbox payer start afresh."
        )
    return books


_ENTRY_KEYS = frozenset(
    "pcn claim_id encounter_id payer member_id rank status filing facility frequency patient "
    "year charge paid patient_resp received adjudicated_on lines remarks".split()
)


def _write_books(path: Path, books: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part")
    with open(part, "w", encoding="utf-8") as fh:
        # One claim per line: small enough for a big practice, still readable with grep.
        fh.write("{\n")
        keys = sorted(books)
        for n, key in enumerate(keys):
            value = books[key]
            fh.write(f"{json.dumps(key)}: ")
            if isinstance(value, dict) and value:
                fh.write("{\n")
                inner = sorted(value)
                for m, k in enumerate(inner):
                    comma = "," if m < len(inner) - 1 else ""
                    fh.write(f"  {json.dumps(k)}: {_compact(value[k])}{comma}\n")
                fh.write("}")
            else:
                fh.write(_compact(value))
            fh.write(",\n" if n < len(keys) - 1 else "\n")
        fh.write("}\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, path)


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@contextlib.contextmanager
def _books_lock(path: Path) -> Iterator[None]:
    """One sandbox payer at a time per database (a CLI loop and a test run, say)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: no lock
        yield
        return
    with open(path.with_name(f".{path.name}.lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _acc_key(payer_code: str, member_id: str, year: int) -> str:
    return f"{payer_code}|{member_id}|{year}"


def _accumulator(books: dict, payer_code: str, member_id: str, year: int) -> dict[str, int]:
    return books["accumulators"].setdefault(
        _acc_key(payer_code, member_id, year), {"deductible_met": 0, "oop_met": 0}
    )


# -- facts read from the database -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Benefits:
    copay: int
    coinsurance: int
    deductible: int
    oop_max: int

    @classmethod
    def of(cls, policy: InsurancePolicy) -> _Benefits:
        return cls(policy.copay_cents or 0, policy.coinsurance_percent or 0,
                   policy.deductible_cents or 0, policy.out_of_pocket_max_cents or 0)  # fmt: skip


@dataclass
class _Context:
    """Rows shared by every claim of a pass, read once."""

    session: Session
    books: dict[str, Any]
    seed: int
    today: dt.date
    rates: SandboxRates
    fees: dict[tuple[str, str], int]
    payers: dict[int, Payer]
    practice: Practice | None
    # (payer code, member, date, code, modifiers) -> payer claim number that was paid for it
    paid_services: dict[tuple[str, str, str, str, str], str] = field(default_factory=dict)
    ncci: dict[tuple[str, str], list[NcciPtpEdit]] = field(default_factory=dict)


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def _received_on(head: str, stamp: dt.datetime | None) -> dt.date:
    """The day the payer received the claim: its 837's interchange date (GS04), read from the
    start of the file (``head``); else the day it was sent."""
    if len(head) > 106 and head.startswith("ISA"):
        element, terminator = head[3], head[105]
        gs = head[106:].lstrip("\r\n ").split(terminator, 1)[0].split(element)
        if len(gs) > 4 and gs[0] == "GS" and len(gs[4]) == 8 and gs[4].isdigit():
            with contextlib.suppress(ValueError):
                return dt.date(int(gs[4][:4]), int(gs[4][4:6]), int(gs[4][6:]))
    return stamp.date() if stamp else dt.date.today()


def _candidates(s: Session, books: dict) -> list[tuple[Claim, dt.date]]:
    """(claim, received on) for each claim waiting for the sandbox payer, by claim id."""
    rows = s.execute(
        select(Claim.id, Claim.patient_control_number, X12File.id)
        .join(X12FileClaim, X12FileClaim.claim_id == Claim.id)
        .join(X12File, X12File.id == X12FileClaim.file_id)
        .join(ExchangeConnection, ExchangeConnection.id == X12File.connection_id)
        .where(
            Claim.status.in_(["accepted", "pending"]),
            X12FileClaim.patient_control_number == Claim.patient_control_number,
            X12File.direction == "out",
            X12File.transaction.like("837%"),
            ExchangeConnection.sandbox.is_(True),
        )
        .order_by(Claim.id, X12File.id)
    ).all()
    waiting: dict[int, int] = {}
    for claim_id, pcn, file_id in rows:
        number = payer_claim_number(pcn)
        if claim_id in waiting or number in books["claims"] or number in books["void"]:
            continue
        waiting[claim_id] = file_id
    if not waiting:
        return []
    received: dict[int, dt.date] = {}
    for file_id in sorted(set(waiting.values())):
        head, stamp = s.execute(
            select(func.substr(X12File.content, 1, 300), X12File.sent_at).where(
                X12File.id == file_id
            )
        ).one()
        received[file_id] = _received_on(head or "", stamp)
    out: list[tuple[Claim, dt.date]] = []
    ids = sorted(waiting)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for claim in s.scalars(
            select(Claim).where(Claim.id.in_(chunk)).options(selectinload(Claim.lines))
            .order_by(Claim.id)
        ):  # fmt: skip
            out.append((claim, received[waiting[claim.id]]))
    return out


# -- pricing ---------------------------------------------------------------------------------------
def allowed_amount(kind: str, code: str, modifiers: tuple[str, ...], units: int, charge: int,
                   fees: dict[tuple[str, str], int]) -> int:  # fmt: skip
    """The contract's allowed amount for one line (never more than billed)."""
    rate = CONTRACT_RATES.get(kind, {}).get(code)
    if rate is not None:
        return min(charge, rate * max(units, 1))
    fee = fees.get((code, modifiers[0] if modifiers else ""), fees.get((code, "")))
    basis = fee * max(units, 1) if fee is not None else charge
    return min(charge, _pct(basis, CONTRACT_PERCENT.get(kind, DEFAULT_CONTRACT_PERCENT)))


def _price(lines: list[dict], benefits: _Benefits, acc: dict[str, int]) -> None:
    """Patient responsibility and payment of every priced line (``allowed`` set), in place;
    ``acc`` (the member's plan year) accumulates the deductible and out-of-pocket."""
    room = [None if benefits.oop_max <= 0 else max(0, benefits.oop_max - acc["oop_met"])]

    def cap(amount: int) -> int:
        amount = max(0, amount)
        if room[0] is None:
            return amount
        amount = min(amount, room[0])
        room[0] -= amount
        return amount

    priced = [ln for ln in lines if ln["allowed"] is not None]
    copay_left = benefits.copay
    for ln in priced:
        ln["copay"] = ln["deductible"] = ln["coinsurance"] = 0
        if copay_left and ln["code"] in EM_CODES:
            ln["copay"] = cap(min(copay_left, ln["allowed"]))
            copay_left -= ln["copay"]
    for ln in priced:
        rest = ln["allowed"] - ln["copay"]
        deductible_left = max(0, benefits.deductible - acc["deductible_met"])
        ln["deductible"] = cap(min(deductible_left, rest))
        acc["deductible_met"] += ln["deductible"]
        rest -= ln["deductible"]
        ln["coinsurance"] = cap(_pct(rest, benefits.coinsurance))
        patient = ln["copay"] + ln["deductible"] + ln["coinsurance"]
        acc["oop_met"] += patient
        ln["acc"] = [ln["deductible"], patient]  # what the line added to the accumulators
        ln["paid"] = ln["allowed"] - patient
        ln["adjustments"] = _cas(
            ("CO", "45", ln["charge"] - ln["allowed"]),
            ("PR", "1", ln["deductible"]),
            ("PR", "2", ln["coinsurance"]),
            ("PR", "3", ln["copay"]),
        )


def _price_secondary(lines: list[dict], prior: dict[tuple[str, int], dict], benefits: _Benefits,
                     acc: dict[str, int], kind: str) -> None:  # fmt: skip
    """A secondary payer pays from what the prior payer left to the patient."""
    room = [None if benefits.oop_max <= 0 else max(0, benefits.oop_max - acc["oop_met"])]

    def cap(amount: int) -> int:
        amount = max(0, amount)
        if room[0] is None:
            return amount
        amount = min(amount, room[0])
        room[0] -= amount
        return amount

    copay_left = benefits.copay
    for ln in lines:
        if ln["allowed"] is None:
            continue
        before = prior.get(("s", ln["service_line_id"])) or prior.get(("n", ln["number"]))
        left = 0
        kept_deductible = 0
        if before is not None and before["allowed"] is not None:
            left = before["copay"] + before["deductible"] + before["coinsurance"]
            if kind == "supplemental":  # the Part B deductible stays with the patient
                kept_deductible = before["deductible"]
        left = min(left, ln["charge"])
        ln["allowed"] = left
        ln["copay"] = 0
        if copay_left and ln["code"] in EM_CODES:
            ln["copay"] = cap(min(copay_left, left - kept_deductible))
            copay_left -= ln["copay"]
        rest = left - kept_deductible - ln["copay"]
        deductible_left = max(0, benefits.deductible - acc["deductible_met"])
        own_deductible = cap(min(deductible_left, rest))
        acc["deductible_met"] += own_deductible
        ln["deductible"] = kept_deductible + own_deductible
        rest -= own_deductible
        ln["coinsurance"] = cap(_pct(rest, benefits.coinsurance))
        patient = ln["copay"] + ln["deductible"] + ln["coinsurance"]
        acc["oop_met"] += patient - kept_deductible
        ln["acc"] = [own_deductible, patient - kept_deductible]
        ln["paid"] = left - patient
        ln["adjustments"] = _cas(
            ("OA", "23", ln["charge"] - left),
            ("PR", "1", ln["deductible"]),
            ("PR", "2", ln["coinsurance"]),
            ("PR", "3", ln["copay"]),
        )


def _cas(*items: tuple[str, str, int]) -> list[list]:
    """Adjustments without zero amounts, same group and reason merged, in a stable order."""
    merged: dict[tuple[str, str], int] = {}
    for group, reason, amount in items:
        if amount:
            merged[(group, reason)] = merged.get((group, reason), 0) + amount
    return [[g, r, a] for (g, r), a in merged.items() if a]


# -- denials ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Denial:
    group: str
    reason: str
    remark: str = ""


def _active(p: InsurancePolicy, day: dt.date) -> bool:
    return p.effective_from <= day and (p.effective_to is None or day <= p.effective_to)


def _claim_denial(ctx: _Context, claim: Claim, payer: Payer, received: dt.date,
                  first_day: dt.date, prior: dict | None) -> _Denial | None:  # fmt: skip
    """A reason that denies the whole claim, if any (in the order a payer checks)."""
    if (
        claim.frequency_code == "1"
        and payer.timely_filing_days
        and (received - first_day).days > payer.timely_filing_days
    ):
        return _Denial("CO", "29")
    others = [
        p
        for p in ctx.session.scalars(
            select(InsurancePolicy).where(InsurancePolicy.patient_id == claim.patient_id)
        )
        if p.id != claim.policy_id and p.payer_id != payer.id and _active(p, first_day)
    ]
    if claim.payer_rank == 1 and others:
        kinds = {ctx.payers[p.payer_id].kind for p in others if p.payer_id in ctx.payers}
        if payer.kind in LAST_RESORT and kinds - LAST_RESORT:
            return _Denial("CO", "22", "MA04")
        if payer.kind in SECONDARY_TO_EMPLOYER and kinds - _NOT_EMPLOYER:
            return _Denial("CO", "22", "MA04")
        pcn = claim.patient_control_number
        if _rng(ctx.seed, pcn, "cob").random() < ctx.rates.other_payer_primary:
            return _Denial("CO", "22", "N4")
    if claim.payer_rank > 1 and prior is None:
        return _Denial("CO", "16", "N4")
    if _rng(ctx.seed, claim.patient_control_number, "missing").random() < (
        ctx.rates.missing_information
    ):
        return _Denial("CO", "16", "MA130")
    return None


def _line_denials(
    ctx: _Context, claim: Claim, payer: Payer, member_id: str, encounter: Encounter,
    dx: list[str], replaced: str,
) -> dict[int, _Denial]:  # fmt: skip
    """Line number -> the reason that line is denied."""
    out: dict[int, _Denial] = {}
    lines = list(claim.lines)
    kind = payer.kind
    patterns = tuple((payer.auth_required_codes or "").upper().split())
    auth = ctx.session.get(Authorization, encounter.authorization_id) if (
        encounter.authorization_id) else None  # fmt: skip
    non_covered = NON_COVERED.get(kind, DEFAULT_NON_COVERED)
    codes = {ln.code for ln in lines}
    pairs: list[NcciPtpEdit] = []
    if kind in APPLY_NCCI and len(codes) > 1:
        pairs = [e for a in sorted(codes) for b in sorted(codes) if a != b
                 for e in ctx.ncci.get((a, b), [])]  # fmt: skip
    for ln in lines:
        mods = tuple(m for m in ln.modifiers.split(":") if m)
        denial: _Denial | None = None
        if patterns and needs_authorization(ln.code, patterns):
            if auth is None and not (encounter.authorization_number or "").strip():
                denial = _Denial("CO", "197", "M62")
            elif auth is not None and (
                not auth.start_date <= ln.date_of_service <= auth.end_date
                or (auth.service_codes.split() and ln.code not in auth.service_codes.split())
            ):
                denial = _Denial("CO", "197", "N54")
        if denial is None and ln.code in non_covered:
            denial = _Denial("PR" if _ABN_MODIFIERS & set(mods) else "CO", "96", "N130")
        if denial is None:
            key = (payer.payer_code, member_id, ln.date_of_service.isoformat(), ln.code,
                   ":".join(mods))  # fmt: skip
            earlier = ctx.paid_services.get(key)
            if earlier and earlier != replaced:
                denial = _Denial("CO", "18", "M86")
        if denial is None and _bundled(ln, mods, lines, kind, pairs):
            denial = _Denial("CO", "97", "M15")
        if denial is None and ln.code in COVERAGE:
            pointed = [dx[int(p) - 1] for p in ln.pointers.split(":")
                       if p.isdigit() and 0 < int(p) <= len(dx)]  # fmt: skip
            if not any(d.startswith(COVERAGE[ln.code]) for d in pointed):
                denial = _Denial("CO", "50", "N115")
        if denial is None and ln.code not in EM_CODES:
            draw = _rng(ctx.seed, claim.patient_control_number, "necessity", ln.line_number)
            if draw.random() < ctx.rates.not_necessary:
                denial = _Denial("CO", "50", "")
        if denial is None and kind == "medicaid" and ln.code.startswith("J"):
            denial = _Denial("CO", "16", "M119")
        if denial is not None:
            out[ln.line_number] = denial
    return out


def _bundled(ln, mods: tuple[str, ...], lines, kind: str, pairs: list[NcciPtpEdit]) -> bool:
    same_day = [o for o in lines if o is not ln and o.date_of_service == ln.date_of_service]
    if ln.code == "94760" and any(o.code in EM_CODES for o in same_day):
        return True
    if (
        ln.code == "36415"
        and kind in BUNDLE_DRAW_WITH_LAB
        and any(_is_lab(o.code) for o in same_day)
    ):
        return True
    for edit in pairs:
        if edit.column2 != ln.code:
            continue
        if edit.effective_from > ln.date_of_service or (
            edit.deleted_on is not None and edit.deleted_on <= ln.date_of_service
        ):
            continue
        for other in same_day:
            if other.code != edit.column1:
                continue
            other_mods = {m for m in other.modifiers.split(":") if m}
            if edit.modifier_indicator == "1" and _DISTINCT & (set(mods) | other_mods):
                continue
            if edit.modifier_indicator in ("0", "1"):
                return True
    return False


# -- one claim -------------------------------------------------------------------------------------
def _adjudicate_claim(ctx: _Context, claim: Claim, received: dt.date) -> dict | None:
    """The books entry of one claim's adjudication (None: it is still held)."""
    s = ctx.session
    payer = ctx.payers[claim.payer_id]
    policy = s.get(InsurancePolicy, claim.policy_id)
    patient = s.get(Patient, claim.patient_id)
    encounter = s.get(Encounter, claim.encounter_id)
    pcn = claim.patient_control_number
    lines = list(claim.lines)
    first_day = min((ln.date_of_service for ln in lines), default=encounter.date_of_service)
    held = _rng(ctx.seed, pcn, "held")
    if held.random() < ctx.rates.held:
        if ctx.today < received + dt.timedelta(days=held.randint(31, 45)):
            return None
    dx = list(
        s.scalars(select(Diagnosis.code).where(Diagnosis.encounter_id == claim.encounter_id)
                  .order_by(Diagnosis.seq))
    )  # fmt: skip
    replaced = _replaced_number(ctx, claim)
    prior = _prior_lines(ctx, claim) if claim.payer_rank > 1 else None
    denial = _claim_denial(ctx, claim, payer, received, first_day, prior)
    line_denials = {} if denial else _line_denials(
        ctx, claim, payer, policy.member_id, encounter, dx, replaced)  # fmt: skip
    entry_lines = []
    for ln in lines:
        d = denial or line_denials.get(ln.line_number)
        mods = [m for m in ln.modifiers.split(":") if m]
        row = {
            "id": ln.id, "service_line_id": ln.service_line_id, "number": ln.line_number,
            "dos": ln.date_of_service.isoformat(), "code": ln.code, "modifiers": mods,
            "units": ln.units, "charge": ln.charge_cents, "allowed": None, "paid": 0,
            "copay": 0, "deductible": 0, "coinsurance": 0, "adjustments": [], "remarks": [],
        }  # fmt: skip
        if d is not None:
            row["adjustments"] = _cas((d.group, d.reason, ln.charge_cents))
            if d.remark and denial is None:
                row["remarks"] = [d.remark]
        else:
            row["allowed"] = allowed_amount(payer.kind, ln.code, tuple(mods), ln.units,
                                            ln.charge_cents, ctx.fees)  # fmt: skip
        entry_lines.append(row)
    year = first_day.year
    acc = _accumulator(ctx.books, payer.payer_code, policy.member_id, year)
    benefits = _Benefits.of(policy)
    if claim.payer_rank > 1 and prior is not None:
        _price_secondary(entry_lines, prior, benefits, acc, payer.kind)
    else:
        _price(entry_lines, benefits, acc)
    all_denied = all(row["allowed"] is None for row in entry_lines)
    status = "4" if all_denied else {1: "1", 2: "2"}.get(claim.payer_rank, "3")
    entry = {
        "pcn": pcn, "claim_id": claim.id, "encounter_id": claim.encounter_id,
        "payer": payer.payer_code, "member_id": policy.member_id, "rank": claim.payer_rank,
        "status": status, "filing": filing_indicator_835(payer.claim_filing_indicator, payer.kind),
        "facility": encounter.place_of_service, "frequency": claim.frequency_code,
        "patient": [patient.last_name, patient.first_name], "year": year,
        "charge": sum(r["charge"] for r in entry_lines),
        "paid": sum(r["paid"] for r in entry_lines),
        "patient_resp": _patient_part(entry_lines), "received": received.isoformat(),
        "adjudicated_on": ctx.today.isoformat(), "lines": entry_lines,
        "remarks": [denial.remark] if denial and denial.remark else [],
        "interest": 0, "recouped": 0, "history": [],
    }  # fmt: skip
    _plan_later(ctx, entry)
    return entry


def _patient_part(lines: list[dict]) -> int:
    return sum(a for row in lines for g, _r, a in row["adjustments"] if g == "PR")


def _plan_later(ctx: _Context, entry: dict) -> None:
    """Seeded plans for this claim's future: a reversal with correction, a recoupment."""
    if entry["paid"] <= 0 or entry["rank"] != 1:
        return
    today = ctx.today
    rev = _rng(ctx.seed, entry["pcn"], "reversal")
    if rev.random() < ctx.rates.reversal:
        entry["reverse_on"] = (today + dt.timedelta(days=rev.randint(14, 45))).isoformat()
        entry["correction_percent"] = rev.choice([-6, -4, 4, 6])
        return
    rec = _rng(ctx.seed, entry["pcn"], "recoupment")
    if rec.random() < ctx.rates.recoupment:
        entry["recoup_on"] = (today + dt.timedelta(days=rec.randint(20, 60))).isoformat()
        entry["recoup_cents"] = max(1, min(entry["paid"], _pct(entry["paid"], rec.randint(5, 15))))


def _replaced_number(ctx: _Context, claim: Claim) -> str:
    """For a replacement or void (frequency 7/8): the payer claim number of the claim it
    replaces, when the books have it."""
    if claim.frequency_code not in ("7", "8") or claim.replaces_claim_id is None:
        return ""
    for number, entry in sorted(ctx.books["claims"].items()):
        if entry["claim_id"] == claim.replaces_claim_id:
            return number
    return ""


def _prior_lines(ctx: _Context, claim: Claim) -> dict[tuple[str, int], dict] | None:
    """The prior payer's adjudicated lines for a secondary claim (keyed ("s", service line id)
    and ("n", line number)), or None when the books hold no paid adjudication of it."""
    entry = None
    for _number, e in sorted(ctx.books["claims"].items()):
        if (e["encounter_id"] == claim.encounter_id and e["rank"] == claim.payer_rank - 1
                and e["status"] not in ("4", "22")):  # fmt: skip
            entry = e
    if entry is None:
        return None
    out: dict[tuple[str, int], dict] = {}
    for row in entry["lines"]:
        if row["service_line_id"]:
            out[("s", row["service_line_id"])] = row
        out[("n", row["number"])] = row
    return out


# -- CLPs from the books ---------------------------------------------------------------------------
def _adj(items: Iterable[list], sign: int) -> tuple[Adjustment835, ...]:
    return tuple(Adjustment835(g, r, sign * a) for g, r, a in items)


def clp_from_entry(entry: dict, *, sign: int = 1, status: str | None = None) -> ClaimPayment:
    """The CLP loop of a books entry; ``sign=-1`` with status 22 mirrors it as a reversal."""
    services = tuple(
        ServicePayment(
            qualifier="HC",
            code=row["code"],
            modifiers=tuple(row["modifiers"]),
            charge_cents=sign * row["charge"],
            paid_cents=sign * row["paid"],
            units=str(row["units"]) if row["units"] != 1 else "",
            service_from=dt.date.fromisoformat(row["dos"]),
            line_control_number=str(row["id"]),
            allowed_cents=None if row["allowed"] is None else sign * row["allowed"],
            adjustments=_adj(row["adjustments"], sign),
            remarks=tuple(row["remarks"]),
        )
        for row in entry["lines"]
    )
    return ClaimPayment(
        patient_control_number=entry["pcn"],
        status_code=status or entry["status"],
        charge_cents=sign * entry["charge"],
        paid_cents=sign * entry["paid"],
        patient_responsibility_cents=sign * entry["patient_resp"],
        filing_indicator=entry["filing"],
        payer_claim_number=payer_claim_number(entry["pcn"]),
        facility_code=entry["facility"],
        frequency_code=entry["frequency"],
        patient_last=entry["patient"][0],
        patient_first=entry["patient"][1],
        patient_member_id=entry["member_id"],
        received_on=dt.date.fromisoformat(entry["received"]),
        remarks=tuple(entry["remarks"]),
        services=services,
    )


def _reverse(ctx: _Context, number: str, entry: dict) -> None:
    """Take the entry's payment back in the books (accumulators given back, services freed)."""
    acc = _accumulator(ctx.books, entry["payer"], entry["member_id"], entry["year"])
    for row in entry["lines"]:
        deductible, oop = row.get("acc") or (0, 0)
        acc["deductible_met"] -= deductible
        acc["oop_met"] -= oop
    for row in entry["lines"]:
        key = (entry["payer"], entry["member_id"], row["dos"], row["code"],
               ":".join(row["modifiers"]))  # fmt: skip
        if ctx.paid_services.get(key) == number:
            del ctx.paid_services[key]


def _correct(ctx: _Context, entry: dict) -> dict:
    """The corrected adjudication of a reversed claim: its fee schedule amounts changed by the
    planned percentage, the patient's part recomputed."""
    claim = ctx.session.get(Claim, entry["claim_id"])
    policy = ctx.session.get(InsurancePolicy, claim.policy_id) if claim else None
    benefits = _Benefits.of(policy) if policy else _Benefits(0, 0, 0, 0)
    percent = int(entry.get("correction_percent", 4))
    lines = []
    for row in entry["lines"]:
        new = dict(row, adjustments=list(row["adjustments"]), remarks=list(row["remarks"]))
        if row["allowed"] is not None:
            new["allowed"] = max(0, min(row["charge"], _pct(row["allowed"], 100 + percent)))
        lines.append(new)
    acc = _accumulator(ctx.books, entry["payer"], entry["member_id"], entry["year"])
    _price(lines, benefits, acc)
    corrected = dict(entry, lines=lines, paid=sum(r["paid"] for r in lines),
                     patient_resp=_patient_part(lines), adjudicated_on=ctx.today.isoformat(),
                     interest=0, recouped=0, history=[])  # fmt: skip
    for key in ("reverse_on", "correction_percent", "recoup_on", "recoup_cents"):
        corrected.pop(key, None)
    corrected["status"] = "4" if all(r["allowed"] is None for r in lines) else entry["status"]
    corrected["corrects"] = True
    return corrected


def _book_services(ctx: _Context, number: str, entry: dict) -> None:
    for row in entry["lines"]:
        if row["allowed"] is None:
            continue
        key = (entry["payer"], entry["member_id"], row["dos"], row["code"],
               ":".join(row["modifiers"]))  # fmt: skip
        ctx.paid_services.setdefault(key, number)


def _interest(paid: int, received: dt.date, today: dt.date) -> int:
    late = (today - received).days - INTEREST_AFTER_DAYS
    if paid <= 0 or late <= 0:
        return 0
    numerator = paid * INTEREST_BASIS_POINTS * late
    return (numerator + 1_825_000) // 3_650_000  # / (10000 basis points * 365 days), half up


# -- the pass --------------------------------------------------------------------------------------
@dataclass
class _Item:
    """CLPs that travel together in one 835 (a reversal and its correction), with their PLBs."""

    payments: list[ClaimPayment]
    plb: list[tuple[str, str, int]] = field(default_factory=list)  # (reason, reference, amount)
    numbers: list[str] = field(default_factory=list)


def adjudicate(
    store: Store,
    *,
    seed: int = 0,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    rates: SandboxRates = DEFAULT_RATES,
) -> AdjudicationRun:
    """One pass of the sandbox payers (see the module docstring); returns what it did."""
    from core.x12.x835 import build_835

    now = now or utcnow()
    today = today or now.date()
    path = books_path(store)
    result = AdjudicationRun()
    _to_payer, from_payer = exchange.sandbox_dirs(store)
    with _books_lock(path):
        books = read_books(store)
        before = json.dumps(books, sort_keys=True)
        texts: list[tuple[str, str]] = []
        with store.uow() as uow:
            s = uow.session
            ctx = _context(s, books, seed, today, rates)
            per_payer = _work(ctx, result)
            submitter = _submitter(s)
            for payer_code in sorted(per_payer):
                payer = next(p for p in ctx.payers.values() if p.payer_code == payer_code)
                for items in _checks(ctx, payer_code, per_payer[payer_code]):
                    control = next_control_number(s, COUNTER)
                    env = Envelope(sender_id=exchange.SANDBOX_RECEIVER, receiver_id=submitter,
                                   control_number=control, created_at=now)  # fmt: skip
                    remit = _remittance(ctx, payer, items, env, result)
                    problems = balance_problems(remit)
                    if problems:
                        raise SandboxPayerError(
                            "The sandbox payer built a remittance that does not balance ("
                            + "; ".join(problems[:3])
                            + "); nothing was sent."
                        )
                    name = f"remit-{payer_code.lower()}-{env.isa13}.835"
                    texts.append((name, build_835(remit, env)))
        for name, text in texts:
            _write(from_payer, name, text)
            result.files.append(str(from_payer / name))
        if texts or json.dumps(books, sort_keys=True) != before:
            _write_books(path, books)
    return result


def _context(s: Session, books: dict, seed: int, today: dt.date, rates: SandboxRates) -> _Context:
    fees = {(f.code, f.modifier or ""): f.charge_cents for f in s.scalars(select(FeeScheduleItem))}
    ctx = _Context(session=s, books=books, seed=seed, today=today, rates=rates, fees=fees,
                   payers={p.id: p for p in s.scalars(select(Payer))},
                   practice=s.scalars(select(Practice).order_by(Practice.id)).first())  # fmt: skip
    for number, entry in sorted(books["claims"].items()):
        if entry["status"] not in ("4", "22"):
            _book_services(ctx, number, entry)
    return ctx


def _load_ncci(ctx: _Context, claims: list[Claim]) -> None:
    codes = sorted({ln.code for c in claims for ln in c.lines})
    if not codes:
        return
    for start in range(0, len(codes), 400):
        chunk = codes[start : start + 400]
        for edit in ctx.session.scalars(
            select(NcciPtpEdit).where(NcciPtpEdit.column2.in_(chunk)).order_by(NcciPtpEdit.id)
        ):
            ctx.ncci.setdefault((edit.column1, edit.column2), []).append(edit)


def _work(ctx: _Context, result: AdjudicationRun) -> dict[str, list[_Item]]:
    """Adjudicate every waiting claim and every planned reversal or recoupment that is due;
    per payer code, the CLP groups to pay (in a stable order)."""
    books = ctx.books
    per_payer: dict[str, list[_Item]] = {}
    recoup: dict[str, list[tuple[str, str, int]]] = {}
    # Planned reversals and recoupments that are due (in payer claim number order).
    for number, entry in sorted(books["claims"].items()):
        if entry.get("reverse_on") and entry["reverse_on"] <= ctx.today.isoformat():
            reversal = clp_from_entry(entry, sign=-1, status="22")
            _reverse(ctx, number, entry)
            corrected = _correct(ctx, entry)
            history = [*entry.get("history", []), _summary(entry, ctx.today)]
            corrected["history"] = history
            books["claims"][number] = corrected
            _book_services(ctx, number, corrected)
            per_payer.setdefault(entry["payer"], []).append(
                _Item([reversal, clp_from_entry(corrected)], numbers=[number])
            )
            result.claims_reversed += 1
        elif entry.get("recoup_on") and entry["recoup_on"] <= ctx.today.isoformat():
            amount = entry.pop("recoup_cents")
            entry.pop("recoup_on")
            entry["recouped"] = entry.get("recouped", 0) + amount
            recoup.setdefault(entry["payer"], []).append(("WO", number, amount))
    candidates = _candidates(ctx.session, books)
    _load_ncci(ctx, [c for c, _r in candidates])

    def order(item: tuple[Claim, dt.date]) -> tuple:
        claim = item[0]
        first = min((ln.date_of_service for ln in claim.lines), default=dt.date.min)
        return (ctx.payers[claim.payer_id].payer_code, first, claim.patient_control_number)

    for claim, received in sorted(candidates, key=order):
        payer_code = ctx.payers[claim.payer_id].payer_code
        number = payer_claim_number(claim.patient_control_number)
        replaced = _replaced_number(ctx, claim)
        payments: list[ClaimPayment] = []
        if replaced and books["claims"][replaced]["status"] not in ("4", "22"):
            original = books["claims"][replaced]
            if not original.get("reversed_on"):
                payments.append(clp_from_entry(original, sign=-1, status="22"))
                _reverse(ctx, replaced, original)
                original["reversed_on"] = ctx.today.isoformat()
                original["status"] = "22"
                for key in ("reverse_on", "correction_percent", "recoup_on", "recoup_cents"):
                    original.pop(key, None)
                result.claims_reversed += 1
        if claim.frequency_code == "8":
            books["void"][number] = {"pcn": claim.patient_control_number, "claim_id": claim.id,
                                     "voids": replaced, "on": ctx.today.isoformat()}  # fmt: skip
            if payments:
                per_payer.setdefault(payer_code, []).append(_Item(payments, numbers=[replaced]))
            continue
        entry = _adjudicate_claim(ctx, claim, received)
        if entry is None:
            result.held += 1
            continue
        books["claims"][number] = entry
        if entry["status"] != "4":
            _book_services(ctx, number, entry)
        item = _Item([*payments, clp_from_entry(entry)], numbers=[number])
        interest = _interest(entry["paid"], received, ctx.today)
        if interest:
            entry["interest"] = interest
            item.plb.append(("L6", number, -interest))
        per_payer.setdefault(payer_code, []).append(item)
        if entry["status"] == "4":
            result.claims_denied += 1
        else:
            result.claims_paid += 1
            result.lines_denied += sum(1 for r in entry["lines"] if r["allowed"] is None)
    for payer_code, adjustments in recoup.items():
        items = per_payer.get(payer_code)
        if items:
            items[-1].plb.extend(adjustments)
        else:  # no check for this payer today: the recoupment waits for the next one
            for _reason, number, amount in adjustments:
                entry = books["claims"][number]
                entry["recouped"] -= amount
                entry["recoup_cents"] = amount
                entry["recoup_on"] = ctx.today.isoformat()
    return per_payer


def _summary(entry: dict, today: dt.date) -> dict:
    return {"adjudicated_on": entry["adjudicated_on"], "reversed_on": today.isoformat(),
            "paid": entry["paid"], "patient_resp": entry["patient_resp"],
            "allowed": [r["allowed"] for r in entry["lines"]]}  # fmt: skip


def _checks(ctx: _Context, payer_code: str, items: list[_Item]) -> list[list[_Item]]:
    """The payer's CLP groups split into checks: one, or two when there are many claims or
    by seeded choice (a second payment cycle the same day)."""
    count = len(items)
    if count < 2:
        return [items]
    if count > MAX_CLAIMS_PER_CHECK:
        size = MAX_CLAIMS_PER_CHECK
        return [items[i : i + size] for i in range(0, count, size)]
    rng = _rng(ctx.seed, payer_code, ctx.today.isoformat(), "split")
    if rng.random() < ctx.rates.split_check:
        cut = rng.randint(1, count - 1)
        return [items[:cut], items[cut:]]
    return [items]


def _submitter(s: Session) -> str:
    conn = s.scalars(
        select(ExchangeConnection).where(ExchangeConnection.sandbox.is_(True))
        .order_by(ExchangeConnection.id)
    ).first()  # fmt: skip
    if conn is not None:
        return conn.submitter_id
    practice = s.scalars(select(Practice).order_by(Practice.id)).first()
    return practice.tax_id if practice else "CLAIMDESK"


def _payer_tin(payer_code: str) -> str:
    """TRN03: "1" and a nine-digit tax ID, made up from the payer ID (stable)."""
    value = 0
    for ch in payer_code:
        value = (value * 131 + ord(ch)) % 1_000_000_000
    return f"1{value:09d}"


def _remittance(ctx: _Context, payer: Payer, items: list[_Item], env: Envelope,
                result: AdjudicationRun) -> Remittance835:  # fmt: skip
    practice = ctx.practice
    npi = practice.npi if practice else ""
    claims = tuple(p for item in items for p in item.payments)
    plb = [p for item in items for p in item.plb]
    paid = sum(c.paid_cents for c in claims)
    # Balances carried from earlier checks are taken back first.
    owed = ctx.books["forward"].get(payer.payer_code, 0)
    total = paid - sum(a for _r, _ref, a in plb)
    if owed and total > 0:
        take = min(owed, total)
        plb.append(("FB", f"FB{payer.payer_code}", take))
        ctx.books["forward"][payer.payer_code] = owed - take
        total -= take
    if total < 0:  # a negative check is not sent: the balance goes forward
        plb.append(("FB", f"FB{payer.payer_code}", total))
        ctx.books["forward"][payer.payer_code] = ctx.books["forward"].get(
            payer.payer_code, 0) - total  # fmt: skip
        total = 0
    if not ctx.books["forward"].get(payer.payer_code):
        ctx.books["forward"].pop(payer.payer_code, None)
    fiscal = dt.date(ctx.today.year, 12, 31)
    adjustments = tuple(
        ProviderAdjustment835(
            provider_identifier=npi,
            fiscal_date=fiscal,
            reason=reason,
            reference=reference,
            amount_cents=amount,
        )  # fmt: skip
        for reason, reference, amount in plb
    )
    trace = f"{payer.payer_code}{ctx.today:%y%m%d}{env.control_number:06d}"
    for item in items:
        for number in item.numbers:
            if number in ctx.books["claims"]:
                ctx.books["claims"][number]["trace"] = trace
    result.paid_cents += paid
    result.patient_cents += sum(c.patient_responsibility_cents for c in claims)
    result.interest_cents += -sum(a for r, _ref, a in plb if r == "L6")
    result.recouped_cents += sum(a for r, _ref, a in plb if r == "WO")
    result.total_cents += total
    address = (
        payer.address_line1 or "PO BOX 1000",
        payer.city or "SALEM",
        payer.state or "OR",
        payer.zip_code or "97301",
    )
    payee_address = (
        (practice.address_line1, practice.city, practice.state, practice.zip_code)
        if practice else ()
    )  # fmt: skip
    return Remittance835(
        control_number=env.st02,
        handling_code="I" if total > 0 else "H",
        total_cents=total,
        credit_debit="C",
        payment_method="CHK" if total > 0 else "NON",
        payment_date=ctx.today,
        trace_number=trace,
        payer_identifier=_payer_tin(payer.payer_code),
        payer_name=payer.name,
        payer_id=payer.payer_code,
        payee_name=practice.name if practice else "PROVIDER",
        payee_id=npi,
        payee_id_qualifier="XX",
        production_date=ctx.today,
        payer_address=address,
        payer_contact_phone=payer.phone or "8005550199",
        payee_address=payee_address,
        payee_tax_id=practice.tax_id if practice else "",
        claims=claims,
        provider_adjustments=adjustments,
    )


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f".{name}.part"
    with open(part, "w", encoding="ascii", errors="replace", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, folder / name)
