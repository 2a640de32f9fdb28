"""The 271 eligibility response (005010X279A1): its loops, read leniently, and a writer.

Loops of a 271::

    2000A HL*20 information source  [AAA]  2100A NM1*PR [PER] [AAA] [PRV]
      2000B HL*21 information receiver  2100B NM1*1P [REF N3 N4 AAA PRV]
        2000C HL*22 subscriber  [TRN]  2100C NM1*IL [REF N3 N4 AAA PRV DMG INS HI DTP MPI]
          2110C EB [HSD REF DTP AAA MSG III] [LS 2120C NM1 ... LE]  (one loop per EB)
          2000D HL*23 dependent  [TRN]  2100D NM1*03 [...]  2110D EB ...

Senders misplace segments (an AAA before NM1, a loop without HL parent), so loops are formed
from the HL segments and their level codes, and each HL keeps everything up to the next HL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from core.x12.envelope import Envelope, cents_text, clean, d8, decimal_text, segment, wrap
from core.x12.reader import Segment, Transaction
from core.x12.x270 import VERSION, Person, Provider

LEVELS = {"20": "information source", "21": "information receiver", "22": "subscriber",
          "23": "dependent"}  # fmt: skip
_PARENT_LEVEL = {"21": "20", "22": "21", "23": "22"}


@dataclass(slots=True)
class BenefitLoop:
    """One 2110 loop: an EB segment and what follows it up to the next EB or HL."""

    eb: Segment
    segments: list[Segment] = field(default_factory=list)

    def of(self, seg_id: str) -> list[Segment]:
        """Segments of this loop with ``seg_id``, leaving out the 2120 (LS..LE) names."""
        out, inside = [], False
        for seg in self.segments:
            if seg.id == "LS":
                inside = True
            elif seg.id == "LE":
                inside = False
            elif not inside and seg.id == seg_id:
                out.append(seg)
        return out


@dataclass(slots=True)
class Level:
    """One HL loop of a 271: the HL, its 2100 segments (``header``) and its 2110 loops."""

    hl: Segment
    header: list[Segment] = field(default_factory=list)
    benefits: list[BenefitLoop] = field(default_factory=list)
    children: list[Level] = field(default_factory=list)
    parent: Level | None = None

    @property
    def code(self) -> str:
        return self.hl.el(3)

    @property
    def name(self) -> Segment | None:
        return next((s for s in self.header if s.id == "NM1"), None)

    def of(self, seg_id: str) -> list[Segment]:
        return [s for s in self.header if s.id == seg_id]

    def lineage(self) -> list[Level]:
        """This level and its parents, the information source first."""
        out: list[Level] = []
        node: Level | None = self
        while node is not None:
            out.append(node)
            node = node.parent
        return out[::-1]


def levels_of(txn: Transaction) -> list[Level]:
    """The top (information source) levels of a 271 transaction, children linked."""
    all_levels: list[Level] = []
    by_id: dict[str, Level] = {}
    for seg in txn.body:
        if seg.id == "HL":
            level = Level(seg)
            parent = by_id.get(seg.el(2)) if seg.el(2) else None
            if parent is None and seg.el(3) in _PARENT_LEVEL:
                # No usable HL02: hang it under the latest level of the expected parent kind.
                want = _PARENT_LEVEL[seg.el(3)]
                parent = next((x for x in reversed(all_levels) if x.code == want), None)
            if parent is not None:
                level.parent = parent
                parent.children.append(level)
            all_levels.append(level)
            by_id.setdefault(seg.el(1), level)
        elif not all_levels:
            continue  # BHT and anything before the first HL
        else:
            current = all_levels[-1]
            if seg.id == "EB":
                current.benefits.append(BenefitLoop(seg))
            elif current.benefits:
                current.benefits[-1].segments.append(seg)
            else:
                current.header.append(seg)
    return [x for x in all_levels if x.parent is None]


# ---------------------------------------------------------------------------------------------
# writing (the sandbox clearinghouse answers with these)
@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str  # AAA03
    action: str = "C"  # AAA04
    valid: str = "N"  # AAA01: Y the request was valid, N it was not


@dataclass(frozen=True, slots=True)
class Benefit:
    code: str  # EB01
    coverage_level: str = ""  # EB02
    service_types: tuple[str, ...] = ("30",)  # EB03
    insurance_type: str = ""  # EB04
    plan: str = ""  # EB05
    period: str = ""  # EB06
    amount_cents: int | None = None  # EB07
    percent: int | None = None  # EB08, written as a fraction (20 -> 0.2)
    network: str = ""  # EB12
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Subject:
    """A subscriber or dependent in a 271."""

    person: Person
    trace_number: str = ""
    trace_originator: str = ""
    rejections: tuple[Rejection, ...] = ()
    group_number: str = ""
    group_name: str = ""
    plan_begin: dt.date | None = None
    plan_end: dt.date | None = None
    benefits: tuple[Benefit, ...] = ()


@dataclass(frozen=True, slots=True)
class Response:
    envelope: Envelope
    reference: str  # BHT03: echoes the 270's
    payer_name: str
    payer_id: str
    provider: Provider
    subscriber: Subject | None = None
    dependent: Subject | None = None
    payer_rejections: tuple[Rejection, ...] = ()
    provider_rejections: tuple[Rejection, ...] = ()


def _aaa(rejections: tuple[Rejection, ...]) -> list[str]:
    return [segment("AAA", r.valid, "", r.reason, r.action) for r in rejections]


def _eb(b: Benefit) -> str:
    percent = ""
    if b.percent is not None:
        percent = decimal_text(Decimal(b.percent) / 100)
    return segment(
        "EB",
        b.code,
        b.coverage_level,
        "^".join(b.service_types),
        b.insurance_type,
        clean(b.plan, 50),
        b.period,
        "" if b.amount_cents is None else cents_text(b.amount_cents),
        percent,
        "",
        "",
        "",
        b.network,
    )


def _subject(s: Subject, entity: str, *, with_id: bool) -> list[str]:
    p = s.person
    out: list[str] = []
    if s.trace_number:
        out.append(segment("TRN", "2", clean(s.trace_number, 50), clean(s.trace_originator, 10)))
    out.append(segment("NM1", entity, "1", clean(p.last_name, 60), clean(p.first_name, 35),
                       clean(p.middle_name, 25), "", "", "MI" if with_id else "",
                       clean(p.member_id, 80) if with_id else ""))  # fmt: skip
    if s.group_number:
        out.append(segment("REF", "6P", clean(s.group_number, 50), clean(s.group_name, 60)))
    out += _aaa(s.rejections)
    if p.date_of_birth is not None:
        out.append(segment("DMG", "D8", d8(p.date_of_birth), clean(p.sex, 1)))
    if s.plan_begin is not None:
        out.append(segment("DTP", "346", "D8", d8(s.plan_begin)))
    if s.plan_end is not None:
        out.append(segment("DTP", "347", "D8", d8(s.plan_end)))
    for b in s.benefits:
        out.append(_eb(b))
        out += [segment("MSG", clean(m, 264, upper=False)) for m in b.messages]
    return out


def build_271(r: Response) -> str:
    """The 271 file for one answer."""
    env = r.envelope
    body = [
        segment(
            "BHT",
            "0022",
            "11",
            clean(r.reference, 50),
            d8(env.created_at.date()),
            env.created_at.strftime("%H%M"),
        ),  # fmt: skip
        segment("HL", "1", "", "20", "0" if r.payer_rejections else "1"),
        segment(
            "NM1", "PR", "2", clean(r.payer_name, 60), "", "", "", "", "PI", clean(r.payer_id, 80)
        ),  # fmt: skip
        *_aaa(r.payer_rejections),
    ]
    if not r.payer_rejections:
        p = r.provider
        lower = r.subscriber is not None and not r.provider_rejections
        body.append(segment("HL", "2", "1", "21", "1" if lower else "0"))
        body.append(segment("NM1", "1P", "1" if p.is_person else "2", clean(p.name, 60),
                            clean(p.first_name, 35), "", "", "", "XX", clean(p.npi, 80)))  # fmt: skip
        body += _aaa(r.provider_rejections)
        if lower and r.subscriber is not None:
            body.append(segment("HL", "3", "2", "22", "1" if r.dependent else "0"))
            body += _subject(r.subscriber, "IL", with_id=True)
            if r.dependent is not None:
                body.append(segment("HL", "4", "3", "23", "0"))
                body += _subject(r.dependent, "03", with_id=False)
    return wrap(env, "HB", "271", VERSION, body)
