"""The 277 claim status response (005010X212): read one leniently, and write one (the sandbox
answers a 276 with it).

Loops of a 277 (X212)::

    BHT*0010*08 ... *DG
    2000A HL*20 payer  2100A NM1*PR [PER]
      2000B HL*21 information receiver  2100B NM1*41  [2200B TRN*2 STC]
        2000C HL*19 service provider  2100C NM1*1P  [2200C TRN*1 STC]
          2000D HL*22 subscriber  2100D NM1*IL
            2200D TRN*2*<the 276's trace> STC... REF*1K REF*BLT REF*EJ*<patient control number>
                  DTP*472   [2220D SVC STC REF*FJ DTP*472]
            2000E HL*23 dependent  2100E NM1*QC  2200E (as 2200D)

STC: category (P pending, F finalized, R more information requested, E error, A acknowledged,
D0 not found), status code, entity; STC04 the charge, STC05 the amount paid, STC06 the date it
was finalized, STC08 the check or EFT date, STC09 the check or EFT trace number. A status sent at
the receiver (2200B) or provider (2200C) level speaks for the whole request (often an error).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import ValidationError
from core.x12.envelope import Envelope, cents_text, clean, d8, segment, wrap
from core.x12.x276 import PARENTS, StatusRequest, dtp_472, hierarchy
from core.x12.x277ca import (
    LineStatus,
    Party,
    Status,
    is_claim_ack,
    levels_of,
    lines_of,
    parse_period,
    party_of,
    statuses_of,
)
from core.x12.x999 import X12FileError, envelope_facts, open_answer

VERSION = "005010X212"

# What a category means for the claim's place in our workflow.
_STATES = {
    "A": "acknowledged",
    "P": "pending",
    "R": "information requested",
    "E": "error",
    "D": "not found",
}


@dataclass(frozen=True, slots=True)
class LevelStatus:
    """A status given at the receiver (2200B) or provider (2200C) level."""

    level: str  # "receiver" or "provider"
    party: Party | None
    trace: str
    statuses: tuple[Status, ...]


@dataclass(frozen=True, slots=True)
class ClaimStatusReport:
    """What the payer says about one claim (2200D or 2200E)."""

    patient_control_number: str  # REF*EJ, else the trace number
    trace_number: str  # TRN02: echoes the 276's TRN02
    statuses: tuple[Status, ...]
    subscriber: Party | None
    patient: Party | None  # the dependent (2100E); None when the subscriber is the patient
    provider: Party | None
    payer: Party | None
    payer_claim_number: str = ""  # REF*1K
    bill_type: str = ""  # REF*BLT
    service_from: dt.date | None = None
    service_to: dt.date | None = None
    lines: tuple[LineStatus, ...] = ()

    @property
    def main(self) -> Status | None:
        return self.statuses[0] if self.statuses else None

    @property
    def category(self) -> str:
        return self.main.category if self.main else ""

    @property
    def state(self) -> str:
        """Where the claim stands: "paid", "denied", "finalized", "pending", "information
        requested", "error", "acknowledged", "rejected", "not found" or "unknown"."""
        cat = self.category
        if cat == "A4":
            return "not found"
        if cat in ("A3", "A6", "A7", "A8"):
            return "rejected"
        if cat == "F1":
            return "paid"
        if cat == "F2":
            return "denied"
        if cat.startswith("F"):
            return "finalized"
        return _STATES.get(cat[:1], "unknown")

    def _first(self, attr: str):
        return next((getattr(s, attr) for s in self.statuses if getattr(s, attr)), None)

    @property
    def charge_cents(self) -> int | None:
        return next((s.amount_cents for s in self.statuses if s.amount_cents is not None), None)

    @property
    def paid_cents(self) -> int | None:
        return next((s.paid_cents for s in self.statuses if s.paid_cents is not None), None)

    @property
    def adjudicated_on(self) -> dt.date | None:
        return self._first("adjudicated_on")

    @property
    def paid_on(self) -> dt.date | None:
        return self._first("paid_on")

    @property
    def check_number(self) -> str:
        return self._first("check_number") or ""

    @property
    def explanations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.explanation for s in self.statuses))

    @property
    def fixes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.fix for s in self.statuses))


