"""The 270 eligibility inquiry (005010X279A1): build one, and read one back.

Layout written::

    ISA GS*HS ST*270 BHT*0022*13
      HL*1**20*1  NM1*PR (payer, PI payer ID)
      HL*2*1*21*1 NM1*1P (the practice, or the rendering provider; XX NPI)
      HL*3*2*22*n TRN*1 (when the subscriber is the patient) NM1*IL (MI member ID) DMG DTP*291 EQ
      [HL*4*3*23*0 TRN*1 NM1*03 DMG DTP*291 EQ]   (when the patient is a dependent)
    SE GE IEA

The trace number, the service date and the service types (EQ01) go in the patient's own loop
(2000C when the subscriber is the patient, else 2000D), as the guide asks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.x12.envelope import Envelope, clean, d8, segment, wrap
from core.x12.reader import Segment, X12ReadError, read_x12

VERSION = "005010X279A1"


@dataclass(frozen=True, slots=True)
class Person:
    last_name: str
    first_name: str = ""
    middle_name: str = ""
    date_of_birth: dt.date | None = None
    sex: str = ""  # M, F, U
    member_id: str = ""  # the subscriber's ID card number (NM109 with MI)


@dataclass(frozen=True, slots=True)
class Provider:
    """The information receiver: an organization (``first_name`` empty) or a person."""

    name: str  # organization name, or last name of a person
    npi: str
    first_name: str = ""

    @property
    def is_person(self) -> bool:
        return bool(self.first_name)


@dataclass(frozen=True, slots=True)
class Inquiry:
    envelope: Envelope
    payer_name: str
    payer_id: str
    provider: Provider
    subscriber: Person
    dependent: Person | None = None
    trace_number: str = ""
    trace_originator: str = ""  # TRN03: 10 characters, "9" + a 9-digit identifier
    service_date: dt.date | None = None
    service_types: tuple[str, ...] = ("30",)
    reference: str = ""  # BHT03

    @property
    def patient(self) -> Person:
        return self.dependent or self.subscriber


def _name_segment(entity: str, person: Person, *, with_id: bool) -> str:
    return segment(
        "NM1",
        entity,
        "1",
        clean(person.last_name, 60),
        clean(person.first_name, 35),
        clean(person.middle_name, 25),
        "",
        "",
        "MI" if with_id else "",
        clean(person.member_id, 80) if with_id else "",
    )


def _patient_loop(q: Inquiry, person: Person) -> list[str]:
    """The segments after NM1 that describe the patient and what is asked (DMG, DTP, EQ)."""
    out: list[str] = []
    if person.date_of_birth is not None:
        out.append(segment("DMG", "D8", d8(person.date_of_birth), clean(person.sex, 1)))
    if q.service_date is not None:
        out.append(segment("DTP", "291", "D8", d8(q.service_date)))
    for code in q.service_types:
        out.append(segment("EQ", clean(code, 2)))
    return out


def _trace(q: Inquiry) -> list[str]:
    if not q.trace_number:
        return []
    return [segment("TRN", "1", clean(q.trace_number, 50), clean(q.trace_originator, 10))]


def build_270(q: Inquiry) -> str:
    """The 270 file for one inquiry, envelope included (check it with ``validate_270``)."""
    body: list[str] = [
        segment(
            "BHT",
            "0022",
            "13",
            clean(q.reference, 50),
            d8(q.envelope.created_at.date()),
            q.envelope.created_at.strftime("%H%M"),
        ),  # fmt: skip
        segment("HL", "1", "", "20", "1"),
        segment(
            "NM1", "PR", "2", clean(q.payer_name, 60), "", "", "", "", "PI", clean(q.payer_id, 80)
        ),  # fmt: skip
        segment("HL", "2", "1", "21", "1"),
    ]
    p = q.provider
    if p.is_person:
        body.append(segment("NM1", "1P", "1", clean(p.name, 60), clean(p.first_name, 35), "", "",
                            "", "XX", clean(p.npi, 80)))  # fmt: skip
    else:
        body.append(segment("NM1", "1P", "2", clean(p.name, 60), "", "", "", "", "XX",
                            clean(p.npi, 80)))  # fmt: skip
    dependent = q.dependent
    body.append(segment("HL", "3", "2", "22", "1" if dependent else "0"))
    if dependent is None:
        body += _trace(q)
        body.append(_name_segment("IL", q.subscriber, with_id=True))
        body += _patient_loop(q, q.subscriber)
    else:
        body.append(_name_segment("IL", q.subscriber, with_id=True))
        if q.subscriber.date_of_birth is not None:
            body.append(segment("DMG", "D8", d8(q.subscriber.date_of_birth),
                                clean(q.subscriber.sex, 1)))  # fmt: skip
        body.append(segment("HL", "4", "3", "23", "0"))
        body += _trace(q)
        body.append(_name_segment("03", dependent, with_id=False))
        body += _patient_loop(q, dependent)
    return wrap(q.envelope, "HS", "270", VERSION, body)


# ---------------------------------------------------------------------------------------------
def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text.strip(), "%Y%m%d").date()
    except ValueError:
        return None


def _person(nm1: Segment, rest: list[Segment]) -> Person:
    dob, sex = None, ""
    for seg in rest:
        if seg.id == "DMG":
            dob, sex = _date(seg.el(2)) if seg.el(1) == "D8" else None, seg.el(3)
    return Person(
        last_name=nm1.el(3),
        first_name=nm1.el(4),
        middle_name=nm1.el(5),
        date_of_birth=dob,
        sex=sex,
        member_id=nm1.el(9),
    )


def parse_270(data: str | bytes) -> Inquiry:
    """Read a 270 (ours or anyone's) back into an :class:`Inquiry` (first transaction only).

    Raises :class:`X12ReadError` when the file holds no usable 270.
    """
    doc = read_x12(data)
    found = doc.of_type("270")
    if not found:
        kinds = ", ".join(sorted({t.set_id for t in doc.transactions}))
        raise X12ReadError(f"The file holds no 270 inquiry (it holds {kinds}).")
    txn = found[0]
    isa, gs = txn.isa, txn.gs
    created = dt.datetime(2000, 1, 1)
    bht = next((s for s in txn.body if s.id == "BHT"), None)
    if bht is not None and _date(bht.el(4)):
        created = dt.datetime.combine(_date(bht.el(4)) or created.date(), dt.time())
    control = isa.el(13) if isa else txn.control_number
    env = Envelope(
        sender_id=(isa.el(6) if isa else (gs.el(2) if gs else "")).strip(),
        receiver_id=(isa.el(8) if isa else (gs.el(3) if gs else "")).strip(),
        control_number=int(control) if control.strip().isdigit() and int(control) > 0 else 1,
        created_at=created,
        usage=isa.el(15) if isa else "T",
    )
    # Split the body by HL into (level code, segments after the HL).
    blocks: list[tuple[str, list[Segment]]] = []
    for seg in txn.body:
        if seg.id == "HL":
            blocks.append((seg.el(3), []))
        elif blocks:
            blocks[-1][1].append(seg)
    payer_name = payer_id = ""
    provider = Provider(name="", npi="")
    subscriber: Person | None = None
    dependent: Person | None = None
    trace = originator = ""
    service_date: dt.date | None = None
    types: list[str] = []
    for level, segs in blocks:
        nm1 = next((s for s in segs if s.id == "NM1"), None)
        if level == "20" and nm1 is not None:
            payer_name, payer_id = nm1.el(3), nm1.el(9)
        elif level == "21" and nm1 is not None:
            provider = Provider(name=nm1.el(3), npi=nm1.el(9), first_name=nm1.el(4))
        elif level in ("22", "23") and nm1 is not None:
            person = _person(nm1, segs)
            if level == "22":
                subscriber = person
            else:
                dependent = person
            for seg in segs:
                if seg.id == "TRN" and not trace:
                    trace, originator = seg.el(2), seg.el(3)
                elif seg.id == "DTP" and seg.el(1) in ("291", "307", "472"):
                    service_date = _date(seg.el(3)[:8]) or service_date
                elif seg.id == "EQ":
                    types.extend(seg.codes(1))
    if subscriber is None:
        raise X12ReadError("The 270 names no subscriber (no HL*22 loop with NM1*IL).")
    return Inquiry(
        envelope=env,
        payer_name=payer_name,
        payer_id=payer_id,
        provider=provider,
        subscriber=subscriber,
        dependent=dependent,
        trace_number=trace,
        trace_originator=originator,
        service_date=service_date,
        service_types=tuple(types) or ("30",),
        reference=bht.el(3) if bht is not None else "",
    )
