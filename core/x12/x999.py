"""The 999 implementation acknowledgment (005010X231A1): read one leniently, and write one.

A 999 answers one functional group (one GS..GE of the file we sent)::

    ST*999 AK1 (group acknowledged: GS01, GS06, GS08)
      AK2 (one per transaction set: ST01, ST02, ST03)
        IK3 (a segment in error: ID, position, loop, code)  CTX (situational trigger; business
            unit such as CLM01:<patient control number>)
          IK4 (an element in error: position, reference number, code, bad value)  CTX
        IK5 (the set's verdict: A, E, R, ... and codes)
      AK9 (the group's verdict and counts)
    SE

This module also holds what the other answer readers share (``X12FileError``, ``open_answer``):
an answer file is refused only when its structure is unreadable (no ISA, cut short before SE or
IEA, another transaction type); anything else odd becomes a warning.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.errors import ImportFileError, ValidationError
from core.x12.envelope import Envelope, clean, segment, wrap
from core.x12.reader import Segment, Transaction, X12Document, X12ReadError, read_x12
from core.x12.status_codes import (
    ACK_ACCEPTED,
    IK3_CODES,
    IK4_CODES,
    IK5_CODES,
    describe_ack_status,
    describe_ak9,
    describe_ik3,
    describe_ik4,
    describe_ik5,
    describe_ta1,
)

VERSION = "005010X231A1"


class X12FileError(X12ReadError, ImportFileError):
    """An answer file (999, 277CA, 277, 276) that cannot be read. ``str()`` is one sentence."""


_KINDS = {
    "270": "a 270 eligibility inquiry",
    "271": "a 271 eligibility response",
    "276": "a 276 claim status request",
    "277": "a 277 claim status or claim acknowledgment",
    "820": "an 820 premium payment",
    "834": "an 834 enrollment file",
    "835": "an 835 remittance advice",
    "837": "an 837 claim file",
    "997": "a 997 functional acknowledgment",
    "999": "a 999 implementation acknowledgment",
}


def kind_of(set_ids: Sequence[str]) -> str:
    """What a file holds in words ("an 835 remittance advice"), several joined by "and"."""
    names = [_KINDS.get(s, f"a {s} transaction") for s in dict.fromkeys(set_ids)]
    return " and ".join(names) if names else "no transaction"


def _ta1_verdict(data: str | bytes) -> str | None:
    """When the text is a TA1 interchange acknowledgment: its verdict in words."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    text = text.lstrip("\ufeff \t\r\n")
    if not text.startswith("ISA") or len(text) < 4:
        return None
    sep = text[3]
    match = re.search(r"(?:^|[^A-Z0-9])TA1" + re.escape(sep) + r"([^~\r\n]*)", text[4:])
    if match is None:
        return None
    fields = match.group(1).split(sep)
    control = fields[0] if fields else ""
    status = fields[3] if len(fields) > 3 else ""
    note = fields[4].strip()[:3] if len(fields) > 4 else ""
    return f"the receiver {describe_ta1(status, note, control or '?')}"


def _cut_before_iea(data: str | bytes) -> bool:
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    text = text.lstrip("\ufeff \t\r\n")
    return text.startswith("ISA") and len(text) > 3 and f"IEA{text[3]}" not in text


def open_answer(data: str | bytes, set_id: str, what: str) -> tuple[X12Document, list[Transaction]]:
    """Read ``data`` and return its transactions of type ``set_id``.

    Raises :class:`X12FileError` with a plain sentence when the file is not X12, is a TA1, holds
    no ``set_id`` transaction, or is cut short (a transaction without SE, an ISA without IEA).
    """
    try:
        doc = read_x12(data)
    except X12ReadError as exc:
        ta1 = _ta1_verdict(data)
        if ta1:
            raise X12FileError(
                f"This is a TA1 interchange acknowledgment, not {what}: {ta1}."
            ) from None
        if "no transaction set" in str(exc) and _cut_before_iea(data):
            raise X12FileError(
                "The file ends before its first ST segment (truncated?): ask the sender for the "
                "whole file."
            ) from None
        raise X12FileError(str(exc)) from None
    found = doc.of_type(set_id)
    if not found:
        kinds = kind_of([t.set_id for t in doc.transactions])
        raise X12FileError(f"This is {kinds}, not {what}.")
    for txn in found:
        if txn.segments[-1].id != "SE":
            raise X12FileError(
                f"The file ends before the SE segment of transaction {txn.control_number or '?'} "
                f"(truncated?): ask the sender for the whole file."
            )
    if doc.has_envelope and doc.segments[-1].id != "IEA":
        raise X12FileError(
            "The file ends before its IEA segment (truncated?): ask the sender for the whole file."
        )
    return doc, found


