"""The 277CA reader and writer: public samples, round trips, bad files, status words, pyx12."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from core.errors import ImportFileError, ValidationError
from core.x12.envelope import Envelope
from core.x12.reader import read_x12
from core.x12.status_codes import (
    CATEGORIES,
    describe_category,
    describe_entity,
    describe_status,
    explain,
    fix_hint,
    outcome,
)
from core.x12.x277ca import (
    CAInfo,
    CAProvider,
    ClaimAnswer,
    LineAnswer,
    X12FileError,
    build_277ca,
    parse_277ca,
)
from tests.x12_referee import referee

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "x12-samples"
NTH = "277CA/Inteligenz___SampleEdiFiles__INS___276___5010__277_Deidentified_from_nth.txt"
BOGEYONE = "277CA/Inteligenz___SampleEdiFiles__INS___277___5010__FromBogeyone.txt"
LATITUDE = "277CA/Inteligenz___SampleEdiFiles__INS___277___5010__FromLatitude81uk.txt"
IMSWEB = "277CA/imsweb__277_5010__x12_277CA_rejected.txt"
ENV = Envelope("SBXCLEARING", "CLAIMDESK", 77, dt.datetime(2026, 9, 24, 14, 5))
MAPLE = CAProvider("Maple Grove Family Medicine", "1234567893")


def sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"public sample {path} not found")
    return path.read_bytes()


# -- public samples ----------------------------------------------------------------------------
def test_imsweb_rejected_claim_for_billing_npi():
    ack = parse_277ca(sample(IMSWEB))  # one line, "|" as component separator
    assert ack.warnings == ()
    assert ack.interchange_control_number == "000001120" and ack.reference == "3920394930203"
    assert ack.created == dt.datetime(2011, 3, 11, 5, 12)
    assert ack.source.name == "NYSDOH" and ack.source.id == "141797357"
    assert ack.received_on == ack.processed_on == dt.date(2011, 3, 11)
    (receiver,) = ack.receivers
    assert receiver.trace == "11200001" and not receiver.rejected
    assert (receiver.accepted_count, receiver.accepted_cents) == (1, 19914)
    assert [(s.category, s.code) for s in receiver.statuses] == [("A1", "20")]
    (provider,) = ack.providers
    assert provider.party.id == "123456789" and provider.statuses == ()
    (claim,) = ack.claims
    assert claim.patient_control_number == "3920394930203"
    assert claim.outcome == "rejected" and not claim.accepted
    assert ack.rejected_claims() == [claim] and ack.accepted_claims() == []
    (status,) = claim.statuses
    # The sender wrote WQ (accept) as the action code: the A7 category decides, not the action.
    assert (status.category, status.code, status.entity, status.action) == ("A7", "562", "85", "WQ")
    assert status.date == dt.date(2011, 3, 11) and status.amount_cents == 19914
    assert claim.charge_cents == 19914
    assert claim.payer_claim_number == "1107000000001120" and claim.bill_type == "731"
    assert claim.service_from == claim.service_to == dt.date(2009, 3, 11)
    assert (claim.patient.name, claim.patient.first_name, claim.patient.id) == (
        "CLILNAME",
        "CLIFNAME",
        "XX99999X",
    )
    assert claim.provider.name == "PROVLNAME"
    assert claim.explanations == (
        "Rejected for invalid information: NPI (National Provider Identifier) (billing provider).",
    )
    assert "NPI" in claim.fixes[0] and "billing provider" in claim.fixes[0]
    assert ack.claim(" 3920394930203 ") is claim and ack.claim("nope") is None


def test_nth_sample_unknown_categories_are_decided_by_the_action_code():
    ack = parse_277ca(sample(NTH))
    assert ack.interchange_control_number == "011240807" and len(ack.claims) == 3
    assert [c.service_from for c in ack.claims] == [
        dt.date(2012, 1, 9),
        dt.date(2011, 3, 16),
        dt.date(2011, 10, 10),
    ]
    assert [c.charge_cents for c in ack.claims] == [22000, 34000, 34000]
    assert all(c.outcome == "rejected" for c in ack.claims)  # category X9, action U
    assert all(len(c.statuses) == 3 for c in ack.claims)
    assert [c.patient.name for c in ack.claims] == ["XXXXXXXX", "DOW", "DOW"]
    (receiver,) = ack.receivers
    assert (receiver.rejected_count, receiver.rejected_cents) == (3, 90000)
    assert [(p.rejected_count, p.rejected_cents) for p in ack.providers] == [(1, 22000), (2, 68000)]
    assert ack.claims[0].provider.name == "XXXXXXXX XXXXXXXXX XXXXXXXX"
    assert any("'X9' is not an acknowledgment code (the action code U decided)" in w
               for w in ack.warnings)  # fmt: skip
    assert "X9" in ack.claims[0].explanations[0]


def test_latitude_sample_accepted_claim_despite_garbage_dates():
    ack = parse_277ca(sample(LATITUDE))
    (claim,) = ack.claims
    assert claim.patient_control_number == "MVC132-0145454" and claim.accepted
    assert claim.payer_claim_number == "545454" and claim.charge_cents == 44200
    assert claim.statuses[0].entity == "PRP" and claim.statuses[0].date is None
    assert claim.service_from is None and claim.patient.id == "Wyh1fggfgfgW"
    (receiver,) = ack.receivers
    assert (receiver.accepted_count, receiver.accepted_cents) == (4, 191700)
    joined = " ".join(ack.warnings)
    assert "'2trtrtrt', which is not a date" in joined
    assert "IEA02 '000000002' does not match ISA13" in joined


def test_truncated_public_sample_is_refused():
    with pytest.raises(X12FileError, match="ends before the SE segment.*truncated"):
        parse_277ca(sample(BOGEYONE))


def test_a_claim_status_277_is_not_a_277ca():
    with pytest.raises(X12FileError, match="005010X212"):
        parse_277ca(sample("277/imsweb__277_5010__x12_277_x212.txt"))


def test_a_999_is_not_a_277ca():
    with pytest.raises(X12FileError, match="This is a 999 implementation acknowledgment, not a"):
        parse_277ca(sample("999/imsweb__837_5010__x12_999_rejected.txt"))


# -- writing and reading back ------------------------------------------------------------------
INFO = CAInfo(
    source_name="Sandbox Blue",
    source_id="SBX02",
    receiver_name="Maple Grove Family Medicine",
    receiver_id="CDSUB01",
    provider=MAPLE,
    batch_trace="CD000000042",
    received_on=dt.date(2026, 9, 23),
)
CLAIMS = [
    ClaimAnswer("CD0000000042", True, 47500, dt.date(2026, 9, 20), "Doe", "XJB123456789", "John",
                payer_claim_number="EVG2609240001"),
    ClaimAnswer("CD0000000043", False, 9500, dt.date(2026, 9, 18), "Roe", "XJB555", "Ann",
                dt.date(2026, 9, 19), category="A7", status_code="562", entity="85",
                message="Billing NPI not enrolled"),
    ClaimAnswer("CD0000000044", False, 12000, dt.date(2026, 9, 18), "Poe", "M1", "Ed",
                category="A7", status_code="21", provider=CAProvider("Other Clinic", "1245319599"),
                lines=(LineAnswer("99213", 12000, "A7", "454", dt.date(2026, 9, 18),
                                  modifiers=("25",), line_control_number="L1"),)),
]  # fmt: skip


def test_build_277ca_layout():
    text = build_277ca(INFO, CLAIMS, ENV)
    doc = read_x12(text)
    assert doc.warnings == ()
    segs = [s.raw for s in doc.segments]
    assert segs[1] == "GS*HN*SBXCLEARING*CLAIMDESK*20260924*1405*77*X*005010X214"
    assert segs[2:9] == [
        "ST*277*0077*005010X214",
        "BHT*0085*08*77*20260924*1405*TH",
        "HL*1**20*1",
        "NM1*PR*2*SANDBOX BLUE*****PI*SBX02",
        "TRN*1*77",
        "DTP*050*D8*20260923",
        "DTP*009*D8*20260924",
    ]
    assert "STC*A1:19:PR*20260924*WQ*690" in segs  # the batch: all charges
    assert ["QTY*90*1", "QTY*AA*2", "AMT*YU*475", "AMT*YY*215"] == segs[13:17]
    assert ["QTY*QA*1", "QTY*QC*1", "AMT*YU*475", "AMT*YY*95"] == segs[21:25]
    first = segs.index("HL*4*3*PT")
    assert segs[first : first + 6] == [
        "HL*4*3*PT",
        "NM1*QC*1*DOE*JOHN****MI*XJB123456789",
        "TRN*2*CD0000000042",
        "STC*A2:20*20260924*WQ*475",
        "REF*1K*EVG2609240001",
        "DTP*472*D8*20260920",
    ]
    assert "STC*A7:562:85*20260924*U*95********Billing NPI not enrolled" in segs
    assert "DTP*472*RD8*20260918-20260919" in segs
    assert "HL*6*2*19*1" in segs and "HL*7*6*PT" in segs  # a second billing provider
    assert ["SVC*HC:99213:25*120*****1", "STC*A7:454*20260924*U", "REF*FJ*L1"] == segs[-7:-4]
    assert segs[-3] == f"SE*{len(segs) - 4}*0077"


def test_round_trip_gives_back_the_facts():
    ack = parse_277ca(build_277ca(INFO, CLAIMS, ENV))
    assert ack.warnings == () and not ack.batch_rejected
    assert [c.patient_control_number for c in ack.accepted_claims()] == ["CD0000000042"]
    assert [c.patient_control_number for c in ack.rejected_claims()] == [
        "CD0000000043",
        "CD0000000044",
    ]
    ok, npi, line = ack.claims
    assert ok.payer_claim_number == "EVG2609240001" and ok.charge_cents == 47500
    assert ok.patient.display == "DOE, JOHN" and ok.patient.id == "XJB123456789"
    assert ok.provider.id == "1234567893" and ok.service_from == dt.date(2026, 9, 20)
    assert (npi.service_from, npi.service_to) == (dt.date(2026, 9, 18), dt.date(2026, 9, 19))
    assert npi.payer_claim_number == "" and npi.statuses[0].message == "Billing NPI not enrolled"
    assert npi.statuses[0].entity == "85" and "NPI" in npi.fixes[0]
    assert line.provider.name == "OTHER CLINIC"
    (svc,) = line.lines
    assert (svc.procedure, svc.modifiers, svc.charge_cents, svc.units) == (
        "99213",
        ("25",),
        12000,
        "1",
    )
    assert svc.line_control_number == "L1" and svc.statuses[0].code == "454"
    assert svc.statuses[0].outcome == "rejected"
    assert ack.received_on == dt.date(2026, 9, 23) and ack.source.id == "SBX02"
    assert ack.receivers[0].trace == "CD000000042"


def test_batch_rejection_rejects_every_claim():
    info = dataclasses.replace(INFO, batch_rejection=("A3", "24"))
    text = build_277ca(info, CLAIMS[:2], ENV)
    assert "STC*A3:24:41*20260924*U*570" in text and "QTY*90" not in text
    ack = parse_277ca(text)
    assert ack.batch_rejected and ack.accepted_claims() == []
    first, second = ack.claims
    assert (first.statuses[0].category, first.statuses[0].code) == ("A3", "24")
    assert first.payer_claim_number == ""  # a rejected claim gets no payer claim number
    assert second.statuses[0].code == "562"  # its own rejection is kept


def test_claim_without_its_own_status_inherits_the_provider_rejection():
    text = build_277ca(dataclasses.replace(INFO, batch_rejection=("A3", "24")), CLAIMS[:1], ENV)
    text = text.replace("STC*A3:24:41*20260924*U*475~\n", "")  # drop the claim's own STC
    ack = parse_277ca(text)
    (claim,) = ack.claims
    assert claim.inherited and claim.outcome == "rejected"
    assert any("SE01" in w for w in ack.warnings)


@pytest.mark.parametrize(
    "change,words",
    [
        (dict(patient_control_number=" "), "patient control number"),
        (dict(member_id=""), "member ID"),
        (dict(category="A7"), "does not mean accepted"),
        (dict(accepted=False, category="A2"), "does not mean rejected"),
        (dict(charge_cents=-1), "negative"),
    ],
)
def test_builder_refuses_bad_claims(change, words):
    with pytest.raises(ValidationError, match=words):
        build_277ca(INFO, [dataclasses.replace(CLAIMS[0], **change)], ENV)


def test_builder_refuses_an_empty_answer_and_a_batch_acceptance():
    with pytest.raises(ValidationError, match="at least one claim"):
        build_277ca(INFO, [], ENV)
    with pytest.raises(ValidationError, match="not a rejection"):
        build_277ca(dataclasses.replace(INFO, batch_rejection=("A2", "20")), CLAIMS, ENV)
    with pytest.raises(ValidationError, match="batch trace"):
        build_277ca(dataclasses.replace(INFO, batch_trace=""), CLAIMS, ENV)


# -- bad files ---------------------------------------------------------------------------------
GOOD = build_277ca(INFO, CLAIMS, ENV)


@pytest.mark.parametrize(
    "text,words",
    [
        ("", "empty"),
        ("%PDF-1.4 not edi", "not an X12 file"),
        (GOOD[: len(GOOD) // 2], "truncated"),
        (GOOD[: GOOD.index("GE*")], "truncated"),
        (GOOD.replace("ST*277", "ST*835"), "This is an 835 remittance advice"),
    ],
)
def test_bad_files_raise_one_plain_sentence(text, words):
    with pytest.raises(X12FileError, match=words) as caught:
        parse_277ca(text)
    assert isinstance(caught.value, ImportFileError)


# -- plain words for the codes -----------------------------------------------------------------
def test_every_acknowledgment_category_has_words_and_a_verdict():
    for code in ("A0", "A1", "A2", "A5"):
        assert outcome(code) == "accepted" and code in CATEGORIES
    for code in ("A3", "A4", "A6", "A7", "A8"):
        assert outcome(code) == "rejected" and code in CATEGORIES
    assert outcome("P1") == "" and outcome("") == ""
    assert describe_category("A4") == "Not found in the payer's system"
    assert "A9" in describe_category("A9") and "acknowledgment" in describe_category("A9")
    assert "Z1" in describe_category("Z1")


def test_status_words_and_fix_hints():
    assert describe_status("33") == "Subscriber and subscriber ID not found"
    assert describe_status("562") == "NPI (National Provider Identifier)"
    assert describe_status("145") == "Specialty or taxonomy code"
    assert describe_status("187") == "Date(s) of service"
    assert "9999" in describe_status("9999")
    assert describe_entity("85") == "billing provider" and describe_entity("ZZ") == "entity ZZ"
    assert explain("A6", "164", "IL") == (
        "Rejected for missing information: Contract or member ID number (subscriber)."
    )
    assert "insurance card" in fix_hint("A7", "33")
    assert "taxonomy" in fix_hint("A7", "145", "85") and "billing provider" in fix_hint(
        "A7", "145", "85"
    )
    assert "sum of the line charges" in fix_hint("A3", "400")
    assert fix_hint("A2", "20").startswith("Nothing to do")
    assert "new original" in fix_hint("A7", "9999")  # unknown status: the category's hint
    assert "new original" in fix_hint("A9", "")


# -- the referee: pyx12 with its stock 277CA (X214) map ----------------------------------------
@pytest.fixture(scope="module")
def pyx12_map_dir():
    """pyx12's stock maps carry the 277CA (005010X214)."""
    return None


@pytest.mark.parametrize("which", ["mixed", "one accepted", "batch rejected"])
def test_pyx12_passes_our_277ca(pyx12_map_dir, tmp_path, which):
    info, claims = INFO, CLAIMS
    if which == "one accepted":
        claims = CLAIMS[:1]
    elif which == "batch rejected":
        info = dataclasses.replace(INFO, batch_rejection=("A3", "24"))
    ok, errors = referee(pyx12_map_dir, build_277ca(info, claims, ENV), tmp_path)
    assert ok and errors == [], errors


def test_pyx12_referee_is_not_blind(pyx12_map_dir, tmp_path):
    broken = GOOD.replace("DTP*472*D8*20260920~\n", "").replace("HL*4*3*PT", "HL*4*3*QQ")
    ok, errors = referee(pyx12_map_dir, broken, tmp_path)
    assert not ok or errors
