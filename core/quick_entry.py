"""Quick entry: one typed line becomes one procedure line (pure: no database, no UI).

The grammar, for the coder who types faster than they tab::

    line     = code { part }
    code     = CPT (5 characters: 99214, 0001U) | HCPCS (letter + 4 digits: J3301, G0439)
    part     = modifier | units | pointers | charge          (any order, separated by spaces)
    modifier = two letters/digits with a letter (RT, XS, E1), or a number from 22 to 99 (25, 59)
    units    = "x" N  or  N "x"                              (x2, 2x, x 2; 1 to 999)
    pointers = N { "," N }  (also "1:2" or "1 2")            (each 1 to 12, at most 4)
    charge   = "$" amount                                    ($120, $85.50; overrides the fee schedule)

Examples::

    99214 25 x1 1,2   -> 99214, modifier 25, 1 unit, pointers 1 and 2
    J3301 x2 1        -> J3301, 2 units, pointer 1
    20610 RT 2        -> 20610, modifier RT, pointer 2
    99213             -> 99213, 1 unit, pointer 1 (the defaults)
    G0439 1,2,3       -> G0439, pointers 1, 2 and 3

A number from 1 to 12 is always a diagnosis pointer (no modifier is numbered below 22); a number
from 13 to 21 is refused as a pointer out of range. Several lines can be typed at once, separated
by ``;`` (:func:`parse_many`). Every error names the part it could not use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core import codes as C
from core.errors import ValidationError
from core.money import Money

MAX_MODIFIERS = 4
MAX_POINTERS = 4
MAX_DIAGNOSES = 12
MAX_UNITS = 999
EXAMPLE = "99214 25 x1 1,2"


class QuickEntryError(ValidationError):
    """A quick-entry line that cannot be read; the message says which part and why."""


@dataclass(frozen=True)
class QuickLine:
    """One procedure line as typed. ``charge_cents`` None: take it from the fee schedule."""

    code: str
    modifiers: tuple[str, ...] = ()
    units: int = 1
    pointers: tuple[int, ...] = (1,)
    charge_cents: int | None = None

    def as_text(self) -> str:
        """The line written back in quick-entry form (parse(line.as_text()) == line)."""
        parts = [self.code, *self.modifiers, f"x{self.units}", ",".join(map(str, self.pointers))]
        if self.charge_cents is not None:
            parts.append("$" + Money(self.charge_cents).format(symbol=False).replace(",", ""))
        return " ".join(parts)


_UNITS = re.compile(r"^(?:[X×*](\d+)|(\d+)[X×])$")
_POINTERS = re.compile(r"^\d+(?:[,:]\d+)*$")
_CHARGE = re.compile(r"^\$.*$")
_MOD_WITH_LETTER = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{2}$")
_ICD_LIKE = re.compile(r"^[A-Z][0-9][0-9A-Z]\.[0-9A-Z]{0,4}$|^[A-Z][0-9]{2}$")
# Numbered CPT modifiers start at 22; 1-12 are diagnosis pointers, 13-21 are nothing.
_FIRST_NUMBERED_MODIFIER = 22


def _tidy(text: str) -> str:
    text = text.strip().upper()
    text = re.sub(r"\s*([,:])\s*", r"\1", text)  # "1, 2" -> "1,2"
    text = re.sub(r"(?<![0-9A-Z])([X×*])\s+(?=\d)", r"\1", text)  # "x 2" -> "x2"
    text = re.sub(r"\$\s+", "$", text)  # "$ 120" -> "$120"
    return text


def _units(token: str, match: re.Match[str]) -> int:
    units = int(match.group(1) or match.group(2))
    if units < 1:
        raise QuickEntryError(f"units must be at least 1 ({token.lower()} was typed)")
    if units > MAX_UNITS:
        raise QuickEntryError(f"units must be at most {MAX_UNITS} ({token.lower()} was typed)")
    return units


def _pointers(token: str) -> list[int]:
    out = []
    for part in re.split(r"[,:]", token):
        n = int(part)
        if n == 0:
            raise QuickEntryError("diagnosis pointer 0 does not exist: pointers start at 1")
        if n > MAX_DIAGNOSES:
            raise QuickEntryError(
                f"diagnosis pointer {n} is out of range: a claim holds at most "
                f"{MAX_DIAGNOSES} diagnoses (1-{MAX_DIAGNOSES})"
            )
        out.append(n)
    return out


def _charge(token: str) -> int:
    try:
        money = Money.parse(token)
    except ValueError:
        raise QuickEntryError(f"{token} is not an amount of money (for example $120.00)") from None
    if money.cents < 0:
        raise QuickEntryError(f"a charge cannot be negative ({token})")
    return money.cents


def parse(text: str) -> QuickLine:
    """Read one quick-entry line; raise QuickEntryError naming the part that is wrong."""
    tidy = _tidy(text or "")
    if not tidy:
        raise QuickEntryError(f"type a procedure code first, for example {EXAMPLE}")
    code, *rest = tidy.split()
    if C.procedure_kind(code) is None:
        if _ICD_LIKE.match(code):
            raise QuickEntryError(
                f"{code} looks like a diagnosis (ICD-10-CM) code: add it in the diagnosis box; "
                "a procedure line starts with a CPT or HCPCS code"
            )
        raise QuickEntryError(
            f"{code} is not a procedure code: a line starts with a CPT code (5 characters, "
            "e.g. 99213) or a HCPCS code (a letter and 4 digits, e.g. J3301)"
        )
    modifiers: list[str] = []
    pointers: list[int] = []
    units: int | None = None
    charge: int | None = None
    for token in rest:
        units_match = _UNITS.match(token)
        if units_match:
            if units is not None:
                raise QuickEntryError(f"units are given twice (x{units} and {token.lower()})")
            units = _units(token, units_match)
        elif _CHARGE.match(token):
            if charge is not None:
                raise QuickEntryError(f"the charge is given twice ({token})")
            charge = _charge(token)
        elif token.isdigit() and len(token) == 2 and int(token) >= _FIRST_NUMBERED_MODIFIER:
            modifiers.append(token)
        elif _POINTERS.match(token):
            pointers.extend(_pointers(token))
        elif _MOD_WITH_LETTER.match(token):
            modifiers.append(token)
        else:
            raise QuickEntryError(
                f"cannot read {token!r}: after the code type modifiers (25 RT), units (x2), "
                "diagnosis pointers (1,2) or a charge ($120)"
            )
    if len(modifiers) > MAX_MODIFIERS:
        raise QuickEntryError(
            f"a line takes at most {MAX_MODIFIERS} modifiers; {len(modifiers)} were typed "
            f"({' '.join(modifiers)})"
        )
    for mod in modifiers:
        if modifiers.count(mod) > 1:
            raise QuickEntryError(f"modifier {mod} is typed twice")
    if len(pointers) > MAX_POINTERS:
        raise QuickEntryError(
            f"a line points to at most {MAX_POINTERS} diagnoses; {len(pointers)} were typed"
        )
    for p in pointers:
        if pointers.count(p) > 1:
            raise QuickEntryError(f"diagnosis pointer {p} is typed twice")
    return QuickLine(
        code=code,
        modifiers=tuple(modifiers),
        units=units if units is not None else 1,
        pointers=tuple(pointers) or (1,),
        charge_cents=charge,
    )


def parse_many(text: str) -> list[QuickLine]:
    """Several lines separated by ``;``. An error says which line ("line 2: ...")."""
    pieces = [p for p in (text or "").split(";") if p.strip()]
    if not pieces:
        raise QuickEntryError(f"type a procedure code first, for example {EXAMPLE}")
    out = []
    for n, piece in enumerate(pieces, start=1):
        try:
            out.append(parse(piece))
        except QuickEntryError as exc:
            if len(pieces) == 1:
                raise
            raise QuickEntryError(f"line {n}: {exc}") from None
    return out
