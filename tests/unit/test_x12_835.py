"""The 835 reader and writer: every public 835 sample (facts read by hand, balancing verdicts),
round trips through pyx12 as referee, and bad files refused in one plain sentence."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from core.errors import ClaimDeskError, ImportFileError, ValidationError
from core.x12.envelope import Envelope
from core.x12.pyx12_check import validate_x12
from core.x12.x835 import build_835, parse_835
from core.x12.x835_model import (
    Adjustment835,
    ClaimPayment,
    ProviderAdjustment835,
    Read835,
    Remittance835,
    ServicePayment,
    balance_problems,
)
from core.x12.x999 import X12FileError

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "x12-samples"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared X12 samples not present")

EXAMPLE1 = "835/Inteligenz___SampleEdiFiles__INS___835___5010__Example1.txt"
MULTI = (
    "835/Inteligenz___SampleEdiFiles__INS___835___5010__FromNth__835_WithMultipleInterchanges.txt"
)
COB = "835/LinuxForHealth__835_005010X221A1__cob-contractural-adjustment.835"
SECONDARY = "835/LinuxForHealth__835_005010X221A1__secondary-payment.835"
TERTIARY = "835/LinuxForHealth__835_005010X221A1__tertiary-payment.835"
PYX12_LOOPS = "835/azoner__pyx12__tests__835_mult_loops.txt"
EMEDNY = "835/keironstoddart__emedny_sample.txt"
BUNDLING = "835/owgreen-dev__835_005010X221A1__generated-bundling-denials.835"
MIXED = "835/owgreen-dev__835_005010X221A1__generated-mixed-claims.835"
CONTACTS = "835/owgreen-dev__835_005010X221A1__managed-care-payer-contacts.835"
NOT_DELIMITED = "835/tastypackets__test__test-files__835__multi-line-not-delimited.edi"
PROFEE = "835/tastypackets__test__test-files__835__profee.edi"
BLUE_CROSS = "835-no-envelope/keironstoddart__blue_cross_nc_sample.txt"

D = dt.date(2026, 10, 1)
A = Adjustment835
ENV = Envelope("SANDBOXPAYER", "CLAIMDESK", 7, dt.datetime(2026, 10, 1, 9, 30))


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def read(name: str) -> Read835:
    return parse_835(sample(name))


def claim_of(r: Remittance835, pcn: str) -> ClaimPayment:
    return next(c for c in r.claims if c.patient_control_number == pcn)


# =============================================================================================
# The public samples
@needs_samples
def test_every_public_835_is_known_unchanged_and_parsed():
    manifest = json.loads((SAMPLES / "manifest.json").read_text())
    listed = {m["file"]: m for m in manifest if m["st01"] == "835"}
    on_disk = {
        f"{p.parent.name}/{p.name}"
        for folder in ("835", "835-no-envelope")
        for p in (SAMPLES / folder).iterdir()
    }
    # Every file is described by the manifest and covered by the facts below, byte for byte.
    assert on_disk == set(listed) == set(FACTS)
    for name, meta in listed.items():
        assert hashlib.sha1(sample(name)).hexdigest() == meta["sha1"], name
        parsed = read(name)
        assert parsed.remittances, name


@needs_samples
@pytest.mark.parametrize("name", sorted([
    EXAMPLE1, MULTI, COB, SECONDARY, TERTIARY, PYX12_LOOPS, EMEDNY, BUNDLING, MIXED, CONTACTS,
    NOT_DELIMITED, PROFEE, BLUE_CROSS,
]))  # fmt: skip
def test_files_pyx12_finds_valid_read_without_warnings_and_the_others_with(name):
    manifest = {m["file"]: m for m in json.loads((SAMPLES / "manifest.json").read_text())}
    parsed = read(name)
    if manifest[name]["pyx12"] == "VALID":
        assert parsed.warnings == ()
    else:
        assert parsed.warnings, f"pyx12 says {manifest[name]['pyx12']} but we noticed nothing"


# Facts read by hand from each file: remittances, claims per remittance, service lines, first
# patient control number, BPR total in cents, and the balancing verdict (checked by hand: see the
# comments). Lists of problems are exact.
FACTS = {
    EXAMPLE1: dict(
        claims=[10], lines=[9], first="444444", totals=[575],
        # CLP04 sum: 56.52 + 18.88 + 59.69 - 42.58 - 86.76 = 5.75, less PLB CV -1.27 = 7.02.
        problems=[[
            "payment A04B001017.07504: the total paid $5.75 is not the claims' $5.75 less "
            "provider adjustments -$1.27 (= $7.02)"
        ]],
    ),
    # Anonymised with 9s: amounts no longer add up (checked with awk: CLP04 sums 776.06,
    # 3111.09 and 3439.89 against BPR02 999.99, 9999.99 and 482.13); counted below.
    MULTI: dict(claims=[19, 23, 14], lines=[38, 24, 29], first="9999999999-999",
                totals=[99999, 999999, 48213], problems=None),
    COB: dict(claims=[1], lines=[1], first="0001000055", totals=[3400], problems=[[]]),
    SECONDARY: dict(claims=[2], lines=[2], first="L0004828311", totals=[122200], problems=[[]]),
    # SVC*HC*24599.00*1766.50*...: the code sits where the charge should be (sender's bug).
    TERTIARY: dict(
        claims=[1], lines=[1], first="0001000054", totals=[18750],
        problems=[[
            "claim 0001000054 line 1 (): charge $24,599.00 - paid $1,766.50 = $22,832.50, but "
            "its adjustments add up to $1,579.00"
        ]],
    ),
    PYX12_LOOPS: dict(claims=[1], lines=[3], first="2005555A", totals=[0], problems=[[]]),
    EMEDNY: dict(claims=[3], lines=[10], first="PATIENT ACCOUNT NUMBER", totals=[4575],
                 problems=[[]]),
    NOT_DELIMITED: dict(claims=[3], lines=[10], first="PATIENT ACCOUNT NUMBER", totals=[4575],
                        problems=[[]]),
    PROFEE: dict(claims=[3], lines=[10], first="PATIENT ACCOUNT NUMBER", totals=[4575],
                 problems=[[]]),
    BUNDLING: dict(claims=[3], lines=[3], first="PCN000001", totals=[180000], problems=[[]]),
    MIXED: dict(claims=[8], lines=[16], first="PCN000001", totals=[1533395], problems=[[]]),
    CONTACTS: dict(claims=[2], lines=[2], first="5554555444", totals=[94500], problems=[[]]),
    BLUE_CROSS: dict(claims=[1], lines=[3], first="200200964A52", totals=[192286], problems=[[]]),
}  # fmt: skip


@needs_samples
@pytest.mark.parametrize("name", sorted(FACTS))
def test_public_835_counts_totals_and_balancing_verdict(name):
    facts = FACTS[name]
    parsed = read(name)
    assert [len(r.claims) for r in parsed.remittances] == facts["claims"]
    assert [r.service_line_count for r in parsed.remittances] == facts["lines"]
    assert parsed.remittances[0].claims[0].patient_control_number == facts["first"]
    assert [r.total_cents for r in parsed.remittances] == facts["totals"]
    if facts["problems"] is not None:
        assert [balance_problems(r) for r in parsed.remittances] == facts["problems"]


@needs_samples
def test_example1_reversals_plb_zero_cas_and_a_bare_clp():
    parsed = read(EXAMPLE1)
    assert (parsed.interchange_control, parsed.sender_id, parsed.receiver_id) == (
        "004075123", "ASHTB", "01017",
    )  # fmt: skip
    r = parsed.remittances[0]
    assert (r.handling_code, r.credit_debit, r.payment_method) == ("H", "C", "NON")
    assert r.payment_date == dt.date(2004, 3, 15) and r.production_date == dt.date(2004, 3, 8)
    assert (r.trace_number, r.payer_identifier) == ("A04B001017.07504", "1346000128")
    assert r.payer_address == ("4817 STATE ROAD SUITE 203", "ASHTABULA", "OH", "44004")
    assert (r.payee_id_qualifier, r.payee_id) == ("FI", "346608640")
    # CAS*CO*42*0*0 then CAS*OA*23*57.6*0*23*-1.08*0: two triples, the second negative.
    dora = claim_of(r, "121212").services[0]
    assert dora.adjustments == (
        A("CO", "42", 0, "0"), A("OA", "23", 5760, "0"), A("OA", "23", -108, "0"),
    )  # fmt: skip
    homer = claim_of(r, "123456")
    assert homer.is_reversal and (homer.charge_cents, homer.paid_cents) == (-4258, -4258)
    assert homer.services[0].units == "-2" and homer.services[0].modifiers == ("GT", "UK")
    assert homer.rendering_npi == ""  # NM1*82 carries an FI tax ID, not an NPI
    daffy = r.claims[8]
    assert daffy.services[0].service_from == dt.date(2004, 2, 10)
    assert daffy.services[0].service_to == dt.date(2004, 2, 11)
    assert daffy.services[0].remarks == ("MA92",)
    assert r.claims[-1] == ClaimPayment("090909", "22", 0, 0, position=98)
    assert r.provider_adjustments == (
        ProviderAdjustment835("123456", dt.date(1996, 9, 30), "CV", "9876514", -127),
    )
    assert "Segments are indented with spaces; they were read without them." in parsed.warnings
    assert "Segment 98 (CLP): the claim charge (CLP03) is empty; it was read as 0." in (
        parsed.warnings
    )
    assert any("declares version '5010'" in w for w in parsed.warnings)


@needs_samples
def test_three_interchanges_keep_the_first_envelope_and_every_imbalance_is_named():
    parsed = read(MULTI)
    assert parsed.interchange_control == "000000031" and parsed.sender_id == "MMISNEBR"
    assert [r.control_number for r in parsed.remittances] == ["8001", "9001", "10001"]
    first = parsed.remittances[0]
    assert first.claims[0].services[0].adjustments == (A("CO", "24", 99999, "0"),)
    assert first.claims[0].services[0].qualifier == "XX"  # ISA16 is ">" in this file
    problems = [balance_problems(r) for r in parsed.remittances]
    assert [len(p) for p in problems] == [26, 46, 32]  # recounted with a separate script
    assert problems[0][0] == (
        "claim 9999999999-999: charge $999.99 - paid $0.00 = $999.99, but its adjustments add "
        "up to $1,099.98"
    )
    assert problems[0][-1] == (
        "payment 999999999: the total paid $999.99 is not the claims' $776.06 less provider "
        "adjustments $0.00 (= $776.06)"
    )
    assert problems[2][-1].startswith("payment 999999999: the total paid $482.13 is not the")


@needs_samples
def test_linuxforhealth_files_with_gt_as_component_separator_and_no_bpr16():
    cob = read(COB)
    line = cob.remittances[0].claims[0].services[0]
    assert (line.qualifier, line.code, line.allowed_cents) == ("HC", "55669", 55000)
    assert line.adjustments == (A("OA", "23", 51600), A("OA", "94", -900))
    assert cob.remittances[0].payment_date is None
    assert cob.warnings == (
        "Segment 4 (BPR): the payment date (BPR16) is missing.",
        "Segment 21 (SVC): SVC01 'HC>55669' separates its parts with '>', not the declared ':'; "
        "read as such.",
    )
    second = read(SECONDARY).remittances[0]
    first_claim = claim_of(second, "L0004828311")
    assert first_claim.services == () and first_claim.adjustments == (A("OA", "23", 941164),)
    assert (first_claim.facility_code, first_claim.frequency_code) == ("11", "1")
    line2 = claim_of(second, "0001000053").services[1]
    assert line2.modifiers == ("26",)
    assert line2.adjustments == (A("PR", "1", 15000), A("PR", "2", 7000), A("CO", "42", 8500))
    tertiary = read(TERTIARY)
    assert "Segment 20 (SVC): the procedure code (SVC01-2) is missing in 'HC'." in (
        tertiary.warnings
    )


@needs_samples
def test_emedny_corrected_names_remarks_contacts_and_same_model_across_layouts():
    parsed = read(EMEDNY)
    r = parsed.remittances[0]
    assert (
        r.payment_method == "ACH" and r.payee_id == "9999999995" and r.payee_tax_id == "000000000"
    )
    assert (r.payer_contact_phone, r.payer_contact_url) == ("8003439000", "www.emedny.org")
    c1, c2, c3 = r.claims
    assert (c1.corrected_last, c1.corrected_first) == ("CORRECTED LAST", "CORRECTED FIRST")
    assert c1.patient_member_id == "LL99999L" and c1.services[0].allowed_cents == 600
    assert c1.services[0].modifiers == ("RB",) and c1.services[3].units == "2"
    assert c2.services[0].adjustments == (A("CO", "29", 1200),)
    assert c3.services[2].adjustments == (A("CO", "251", 275),) and c3.services[2].remarks == (
        "N206",
    )
    assert c3.services[1].service_from == dt.date(2013, 9, 17)
    # The same file one segment a line without "~", and with "~" plus line breaks.
    assert read(NOT_DELIMITED) == parsed
    assert read(PROFEE) == parsed


@needs_samples
def test_pyx12s_own_sample_with_ts3_and_period_dates():
    r = read(PYX12_LOOPS).remittances[0]
    assert (r.handling_code, r.payment_method, r.total_cents) == ("H", "NON", 0)
    assert r.payer_contact_phone == "9995551212"
    c = r.claims[0]
    assert c.is_denial and c.patient_member_id == "00001612"
    assert [s.charge_cents for s in c.services] == [50004, 12780, 28755]
    assert c.services[0].service_from == c.services[0].service_to == dt.date(2003, 11, 29)
    assert c.services[1].adjustments == (A("OA", "A7", 12780),)
    assert all(s.remarks == ("N14",) for s in c.services)


@needs_samples
def test_owgreen_files_claim_level_cas_and_the_payers_technical_contact():
    contacts = read(CONTACTS)
    r = contacts.remittances[0]
    assert r.payer_contact_phone == "5551234567"  # PER*BL, not PER*CX's number
    assert r.payee_tax_id == "777667755" and r.payee_address == ()
    c = r.claims[0]
    assert c.adjustments == (A("CO", "A2", 5000),)
    assert c.services[0].adjustments == (A("PR", "1", 30000),)
    assert (c.services[0].service_from, c.services[0].service_to) == (
        dt.date(2002, 3, 1), dt.date(2002, 3, 4),
    )  # fmt: skip
    assert contacts.warnings == (
        "Segment 4 (BPR): the payment date (BPR16) '20002316' is not a date (CCYYMMDD); ignored.",
    )
    bundling = read(BUNDLING).remittances[0]
    assert claim_of(bundling, "PCN000003").services[0].adjustments == (
        A("CO", "45", 20000), A("PR", "2", 10000),
    )  # fmt: skip
    mixed = read(MIXED).remittances[0]
    assert claim_of(mixed, "PCN000005").services[0].adjustments == (A("CO", "96", 1847),)


@needs_samples
def test_file_without_envelope_original_code_and_odd_svc():
    parsed = read(BLUE_CROSS)
    assert (parsed.interchange_control, parsed.sender_id) == ("", "")
    c = parsed.remittances[0].claims[0]
    assert c.patient_member_id == "YPB123456789001" and c.received_on == dt.date(2011, 1, 3)
    assert c.patient_responsibility_cents == 14254
    first, second, third = c.services
    assert first.original_code == "59410" and first.line_control_number == "0001"
    assert first.adjustments == (A("CO", "42", 3460), A("PR", "2", 11754))
    assert second.adjustments == (A("PR", "3", 2500),)
    # SVC*HC:59426******742*742**1: no charge or payment where they belong.
    assert (third.charge_cents, third.paid_cents, third.allowed_cents) == (0, 0, 74200)
    assert parsed.warnings == (
        "Segment 1 (ST): transaction 1234 does not say its version (ST03 or GS08); it was read "
        "as 005010X221A1.",
        "Segment 16 (NM1): the patient ID ' YPB123456789001' begins with a space; it was read "
        "without.",
        "Segment 28 (SVC): the line charge (SVC02) is empty; it was read as 0.",
        "Segment 28 (SVC): the line payment (SVC03) is empty; it was read as 0.",
        "Segment 32 (SE): SE01 says 33, but transaction 1234 has 32 segments.",
    )


# =============================================================================================
# Building: shapes the sandbox payer writes, each checked by pyx12 and read back
def line(code="99213", charge=10000, paid=8000, *adjustments, **more) -> ServicePayment:
    return ServicePayment(
        "HC", code, more.pop("modifiers", ()), charge, paid, more.pop("units", "1"),
        service_from=more.pop("service_from", D), adjustments=tuple(adjustments), **more,
    )  # fmt: skip


def claim(pcn, status, charge, paid, *services, **more) -> ClaimPayment:
    defaults = dict(
        patient_responsibility_cents=0, filing_indicator="12", payer_claim_number="P" + pcn,
        facility_code="11", frequency_code="1", patient_last="DOE", patient_first="JOHN",
        patient_member_id="XJB123456789",
    )  # fmt: skip
    defaults.update(more)
    return ClaimPayment(pcn, status, charge, paid, services=tuple(services), **defaults)


def remittance(*claims, plb=(), **more) -> Remittance835:
    total = sum(c.paid_cents for c in claims) - sum(p.amount_cents for p in plb)
    data = dict(
        control_number=ENV.st02, handling_code="C", total_cents=total,
        credit_debit="D" if total < 0 else "C", payment_method="CHK", payment_date=D,
        trace_number="CHK000123", payer_identifier="1999999999", payer_name="SANDBOX BLUE",
        payer_id="SBX02", payee_name="MAPLE GROVE FAMILY MEDICINE", payee_id="1234567893",
        payee_id_qualifier="XX", production_date=dt.date(2026, 9, 30),
        payer_address=("1 SANDBOX WAY", "SAINT PAUL", "MN", "55101"),
        payer_contact_phone="8005550100", payee_address=("12 ELM ST", "MAPLE GROVE", "MN",
        "553111234"), payee_tax_id="411234567", claims=tuple(claims),
        provider_adjustments=tuple(plb),
    )  # fmt: skip
    data.update(more)
    return Remittance835(**data)


def without_positions(r: Remittance835) -> Remittance835:
    return dataclasses.replace(
        r, claims=tuple(dataclasses.replace(c, position=0) for c in r.claims)
    )


def built_and_read(r: Remittance835) -> tuple[str, Read835]:
    text = build_835(r, ENV)
    report = validate_x12(text)
    assert report.ok and report.findings == (), [str(f) for f in report.findings]
    back = parse_835(text)
    assert back.warnings == ()
    assert [without_positions(x) for x in back.remittances] == [r]
    assert back.interchange_control == ENV.isa13
    return text, back


PAID = claim("CD0000000001", "1", 15000, 15000, line("99213", 15000, 15000))
PARTIAL = claim(
    "CD0000000002", "1", 30000, 12000,
    line("99214", 20000, 9000, A("CO", "45", 5000), A("PR", "1", 4000), A("PR", "2", 2000),
         modifiers=("25",), allowed_cents=15000, line_control_number="L-2-1"),
    line("36415", 10000, 3000, A("CO", "45", 5000), A("PR", "3", 2000)),
    patient_responsibility_cents=8000, service_from=D, service_to=D,
)  # fmt: skip
DENIED = claim(
    "CD0000000003", "4", 5000, 0, line("99211", 5000, 0, A("CO", "29", 5000), remarks=("N30",))
)
REVERSAL = claim(
    "CD0000000004", "22", -20000, -16000,
    line("99215", -20000, -16000, A("CO", "45", -3000), A("PR", "2", -1000)),
    patient_responsibility_cents=-1000,
)  # fmt: skip
CORRECTED = claim(
    "CD0000000004", "1", 20000, 17000,
    line("99215", 20000, 17000, A("CO", "45", 3000)), frequency_code="7",
)  # fmt: skip


def test_paid_partial_and_denied_claims_pass_pyx12_and_read_back_equal():
    text, back = built_and_read(remittance(PAID, PARTIAL, DENIED))
    lines = text.splitlines()
    assert lines[2] == "ST*835*0007~"  # the 835 guide does not use ST03
    assert "BPR*C*270*C*CHK************20261001~" in lines
    assert "LX*1~" in lines and "PER*BL**TE*8005550100~" in lines
    assert "CAS*PR*1*40**2*20~" in lines  # PR grouped: deductible and coinsurance in one CAS
    assert "SVC*HC:99214:25*200*90**1~" in lines and "AMT*B6*150~" in lines
    assert back.remittances[0].claims[2].is_denial


def test_reversal_then_corrected_claim_interest_and_recoupment():
    plb = (
        ProviderAdjustment835("1234567893", dt.date(2026, 12, 31), "L6", "", -125),
        ProviderAdjustment835("1234567893", dt.date(2026, 12, 31), "WO", "PCLM0099", 2000),
        ProviderAdjustment835("1234567893", dt.date(2026, 12, 31), "72", "AR0001", 500),
    )
    r = remittance(REVERSAL, CORRECTED, PAID, plb=plb)
    assert r.total_cents == -16000 + 17000 + 15000 + 125 - 2000 - 500
    text, back = built_and_read(r)
    assert "CLP*CD0000000004*22*-200*-160*-10*12*PCD0000000004*11*1~" in text
    assert "CAS*CO*45*-30~" in text
    assert "PLB*1234567893*20261231*L6*-1.25*WO:PCLM0099*20*72:AR0001*5~" in text
    got = back.remittances[0]
    assert got.claims[0].is_reversal and got.plb_total == 2375


def test_a_remittance_the_provider_owes_is_a_debit():
    r = remittance(REVERSAL, handling_code="I")
    assert r.total_cents == -16000 and r.credit_debit == "D"
    text, back = built_and_read(r)
    assert "BPR*I*160*D*CHK************20261001~" in text
    assert back.remittances[0].total_cents == -16000


def test_a_notification_without_payment_for_denials_only():
    r = remittance(DENIED, handling_code="H", payment_method="NON")
    assert r.total_cents == 0
    text, back = built_and_read(r)
    assert "BPR*H*0*C*NON************20261001~" in text
    assert back.remittances[0].claims[0].services[0].remarks == ("N30",)


def test_many_adjustments_split_into_cas_segments_of_six_per_group():
    adjustments = [A("CO", str(n), 100) for n in range(1, 9)] + [A("OA", "23", 50, "2")]
    many = claim(
        "CD0000000005", "1", 2000, 1150, line("97110", 2000, 1150, *adjustments, units="4")
    )
    plb = tuple(
        ProviderAdjustment835("1234567893", dt.date(2026, 12, 31), "L6", "", -n)
        for n in range(1, 7)
    )
    text, _ = built_and_read(remittance(many, plb=plb))
    cas = [s for s in text.splitlines() if s.startswith("CAS")]
    assert cas == [
        "CAS*CO*1*1**2*1**3*1**4*1**5*1**6*1~",
        "CAS*CO*7*1**8*1~",
        "CAS*OA*23*0.5*2~",
    ]
    assert [s for s in text.splitlines() if s.startswith("PLB")] == [
        "PLB*1234567893*20261231*L6*-0.01*L6*-0.02*L6*-0.03*L6*-0.04*L6*-0.05*L6*-0.06~"
    ]


@pytest.fixture(scope="module")
def fixed_maps(tmp_path_factory):
    """pyx12's stock maps with one correction: the 835 footer (PLB, "max use >1" in the guide)
    may repeat. The stock map gives the footer wrapper loop a repeat of 1, so a second PLB is
    reported as "Loop FOOTER exceeded max count"."""
    import pyx12

    folder = tmp_path_factory.mktemp("maps") / "map"
    shutil.copytree(Path(pyx12.__file__).parent / "map", folder)
    path = folder / "835.5010.X221.A1.xml"
    xml = path.read_text()
    start = xml.index('<loop xid="FOOTER"')
    at = xml.index("<repeat>1</repeat>", start)
    path.write_text(xml[:at] + "<repeat>&gt;1</repeat>" + xml[at + len("<repeat>1</repeat>") :])
    return folder


def test_seven_provider_adjustments_take_two_plb_segments(fixed_maps):
    plb = tuple(
        ProviderAdjustment835("1234567893", dt.date(2026, 12, 31), "L6", "", -n)
        for n in range(1, 8)
    ) + (ProviderAdjustment835("1234567893", dt.date(2025, 12, 31), "WO", "X9", 100),)
    r = remittance(PAID, plb=plb)
    text = build_835(r, ENV)
    assert [s.count("*L6*") + s.count("*WO:") for s in text.splitlines() if s[:3] == "PLB"] == [
        6, 1, 1,
    ]  # fmt: skip
    assert [without_positions(x) for x in parse_835(text).remittances] == [r]
    # Stock pyx12 objects to the repeated footer and to nothing else; with the map corrected,
    # it finds nothing.
    stock = validate_x12(text)
    assert [f.detail for f in stock.findings] == [
        "Loop FOOTER exceeded max count.  Found 2, should have 1",
        "Loop FOOTER exceeded max count.  Found 3, should have 1",
    ]
    fixed = validate_x12(text, map_path=fixed_maps)
    assert fixed.ok and fixed.findings == ()


def test_the_rest_of_the_model_survives_a_round_trip():
    rich = claim(
        "cd-Mixed.Case/7", "19", 40000, 25000,
        line("99204", 25000, 15000, A("CO", "45", 5000), A("PR", "3", 5000),
             modifiers=("25", "59", "GT", "95"), original_code="99205",
             original_modifiers=("25",), original_units="2", units="1", remarks=("N130", "M15"),
             service_to=dt.date(2026, 10, 3), allowed_cents=20000, line_control_number="9"),
        line("J3301", 15000, 10000, A("CO", "45", 5000), units="40"),
        adjustments=(A("OA", "23", 0),), remarks=("MA01", "MA18"),
        corrected_last="DOE-SMITH", corrected_first="JON", rendering_npi="1234567893",
        crossover_payer="SECOND MUTUAL", crossover_payer_id="SM001", service_from=D,
        service_to=dt.date(2026, 10, 3), received_on=dt.date(2026, 10, 5),
        patient_responsibility_cents=5000,
    )  # fmt: skip
    text, back = built_and_read(remittance(rich))
    assert "NM1*TT*2*SECOND MUTUAL*****PI*SM001~" in text and "MOA***MA01*MA18~" in text
    assert "SVC*HC:99204:25:59:GT:95*250*150**1*HC:99205:25*2~" in text
    assert "DTM*150*20261001~" in text and "DTM*151*20261003~" in text
    assert (
        back.remittances[0].claims[0].position
        == text.splitlines().index("CLP*cd-Mixed.Case/7*19*400*250*50*12*Pcd-Mixed.Case/7*11*1~")
        + 1
    )


def test_defaults_fill_what_the_guide_requires():
    r = remittance(
        PAID, payment_date=None, payer_address=("", "", "", ""), payer_contact_phone="",
        payer_contact_url="https://Sandbox.example/era", payee_address=(), payee_tax_id="",
        payee_id_qualifier="", production_date=None,
    )  # fmt: skip
    text = build_835(r, ENV)
    assert validate_x12(text).ok
    assert "N3*1 SANDBOX WAY~" in text and "PER*BL**UR*Sandbox.example/era~" in text
    got = parse_835(text).remittances[0]
    assert got.payment_date == ENV.created_at.date() and got.payee_id_qualifier == "XX"
    assert got.payer_contact_url == "Sandbox.example/era"
    no_street = build_835(dataclasses.replace(r, payee_address=("", "SALEM", "OR", "97301")), ENV)
    assert validate_x12(no_street).ok and "SALEM" not in no_street


def test_files_of_many_claims_read_back_whole():
    claims = [
        claim(f"CD{n:010d}", "1", 30000, 20000,
              line("99213", 15000, 10000, A("CO", "45", 3000), A("PR", "2", 2000)),
              line("36415", 15000, 10000, A("CO", "45", 5000)))
        for n in range(1, 1001)
    ]  # fmt: skip
    r = remittance(*claims)
    got = parse_835(build_835(r, ENV))
    assert got.warnings == () and [without_positions(x) for x in got.remittances] == [r]
    assert got.remittances[0].service_line_count == 2000


def test_other_separators_crlf_and_no_envelope_read_the_same():
    r = remittance(PARTIAL, DENIED)
    text = build_835(r, ENV)
    # element "|", component ">", and CRLF as the segment terminator (ISA keeps its width).
    odd = text.replace("*", "|").replace(":", ">").replace("~\n", "\r\n")
    assert len(odd.splitlines()[0]) == 105
    assert [without_positions(x) for x in parse_835(odd).remittances] == [r]
    body = "".join(
        s + "~" for s in text.split("~\n") if s and s[:3] not in ("ISA", "GS*", "GE*", "IEA")
    )
    bare = parse_835(body.encode())
    assert [without_positions(x) for x in bare.remittances] == [r]
    assert bare.interchange_control == "" and bare.warnings == (
        "Segment 1 (ST): transaction 0007 does not say its version (ST03 or GS08); it was read "
        "as 005010X221A1.",
    )


def test_several_transaction_sets_and_a_foreign_one_in_one_group():
    text = build_835(remittance(PAID), ENV)
    segs = text.split("~\n")
    st, se = segs.index("ST*835*0007"), next(i for i, s in enumerate(segs) if s.startswith("SE"))
    second = [s.replace("0007", "0008") for s in segs[st : se + 1]]
    foreign = ["ST*999*0009", "AK1*HC*1*005010X222A1", "AK9*A*1*1*1", "SE*4*0009"]
    joined = segs[: se + 1] + second + foreign + ["GE*3*7"] + segs[se + 2 :]
    parsed = parse_835("~\n".join(joined))
    assert [r.control_number for r in parsed.remittances] == ["0007", "0008"]
    assert parsed.warnings == (
        f"Segment {len(segs[: se + 1]) + len(second) + 4} (SE): transaction 0009 is a 999 "
        "implementation acknowledgment, not an 835; skipped.",
    )


# -- the builder refuses --------------------------------------------------------------------
def test_an_unbalanced_remittance_is_refused_naming_the_claim():
    wrong = dataclasses.replace(PARTIAL, paid_cents=12001)
    with pytest.raises(ValidationError) as err:
        build_835(remittance(wrong), ENV)
    assert "does not balance" in str(err.value) and "claim CD0000000002:" in str(err.value)
    with pytest.raises(ValidationError, match="the total paid"):
        build_835(dataclasses.replace(remittance(PAID), total_cents=14999), ENV)


def _with(**change):
    return lambda: dataclasses.replace(remittance(PAID), **change)


def _claim_with(base=PAID, **change):
    return lambda: remittance(dataclasses.replace(base, **change))


@pytest.mark.parametrize(
    "make, words",
    [
        (_with(payment_method="ACH"), "bank routing and account numbers"),
        (_with(trace_number=""), "trace number (TRN02) is missing"),
        (_with(payee_id=""), "payee ID (NPI) is missing"),
        (_with(handling_code="Q"), "handling code 'Q'"),
        (_with(credit_debit="D"), "must have a negative total"),
        (_with(provider_adjustments=(ProviderAdjustment835("1", None, "ZZ", "", 0),)),
         "reason code 'ZZ'"),
        (_claim_with(status_code="7"), "claim CD0000000001 has the status code '7'"),
        (_claim_with(filing_indicator="CI"), "indicator 'CI' (CLP06); an 835 uses one of 12, "),
        (_claim_with(patient_control_number="A*B"), "without separators"),
        (_claim_with(DENIED, adjustments=(A("CR", "18", 0),)), "group 'CR'"),
        (_claim_with(rendering_npi="12345"), "not 10 digits"),
        (_claim_with(crossover_payer="X"), "crossover payer's ID is missing"),
        (_claim_with(payer_claim_number=""), "payer claim number (CLP07) is missing"),
    ],
)  # fmt: skip
def test_the_builder_refuses_what_cannot_be_a_valid_835(make, words):
    r = make()
    with pytest.raises(ValidationError) as err:
        build_835(r, ENV)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_the_referee_is_not_blind():
    text = build_835(remittance(PAID, PARTIAL), ENV)
    for broken in (
        text.replace("CLP*CD0000000001*1*150*150**12*", "CLP*CD0000000001*1*150*150**QQ*"),
        text.replace("N4*SAINT PAUL*MN*55101~\n", ""),
        text.replace("CAS*CO*45*50~", "CAS*XX*45*50~"),
    ):
        assert broken != text
        assert not validate_x12(broken).ok


# =============================================================================================
# Reading: amounts, warnings and refusals
BASE = (
    "ST*835*0001*005010X221A1~BPR*I*{total}*C*CHK************20261001~TRN*1*T1*1999999999~N1*PR*PAYER~"
    "N1*PE*CLINIC*XX*1234567893~LX*1~CLP*PCN1*1*100*{paid}**12*X1~NM1*QC*1*DOE*JO~"
    "SVC*HC:99213*100*{paid}**1~CAS*CO*45*{cas}~SE*11*0001~"
)


def tiny(total="80", paid="80", cas="20") -> str:
    return BASE.format(total=total, paid=paid, cas=cas)


@pytest.mark.parametrize(
    "paid, cas, cents",
    [("80", "20", 8000), ("80.5", "19.5", 8050), (".5", "99.5", 50), ("80.", "20", 8000),
     ("-12.5", "112.5", -1250), ("0", "100", 0), ("80.00", "20.00", 8000)],
)  # fmt: skip
def test_amounts_are_exact_signed_cents(paid, cas, cents):
    r = parse_835(tiny(paid, paid, cas)).remittances[0]
    assert r.total_cents == r.claims[0].paid_cents == r.claims[0].services[0].paid_cents == cents
    assert type(cents) is int and balance_problems(r) == []


def test_more_than_two_decimals_round_half_even_with_a_warning():
    parsed = parse_835(tiny(cas="20.005"))
    assert parsed.remittances[0].claims[0].services[0].adjustments[0].amount_cents == 2000
    assert parsed.warnings == (
        "Segment 10 (CAS): the adjustment amount (CAS03) '20.005' has more than two decimals; "
        "it was rounded to $20.00.",
    )
    assert parse_835(tiny(cas="20.015")).remittances[0].claims[0].adjustment_total == 2002


def test_a_debit_bpr_makes_the_total_negative():
    r = parse_835(tiny().replace("BPR*I*80*C*", "BPR*I*80*D*")).remittances[0]
    assert (r.total_cents, r.credit_debit) == (-8000, "D")


def test_oddities_become_warnings_with_their_segment_number():
    text = (
        tiny()
        .replace("LX*1~", "LX*1~ZZZ*1~")
        .replace("************20261001", "")
        .replace("NM1*QC*1*DOE*JO~", "NM1*QC*1*DOE*JO~DTM*232*20261341~NM1*82*1*DR*****XX* 42~")
    )
    parsed = parse_835(text)
    assert parsed.warnings == (
        "Segment 2 (BPR): the payment date (BPR16) is missing.",
        "Segment 7 (ZZZ): ZZZ is not part of an 835; skipped.",
        "Segment 10 (DTM): the claim statement start date '20261341' is not a date (CCYYMMDD); "
        "ignored.",
        "Segment 11 (NM1): the rendering provider NPI ' 42' begins with a space; it was read "
        "without.",
        "Segment 14 (SE): SE01 says 11, but transaction 0001 has 14 segments.",
    )
    c = parsed.remittances[0].claims[0]
    assert c.service_from is None and c.rendering_npi == "42"


def test_member_id_is_the_patients_else_the_insureds():
    both = tiny().replace(
        "NM1*QC*1*DOE*JO~", "NM1*QC*1*DOE*JO****MI*KID01~NM1*IL*1*DOE*MA****MI*MOM01~"
    )
    only_insured = tiny().replace(
        "NM1*QC*1*DOE*JO~", "NM1*QC*1*DOE*JO~NM1*IL*1*DOE*MA****MI*MOM01~"
    )
    assert parse_835(both).remittances[0].claims[0].patient_member_id == "KID01"
    assert parse_835(only_insured).remittances[0].claims[0].patient_member_id == "MOM01"


def _sentence(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert isinstance(err.value, ClaimDeskError) and isinstance(err.value, ImportFileError)
    assert "\n" not in text and "Traceback" not in text and text.endswith(".")
    return text


@pytest.mark.parametrize(
    "data, words",
    [
        ("", "The file is empty."),
        (b"\xef\xbb\xbf  \r\n", "The file is empty."),
        ("Dear provider, your payment is enclosed.", "This is not an X12 file"),
        (b"%PDF-1.7\x00\xff\xfe", "This is not an X12 file"),
        (tiny(paid="8O"), "Segment 7 (CLP) has '8O' as its claim payment (CLP04), which is not "
         "an amount of money"),
        (tiny(cas="1,000"), "Segment 10 (CAS) has '1,000' as its adjustment amount (CAS03)"),
        (tiny().replace("CLP*PCN1*", "CLP**"), "Segment 7 (CLP) has no patient control number"),
        (tiny().replace("LX*1~", "LX*1~SVC*HC:1*1*1~"), "Segment 7 (SVC) is a service line "
         "outside any claim"),
        (tiny().replace("LX*1~", "LX*1~CAS*CO*45*1~"), "Segment 7 (CAS) is an adjustment "
         "outside any claim"),
        (tiny().replace("BPR*I*80*C*CHK************20261001~", ""), "has no BPR segment"),
        (tiny().replace("LX*1~", "L X*1~"), "Segment 6 is not an X12 segment"),
        (tiny().replace("SE*11*0001~", ""), "ends before the SE segment of transaction 0001"),
        (tiny()[:-40], "ends in the middle of a segment"),
        (tiny().replace("SE*11*0001~", "ST*835*0002~SE*2*0002~"), "Transaction 0001 has no SE "
         "segment before segment 11 (ST)"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_in_one_plain_sentence(data, words):
    with pytest.raises(X12FileError) as err:
        parse_835(data)
    assert words in _sentence(err)


def test_a_built_file_cut_anywhere_is_refused_as_truncated():
    text = build_835(remittance(PAID, PARTIAL), ENV)
    cuts = [
        text.index("CLP*CD0000000002") + 20,  # inside a CLP amount
        text.index("SE*"),  # before SE
        text.index("GE*"),  # before GE
        text.index("IEA*"),  # before IEA
        len(text) - 6,  # inside IEA
        60,  # inside ISA
    ]
    for cut in cuts:
        with pytest.raises(X12FileError) as err:
            parse_835(text[:cut])
        message = _sentence(err)
        assert "truncated?" in message or "cut short" in message, message
    # A whole file whose last segment lacks its terminator is still read.
    assert parse_835(text.rstrip("~\n")).warnings == (
        f"Segment {text.count('~')} (IEA): the file's last segment has no terminator.",
    )


@needs_samples
@pytest.mark.parametrize(
    "name, words",
    [
        ("999/Inteligenz___SampleEdiFiles__Acknowledgments___999__DHS_Wisconsin_Sample.txt",
         "This is a 999 implementation acknowledgment, not an 835 remittance advice."),
        ("TA1/UHIN__TA1.edi", "This is a TA1 interchange acknowledgment, not an 835"),
        ("837P/Inteligenz___SampleEdiFiles__INS___837P___5010__Example3_COB.txt",
         "This is an 837 claim file, not an 835 remittance advice."),
    ],
)  # fmt: skip
def test_other_answer_files_are_named_for_what_they_are(name, words):
    with pytest.raises(X12FileError) as err:
        parse_835(sample(name))
    assert words in _sentence(err)


def test_model_helpers_used_by_posting_hold_on_read_values():
    r = parse_835(build_835(remittance(PARTIAL, REVERSAL, CORRECTED), ENV)).remittances[0]
    assert r.service_line_count == 4 and r.plb_total == 0
    assert [c.adjustment_total for c in r.claims] == [18000, -4000, 3000]
    assert (
        r.claims[1].is_reversal
        and not r.claims[2].is_reversal
        and r.claims[2].frequency_code == "7"
    )
