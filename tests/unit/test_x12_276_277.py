"""The 276 request and 277 (X212) answer: public samples, round trips, our 276 checks, bad files
and pyx12 (with the shared 277 X212 map) as referee."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from core.errors import ImportFileError, ValidationError
from core.x12.envelope import Envelope
from core.x12.reader import read_x12
from core.x12.x270 import Person
from core.x12.x276 import StatusRequest, build_276, check_276, parse_276
from core.x12.x277 import StatusAnswer, build_277, parse_277
from core.x12.x999 import X12FileError
from tests.x12_referee import maps_with_shared, referee

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLES = SHARED / "x12-samples"
MAPS = SHARED / "x12-maps"
ENV = Envelope("CLAIMDESK", "SBXCLEARING", 88, dt.datetime(2026, 10, 20, 8, 15))
SUBSCRIBER = Person("Doe", "John", "Q", dt.date(1970, 5, 1), "M", "XJB123456789")
CHILD = Person("Doe", "Mia", "", dt.date(2015, 8, 20), "F")
BASE = dict(
    payer_name="Sandbox Blue",
    payer_id="SBX02",
    receiver_name="Maple Grove Family Medicine",
    receiver_id="CDSUB01",
    provider_name="Maple Grove Family Medicine",
    provider_npi="1234567893",
    subscriber=SUBSCRIBER,
)
REQUESTS = [
    StatusRequest(**BASE, patient_control_number="CD0000000042", service_from=dt.date(2026, 9, 20),
                  charge_cents=47500, payer_claim_number="EVG2609240001"),
    StatusRequest(**BASE, patient_control_number="CD0000000045", service_from=dt.date(2026, 9, 1),
                  service_to=dt.date(2026, 9, 3), charge_cents=12000, dependent=CHILD),
    StatusRequest(**{**BASE, "provider_npi": "1245319599", "provider_name": "Other Clinic"},
                  patient_control_number="CD0000000046", service_from=dt.date(2026, 9, 2),
                  charge_cents=5000),
]  # fmt: skip
GOOD_276 = build_276(REQUESTS, ENV, "CD276-88")


def sample(folder: str, name: str) -> bytes:
    path = SAMPLES / folder / name
    if not path.exists():
        pytest.skip(f"public sample {path} not found")
    return path.read_bytes()


# -- 276: public samples -----------------------------------------------------------------------
def test_parse_public_276_with_subscriber_and_dependent_claims():
    q = parse_276(sample("276", "LinuxForHealth__276_005010X212__claim-level-status.276"))
    assert q.warnings == () and q.reference == "ABC276XXX"
    assert q.interchange_control_number == "000000907"
    assert [r.patient_control_number for r in q.requests] == ["SM123456", "J0234567", "MA345678"]
    assert [r.trace_number for r in q.requests] == ["ABCXYZ1", "ABCXYZ2", "ABCXYZ3"]
    smith, jones, mann = q.requests
    assert (smith.payer_id, smith.receiver_id, smith.provider_npi) == (
        "12345",
        "X67E",
        "1666666661",
    )
    assert smith.subscriber == Person("SMITH", "FRED", "", dt.date(1930, 12, 10), "M", "123456789A")
    assert smith.dependent is None and smith.charge_cents == 851388 and smith.bill_type == "111"
    assert (smith.service_from, smith.service_to) == (dt.date(2005, 8, 31), dt.date(2005, 9, 6))
    assert jones.charge_cents == 759900 and jones.subscriber.sex == "F"
    assert mann.subscriber.last_name == "MANN" and mann.subscriber.member_id == "345678901"
    assert mann.dependent == Person("MANN", "JOSEPH", "", dt.date(1995, 11, 1), "M", "")
    assert mann.patient is mann.dependent and mann.provider_npi == "166666666"
    assert mann.charge_cents is None and mann.service_from == dt.date(2005, 5, 1)  # line date


@pytest.mark.parametrize(
    "name,pcns",
    [
        ("LinuxForHealth__276_005010X212__claim-level-status-ncpdp.276", ["ABCXYZ1"]),
        ("LinuxForHealth__276_005010X212__information-receiver-level-status.276", ["SM123456"]),
        ("LinuxForHealth__276_005010X212__provider-level-status.276", ["SM123456", "MA345678"]),
        ("LinuxForHealth__demo-file__demo.276", ["SM123456", "J0234567", "MA345678"]),
        ("Inteligenz___SampleEdiFiles__INS___276___5010__Example1_IG.txt",
         ["SM123456", "JO234567", "MA345678"]),
    ],
)  # fmt: skip
def test_parse_every_public_276(name, pcns):
    q = parse_276(sample("276", name))
    assert [r.patient_control_number for r in q.requests] == pcns
    assert all(r.payer_id == "12345" and r.receiver_id == "X67E" for r in q.requests)


def test_our_276_check_catches_the_samples_fake_npis():
    problems = check_276(sample("276", "LinuxForHealth__276_005010X212__claim-level-status.276"))
    assert problems == [
        "HL 3: NPI 1666666661 fails its check digit (expected 8 at the end).",
        "HL 6: NPI '166666666' must be exactly 10 digits.",
    ]


# -- 276: writing, reading back, checking --------------------------------------------------------
def test_build_276_layout():
    segs = [s.raw for s in read_x12(GOOD_276).segments]
    assert segs[1] == "GS*HR*CLAIMDESK*SBXCLEARING*20261020*0815*88*X*005010X212"
    assert segs[2:18] == [
        "ST*276*0088*005010X212",
        "BHT*0010*13*CD276-88*20261020*0815",
        "HL*1**20*1",
        "NM1*PR*2*SANDBOX BLUE*****PI*SBX02",
        "HL*2*1*21*1",
        "NM1*41*2*MAPLE GROVE FAMILY MEDICINE*****46*CDSUB01",
        "HL*3*2*19*1",
        "NM1*1P*2*MAPLE GROVE FAMILY MEDICINE*****XX*1234567893",
        "HL*4*3*22*1",
        "DMG*D8*19700501*M",
        "NM1*IL*1*DOE*JOHN*Q***MI*XJB123456789",
        "TRN*1*CD0000000042",
        "REF*1K*EVG2609240001",
        "REF*EJ*CD0000000042",
        "AMT*T3*475",
        "DTP*472*D8*20260920",
    ]
    assert segs[18:25] == [
        "HL*5*4*23",
        "DMG*D8*20150820*F",
        "NM1*QC*1*DOE*MIA",
        "TRN*1*CD0000000045",
        "REF*EJ*CD0000000045",
        "AMT*T3*120",
        "DTP*472*RD8*20260901-20260903",
    ]
    assert segs[25:28] == ["HL*6*2*19*1", "NM1*1P*2*OTHER CLINIC*****XX*1245319599", "HL*7*6*22*0"]
    assert check_276(GOOD_276) == []


def test_276_round_trip():
    q = parse_276(GOOD_276)
    assert q.warnings == () and q.reference == "CD276-88"
    assert q.created == dt.datetime(2026, 10, 20) and q.interchange_control_number == "000000088"
    for back, sent in zip(q.requests, REQUESTS, strict=True):
        assert back.patient_control_number == back.trace_number == sent.patient_control_number
        assert back.charge_cents == sent.charge_cents
        assert back.service_from == sent.service_from
        assert back.service_to == (sent.service_to or sent.service_from)
        assert back.payer_claim_number == sent.payer_claim_number
        assert back.provider_npi == sent.provider_npi and back.payer_id == "SBX02"
        assert back.subscriber == dataclasses.replace(
            SUBSCRIBER, last_name="DOE", first_name="JOHN"
        )
    assert q.requests[1].dependent == Person("DOE", "MIA", "", dt.date(2015, 8, 20), "F", "")


def test_a_separate_trace_number_goes_in_trn_and_the_pcn_in_ref_ej():
    request = dataclasses.replace(REQUESTS[0], trace_number="T-77")
    back = parse_276(build_276([request], ENV)).requests[0]
    assert (back.trace_number, back.patient_control_number) == ("T-77", "CD0000000042")


def corrupt(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    "old,new,words",
    [
        ("HL*5*4*23", "HL*5*3*23", "must sit under level 22"),
        ("HL*4*3*22*1", "HL*4*3*22*0", "HL04 must be 1"),
        ("REF*EJ*CD0000000042~\nAMT*T3*475", "AMT*T3*475~\nREF*EJ*CD0000000042", "out of order"),
        ("DTP*472*D8*20260920", "DTP*472*D8*20261340", "DTP must be"),
        ("DTP*472*RD8*20260901-20260903", "DTP*472*RD8*20260903-20260901", "backwards"),
        ("XX*1234567893", "XX*1234567890", "check digit"),
        ("NM1*IL*1*DOE*JOHN*Q***MI*XJB123456789", "NM1*IL*1*DOE*JOHN*Q", "NM108/NM109"),
        ("ST*276*0088*005010X212", "ST*276*0088*005010X279", "ST03"),
        ("BHT*0010*13", "BHT*0010*08", "BHT*0010*13"),
        ("SE*33*0088", "SE*32*0088", "SE01"),
        ("TRN*1*CD0000000042", "TRN*2*CD0000000042", "TRN*1"),
        ("AMT*T3*475", "AMT*T3*4.7.5", "AMT must be"),
        ("REF*EJ*CD0000000042", "REF*EJ*CD0000000042~\nREF*EJ*X", "appears 2 times"),
        ("NM1*QC*1*DOE*MIA", "NM1*QC*1*DOE*MIA****MI*1", "carries no ID"),
        ("HL*6*2*19*1", "HL*9*2*19*1", "HL01 must number"),
        ("NM1*PR*2*SANDBOX BLUE", "NM1*XX*2*SANDBOX BLUE", "NM1*PR"),
        ("HL*5*4*23", "HL*5*4*23~\nN3*1 MAIN ST", "not expected"),
        ("GE*1*88", "GE*2*88", "GE01"),
    ],
)
def test_276_check_finds_each_corruption(old, new, words):
    problems = check_276(corrupt(GOOD_276, old, new))
    assert any(words in p for p in problems), problems


def test_276_check_on_garbage_and_other_types():
    assert check_276("garbage") == [
        "This is not an X12 file: it should begin with an ISA (or ST) segment, but begins with "
        "'garbage'."
    ]
    assert (
        check_276(GOOD_276.replace("ST*276", "ST*270"))[-1] == "The file holds no 276 transaction."
    )


@pytest.mark.parametrize(
    "change,words",
    [
        (dict(patient_control_number=""), "patient control number"),
        (dict(subscriber=Person("Doe")), "member ID"),
        (dict(provider_npi="1234567890"), "check digit"),
        (dict(charge_cents=-5), "negative"),
        (dict(service_from=None), "date of service"),
        (dict(service_to=dt.date(2026, 9, 1)), "before"),
        (dict(payer_id=""), "payer ID"),
        (dict(dependent=Person("")), "dependent's last name"),
    ],
)
def test_build_276_refuses_bad_requests(change, words):
    with pytest.raises(ValidationError, match=words):
        build_276([dataclasses.replace(REQUESTS[0], **change)], ENV)
    with pytest.raises(ValidationError, match="at least one"):
        build_276([], ENV)


# -- 277: public samples -----------------------------------------------------------------------
def test_parse_demo_277_pending_finalized_denied():
    r = parse_277(sample("277", "LinuxForHealth__demo-file__demo.277"))
    assert r.warnings == () and r.reference == "277X212"
    assert [c.patient_control_number for c in r.claims] == ["SM123456", "J0234567", "MA345678"]
    assert [c.trace_number for c in r.claims] == ["ABCXYZ1", "ABCXYZ2", "ABCXYC3"]
    assert [c.state for c in r.claims] == ["pending", "finalized", "denied"]
    smith, jones, mann = r.claims
    assert (smith.category, smith.statuses[0].code) == ("P3", "317")
    assert smith.charge_cents == 851388 and smith.paid_cents is None
    assert smith.payer_claim_number == "05347006051" and smith.bill_type == "111"
    assert smith.statuses[0].date == dt.date(2005, 9, 13)
    assert smith.subscriber.display == "SMITH, FRED" and smith.patient is None
    assert smith.payer.id == "12345" and smith.provider.id == "1666666661"
    assert (jones.charge_cents, jones.paid_cents) == (759900, 759900)
    assert jones.explanations == (
        "Finalized, no further action will be taken: Adjudicated and waiting for the next "
        "payment cycle.",
    )
    assert (mann.charge_cents, mann.paid_cents) == (15000, 0)
    assert mann.patient.display == "MANN, JOSEPH" and mann.subscriber.display == "MANN, JOHN"
    assert mann.statuses[0].entity == "QC" and "not eligible" in mann.explanations[0].lower()
    assert mann.fixes == (
        "Denied: read the remittance (835) reasons and correct and resubmit or appeal.",
    )
    (line,) = mann.lines
    assert (line.procedure, line.charge_cents, line.paid_cents, line.units) == (
        "99203",
        15000,
        0,
        "1.00",
    )
    assert line.service_from == dt.date(2005, 5, 1) and mann.service_from == dt.date(2005, 5, 1)
    assert r.claim("ABCXYC3") is mann and r.claim("MA345678") is mann


def test_parse_ncpdp_and_level_statuses():
    ncpdp = parse_277(sample("277", "LinuxForHealth__277_005010X212__claim-level-status-ncpdp.277"))
    (claim,) = ncpdp.claims
    assert claim.state == "denied" and claim.statuses[0].code_list == "RX"
    assert claim.explanations == ("Finalized and denied: NCPDP pharmacy reject code 80.",)

    receiver = parse_277(
        sample("277", "LinuxForHealth__277_005010X212__information-receiver-level-status.277")
    )
    assert receiver.claims == ()
    (level,) = receiver.level_statuses
    assert (level.level, level.trace, level.statuses[0].category) == ("receiver", "ABC276XXX", "E0")
    assert level.statuses[0].fix.startswith("Correct the status request")

    provider = parse_277(sample("277", "LinuxForHealth__277_005010X212__provider-level-status.277"))
    (level,) = provider.level_statuses
    assert level.level == "provider" and level.party.id == "6166666666"
    assert (level.statuses[0].code, level.statuses[0].entity) == ("24", "85")
    assert [c.state for c in provider.claims] == ["pending"]


def test_parse_imsweb_277_with_eight_payer_loops():
    r = parse_277(sample("277", "imsweb__277_5010__x12_277_x212.txt"))
    assert [c.patient_control_number for c in r.claims] == [
        "12345", "12346", "12347", "12348", "12349", "12340", "12341", "12342"]  # fmt: skip
    assert [c.trace_number for c in r.claims] == [f"000000{n}" for n in range(1, 9)]
    assert [c.charge_cents for c in r.claims] == [60000, 40000, 10000, 18000, 10000, 45000,
                                                  10000, 10000]  # fmt: skip
    assert {c.state for c in r.claims} == {"acknowledged"}
    assert r.claims[0].statuses[0].message == "PAYER ACKNOWLEDGED RECEIPT OF THE CLAIM"
    assert r.claims[5].subscriber.display == "DIMMER, BART"
    assert any("IEA02 '842928883'" in w for w in r.warnings)


def test_a_277ca_and_a_277_are_refused_by_the_wrong_reader():
    with pytest.raises(X12FileError, match="277CA claim acknowledgment"):
        parse_277(sample("277CA", "imsweb__277_5010__x12_277CA_rejected.txt"))
    with pytest.raises(X12FileError, match="This is a 277 claim status or claim acknowledgment"):
        parse_276(sample("277", "LinuxForHealth__demo-file__demo.277"))


# -- 277: writing and reading back ---------------------------------------------------------------
ANSWERS = [
    StatusAnswer(REQUESTS[0], "F1", "65", dt.date(2026, 10, 20), paid_cents=31000,
                 adjudicated_on=dt.date(2026, 10, 1), paid_on=dt.date(2026, 10, 3),
                 check_number="EFT0000931"),
    StatusAnswer(REQUESTS[1], "P1", "20", dt.date(2026, 10, 20)),
    StatusAnswer(REQUESTS[2], "F2", "88", dt.date(2026, 10, 20), entity="QC", paid_cents=0,
                 adjudicated_on=dt.date(2026, 10, 2)),
]  # fmt: skip
GOOD_277 = build_277(ANSWERS, ENV, "CD276-88")


def test_build_277_layout():
    segs = [s.raw for s in read_x12(GOOD_277).segments]
    assert segs[1] == "GS*HN*CLAIMDESK*SBXCLEARING*20261020*0815*88*X*005010X212"
    assert segs[3] == "BHT*0010*08*CD276-88*20261020*0815*DG"
    first = segs.index("TRN*2*CD0000000042")
    assert segs[first - 1 : first + 5] == [
        "NM1*IL*1*DOE*JOHN*Q***MI*XJB123456789",
        "TRN*2*CD0000000042",
        "STC*F1:65*20261020**475*310*20261001**20261003*EFT0000931",
        "REF*1K*EVG2609240001",
        "REF*EJ*CD0000000042",
        "DTP*472*D8*20260920",
    ]
    assert "STC*F2:88:QC*20261020**50*0*20261002" in segs and "DMG" not in GOOD_277


def test_277_round_trip():
    r = parse_277(GOOD_277)
    assert r.warnings == () and r.reference == "CD276-88"
    paid, pending, denied = r.claims
    assert [c.state for c in r.claims] == ["paid", "pending", "denied"]
    assert (paid.charge_cents, paid.paid_cents, paid.check_number) == (47500, 31000, "EFT0000931")
    assert (paid.adjudicated_on, paid.paid_on) == (dt.date(2026, 10, 1), dt.date(2026, 10, 3))
    assert paid.payer_claim_number == "EVG2609240001" and paid.fixes[0].startswith("Paid")
    assert pending.patient.display == "DOE, MIA" and pending.service_to == dt.date(2026, 9, 3)
    assert denied.provider.id == "1245319599" and denied.paid_cents == 0
    assert r.claim("CD0000000046") is denied


@pytest.mark.parametrize(
    "change,words",
    [
        (dict(category=""), "category"),
        (dict(request=dataclasses.replace(REQUESTS[0], charge_cents=None)), "charge"),
        (dict(request=dataclasses.replace(REQUESTS[0], subscriber=Person("Doe"))), "member ID"),
    ],
)
def test_build_277_refuses_bad_answers(change, words):
    with pytest.raises(ValidationError, match=words):
        build_277([dataclasses.replace(ANSWERS[0], **change)], ENV)


@pytest.mark.parametrize(
    "text,words",
    [
        ("", "empty"),
        ("<html>", "not an X12 file"),
        (GOOD_277[: len(GOOD_277) // 2], "truncated"),
        (GOOD_277[: GOOD_277.index("IEA")], "truncated"),
        (GOOD_276, "This is a 276 claim status request, not a 277"),
    ],
)
def test_bad_277_files_raise_one_plain_sentence(text, words):
    with pytest.raises(X12FileError, match=words) as caught:
        parse_277(text)
    assert isinstance(caught.value, ImportFileError)


def test_bad_276_files_raise_one_plain_sentence():
    with pytest.raises(X12FileError, match="truncated"):
        parse_276(GOOD_276[: GOOD_276.index("HL*6")])
    with pytest.raises(X12FileError, match="empty"):
        parse_276(b"")


# -- the referee: pyx12 with the shared 277 (X212) map -------------------------------------------
@pytest.fixture(scope="module")
def pyx12_map_dir(tmp_path_factory):
    """The 277 X212 map comes from ../shared/x12-maps."""
    return maps_with_shared(tmp_path_factory, ("277.5010.X212.xml",))


def test_pyx12_passes_our_277(pyx12_map_dir, tmp_path):
    ok, errors = referee(pyx12_map_dir, GOOD_277, tmp_path)
    assert ok and errors == [], errors


def test_pyx12_referee_is_not_blind(pyx12_map_dir, tmp_path):
    broken = GOOD_277.replace("*DG~", "*TH~").replace("NM1*41*2", "NM1*41*9")
    ok, errors = referee(pyx12_map_dir, broken, tmp_path)
    assert not ok or errors
