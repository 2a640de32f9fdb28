"""The CMS-1500 (02/12) paper claim as a PDF: a plain-paper copy of the form, or an overlay.

Two outputs from one :class:`Cms1500Data`:

- **plain paper** (``overlay=False``): the whole form is drawn (boxes 1-33 with short labels in
  ClaimDesk's own words, the grid of item 24) and the data is filled in. A readable copy for the
  chart, an appeal or a payer that accepts one; not a pixel copy of the NUCC form.
- **overlay** (``overlay=True``): the data only, placed where the pre-printed red 1500 (02/12)
  form expects it, for printing onto those forms. No lines, no labels, one font (Courier 10).

Placement follows the public NUCC facts: an 8.5 x 11 in page designed for 10 characters per inch
and 6 lines per inch, so every field sits on a character grid. Columns and lines are numbered from
1 as in the usual 1500 print-layout tables (item 1a starts at line 8, column 50): column ``c``
starts ``GRID_LEFT_IN + (c - 1) / 10`` in from the left edge of the paper and line ``l`` is the
band from ``GRID_TOP_IN + (l - 1) / 6`` in to ``GRID_TOP_IN + l / 6`` in from the top, which puts
item 1 at 1.33 in and column 1 at 0.3 in, the form's first print positions. Printers that feed a
little off are corrected with ``offset_x_mm`` / ``offset_y_mm``.

NUCC conventions applied: data in upper case; dates MM DD YY in 24A and 31, MM DD YYYY for birth
dates; diagnosis codes without the (implied) dot; 24E pointers as letters A-L; money without a
dollar sign or decimal point, dollars right-aligned and cents in their own two-character box; six
service lines per form, and a claim with more continues on further forms that repeat the header
data, with "CONTINUED" in item 28 on every form but the last, which carries the total.

Money is integer cents only, split with ``divmod``. Problems a biller can fix are raised as
:class:`core.errors.ValidationError`. Pure module: fpdf2 and the standard library, no database.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from core.errors import ValidationError

# -- the character grid ----------------------------------------------------------------------
PT_PER_IN = 72.0
PAGE_W_PT = 8.5 * PT_PER_IN
PAGE_H_PT = 11 * PT_PER_IN
CPI = 10  # characters per inch
LPI = 6  # lines per inch
COL_PT = PT_PER_IN / CPI  # 7.2 pt
LINE_PT = PT_PER_IN / LPI  # 12 pt
GRID_LEFT_IN = 0.3  # left edge of column 1
GRID_TOP_IN = 1 / 6  # top of line 1; line 8 (item 1) then starts at 1.33 in
BASELINE_RAISE_PT = 3.0  # the text baseline sits this far above the bottom of its line band
DATA_FONT = "Courier"
DATA_FONT_PT = 10.0
# Courier advances 600/1000 em: 6 pt at 10 pt. Extra spacing brings it to the 10 cpi grid.
_CHAR_SPACING_PT = COL_PT - 0.6 * DATA_FONT_PT
LINES_PER_FORM = 6
MAX_DIAGNOSES = 12
MAX_OFFSET_MM = 25.4
_MM_PER_PT = 25.4 / PT_PER_IN


def column_x_pt(col: int, offset_x_mm: float = 0) -> float:
    """Left edge of grid column ``col`` (1-based), in points from the paper's left edge."""
    return GRID_LEFT_IN * PT_PER_IN + (col - 1) * COL_PT + offset_x_mm / _MM_PER_PT


def line_top_pt(line: int, offset_y_mm: float = 0) -> float:
    """Top of grid line ``line`` (1-based), in points from the paper's top edge."""
    return GRID_TOP_IN * PT_PER_IN + (line - 1) * LINE_PT + offset_y_mm / _MM_PER_PT


def baseline_pt(line: int, offset_y_mm: float = 0) -> float:
    """Where the text of grid line ``line`` stands, in points from the paper's top edge."""
    return line_top_pt(line + 1, offset_y_mm) - BASELINE_RAISE_PT


# -- the data --------------------------------------------------------------------------------
class InsuranceType(StrEnum):
    """Item 1: the kind of coverage this claim goes to."""

    MEDICARE = "medicare"
    MEDICAID = "medicaid"
    TRICARE = "tricare"
    CHAMPVA = "champva"
    GROUP = "group"
    FECA = "feca"
    OTHER = "other"


class Relationship(StrEnum):
    """Item 6: the patient's relationship to the insured."""

    SELF = "self"
    SPOUSE = "spouse"
    CHILD = "child"
    OTHER = "other"


