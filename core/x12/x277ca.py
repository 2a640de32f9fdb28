"""The 277CA claim acknowledgment (005010X214): read one leniently, and write one.

Loops of a 277CA::

    BHT*0085*08
    2000A HL*20 information source  2100A NM1*PR|AY  2200A TRN*1 DTP*050 (received) DTP*009
      2000B HL*21 information receiver (us)  2100B NM1*41  2200B TRN*2 STC QTY*90|AA AMT*YU|YY
        2000C HL*19 billing provider  2100C NM1*85  2200C TRN*1 STC REF QTY*QA|QC AMT*YU|YY
          2000D HL*PT patient  2100D NM1*QC
            2200D TRN*2*<patient control number> STC... REF*1K (payer claim number) REF*D9
                  REF*BLT DTP*472 (service dates)
              2220D SVC STC REF*FJ DTP*472   (a service line's own status)

STC01 is a composite: category (A1, A7...), status code (562...), entity (85...). A claim is
accepted when its categories say so (A0/A1/A2/A5), rejected when any says A3/A4/A6/A7/A8; when
the category is unknown, the action code decides (WQ accepted, U rejected). A rejection at the
receiver (2200B) or provider (2200C) level covers every claim below it that has no status of its
own.

Loops are formed from the HL segments (their level code and parent), so misplaced segments in
real senders' files do not break the reading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from core.errors import ValidationError
from core.money import Money
from core.x12.envelope import Envelope, cents_text, clean, d8, segment, wrap
from core.x12.reader import Segment, Transaction
from core.x12.status_codes import describe_category, describe_status, explain, fix_hint, outcome
from core.x12.x999 import X12FileError, envelope_facts, open_answer

VERSION = "005010X214"


# ---------------------------------------------------------------------------------------------
# Shared with the 277 (X212) reader: HL levels, STC, names, dates, amounts
@dataclass(slots=True)
class Level:
    """One HL loop: its HL, the segments after it up to the next HL, parent and children."""

    hl: Segment
    segments: list[Segment] = field(default_factory=list)
    parent: Level | None = None
    children: list[Level] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.hl.el(3).strip().upper()

    def header(self) -> list[Segment]:
        """Segments before the first TRN (the 2100 name loop)."""
        out = []
        for seg in self.segments:
            if seg.id == "TRN":
                break
            out.append(seg)
        return out

    def traces(self) -> list[list[Segment]]:
        """The 2200 loops: each starts with a TRN and runs to the next TRN."""
        out: list[list[Segment]] = []
        for seg in self.segments:
            if seg.id == "TRN":
                out.append([seg])
            elif out:
                out[-1].append(seg)
        return out

    def ancestor(self, code: str) -> Level | None:
        node = self.parent
        while node is not None:
            if node.code == code:
                return node
            node = node.parent
        return None


def levels_of(txn: Transaction, parents: dict[str, str], warnings: list[str]) -> list[Level]:
    """Every HL level of a transaction in file order, parents linked (by HL02, else by the
    latest level of the expected parent kind in ``parents``)."""
    levels: list[Level] = []
    by_id: dict[str, Level] = {}
    for seg in txn.body:
        if seg.id == "HL":
            level = Level(seg)
            parent = by_id.get(seg.el(2).strip()) if seg.el(2).strip() else None
            want = parents.get(level.code)
            if parent is None and want is not None:
                parent = next((x for x in reversed(levels) if x.code == want), None)
                if seg.el(2).strip():
                    warnings.append(
                        f"HL {seg.el(1)} names parent {seg.el(2)}, which does not exist; it was "
                        "placed under the level before it."
                    )
            if parent is not None:
                level.parent = parent
                parent.children.append(level)
            levels.append(level)
            if seg.el(1).strip() in by_id:
                warnings.append(f"HL number {seg.el(1)} is used twice.")
            by_id.setdefault(seg.el(1).strip(), level)
        elif levels:
            levels[-1].segments.append(seg)
    return levels


def parse_date(text: str, warnings: list[str], what: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        warnings.append(f"{what} has {text!r}, which is not a date (CCYYMMDD); it was ignored.")
        return None


def parse_period(dtp: Segment, warnings: list[str]) -> tuple[dt.date | None, dt.date | None]:
    """DTP03 as (from, to): D8 gives one day, RD8 a range."""
    text = dtp.el(3).strip()
    what = f"DTP*{dtp.el(1)} (segment {dtp.position})"
    if dtp.el(2) == "RD8" or "-" in text:
        start, _, end = text.partition("-")
        first = parse_date(start, warnings, what)
        last = parse_date(end, warnings, what) if end else first
        return first, last
    day = parse_date(text, warnings, what)
    return day, day


def parse_cents(text: str, warnings: list[str], what: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return Money.parse(text).cents
    except ValueError:
        warnings.append(f"{what} has {text!r}, which is not an amount; it was ignored.")
        return None


@dataclass(frozen=True, slots=True)
class Party:
    """An NM1: who (entity code), name, and identifier."""

    entity: str  # NM101
    name: str  # organization or last name
    first_name: str = ""
    middle_name: str = ""
    id_qualifier: str = ""  # NM108
    id: str = ""  # NM109

    @property
    def display(self) -> str:
        given = " ".join(x for x in (self.first_name, self.middle_name) if x)
        return f"{self.name}, {given}" if given else self.name


def party_of(segs: Sequence[Segment]) -> Party | None:
    nm1 = next((s for s in segs if s.id == "NM1"), None)
    if nm1 is None:
        return None
    return Party(nm1.el(1), nm1.el(3), nm1.el(4), nm1.el(5), nm1.el(8), nm1.el(9))


@dataclass(frozen=True, slots=True)
class Status:
    """One claim status (STC01, STC10 or STC11 of an STC segment) with the STC's other facts."""

    category: str  # A1, A7, P1, F1...
    code: str  # the claim status code (562...), or an NCPDP code when code_list is RX
    entity: str = ""  # whose information: 85 billing provider, QC patient...
    code_list: str = ""  # STC01-4: RX for NCPDP reject codes
    date: dt.date | None = None  # STC02
    action: str = ""  # STC03 (277CA): WQ accepted, U rejected
    amount_cents: int | None = None  # STC04: charge of the claim, line or batch
    paid_cents: int | None = None  # STC05 (277): amount paid
    adjudicated_on: dt.date | None = None  # STC06
    payment_method: str = ""  # STC07
    paid_on: dt.date | None = None  # STC08: check or EFT date
    check_number: str = ""  # STC09
    message: str = ""  # STC12: free text

    @property
    def outcome(self) -> str:
        """The verdict: "accepted", "rejected" or "" for acknowledgment categories; the action
        code decides when the category is not one we know."""
        verdict = outcome(self.category)
        if verdict:
            return verdict
        action = self.action.strip().upper()
        return {"WQ": "accepted", "U": "rejected"}.get(action, "")

    @property
    def category_text(self) -> str:
        return describe_category(self.category)

    @property
    def status_text(self) -> str:
        return describe_status(self.code) if self.code else ""

    @property
    def explanation(self) -> str:
        return explain(self.category, self.code, self.entity, self.code_list)

    @property
    def fix(self) -> str:
        return fix_hint(self.category, self.code, self.entity)

    def __str__(self) -> str:
        codes = ":".join(x for x in (self.category, self.code, self.entity) if x)
        return f"{codes} {self.explanation}"