@dataclass(frozen=True, slots=True)
class StatusResponse:
    interchange_control_number: str
    sender_id: str
    receiver_id: str
    created: dt.datetime | None
    reference: str  # BHT03: echoes the 276's
    level_statuses: tuple[LevelStatus, ...]
    claims: tuple[ClaimStatusReport, ...]
    warnings: tuple[str, ...] = ()

    def claim(self, patient_control_number: str) -> ClaimStatusReport | None:
        """The answer about our CLM01 (matched on REF*EJ or the trace number)."""
        want = patient_control_number.strip().upper()
        for c in self.claims:
            if want in (c.patient_control_number.strip().upper(), c.trace_number.strip().upper()):
                return c
        return None


# ---------------------------------------------------------------------------------------------
# Reading
def _level_status(level, name: str, warnings: list[str]) -> LevelStatus | None:
    traces = level.traces()
    if not traces:
        return None
    segs = traces[0]
    return LevelStatus(
        level=name,
        party=party_of(level.header()),
        trace=segs[0].el(2),
        statuses=tuple(st for s in segs if s.id == "STC" for st in statuses_of(s, warnings)),
    )


def parse_277(data: str | bytes) -> StatusResponse:
    """Read a 277 claim status response (every X212 transaction in the file).

    Raises :class:`~core.x12.x999.X12FileError` when the file is not a readable 277 status answer.
    """
    what = "a 277 claim status response"
    doc, found = open_answer(data, "277", what)
    kinds = [is_claim_ack(t) for t in found]
    if all(k is True for k in kinds):
        raise X12FileError(
            f"This is a 277CA claim acknowledgment (005010X214), not {what}: read it as a claim "
            "acknowledgment."
        )
    warnings = list(doc.warnings)
    txns = [t for t, k in zip(found, kinds, strict=True) if k is not True]
    if len(txns) < len(found):
        warnings.append(
            f"{len(found) - len(txns)} claim acknowledgment (X214) transaction(s) were skipped."
        )
    level_statuses: list[LevelStatus] = []
    claims: list[ClaimStatusReport] = []
    reference = ""
    created: dt.datetime | None = None
    for txn in txns:
        bht = next((s for s in txn.body if s.id == "BHT"), None)
        if bht is None:
            warnings.append(f"277 transaction {txn.control_number} has no BHT segment.")
        elif not reference:
            reference = bht.el(3)
            try:
                created = dt.datetime.strptime(bht.el(4).strip(), "%Y%m%d")
            except ValueError:
                created = None
        for level in levels_of(txn, PARENTS, warnings):
            code = level.code
            if code in ("21", "19"):
                found_status = _level_status(
                    level, "receiver" if code == "21" else "provider", warnings
                )
                if found_status is not None:
                    level_statuses.append(found_status)
            elif code in ("22", "23"):
                claims += _claims(level, warnings)
            elif code != "20":
                warnings.append(
                    f"HL {level.hl.el(1)} has level code {code!r}, which a 277 "
                    "status answer does not use; skipped."
                )
    control, sender, receiver, env_created, _usage = envelope_facts(txns[0])
    return StatusResponse(
        control,
        sender,
        receiver,
        created or env_created,
        reference,
        tuple(level_statuses),
        tuple(claims),
        tuple(dict.fromkeys(warnings)),
    )


