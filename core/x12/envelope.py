"""Writing X12: separators, value cleaning and the ISA/GS/ST ... SE/GE/IEA envelope."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

ELEMENT, COMPONENT, REPETITION, TERMINATOR = "*", ":", "^", "~"
# Between segments when writing: the terminator plus a line break (readers accept both).
SEGMENT_END = TERMINATOR + "\n"
_NOT_ALLOWED = re.compile(r"[*:^~\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def clean(value: object, max_len: int | None = None, *, upper: bool = True) -> str:
    """A value safe to put in an element: no separators, single spaces, cut to length; upper case
    unless ``upper`` is false (free text such as MSG keeps its case)."""
    if value is None:
        return ""
    text = _SPACES.sub(" ", _NOT_ALLOWED.sub(" ", str(value))).strip()
    if upper:
        text = text.upper()
    return text[:max_len].rstrip() if max_len else text


def segment(seg_id: str, *elements: object) -> str:
    """One segment (without terminator); trailing empty elements are dropped."""
    values = ["" if e is None else str(e) for e in elements]
    while values and values[-1] == "":
        values.pop()
    return ELEMENT.join((seg_id, *values))


def d8(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def decimal_text(value: Decimal) -> str:
    """An X12 ``R`` value: no exponent, no trailing zeros after the point ("1500", "0.2")."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def cents_text(cents: int) -> str:
    return decimal_text(Decimal(cents) / 100)


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who sends to whom, when, and under which control number (ISA13 = GS06 = ST02)."""

    sender_id: str
    receiver_id: str
    control_number: int
    created_at: dt.datetime
    usage: str = "T"  # ISA15: T test, P production
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"

    @property
    def isa13(self) -> str:
        return f"{self.control_number:09d}"

    @property
    def st02(self) -> str:
        return f"{self.control_number:04d}"


def isa(env: Envelope) -> str:
    """The fixed-width ISA segment (106 characters with its terminator)."""
    if not 0 < env.control_number <= 999_999_999:
        raise ValueError(f"control number {env.control_number} does not fit ISA13")
    fields = (
        "00",
        " " * 10,
        "00",
        " " * 10,
        env.sender_qualifier.ljust(2)[:2],
        clean(env.sender_id, 15).ljust(15),
        env.receiver_qualifier.ljust(2)[:2],
        clean(env.receiver_id, 15).ljust(15),
        env.created_at.strftime("%y%m%d"),
        env.created_at.strftime("%H%M"),
        REPETITION,
        "00501",
        env.isa13,
        "0",
        env.usage,
        COMPONENT,
    )
    return ELEMENT.join(("ISA", *fields))


def wrap(env: Envelope, functional_id: str, set_id: str, version: str, body: Sequence[str]) -> str:
    """Put ``body`` (the segments after ST, before SE) in ST/SE, GS/GE and ISA/IEA."""
    st = segment("ST", set_id, env.st02, version)
    se = segment("SE", len(body) + 2, env.st02)
    gs = segment(
        "GS",
        functional_id,
        clean(env.sender_id, 15),
        clean(env.receiver_id, 15),
        env.created_at.strftime("%Y%m%d"),
        env.created_at.strftime("%H%M"),
        str(env.control_number),
        "X",
        version,
    )
    ge = segment("GE", 1, str(env.control_number))
    iea = segment("IEA", 1, env.isa13)
    segments = [isa(env), gs, st, *body, se, ge, iea]
    return SEGMENT_END.join(segments) + SEGMENT_END