def statuses_of(stc: Segment, warnings: list[str]) -> list[Status]:
    """The statuses of one STC segment (STC01, then STC10 and STC11 when present)."""
    what = f"STC (segment {stc.position})"
    common = dict(
        date=parse_date(stc.el(2), warnings, what),
        action=stc.el(3),
        amount_cents=parse_cents(stc.el(4), warnings, what),
        paid_cents=parse_cents(stc.el(5), warnings, what),
        adjudicated_on=parse_date(stc.el(6), warnings, what),
        payment_method=stc.el(7),
        paid_on=parse_date(stc.el(8), warnings, what),
        check_number=stc.el(9),
        message=stc.el(12),
    )
    out = []
    for n in (1, 10, 11):
        if not stc.el(n):
            continue
        category, code = stc.comp(n, 1).strip().upper(), stc.comp(n, 2).strip()
        if not category:
            warnings.append(f"{what} has a status without a category code; it was ignored.")
            continue
        out.append(Status(category, code, stc.comp(n, 3), stc.comp(n, 4), **common))
    if not out:
        warnings.append(f"{what} holds no status.")
    return out


def refs_of(segs: Sequence[Segment]) -> dict[str, str]:
    """REF qualifier -> value (the first of each)."""
    out: dict[str, str] = {}
    for seg in segs:
        if seg.id == "REF":
            out.setdefault(seg.el(1).strip().upper(), seg.el(2))
    return out


