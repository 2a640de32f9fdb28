"""Code-set parsing without a database: import file layouts, search input, built-in lists.

Every code and description here is synthetic or ClaimDesk's own wording.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.codesets import FILES, read_rows
from core.errors import ImportFileError
from core.services import codesets as cs
from db.queries import fts_query, prefix_upper_bound

D = dt.date


# -- import file layouts ----------------------------------------------------------------------
def test_cpt_tab_separated_without_header():
    parsed = cs.parse_code_file("cpt", "99213\tSynthetic visit wording\n0001U\tSynthetic lab\n")
    assert [(c.code, c.description) for c in parsed.codes] == [
        ("99213", "Synthetic visit wording"),
        ("0001U", "Synthetic lab"),
    ]


def test_cpt_tab_separated_with_header_and_extra_columns():
    text = "Concept Id\tCPT Code\tClinician Descriptor\n1\t99213\tFirst wording\n2\t99213\tOther\n"
    parsed = cs.parse_code_file("cpt", text)
    assert [(c.code, c.description) for c in parsed.codes] == [("99213", "First wording")]
    assert parsed.skipped == 1  # a second row for the same code: the first wins


def test_cpt_space_separated_short_file():
    parsed = cs.parse_code_file("cpt", "99213 SYNTH OFFICE VISIT, LOW\n36415 SYNTH DRAW\n")
    assert [c.code for c in parsed.codes] == ["99213", "36415"]
    assert parsed.codes[0].description == "SYNTH OFFICE VISIT, LOW"


def test_cpt_csv_with_header():
    text = 'code,description\n99213,"Synthetic, quoted wording"\n'
    assert cs.parse_code_file("cpt", text).codes[0].description == "Synthetic, quoted wording"


def test_hcpcs_annual_file_joins_continuations_and_reads_dates():
    text = (
        "HCPC,SEQNUM,RECID,LONG DESCRIPTION,SHORT DESCRIPTION,ADD DT,ACT EFF DT,TERM DT\n"
        "A9901,00200,4,second half,,,,\n"
        "A9901,00100,3,Synthetic item first half,SYN,20200101,20260101,\n"
        "A9902,00100,3,Synthetic retired item,SYN2,20190101,20190101,20251231\n"
        "ZZ,00100,7,Synthetic modifier,SYNMOD,20200101,20200101,\n"
        "D9999,00100,3,Dental code,DENT,20200101,20200101,\n"
    )
    parsed = cs.parse_code_file("hcpcs", text)
    by_code = {c.code: c for c in parsed.codes}
    assert set(by_code) == {"A9901", "A9902"}
    assert by_code["A9901"].description == "Synthetic item first half second half"
    assert by_code["A9901"].effective_from == D(2020, 1, 1)
    assert by_code["A9902"].effective_to == D(2025, 12, 31)
    assert parsed.skipped == 2  # the modifier record and the dental code

    modifiers = cs.parse_code_file("modifier", text)
    assert [(c.code, c.description) for c in modifiers.codes] == [("ZZ", "Synthetic modifier")]


def test_hcpcs_short_description_when_long_is_empty():
    text = "HCPC\tLONG DESCRIPTION\tSHORT DESCRIPTION\nA9901\t\tSYN SHORT\n"
    assert cs.parse_code_file("hcpcs", text).codes[0].description == "SYN SHORT"


def test_x12_lists_with_start_and_stop_dates():
    text = (
        "Code,Description,Start Date,Last Modified,Stop Date\n"
        "999,Synthetic reason,01/01/2020,03/01/2024,\n"
        "B99,Synthetic retired reason,1/1/2000,,12/31/2010\n"
    )
    parsed = cs.parse_code_file("carc", text)
    assert parsed.codes[1] == cs.ParsedCode(
        "B99", "Synthetic retired reason", D(2000, 1, 1), D(2010, 12, 31)
    )
    rarc = cs.parse_code_file("rarc", "code|description\nN9999|Synthetic remark\n")
    assert rarc.codes[0].code == "N9999"


def test_pos_codes_get_their_leading_zero():
    assert cs.parse_code_file("pos", "code,description\n2,Synthetic place\n").codes[0].code == "02"


@pytest.mark.parametrize(
    "kind,text,message",
    [
        ("cpt", "Name,Value\nfoo,bar\n", "not a CPT code file"),
        ("cpt", "just some words\nmore words\n", "not a CPT code file"),
        ("cpt", "code,description\nJ3301,Synthetic\n", "line 2: 'J3301' is not a CPT code"),
        ("hcpcs", "code,description\n99213,Synthetic\n", "is not a HCPCS code"),
        ("carc", "code,description\nN130,Synthetic\n", "is not a CARC code"),
        ("rarc", "code,description\n45,Synthetic\n", "is not a RARC code"),
        ("cpt", "code,description\n", "has no CPT codes"),
        ("cpt", "code,description\n99213,\n", "has no description"),
        ("cpt", "code,description\n,Synthetic\n", "the code is empty"),
        ("carc", "code,description,start\n45,Synthetic,someday\n", "is not a date"),
    ],
)
def test_wrong_format_is_one_line(kind, text, message):
    with pytest.raises(ImportFileError) as info:
        cs.parse_code_file(kind, text, "f.csv")
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_read_text_file_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(ImportFileError, match="does not exist"):
        cs.read_text_file(tmp_path / "missing.csv")
    with pytest.raises(ImportFileError, match="is a folder"):
        cs.read_text_file(tmp_path)
    (tmp_path / "empty.csv").write_text("  \n\n")
    with pytest.raises(ImportFileError, match="is empty"):
        cs.read_text_file(tmp_path / "empty.csv")
    (tmp_path / "latin1.csv").write_bytes(b"code,description\n99213,caf\xe9\n")
    with pytest.raises(ImportFileError, match="not UTF-8"):
        cs.read_text_file(tmp_path / "latin1.csv")
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(ImportFileError, match="not a text file"):
        cs.read_text_file(tmp_path / "book.xlsx")


def test_read_text_file_handles_bom_and_utf16(tmp_path):
    (tmp_path / "bom.csv").write_bytes("code,description\n".encode("utf-8-sig"))
    assert cs.read_text_file(tmp_path / "bom.csv").startswith("code")
    (tmp_path / "u16.txt").write_text("99213\tSynthetic\n", encoding="utf-16")
    assert cs.parse_code_file("cpt", cs.read_text_file(tmp_path / "u16.txt")).codes[0].code == (
        "99213"
    )


@pytest.mark.parametrize(
    "text,expected",
    [
        ("20260401", D(2026, 4, 1)),
        ("2026-04-01", D(2026, 4, 1)),
        ("04/01/2026", D(2026, 4, 1)),
        ("4/1/2026", D(2026, 4, 1)),
        ("2026-04-01 00:00:00", D(2026, 4, 1)),
        ("", None),
    ],
)
def test_parse_date(text, expected):
    assert cs.parse_date(text) == expected


# -- search input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,words",
    [
        ("Diabetes without complications", ["diabetes", "without", "complications"]),
        ('"AND" (OR) NEAR* -x', ["and", "or", "near", "x"]),
        ("type_2", ["type", "2"]),
        ("", []),
        ("*", []),
    ],
)
def test_words_of(text, words):
    assert cs.words_of(text) == words


def test_fts_query_quotes_every_word():
    assert fts_query(["diabetes", "2"]) == '{description} : ("diabetes"* AND "2")'
    assert fts_query(['a"b']) == '{description} : ("a""b"*)'
    assert fts_query(["diabetes"], code_prefix="E11").startswith('{compact} : "e11"* AND ')


def test_prefix_upper_bound():
    assert prefix_upper_bound("E11") == "E12"
    assert prefix_upper_bound("E1Z") == "E1["


@pytest.mark.parametrize(
    "kind,code,ok",
    [
        ("icd10", "E11.9", True),
        ("icd10", "QA0.0101", True),
        ("icd10", "HELLO", False),
        ("cpt", "99213", True),
        ("cpt", "0001U", True),
        ("cpt", "J3301", False),
        ("hcpcs", "J3301", True),
        ("modifier", "25", True),
        ("pos", "11", True),
        ("carc", "B15", True),
        ("carc", "1234", False),
        ("rarc", "MA130", True),
        ("rarc", "X1", False),
    ],
)
def test_code_shapes(kind, code, ok):
    assert cs.is_code_format(kind, code) is ok


def test_icd10_hints_are_conservative():
    assert cs.icd10_hints("O09.00") == ("F", None, None)
    assert cs.icd10_hints("N40.0") == ("M", None, None)
    assert cs.icd10_hints("C61") == ("M", None, None)
    assert cs.icd10_hints("P07.30") == (None, None, 0)
    assert cs.icd10_hints("Z38.00") == (None, None, 0)
    assert cs.icd10_hints("E11.9") == (None, None, None)
    assert cs.icd10_hints("N63.0") == (None, None, None)  # breast: both sexes


# -- built-in lists ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(FILES))
def test_builtin_lists_are_well_formed(kind):
    rows = read_rows(kind)
    codes = [code for code, _ in rows]
    assert len(codes) == len(set(codes)), "duplicate codes"
    assert all(cs.is_code_format(kind, code) for code in codes)
    assert all(0 < len(description) <= 120 for _, description in rows)


def test_builtin_list_sizes():
    sizes = {kind: len(read_rows(kind)) for kind in FILES}
    assert 60 <= sizes["hcpcs"] <= 150
    assert 40 <= sizes["cpt"] <= 100
    assert sizes["carc"] >= 80 and sizes["rarc"] >= 40
    codes = {kind: {code for code, _ in read_rows(kind)} for kind in FILES}
    assert {"G0439", "G0438", "J3301", "J1885", "J0696"} <= codes["hcpcs"]
    assert {"99213", "36415", "85025", "93000", "20610", "96372"} <= codes["cpt"]
    assert {"25", "59", "XE", "XS", "XP", "XU", "26", "TC", "GA", "KX", "QW", "JZ"} <= codes[
        "modifier"
    ]
    assert {"02", "10", "11", "12", "21", "22", "23", "31", "81", "99"} <= codes["pos"]
    assert {"1", "2", "3", "16", "18", "45", "50", "96", "97", "197", "253", "B7"} <= codes["carc"]
    assert {"M15", "MA130", "N130", "N362", "N657"} <= codes["rarc"]


def test_every_code_the_demo_bills_is_in_the_built_in_lists():
    """Else the scrubber rightly holds the demo's claims back ("not in the code set")."""
    from sample_data.practice import FEES

    known = {code for kind in ("cpt", "hcpcs") for code, _ in read_rows(kind)}
    assert sorted(code for code, _, _ in FEES if code not in known) == []