def _claims(level, warnings: list[str]) -> list[ClaimStatusReport]:
    me = party_of(level.header())
    if level.code == "22":
        subscriber, patient = me, None
    else:
        up = level.ancestor("22")
        subscriber, patient = (party_of(up.header()) if up else None), me
    provider_level, payer_level = level.ancestor("19"), level.ancestor("20")
    out = []
    for segs in level.traces():
        own, lines = lines_of(segs, warnings)
        statuses = tuple(st for s in own if s.id == "STC" for st in statuses_of(s, warnings))
        trace = segs[0].el(2).strip()
        if not statuses:
            warnings.append(f"Claim {trace or '?'} has no STC status.")
        refs: dict[str, str] = {}
        for s in own:
            if s.id == "REF":
                refs.setdefault(s.el(1).strip().upper(), s.el(2))
        dtp = next((s for s in own if s.id == "DTP" and s.el(1) == "472"), None)
        first, last = parse_period(dtp, warnings) if dtp is not None else (None, None)
        if dtp is None and lines:
            days = [d for ln in lines for d in (ln.service_from, ln.service_to) if d]
            first, last = (min(days), max(days)) if days else (None, None)
        out.append(
            ClaimStatusReport(
                patient_control_number=refs.get("EJ") or trace,
                trace_number=trace,
                statuses=statuses,
                subscriber=subscriber,
                patient=patient,
                provider=party_of(provider_level.header()) if provider_level else None,
                payer=party_of(payer_level.header()) if payer_level else None,
                payer_claim_number=refs.get("1K", ""),
                bill_type=refs.get("BLT", ""),
                service_from=first,
                service_to=last,
                lines=tuple(lines),
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# Writing (the sandbox answers a 276)
@dataclass(frozen=True, slots=True)
class StatusAnswer:
    """The payer's answer about one requested claim."""

    request: StatusRequest
    category: str  # P1, F1, F2, R4, E0, A4, D0...
    status_code: str  # 20, 65, 88, 35...
    status_date: dt.date
    entity: str = ""
    paid_cents: int | None = None  # STC05
    adjudicated_on: dt.date | None = None  # STC06
    paid_on: dt.date | None = None  # STC08: check or EFT date
    check_number: str = ""  # STC09
    payer_claim_number: str = ""  # REF*1K (default: the request's)


def _stc(a: StatusAnswer) -> str:
    code = f"{a.category}:{a.status_code}" + (f":{a.entity}" if a.entity else "")
    charge = a.request.charge_cents
    return segment(
        "STC",
        code,
        d8(a.status_date),
        "",
        "" if charge is None else cents_text(charge),
        "" if a.paid_cents is None else cents_text(a.paid_cents),
        "" if a.adjudicated_on is None else d8(a.adjudicated_on),
        "",
        "" if a.paid_on is None else d8(a.paid_on),
        clean(a.check_number, 16),
    )


def _claim_277(a: StatusAnswer) -> list[str]:
    r = a.request
    out = [segment("TRN", "2", clean(r.trace, 50, upper=False)), _stc(a)]
    payer_claim = a.payer_claim_number or r.payer_claim_number
    if payer_claim:
        out.append(segment("REF", "1K", clean(payer_claim, 50, upper=False)))
    if r.bill_type:
        out.append(segment("REF", "BLT", clean(r.bill_type, 3)))
    out.append(segment("REF", "EJ", clean(r.patient_control_number, 50, upper=False)))
    if r.service_from is not None:
        out.append(dtp_472(r.service_from, r.service_to))
    return out


def build_277(answers: Sequence[StatusAnswer], envelope: Envelope, reference: str = "") -> str:
    """The 277 answering a 276: one 2200D/2200E per requested claim."""
    if not answers:
        raise ValidationError("A 277 needs at least one claim answer.")
    for a in answers:
        if not a.category.strip() or not a.status_code.strip():
            raise ValidationError(
                f"Claim {a.request.patient_control_number}: a status needs "
                "a category and a status code."
            )
        if a.request.subscriber.member_id.strip() == "":
            raise ValidationError(
                f"Claim {a.request.patient_control_number}: the subscriber's member ID is needed."
            )
        if a.paid_cents is not None and a.request.charge_cents is None:
            raise ValidationError(
                f"Claim {a.request.patient_control_number}: a paid amount "
                "needs the claim's charge too."
            )
    body = [
        segment(
            "BHT",
            "0010",
            "08",
            clean(reference or envelope.st02, 50),
            d8(envelope.created_at.date()),
            envelope.created_at.strftime("%H%M"),
            "DG",
        ),
        *hierarchy(answers, lambda a: a.request, _claim_277, with_dmg=False),
    ]
    return wrap(envelope, "HN", "277", VERSION, body)