@dataclass(frozen=True, slots=True)
class LineStatus:
    """A 2220 service line with its own status."""

    qualifier: str  # SVC01-1: HC (CPT/HCPCS), NU (revenue code)...
    procedure: str  # SVC01-2
    modifiers: tuple[str, ...]
    charge_cents: int | None  # SVC02
    paid_cents: int | None  # SVC03
    revenue_code: str  # SVC04
    units: str  # SVC07 (SVC05 when SVC07 is empty)
    statuses: tuple[Status, ...]
    line_control_number: str = ""  # REF*FJ
    service_from: dt.date | None = None
    service_to: dt.date | None = None


def lines_of(
    segs: Sequence[Segment], warnings: list[str]
) -> tuple[list[Segment], list[LineStatus]]:
    """Split a 2200 loop into its own segments and its 2220 service lines (each starts at SVC)."""
    own: list[Segment] = []
    groups: list[list[Segment]] = []
    for seg in segs:
        if seg.id == "SVC":
            groups.append([seg])
        elif groups:
            groups[-1].append(seg)
        else:
            own.append(seg)
    lines = []
    for group in groups:
        svc = group[0]
        what = f"SVC (segment {svc.position})"
        statuses = [st for s in group if s.id == "STC" for st in statuses_of(s, warnings)]
        dtp = next((s for s in group if s.id == "DTP" and s.el(1) == "472"), None)
        first, last = parse_period(dtp, warnings) if dtp is not None else (None, None)
        comps = svc.components(1)
        lines.append(
            LineStatus(
                qualifier=comps[0] if comps else "",
                procedure=comps[1] if len(comps) > 1 else "",
                modifiers=tuple(m for m in comps[2:6] if m),
                charge_cents=parse_cents(svc.el(2), warnings, what),
                paid_cents=parse_cents(svc.el(3), warnings, what),
                revenue_code=svc.el(4),
                units=svc.el(7) or svc.el(5),
                statuses=tuple(statuses),
                line_control_number=refs_of(group).get("FJ", ""),
                service_from=first,
                service_to=last,
            )
        )
    return own, lines


# ---------------------------------------------------------------------------------------------
# What a 277CA says
@dataclass(frozen=True, slots=True)
class BatchStatus:
    """The status given to a whole batch (2200B, receiver) or to one provider's claims (2200C)."""

    level: str  # "receiver" or "provider"
    party: Party | None
    trace: str  # TRN02
    statuses: tuple[Status, ...]
    accepted_count: int | None = None  # QTY*90 / QTY*QA
    rejected_count: int | None = None  # QTY*AA / QTY*QC
    accepted_cents: int | None = None  # AMT*YU
    rejected_cents: int | None = None  # AMT*YY

    @property
    def rejected(self) -> bool:
        return any(s.outcome == "rejected" for s in self.statuses)