def as_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def envelope_facts(txn: Transaction) -> tuple[str, str, str, dt.datetime | None, str]:
    """(ISA13, sender, receiver, created, usage) read from the ISA, else the GS."""
    isa, gs = txn.isa, txn.gs
    created = None
    if gs is not None:
        created = _datetime(gs.el(4), gs.el(5))
    if created is None and isa is not None:
        created = _datetime("20" + isa.el(9).strip(), isa.el(10))
    if isa is not None:
        return isa.el(13).strip(), isa.el(6).strip(), isa.el(8).strip(), created, isa.el(15)
    if gs is not None:
        return gs.el(6), gs.el(2), gs.el(3), created, ""
    return "", "", "", None, ""


def _datetime(day: str, time: str) -> dt.datetime | None:
    try:
        date = dt.datetime.strptime(day.strip(), "%Y%m%d")
    except ValueError:
        return None
    digits = time.strip()[:4]
    if len(digits) == 4 and digits.isdigit() and int(digits[:2]) < 24 and int(digits[2:]) < 60:
        return date.replace(hour=int(digits[:2]), minute=int(digits[2:]))
    return date


# ---------------------------------------------------------------------------------------------
# What a 999 says
@dataclass(frozen=True, slots=True)
class Context:
    """A CTX segment: a situational trigger, or a business unit (``CLM01`` + patient control
    number) that says which claim an error belongs to."""

    name: str  # CTX01-1: "SITUATIONAL TRIGGER", "CLM01", "NM109"...
    reference: str = ""  # CTX01-2: the business unit's value (our patient control number)
    segment_id: str = ""  # CTX02
    position: int | None = None  # CTX03
    loop_id: str = ""  # CTX04
    element_position: str = ""  # CTX05 as sent (position:component:repeat)
    element_reference: str = ""  # CTX06 as sent

    @property
    def is_business_unit(self) -> bool:
        return bool(self.reference) and self.name.upper() != "SITUATIONAL TRIGGER"


@dataclass(frozen=True, slots=True)
class ElementError:
    """An IK4: one bad element of the segment named by its IK3."""

    position: int | None  # IK401-1
    component: int | None  # IK401-2
    repeat: int | None  # IK401-3
    reference: str  # IK402: the data element reference number (e.g. 782)
    code: str  # IK403
    bad_value: str = ""  # IK404
    contexts: tuple[Context, ...] = ()

    @property
    def message(self) -> str:
        return describe_ik4(self.code)


@dataclass(frozen=True, slots=True)
class SegmentError:
    """An IK3: a segment in error, where it is (its count from ST = 1) and why."""

    segment_id: str  # IK301
    position: int | None  # IK302
    loop_id: str  # IK303
    code: str  # IK304
    contexts: tuple[Context, ...] = ()
    elements: tuple[ElementError, ...] = ()

    @property
    def message(self) -> str:
        return describe_ik3(self.code) if self.code else "The segment has an error"

    @property
    def claim_ref(self) -> str:
        """The patient control number from a ``CTX*CLM01:<pcn>``, if the sender gave one."""
        for ctx in self.contexts:
            if ctx.is_business_unit and ctx.name.upper() == "CLM01":
                return ctx.reference
        return ""

    def __str__(self) -> str:
        where = f"{self.segment_id} (segment {self.position or '?'} of the transaction"
        where += f", loop {self.loop_id})" if self.loop_id else ")"
        parts = [f"{where}: {self.message}"]
        for e in self.elements:
            pos = f"{self.segment_id}{e.position:02d}" if e.position else "an element"
            bad = f" (sent {e.bad_value!r})" if e.bad_value else ""
            parts.append(f"{pos}: {e.message}{bad}")
        return "; ".join(parts) + "."


