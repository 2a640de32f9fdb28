"""The 999 reader and writer: public samples, round trips, bad files, and pyx12 as referee."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from core.errors import ClaimDeskError, ImportFileError, ValidationError
from core.x12.envelope import Envelope
from core.x12.reader import X12ReadError, read_x12
from core.x12.status_codes import (
    describe_ack_status,
    describe_ak9,
    describe_ik3,
    describe_ik4,
    describe_ik5,
)
from core.x12.x999 import (
    ElementProblem,
    ReceivedGroup,
    ReceivedSet,
    SegmentProblem,
    X12FileError,
    build_999,
    parse_999,
)
from tests.x12_referee import referee

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "x12-samples"
WISCONSIN = "999/Inteligenz___SampleEdiFiles__Acknowledgments___999__DHS_Wisconsin_Sample.txt"
IMSWEB = "999/imsweb__837_5010__x12_999_rejected.txt"
ENV = Envelope("CLAIMDESKSBX", "1234567893", 501, dt.datetime(2026, 10, 14, 9, 30))


def sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"public sample {path} not found")
    return path.read_bytes()


# -- public samples ----------------------------------------------------------------------------
def test_wisconsin_sample_three_sets_two_rejected():
    ack = parse_999(sample(WISCONSIN))  # BOM, CRLF, indentation
    assert ack.warnings == ()
    assert (ack.interchange_control_number, ack.sender_id, ack.receiver_id) == (
        "000000286",
        "123456789",
        "987654321",
    )
    assert ack.created == dt.datetime(2004, 11, 17, 10, 24) and ack.usage == "P"
    (group,) = ack.groups
    assert (group.functional_id, group.group_control_number, group.version) == (
        "HC",
        "17456",
        "004010X098A1",
    )
    assert (group.status, group.included, group.received, group.accepted) == ("P", 3, 3, 1)
    assert [(s.control_number, s.status) for s in group.sets] == [
        ("0001", "A"),
        ("002", "R"),
        ("0003", "R"),
    ]
    assert [s.control_number for s in ack.accepted_sets()] == ["0001"]
    assert [s.control_number for s in ack.rejected_sets()] == ["002", "0003"]
    assert ack.status == "P" and "Partially" in ack.status_text

    second = group.sets[1]
    assert second.codes == ("5",) and second.code_texts == ("One or more segments have errors",)
    (clm,) = second.errors
    assert (clm.segment_id, clm.position, clm.code) == ("CLM", 22, "8")
    assert clm.claim_ref == "123456789" and second.claim_refs == ("123456789",)
    (element,) = clm.elements
    assert (element.position, element.reference, element.code) == (2, "782", "1")
    assert element.message == "A required element is missing"
    assert "CLM02: A required element is missing" in str(clm)

    (ref,) = group.sets[2].errors
    assert (ref.segment_id, ref.position, ref.code) == ("REF", 57, "3")
    assert ref.message == "A required segment is missing"
    trigger, unit = ref.contexts
    assert (trigger.name, trigger.segment_id, trigger.position) == (
        "SITUATIONAL TRIGGER",
        "CLM",
        43,
    )
    assert trigger.element_position == "5:3" and not trigger.is_business_unit
    assert unit.is_business_unit and ref.claim_ref == "987654321"
    assert ack.find("17456", "2") is second and ack.find("17456", "9") is None


def test_imsweb_sample_rejected_with_pipe_component_separator():
    ack = parse_999(sample(IMSWEB))
    assert read_x12(sample(IMSWEB)).separators.component == "|"
    assert ack.interchange_control_number == "095832987" and ack.usage == "T"
    (group,) = ack.groups
    assert (group.group_control_number, group.version, group.status) == ("28", "005010X223A2", "R")
    assert (group.included, group.received, group.accepted) == (1, 1, 0)
    (only,) = group.sets
    assert only.control_number == "0028" and not only.accepted
    (error,) = only.errors
    assert (error.segment_id, error.position, error.code) == ("NM", 17, "1")
    assert error.message == "The segment ID is not recognized"
    assert ack.status == "R" and ack.accepted_sets() == []


def test_ta1_is_refused_with_its_verdict():
    with pytest.raises(X12FileError) as caught:
        parse_999(sample("TA1/UHIN__TA1.edi"))
    text = str(caught.value)
    assert "TA1" in text and "not a 999" in text
    assert "rejected interchange 000000100" in text and "024" in text


@pytest.mark.parametrize(
    "name,kind",
    [
        ("835/LinuxForHealth__835_005010X221A1__secondary-payment.835", "an 835 remittance"),
        ("277CA/imsweb__277_5010__x12_277CA_rejected.txt", "a 277"),
        ("837P/imsweb__837_5010__x12_no_errors.txt", "an 837 claim"),
    ],
)
def test_other_transaction_types_are_refused(name, kind):
    with pytest.raises(X12FileError, match=f"This is {kind}.*not a 999"):
        parse_999(sample(name))


# -- bad input ---------------------------------------------------------------------------------
GOOD = build_999(
    ReceivedGroup("42", (ReceivedSet("0001"), ReceivedSet("0002", accepted=False, codes=("4",)))),
    ENV,
)


@pytest.mark.parametrize(
    "text,words",
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ("hello, this is not edi", "not an X12 file"),
        (GOOD[:60], "ISA segment is cut short"),
        (GOOD[:130], "truncated"),  # inside GS: no ST arrived
        (GOOD[: GOOD.index("AK9")], "truncated"),  # no SE
        (GOOD[: GOOD.index("GE*")], "truncated"),  # SE present, no IEA
    ],
)
def test_bad_files_raise_one_plain_sentence(text, words):
    with pytest.raises(X12FileError) as caught:
        parse_999(text)
    err = caught.value
    assert isinstance(err, ClaimDeskError) and isinstance(err, ImportFileError)
    assert isinstance(err, X12ReadError)
    assert words in str(err) and "Traceback" not in str(err)


def test_bytes_with_bom_and_crlf_read_like_text():
    raw = ("\ufeff" + GOOD.replace("~\n", "~\r\n")).encode()
    assert parse_999(raw).sets == parse_999(GOOD).sets


def test_lenient_reading_turns_oddities_into_warnings():
    text = (
        "ST*999*0001*005010X231A1~AK1*HC*7*005010X222A1~AK2*837*0001~IK4*1*1*1~"
        "IK3*CLM*5**8~CTX*CLM01:CD0000000007~ZZZ*1~IK5*R*5~AK2*837*0002~IK5*A~SE*10*0001~"
    )
    ack = parse_999(text)  # no envelope, no AK9, a stray IK4 and an unknown segment
    (group,) = ack.groups
    assert group.status == "P" and group.included is None
    assert [s.status for s in group.sets] == ["R", "A"]
    assert group.sets[0].claim_refs == ("CD0000000007",)
    joined = " ".join(ack.warnings)
    assert "IK4 at segment 4 has no IK3" in joined
    assert "ZZZ" in joined and "no AK9" in joined


def test_ak904_that_disagrees_with_the_verdicts_is_a_warning():
    text = GOOD.replace("AK9*P*2*2*1", "AK9*P*2*2*2")
    assert any("AK904 says 2" in w for w in parse_999(text).warnings)


def test_set_without_ik5_is_treated_as_rejected_with_a_warning():
    text = "ST*999*1~AK1*HC*7~AK2*837*0001~SE*4*1~"
    ack = parse_999(text)
    assert ack.sets[0].status == "R" and ack.status == "R"
    assert any("no IK5" in w for w in ack.warnings)


# -- writing and reading back ------------------------------------------------------------------
def received() -> ReceivedGroup:
    return ReceivedGroup(
        "42",
        (
            ReceivedSet("0001"),
            ReceivedSet(
                "0002",
                accepted=False,
                problems=(
                    SegmentProblem(
                        "CLM", 22, "8", "2300", (ElementProblem(2, "1", "782"),), "CD0000000042"
                    ),
                ),
            ),
            ReceivedSet(
                "0003",
                problems=(
                    SegmentProblem("NM1", 12, "8", "2010", (ElementProblem(9, "7", "67", "12*5"),)),
                ),
            ),
        ),
        interchange_control_number="000000042",
    )


def test_build_999_segments_and_counts():
    text = build_999(received(), ENV)
    segs = [s.raw for s in read_x12(text).segments]
    assert segs[1] == "GS*FA*CLAIMDESKSBX*1234567893*20261014*0930*501*X*005010X231A1"
    assert segs[2:-3] == [
        "ST*999*0501*005010X231A1",
        "AK1*HC*42*005010X222A1",
        "AK2*837*0001*005010X222A1",
        "IK5*A",
        "AK2*837*0002*005010X222A1",
        "IK3*CLM*22*2300*8",
        "CTX*CLM01:CD0000000042",
        "IK4*2*782*1",
        "IK5*R*5",
        "AK2*837*0003*005010X222A1",
        "IK3*NM1*12*2010*8",
        "IK4*9*67*7*12 5",  # the separator in the bad value is cleaned out
        "IK5*E*5",
        "AK9*P*3*3*2",
    ]
    assert segs[-3:] == ["SE*15*0501", "GE*1*501", "IEA*1*000000501"]
    assert read_x12(text).warnings == ()


def test_round_trip_gives_back_the_verdicts():
    ack = parse_999(build_999(received(), ENV))
    assert ack.warnings == () and ack.status == "P"
    assert ack.interchange_control_number == "000000501"
    assert [(s.control_number, s.status, s.accepted) for s in ack.sets] == [
        ("0001", "A", True),
        ("0002", "R", False),
        ("0003", "E", True),
    ]
    rejected = ack.find("42", "0002")
    assert rejected is not None and rejected.claim_refs == ("CD0000000042",)
    (error,) = rejected.errors
    assert (error.segment_id, error.position, error.loop_id, error.code) == ("CLM", 22, "2300", "8")
    assert error.elements[0].reference == "782"
    assert ack.find("42", "3").errors[0].elements[0].bad_value == "12 5"


@pytest.mark.parametrize(
    "accepted,problems,group",
    [((True, True), (False, False), "A"), ((True, True), (False, True), "E"),
     ((False, False), (True, True), "R"), ((True, False), (False, True), "P")],
)  # fmt: skip
def test_group_verdict_follows_the_sets(accepted, problems, group):
    problem = (SegmentProblem("NM1", 5, "8", elements=(ElementProblem(3, "4"),)),)
    sets = tuple(
        ReceivedSet(f"000{i}", accepted=a, problems=problem if p else ())
        for i, (a, p) in enumerate(zip(accepted, problems, strict=True), start=1)
    )
    ack = parse_999(build_999(ReceivedGroup("9", sets), ENV))
    assert ack.groups[0].status == group and ack.status == group


def test_received_group_from_a_public_837():
    data = sample(
        "837P/Inteligenz___SampleEdiFiles__INS___837P___5010__Example1_2_And_3_Combined.txt"
    )
    group = ReceivedGroup.from_x12(data)
    assert group.group_control_number == "1" and group.functional_id == "HC"
    assert group.interchange_control_number == "000000905" and group.version == "005010X222"
    assert [s.control_number for s in group.sets] == ["0021", "0022"]
    marked = dataclasses.replace(
        group,
        sets=(group.sets[0], dataclasses.replace(group.sets[1], accepted=False, codes=("5",))),
    )
    ack = parse_999(build_999(marked, ENV))
    assert [s.status for s in ack.sets] == ["A", "R"] and ack.groups[0].accepted == 1


@pytest.mark.parametrize(
    "group,words",
    [
        (ReceivedGroup("", (ReceivedSet("1"),)), "GS06"),
        (ReceivedGroup("1", ()), "at least one"),
        (ReceivedGroup("1", (ReceivedSet("0001", accepted=False),)), "without a reason"),
        (ReceivedGroup("1", (ReceivedSet("0001", problems=(SegmentProblem("N3", 4, "Z"),)),)),
         "code 'Z'"),
        (ReceivedGroup("1", (ReceivedSet("0001", problems=(
            SegmentProblem("N3", 4, elements=(ElementProblem(0, "1"),)),)),)), "N300"),
        (ReceivedGroup("1", (ReceivedSet("0001", accepted=False, codes=("99",)),)), "IK5"),
    ],
)  # fmt: skip
def test_builder_refuses_incomplete_answers(group, words):
    with pytest.raises(ValidationError, match=words):
        build_999(group, ENV)


def test_code_descriptions():
    assert describe_ik3("8") == "The segment has errors in its elements"
    assert describe_ik3("I4").startswith("A segment the guide marks 'not used'")
    assert describe_ik4("7") == "The code is not a valid value"
    assert describe_ik4("I12").startswith("The value does not match")
    assert describe_ik5("4") == "SE01 does not match the number of segments"
    assert describe_ak9("5") == "GE01 does not match the number of transactions"
    assert describe_ack_status("E") == "Accepted, with errors noted"
    for describe in (describe_ik3, describe_ik4, describe_ik5, describe_ak9, describe_ack_status):
        assert "Q7" in describe("Q7")  # an unknown code is named, never dropped
        assert describe("") == "No code given"


# -- the referee: pyx12 with its stock 999 map -------------------------------------------------
@pytest.fixture(scope="module")
def pyx12_map_dir():
    """pyx12's stock maps carry the 999 (005010X231A1)."""
    return None


@pytest.mark.parametrize("which", ["mixed", "all accepted", "all rejected"])
def test_pyx12_passes_our_999(pyx12_map_dir, tmp_path, which):
    group = received()
    if which == "all accepted":
        group = ReceivedGroup("42", (ReceivedSet("0001"), ReceivedSet("0002")))
    elif which == "all rejected":
        group = ReceivedGroup("42", (ReceivedSet("0001", accepted=False, codes=("4",)),))
    ok, errors = referee(pyx12_map_dir, build_999(group, ENV), tmp_path)
    assert ok and errors == [], errors


def test_pyx12_referee_is_not_blind(pyx12_map_dir, tmp_path):
    broken = build_999(received(), ENV).replace("IK5*A", "IK5*Q").replace("AK1*HC", "AK1*ZZ")
    ok, errors = referee(pyx12_map_dir, broken, tmp_path)
    assert not ok or errors