@dataclass(frozen=True, slots=True)
class ClaimAck:
    """One claim's acknowledgment (2200D)."""

    patient_control_number: str  # TRN02: our CLM01
    statuses: tuple[Status, ...]
    patient: Party | None
    provider: Party | None = None  # the billing provider (2100C) above it
    payer_claim_number: str = ""  # REF*1K
    clearinghouse_trace: str = ""  # REF*D9
    bill_type: str = ""  # REF*BLT (institutional claims)
    charge_cents: int | None = None  # STC04 of the first status
    service_from: dt.date | None = None
    service_to: dt.date | None = None
    lines: tuple[LineStatus, ...] = ()
    inherited: bool = False  # no status of its own: the provider's or receiver's applies

    @property
    def outcome(self) -> str:
        """The claim's verdict: "accepted", "rejected", or "unknown" when no status says either."""
        verdicts = [s.outcome for s in self.statuses]
        if "rejected" in verdicts:
            return "rejected"
        if "accepted" in verdicts:
            return "accepted"
        return "unknown"

    @property
    def accepted(self) -> bool:
        return self.outcome == "accepted"

    @property
    def explanations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.explanation for s in self.statuses))

    @property
    def fixes(self) -> tuple[str, ...]:
        """What to do, one hint per distinct problem (rejections first)."""
        ordered = sorted(self.statuses, key=lambda s: s.outcome != "rejected")
        return tuple(dict.fromkeys(s.fix for s in ordered))


@dataclass(frozen=True, slots=True)
class Ack277CA:
    interchange_control_number: str
    sender_id: str
    receiver_id: str
    created: dt.datetime | None
    reference: str  # BHT03
    source: Party | None  # 2100A: the payer or clearinghouse answering
    source_trace: str  # 2200A TRN02
    received_on: dt.date | None  # DTP*050
    processed_on: dt.date | None  # DTP*009
    receivers: tuple[BatchStatus, ...]
    providers: tuple[BatchStatus, ...]
    claims: tuple[ClaimAck, ...]
    warnings: tuple[str, ...] = ()

    def accepted_claims(self) -> list[ClaimAck]:
        return [c for c in self.claims if c.outcome == "accepted"]

    def rejected_claims(self) -> list[ClaimAck]:
        return [c for c in self.claims if c.outcome == "rejected"]

    def claim(self, patient_control_number: str) -> ClaimAck | None:
        """The first answer for our CLM01 (compared without surrounding spaces, any case)."""
        want = patient_control_number.strip().upper()
        return next(
            (c for c in self.claims if c.patient_control_number.strip().upper() == want), None
        )

    @property
    def batch_rejected(self) -> bool:
        """The whole batch was turned away at the receiver level."""
        return any(r.rejected for r in self.receivers)


# ---------------------------------------------------------------------------------------------
# Reading
_PARENTS = {"21": "20", "19": "21", "PT": "19", "22": "19", "23": "22"}


def is_claim_ack(txn: Transaction) -> bool | None:
    """True for a 277CA (X214), False for a 277 status answer (X212), None when unsure."""
    version = (txn.st.el(3) or (txn.gs.el(8) if txn.gs else "")).upper()
    if "X214" in version:
        return True
    if "X212" in version or "X093" in version:
        return False
    bht = next((s for s in txn.body if s.id == "BHT"), None)
    if bht is not None and bht.el(1) in ("0085", "0010"):
        return bht.el(1) == "0085"
    if any(s.id == "HL" and s.el(3).strip().upper() == "PT" for s in txn.body):
        return True
    return None


def _batch(level: Level, name: str, warnings: list[str]) -> BatchStatus:
    traces = level.traces()
    segs = traces[0] if traces else []
    if len(traces) > 1:
        warnings.append(
            f"The {name} level (HL {level.hl.el(1)}) has {len(traces)} TRN; the first was used."
        )
    qty = {s.el(1).strip().upper(): s.el(2) for s in segs if s.id == "QTY"}
    amt = {s.el(1).strip().upper(): s.el(2) for s in segs if s.id == "AMT"}
    what = f"the {name} level (HL {level.hl.el(1)})"
    return BatchStatus(
        level=name,
        party=party_of(level.header()),
        trace=segs[0].el(2) if segs else "",
        statuses=tuple(st for s in segs if s.id == "STC" for st in statuses_of(s, warnings)),
        accepted_count=_count(qty.get("90") or qty.get("QA"), warnings, what),
        rejected_count=_count(qty.get("AA") or qty.get("QC"), warnings, what),
        accepted_cents=parse_cents(amt.get("YU", ""), warnings, what),
        rejected_cents=parse_cents(amt.get("YY", ""), warnings, what),
    )