@dataclass(frozen=True)
class PersonName:
    last: str
    first: str
    middle: str = ""

    def form_text(self) -> str:
        """LAST, FIRST, M: the NUCC order, commas between the parts."""
        parts = [self.last.strip(), self.first.strip()]
        if self.middle.strip():
            parts.append(self.middle.strip()[:1])
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    state: str
    zip_code: str  # 5 or 9 digits; a hyphen is printed in a 9-digit ZIP
    street2: str = ""
    phone: str = ""  # 10 digits

    def city_line(self) -> str:
        """CITY ST 12345-6789 (no comma: NUCC asks for a space between town and state)."""
        return " ".join(
            p for p in (self.city.strip(), self.state.strip(), _zip(self.zip_code)) if p
        )


@dataclass(frozen=True)
class ProviderBlock:
    """Items 32 and 33: a name, an address and an NPI (32a / 33a)."""

    name: str
    address: Address
    npi: str = ""


@dataclass(frozen=True)
class Cms1500Line:
    """One service line of item 24."""

    date_from: dt.date  # 24A
    code: str  # 24D CPT/HCPCS
    charge_cents: int  # 24F
    units: int = 1  # 24G
    modifiers: tuple[str, ...] = ()  # 24D, up to 4
    pointers: tuple[int, ...] = (1,)  # 24E: 1 = diagnosis A ... 12 = L; up to 4
    place_of_service: str = "11"  # 24B
    date_to: dt.date | None = None  # 24A; the From date when not given
    rendering_npi: str = ""  # 24J
    emergency: bool = False  # 24C


@dataclass(frozen=True)
class Cms1500Data:
    """Everything one claim prints on the 1500 form; the item numbers are the form's."""

    payer_name: str  # carrier block
    insurance_type: InsuranceType  # 1
    insured_id: str  # 1a
    patient_name: PersonName  # 2
    patient_birth_date: dt.date  # 3
    patient_sex: str  # 3: M or F (U marks neither box)
    insured_name: PersonName  # 4
    patient_address: Address  # 5
    relationship: Relationship  # 6
    diagnoses: tuple[str, ...]  # 21 A-L (ICD-10-CM, with or without the dot)
    lines: tuple[Cms1500Line, ...]  # 24
    tax_id: str  # 25
    account_number: str  # 26: our patient control number
    billing: ProviderBlock  # 33, 33a
    payer_address: Address | None = None  # carrier block
    insured_address: Address | None = None  # 7
    other_insured_name: PersonName | None = None  # 9
    other_insured_policy: str = ""  # 9a
    other_insured_plan: str = ""  # 9d
    employment_related: bool = False  # 10a
    auto_accident: bool = False  # 10b
    auto_accident_state: str = ""  # 10b place (state)
    other_accident: bool = False  # 10c
    insured_group_number: str = ""  # 11
    insured_birth_date: dt.date | None = None  # 11a
    insured_sex: str = ""  # 11a
    insured_plan_name: str = ""  # 11c
    another_plan: bool = False  # 11d
    patient_signature_on_file: bool = True  # 12: "SOF"
    insured_signature_on_file: bool = True  # 13: "SOF"
    referring_name: PersonName | None = None  # 17, qualifier DN
    referring_npi: str = ""  # 17b
    additional_info: str = ""  # 19
    icd_indicator: str = "0"  # 21: 0 = ICD-10-CM
    resubmission_code: str = ""  # 22: 7 replacement, 8 void
    original_ref: str = ""  # 22: the payer's claim number
    prior_authorization: str = ""  # 23
    tax_id_is_ein: bool = True  # 25: EIN box, else SSN box
    accept_assignment: bool = True  # 27
    amount_paid_cents: int = 0  # 29
    signature: str = "SOF"  # 31: the provider's name or "SOF"
    signature_date: dt.date | None = None  # 31
    facility: ProviderBlock | None = None  # 32, 32a

    @property
    def total_charge_cents(self) -> int:
        """Item 28: the sum of every line's charge (on the last form of the claim)."""
        return sum(line.charge_cents for line in self.lines)

    @property
    def form_count(self) -> int:
        return max(1, math.ceil(len(self.lines) / LINES_PER_FORM))


