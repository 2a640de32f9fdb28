"""A lenient reader for X12 files of any transaction type.

What real senders do, and what the reader accepts:

- a byte-order mark, CRLF or LF after every segment, no line breaks at all, indentation;
- any separators: the ISA segment declares them (element separator at index 3, component
  separator ISA16 at index 104, segment terminator at index 105, repetition separator ISA11 in
  5010 files); a terminator that is itself a line break;
- several GS per ISA and several ST per GS;
- a transaction without ISA (it starts with ST, or GS): ``*`` ``~`` ``:`` ``^`` are assumed, or
  line breaks when the file has no ``~``.

Envelope problems (a wrong SE01 count, control numbers that disagree) do not stop the reading:
they become ``warnings``. Only text that is not X12 at all raises :class:`X12ReadError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")
_BOM = "\ufeff"
ISA_LENGTH = 106  # the ISA segment, terminator included, is fixed width


class X12ReadError(ValueError):
    """The text is not an X12 file that can be read. ``str()`` is one plain sentence."""


@dataclass(frozen=True, slots=True)
class Separators:
    element: str = "*"
    component: str = ":"
    segment: str = "~"
    repetition: str | None = "^"

    def __post_init__(self) -> None:
        chars = [self.element, self.component, self.segment]
        if self.repetition is not None:
            chars.append(self.repetition)
        if len(set(chars)) != len(chars):
            raise X12ReadError(
                "The separators declared in the ISA segment are not distinct "
                f"(element {self.element!r}, component {self.component!r}, "
                f"segment {self.segment!r}, repetition {self.repetition!r})."
            )


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: ``id`` (EB) and ``elements`` (EB01, EB02, ... as raw text).

    ``position`` is the segment's number in the file (1 = first segment).
    """

    id: str
    elements: tuple[str, ...]
    separators: Separators = field(default_factory=Separators, repr=False, compare=False)
    position: int = 0

    def el(self, n: int) -> str:
        """Element ``n`` (1-based: ``seg.el(1)`` is EB01) as raw text; "" when absent."""
        if 1 <= n <= len(self.elements):
            return self.elements[n - 1]
        return ""

    def repetitions(self, n: int) -> list[str]:
        """The repeats of element ``n`` (5010 repetition separator); one item when not repeated."""
        value = self.el(n)
        if not value:
            return []
        rep = self.separators.repetition
        return value.split(rep) if rep else [value]

    def components(self, n: int) -> list[str]:
        """The components of element ``n`` (a composite such as ``HC:99213:25``)."""
        value = self.el(n)
        return value.split(self.separators.component) if value else []

    def comp(self, n: int, k: int) -> str:
        """Component ``k`` (1-based) of element ``n``; "" when absent."""
        parts = self.components(n)
        return parts[k - 1] if 1 <= k <= len(parts) else ""

    def codes(self, n: int) -> list[str]:
        """Every code in element ``n``: repeats and components flattened (lenient reading of a
        repeating simple element whose sender used the component separator to repeat)."""
        out: list[str] = []
        for rep in self.repetitions(n):
            out.extend(c for c in rep.split(self.separators.component) if c)
        return out

    @property
    def raw(self) -> str:
        """The segment as text with the file's separators, without the terminator."""
        return self.separators.element.join((self.id, *self.elements))

    def __str__(self) -> str:
        return self.raw


@dataclass(frozen=True, slots=True)
class Transaction:
    """One ST..SE transaction set and the envelope around it."""

    st: Segment
    segments: tuple[Segment, ...]  # ST first, SE last when present
    isa: Segment | None
    gs: Segment | None

    @property
    def set_id(self) -> str:
        return self.st.el(1)

    @property
    def control_number(self) -> str:
        return self.st.el(2)

    @property
    def version(self) -> str:
        """The implementation guide: ST03, else GS08."""
        return self.st.el(3) or (self.gs.el(8) if self.gs else "")

    @property
    def body(self) -> tuple[Segment, ...]:
        """The segments between ST and SE."""
        segs = self.segments[1:]
        if segs and segs[-1].id == "SE":
            segs = segs[:-1]
        return segs