def _count(text: str | None, warnings: list[str], what: str) -> int | None:
    if not text:
        return None
    try:
        return int(Decimal(text.strip()))
    except (InvalidOperation, ValueError):
        warnings.append(f"QTY of {what} has {text!r}, which is not a number.")
        return None


def _claims(
    level: Level, fallback: tuple[Status, ...], provider: Party | None, warnings: list[str]
) -> list[ClaimAck]:
    patient = party_of(level.header())
    if patient is None:
        warnings.append(f"Patient level HL {level.hl.el(1)} has no NM1 name.")
    traces = level.traces()
    if not traces:
        warnings.append(f"Patient level HL {level.hl.el(1)} holds no claim (no TRN).")
    out = []
    for segs in traces:
        own, lines = lines_of(segs, warnings)
        pcn = segs[0].el(2).strip()
        if not pcn:
            warnings.append(
                f"The claim at segment {segs[0].position} has no patient control number (TRN02)."
            )
        statuses = tuple(st for s in own if s.id == "STC" for st in statuses_of(s, warnings))
        inherited = not statuses and bool(fallback)
        if not statuses:
            if not fallback:
                warnings.append(f"Claim {pcn or '?'} has no STC status.")
            statuses = fallback
        refs = refs_of(own)
        dtp = next((s for s in own if s.id == "DTP" and s.el(1) == "472"), None)
        first, last = parse_period(dtp, warnings) if dtp is not None else (None, None)
        out.append(
            ClaimAck(
                patient_control_number=pcn,
                statuses=statuses,
                patient=patient,
                provider=provider,
                payer_claim_number=refs.get("1K", ""),
                clearinghouse_trace=refs.get("D9", ""),
                bill_type=refs.get("BLT", ""),
                charge_cents=next(
                    (s.amount_cents for s in statuses if s.amount_cents is not None), None
                ),
                service_from=first,
                service_to=last,
                lines=tuple(lines),
                inherited=inherited,
            )
        )
    return out


