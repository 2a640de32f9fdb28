"""The lenient X12 reader: separators from ISA, BOM, line breaks, no envelope, garbage."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.x12.reader import Separators, X12ReadError, read_x12

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLES = SHARED / "x12-samples"

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*^*00501*"
    "000000007*0*T*:~"
)
BODY = [
    "GS*HB*SENDER*RECEIVER*20260101*1200*7*X*005010X279A1",
    "ST*271*0007*005010X279A1",
    "BHT*0022*11*REF1*20260101*1200",
    "HL*1**20*1",
    "NM1*PR*2*ACME HEALTH*****PI*12345",
    "EB*B**1^33^98*HM*GOLD*27*10*****Y",
    "SE*6*0007",
    "GE*1*7",
    "IEA*1*000000007",
]


def _file(term: str = "~", sep: str = "\n") -> str:
    return ISA + sep + sep.join(seg + term for seg in BODY)


def test_isa_is_106_characters_and_declares_the_separators():
    assert len(ISA) == 106
    doc = read_x12(_file())
    assert doc.separators == Separators("*", ":", "~", "^")
    assert doc.has_envelope and doc.isa_text == ISA
    assert [s.id for s in doc.segments][:3] == ["ISA", "GS", "ST"]
    assert len(doc.transactions) == 1 and doc.transactions[0].set_id == "271"
    assert doc.warnings == ()


def test_typed_segments_elements_components_repeats():
    doc = read_x12(_file())
    eb = next(s for s in doc.segments if s.id == "EB")
    assert eb.el(1) == "B" and eb.el(2) == "" and eb.el(7) == "10" and eb.el(99) == ""
    assert eb.repetitions(3) == ["1", "33", "98"]
    assert eb.codes(3) == ["1", "33", "98"]
    assert eb.raw == "EB*B**1^33^98*HM*GOLD*27*10*****Y"
    hc = read_x12("ST*837*1~SV1*HC:99213:25*100~SE*3*1~").segments[1]
    assert hc.components(1) == ["HC", "99213", "25"] and hc.comp(1, 2) == "99213"
    assert hc.comp(1, 9) == ""


@pytest.mark.parametrize("sep", ["\n", "\r\n", "", "\n    "])
def test_line_breaks_and_indentation_do_not_matter(sep):
    doc = read_x12(_file(sep=sep))
    assert [s.raw for s in doc.segments[1:]] == BODY


def test_byte_order_mark_in_bytes_and_in_text():
    text = _file()
    for data in ("\ufeff" + text, ("\ufeff" + text).encode("utf-8")):
        assert read_x12(data).transactions[0].control_number == "0007"


def test_other_separators_come_from_the_isa():
    isa = ISA.replace("*", "|").replace("^|00501", "}|00501").replace("|:~", "|>\x1d")
    assert len(isa) == 106
    body = [s.replace("*", "|").replace("^", "}") for s in BODY]
    doc = read_x12(isa + "\r\n".join(b + "\x1d" for b in body))
    assert doc.separators == Separators("|", ">", "\x1d", "}")
    eb = next(s for s in doc.segments if s.id == "EB")
    assert eb.repetitions(3) == ["1", "33", "98"]


def test_newline_as_the_segment_terminator():
    isa = ISA[:-1] + "\n"
    doc = read_x12(isa + "\r\n".join(BODY) + "\r\n")
    assert doc.separators.segment == "\n"
    assert [s.raw for s in doc.segments[1:]] == BODY


def test_repetition_equal_to_component_separator_is_read_as_components():
    isa = ISA.replace("*^*00501", "*:*00501")
    doc = read_x12(isa + "\n".join(b.replace("^", ":") + "~" for b in BODY))
    assert doc.separators.repetition is None
    eb = next(s for s in doc.segments if s.id == "EB")
    assert eb.codes(3) == ["1", "33", "98"]


def test_several_st_per_gs_and_counts_checked_leniently():
    second = [b.replace("0007", "0008") for b in BODY[1:7]]
    body = BODY[:7] + second + ["GE*2*7", "IEA*1*000000007"]
    doc = read_x12(ISA + "".join(b + "~" for b in body))
    assert [t.control_number for t in doc.transactions] == ["0007", "0008"]
    assert doc.warnings == ()
    bad = read_x12(ISA + "".join(b + "~" for b in BODY).replace("SE*6*", "SE*9*"))
    assert any("SE01" in w for w in bad.warnings)


def test_no_envelope_starting_with_st():
    doc = read_x12("ST*271*0001*005010X279A1~BHT*0022*11~HL*1**20*0~SE*4*0001~")
    assert not doc.has_envelope
    assert doc.separators.element == "*" and doc.separators.segment == "~"
    assert doc.transactions[0].body[0].id == "BHT"
    lines = read_x12("ST*271*0001\nBHT*0022*11\nSE*3*0001\n")
    assert lines.separators.segment == "\n" and len(lines.segments) == 3


@pytest.mark.parametrize(
    "data,reason",
    [
        ("", "empty"),
        ("   \r\n", "empty"),
        ("hello world, not a claim file", "not an X12 file"),
        ("%PDF-1.7 binary", "not an X12 file"),
        ("ISA*00*    ", "cut short"),
        ("ISA*00*          *00*          *ZZ*S*ZZ*R*260101*1200*^*00501*1*0*T", "cut short"),
        (ISA + "GS*HB*A*B~12 34*X~", "not an X12 segment"),
        (ISA + "GS*HB*A*B~GE*0*1~IEA*1*000000007~", "no transaction"),
        ("ISAx00x", "element separator"),
    ],
)
def test_garbage_gives_a_clear_error(data, reason):
    with pytest.raises(X12ReadError, match=reason):
        read_x12(data)
    assert issubclass(X12ReadError, ValueError)


def test_every_public_sample_reads_or_says_why():
    """Robustness over all 112 public files: a document, or one plain sentence."""
    if not SAMPLES.is_dir():
        pytest.skip(f"public samples not found at {SAMPLES}")
    read = refused = 0
    for path in sorted(SAMPLES.glob("*/*")):
        if path.parent.name == "LICENSES" or path.suffix in (".md", ".json"):
            continue
        try:
            doc = read_x12(path.read_bytes())
        except X12ReadError as exc:
            refused += 1
            assert str(exc) and "\n" not in str(exc)
        else:
            read += 1
            assert doc.transactions
    assert read >= 100 and refused <= 5