# -- text ------------------------------------------------------------------------------------
_SPELLED = str.maketrans(
    {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Æ": "AE", "æ": "ae",
     "Œ": "OE", "œ": "oe", "ß": "SS", "Þ": "TH", "þ": "th", "ı": "i", "‘": "'", "’": "'",
     "‚": ",", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "}
)  # fmt: skip


def form_text(value: object) -> str:
    """What prints in a field: upper-case ASCII (accents dropped, anything else '?'), one line."""
    text = unicodedata.normalize("NFKD", str(value).translate(_SPELLED))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = " ".join(text.split())
    return "".join(ch if " " <= ch <= "~" else "?" for ch in text).upper()


def _zip(zip_code: str) -> str:
    digits = "".join(ch for ch in zip_code if ch.isdigit())
    return f"{digits[:5]}-{digits[5:]}" if len(digits) == 9 else zip_code.strip()


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _mmddyy(day: dt.date) -> tuple[str, str, str]:
    return f"{day.month:02d}", f"{day.day:02d}", f"{day.year % 100:02d}"


def _mmddyyyy(day: dt.date) -> tuple[str, str, str]:
    return f"{day.month:02d}", f"{day.day:02d}", f"{day.year:04d}"


def money_parts(cents: int, what: str = "amount") -> tuple[str, str]:
    """Integer cents as the form's (dollars, cents) boxes: 12345 -> ("123", "45")."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise ValidationError(
            f"The {what} must be a whole number of cents, not {type(cents).__name__}."
        )
    if cents < 0:
        raise ValidationError(f"The {what} cannot be negative on the claim form.")
    dollars, rest = divmod(cents, 100)
    if dollars > 99_999:
        raise ValidationError(
            f"The {what} (${dollars:,}.{rest:02d}) does not fit the form's money box "
            "(at most $99,999.99); split the services over more than one claim."
        )
    return str(dollars), f"{rest:02d}"


def pointer_letters(pointers: Iterable[int]) -> str:
    """24E: diagnosis pointers 1..12 as the letters of item 21 (A..L), no separators."""
    return "".join(chr(ord("A") + p - 1) for p in pointers)


# -- placement -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FormField:
    """One piece of data on one form: its text starts in grid ``line``, column ``col``."""

    line: int
    col: int
    text: str


# Check box columns (the X goes in this column, on the data line of its item).
_ITEM1_COLS = {
    InsuranceType.MEDICARE: 1, InsuranceType.MEDICAID: 8, InsuranceType.TRICARE: 15,
    InsuranceType.CHAMPVA: 24, InsuranceType.GROUP: 31, InsuranceType.FECA: 39,
    InsuranceType.OTHER: 45,
}  # fmt: skip
_REL_COLS = {Relationship.SELF: 33, Relationship.SPOUSE: 38, Relationship.CHILD: 42,
             Relationship.OTHER: 47}  # fmt: skip
_YES_COL_10, _NO_COL_10 = 35, 41
_DX_COLS = (3, 16, 29, 42)  # item 21: A-D on line 38, E-H on 39, I-L on 40
_DX_FIRST_LINE = 38
_FIRST_SERVICE_LINE = 44  # line 1 of item 24 prints here; the shaded line above is line 43
_MONEY_24F = (54, 56)  # (column of the last dollar digit, first cents column)
_MONEY_28 = (56, 58)
_MONEY_29 = (66, 68)


class _Fields:
    """Collects the fields of one form, cleaning and clipping each one."""

    def __init__(self) -> None:
        self.items: list[FormField] = []

    def put(self, line: int, col: int, value: object, width: int) -> None:
        text = form_text(value)[:width].rstrip()
        if text:
            self.items.append(FormField(line, col, text))

    def right(self, line: int, last_col: int, value: str, width: int) -> None:
        """Right-aligned so the last character lands in ``last_col``."""
        text = form_text(value)[-width:]
        if text:
            self.items.append(FormField(line, last_col - len(text) + 1, text))

    def check(self, line: int, col: int) -> None:
        self.items.append(FormField(line, col, "X"))

    def money(self, line: int, cols: tuple[int, int], cents: int, what: str) -> None:
        dollars, rest = money_parts(cents, what)
        self.right(line, cols[0], dollars, 5)
        self.put(line, cols[1], rest, 2)

    def date(self, line: int, cols: tuple[int, int, int], parts: tuple[str, str, str]) -> None:
        for col, part in zip(cols, parts, strict=True):
            self.put(line, col, part, len(part))

    def phone(self, line: int, area_col: int, number_col: int, phone: str) -> None:
        digits = _digits(phone)
        if len(digits) == 10:
            self.put(line, area_col, digits[:3], 3)
            self.put(line, number_col, digits[3:], 7)


def _sex_cols(sex: str, male: int, female: int) -> int | None:
    return {"M": male, "F": female}.get(sex.strip().upper()[:1])


def _check(data: Cms1500Data) -> None:
    """Refuse what the form cannot carry, in words a biller can act on."""
    if not data.lines:
        raise ValidationError("This claim has no service lines to print on the 1500 form.")
    for value, kind, item in (
        (data.insurance_type, InsuranceType, "1 (type of insurance)"),
        (data.relationship, Relationship, "6 (relationship to insured)"),
    ):
        try:
            kind(value)
        except ValueError:
            raise ValidationError(
                f"Item {item} cannot be {value!r}; choose one of "
                f"{', '.join(k.value for k in kind)}."
            ) from None
    if len(data.diagnoses) > MAX_DIAGNOSES:
        raise ValidationError(
            f"The 1500 form holds {MAX_DIAGNOSES} diagnoses (A to L); this claim has "
            f"{len(data.diagnoses)}."
        )
    for n, line in enumerate(data.lines, start=1):
        if len(line.modifiers) > 4:
            raise ValidationError(f"Service line {n} has {len(line.modifiers)} modifiers; "
                                  "the form has room for 4.")  # fmt: skip
        if len(line.pointers) > 4:
            raise ValidationError(f"Service line {n} points to {len(line.pointers)} diagnoses; "
                                  "the form has room for 4 pointers.")  # fmt: skip
        for p in line.pointers:
            if isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= len(data.diagnoses):
                raise ValidationError(
                    f"Service line {n} points to diagnosis {p!r}, but the claim lists "
                    f"{len(data.diagnoses)} diagnoses; fix the line's diagnosis pointers."
                )
        if isinstance(line.units, bool) or not isinstance(line.units, int):
            raise ValidationError(f"Service line {n} needs a whole number of units.")
        if not 1 <= line.units <= 999:
            raise ValidationError(
                f"Service line {n} has {line.units} units; the form takes 1 to 999."
            )
        money_parts(line.charge_cents, f"charge of service line {n}")
    money_parts(data.total_charge_cents, "total charge")
    money_parts(data.amount_paid_cents, "amount paid")


def _form_fields(
    data: Cms1500Data, lines: tuple[Cms1500Line, ...], *, last: bool
) -> list[FormField]:
    f = _Fields()
    # Carrier block: name, address line(s), city state ZIP.
    carrier = [data.payer_name]
    if data.payer_address is not None:
        a = data.payer_address
        carrier += [a.street, a.street2, a.city_line()]
    for line, text in zip(range(2, 6), [t for t in carrier if t.strip()], strict=False):
        f.put(line, 41, text, 40)

    # 1, 1a
    f.check(8, _ITEM1_COLS[InsuranceType(data.insurance_type)])
    f.put(8, 50, data.insured_id, 29)
    # 2, 3, 4
    f.put(10, 1, data.patient_name.form_text(), 28)
    f.date(10, (31, 34, 37), _mmddyyyy(data.patient_birth_date))
    sex_col = _sex_cols(data.patient_sex, 42, 47)
    if sex_col:
        f.check(10, sex_col)
    f.put(10, 50, data.insured_name.form_text(), 29)
    # 5, 6, 7
    pa = data.patient_address
    f.put(12, 1, " ".join(p for p in (pa.street, pa.street2) if p.strip()), 28)
    f.check(12, _REL_COLS[Relationship(data.relationship)])
    f.put(14, 1, pa.city, 23)
    f.put(14, 26, pa.state, 3)
    f.put(16, 1, _zip(pa.zip_code), 12)
    f.phone(16, 15, 19, pa.phone)
    if data.insured_address is not None:
        ia = data.insured_address
        f.put(12, 50, " ".join(p for p in (ia.street, ia.street2) if p.strip()), 29)
        f.put(14, 50, ia.city, 22)
        f.put(14, 74, ia.state, 3)
        f.put(16, 50, _zip(ia.zip_code), 13)
        f.phone(16, 65, 69, ia.phone)
    # 9, 9a, 9d
    if data.other_insured_name is not None:
        f.put(18, 1, data.other_insured_name.form_text(), 28)
    f.put(20, 1, data.other_insured_policy, 28)
    f.put(26, 1, data.other_insured_plan, 28)
    # 10a-c: every question answered, No by default.
    for line, yes in ((20, data.employment_related), (22, data.auto_accident),
                      (24, data.other_accident)):  # fmt: skip
        f.check(line, _YES_COL_10 if yes else _NO_COL_10)
    if data.auto_accident:
        f.put(22, 45, data.auto_accident_state, 2)
    # 11, 11a, 11c, 11d
    f.put(18, 50, data.insured_group_number, 29)
    if data.insured_birth_date is not None:
        f.date(20, (53, 56, 59), _mmddyyyy(data.insured_birth_date))
    sex_col = _sex_cols(data.insured_sex, 68, 75)
    if sex_col:
        f.check(20, sex_col)
    f.put(24, 50, data.insured_plan_name, 29)
    f.check(26, 52 if data.another_plan else 57)
    # 12, 13
    if data.patient_signature_on_file:
        f.put(29, 7, "SOF", 3)
    if data.insured_signature_on_file:
        f.put(29, 55, "SOF", 3)
    # 17, 17b
    if data.referring_name is not None:
        f.put(34, 1, "DN", 2)
        f.put(34, 4, data.referring_name.form_text(), 25)
        f.put(34, 33, data.referring_npi, 15)
    # 19
    f.put(36, 1, data.additional_info, 48)
    # 21
    f.put(37, 42, data.icd_indicator, 1)
    for i, code in enumerate(data.diagnoses):
        f.put(_DX_FIRST_LINE + i // 4, _DX_COLS[i % 4], code.replace(".", "").strip(), 8)
    # 22, 23
    if data.resubmission_code.strip():
        f.put(38, 50, data.resubmission_code, 11)
        f.put(38, 62, data.original_ref, 18)
    f.put(40, 50, data.prior_authorization, 29)
    # 24
    for i, sl in enumerate(lines):
        row = _FIRST_SERVICE_LINE + 2 * i
        f.date(row, (1, 4, 7), _mmddyy(sl.date_from))
        f.date(row, (10, 13, 16), _mmddyy(sl.date_to or sl.date_from))
        f.put(row, 19, sl.place_of_service, 2)
        if sl.emergency:
            f.put(row, 22, "Y", 1)
        f.put(row, 25, sl.code, 6)
        for col, modifier in zip((33, 36, 39, 42), sl.modifiers, strict=False):
            f.put(row, col, modifier, 2)
        f.put(row, 45, pointer_letters(sl.pointers), 4)
        f.money(row, _MONEY_24F, sl.charge_cents, "line charge")
        f.put(row, 59, str(sl.units), 3)
        f.put(row, 68, sl.rendering_npi, 11)
    # 25, 26, 27
    f.put(56, 1, _digits(data.tax_id) or data.tax_id, 15)
    f.check(56, 19 if data.tax_id_is_ein else 17)
    f.put(56, 23, data.account_number, 14)
    f.check(56, 38 if data.accept_assignment else 43)
    # 28, 29: the totals belong to the last form of the claim only.
    if last:
        f.money(56, _MONEY_28, data.total_charge_cents, "total charge")
        if data.amount_paid_cents:
            f.money(56, _MONEY_29, data.amount_paid_cents, "amount paid")
    else:
        f.put(56, 51, "CONTINUED", 9)
    # 31
    f.put(60, 1, data.signature, 20)
    if data.signature_date is not None:
        f.put(61, 12, " ".join(_mmddyy(data.signature_date)), 8)
    # 32, 32a
    if data.facility is not None:
        fa = data.facility
        f.put(58, 23, fa.name, 26)
        f.put(59, 23, " ".join(p for p in (fa.address.street, fa.address.street2) if p.strip()),
              26)  # fmt: skip
        f.put(60, 23, fa.address.city_line(), 26)
        f.put(61, 23, fa.npi, 10)
    # 33, 33a
    b = data.billing
    f.phone(57, 66, 70, b.address.phone)
    f.put(58, 50, b.name, 31)
    f.put(59, 50, " ".join(p for p in (b.address.street, b.address.street2) if p.strip()), 31)
    f.put(60, 50, b.address.city_line(), 31)
    f.put(61, 50, b.npi, 10)
    return f.items


def form_pages(data: Cms1500Data) -> list[list[FormField]]:
    """The fields of every form the claim needs (six service lines per form), after checks."""
    _check(data)
    chunks = [data.lines[i : i + LINES_PER_FORM] for i in range(0, len(data.lines), LINES_PER_FORM)]
    return [
        _form_fields(data, chunk, last=(n == len(chunks) - 1)) for n, chunk in enumerate(chunks)
    ]


# -- the drawn form (plain paper only) -------------------------------------------------------
# Boxes as (first column, column after the box, first line, last line, label). A box's border
# sits half a column left of its first column and on the line grid above its first line.
_BOXES: tuple[tuple[int, int, int, int, str], ...] = (
    (41, 81, 1, 6, "CARRIER - payer name and address"),
    (1, 50, 7, 8, "1  Type of insurance (mark one)"),
    (50, 81, 7, 8, "1a  Insured's ID number (member ID, as on the card)"),
    (1, 30, 9, 10, "2  Patient's name (last, first, middle initial)"),
    (30, 50, 9, 10, "3  Patient's birth date and sex"),
    (50, 81, 9, 10, "4  Insured's name (last, first, middle initial)"),
    (1, 30, 11, 12, "5  Patient's address (street)"),
    (30, 50, 11, 12, "6  Patient's relationship to insured"),
    (50, 81, 11, 12, "7  Insured's address (street)"),
    (1, 25, 13, 14, "City"),
    (25, 30, 13, 14, "State"),
    (30, 50, 13, 16, "8  Reserved for NUCC use"),
    (50, 73, 13, 14, "City"),
    (73, 81, 13, 14, "State"),
    (1, 14, 15, 16, "ZIP code"),
    (14, 30, 15, 16, "Telephone (with area code)"),
    (50, 64, 15, 16, "ZIP code"),
    (64, 81, 15, 16, "Telephone (with area code)"),
    (1, 30, 17, 18, "9  Other insured's name (last, first, MI)"),
    (30, 50, 17, 18, "10  Is the condition related to:"),
    (50, 81, 17, 18, "11  Insured's policy group or FECA number"),
    (1, 30, 19, 20, "9a  Other insured's policy or group number"),
    (30, 50, 19, 20, "10a  Employment (current or previous)?"),
    (50, 81, 19, 20, "11a  Insured's birth date and sex"),
    (1, 30, 21, 22, "9b  Reserved for NUCC use"),
    (30, 50, 21, 22, "10b  Auto accident?"),
    (50, 81, 21, 22, "11b  Other claim ID"),
    (1, 30, 23, 24, "9c  Reserved for NUCC use"),
    (30, 50, 23, 24, "10c  Other accident?"),
    (50, 81, 23, 24, "11c  Insurance plan or program name"),
    (1, 30, 25, 26, "9d  Other insured's plan or program name"),
    (30, 50, 25, 26, "10d  Claim codes"),
    (50, 81, 25, 26, "11d  Is there another health benefit plan?"),
    (1, 50, 27, 29, "12  Patient's (or authorized person's) signature: allows release of "
                    "the information this claim needs"),
    (50, 81, 27, 29, "13  Insured's (or authorized person's) signature: benefits are paid "
                     "to the provider"),
    (1, 30, 30, 32, "14  Date of current illness, injury or pregnancy"),
    (30, 50, 30, 32, "15  Other date"),
    (50, 81, 30, 32, "16  Dates patient unable to work"),
    (1, 30, 33, 34, "17  Referring provider or other source"),
    (30, 50, 33, 33, ""),
    (30, 50, 34, 34, ""),
    (50, 81, 33, 34, "18  Hospitalization dates for these services"),
    (1, 50, 35, 36, "19  Additional claim information"),
    (50, 81, 35, 36, "20  Outside lab?   $ charges"),
    (1, 50, 37, 40, "21  Diagnoses (ICD) - relate A-L to the service lines in 24E"),
    (50, 81, 37, 38, "22  Resubmission code   Original ref. no."),
    (50, 81, 39, 40, "23  Prior authorization number"),
    (1, 19, 41, 42, "24A  Date(s) of service"),
    (19, 22, 41, 42, "B  Place"),
    (22, 25, 41, 42, "C  EMG"),
    (25, 45, 41, 42, "D  Procedure (CPT/HCPCS)  Modifiers"),
    (45, 50, 41, 42, "E  Dx pointer"),
    (50, 59, 41, 42, "F  $ Charges"),
    (59, 63, 41, 42, "G  Units"),
    (63, 65, 41, 42, "H"),
    (65, 68, 41, 42, "I  Qual"),
    (68, 81, 41, 42, "J  Rendering provider ID"),
    (1, 22, 55, 56, "25  Federal tax ID number"),
    (22, 37, 55, 56, "26  Patient's account no."),
    (37, 50, 55, 56, "27  Accept assignment?"),
    (50, 61, 55, 56, "28  Total charge"),
    (61, 71, 55, 56, "29  Amount paid"),
    (71, 81, 55, 56, "30  Reserved for NUCC"),
    (1, 22, 57, 61, "31  Signature of physician or supplier"),
    (22, 49, 57, 61, "32  Service facility location"),
    (49, 81, 57, 61, "33  Billing provider info and phone"),
)  # fmt: skip

# Small captions over check boxes and sub-fields: (line, column, caption). The caption prints in
# the lower half of the label line above the data line, starting at the column.
_CAPTIONS: tuple[tuple[int, int, str], ...] = (
    (7, 1, "Medicare"), (7, 8, "Medicaid"), (7, 15, "TRICARE"), (7, 24, "CHAMPVA"),
    (7, 31, "Group plan"), (7, 39, "FECA"), (7, 45, "Other"),
    (9, 31, "MM"), (9, 34, "DD"), (9, 37, "YYYY"), (9, 42, "M"), (9, 47, "F"),
    (11, 33, "Self"), (11, 38, "Spouse"), (11, 42, "Child"), (11, 47, "Other"),
    (19, 35, "Yes"), (19, 41, "No"), (21, 35, "Yes"), (21, 41, "No"), (21, 45, "State"),
    (23, 35, "Yes"), (23, 41, "No"),
    (19, 53, "MM"), (19, 56, "DD"), (19, 59, "YYYY"), (19, 68, "M"), (19, 75, "F"),
    (25, 52, "Yes"), (25, 57, "No"),
    (33, 1, "Qualifier / name"),
    (42, 1, "From MM DD YY"), (42, 10, "To MM DD YY"), (42, 25, "Code"), (42, 33, "Modifiers"),
    (55, 17, "SSN"), (55, 19, "EIN"), (55, 38, "Yes"), (55, 43, "No"),
)  # fmt: skip
# Small labels on a data line itself, left of the data they name: (line, column, caption).
_INLINE: tuple[tuple[int, int, str], ...] = (
    (29, 1, "Signed"), (29, 30, "Date"), (29, 50, "Signed"),
    (33, 30, "17a"), (34, 30, "17b NPI"), (37, 37, "ICD ind."),
    (61, 8, "Date"), (61, 22, "a"), (61, 34, "b"), (61, 49, "a"), (61, 61, "b"),
)  # fmt: skip
_CHECKBOXES: tuple[tuple[int, int], ...] = (
    *((8, c) for c in _ITEM1_COLS.values()),
    (10, 42), (10, 47),
    *((12, c) for c in _REL_COLS.values()),
    (20, 35), (20, 41), (22, 35), (22, 41), (24, 35), (24, 41),
    (20, 68), (20, 75), (26, 52), (26, 57),
    (56, 17), (56, 19), (56, 38), (56, 43),
)  # fmt: skip
_FORM_RGB = (176, 36, 36)  # the form's own red, so the data (black) stands out
_SHADE_RGB = (250, 228, 228)
_LABEL_FONT = "Helvetica"
_LABEL_PT = 5.5


def _draw_form(pdf, ox: float, oy: float, page: int, pages: int) -> None:
    """Boxes, labels and the item 24 grid; ``ox``/``oy`` are the nudges in mm."""

    def bx(col: float) -> float:  # a border half a column left of ``col``
        return column_x_pt(1, ox) + (col - 1.5) * COL_PT

    def by(line: int) -> float:  # the top of ``line``
        return line_top_pt(line, oy)

    pdf.set_draw_color(*_FORM_RGB)
    pdf.set_text_color(*_FORM_RGB)
    pdf.set_char_spacing(0)
    # Item 24: shaded supplemental line above each service line, then the column rules.
    pdf.set_fill_color(*_SHADE_RGB)
    for i in range(LINES_PER_FORM):
        top = by(_FIRST_SERVICE_LINE - 1 + 2 * i)
        pdf.rect(bx(1), top, bx(81) - bx(1), LINE_PT, style="F")
    pdf.set_line_width(0.6)
    for c0, c1, l0, l1, _ in _BOXES:
        pdf.rect(bx(c0), by(l0), bx(c1) - bx(c0), by(l1 + 1) - by(l0))
    for i in range(LINES_PER_FORM):
        top = by(_FIRST_SERVICE_LINE - 1 + 2 * i)
        pdf.rect(bx(1), top, bx(81) - bx(1), 2 * LINE_PT)
        for col in (19, 22, 25, 45, 50, 59, 63, 65, 68):
            pdf.line(bx(col), top, bx(col), top + 2 * LINE_PT)
        pdf.set_font(_LABEL_FONT, "B", 9)
        pdf.text(bx(1) - 8, top + 2 * LINE_PT - BASELINE_RAISE_PT, str(i + 1))
    # Thin rules: sub-fields of dates, modifiers and the cents boxes.
    pdf.set_line_width(0.25)
    for i in range(LINES_PER_FORM):
        top = by(_FIRST_SERVICE_LINE + 2 * i)
        for col in (3.5, 6.5, 9.5, 12.5, 15.5, 32.5, 35.5, 38.5, 41.5, 55.5):
            pdf.line(bx(col), top, bx(col), top + LINE_PT)
        pdf.line(bx(65), top, bx(81), top)
    for col in (57.5, 67.5):
        pdf.line(bx(col), by(56), bx(col), by(57))
    pdf.line(bx(34), by(61), bx(34), by(62))  # 32a | 32b
    pdf.line(bx(61), by(61), bx(61), by(62))  # 33a | 33b
    for line, col in _CHECKBOXES:
        pdf.rect(column_x_pt(col, ox) - 0.6, line_top_pt(line, oy) + 1.5, COL_PT - 0.6, 8.5)
    # Labels.
    pdf.set_font(_LABEL_FONT, "", _LABEL_PT)
    for c0, _c1, l0, _l1, label in _BOXES:
        if label:
            pdf.text(bx(c0) + 1.5, by(l0) + _LABEL_PT + 0.5, label)
    for line, col, caption in _CAPTIONS:
        pdf.text(column_x_pt(col, ox) - 0.5, line_top_pt(line + 1, oy) - 1.2, caption)
    for line, col, caption in _INLINE:
        pdf.text(column_x_pt(col, ox), baseline_pt(line, oy), caption)
    for i, letter in enumerate("ABCDEFGHIJKL"):
        line, col = _DX_FIRST_LINE + i // 4, _DX_COLS[i % 4]
        pdf.text(column_x_pt(col, ox) - 9, baseline_pt(line, oy), f"{letter}.")
    # Title and footer.
    pdf.set_font(_LABEL_FONT, "B", 13)
    pdf.text(bx(1), by(3) + 2, "HEALTH INSURANCE CLAIM FORM")
    pdf.set_font(_LABEL_FONT, "", 6.5)
    pdf.text(bx(1), by(4) + 2, "Plain-paper copy in the layout of the NUCC 1500 claim form "
                               "(version 02/12)")  # fmt: skip
    pdf.text(bx(1), by(5) + 2, "Printed by ClaimDesk. Payers that scan claims need the red form.")
    pdf.text(bx(1), by(62) + 8, f"Form {page} of {pages}")
    pdf.set_text_color(0, 0, 0)


# -- the PDF ---------------------------------------------------------------------------------
def _offset(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(f"The printer nudge {name} must be a number of millimetres.")
    if abs(value) > MAX_OFFSET_MM:
        raise ValidationError(
            f"The printer nudge {name} is {value:g} mm; keep it within {MAX_OFFSET_MM:g} mm "
            "(one inch) and check the paper in the tray instead."
        )
    return float(value)


def render_cms1500(
    data: Cms1500Data,
    *,
    overlay: bool = False,
    offset_x_mm: float = 0,
    offset_y_mm: float = 0,
) -> bytes:
    """The claim on 1500 forms as PDF bytes: one form per six service lines.

    ``overlay=True`` prints the data only, for pre-printed red forms; otherwise the form is drawn
    too. ``offset_x_mm`` moves everything right (negative: left) and ``offset_y_mm`` down
    (negative: up), for a printer that feeds the form a little off.
    """
    from fpdf import FPDF  # loaded when printing, not at import

    ox = _offset(offset_x_mm, "offset_x_mm")
    oy = _offset(offset_y_mm, "offset_y_mm")
    pages = form_pages(data)

    pdf = FPDF(orientation="P", unit="pt", format="Letter")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_creator("ClaimDesk")
    pdf.set_title(form_text(f"CMS-1500 claim {data.account_number}"))
    for n, fields in enumerate(pages, start=1):
        pdf.add_page()
        if not overlay:
            _draw_form(pdf, ox, oy, n, len(pages))
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(DATA_FONT, "", DATA_FONT_PT)
        pdf.set_char_spacing(_CHAR_SPACING_PT)
        for field in fields:
            pdf.text(column_x_pt(field.col, ox), baseline_pt(field.line, oy), field.text)
    return bytes(pdf.output())