def parse_277ca(data: str | bytes) -> Ack277CA:
    """Read a 277CA (every claim acknowledgment transaction in the file).

    Raises :class:`~core.x12.x999.X12FileError` when the file is not a readable 277CA.
    """
    what = "a 277CA claim acknowledgment"
    doc, found = open_answer(data, "277", what)
    kinds = [is_claim_ack(t) for t in found]
    if all(k is False for k in kinds):
        raise X12FileError(
            f"This is a 277 claim status response (005010X212), not {what}: read it as a claim "
            "status answer."
        )
    warnings = list(doc.warnings)
    txns = [t for t, k in zip(found, kinds, strict=True) if k is not False]
    if len(txns) < len(found):
        warnings.append(
            f"{len(found) - len(txns)} claim status (X212) transaction(s) were skipped."
        )
    receivers: list[BatchStatus] = []
    providers: list[BatchStatus] = []
    claims: list[ClaimAck] = []
    source: Party | None = None
    source_trace = ""
    received_on = processed_on = None
    reference = ""
    created: dt.datetime | None = None
    for txn in txns:
        bht = next((s for s in txn.body if s.id == "BHT"), None)
        if bht is None:
            warnings.append(f"277CA transaction {txn.control_number} has no BHT segment.")
        elif not reference:
            reference = bht.el(3)
            created = created or _bht_created(bht)
        levels = levels_of(txn, _PARENTS, warnings)
        if not levels:
            warnings.append(f"277CA transaction {txn.control_number} holds no HL levels.")
        batch: dict[int, BatchStatus] = {}
        for level in levels:
            code = level.code
            if code == "20":
                source = source or party_of(level.header())
                for segs in level.traces()[:1]:
                    source_trace = source_trace or segs[0].el(2)
                    for dtp in (s for s in segs if s.id == "DTP"):
                        day = parse_date(dtp.el(3), warnings, f"DTP*{dtp.el(1)}")
                        if dtp.el(1) == "050":
                            received_on = received_on or day
                        elif dtp.el(1) == "009":
                            processed_on = processed_on or day
            elif code == "21":
                batch[id(level)] = _batch(level, "receiver", warnings)
                receivers.append(batch[id(level)])
            elif code == "19":
                batch[id(level)] = _batch(level, "provider", warnings)
                providers.append(batch[id(level)])
            elif code in ("PT", "22", "23"):
                prov_level = level.ancestor("19")
                recv_level = level.ancestor("21")
                prov = batch.get(id(prov_level)) if prov_level else None
                recv = batch.get(id(recv_level)) if recv_level else None
                fallback: tuple[Status, ...] = ()
                for up in (prov, recv):
                    if up is not None and up.statuses and not fallback:
                        fallback = up.statuses
                if prov_level is None:
                    warnings.append(
                        f"Patient level HL {level.hl.el(1)} has no billing provider level above it."
                    )
                claims += _claims(level, fallback, prov.party if prov else None, warnings)
            else:
                warnings.append(
                    f"HL {level.hl.el(1)} has level code {code!r}, which a 277CA "
                    "does not use; skipped."
                )
    for c in claims:
        for s in c.statuses:
            if not outcome(s.category):
                decided = f"the action code {s.action} decided" if s.outcome else "outcome unknown"
                warnings.append(
                    f"Claim {c.patient_control_number or '?'}: status category "
                    f"{s.category!r} is not an acknowledgment code ({decided})."
                )
    control, sender, receiver, env_created, _usage = envelope_facts(txns[0])
    return Ack277CA(
        interchange_control_number=control,
        sender_id=sender,
        receiver_id=receiver,
        created=created or env_created,
        reference=reference,
        source=source,
        source_trace=source_trace,
        received_on=received_on,
        processed_on=processed_on,
        receivers=tuple(receivers),
        providers=tuple(providers),
        claims=tuple(claims),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _bht_created(bht: Segment) -> dt.datetime | None:
    try:
        day = dt.datetime.strptime(bht.el(4).strip(), "%Y%m%d")
    except ValueError:
        return None
    hhmm = bht.el(5).strip()[:4]
    if len(hhmm) == 4 and hhmm.isdigit() and int(hhmm[:2]) < 24 and int(hhmm[2:]) < 60:
        return day.replace(hour=int(hhmm[:2]), minute=int(hhmm[2:]))
    return day


# ---------------------------------------------------------------------------------------------
# Writing (the sandbox clearinghouse answers an 837 with this)
@dataclass(frozen=True, slots=True)
class CAProvider:
    name: str
    npi: str


@dataclass(frozen=True, slots=True)
class LineAnswer:
    """A service line's own status (2220D), for a line-level rejection."""

    procedure: str
    charge_cents: int
    category: str
    status_code: str
    service_from: dt.date
    service_to: dt.date | None = None
    modifiers: tuple[str, ...] = ()
    units: str = "1"
    entity: str = ""
    line_control_number: str = ""  # REF*FJ: the 837's REF*6R


@dataclass(frozen=True, slots=True)
class ClaimAnswer:
    """How the sandbox answers one claim of the 837."""

    patient_control_number: str
    accepted: bool
    charge_cents: int
    service_from: dt.date
    patient_last_name: str
    member_id: str
    patient_first_name: str = ""
    service_to: dt.date | None = None
    category: str = ""  # default: A2 accepted, A7 rejected
    status_code: str = ""  # default: 20 accepted, 21 rejected
    entity: str = ""
    payer_claim_number: str = ""  # REF*1K, for accepted claims
    message: str = ""  # STC12
    provider: CAProvider | None = None  # default: the answer's provider
    lines: tuple[LineAnswer, ...] = ()

    @property
    def stc_category(self) -> str:
        return self.category or ("A2" if self.accepted else "A7")

    @property
    def stc_code(self) -> str:
        return self.status_code or ("20" if self.accepted else "21")


@dataclass(frozen=True, slots=True)
class CAInfo:
    """Who answers whom about which batch."""

    source_name: str  # the payer or clearinghouse answering
    source_id: str
    receiver_name: str  # the submitter (us)
    receiver_id: str  # ETIN
    provider: CAProvider  # the billing provider of the claims
    batch_trace: str  # 2200B TRN02: the 837's BHT03 or ISA13
    source_entity: str = "PR"  # PR payer, AY clearinghouse
    source_qualifier: str = "PI"  # PI payer ID, 46 ETIN, FI tax ID, XV plan ID
    source_trace: str = ""  # 2200A TRN02 (default: the envelope's control number)
    received_on: dt.date | None = None  # default: the envelope's date
    processed_on: dt.date | None = None
    reference: str = ""  # BHT03
    batch_rejection: tuple[str, str] | None = None  # (category, status code): turn it all away


def _check_answer(info: CAInfo, claims: Sequence[ClaimAnswer]) -> None:
    if not info.batch_trace.strip():
        raise ValidationError("A 277CA needs the batch trace number (2200B TRN02).")
    if not claims:
        raise ValidationError("A 277CA needs at least one claim.")
    for c in claims:
        name = c.patient_control_number or "?"
        if not c.patient_control_number.strip():
            raise ValidationError("Each claim in a 277CA needs its patient control number.")
        if not c.member_id.strip() or not c.patient_last_name.strip():
            raise ValidationError(f"Claim {name} needs the patient's last name and member ID.")
        if outcome(c.stc_category) != ("accepted" if c.accepted else "rejected"):
            raise ValidationError(
                f"Claim {name}: category {c.stc_category} does not mean "
                f"{'accepted' if c.accepted else 'rejected'}."
            )
        if c.charge_cents < 0:
            raise ValidationError(f"Claim {name} has a negative charge.")


def _dtp(day: dt.date, last: dt.date | None) -> str:
    if last is not None and last != day:
        return segment("DTP", "472", "RD8", f"{d8(day)}-{d8(last)}")
    return segment("DTP", "472", "D8", d8(day))


def _totals(claims: Sequence[ClaimAnswer]) -> list[str]:
    ok = [c for c in claims if c.accepted]
    bad = [c for c in claims if not c.accepted]
    return [
        ok_seg
        for ok_seg in (
            segment("QTY", "90", len(ok)) if ok else "",
            segment("QTY", "AA", len(bad)) if bad else "",
            segment("AMT", "YU", cents_text(sum(c.charge_cents for c in ok))) if ok else "",
            segment("AMT", "YY", cents_text(sum(c.charge_cents for c in bad))) if bad else "",
        )
        if ok_seg
    ]


def _claim_segments(c: ClaimAnswer, day: dt.date) -> list[str]:
    out = [
        segment(
            "NM1",
            "QC",
            "1",
            clean(c.patient_last_name, 60),
            clean(c.patient_first_name, 35),
            "",
            "",
            "",
            "MI",
            clean(c.member_id, 80),
        ),
        segment("TRN", "2", clean(c.patient_control_number, 50, upper=False)),
        segment(
            "STC",
            f"{c.stc_category}:{c.stc_code}" + (f":{c.entity}" if c.entity else ""),
            d8(day),
            "WQ" if c.accepted else "U",
            cents_text(c.charge_cents),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            clean(c.message, 264, upper=False),
        ),
    ]
    if c.accepted and c.payer_claim_number:
        out.append(segment("REF", "1K", clean(c.payer_claim_number, 50, upper=False)))
    out.append(_dtp(c.service_from, c.service_to))
    for line in c.lines:
        mods = ":".join(clean(m, 2) for m in line.modifiers[:4])
        out.append(
            segment(
                "SVC",
                "HC:" + clean(line.procedure, 48) + (f":{mods}" if mods else ""),
                cents_text(line.charge_cents),
                "",
                "",
                "",
                "",
                clean(line.units, 15),
            )
        )
        code = f"{line.category}:{line.status_code}" + (f":{line.entity}" if line.entity else "")
        out.append(segment("STC", code, d8(day), "U"))
        if line.line_control_number:
            out.append(segment("REF", "FJ", clean(line.line_control_number, 50, upper=False)))
        out.append(_dtp(line.service_from, line.service_to))
    return out


def build_277ca(info: CAInfo, claims: Sequence[ClaimAnswer], envelope: Envelope) -> str:
    """The 277CA for one received batch: a summary for the receiver, one per billing provider,
    and each claim's status (with the payer's claim number for accepted claims)."""
    _check_answer(info, claims)
    day = envelope.created_at.date()
    source_trace = info.source_trace or str(envelope.control_number)
    body = [
        segment(
            "BHT",
            "0085",
            "08",
            clean(info.reference or source_trace, 50),
            d8(day),
            envelope.created_at.strftime("%H%M"),
            "TH",
        ),
        segment("HL", "1", "", "20", "1"),
        segment(
            "NM1",
            info.source_entity,
            "2",
            clean(info.source_name, 60),
            "",
            "",
            "",
            "",
            info.source_qualifier,
            clean(info.source_id, 80),
        ),
        segment("TRN", "1", clean(source_trace, 50)),
        segment("DTP", "050", "D8", d8(info.received_on or day)),
        segment("DTP", "009", "D8", d8(info.processed_on or day)),
    ]
    receiver_stc = segment(
        "STC", "A1:19:PR", d8(day), "WQ", cents_text(sum(c.charge_cents for c in claims))
    )
    provider_stc = ("A1:19:PR", "", "WQ")
    if info.batch_rejection is not None:
        # The guide still wants every provider and claim listed: each claim carries the
        # batch's rejection unless it has a rejection of its own.
        category, code = info.batch_rejection
        if outcome(category) != "rejected":
            raise ValidationError(f"Batch rejection category {category} is not a rejection.")
        claims = [
            c
            if not c.accepted
            else replace(
                c,
                accepted=False,
                category=category,
                status_code=code,
                entity="41",
                payer_claim_number="",
            )
            for c in claims
        ]
        provider_stc = (f"{category}:{code}:41", "", "U")
        receiver_stc = segment(
            "STC",
            f"{category}:{code}:41",
            d8(day),
            "U",
            cents_text(sum(c.charge_cents for c in claims)),
        )
    body += [
        segment("HL", "2", "1", "21", "1"),
        segment(
            "NM1",
            "41",
            "2",
            clean(info.receiver_name, 60),
            "",
            "",
            "",
            "",
            "46",
            clean(info.receiver_id, 80),
        ),
        segment("TRN", "2", clean(info.batch_trace, 50, upper=False)),
        receiver_stc,
        *_totals(claims),
    ]
    groups: dict[CAProvider, list[ClaimAnswer]] = {}
    for c in claims:
        groups.setdefault(c.provider or info.provider, []).append(c)
    hl = 2
    for provider, mine in groups.items():
        hl += 1
        parent = hl
        body += [
            segment("HL", hl, "2", "19", "1"),
            segment(
                "NM1",
                "85",
                "2",
                clean(provider.name, 60),
                "",
                "",
                "",
                "",
                "XX",
                clean(provider.npi, 80),
            ),
            segment("TRN", "1", "0"),
            segment("STC", *provider_stc, cents_text(sum(c.charge_cents for c in mine))),
            *[s.replace("QTY*90", "QTY*QA").replace("QTY*AA", "QTY*QC") for s in _totals(mine)],
        ]
        for c in mine:
            hl += 1
            body.append(segment("HL", hl, parent, "PT"))
            body += _claim_segments(c, day)
    return wrap(envelope, "HN", "277", VERSION, body)