@dataclass(frozen=True, slots=True)
class X12Document:
    separators: Separators
    segments: tuple[Segment, ...]
    transactions: tuple[Transaction, ...]
    has_envelope: bool
    warnings: tuple[str, ...] = ()
    isa_text: str | None = None  # the first ISA exactly as in the file (fixed width), if any

    def of_type(self, set_id: str) -> list[Transaction]:
        return [t for t in self.transactions if t.set_id == set_id]


# ---------------------------------------------------------------------------------------------
def _decode(data: str | bytes) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    return data


def _separators_from_isa(text: str) -> tuple[Separators, str]:
    """The separators an ISA declares, and the ISA text itself."""
    if len(text) < 4:
        raise X12ReadError("The file ends inside its ISA segment.")
    element = text[3]
    if element.isalnum() or element.isspace():
        raise X12ReadError(
            f"The ISA segment has {element!r} where its element separator should be."
        )
    # Find ISA16 by counting element separators (works even when a sender did not pad the
    # fixed-width fields); in a well-formed file it sits at index 104.
    idx = 3
    for _ in range(15):
        idx = text.find(element, idx + 1)
        if idx < 0:
            raise X12ReadError("The ISA segment is cut short: it needs 16 elements.")
    if idx + 2 >= len(text):
        raise X12ReadError("The ISA segment is cut short: ISA16 and the terminator are missing.")
    component = text[idx + 1]
    terminator = text[idx + 2]
    if terminator == "\r":
        terminator = "\n"  # CRLF as terminator: the \r is dropped below
    isa_text = text[: idx + 3]
    fields = text[: idx + 1].split(element)
    version = fields[12] if len(fields) > 12 else ""
    repetition: str | None = None
    if version >= "00501" and len(fields) > 11 and len(fields[11]) == 1:
        rep = fields[11]
        if not rep.isalnum() and not rep.isspace() and rep not in (element, terminator):
            repetition = rep
    if repetition == component:
        # Some senders put the same character in ISA11 and ISA16. Composites need the component
        # separator, so repeats are read through Segment.codes().
        repetition = None
    if component.isalnum() or component in (element, terminator):
        raise X12ReadError(f"The ISA segment declares {component!r} as its component separator.")
    return Separators(element, component, terminator, repetition), isa_text


def _guess_separators(text: str) -> Separators:
    """A file that starts with ST (or GS): assume the usual separators."""
    element = text[2]
    if element.isalnum() or element.isspace():
        raise X12ReadError(
            f"The file starts with {text[:2]!r} but no element separator follows it."
        )
    terminator = "~" if "~" in text else "\n"
    component = ":" if element != ":" else ">"
    return Separators(element, component, terminator, "^" if element != "^" else None)


def _split(text: str, seps: Separators) -> Iterator[tuple[int, str]]:
    if seps.segment != "\n":
        pieces = text.split(seps.segment)
    else:
        pieces = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    n = 0
    for piece in pieces:
        piece = piece.strip(" \t\r\n\x00")
        if not piece:
            continue
        n += 1
        yield n, piece


