"""The CMS-1500 (02/12) renderer: plain paper and red-form overlay, read back with pypdf.

Positions are checked against the 10 cpi / 6 lpi grid written out here independently of the
module: column c starts 0.3 in + (c - 1) / 10 in from the left, line l is the band from
l / 6 in to (l + 1) / 6 in from the top (item 1 on line 8 at 1.33 in).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import re

import pytest
from pypdf import PdfReader

from core.cms1500 import (
    Address,
    Cms1500Data,
    Cms1500Line,
    InsuranceType,
    PersonName,
    ProviderBlock,
    Relationship,
    form_text,
    money_parts,
    pointer_letters,
    render_cms1500,
)
from core.errors import ClaimDeskError, ValidationError

PAGE_H = 792.0
COL0_X = 0.3 * 72  # left edge of column 1, points
COL_W = 7.2  # 10 characters per inch
LINE_H = 12.0  # 6 lines per inch
DOS = dt.date(2026, 10, 14)

LABELS = ("HEALTH INSURANCE CLAIM FORM", "Insured's ID number", "Patient's name",
          "Federal tax ID number", "Total charge", "Billing provider", "Dx pointer",
          "Medicare", "CARRIER")  # fmt: skip


def line(code: str, cents: int, pointers=(1,), modifiers=(), **over) -> Cms1500Line:
    return Cms1500Line(date_from=DOS, code=code, charge_cents=cents, pointers=pointers,
                       modifiers=modifiers, rendering_npi="1245319599", **over)  # fmt: skip


TWO_LINES = (line("99214", 18500, (1, 2), ("25",)), line("36415", 2500))
EIGHT_LINES = (
    line("99214", 18500, (1, 2), ("25",)),
    line("36415", 2500),
    line("83036", 12345, (1, 3), ("QW",)),
    line("80061", 4200, (4,)),
    line("93000", 6000, (2, 5, 1, 3), ("59", "XU", "GA", "KX")),
    line("G0439", 17500),
    line("81002", 1000),
    line("99211", 5, (5,)),
)


def claim(**over) -> Cms1500Data:
    data = dict(
        payer_name="Sandbox Medicare",
        payer_address=Address("PO Box 1234", "Springfield", "IL", "627011234"),
        insurance_type=InsuranceType.MEDICARE,
        insured_id="1EG4TE5MK73",
        patient_name=PersonName("Testpatient", "Ada", "Marie"),
        patient_birth_date=dt.date(1958, 3, 9),
        patient_sex="F",
        insured_name=PersonName("Testpatient", "Ada", "Marie"),
        patient_address=Address("12 Elm St", "Springfield", "IL", "62704", phone="2175550142"),
        insured_address=Address("12 Elm St", "Springfield", "IL", "62704", phone="2175550142"),
        relationship=Relationship.SELF,
        diagnoses=("E11.9", "I10", "Z79.4", "E78.5", "R53.83"),
        lines=TWO_LINES,
        tax_id="12-3456789",
        account_number="CD0000000042",
        billing=ProviderBlock(
            "Maple Grove Family Medicine",
            Address("100 Main St", "Springfield", "IL", "627011234", phone="2175550100"),
            "1234567893",
        ),
        facility=ProviderBlock(
            "Maple Grove Outpatient",
            Address("200 Oak Ave", "Springfield", "IL", "62701"),
            "1679576722",
        ),
        referring_name=PersonName("Referrer", "Paul"),
        referring_npi="1003000126",
        prior_authorization="AUTH998877",
        insured_group_number="NONE",
        insured_birth_date=dt.date(1958, 3, 9),
        insured_sex="F",
        insured_plan_name="Medicare Part B",
        signature="Rosa Example MD",
        signature_date=dt.date(2026, 10, 15),
    )
    data.update(over)
    return Cms1500Data(**data)


# -- reading the PDF back ----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Placed:
    text: str
    x: float  # points from the left edge
    y: float  # baseline, points from the top edge
    font: str

    @property
    def col(self) -> int:
        return round((self.x - COL0_X) / COL_W) + 1

    @property
    def line(self) -> int:
        return math.floor(self.y / LINE_H)


def placed(pdf: bytes) -> list[list[Placed]]:
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found: list[Placed] = []

        def visit(text, cm, tm, font, size, found=found):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                name = str(font.get("/BaseFont", "")) if font else ""
                found.append(Placed(text.strip(), x, PAGE_H - y, name))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def at(items: list[Placed], line_no: int, col: int) -> str:
    """The text that starts in grid cell (line, col); checks it sits well inside the cell."""
    hits = [p for p in items if p.font == "/Courier" and p.line == line_no and p.col == col]
    assert len(hits) == 1, f"expected one field at line {line_no} col {col}, found {hits}"
    hit = hits[0]
    assert abs(hit.x - (COL0_X + (col - 1) * COL_W)) < 0.5  # on the 10 cpi grid
    top = line_no * LINE_H
    assert top + 6 <= hit.y <= top + LINE_H - 1  # baseline in the lower half of its line
    return hit.text


def empty(items: list[Placed], line_no: int, col: int) -> bool:
    return not [p for p in items if p.font == "/Courier" and p.line == line_no and p.col == col]


def all_text(items: list[Placed]) -> str:
    return "\n".join(p.text for p in items)


# -- plain paper ---------------------------------------------------------------------------------
def test_plain_paper_shows_the_form_and_every_key_field():
    pdf = render_cms1500(claim())
    assert pdf.startswith(b"%PDF")
    (page,) = placed(pdf)
    text = all_text(page)
    for label in LABELS:
        assert label in text
    for value in ("1EG4TE5MK73", "TESTPATIENT, ADA, M", "E119", "I10", "Z794", "R5383",
                  "99214", "36415", "1234567893", "1245319599", "1679576722", "123456789",
                  "CD0000000042", "SANDBOX MEDICARE", "AUTH998877", "1003000126"):  # fmt: skip
        assert value in text, value
    # charges per line and the total (18500 + 2500 = 21000 cents), dollars and cents apart
    assert (at(page, 44, 50 + 5 - 3), at(page, 44, 56)) == ("185", "00")
    assert (at(page, 46, 50 + 5 - 2), at(page, 46, 56)) == ("25", "00")
    assert (at(page, 56, 52 + 5 - 3), at(page, 56, 58)) == ("210", "00")
    assert "Form 1 of 1" in text
    fonts = {p.font for p in page}
    assert "/Helvetica" in fonts and "/Courier" in fonts


def test_plain_and_overlay_place_the_same_data_in_the_same_cells():
    plain = [(p.text, round(p.x, 1), round(p.y, 1)) for p in placed(render_cms1500(claim()))[0]
             if p.font == "/Courier"]  # fmt: skip
    over = [(p.text, round(p.x, 1), round(p.y, 1))
            for p in placed(render_cms1500(claim(), overlay=True))[0]]  # fmt: skip
    assert plain == over and len(over) > 60


# -- overlay ------------------------------------------------------------------------------------
def test_overlay_has_the_data_but_none_of_the_form():
    pdf = render_cms1500(claim(), overlay=True)
    (page,) = placed(pdf)
    text = all_text(page)
    for label in (*LABELS, "Form 1 of", "Signed", "NPI", "Yes"):
        assert label not in text
    assert "1EG4TE5MK73" in text and "TESTPATIENT, ADA, M" in text
    assert {p.font for p in page} == {"/Courier"}
    assert all(p.text == p.text.upper() for p in page)
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert not re.search(rb"\s(re|l|m)\s", content)  # no rectangles, lines or paths
    assert b"10.00 Tf" in content  # Courier 10 pt


def test_overlay_fields_land_in_their_character_cells():
    (page,) = placed(render_cms1500(claim(), overlay=True))
    assert at(page, 2, 41) == "SANDBOX MEDICARE"  # carrier block
    assert at(page, 3, 41) == "PO BOX 1234"
    assert at(page, 4, 41) == "SPRINGFIELD IL 62701-1234"  # no second street line: moves up
    assert at(page, 8, 1) == "X"  # 1 Medicare
    assert at(page, 8, 50) == "1EG4TE5MK73"  # 1a
    assert at(page, 10, 1) == "TESTPATIENT, ADA, M"  # 2
    assert [at(page, 10, c) for c in (31, 34, 37)] == ["03", "09", "1958"]  # 3 MM DD YYYY
    assert at(page, 10, 47) == "X" and empty(page, 10, 42)  # 3 sex F
    assert at(page, 12, 33) == "X"  # 6 self
    assert (
        at(page, 16, 1) == "62704" and at(page, 16, 15) == "217" and at(page, 16, 19) == ("5550142")
    )
    assert [at(page, ln, 41) for ln in (20, 22, 24)] == ["X", "X", "X"]  # 10a-c: No
    assert at(page, 18, 50) == "NONE"  # 11
    assert at(page, 26, 57) == "X"  # 11d No
    assert at(page, 29, 7) == "SOF" and at(page, 29, 55) == "SOF"  # 12, 13
    assert at(page, 34, 1) == "DN" and at(page, 34, 4) == "REFERRER, PAUL"  # 17
    assert at(page, 34, 33) == "1003000126"  # 17b
    assert at(page, 37, 42) == "0"  # 21 ICD indicator
    assert [at(page, 38, c) for c in (3, 16, 29, 42)] == ["E119", "I10", "Z794", "E785"]
    assert at(page, 39, 3) == "R5383"  # E on the second row, no dot
    assert at(page, 40, 50) == "AUTH998877"  # 23
    assert empty(page, 38, 50)  # 22 only on a replacement or void
    # 24, first service line on line 44: dates MM DD YY from/to, POS, code, modifier, pointers
    assert [at(page, 44, c) for c in (1, 4, 7, 10, 13, 16)] == ["10", "14", "26"] * 2
    assert at(page, 44, 19) == "11" and at(page, 44, 25) == "99214" and at(page, 44, 33) == "25"
    assert at(page, 44, 45) == "AB" and at(page, 44, 59) == "1"
    assert at(page, 44, 68) == "1245319599"  # 24J
    assert at(page, 46, 25) == "36415" and at(page, 46, 45) == "A"  # second line, two lines down
    assert empty(page, 45, 25) and empty(page, 48, 25)
    assert at(page, 56, 1) == "123456789"  # 25 without the hyphen
    assert at(page, 56, 19) == "X"  # EIN
    assert at(page, 56, 23) == "CD0000000042"  # 26
    assert at(page, 56, 38) == "X"  # 27 yes
    assert at(page, 57, 66) == "217" and at(page, 57, 70) == "5550100"  # 33 phone
    assert at(page, 58, 23) == "MAPLE GROVE OUTPATIENT" and at(page, 61, 23) == "1679576722"
    assert at(page, 58, 50) == "MAPLE GROVE FAMILY MEDICINE"
    assert at(page, 60, 50) == "SPRINGFIELD IL 62701-1234"
    assert at(page, 61, 50) == "1234567893"  # 33a
    assert at(page, 60, 1) == "ROSA EXAMPLE MD" and at(page, 61, 12) == "10 15 26"  # 31


def test_other_choices_move_the_x_to_their_boxes():
    data = claim(
        insurance_type=InsuranceType.GROUP, relationship=Relationship.CHILD, patient_sex="M",
        insured_sex="M", tax_id_is_ein=False, accept_assignment=False, another_plan=True,
        auto_accident=True, auto_accident_state="ny", other_insured_name=PersonName("Doe", "Jo"),
        other_insured_policy="W1234", other_insured_plan="Sandbox Supplemental",
        resubmission_code="7", original_ref="PAYCLM12345",
        lines=(line("99214", 100, date_to=dt.date(2026, 10, 16), emergency=True),),
    )  # fmt: skip
    (page,) = placed(render_cms1500(data, overlay=True))
    assert at(page, 8, 31) == "X" and empty(page, 8, 1)  # group health plan
    assert at(page, 12, 42) == "X" and empty(page, 12, 33)  # child
    assert at(page, 10, 42) == "X" and at(page, 20, 68) == "X"  # M
    assert at(page, 22, 35) == "X" and at(page, 22, 45) == "NY"  # auto accident, state
    assert at(page, 20, 41) == "X" and at(page, 24, 41) == "X"
    assert at(page, 26, 52) == "X"  # 11d yes
    assert at(page, 18, 1) == "DOE, JO" and at(page, 20, 1) == "W1234"
    assert at(page, 26, 1) == "SANDBOX SUPPLEMENTAL"
    assert at(page, 38, 50) == "7" and at(page, 38, 62) == "PAYCLM12345"  # 22
    assert at(page, 56, 17) == "X" and at(page, 56, 43) == "X"  # SSN, assignment no
    assert [at(page, 44, c) for c in (10, 13, 16)] == ["10", "16", "26"]  # To date
    assert at(page, 44, 22) == "Y"  # 24C


def test_offsets_nudge_every_field_by_whole_cells():
    (page,) = placed(render_cms1500(claim(), overlay=True, offset_x_mm=2.54,
                                    offset_y_mm=-25.4 / 6))  # fmt: skip
    assert at(page, 7, 51) == "1EG4TE5MK73"  # one column right, one line up
    assert at(page, 43, 26) == "99214"
    (plain,) = placed(render_cms1500(claim(), offset_x_mm=-1.0))
    member = next(p for p in plain if p.text == "1EG4TE5MK73")
    assert member.x == pytest.approx(COL0_X + 49 * COL_W - 72 / 25.4, abs=0.05)


# -- money ----------------------------------------------------------------------------------------
def test_money_parts_split_cents_with_integer_arithmetic():
    assert money_parts(12345) == ("123", "45")
    assert money_parts(5) == ("0", "05")
    assert money_parts(0) == ("0", "00")
    assert money_parts(9_999_999) == ("99999", "99")
    for bad in (12.5, True, "123", -1, 10_000_000):
        with pytest.raises(ValidationError):
            money_parts(bad)


def test_overlay_money_has_no_dollar_sign_or_point_and_right_aligns_dollars():
    data = claim(lines=(line("99214", 12345), line("36415", 5), line("99215", 1_000_000)),
                 amount_paid_cents=8040)  # fmt: skip
    (page,) = placed(render_cms1500(data, overlay=True))
    assert (at(page, 44, 52), at(page, 44, 56)) == ("123", "45")
    assert (at(page, 46, 54), at(page, 46, 56)) == ("0", "05")
    assert (at(page, 48, 50), at(page, 48, 56)) == ("10000", "00")
    # 28 total 10,123.50 and 29 amount paid 80.40
    assert (at(page, 56, 52), at(page, 56, 58)) == ("10123", "50")
    assert (at(page, 56, 65), at(page, 56, 68)) == ("80", "40")
    text = all_text(page)
    assert "$" not in text and "123.45" not in text and "10,123" not in text


# -- more than six lines ------------------------------------------------------------------------
def test_eight_lines_take_two_forms_with_the_total_on_the_last():
    pages = placed(render_cms1500(claim(lines=EIGHT_LINES), overlay=True))
    assert len(pages) == 2
    first, second = pages
    for page in pages:  # the header repeats on every form
        assert at(page, 8, 50) == "1EG4TE5MK73" and at(page, 10, 1) == "TESTPATIENT, ADA, M"
        assert at(page, 38, 3) == "E119" and at(page, 56, 23) == "CD0000000042"
        assert at(page, 61, 50) == "1234567893"
    assert [at(first, 44 + 2 * i, 25) for i in range(6)] == [
        "99214", "36415", "83036", "80061", "93000", "G0439"
    ]  # fmt: skip
    assert [at(first, 52, c) for c in (33, 36, 39, 42, 45)] == ["59", "XU", "GA", "KX", "BEAC"]
    assert at(first, 56, 51) == "CONTINUED" and empty(first, 56, 58)
    assert [at(second, 44, 25), at(second, 46, 25)] == ["81002", "99211"]
    assert empty(second, 48, 25) and "CONTINUED" not in all_text(second)
    # 18500+2500+12345+4200+6000+17500+1000+5 = 62050 cents, on the last form only
    assert (at(second, 56, 54), at(second, 56, 58)) == ("620", "50")
    assert at(second, 46, 45) == "E" and (at(second, 46, 54), at(second, 46, 56)) == ("0", "05")


def test_plain_paper_numbers_its_forms():
    pages = placed(render_cms1500(claim(lines=EIGHT_LINES * 2)))
    assert len(pages) == 3
    assert "Form 1 of 3" in all_text(pages[0]) and "Form 3 of 3" in all_text(pages[2])
    assert "CONTINUED" in all_text(pages[1]) and "CONTINUED" not in all_text(pages[2])


# -- text ------------------------------------------------------------------------------------------
def test_form_text_is_upper_case_ascii_on_one_line():
    assert form_text("Zoë  Ñúñez-Łukasiewicz") == "ZOE NUNEZ-LUKASIEWICZ"
    assert form_text("O’Brien\nJr") == "O'BRIEN JR"
    assert form_text("王小明") == "???"
    assert pointer_letters((1, 2, 12)) == "ABL"


def test_unicode_and_long_names_are_clipped_not_crashing():
    long_last = "Ñúñez-Łukasiewicz-Wolfeschlegelsteinhausenbergerdorff"
    data = claim(
        patient_name=PersonName(long_last, "Zoë", "Ægir"),
        insured_name=PersonName("王", "小明"),
        patient_address=Address(
            "1 Øresund Straße " + "x" * 60, "Saint-Étienne-du-Rouvray", "IL", "62704"
        ),  # fmt: skip
        billing=ProviderBlock(
            "Clinique " + "Médicale " * 10, Address("1 Rue", "Paris", "IL", "62704"), "1234567893"
        ),  # fmt: skip
    )
    for overlay in (True, False):
        (page,) = placed(render_cms1500(data, overlay=overlay))
        name = at(page, 10, 1)
        assert name == "NUNEZ-LUKASIEWICZ-WOLFESCHLE" and len(name) == 28
        assert at(page, 10, 50) == "?, ??"
        assert at(page, 12, 1).startswith("1 ORESUND STRASSE X") and len(at(page, 12, 1)) <= 28
        assert len(at(page, 58, 50)) <= 31 and at(page, 58, 50).startswith("CLINIQUE MEDICALE")


# -- refusals --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("over", "words"),
    [
        (dict(lines=()), "no service lines"),
        (dict(diagnoses=tuple(f"E11.{i}" for i in range(13))), "12 diagnoses"),
        (dict(lines=(line("99214", 100, (6,)),)), "points to diagnosis 6"),
        (dict(lines=(line("99214", 100, (1, 2, 3, 4, 5)),)), "room for 4 pointers"),
        (dict(lines=(line("99214", 100, modifiers=("25", "59", "GA", "KX", "QW")),)),
         "5 modifiers"),
        (dict(lines=(line("99214", 100, units=0),)), "0 units"),
        (dict(lines=(line("99214", 185.0),)), "whole number of cents"),
        (dict(lines=(line("99214", -100),)), "cannot be negative"),
        (dict(lines=(line("99214", 6_000_000), line("99215", 6_000_000))), "total charge"),
        (dict(amount_paid_cents=-5), "amount paid"),
        (dict(insurance_type="medicare-advantage"), "Item 1 (type of insurance)"),
        (dict(relationship="cousin"), "choose one of self, spouse, child, other"),
    ],
)  # fmt: skip
def test_what_the_form_cannot_carry_is_refused_in_plain_words(over, words):
    with pytest.raises(ValidationError) as err:
        render_cms1500(claim(**over))
    assert isinstance(err.value, ClaimDeskError)
    assert words in str(err.value) and str(err.value).endswith(".")


@pytest.mark.parametrize("nudge", [30.0, -26, float("nan"), "2", True])
def test_printer_nudges_must_be_small_numbers(nudge):
    with pytest.raises(ValidationError, match="nudge"):
        render_cms1500(claim(), overlay=True, offset_x_mm=nudge)
    with pytest.raises(ValidationError, match="nudge"):
        render_cms1500(claim(), offset_y_mm=nudge)


def test_data_is_frozen():
    data = claim()
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.insured_id = "X"  # type: ignore[misc]
    assert data.total_charge_cents == 21000 and claim(lines=EIGHT_LINES).form_count == 2
