"""Quick entry: the typed line a power user codes procedures with."""

from __future__ import annotations

import pytest

from core.errors import ValidationError
from core.quick_entry import QuickEntryError, QuickLine, parse, parse_many


@pytest.mark.parametrize(
    "text, expected",
    [
        ("99214 25 x1 1,2", QuickLine("99214", ("25",), 1, (1, 2))),
        ("J3301 x2 1", QuickLine("J3301", (), 2, (1,))),
        ("20610 RT 2", QuickLine("20610", ("RT",), 1, (2,))),
        ("99213", QuickLine("99213", (), 1, (1,))),
        ("G0439 1,2,3", QuickLine("G0439", (), 1, (1, 2, 3))),
        # the same, typed loosely
        ("  99214   25  X1  1, 2 ", QuickLine("99214", ("25",), 1, (1, 2))),
        ("j3301 2x 1", QuickLine("J3301", (), 2, (1,))),
        ("j3301 x 2", QuickLine("J3301", (), 2, (1,))),
        ("99214 1:2", QuickLine("99214", (), 1, (1, 2))),
        ("99214 1 2", QuickLine("99214", (), 1, (1, 2))),
        ("20610 rt 59 lt xs 12", QuickLine("20610", ("RT", "59", "LT", "XS"), 1, (12,))),
        ("11102 E1 F5 1", QuickLine("11102", ("E1", "F5"), 1, (1,))),
        ("0001U x3", QuickLine("0001U", (), 3, (1,))),
        ("99213 $85.50", QuickLine("99213", (), 1, (1,), 8550)),
        ("99213 1 $ 1,200", QuickLine("99213", (), 1, (1,), 120000)),
        ("97110 GP x2 1 $110", QuickLine("97110", ("GP",), 2, (1,), 11000)),
    ],
)
def test_good_lines(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text, why",
    [
        ("", "type a procedure code first"),
        ("   ", "type a procedure code first"),
        ("9921", "not a procedure code"),
        ("ABCDE 1", "not a procedure code"),
        ("E11.9", "looks like a diagnosis"),
        ("I10", "looks like a diagnosis"),
        ("99214 25 59 RT LT XS", "at most 4 modifiers; 5 were typed"),
        ("99214 0", "pointer 0 does not exist"),
        ("99214 1,0", "pointer 0 does not exist"),
        ("99214 13", "pointer 13 is out of range"),
        ("99214 1,14", "pointer 14 is out of range"),
        ("99214 100", "pointer 100 is out of range"),
        ("99214 x0", "units must be at least 1"),
        ("99214 0x 1", "units must be at least 1"),
        ("99214 x1000", "units must be at most 999"),
        ("99214 x1 x2", "units are given twice"),
        ("99214 1,2,3,4,5", "at most 4 diagnoses"),
        ("99214 1,1", "pointer 1 is typed twice"),
        ("99214 25 25", "modifier 25 is typed twice"),
        ("99214 $abc", "not an amount of money"),
        ("99214 $-5", "cannot be negative"),
        ("99214 $5 $6", "charge is given twice"),
        ("99214 1-2", "cannot read '1-2'"),
        ("99214 RTX", "cannot read 'RTX'"),
    ],
)
def test_bad_lines_name_the_part(text, why):
    with pytest.raises(QuickEntryError, match=why):
        parse(text)


def test_errors_are_core_validation_errors():
    with pytest.raises(ValidationError):
        parse("nonsense")


@pytest.mark.parametrize(
    "line",
    [
        QuickLine("99214", ("25",), 1, (1, 2)),
        QuickLine("J3301", (), 12, (3,), 1999),
        QuickLine("20610", ("RT", "59", "XS", "LT"), 1, (1, 2, 3, 4), 123456),
    ],
)
def test_as_text_reads_back(line):
    assert parse(line.as_text()) == line


def test_several_lines():
    assert parse_many("99214 25 1,2; 36415 1") == [
        QuickLine("99214", ("25",), 1, (1, 2)),
        QuickLine("36415", (), 1, (1,)),
    ]
    assert parse_many("99213;") == [QuickLine("99213")]
    with pytest.raises(QuickEntryError, match="^line 2: units must be at least 1"):
        parse_many("99213; 36415 x0")
    with pytest.raises(QuickEntryError, match="^units must be"):
        parse_many("99213 x0")
    with pytest.raises(QuickEntryError, match="type a procedure code"):
        parse_many(" ; ")