def read_x12(data: str | bytes) -> X12Document:
    """Read an X12 file leniently into segments and transactions.

    Raises :class:`X12ReadError` with a plain sentence when the text is not X12.
    """
    text = _decode(data)
    text = text.lstrip(_BOM).lstrip(" \t\r\n\x00")
    if not text:
        raise X12ReadError("The file is empty.")
    head = text[:3].upper()
    has_envelope = head == "ISA"
    isa_text = None
    if has_envelope:
        seps, isa_text = _separators_from_isa(text)
    elif text[:2].upper() in ("ST", "GS") and len(text) > 2:
        seps = _guess_separators(text)
    else:
        shown = text[:20].splitlines()[0] if text[:20].strip() else text[:20]
        raise X12ReadError(
            f"This is not an X12 file: it should begin with an ISA (or ST) segment, "
            f"but begins with {shown!r}."
        )

    segments: list[Segment] = []
    for pos, piece in _split(text, seps):
        parts = piece.split(seps.element)
        seg_id = parts[0].strip().upper()
        if not _SEGMENT_ID.match(seg_id):
            shown = piece if len(piece) <= 40 else piece[:37] + "..."
            raise X12ReadError(
                f"Segment {pos} is not an X12 segment: {shown!r} (expected an ID such as "
                "NM1 or EB, then elements separated by "
                f"{seps.element!r})."
            )
        segments.append(Segment(seg_id, tuple(parts[1:]), seps, pos))
    if not segments:
        raise X12ReadError("The file holds no segments.")
    transactions, warnings = _transactions(segments)
    if not transactions:
        raise X12ReadError("The file holds no transaction set (no ST segment).")
    return X12Document(
        separators=seps,
        segments=tuple(segments),
        transactions=tuple(transactions),
        has_envelope=has_envelope,
        warnings=tuple(warnings),
        isa_text=isa_text,
    )


def _transactions(segments: list[Segment]) -> tuple[list[Transaction], list[str]]:
    """Group segments into transactions, noting envelope disagreements as warnings."""
    out: list[Transaction] = []
    warnings: list[str] = []
    isa: Segment | None = None
    gs: Segment | None = None
    current: list[Segment] | None = None
    st_in_gs = 0
    gs_in_isa = 0

    def close(end: Segment | None) -> None:
        nonlocal current
        if current is None:
            return
        st = current[0]
        if end is None:
            warnings.append(f"Transaction {st.el(2) or '?'} has no SE segment.")
        else:
            current.append(end)
            count = len(current)
            if end.el(1) != str(count):
                warnings.append(
                    f"SE01 of transaction {st.el(2) or '?'} says {end.el(1) or 'nothing'}, "
                    f"but the transaction has {count} segments."
                )
            if end.el(2) != st.el(2):
                warnings.append(
                    f"SE02 {end.el(2)!r} does not match ST02 {st.el(2)!r} (segment {end.position})."
                )
        out.append(Transaction(st, tuple(current), isa, gs))
        current = None

    for seg in segments:
        if seg.id == "ISA":
            close(None)
            isa, gs, gs_in_isa = seg, None, 0
        elif seg.id == "IEA":
            close(None)
            if isa is None:
                warnings.append(f"IEA at segment {seg.position} has no ISA.")
            else:
                if seg.el(2).strip() != isa.el(13).strip():
                    warnings.append(f"IEA02 {seg.el(2)!r} does not match ISA13 {isa.el(13)!r}.")
                if seg.el(1) != str(gs_in_isa):
                    warnings.append(
                        f"IEA01 says {seg.el(1) or 'nothing'} groups, the interchange has "
                        f"{gs_in_isa}."
                    )
            isa = None
        elif seg.id == "GS":
            close(None)
            gs, st_in_gs = seg, 0
            gs_in_isa += 1
        elif seg.id == "GE":
            close(None)
            if gs is not None:
                if seg.el(2) != gs.el(6):
                    warnings.append(f"GE02 {seg.el(2)!r} does not match GS06 {gs.el(6)!r}.")
                if seg.el(1) != str(st_in_gs):
                    warnings.append(
                        f"GE01 says {seg.el(1) or 'nothing'} transactions, the group has "
                        f"{st_in_gs}."
                    )
            gs = None
        elif seg.id == "ST":
            close(None)
            current = [seg]
            st_in_gs += 1
        elif seg.id == "SE":
            if current is None:
                warnings.append(f"SE at segment {seg.position} has no ST.")
            else:
                close(seg)
        elif current is not None:
            current.append(seg)
        else:
            warnings.append(
                f"Segment {seg.position} ({seg.id}) lies outside any transaction and was skipped."
            )
    close(None)
    return out, warnings
