"""Benefits cards: what a 271 says about one person's coverage, in plain words.

``read_271(text)`` turns any 271 file into cards, one per person the payer answered about (a
subscriber, or each dependent), or one card saying why the payer did not answer (an AAA at the
payer or provider level). It never guesses silently: every amount on a card comes from an EB
segment listed in ``source_lines``.

How the card's headline numbers are chosen when a payer sends many EB lines: in-network before
out-of-network, individual before family, then service type 30 (health benefit plan coverage)
before others (98, office visit, first for copays). A deductible or out-of-pocket *total* is an
amount whose time period is not "remaining" (EB06 29/33) nor "year to date" (24); the remaining
amount comes from 29/33, the met amount from 24, and each is derived from the other two when the
payer leaves one out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict

from core.money import Money
from core.x12 import labels as L
from core.x12.reader import Segment, Transaction, X12ReadError, read_x12
from core.x12.x271 import LEVELS, BenefitLoop, Level, levels_of


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class BenefitLine(_Frozen):
    """One EB segment, in plain words."""

    code: str  # EB01
    label: str  # "Copay"
    text: str  # "Copay $10.00 per visit; medical care, chiropractic; individual; in network"
    source: str  # the raw EB segment


class BenefitsCard(_Frozen):
    """What one 271 says about one person (or why it says nothing)."""

    transaction: str = ""  # ST02
    subject: str  # subscriber, dependent, information source, information receiver
    status: str  # active, inactive, rejected, unknown
    coverage_active: bool | None = None
    payer_name: str = ""
    payer_code: str = ""  # the payer's X12 ID (2100A NM109)
    provider_name: str = ""
    provider_id: str = ""
    patient_name: str = ""
    subscriber_name: str = ""
    member_id: str = ""
    date_of_birth: dt.date | None = None
    trace_numbers: tuple[str, ...] = ()
    plan: str | None = None
    group_number: str | None = None
    insurance_type: str | None = None
    plan_begin: dt.date | None = None
    plan_end: dt.date | None = None
    eligibility_begin: dt.date | None = None
    eligibility_end: dt.date | None = None
    copay_cents: int | None = None
    coinsurance_percent: int | None = None
    deductible_cents: int | None = None
    deductible_met_cents: int | None = None
    deductible_remaining_cents: int | None = None
    out_of_pocket_cents: int | None = None
    out_of_pocket_met_cents: int | None = None
    out_of_pocket_remaining_cents: int | None = None
    benefits: tuple[BenefitLine, ...] = ()
    messages: tuple[str, ...] = ()
    rejections: tuple[str, ...] = ()  # AAA reasons in plain words
    source_lines: tuple[str, ...] = ()  # raw EB (and AAA) segments the card was read from
    warnings: tuple[str, ...] = ()  # problems with the file itself (counts, control numbers)

    @property
    def headline(self) -> str:
        if self.status == "active":
            return "Coverage active"
        if self.status == "inactive":
            return "Coverage inactive"
        if self.status == "rejected":
            return "The payer could not answer"
        return "No coverage status in the answer"

    @property
    def reason(self) -> str | None:
        """Why the card shows no coverage answer (None when it shows one)."""
        if self.status == "rejected":
            return "; ".join(self.rejections) or "the payer rejected the inquiry"
        if self.status == "unknown":
            return next(iter(self.messages), "the answer holds no coverage status")
        return None


# ---------------------------------------------------------------------------------------------
def _cents(text: str) -> int | None:
    if not text:
        return None
    try:
        return Money.from_decimal(Decimal(text.strip())).cents
    except (InvalidOperation, ValueError):
        return None


def _percent(text: str) -> int | None:
    """EB08 is a fraction (0.2 = 20%); some senders write 20. Rounded to a whole percent."""
    if not text:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    if value <= 1:
        value *= 100
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text.strip()[:8], "%Y%m%d").date()
    except ValueError:
        return None


def _person_name(nm1: Segment | None) -> str:
    if nm1 is None:
        return ""
    last, first, middle = nm1.el(3), nm1.el(4), nm1.el(5)
    if first:
        return f"{last}, {first}{' ' + middle if middle else ''}".strip(", ")
    return last


def _money(cents: int) -> str:
    return Money(cents).format()


def _rejection(seg: Segment, level: Level) -> str:
    where = LEVELS.get(level.code, "response").capitalize()
    reason = L.label(L.REJECT_REASON, seg.el(3)) or "no reason code"
    action = L.label(L.FOLLOW_UP, seg.el(4))
    return f"{where}: {reason}{f'; {action}' if action else ''}"


def _entity_names(loop: BenefitLoop) -> list[str]:
    names, inside = [], False
    for seg in loop.segments:
        if seg.id == "LS":
            inside = True
        elif seg.id == "LE":
            inside = False
        elif inside and seg.id == "NM1":
            names.append(_person_name(seg))
    return [n for n in names if n]


def _benefit_line(loop: BenefitLoop) -> BenefitLine:
    eb = loop.eb
    code = eb.el(1)
    label = L.label(L.BENEFIT, code)
    parts: list[str] = []
    amount = _cents(eb.el(7))
    pct = _percent(eb.el(8))
    value = []
    if amount is not None:
        value.append(_money(amount))
    if pct is not None:
        value.append(f"{pct}%")
    period = L.label(L.TIME_PERIOD, eb.el(6))
    head = " ".join([label, *value, period] if value else [label, period]).strip()
    parts.append(head)
    services = [L.label(L.SERVICE_TYPE, t) for t in eb.codes(3)]
    if services:
        shown = ", ".join(services[:4]) + (
            f" and {len(services) - 4} more" if len(services) > 4 else ""
        )
        parts.append(shown)
    extras = [L.label(L.COVERAGE_LEVEL, eb.el(2)), L.label(L.NETWORK, eb.el(12))]
    if eb.el(4):
        extras.append(L.label(L.INSURANCE_TYPE, eb.el(4)))
    extras = [e for e in extras if e]
    if extras:
        parts.append(", ".join(extras))
    if eb.el(5):
        parts.append(f"plan {eb.el(5)}")
    names = _entity_names(loop)
    if names:
        parts.append("; ".join(names))
    for msg in loop.of("MSG"):
        if msg.el(1):
            parts.append(f'"{msg.el(1)}"')
    return BenefitLine(code=code, label=label, text="; ".join(parts), source=eb.raw)


_LEVEL_RANK = {"IND": 0, "": 1, "EMP": 2, "FAM": 4}
_NETWORK_RANK = {"Y": 0, "W": 1, "": 1, "U": 2, "N": 3}


def _rank(eb: Segment, prefer: tuple[str, ...]) -> tuple[int, int, int]:
    types = eb.codes(3) or [""]
    type_rank = min((prefer.index(t) if t in prefer else len(prefer)) for t in types)
    return (
        _NETWORK_RANK.get(eb.el(12), 2),
        _LEVEL_RANK.get(eb.el(2), 3),
        type_rank,
    )


def _best(candidates: list[Segment], prefer: tuple[str, ...]) -> Segment | None:
    if not candidates:
        return None
    return min(candidates, key=lambda eb: _rank(eb, prefer))


_PLAN_TYPES = ("30", "", "1", "98", "96")
_COPAY_TYPES = ("98", "BZ", "30", "", "1", "96")


def _accumulator(
    ebs: list[Segment], code: str
) -> tuple[int | None, int | None, int | None, list[Segment]]:
    """(total, met, remaining) of a deductible (C) or out-of-pocket (G), and the EBs used."""
    lines = [e for e in ebs if e.el(1) == code and _cents(e.el(7)) is not None]
    total_eb = _best([e for e in lines if e.el(6) not in L.NOT_A_TOTAL], _PLAN_TYPES)

    def same_kind(e: Segment) -> bool:
        return total_eb is None or (_rank(e, _PLAN_TYPES)[:2] == _rank(total_eb, _PLAN_TYPES)[:2])

    left_eb = _best(
        [e for e in lines if e.el(6) in L.REMAINING_PERIODS and same_kind(e)], _PLAN_TYPES
    )
    met_eb = _best([e for e in lines if e.el(6) in L.TO_DATE_PERIODS and same_kind(e)], _PLAN_TYPES)
    total = _cents(total_eb.el(7)) if total_eb else None
    left = _cents(left_eb.el(7)) if left_eb else None
    met = _cents(met_eb.el(7)) if met_eb else None
    if met is None and total is not None and left is not None:
        met = max(total - left, 0)
    if left is None and total is not None and met is not None:
        left = max(total - met, 0)
    used = [e for e in (total_eb, met_eb, left_eb) if e is not None]
    return total, met, left, used


def _dates(levels: Iterable[Level]) -> dict[str, dt.date]:
    """Plan and eligibility dates from the DTP segments of the subject (and its subscriber)."""
    out: dict[str, dt.date] = {}
    for level in levels:
        for seg in level.of("DTP"):
            qual, fmt, value = seg.el(1), seg.el(2), seg.el(3)
            start, _, end = value.partition("-")
            first = _date(start)
            last = _date(end) if fmt == "RD8" else None
            pairs = {
                "346": ("plan_begin", None),
                "347": ("plan_end", None),
                "356": ("eligibility_begin", None),
                "357": ("eligibility_end", None),
                "291": ("plan_begin", "plan_end"),
                "307": ("eligibility_begin", "eligibility_end"),
            }
            if qual not in pairs or first is None:
                continue
            begin_key, end_key = pairs[qual]
            if qual in ("347", "357"):
                out.setdefault(begin_key, first)
                continue
            out.setdefault(begin_key, first)
            if end_key and last is not None:
                out.setdefault(end_key, last)
    return out


def _card(
    txn: Transaction, level: Level, warnings: tuple[str, ...], *, subject: str | None = None
) -> BenefitsCard:
    line = {x.code: x for x in level.lineage()}
    source, receiver = line.get("20"), line.get("21")
    subscriber, dependent = line.get("22"), line.get("23")
    person_levels = [x for x in (dependent, subscriber) if x is not None]

    rejection_segs: list[Segment] = []
    rejections: list[str] = []
    for x in level.lineage():
        for seg in x.of("AAA"):
            rejection_segs.append(seg)
            text = _rejection(seg, x)
            if text not in rejections:
                rejections.append(text)

    messages: list[str] = []
    loops = level.benefits
    ebs = [b.eb for b in loops]
    for loop in loops:
        for seg in loop.of("AAA"):
            messages.append(
                f"The payer flagged the line {loop.eb.raw!r}: "
                f"{L.label(L.REJECT_REASON, seg.el(3)) or 'no reason code'}"
            )
        for seg in loop.of("MSG"):
            if seg.el(1):
                messages.append(seg.el(1))

    codes = [e.el(1) for e in ebs]
    active = any(c in L.ACTIVE_CODES for c in codes)
    inactive = any(c in L.INACTIVE_CODES for c in codes)
    if rejections:
        status, coverage = "rejected", None
    elif active:
        status, coverage = "active", True
        if inactive:
            messages.append("The payer sent both active and inactive lines; read each line.")
    elif inactive:
        status, coverage = "inactive", False
    else:
        status, coverage = "unknown", None
        if "V" in codes:
            messages.append("The payer cannot process this inquiry (EB*V).")
        elif ebs:
            messages.append("The answer lists benefits but says neither active nor inactive.")
        elif level.code in ("20", "21"):
            messages.append(
                f"The answer stops at the {LEVELS[level.code]}: it names no subscriber."
            )
        else:
            messages.append("The answer holds no benefit lines (no EB segment).")

    status_eb = next((e for e in ebs if e.el(1) in L.ACTIVE_CODES), None) or next(
        (e for e in ebs if e.el(1) in L.INACTIVE_CODES), None
    )
    plan = (status_eb.el(5) if status_eb is not None else "") or next(
        (e.el(5) for e in ebs if e.el(5)), ""
    )
    group = ""
    for x in person_levels:
        for seg in x.of("REF"):
            if seg.el(1) == "18" and not plan:
                plan = seg.el(3) or seg.el(2)
            if seg.el(1) in ("6P", "1L") and not group:
                group = seg.el(2)

    copay_eb = _best(
        [e for e in ebs if e.el(1) == "B" and _cents(e.el(7)) is not None], _COPAY_TYPES
    )
    coins_eb = _best(
        [e for e in ebs if e.el(1) == "A" and _percent(e.el(8)) is not None], _PLAN_TYPES
    )
    ded, ded_met, ded_left, _ = _accumulator(ebs, "C")
    oop, oop_met, oop_left, _ = _accumulator(ebs, "G")
    dates = _dates(person_levels)

    payer_nm1 = source.name if source else None
    provider_nm1 = receiver.name if receiver else None
    sub_nm1 = subscriber.name if subscriber else None
    patient_nm1 = (dependent or subscriber).name if (dependent or subscriber) else None
    member_id = (sub_nm1.el(9) if sub_nm1 else "") or (
        dependent.name.el(9) if dependent and dependent.name else ""
    )
    dob = None
    patient_level = dependent or subscriber
    if patient_level is not None:
        dmg = next(iter(patient_level.of("DMG")), None)
        dob = _date(dmg.el(2)) if dmg is not None and dmg.el(1) == "D8" else None
    traces = tuple(seg.el(2) for x in person_levels for seg in x.of("TRN") if seg.el(2))

    source_lines = [e.raw for e in ebs]
    if status == "rejected":
        source_lines = [s.raw for s in rejection_segs] + source_lines
    txn_warnings = list(warnings)
    return BenefitsCard(
        transaction=txn.control_number,
        subject=subject or LEVELS.get(level.code, "response"),
        status=status,
        coverage_active=coverage,
        payer_name=payer_nm1.el(3) if payer_nm1 else "",
        payer_code=payer_nm1.el(9) if payer_nm1 else "",
        provider_name=_person_name(provider_nm1),
        provider_id=provider_nm1.el(9) if provider_nm1 else "",
        patient_name=_person_name(patient_nm1),
        subscriber_name=_person_name(sub_nm1),
        member_id=member_id,
        date_of_birth=dob,
        trace_numbers=traces,
        plan=plan or None,
        group_number=group or None,
        insurance_type=L.label(L.INSURANCE_TYPE, status_eb.el(4))
        if status_eb is not None and status_eb.el(4)
        else None,
        plan_begin=dates.get("plan_begin"),
        plan_end=dates.get("plan_end"),
        eligibility_begin=dates.get("eligibility_begin"),
        eligibility_end=dates.get("eligibility_end"),
        copay_cents=_cents(copay_eb.el(7)) if copay_eb else None,
        coinsurance_percent=_percent(coins_eb.el(8)) if coins_eb else None,
        deductible_cents=ded,
        deductible_met_cents=ded_met,
        deductible_remaining_cents=ded_left,
        out_of_pocket_cents=oop,
        out_of_pocket_met_cents=oop_met,
        out_of_pocket_remaining_cents=oop_left,
        benefits=tuple(_benefit_line(b) for b in loops),
        messages=tuple(messages),
        rejections=tuple(rejections),
        source_lines=tuple(source_lines),
        warnings=tuple(txn_warnings),
    )


def _subjects(top: Level) -> list[Level]:
    """The levels a card is made for under one information source."""
    out: list[Level] = []

    def walk(level: Level) -> None:
        if level.code == "22":
            deps = [c for c in level.children if c.code == "23"]
            if not deps or level.benefits or level.of("AAA"):
                out.append(level)
            out.extend(deps)
            return
        if level.code == "23":
            out.append(level)
            return
        for child in level.children:
            walk(child)

    walk(top)
    return out


def _deepest(top: Level) -> Level:
    level = top
    while level.children:
        level = level.children[0]
    return level


def cards_of(txn: Transaction, warnings: tuple[str, ...] = ()) -> list[BenefitsCard]:
    """The cards of one 271 transaction: at least one."""
    tops = levels_of(txn)
    if not tops:
        return [
            BenefitsCard(
                transaction=txn.control_number,
                subject="response",
                status="unknown",
                messages=("The answer has no HL loops: it names no payer and no subscriber.",),
                warnings=warnings,
            )
        ]
    cards: list[BenefitsCard] = []
    for top in tops:
        subjects = _subjects(top)
        if not subjects:
            cards.append(_card(txn, _deepest(top), warnings))
        cards.extend(_card(txn, s, warnings) for s in subjects)
    return cards


def read_271(data: str | bytes) -> list[BenefitsCard]:
    """Every benefits card in a 271 file (any sender; 4010-era files are read the same way).

    Raises :class:`X12ReadError` with a plain reason when the file cannot be read as a 271.
    """
    doc = read_x12(data)
    txns = doc.of_type("271")
    if not txns:
        kinds = ", ".join(sorted({t.set_id for t in doc.transactions}))
        raise X12ReadError(f"The file holds no 271 eligibility response (it holds {kinds}).")
    cards: list[BenefitsCard] = []
    for txn in txns:
        cards.extend(cards_of(txn, doc.warnings))
    return cards