@dataclass(frozen=True, slots=True)
class SetResponse:
    """AK2..IK5: the verdict on one transaction set we sent (one ST..SE of the 837)."""

    set_id: str  # AK201
    control_number: str  # AK202: the ST02 acknowledged
    version: str  # AK203
    status: str  # IK501: A, E, M, R, W, X
    codes: tuple[str, ...] = ()  # IK502-IK506
    errors: tuple[SegmentError, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.status in ACK_ACCEPTED

    @property
    def status_text(self) -> str:
        return describe_ack_status(self.status)

    @property
    def code_texts(self) -> tuple[str, ...]:
        return tuple(describe_ik5(c) for c in self.codes)

    @property
    def claim_refs(self) -> tuple[str, ...]:
        """Patient control numbers the errors name (CTX*CLM01), in order, without repeats."""
        return tuple(dict.fromkeys(e.claim_ref for e in self.errors if e.claim_ref))


@dataclass(frozen=True, slots=True)
class GroupResponse:
    """One 999 transaction: AK1 (the group acknowledged), its sets, and AK9."""

    control_number: str  # the 999's own ST02
    functional_id: str  # AK101 (HC for 837 claims)
    group_control_number: str  # AK102: the GS06 acknowledged
    version: str  # AK103
    sets: tuple[SetResponse, ...]
    status: str  # AK901: A, E, P, R, M, W, X
    included: int | None = None  # AK902
    received: int | None = None  # AK903
    accepted: int | None = None  # AK904
    codes: tuple[str, ...] = ()  # AK905-AK909

    @property
    def status_text(self) -> str:
        return describe_ack_status(self.status)

    @property
    def code_texts(self) -> tuple[str, ...]:
        return tuple(describe_ak9(c) for c in self.codes)


@dataclass(frozen=True, slots=True)
class Ack999:
    interchange_control_number: str  # ISA13 of the 999
    sender_id: str
    receiver_id: str
    created: dt.datetime | None
    usage: str  # ISA15: P production, T test
    groups: tuple[GroupResponse, ...]
    warnings: tuple[str, ...] = ()

    @property
    def sets(self) -> tuple[SetResponse, ...]:
        return tuple(s for g in self.groups for s in g.sets)

    def accepted_sets(self) -> list[SetResponse]:
        """Sets accepted (A) or accepted with errors noted (E)."""
        return [s for s in self.sets if s.accepted]

    def rejected_sets(self) -> list[SetResponse]:
        return [s for s in self.sets if not s.accepted]

    def find(self, group_control_number: str, set_control_number: str) -> SetResponse | None:
        """The verdict on our GS06 / ST02 (leading zeros ignored), if this 999 gives one."""
        want_gs = group_control_number.strip().lstrip("0")
        want_st = set_control_number.strip().lstrip("0")
        for g in self.groups:
            if g.group_control_number.strip().lstrip("0") != want_gs:
                continue
            for s in g.sets:
                if s.control_number.strip().lstrip("0") == want_st:
                    return s
        return None

    @property
    def status(self) -> str:
        """The whole file's verdict: A, E (accepted with errors), P (partly) or R (rejected)."""
        verdicts = [g.status or _derive(g.sets) for g in self.groups]
        if verdicts and all(v in ACK_ACCEPTED for v in verdicts):
            return "E" if "E" in verdicts or any(s.status == "E" for s in self.sets) else "A"
        if verdicts and all(v not in ACK_ACCEPTED and v != "P" for v in verdicts):
            return "R"
        return "P"

    @property
    def status_text(self) -> str:
        return describe_ack_status(self.status)


def _derive(sets: Sequence[SetResponse]) -> str:
    """A group verdict from its sets, for a 999 without AK9."""
    if not sets:
        return ""
    accepted = [s for s in sets if s.accepted]
    if len(accepted) == len(sets):
        return "E" if any(s.status == "E" for s in sets) else "A"
    return "P" if accepted else "R"


# ---------------------------------------------------------------------------------------------
# Reading
@dataclass(slots=True)
class _Ik3:
    seg: Segment
    contexts: list[Context] = field(default_factory=list)
    elements: list[tuple[Segment, list[Context]]] = field(default_factory=list)


@dataclass(slots=True)
class _Set:
    ak2: Segment
    errors: list[_Ik3] = field(default_factory=list)
    ik5: Segment | None = None


def _context(seg: Segment) -> Context:
    return Context(
        name=seg.comp(1, 1),
        reference=seg.comp(1, 2),
        segment_id=seg.el(2),
        position=as_int(seg.el(3)),
        loop_id=seg.el(4),
        element_position=seg.el(5),
        element_reference=seg.el(6),
    )


def _element(seg: Segment, contexts: list[Context]) -> ElementError:
    return ElementError(
        position=as_int(seg.comp(1, 1)),
        component=as_int(seg.comp(1, 2)),
        repeat=as_int(seg.comp(1, 3)),
        reference=seg.el(2),
        code=seg.el(3),
        bad_value=seg.el(4),
        contexts=tuple(contexts),
    )


def _freeze_set(s: _Set, warnings: list[str]) -> SetResponse:
    if s.ik5 is None:
        warnings.append(
            f"The answer for transaction {s.ak2.el(2) or '?'} has no IK5 verdict; "
            "it is treated as rejected."
        )
    errors = tuple(
        SegmentError(
            segment_id=e.seg.el(1),
            position=as_int(e.seg.el(2)),
            loop_id=e.seg.el(3),
            code=e.seg.el(4),
            contexts=tuple(e.contexts),
            elements=tuple(_element(seg, ctx) for seg, ctx in e.elements),
        )
        for e in s.errors
    )
    status = s.ik5.el(1).strip().upper() if s.ik5 is not None else "R"
    codes = tuple(c for c in (s.ik5.elements[1:6] if s.ik5 is not None else ()) if c)
    return SetResponse(s.ak2.el(1), s.ak2.el(2), s.ak2.el(3), status or "R", codes, errors)


def _group(txn: Transaction, warnings: list[str]) -> GroupResponse:
    ak1: Segment | None = None
    ak9: Segment | None = None
    sets: list[_Set] = []
    current: _Set | None = None
    for seg in txn.body:
        if seg.id == "AK1":
            ak1 = seg
        elif seg.id == "AK2":
            current = _Set(seg)
            sets.append(current)
        elif seg.id == "IK3":
            if current is None:
                warnings.append(f"IK3 at segment {seg.position} comes before any AK2; skipped.")
            else:
                current.errors.append(_Ik3(seg))
        elif seg.id == "IK4":
            if current is None or not current.errors:
                warnings.append(f"IK4 at segment {seg.position} has no IK3 before it; skipped.")
            else:
                current.errors[-1].elements.append((seg, []))
        elif seg.id == "CTX":
            if current is None or not current.errors:
                warnings.append(f"CTX at segment {seg.position} has no IK3 before it; skipped.")
            elif current.errors[-1].elements:
                current.errors[-1].elements[-1][1].append(_context(seg))
            else:
                current.errors[-1].contexts.append(_context(seg))
        elif seg.id == "IK5":
            if current is None:
                warnings.append(f"IK5 at segment {seg.position} comes before any AK2; skipped.")
            else:
                current.ik5 = seg
                current = None
        elif seg.id == "AK9":
            ak9 = seg
        else:
            warnings.append(f"Segment {seg.position} ({seg.id}) does not belong in a 999; skipped.")
    if ak1 is None:
        warnings.append(
            f"999 transaction {txn.control_number} has no AK1 (which group it answers)."
        )
    frozen = tuple(_freeze_set(s, warnings) for s in sets)
    status = ak9.el(1).strip().upper() if ak9 is not None else ""
    group = GroupResponse(
        control_number=txn.control_number,
        functional_id=ak1.el(1) if ak1 else "",
        group_control_number=ak1.el(2) if ak1 else "",
        version=ak1.el(3) if ak1 else "",
        sets=frozen,
        status=status or _derive(frozen),
        included=as_int(ak9.el(2)) if ak9 else None,
        received=as_int(ak9.el(3)) if ak9 else None,
        accepted=as_int(ak9.el(4)) if ak9 else None,
        codes=tuple(c for c in ak9.elements[4:9] if c) if ak9 else (),
    )
    if ak9 is None:
        warnings.append(
            f"999 transaction {txn.control_number} has no AK9; the group verdict "
            f"({group.status or 'none'}) was worked out from its sets."
        )
    elif group.received == len(frozen) and group.accepted is not None:
        counted = sum(1 for s in frozen if s.accepted)
        if counted != group.accepted:
            warnings.append(
                f"AK904 says {group.accepted} transaction(s) accepted, but the IK5 verdicts "
                f"accept {counted}."
            )
    return group


def parse_999(data: str | bytes) -> Ack999:
    """Read a 999 (every 999 transaction in the file).

    Raises :class:`X12FileError` when the file is not a readable 999 (a TA1 included).
    """
    doc, found = open_answer(data, "999", "a 999 implementation acknowledgment")
    warnings = list(doc.warnings)
    groups = tuple(_group(txn, warnings) for txn in found)
    control, sender, receiver, created, usage = envelope_facts(found[0])
    return Ack999(control, sender, receiver, created, usage, groups, tuple(warnings))


# ---------------------------------------------------------------------------------------------
# Writing (the sandbox clearinghouse answers an 837 with this)
@dataclass(frozen=True, slots=True)
class ElementProblem:
    position: int  # IK401-1: the element's number in its segment
    code: str  # IK403
    reference: str = ""  # IK402: data element reference number
    bad_value: str = ""  # IK404
    component: int | None = None
    repeat: int | None = None


@dataclass(frozen=True, slots=True)
class SegmentProblem:
    segment_id: str  # IK301
    position: int  # IK302: its count from ST (ST = 1)
    code: str = "8"  # IK304 (8: the segment has element errors)
    loop_id: str = ""  # IK303
    elements: tuple[ElementProblem, ...] = ()
    claim_ref: str = ""  # CLM01 of the claim it belongs to: written as CTX*CLM01:<ref>


@dataclass(frozen=True, slots=True)
class ReceivedSet:
    control_number: str  # ST02 of the set received
    accepted: bool = True
    problems: tuple[SegmentProblem, ...] = ()
    codes: tuple[str, ...] = ()  # IK502..: default "5" when there are problems
    set_id: str = "837"
    version: str = "005010X222A1"


@dataclass(frozen=True, slots=True)
class ReceivedGroup:
    """The essentials of a received functional group (one GS of an 837 file) and our verdicts."""

    group_control_number: str  # GS06
    sets: tuple[ReceivedSet, ...]
    functional_id: str = "HC"  # GS01
    version: str = "005010X222A1"  # GS08
    interchange_control_number: str = ""  # ISA13 (not written in a 999; kept for the record)

    @classmethod
    def from_x12(cls, data: str | bytes) -> ReceivedGroup:
        """The first functional group of a file, every set marked accepted (mark the rejections
        with ``dataclasses.replace``)."""
        doc = read_x12(data)
        first = doc.transactions[0]
        gs, isa = first.gs, first.isa
        in_group = [t for t in doc.transactions if t.gs is gs]
        return cls(
            group_control_number=gs.el(6) if gs else "",
            sets=tuple(
                ReceivedSet(t.control_number, set_id=t.set_id, version=t.version) for t in in_group
            ),
            functional_id=gs.el(1) if gs else "",
            version=gs.el(8) if gs else first.version,
            interchange_control_number=isa.el(13).strip() if isa else "",
        )


def _verdict(s: ReceivedSet) -> str:
    if not s.accepted:
        return "R"
    return "E" if s.problems else "A"


def _check(group: ReceivedGroup) -> None:
    if not group.group_control_number.strip():
        raise ValidationError("A 999 needs the group control number (GS06) it acknowledges.")
    if not group.sets:
        raise ValidationError("A 999 needs at least one transaction set to acknowledge.")
    for s in group.sets:
        if not s.control_number.strip():
            raise ValidationError("Each acknowledged transaction set needs its ST02.")
        if not s.accepted and not s.problems and not s.codes:
            raise ValidationError(
                f"Transaction {s.control_number} is rejected without a reason: give a segment "
                "problem or an IK5 code."
            )
        for code in s.codes:
            if code not in IK5_CODES:
                raise ValidationError(f"{code!r} is not a known IK5 code.")
        for p in s.problems:
            if p.code not in IK3_CODES or p.position < 1:
                raise ValidationError(
                    f"Segment problem {p.segment_id} at {p.position}: code {p.code!r} or position "
                    "is not valid."
                )
            for e in p.elements:
                if e.code not in IK4_CODES or e.position < 1:
                    raise ValidationError(
                        f"Element problem {p.segment_id}{e.position:02d}: code {e.code!r} or "
                        "position is not valid."
                    )


def _ik4(e: ElementProblem) -> str:
    pos = str(e.position)
    if e.component is not None or e.repeat is not None:
        pos += f":{e.component or ''}"
    if e.repeat is not None:
        pos += f":{e.repeat}"
    return segment("IK4", pos, clean(e.reference, 4), e.code, clean(e.bad_value, 99, upper=False))


def build_999(received: ReceivedGroup, envelope: Envelope) -> str:
    """The 999 answering one received functional group: AK1, AK2..IK5 per set, AK9."""
    _check(received)
    body = [segment("AK1", received.functional_id, received.group_control_number, received.version)]
    verdicts = []
    for s in received.sets:
        body.append(segment("AK2", s.set_id, s.control_number, s.version))
        for p in s.problems:
            body.append(
                segment("IK3", clean(p.segment_id, 3), p.position, clean(p.loop_id, 4), p.code)
            )
            if p.claim_ref:
                body.append(segment("CTX", "CLM01:" + clean(p.claim_ref, 35, upper=False)))
            body += [_ik4(e) for e in p.elements]
        verdict = _verdict(s)
        verdicts.append(verdict)
        codes = s.codes or (("5",) if verdict != "A" else ())
        body.append(segment("IK5", verdict, *codes[:5]))
    accepted = sum(1 for v in verdicts if v in ACK_ACCEPTED)
    if accepted == len(verdicts):
        group = "E" if "E" in verdicts else "A"
    else:
        group = "P" if accepted else "R"
    n = len(verdicts)
    body.append(segment("AK9", group, n, n, accepted))
    return wrap(envelope, "FA", "999", VERSION, body)
