"""The 276 claim status request (005010X212): build one, read one, and check one.

Loops of a 276::

    BHT*0010*13
    2000A HL*20 payer  2100A NM1*PR (PI payer ID)
      2000B HL*21 information receiver  2100B NM1*41 (46 ETIN)
        2000C HL*19 service provider  2100C NM1*1P (XX NPI)
          2000D HL*22 subscriber  DMG  2100D NM1*IL (MI member ID)
            2200D TRN*1*<trace> REF*1K REF*BLT REF*EJ*<patient control number> AMT*T3 DTP*472
              [2210D SVC ... DTP*472]
            2000E HL*23 dependent  DMG  2100E NM1*QC
              2200E TRN*1 ... (as 2200D)

The claim is asked about in the patient's own loop: 2200D when the subscriber is the patient,
2200E when the patient is a dependent. Our trace number is the patient control number unless
another is given; the payer's 277 echoes it in its TRN*2.

pyx12 4.0.0 and the shared maps have no 5010 276 map, so :func:`check_276` is ClaimDesk's own
structural check of what we send.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from core.codes import npi_problem
from core.errors import ValidationError
from core.x12.envelope import Envelope, cents_text, clean, d8, segment, wrap
from core.x12.reader import Segment, X12ReadError, read_x12
from core.x12.x270 import Person
from core.x12.x277ca import Level, levels_of, lines_of, parse_cents, parse_date, parse_period
from core.x12.x999 import envelope_facts, open_answer

VERSION = "005010X212"
PARENTS = {"21": "20", "19": "21", "22": "19", "23": "22"}


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """One claim whose status is asked (or, in a 277, answered)."""

    payer_name: str
    payer_id: str
    receiver_name: str  # who asks: the practice or its submitter
    receiver_id: str  # its ETIN (NM108 46)
    provider_name: str
    provider_npi: str
    subscriber: Person  # member_id is the card's ID
    patient_control_number: str  # our CLM01
    service_from: dt.date | None
    charge_cents: int | None = None
    service_to: dt.date | None = None
    dependent: Person | None = None  # the patient, when not the subscriber
    payer_claim_number: str = ""  # REF*1K, when the payer gave one (277CA)
    trace_number: str = ""  # TRN02; default: the patient control number
    bill_type: str = ""  # REF*BLT (institutional claims)

    @property
    def trace(self) -> str:
        return self.trace_number or self.patient_control_number

    @property
    def patient(self) -> Person:
        return self.dependent or self.subscriber


@dataclass(frozen=True, slots=True)
class StatusInquiry:
    """A 276 read back."""

    interchange_control_number: str
    sender_id: str
    receiver_id: str
    created: dt.datetime | None
    reference: str  # BHT03
    requests: tuple[StatusRequest, ...]
    warnings: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# Writing: the payer / receiver / provider / subscriber / dependent hierarchy (the 277 shares it)
def _check(requests: Sequence[StatusRequest]) -> None:
    if not requests:
        raise ValidationError("A claim status request needs at least one claim.")
    for r in requests:
        name = r.patient_control_number or "?"
        if not r.patient_control_number.strip():
            raise ValidationError(
                "Each claim status request needs the claim's patient control number."
            )
        if not r.subscriber.member_id.strip() or not r.subscriber.last_name.strip():
            raise ValidationError(
                f"Claim {name}: the subscriber's last name and member ID are needed."
            )
        if r.dependent is not None and not r.dependent.last_name.strip():
            raise ValidationError(f"Claim {name}: the dependent's last name is needed.")
        if not r.payer_id.strip() or not r.receiver_id.strip():
            raise ValidationError(f"Claim {name}: the payer ID and the receiver's ID are needed.")
        problem = npi_problem(r.provider_npi)
        if problem:
            raise ValidationError(f"Claim {name}: {problem}.")
        if r.charge_cents is not None and r.charge_cents < 0:
            raise ValidationError(f"Claim {name}: the charge cannot be negative.")
        if r.service_from is None:
            raise ValidationError(f"Claim {name}: the date of service is needed.")
        if r.service_to is not None and r.service_to < r.service_from:
            raise ValidationError(f"Claim {name}: the service 'to' date is before 'from'.")


def _grouped(items: Iterable, key: Callable) -> dict:
    out: dict = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


def dtp_472(first: dt.date, last: dt.date | None) -> str:
    if last is not None and last != first:
        return segment("DTP", "472", "RD8", f"{d8(first)}-{d8(last)}")
    return segment("DTP", "472", "D8", d8(first))


def _person_name(entity: str, p: Person, *, with_id: bool) -> str:
    return segment(
        "NM1",
        entity,
        "1",
        clean(p.last_name, 60),
        clean(p.first_name, 35),
        clean(p.middle_name, 25),
        "",
        "",
        "MI" if with_id else "",
        clean(p.member_id, 80) if with_id else "",
    )


def hierarchy(
    items: Sequence, request_of: Callable, claim: Callable[..., list[str]], *, with_dmg: bool
) -> list[str]:
    """The HL levels for ``items`` (each names a :class:`StatusRequest` through ``request_of``),
    grouped by payer, receiver, provider, subscriber and dependent, in the order first met.
    ``claim(item)`` writes the 2200 loop of one item."""
    body: list[str] = []
    hl = 0
    payers = _grouped(items, lambda i: (request_of(i).payer_name, request_of(i).payer_id))
    for (payer_name, payer_id), by_payer in payers.items():
        hl += 1
        payer_hl = hl
        body += [
            segment("HL", hl, "", "20", "1"),
            segment(
                "NM1", "PR", "2", clean(payer_name, 60), "", "", "", "", "PI", clean(payer_id, 80)
            ),
        ]
        receivers = _grouped(
            by_payer, lambda i: (request_of(i).receiver_name, request_of(i).receiver_id)
        )
        for (receiver_name, receiver_id), by_receiver in receivers.items():
            hl += 1
            receiver_hl = hl
            body += [
                segment("HL", hl, payer_hl, "21", "1"),
                segment(
                    "NM1",
                    "41",
                    "2",
                    clean(receiver_name, 60),
                    "",
                    "",
                    "",
                    "",
                    "46",
                    clean(receiver_id, 80),
                ),
            ]
            providers = _grouped(
                by_receiver, lambda i: (request_of(i).provider_name, request_of(i).provider_npi)
            )
            for (provider_name, npi), by_provider in providers.items():
                hl += 1
                provider_hl = hl
                body += [
                    segment("HL", hl, receiver_hl, "19", "1"),
                    segment(
                        "NM1",
                        "1P",
                        "2",
                        clean(provider_name, 60),
                        "",
                        "",
                        "",
                        "",
                        "XX",
                        clean(npi, 80),
                    ),
                ]
                subscribers = _grouped(by_provider, lambda i: request_of(i).subscriber)
                for subscriber, by_subscriber in subscribers.items():
                    own = [i for i in by_subscriber if request_of(i).dependent is None]
                    deps = _grouped(
                        [i for i in by_subscriber if request_of(i).dependent],
                        lambda i: request_of(i).dependent,
                    )
                    hl += 1
                    subscriber_hl = hl
                    body.append(segment("HL", hl, provider_hl, "22", "1" if deps else "0"))
                    if with_dmg and own and subscriber.date_of_birth is not None:
                        body.append(
                            segment(
                                "DMG", "D8", d8(subscriber.date_of_birth), clean(subscriber.sex, 1)
                            )
                        )
                    body.append(_person_name("IL", subscriber, with_id=True))
                    for item in own:
                        body += claim(item)
                    for dependent, by_dependent in deps.items():
                        hl += 1
                        body.append(segment("HL", hl, subscriber_hl, "23"))
                        if with_dmg and dependent.date_of_birth is not None:
                            body.append(
                                segment(
                                    "DMG",
                                    "D8",
                                    d8(dependent.date_of_birth),
                                    clean(dependent.sex, 1),
                                )
                            )
                        body.append(_person_name("QC", dependent, with_id=False))
                        for item in by_dependent:
                            body += claim(item)
    return body


def _claim_276(r: StatusRequest) -> list[str]:
    out = [segment("TRN", "1", clean(r.trace, 50, upper=False))]
    if r.payer_claim_number:
        out.append(segment("REF", "1K", clean(r.payer_claim_number, 50, upper=False)))
    if r.bill_type:
        out.append(segment("REF", "BLT", clean(r.bill_type, 3)))
    out.append(segment("REF", "EJ", clean(r.patient_control_number, 50, upper=False)))
    if r.charge_cents is not None:
        out.append(segment("AMT", "T3", cents_text(r.charge_cents)))
    if r.service_from is not None:
        out.append(dtp_472(r.service_from, r.service_to))
    return out


def build_276(requests: Sequence[StatusRequest], envelope: Envelope, reference: str = "") -> str:
    """The 276 asking the status of ``requests`` (check it with :func:`check_276`)."""
    _check(requests)
    body = [
        segment(
            "BHT",
            "0010",
            "13",
            clean(reference or envelope.st02, 50),
            d8(envelope.created_at.date()),
            envelope.created_at.strftime("%H%M"),
        ),
        *hierarchy(requests, lambda r: r, _claim_276, with_dmg=True),
    ]
    return wrap(envelope, "HR", "276", VERSION, body)


# ---------------------------------------------------------------------------------------------
# Reading
def _person(level: Level, warnings: list[str]) -> Person | None:
    header = level.header()
    nm1 = next((s for s in header if s.id == "NM1"), None)
    if nm1 is None:
        warnings.append(f"HL {level.hl.el(1)} (level {level.code}) has no NM1 name.")
        return None
    dmg = next((s for s in header if s.id == "DMG"), None)
    dob = parse_date(dmg.el(2), warnings, "DMG") if dmg is not None else None
    return Person(
        last_name=nm1.el(3),
        first_name=nm1.el(4),
        middle_name=nm1.el(5),
        date_of_birth=dob,
        sex=dmg.el(3) if dmg is not None else "",
        member_id=nm1.el(9),
    )


def _name_of(level: Level | None) -> tuple[str, str]:
    if level is None:
        return "", ""
    nm1 = next((s for s in level.header() if s.id == "NM1"), None)
    return (nm1.el(3), nm1.el(9)) if nm1 is not None else ("", "")


def parse_276(data: str | bytes) -> StatusInquiry:
    """Read a 276 (ours or anyone's) into its claim requests.

    Raises :class:`~core.x12.x999.X12FileError` when the file is not a readable 276.
    """
    doc, found = open_answer(data, "276", "a 276 claim status request")
    warnings = list(doc.warnings)
    requests: list[StatusRequest] = []
    reference = ""
    created: dt.datetime | None = None
    for txn in found:
        bht = next((s for s in txn.body if s.id == "BHT"), None)
        if bht is not None and not reference:
            reference = bht.el(3)
            day = parse_date(bht.el(4), warnings, "BHT04")
            created = dt.datetime.combine(day, dt.time()) if day else None
        for level in levels_of(txn, PARENTS, warnings):
            if level.code not in ("22", "23"):
                continue
            person = _person(level, warnings)
            if person is None:
                continue
            if level.code == "22":
                subscriber, dependent = person, None
            else:
                up = level.ancestor("22")
                subscriber = _person(up, warnings) if up is not None else None
                dependent = person
                if subscriber is None:
                    warnings.append(f"Dependent HL {level.hl.el(1)} has no subscriber above it.")
                    subscriber = Person(last_name="")
            payer = _name_of(level.ancestor("20"))
            receiver = _name_of(level.ancestor("21"))
            provider = _name_of(level.ancestor("19"))
            for segs in level.traces():
                own, _lines = lines_of(segs, warnings)
                refs = {s.el(1): s.el(2) for s in own if s.id == "REF"}
                amt = next((s for s in own if s.id == "AMT" and s.el(1) == "T3"), None)
                dtp = next((s for s in own if s.id == "DTP" and s.el(1) == "472"), None)
                if dtp is None and _lines:
                    line_dtp = [s for s in segs if s.id == "DTP" and s.el(1) == "472"]
                    dtp = line_dtp[0] if line_dtp else None
                first, last = parse_period(dtp, warnings) if dtp is not None else (None, None)
                trace = segs[0].el(2)
                requests.append(
                    StatusRequest(
                        payer_name=payer[0],
                        payer_id=payer[1],
                        receiver_name=receiver[0],
                        receiver_id=receiver[1],
                        provider_name=provider[0],
                        provider_npi=provider[1],
                        subscriber=subscriber,
                        dependent=dependent,
                        patient_control_number=refs.get("EJ") or trace,
                        trace_number=trace,
                        payer_claim_number=refs.get("1K", ""),
                        bill_type=refs.get("BLT", ""),
                        charge_cents=parse_cents(amt.el(2), warnings, "AMT*T3") if amt else None,
                        service_from=first,
                        service_to=last,
                    )
                )
    if not requests:
        warnings.append("The 276 asks about no claim (no TRN in a subscriber or dependent loop).")
    control, sender, receiver_id, env_created, _usage = envelope_facts(found[0])
    return StatusInquiry(
        control,
        sender,
        receiver_id,
        created or env_created,
        reference,
        tuple(requests),
        tuple(dict.fromkeys(warnings)),
    )


# ---------------------------------------------------------------------------------------------
# ClaimDesk's own structural check of a 276 (no pyx12 map exists for it)
_ENTITY = {"20": "PR", "21": "41", "19": "1P", "22": "IL", "23": "QC"}
_ORDER_2200 = ("TRN", "REF", "AMT", "DTP")


def check_276(data: str | bytes) -> list[str]:
    """Problems found in a 276, one sentence each; an empty list means it may be sent."""
    try:
        doc = read_x12(data)
    except X12ReadError as exc:
        return [str(exc)]
    problems = list(doc.warnings)
    txns = doc.of_type("276")
    if not txns:
        return problems + ["The file holds no 276 transaction."]
    if doc.has_envelope and doc.segments[-1].id != "IEA":
        problems.append("The file does not end with an IEA segment.")
    for txn in txns:
        problems += _check_txn(txn)
    return problems


def _check_txn(txn) -> list[str]:
    out: list[str] = []
    if txn.segments[-1].id != "SE":
        out.append(f"Transaction {txn.control_number} has no SE segment.")
    if txn.st.el(3) != VERSION:
        out.append(f"ST03 is {txn.st.el(3)!r}, it must be {VERSION}.")
    if txn.gs is not None and (txn.gs.el(1) != "HR" or txn.gs.el(8) != VERSION):
        out.append(f"GS01/GS08 must be HR and {VERSION}.")
    body = txn.body
    if not body or body[0].id != "BHT" or body[0].el(1) != "0010" or body[0].el(2) != "13":
        out.append("The first segment after ST must be BHT*0010*13.")
    elif parse_date(body[0].el(4), out, "BHT04") is None and not body[0].el(4):
        out.append("BHT04 (creation date) is missing.")
    warnings: list[str] = []
    levels = levels_of(txn, {}, warnings)
    out += warnings
    numbers = [lv.hl.el(1) for lv in levels]
    if numbers != [str(n) for n in range(1, len(levels) + 1)]:
        out.append("HL01 must number the levels 1, 2, 3... in order.")
    if not levels:
        out.append("The 276 has no HL levels.")
    for level in levels:
        out += _check_level(level)
    return out


def _check_level(level: Level) -> list[str]:
    out: list[str] = []
    hl, code = level.hl, level.code
    where = f"HL {hl.el(1)}"
    if code not in _ENTITY:
        return [f"{where}: level code {code!r} is not used in a 276."]
    want_parent = PARENTS.get(code)
    parent_code = level.parent.code if level.parent is not None else None
    if parent_code != want_parent:
        out.append(
            f"{where} (level {code}) must sit under level {want_parent or 'none'}, not "
            f"{parent_code or 'none'}."
        )
    if code != "23":
        child = "1" if level.children else "0"
        if hl.el(4) != child:
            out.append(
                f"{where}: HL04 must be {child} (it has {len(level.children)} child levels)."
            )
    elif hl.el(4):
        out.append(f"{where}: HL04 is not used at the dependent level.")
    header = level.header()
    names = [s for s in header if s.id == "NM1"]
    if len(names) != 1 or names[0].el(1) != _ENTITY[code]:
        out.append(f"{where}: needs exactly one NM1*{_ENTITY[code]}.")
    else:
        out += _check_name(where, code, names[0])
    for seg in header:
        if seg.id not in ("NM1", "DMG"):
            out.append(f"{where}: segment {seg.id} (segment {seg.position}) is not expected here.")
        elif seg.id == "DMG" and code not in ("22", "23"):
            out.append(f"{where}: DMG belongs to the subscriber or dependent level only.")
    traces = level.traces()
    if traces and code not in ("22", "23"):
        out.append(
            f"{where}: a claim (TRN) can only be asked at the subscriber or dependent level."
        )
    if code == "23" and not traces:
        out.append(f"{where}: the dependent level asks about no claim (no TRN).")
    if code == "22" and not traces and not level.children:
        out.append(f"{where}: the subscriber level asks about no claim (no TRN).")
    for segs in traces:
        out += _check_claim(where, segs)
    return out


def _check_name(where: str, code: str, nm1: Segment) -> list[str]:
    out = []
    if not nm1.el(3).strip():
        out.append(f"{where}: NM103 (name) is required.")
    want_qualifier = {
        "20": ("PI", "XV"),
        "21": ("46",),
        "19": ("XX", "FI", "SV"),
        "22": ("MI", "II", "24"),
    }.get(code)
    if want_qualifier is not None:
        if nm1.el(8) not in want_qualifier or not nm1.el(9).strip():
            out.append(f"{where}: NM108/NM109 must be {'/'.join(want_qualifier)} and an ID.")
        elif code == "19" and nm1.el(8) == "XX":
            problem = npi_problem(nm1.el(9))
            if problem:
                out.append(f"{where}: {problem}.")
    elif nm1.el(8) or nm1.el(9):
        out.append(f"{where}: the dependent's NM1 carries no ID (NM108/NM109 are not used).")
    return out


def _check_claim(where: str, segs: list[Segment]) -> list[str]:
    out = []
    trn = segs[0]
    if trn.el(1) != "1" or not trn.el(2).strip():
        out.append(
            f"{where}: the claim's TRN must be TRN*1*<trace number> (segment {trn.position})."
        )
    own = [s for s in segs[1:] if s.id != "SVC"]
    rank = -1
    for seg in segs[1:]:
        if seg.id == "SVC":
            break
        if seg.id not in _ORDER_2200:
            out.append(
                f"{where}: segment {seg.id} (segment {seg.position}) is not expected in "
                "a claim loop."
            )
            continue
        pos = _ORDER_2200.index(seg.id)
        if pos < rank:
            out.append(f"{where}: {seg.id} (segment {seg.position}) is out of order.")
        rank = max(rank, pos)
    refs = [s.el(1) for s in own if s.id == "REF"]
    for qualifier in set(refs):
        if refs.count(qualifier) > 1:
            out.append(f"{where}: REF*{qualifier} appears {refs.count(qualifier)} times.")
    for seg in own:
        if seg.id == "REF" and (
            seg.el(1) not in ("1K", "BLT", "6P", "EJ", "XZ", "D9") or not seg.el(2).strip()
        ):
            out.append(
                f"{where}: REF*{seg.el(1)} (segment {seg.position}) is not a 276 claim "
                "reference or has no value."
            )
        elif seg.id == "AMT":
            cents: list[str] = []
            if seg.el(1) != "T3" or parse_cents(seg.el(2), cents, "AMT") is None:
                out.append(f"{where}: AMT must be AMT*T3*<total charge> (segment {seg.position}).")
        elif seg.id == "DTP":
            dates: list[str] = []
            first, last = parse_period(seg, dates)
            if seg.el(1) != "472" or seg.el(2) not in ("D8", "RD8") or dates or first is None:
                out.append(f"{where}: DTP must be DTP*472*D8|RD8*<dates> (segment {seg.position}).")
            elif last is not None and last < first:
                out.append(f"{where}: the service dates run backwards (segment {seg.position}).")
    return out
