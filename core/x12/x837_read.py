"""Reading the claims out of an 837P: what a payer (our sandbox) needs to acknowledge them.

Not a full 837 model: per claim the patient control number, the charge, the dates of service,
who the subscriber and patient are, the payer and the billing provider, and which transaction
set (ST02) it came in. Reading is lenient (``core.x12.reader``); a file with no CLM at all is
refused by the caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from core.x12.reader import X12Document, X12ReadError, read_x12


@dataclass(frozen=True, slots=True)
class ClaimSummary:
    patient_control_number: str
    total_charge_cents: int
    frequency_code: str
    st02: str
    billing_npi: str
    payer_id: str
    payer_name: str
    member_id: str
    subscriber_last: str
    subscriber_first: str
    subscriber_dob: dt.date | None
    patient_last: str
    patient_first: str
    patient_dob: dt.date | None
    service_from: dt.date | None
    service_to: dt.date | None
    payer_claim_number: str | None = None
    line_count: int = 0


@dataclass(frozen=True, slots=True)
class Read837:
    interchange_control: str
    group_control: str
    sender_id: str
    receiver_id: str
    version: str
    transaction_controls: tuple[str, ...]
    claims: tuple[ClaimSummary, ...]
    document: X12Document = field(repr=False)


def _cents(text: str) -> int:
    try:
        return int((Decimal(text.strip() or "0") * 100).to_integral_value())
    except InvalidOperation:
        return 0


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text.strip()[:8], "%Y%m%d").date()
    except ValueError:
        return None


def _close(claims: list[ClaimSummary], current: dict | None) -> None:
    if current is not None:
        claims.append(ClaimSummary(**current))


def read_837(data: str | bytes) -> Read837:
    doc = read_x12(data)
    sets = doc.of_type("837")
    if not sets:
        kinds = sorted({t.set_id for t in doc.transactions}) or ["nothing"]
        raise X12ReadError(f"this file holds {', '.join(kinds)}, not an 837 claim file")
    first = sets[0]
    claims: list[ClaimSummary] = []
    for tx in sets:
        billing_npi = payer_id = payer_name = member_id = ""
        sub_last = sub_first = pat_last = pat_first = ""
        sub_dob = pat_dob = None
        current: dict | None = None
        level = ""

        for seg in tx.body:
            sid = seg.id
            if sid == "HL":
                level = seg.el(3)
                if level in ("20", "22"):
                    _close(claims, current)
                    current = None
                if level == "22":
                    pat_last = pat_first = ""
                    pat_dob = None
                elif level == "23":
                    _close(claims, current)
                    current = None
            elif sid == "NM1":
                entity = seg.el(1)
                if entity == "85":
                    billing_npi = seg.el(9)
                elif entity == "IL" and current is None:
                    member_id, sub_last, sub_first = seg.el(9), seg.el(3), seg.el(4)
                    pat_last, pat_first = sub_last, sub_first
                elif entity == "PR" and current is None:
                    payer_id, payer_name = seg.el(9), seg.el(3)
                elif entity == "QC":
                    pat_last, pat_first = seg.el(3), seg.el(4)
            elif sid == "DMG" and current is None:
                born = _date(seg.el(2))
                if level == "23":
                    pat_dob = born
                else:
                    sub_dob = pat_dob = born
            elif sid == "CLM":
                _close(claims, current)
                current = dict(
                    patient_control_number=seg.el(1),
                    total_charge_cents=_cents(seg.el(2)),
                    frequency_code=seg.comp(5, 3) or "1",
                    st02=tx.control_number,
                    billing_npi=billing_npi,
                    payer_id=payer_id,
                    payer_name=payer_name,
                    member_id=member_id,
                    subscriber_last=sub_last,
                    subscriber_first=sub_first,
                    subscriber_dob=sub_dob,
                    patient_last=pat_last,
                    patient_first=pat_first,
                    patient_dob=pat_dob,
                    service_from=None,
                    service_to=None,
                    payer_claim_number=None,
                    line_count=0,
                )
            elif current is not None:
                if sid == "LX":
                    current["line_count"] += 1
                elif sid == "REF" and seg.el(1) == "F8":
                    current["payer_claim_number"] = seg.el(2)
                elif sid == "DTP" and seg.el(1) in ("472", "434"):
                    text = seg.el(3)
                    start, _, end = text.partition("-")
                    a, b = _date(start), _date(end or start)
                    if a and (current["service_from"] is None or a < current["service_from"]):
                        current["service_from"] = a
                    if b and (current["service_to"] is None or b > current["service_to"]):
                        current["service_to"] = b
        _close(claims, current)
    isa, gs = first.isa, first.gs
    return Read837(
        interchange_control=isa.el(13) if isa else "",
        group_control=gs.el(6) if gs else "",
        sender_id=(isa.el(6) if isa else "").strip(),
        receiver_id=(isa.el(8) if isa else "").strip(),
        version=first.version,
        transaction_controls=tuple(t.control_number for t in sets),
        claims=tuple(claims),
        document=doc,
    )
