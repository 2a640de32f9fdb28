"""From coded visit to zero balance: claims, their event history and the ledger behind them.

Each billed visit gets a claim that walks a legal path through ``core.workflow`` to the status
the plan asked for, with timestamps that move forward from the date of service and never pass
"now". Money follows the path: charges when the claim is built, the payer's payment with CO-45
contractual write-offs (and CO-253 sequestration for Medicare) when it pays, PR transfers of
deductible / coinsurance / copay to the patient, or the charge moved to a secondary payer's claim,
patient payments, write-offs when a claim is closed, charge reversals when a claim is voided or
replaced. For every claim, the sum of its ledger entries is what is still owed on it, and
charges = payments + adjustments + balance (transfers net to zero within a claim).

Each claim's open work carries its reason, the way the services record it: a denial leaves a
zero-amount marker adjustment with its group and CARC (as a paper EOB posted by hand does), a
999 or 277CA rejection a ``claim_rejections`` row (resolved when the claim moved on), and a
claim left in ``edits`` the scrubber's findings, produced by the rules of ``core.edits``.
Those rows are extra: they draw nothing from the seed's random stream, and the ledger markers
take ids after every other ledger row (:meth:`Biller.held_rows`), so no id, amount or time
moves. The event texts of edits and rejections name what those rows say.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from core import edits as E
from core.money import Money
from core.services.claims import pcn_for
from core.workflow import ClaimStatus, transition
from core.x12.status_codes import explain, fix_hint
from core.x12.x999 import ElementError, SegmentError
from sample_data.people import Person, Policy
from sample_data.practice import PAYER_BY_KEY, PayerSpec

S = ClaimStatus

# -- the plan: how many visits end where -------------------------------------------------------------

# Share of encounters per outcome. open/query/coded/enc_void are encounter states without a claim;
# the rest name the final status of the visit's (first) claim.
OUTCOME_SHARES: dict[str, float] = {
    "open": 0.07,
    "query": 0.025,
    "coded": 0.06,
    "enc_void": 0.005,
    "draft": 0.015,
    "edits": 0.015,
    "ready": 0.015,
    "batched": 0.01,
    "submitted": 0.025,
    "accepted": 0.05,
    "rejected": 0.02,
    "pending": 0.03,
    "denied": 0.04,
    "partially_paid": 0.03,
    "paid": 0.30,
    "appealed": 0.015,
    "corrected": 0.02,
    "void": 0.01,
    "closed": 0.245,
}
UNBILLED = frozenset({"open", "query", "coded", "enc_void"})

# Days before "today" a visit with this outcome took place (low, high).
DOS_WINDOWS: dict[str, tuple[int, int]] = {
    "open": (0, 6),
    "query": (2, 20),
    "coded": (0, 10),
    "enc_void": (1, 120),
    "draft": (1, 5),
    "edits": (1, 8),
    "ready": (1, 6),
    "batched": (1, 4),
    "submitted": (2, 10),
    "accepted": (6, 45),
    "rejected": (3, 30),
    "pending": (25, 90),
    "denied": (30, 300),
    "partially_paid": (35, 400),
    "paid": (30, 540),
    "appealed": (60, 400),
    "corrected": (45, 400),
    "void": (20, 300),
    "closed": (70, 540),
}


def allocate_outcomes(total: int) -> dict[str, int]:
    """Split ``total`` visits over the outcomes by share; every outcome gets at least one visit
    when there are enough visits to go round (largest remainders, then taken from the biggest)."""
    raw = {k: total * v for k, v in OUTCOME_SHARES.items()}
    counts = {k: int(v) for k, v in raw.items()}
    left = total - sum(counts.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - counts[k]), k))[:left]:
        counts[k] += 1
    if total >= len(counts):
        for k in counts:
            if counts[k] == 0:
                donor = max(counts, key=lambda d: counts[d])
                counts[donor] -= 1
                counts[k] = 1
    return counts


# -- legal paths ---------------------------------------------------------------------------------------

_CHECKED: set[tuple[str, ...]] = set()


def check_path(path: tuple[str, ...]) -> None:
    """Replay ``draft -> path`` through core.workflow.transition (raises on an illegal step)."""
    if path in _CHECKED:
        return
    current = S.DRAFT
    for step in path:
        transition(current, step, actor="demo-check", reason="path check")
        current = S(step)
    _CHECKED.add(path)


def _front(rng: random.Random) -> tuple[str, ...]:
    r = rng.random()
    if r < 0.8:
        return ("ready",)
    if r < 0.92:
        return ("edits", "ready")
    return ("edits", "draft", "ready")


def path_for(rng: random.Random, target: str) -> tuple[str, ...]:
    """Statuses after the first (draft) that end at ``target``, drawn from realistic variants."""
    if target == "draft":
        return ()
    if target == "edits":
        return ("edits",)
    front = _front(rng)
    if target == "ready":
        return front
    if target == "batched":
        return (*front, "batched")
    sent = (*front, "batched", "submitted")
    r = rng.random()
    table: dict[str, tuple[str, ...]] = {
        "submitted": sent,
        "accepted": (*sent, "accepted"),
        "rejected": (*sent, "rejected"),
        "pending": (*sent, "accepted", "pending"),
        "denied": (*sent, "accepted", "denied")
        if r < 0.7
        else (*sent, "accepted", "pending", "denied"),
        "partially_paid": (*sent, "accepted", "partially_paid"),
        "appealed": (*sent, "accepted", "denied", "appealed"),
        "corrected": (*sent, "accepted", "denied", "corrected"),
        "void": ("void",) if r < 0.5 else (*sent, "rejected", "void"),
    }
    if target in table:
        return table[target]
    if target in ("paid", "closed"):
        if r < 0.7:
            paid = (*sent, "accepted", "paid")
        elif r < 0.85:
            paid = (*sent, "accepted", "pending", "paid")
        elif r < 0.93:
            paid = (*sent, "rejected", "draft", "ready", "batched", "submitted", "accepted", "paid")
        else:
            paid = (*sent, "accepted", "denied", "appealed", "paid")
        if target == "paid":
            return paid
        r2 = rng.random()
        if r2 < 0.7:
            return (*paid, "closed")
        if r2 < 0.85:
            return (*sent, "accepted", "denied", "closed")
        return (*sent, "accepted", "partially_paid", "closed")
    raise ValueError(f"no path to {target!r}")


# -- time ----------------------------------------------------------------------------------------------

HOUR, DAY = 3600, 86400
_GAPS: dict[str, tuple[int, int]] = {
    "edits": (60, 900),
    "ready": (300, 6 * HOUR),
    "draft": (HOUR, 3 * DAY),
    "batched": (HOUR, 8 * HOUR),
    "submitted": (600, 12 * HOUR),
    "accepted": (DAY, 3 * DAY),
    "rejected": (2 * HOUR, 2 * DAY),
    "pending": (10 * DAY, 20 * DAY),
    "paid": (10 * DAY, 25 * DAY),
    "partially_paid": (12 * DAY, 28 * DAY),
    "denied": (10 * DAY, 25 * DAY),
    "appealed": (7 * DAY, 30 * DAY),
    "corrected": (3 * DAY, 15 * DAY),
    "closed": (15 * DAY, 60 * DAY),
    "void": (HOUR, 5 * DAY),
}


def business_time(t: dt.datetime) -> dt.datetime:
    """``t`` moved forward into office hours (Monday to Friday, 8:00 to 18:00)."""
    if t.hour >= 18:  # evening: next morning (18:xx -> 8:xx ... 23:xx -> 13:xx)
        t = (t + dt.timedelta(days=1)).replace(hour=t.hour - 10)
    elif t.hour < 8:  # night: later the same day (0:xx -> 8:xx ... 7:xx -> 15:xx)
        t = t.replace(hour=t.hour + 8)
    if t.weekday() >= 5:
        t += dt.timedelta(days=7 - t.weekday())
    return t


def schedule(start: dt.datetime, gaps: list[int], limit: dt.datetime) -> list[dt.datetime]:
    """``start`` then one time per gap, all before ``limit``; in office hours where that leaves
    room for the steps still to come.

    Gaps are squeezed proportionally when they would run past ``limit``; times always increase.
    """
    total = sum(gaps)
    room = (limit - start).total_seconds()
    if total > room and total > 0:
        factor = max(room, 0) / total * 0.97
        gaps = [max(1, int(g * factor)) for g in gaps]
    still = sum(gaps)  # seconds the remaining steps need
    times = [start]
    t = start
    for g in gaps:
        still -= g
        raw = t + dt.timedelta(seconds=g)
        snapped = business_time(raw)
        t = snapped if snapped + dt.timedelta(seconds=still) <= limit else raw
        times.append(t)
    return times


def _squeeze(after: dt.datetime, gap: dt.timedelta, end: dt.datetime) -> dt.datetime:
    """``after + gap``, or half-way to ``end`` when that would not leave room before it."""
    if after + gap < end:
        return after + gap
    return after + max(dt.timedelta(seconds=1), (end - after) / 2)


def step_gaps(rng: random.Random, statuses: tuple[str, ...]) -> list[int]:
    gaps = []
    prev = "draft"
    for s in statuses:
        lo, hi = _GAPS[s]
        if s == "paid" and prev == "appealed":
            lo, hi = 25 * DAY, 50 * DAY
        elif s == "ready" and prev == "edits":
            lo, hi = 30 * 60, 2 * DAY
        gaps.append(rng.randint(lo, hi))
        prev = s
    return gaps


# -- adjudication --------------------------------------------------------------------------------------

PREVENTIVE = frozenset(
    "99381 99382 99383 99384 99385 99386 99387 99391 99392 99393 99394 99395 99396 99397 "
    "G0438 G0439 G0444 90686 90700 90713 90707 90716 90715 Q2035 90460 90461 90471 90472 "
    "G0008".split()
)
_DEDUCTIBLE_ODDS = (0.85, 0.75, 0.6, 0.5, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15, 0.12, 0.1)
PR_WORDS = {"1": "deductible", "2": "coinsurance", "3": "copay"}

DENIALS: tuple[tuple[str, str], ...] = (
    ("16", "the claim is missing information the payer needs"),
    ("27", "coverage ended before the date of service"),
    ("50", "the payer does not consider the service medically necessary"),
    ("22", "another payer is primary (coordination of benefits)"),
    ("197", "no precertification or authorization on file"),
    ("29", "the timely filing limit has passed"),
)
WRITE_OFF_DENIALS: tuple[tuple[str, str], ...] = (
    ("29", "the timely filing limit has passed"),
    ("197", "no precertification or authorization on file"),
    ("50", "the payer does not consider the service medically necessary"),
)
# Groups of the denial markers: contractual (CO) unless the payer puts it on the patient.
DENIAL_GROUPS: dict[str, str] = {"27": "PR"}  # coverage ended: the patient's responsibility
DENIED_MEMO = "denied {amount} ({group}-{reason}), left with the payer"  # as payments.py writes
_TXN_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://claimdesk.invalid/demo-seed")

# The hint our 999 reader gives every rejected transaction set (core.services.answer_readers).
_HINT_999 = (
    "The clearinghouse could not read this part of the file. Check the claim's data named in "
    "the message (our pyx12 check should have caught it: report it), correct it and send the "
    "claim again."
)
# 837P segment count from ST to the rendering provider's NM1 (loop 2310B) of a one-claim set
# for a patient who is the subscriber: ST BHT, 1000A/B (3), 2000A-2010AA (6), 2000B-2010BB (7),
# CLM HI, then NM1*82.
_RENDERING_NM1_POSITION = 21


@dataclass(frozen=True, slots=True)
class Rejection:
    """A 999 or 277CA rejection: the claim event's words, and the inbox row the answers service
    writes for the same answer (code, message, fix hint in ``core.x12.status_codes`` words)."""

    event: str
    source: str  # 999, 277CA
    code: str
    message: str
    fix_hint: str
    fixed: str  # what the biller corrected before sending the claim again

    def message_for(self, pcn: str) -> str:
        # the 999 reader names the claims (CTX*CLM01) of a rejected set
        return f"{self.message} (claims named: {pcn})" if self.source == "999" else self.message


def _rejected_277ca(event: str, category: str, status: str, entity: str, fixed: str) -> Rejection:
    code = f"{category}:{status}" + (f":{entity}" if entity else "")
    return Rejection(event, "277CA", code, explain(category, status, entity),
                     fix_hint(category, status, entity), fixed)  # fmt: skip


def _rejected_999(event: str, problem: SegmentError, fixed: str) -> Rejection:
    return Rejection(event, "999", f"IK3-{problem.code}", str(problem), _HINT_999, fixed)


# The event texts are the demo's own; codes as the sandbox payer answers the same case
# (core.services.sandbox_claims: A7:164:IL a member ID the payer does not take, A7:158 a date of
# birth that does not match).
REJECTIONS: tuple[Rejection, ...] = (
    _rejected_277ca("277CA rejected (A7): the member ID was not found; check the card",
                    "A7", "164", "IL", "member ID corrected from the card"),
    _rejected_277ca(
        "277CA rejected (A7): subscriber date of birth does not match the payer's records",
        "A7", "158", "IL", "date of birth corrected from the card",
    ),
    _rejected_999(
        "999 rejected: the rendering provider NPI is missing",
        # IK303 holds 4 characters: loop 2310B is reported as 2310
        SegmentError("NM1", _RENDERING_NM1_POSITION, "2310", "8",
                     elements=(ElementError(9, None, None, "67", "1"),)),
        "rendering provider's NPI added",
    ),
    _rejected_277ca(
        "277CA rejected (A6): diagnosis code not valid for the date of service",
        "A6", "255", "", "diagnosis code corrected for the date of service",
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EditCase:
    """Why the scrubber stopped a claim: one rule of ``core.edits`` and the event's words
    (``{line}`` and ``{dx}`` name the line or diagnosis of the claim it was found on)."""

    rule_id: str
    event: str


# One case per rule the demo shows; the order and the count are part of the seed (one draw).
EDITS: tuple[EditCase, ...] = (
    EditCase("POINTER_MISSING", "scrubber: line {line} has no diagnosis pointer"),
    EditCase("EM_WITHOUT_25", "scrubber: visit billed with a procedure but without modifier 25"),
    EditCase("DX_NOT_BILLABLE", "scrubber: diagnosis {dx} is a category, not a billable code"),
    EditCase(
        "POINTER_RANGE", "scrubber: line {line} points to a diagnosis the claim does not have"
    ),
    EditCase("SUBSCRIBER_ID", "scrubber: the insurance policy has no member ID"),
)
PENDINGS = (
    "276/277: pending, the payer asked for the visit notes (R4)",
    "276/277: pending, claim under review (P1)",
    "276/277: pending, waiting on the patient's accident questionnaire (P2)",
)

BILLERS = ("demo-biller", "demo-biller", "demo-biller2")


@dataclass(slots=True)
class LineIn:
    """A service line as the claim bills it."""

    service_line_id: int
    code: str
    modifiers: tuple[str, ...]
    units: int
    charge: int
    pointers: tuple[int, ...]


@dataclass(slots=True)
class Billable:
    """What the biller needs from a coded visit."""

    encounter_id: int
    person: Person
    account_id: int
    dos: dt.date
    visit_at: dt.datetime  # when the patient was seen
    claim_at: dt.datetime  # when the first claim is built
    lines: list[LineIn]
    scenario: str
    has_auth: bool
    diagnoses: tuple[str, ...] = ()  # ICD-10-CM codes, principal first


@dataclass(slots=True)
class Adjudicated:
    allowed: int
    paid: int
    contractual: int  # CO-45
    sequestration: int  # CO-253
    pr: list[tuple[str, int]] = field(default_factory=list)  # (reason 1/2/3, amount)


def txn_id(rng: random.Random) -> str:
    """A uuid4-shaped hex id (as core.services.ledger writes them), drawn from ``rng``."""
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


@dataclass(slots=True)
class _Claim:
    """A claim while it is being written: its lines and what is owed on each, per bucket."""

    id: int
    pcn: str
    rank: int
    policy: Policy
    payer_id: int
    payer: PayerSpec
    actor: str
    ledger: _Ledger
    lines: list[tuple[int, LineIn]]  # (claim line id, the line billed)
    ins: list[int]  # insurance balance per line
    pat: list[int]  # patient balance per line
    lost_25: bool = False  # a claim later corrected: it went out without modifier 25
    status: ClaimStatus = S.DRAFT
    icn: str | None = None  # the payer's claim number, once accepted
    paid_at: dt.datetime | None = None
    ended: dt.datetime | None = None  # its last event
    unpaid_line: int | None = None
    adjudicated: list[Adjudicated] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)  # claim_rejections rows
    rejection: Rejection | None = None  # the latest, while the claim is rejected
    findings: list[dict] = field(default_factory=list)  # the latest scrub that stopped it

    @property
    def total(self) -> int:
        return sum(li.charge for _, li in self.lines)


class Biller:
    """Builds claims, claim lines, claim events and ledger entries for billed visits."""

    def __init__(
        self,
        rng: random.Random,
        limit: dt.datetime,
        ids: dict[str, int],
        payer_ids: dict[str, int],
    ) -> None:
        self.rng = rng
        self.limit = limit
        self.ids = ids
        self.payer_ids = payer_ids
        self.rows: dict[str, list[dict]] = {
            "claims": [],
            "claim_lines": [],
            "claim_events": [],
            "ledger_entries": [],
        }
        self.activity: dict[int, dt.datetime] = {}  # account id -> its latest ledger posting
        self._receipt = 0
        # Rows written after every visit: denial markers (ids after all other ledger rows),
        # rejections and findings (tables the bulk loader does not number).
        self.held: dict[str, list[dict]] = {
            "ledger_entries": [],
            "claim_rejections": [],
            "claim_findings": [],
        }

    def _next(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def held_rows(self) -> dict[str, list[dict]]:
        """The rows kept back until every visit is billed, ready to insert (after the claims):
        denial markers numbered after the last ledger row, then the claims' rejections and
        findings (no ids: the database numbers them). Empties the store."""
        for row in self.held["ledger_entries"]:
            row["id"] = self._next("ledger_entries")
        held = self.held
        self.held = {name: [] for name in held}
        return held

    # -- entry point ----------------------------------------------------------------------------------
    def bill(self, b: Billable, outcome: str) -> None:
        """One visit's claims, ending with its (first) claim at status ``outcome``."""
        rng = self.rng
        actor = rng.choice(BILLERS)
        policy = b.person.primary
        assert policy is not None, "only insured visits are billed"
        if outcome == "corrected":
            sent = path_for(rng, "submitted")
            path = (*sent, "accepted", "denied", "corrected")
            first = self._claim(b, policy, 1, b.claim_at, path, actor, self.limit, corrected=True)
            start = self._after(first)
            path = path_for(rng, self._fit(start, self.limit))
            self._claim(b, policy, 1, start, path, actor, self.limit, replaces=first)
        elif outcome == "void":
            first = self._claim(b, policy, 1, b.claim_at, path_for(rng, "void"), actor, self.limit)
            start = self._after(first)
            path = path_for(rng, self._fit(start, self.limit))
            self._claim(b, policy, 1, start, path, actor, self.limit, after_void=first)
        else:
            self._claim(b, policy, 1, b.claim_at, path_for(rng, outcome), actor, self.limit)

    def _after(self, claim: _Claim) -> dt.datetime:
        """When the follow-up claim of a voided or replaced one is built."""
        assert claim.ended is not None
        return _squeeze(claim.ended, dt.timedelta(seconds=self.rng.randint(HOUR, DAY)), self.limit)

    @staticmethod
    def _fit(start: dt.datetime, limit: dt.datetime) -> str:
        """The furthest a fresh claim built at ``start`` has plausibly got by ``limit``."""
        days = (limit - start).total_seconds() / DAY
        if days > 35:
            return "paid"
        if days > 5:
            return "accepted"
        if days > 1:
            return "submitted"
        return "ready"

    # -- one claim ------------------------------------------------------------------------------------
    def _claim(
        self,
        b: Billable,
        policy: Policy,
        rank: int,
        start: dt.datetime,
        path: tuple[str, ...],
        actor: str,
        limit: dt.datetime,
        *,
        replaces: _Claim | None = None,
        after_void: _Claim | None = None,
        corrected: bool = False,
        passed_on: tuple[_Claim, list[dict[str, int]]] | None = None,
    ) -> _Claim:
        """Write a claim built at ``start`` that walks ``path``; its money follows each step."""
        rng = self.rng
        check_path(path)
        times = schedule(start, step_gaps(rng, path), limit)
        c = self._open(b, policy, rank, actor, corrected)
        if passed_on is None:
            self._post_charges(b, c, times[0])
        else:
            self._take_over(c, *passed_on, times[0])
        if replaces is not None:
            c.icn = replaces.icn  # a replacement quotes the original's payer claim number
        denial = self._denial(b, c, path)
        events = [(times[0], None, "draft", self._created_reason(c, replaces, after_void))]
        for i, step in enumerate(path):
            when = times[i + 1]
            following = times[i + 2] if i + 2 < len(times) else None
            reason = self._step(b, c, step, when, following, path[-1], denial, limit)
            if c.status == S.REJECTED and c.rejections:
                # worked: reopened to fix it, or voided and rebuilt
                c.rejections[-1].update(resolved_at=when, resolved_by=c.actor, resolution=reason)
            events.append((when, c.status.value, step, reason))
            c.status = S(step)
        c.ended = times[-1]
        self._store(b, c, events, times, replaces)
        return c

    def _open(self, b: Billable, policy: Policy, rank: int, actor: str, corrected: bool) -> _Claim:
        """A new claim id and its line snapshot (a claim later corrected lacked modifier 25)."""
        claim_id = self._next("claims")
        lines = []
        lost_25 = False
        for n, li in enumerate(b.lines, 1):
            mods = li.modifiers
            if corrected and "25" in mods:
                mods = tuple(m for m in mods if m != "25")
                lost_25 = True
            line_id = self._next("claim_lines")
            lines.append((line_id, li))
            self.rows["claim_lines"].append(
                {
                    "id": line_id,
                    "claim_id": claim_id,
                    "service_line_id": li.service_line_id,
                    "line_number": n,
                    "date_of_service": b.dos,
                    "code": li.code,
                    "modifiers": ":".join(mods),
                    "units": li.units,
                    "charge_cents": li.charge,
                    "pointers": ":".join(str(p) for p in li.pointers),
                }
            )
        return _Claim(
            id=claim_id,
            pcn=pcn_for(claim_id),
            rank=rank,
            policy=policy,
            payer_id=self.payer_ids[policy.payer_key],
            payer=PAYER_BY_KEY[policy.payer_key],
            actor=actor,
            ledger=_Ledger(self, b.account_id, claim_id, actor),
            lines=lines,
            ins=[0] * len(lines),
            pat=[0] * len(lines),
            lost_25=lost_25,
        )

    def _store(
        self, b: Billable, c: _Claim, events: list[tuple], times: list, replaces: _Claim | None
    ) -> None:
        self.held["claim_rejections"].extend(c.rejections)
        if c.status == S.EDITS:  # a later scrub (clean) replaced the findings of earlier ones
            self.held["claim_findings"].extend(c.findings)
        for at, from_status, to_status, reason in events:
            self.rows["claim_events"].append(
                {
                    "id": self._next("claim_events"),
                    "claim_id": c.id,
                    "at": at,
                    "actor": c.actor,
                    "from_status": from_status,
                    "to_status": to_status,
                    "reason": reason,
                }
            )
        self.rows["claims"].append(
            {
                "id": c.id,
                "encounter_id": b.encounter_id,
                "patient_id": b.person.id,
                "policy_id": c.policy.id,
                "payer_id": c.payer_id,
                "payer_rank": c.rank,
                "patient_control_number": c.pcn,
                "frequency_code": "7" if replaces is not None else "1",
                "replaces_claim_id": replaces.id if replaces is not None else None,
                "payer_claim_number": c.icn,
                "status": c.status.value,
                "total_charge_cents": c.total,
                "created_at": times[0],
                "created_by": c.actor,
                "updated_at": times[-1],
                "version": 1,
            }
        )

    # -- money in ---------------------------------------------------------------------------------------
    def _post_charges(self, b: Billable, c: _Claim, when: dt.datetime) -> None:
        t = c.ledger.txn()
        for i, (line_id, li) in enumerate(c.lines):
            c.ledger.add(
                t, "charge", "insurance", li.charge, when, line_id, c.payer_id,
                memo=f"{li.code} x{li.units}", entry_date=b.dos,
            )  # fmt: skip
            c.ins[i] += li.charge

    def _take_over(
        self, c: _Claim, primary: _Claim, amounts: list[dict[str, int]], when: dt.datetime
    ) -> None:
        """A secondary claim takes over the deductible and coinsurance the primary left.

        The amount moves as a charge: off the primary claim and onto this one, two entries
        sharing a txn (group PR and the reason say what it was). Each claim then still reads
        charges = payments + adjustments + balance, and the account's total is unchanged.
        """
        for i, by_reason in enumerate(amounts):
            for reason, amount in by_reason.items():
                t = c.ledger.txn()
                words = PR_WORDS[reason]
                c.ledger.add_for(
                    primary.id, t, "charge", "insurance", -amount, when, primary.lines[i][0],
                    primary.payer_id, "PR", reason, memo=f"{words} billed to {c.payer.name}",
                )  # fmt: skip
                c.ledger.add(
                    t, "charge", "insurance", amount, when, c.lines[i][0], c.payer_id, "PR",
                    reason, memo=f"{words} left by {primary.payer.name}",
                )  # fmt: skip
                primary.ins[i] -= amount
                c.ins[i] += amount

    def _denial(self, b: Billable, c: _Claim, path: tuple[str, ...]) -> tuple[str, str]:
        """Why the payer denies this claim, if it does (a claim closed without payment is one
        whose denial was written off)."""
        if c.lost_25:
            return ("4", "the procedure code is inconsistent with the modifier, or one is missing")
        written_off = "closed" in path and not {"paid", "partially_paid"} & set(path)
        denial = self.rng.choice(WRITE_OFF_DENIALS if written_off else DENIALS)
        if b.has_auth and denial[0] == "197":
            denial = DENIALS[0]
        return denial

    # -- one step ----------------------------------------------------------------------------------------
    def _step(
        self,
        b: Billable,
        c: _Claim,
        step: str,
        when: dt.datetime,
        following: dt.datetime | None,
        final: str,
        denial: tuple[str, str],
        limit: dt.datetime,
    ) -> str:
        """Record the money ``step`` moves; returns the event's reason."""
        rng = self.rng
        if step == "accepted" and c.icn is None:
            c.icn = f"{when:%y}{rng.randrange(10**11):011d}"
        if step in ("paid", "partially_paid") and c.paid_at is None:
            reason = self._pay(b, c, step, when)
            self._patient_part(b, c, when, following, final, limit)
            return reason
        if step == "denied":
            self._mark_denial(c, when, denial[0])
            return f"835 from {c.payer.name}: denied, CARC {denial[0]}: {denial[1]}"
        if step == "rejected":
            return self._rejected(c, when)
        if step == "edits":
            return self._edits(b, c, when)
        if step == "draft" and c.status == S.REJECTED and c.rejection is not None:
            return f"reopened to fix the rejection; {c.rejection.fixed}"
        if step == "corrected":
            nxt = pcn_for(self.ids["claims"])
            self._reverse(c, when, f"reversed: replaced by {nxt}")
            return f"replaced by corrected claim {nxt} (frequency 7)"
        if step == "void":
            nxt = pcn_for(self.ids["claims"])
            self._reverse(c, when, "reversed: claim voided")
            if c.status == S.DRAFT:
                return f"duplicate claim built in error; the visit is billed on {nxt}"
            return f"rejected claim voided; rebuilt as new claim {nxt}"
        if step == "closed":
            return self._close(c, when, denial)
        return self._reason(step, c.status)

    def _created_reason(self, c: _Claim, replaces: _Claim | None, after: _Claim | None) -> str:
        if replaces is not None:
            return f"corrected claim (frequency 7) replacing {replaces.pcn}"
        if after is not None:
            return f"claim rebuilt after voiding {after.pcn}"
        if c.rank == 2:
            return "secondary claim built after the primary payer's remittance"
        return "claim built from the coded visit"

    def _reason(self, step: str, current: ClaimStatus) -> str:
        rng = self.rng
        if step == "ready":
            return "edits fixed; scrubbed clean" if current == S.EDITS else "scrubbed clean"
        if step == "draft":
            return "reopened to fix the edits"
        if step == "pending":
            return rng.choice(PENDINGS)
        return {
            "batched": "added to the outgoing 837 batch",
            "submitted": "837 file sent to the clearinghouse",
            "accepted": "999 accepted; 277CA accepted into adjudication (A2)",
            "appealed": "appeal sent with the visit note and supporting records",
        }[step]

    # -- open work and its reasons ----------------------------------------------------------------------
    def _mark_denial(self, c: _Claim, when: dt.datetime, carc: str) -> None:
        """The denial as a paper EOB posted by hand records it: a zero-amount insurance
        adjustment with the group and CARC, the amount denied in its memo, left with the payer
        for the denial queue. Held back so that it takes an id after every other ledger row; it
        does not count as account activity (it moves no money)."""
        group = DENIAL_GROUPS.get(carc, "CO")
        amount = Money(sum(c.ins)).format()
        self.held["ledger_entries"].append(
            {
                "id": None,  # numbered by held_rows
                "account_id": c.ledger.account_id,
                "claim_id": c.id,
                "claim_line_id": None,
                "payer_id": c.payer_id,
                "txn": uuid.uuid5(_TXN_NAMESPACE, f"denial-{c.id}").hex,
                "kind": "adjustment",
                "responsibility": "insurance",
                "amount_cents": 0,
                "group_code": group,
                "reason_code": carc,
                "reference": None,
                "memo": DENIED_MEMO.format(amount=amount, group=group, reason=carc),
                "entry_date": when.date(),
                "created_at": when,
                "created_by": c.actor,
            }
        )

    def _rejected(self, c: _Claim, when: dt.datetime) -> str:
        """A 999 or 277CA sent the claim back: its inbox row (open until the claim moves on)."""
        rejection = self.rng.choice(REJECTIONS)
        c.rejection = rejection
        c.rejections.append(
            {
                "claim_id": c.id,
                "source": rejection.source,
                "code": rejection.code,
                "message": rejection.message_for(c.pcn),
                "fix_hint": rejection.fix_hint,
                "file_id": None,
                "received_at": when,
                "resolved_at": None,
                "resolved_by": None,
                "resolution": None,
            }
        )
        return rejection.event

    def _edits(self, b: Billable, c: _Claim, when: dt.datetime) -> str:
        """The scrubber stopped the claim: what it found (kept if the claim stays in edits)."""
        case = self.rng.choice(EDITS)
        found, words = scrub_findings(case, b, c, when.date())
        if not found:  # the case does not fit this claim's lines: the rule that always does
            case = EDITS[0]
            found, words = scrub_findings(case, b, c, when.date())
        assert found, f"core.edits no longer reports {case.rule_id}"
        c.findings = [
            {
                "claim_id": c.id,
                "rule_id": f.rule_id,
                "severity": f.severity,
                "line_number": f.line_number,
                "message": f.message,
                "fix_hint": f.fix_hint,
                "source": f.source,
                "found_at": when,
            }
            for f in found
        ]
        return case.event.format(**words)

    # -- the payer pays --------------------------------------------------------------------------------
    def _pay(self, b: Billable, c: _Claim, step: str, when: dt.datetime) -> str:
        """Post the remittance: payment, CO-45 and CO-253 per line. Returns the event reason."""
        c.paid_at = when
        partial = step == "partially_paid"
        if partial and len(c.lines) > 1:
            c.unpaid_line = len(c.lines) - 1
        c.adjudicated = self._adjudicate(b, c, partial)
        if c.unpaid_line is not None:  # the payer paid nothing on this line
            c.adjudicated[c.unpaid_line] = Adjudicated(0, 0, 0, 0)
        ref = f"EFT{c.payer.code}{when:%y%m%d}"
        led, t = c.ledger, c.ledger.txn()
        paid = 0
        for i, ((line_id, _), adj) in enumerate(zip(c.lines, c.adjudicated, strict=True)):
            if adj.paid:
                led.add(t, "payment", "insurance", -adj.paid, when, line_id, c.payer_id,
                        reference=ref)  # fmt: skip
            if adj.contractual:
                led.add(t, "adjustment", "insurance", -adj.contractual, when, line_id,
                        c.payer_id, "CO", "45")  # fmt: skip
            if adj.sequestration:
                led.add(t, "adjustment", "insurance", -adj.sequestration, when, line_id,
                        c.payer_id, "CO", "253")  # fmt: skip
            c.ins[i] -= adj.paid + adj.contractual + adj.sequestration
            paid += adj.paid
        patient = sum(a for adj in c.adjudicated for _, a in adj.pr)
        head = "appeal approved; " if c.status == S.APPEALED else ""
        text = (
            f"{head}835 from {c.payer.name}: paid {Money(paid)} of {Money(c.total)} billed; "
            f"patient responsibility {Money(patient)}"
        )
        if c.unpaid_line is not None:
            code = c.lines[c.unpaid_line][1].code
            text += (
                f"; line {c.unpaid_line + 1} ({code}) not paid, CARC 97: bundled into "
                "another service"
            )
        elif partial:
            text += "; paid below the contracted rate, follow up with the payer"
        return text

    def _adjudicate(self, b: Billable, c: _Claim, partial: bool) -> list[Adjudicated]:
        """What the payer allows, pays and leaves to the patient, per line."""
        rng = self.rng
        policy = c.policy
        if c.rank == 2:
            return [self._adjudicate_secondary(policy, ins) for ins in c.ins]
        out: list[Adjudicated] = []
        pct = rng.randint(*c.payer.allowed_pct)
        copay_left = policy.copay
        deductible_left = 0
        # an underpaid single-line claim is one the payer did pay something on
        underpaid = partial and len(c.lines) == 1
        if policy.deductible and not underpaid and rng.random() < _DEDUCTIBLE_ODDS[b.dos.month - 1]:
            deductible_left = rng.randint(policy.deductible // 4, policy.deductible)
        for _, li in c.lines:
            allowed = li.charge * pct // 100
            adj = Adjudicated(allowed, 0, li.charge - allowed, 0)
            left = allowed
            if li.code not in PREVENTIVE:
                if copay_left and li.code.startswith("992"):
                    part = min(copay_left, left)
                    copay_left -= part
                    left -= part
                    adj.pr.append(("3", part))
                if deductible_left and left:
                    part = min(deductible_left, left)
                    deductible_left -= part
                    left -= part
                    adj.pr.append(("1", part))
                if policy.coinsurance and left:
                    part = left * policy.coinsurance // 100
                    left -= part
                    adj.pr.append(("2", part))
            if c.payer.kind == "medicare" and left:
                adj.sequestration = left * 2 // 100
                left -= adj.sequestration
            if underpaid and left:
                # stays on the insurance balance: an underpayment to chase
                left -= max(1, left * rng.randint(15, 40) // 100)
            adj.paid = left
            adj.pr = [(r, a) for r, a in adj.pr if a]
            out.append(adj)
        return out

    def _adjudicate_secondary(self, policy: Policy, owed: int) -> Adjudicated:
        """A secondary payer works on what the primary left (the line's insurance balance)."""
        adj = Adjudicated(owed, 0, 0, 0)
        if policy.payer_key in ("supplement", "medicaid"):
            adj.paid = owed  # both pay Medicare's coinsurance in full here
            return adj
        adj.paid = owed * 80 // 100
        if owed - adj.paid:
            adj.pr.append(("2", owed - adj.paid))
        return adj

    # -- after the payer: the patient's part -----------------------------------------------------------
    def _patient_part(
        self,
        b: Billable,
        c: _Claim,
        when: dt.datetime,
        following: dt.datetime | None,
        final: str,
        limit: dt.datetime,
    ) -> None:
        """PR amounts move to the patient, or deductible and coinsurance to the secondary
        payer's claim; then the patient may pay (always, before a claim is closed)."""
        rng = self.rng
        secondary = b.person.secondary if c.rank == 1 else None
        plan_g = secondary is not None and secondary.payer_key == "supplement"
        to_secondary = (
            secondary is not None
            and secondary.effective_from <= b.dos
            and final in ("paid", "closed")
            and any(r in ("1", "2") for adj in c.adjudicated for r, _ in adj.pr)
        )
        passed: list[dict[str, int]] = []
        for i, ((line_id, _), adj) in enumerate(zip(c.lines, c.adjudicated, strict=True)):
            keep: dict[str, int] = {}
            for reason, amount in adj.pr:
                # Plan G leaves the Part B deductible to the patient
                if to_secondary and (reason == "2" or (reason == "1" and not plan_g)):
                    keep[reason] = amount
                    continue
                t = c.ledger.txn()
                for bucket, sign, payer in (("insurance", -1, c.payer_id), ("patient", 1, None)):
                    c.ledger.add(t, "transfer", bucket, sign * amount, when, line_id, payer,
                                 "PR", reason, memo=PR_WORDS[reason])  # fmt: skip
                c.ins[i] -= amount
                c.pat[i] += amount
            passed.append(keep)

        settle_by = following if final == "closed" else None
        if to_secondary and any(passed):
            assert secondary is not None
            gap = dt.timedelta(seconds=rng.randint(DAY, 3 * DAY))
            end = limit
            if settle_by is not None:  # the secondary settles before the primary closes
                gap = min(gap, (settle_by - when) / 3)
                end = settle_by - min(dt.timedelta(seconds=60), (settle_by - when) / 4)
            start = _squeeze(when, gap, end)
            if final == "closed":
                path = (*path_for(rng, "paid"), "closed")
            else:
                path = path_for(rng, self._fit(start, end))
            self._claim(b, secondary, 2, start, path, rng.choice(BILLERS), end,
                        passed_on=(c, passed))  # fmt: skip
        self._patient_pays(c, when, settle_by or limit, must_settle=final == "closed")

    def _patient_pays(
        self, c: _Claim, after: dt.datetime, before: dt.datetime, *, must_settle: bool
    ) -> None:
        rng = self.rng
        owed = sum(c.pat)
        if owed <= 0 or not (must_settle or rng.random() < 0.5):
            return
        span = (before - after).total_seconds()
        if span < 120:
            if not must_settle:
                return
            at = after + dt.timedelta(seconds=max(1.0, span / 2))
        else:
            at = after + dt.timedelta(seconds=rng.randint(60, int(span) - 60))
            in_hours = business_time(at)
            if in_hours < before:
                at = in_hours
        t = c.ledger.txn()
        if must_settle and owed < 1500 and rng.random() < 0.3:
            for i, (line_id, _) in enumerate(c.lines):
                if c.pat[i]:
                    c.ledger.add(t, "adjustment", "patient", -c.pat[i], at, line_id, None,
                                 memo="small balance write-off")  # fmt: skip
                    c.pat[i] = 0
            return
        pays = owed if must_settle or rng.random() < 0.7 else owed // 2
        self._receipt += 1
        ref = f"RCPT{self._receipt:07d}"
        for i, (line_id, _) in enumerate(c.lines):
            part = min(c.pat[i], pays)
            if part > 0:
                c.ledger.add(t, "payment", "patient", -part, at, line_id, None, reference=ref,
                             actor="demo-frontdesk")  # fmt: skip
                c.pat[i] -= part
                pays -= part

    # -- endings ---------------------------------------------------------------------------------------
    def _reverse(self, c: _Claim, when: dt.datetime, memo: str) -> None:
        """Take a claim's charges back off (it was voided, or replaced by a corrected claim)."""
        t = c.ledger.txn()
        for i, (line_id, _) in enumerate(c.lines):
            if c.ins[i]:
                c.ledger.add(t, "charge", "insurance", -c.ins[i], when, line_id, c.payer_id,
                             memo=memo)  # fmt: skip
                c.ins[i] = 0

    def _close(self, c: _Claim, when: dt.datetime, denial: tuple[str, str]) -> str:
        """Write off what insurance still shows (the patient's part was settled before)."""
        left = sum(c.ins)
        if left <= 0:
            return "balance settled; nothing left to do on the insurance side"
        t = c.ledger.txn()
        for i, (line_id, _) in enumerate(c.lines):
            if c.ins[i]:
                if c.paid_at is None:
                    code = denial[0]
                else:
                    code = "97" if i == c.unpaid_line else "45"
                c.ledger.add(t, "adjustment", "insurance", -c.ins[i], when, line_id, c.payer_id,
                             "CO", code)  # fmt: skip
                c.ins[i] = 0
        if c.paid_at is None:
            return (
                f"denial not appealable; {Money(left)} written off (CARC {denial[0]}: {denial[1]})"
            )
        return f"unpaid remainder {Money(left)} written off after review; claim closed"


def _facts(
    b: Billable,
    c: _Claim,
    today: dt.date,
    *,
    lines: list[E.LineFacts] | None = None,
    diagnoses: tuple[E.DxFacts, ...] | None = None,
    member_id: str | None = None,
) -> E.ClaimFacts:
    """The scrubber's view of a demo claim, with what the caller changed in it."""
    if lines is None:
        lines = [_line_facts(n, li, b.dos) for n, (_, li) in enumerate(c.lines, 1)]
    if diagnoses is None:
        diagnoses = tuple(E.DxFacts(n, code) for n, code in enumerate(b.diagnoses, 1))
    person = b.person
    return E.ClaimFacts(
        claim_id=c.id,
        pcn=c.pcn,
        today=today,
        date_of_service=b.dos,
        place_of_service="11",
        total_charge_cents=c.total,
        billing=E.BillingFacts(),
        payer=E.PayerFacts(payer_id=c.payer.code, name=c.payer.name),
        subscriber=E.PersonFacts(member_id=c.policy.member_id if member_id is None else member_id),
        patient=E.PersonFacts(person.first_name, person.last_name, person.dob, person.sex),
        lines=tuple(lines),
        diagnoses=diagnoses,
    )


def _line_facts(number: int, li: LineIn, dos: dt.date, **changes: Any) -> E.LineFacts:
    values: dict[str, Any] = dict(
        number=number, code=li.code, units=li.units, charge_cents=li.charge, date=dos,
        modifiers=li.modifiers, pointers=li.pointers,
    )  # fmt: skip
    values.update(changes)
    return E.LineFacts(**values)


def scrub_findings(
    case: EditCase, b: Billable, c: _Claim, today: dt.date
) -> tuple[list[E.Finding], dict[str, Any]]:
    """What the scrubber's rule ``case.rule_id`` reports on this claim with that mistake in it,
    in the rule's own words (core.edits), and the words for the event. ([], {}) when the case
    does not fit the claim (modifier 25 with no procedure on it, a diagnosis with no dot)."""
    rule: E.Rule
    n = 2 if len(c.lines) >= 2 else 1  # the line a mistake goes on
    words: dict[str, Any] = {"line": n}
    base = [_line_facts(i, li, b.dos) for i, (_, li) in enumerate(c.lines, 1)]
    facts: E.ClaimFacts | None = None
    if case.rule_id == "POINTER_MISSING":
        base[n - 1] = _line_facts(n, c.lines[n - 1][1], b.dos, pointers=())
        facts, rule = _facts(b, c, today, lines=base), E.line_pointers
    elif case.rule_id == "POINTER_RANGE" and b.diagnoses:
        kept = c.lines[n - 1][1].pointers[:3]
        base[n - 1] = _line_facts(n, c.lines[n - 1][1], b.dos,
                                  pointers=(*kept, len(b.diagnoses) + 1))  # fmt: skip
        facts, rule = _facts(b, c, today, lines=base), E.line_pointers
    elif case.rule_id == "EM_WITHOUT_25":
        codes = [li.code for _, li in c.lines]
        if any(code in E.EM_CODES for code in codes) and any(map(E.is_procedure, codes)):
            for i, (_, li) in enumerate(c.lines):
                if li.code in E.EM_CODES:
                    mods = tuple(m for m in li.modifiers if m not in ("25", "57"))
                    base[i] = _line_facts(i + 1, li, b.dos, modifiers=mods)
            facts, rule = _facts(b, c, today, lines=base), E.em_with_procedure
    elif case.rule_id == "DX_NOT_BILLABLE":
        at = next((i for i, code in enumerate(b.diagnoses) if "." in code), None)
        if at is not None:
            category = b.diagnoses[at].split(".")[0]
            words["dx"] = category
            dx = tuple(
                E.DxFacts(i + 1, category, billable=False) if i == at else E.DxFacts(i + 1, code)
                for i, code in enumerate(b.diagnoses)
            )
            facts, rule = _facts(b, c, today, diagnoses=dx), E.diagnosis_codes
    elif case.rule_id == "SUBSCRIBER_ID":
        facts, rule = _facts(b, c, today, member_id=""), E.subscriber_and_payer
    if facts is None:
        return [], {}
    return [f for f in rule(facts) if f.rule_id == case.rule_id], words


class _Ledger:
    """Appends ledger rows for one claim of one account."""

    def __init__(self, biller: Biller, account_id: int, claim_id: int, actor: str) -> None:
        self.b = biller
        self.account_id = account_id
        self.claim_id = claim_id
        self.actor = actor

    def txn(self) -> str:
        return txn_id(self.b.rng)

    def add(self, *args: Any, **kwargs: Any) -> None:
        """Like :meth:`add_for`, on this ledger's claim."""
        self.add_for(self.claim_id, *args, **kwargs)

    def add_for(
        self,
        claim_id: int,
        txn: str,
        kind: str,
        responsibility: str,
        amount: int,
        when: dt.datetime,
        claim_line_id: int | None,
        payer_id: int | None,
        group: str | None = None,
        reason: str | None = None,
        *,
        reference: str | None = None,
        memo: str | None = None,
        actor: str | None = None,
        entry_date: dt.date | None = None,
    ) -> None:
        b = self.b
        last = b.activity.get(self.account_id)
        if last is None or when > last:
            b.activity[self.account_id] = when
        b.rows["ledger_entries"].append(
            {
                "id": b._next("ledger_entries"),
                "account_id": self.account_id,
                "claim_id": claim_id,
                "claim_line_id": claim_line_id,
                "payer_id": payer_id,
                "txn": txn,
                "kind": kind,
                "responsibility": responsibility,
                "amount_cents": amount,
                "group_code": group,
                "reason_code": reason,
                "reference": reference,
                "memo": memo,
                "entry_date": entry_date or when.date(),
                "created_at": when,
                "created_by": actor or self.actor,
            }
        )
