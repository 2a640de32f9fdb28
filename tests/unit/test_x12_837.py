"""The 837P builder: layout, HL tree, positions, bad input, and pyx12 (via validate_x12) as referee.

Every file built here must pass pyx12 with no findings at all, errors or warnings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from core.errors import ValidationError
from core.x12.envelope import Envelope
from core.x12.pyx12_check import validate_x12
from core.x12.reader import read_x12
from core.x12.x837 import (
    Address,
    Adjustment,
    Batch837,
    BillingProvider,
    Claim837,
    FacilityRef,
    LineAdjudication,
    OtherPayer837,
    PatientData,
    PayerRef,
    ProviderRef,
    Receiver,
    ServiceLine837,
    Submitter,
    Subscriber,
    build_837p,
)

NOW = dt.datetime(2026, 10, 14, 9, 30)
ENV = Envelope("CLAIMDESK01", "CLEARHOUSE", 42, NOW)
DOS = dt.date(2026, 10, 1)
OFFICE = Address("100 Main St", "Springfield", "IL", "62701-1234")
PRACTICE = BillingProvider(
    "Maple Grove Family Medicine", "1234567893", "12-3456789", OFFICE, taxonomy="207Q00000X"
)
OTHER_PRACTICE = BillingProvider(
    "Lakeside Pediatrics",
    "1245319599",
    "98-7654321",
    Address("9 Lake Rd", "Peoria", "IL", "616021111"),
    taxonomy="208000000X",
    pay_to=Address("PO Box 77", "Peoria", "IL", "61602"),
)
JOHN = Subscriber(
    "XJB123456789",
    "Doe",
    "John",
    "Q",
    dt.date(1970, 5, 1),
    "M",
    Address("5 Oak Ave", "Springfield", "IL", "62702"),
    group_number="GRP001",
)
MARY = Subscriber(
    "1EG4TE5MK73",
    "Roe",
    "Mary",
    "",
    dt.date(1951, 2, 3),
    "F",
    Address("77 Elm St", "Peoria", "IL", "61604"),
    filing_indicator="MB",
)
MIA = PatientData(
    "Doe", "Mia", dt.date(2015, 8, 20), "F", Address("5 Oak Ave", "Springfield", "IL", "62702")
)
BLUE = PayerRef("Sandbox Blue", "SBX02")
MEDICARE = PayerRef("Medicare Part B", "MCR01")
SMITH = ProviderRef("Smith", "Ann", "1245319599", "207Q00000X")
JONES = ProviderRef("Jones", "Bob", "1003000126")
CLINIC = FacilityRef(
    "Maple Grove Annex", Address("200 Side St", "Springfield", "IL", "627015555"), npi="1003000126"
)


def line(code: str = "99213", cents: int = 12500, **over) -> ServiceLine837:
    return ServiceLine837(code, cents, DOS, **over)


def claim(pcn: str = "CD0000000042", **over) -> Claim837:
    data = dict(
        patient_control_number=pcn,
        billing_provider=PRACTICE,
        subscriber=JOHN,
        payer=BLUE,
        total_charge_cents=12500,
        diagnoses=("E11.9",),
        lines=(line(line_control_number="1001"),),
    )
    data.update(over)
    return Claim837(**data)


def batch(*claims: Claim837) -> Batch837:
    return Batch837(
        Submitter("Maple Grove Family Medicine", "CLAIMDESK01", "Jane Biller", "(555) 123-4567"),
        Receiver("Clear House", "CLEARHOUSE"),
        claims,
    )


def build(*claims: Claim837):
    return build_837p(batch(*claims), ENV)


def raws(text: str) -> list[str]:
    return [s.raw for s in read_x12(text).segments]


def assert_pyx12_clean(text: str) -> None:
    report = validate_x12(text)
    assert report.findings == (), [str(f) for f in report.findings]
    assert report.ok and report.transaction == "837" and report.version == "005010X222A1"
    assert read_x12(text).warnings == ()


# -- layouts -----------------------------------------------------------------------------------
def test_subscriber_is_patient_exact_layout():
    built = build(claim())
    assert raws(built.text)[1:] == [
        "GS*HC*CLAIMDESK01*CLEARHOUSE*20261014*0930*42*X*005010X222A1",
        "ST*837*0042*005010X222A1",
        "BHT*0019*00*42*20261014*0930*CH",
        "NM1*41*2*MAPLE GROVE FAMILY MEDICINE*****46*CLAIMDESK01",
        "PER*IC*JANE BILLER*TE*5551234567",
        "NM1*40*2*CLEAR HOUSE*****46*CLEARHOUSE",
        "HL*1**20*1",
        "PRV*BI*PXC*207Q00000X",
        "NM1*85*2*MAPLE GROVE FAMILY MEDICINE*****XX*1234567893",
        "N3*100 MAIN ST",
        "N4*SPRINGFIELD*IL*627011234",
        "REF*EI*123456789",
        "HL*2*1*22*0",
        "SBR*P*18*GRP001******CI",
        "NM1*IL*1*DOE*JOHN*Q***MI*XJB123456789",
        "N3*5 OAK AVE",
        "N4*SPRINGFIELD*IL*62702",
        "DMG*D8*19700501*M",
        "NM1*PR*2*SANDBOX BLUE*****PI*SBX02",
        "CLM*CD0000000042*125***11:B:1*Y*A*Y*Y",
        "HI*ABK:E119",
        "LX*1",
        "SV1*HC:99213*125*UN*1***1",
        "DTP*472*D8*20261001",
        "REF*6R*1001",
        "SE*25*0042",
        "GE*1*42",
        "IEA*1*000000042",
    ]
    assert len(built.text.splitlines()[0]) == 106
    (placed,) = built.claims
    assert (placed.patient_control_number, placed.st02) == ("CD0000000042", "0042")
    assert (placed.position, placed.set_position, placed.last_position) == (21, 19, 26)
    assert_pyx12_clean(built.text)


def test_dependent_patient_gets_2000c_and_subscriber_has_no_demographics():
    built = build(claim(patient=MIA))
    segs = raws(built.text)
    sub = segs.index("HL*2*1*22*1")
    assert segs[sub + 1] == "SBR*P**GRP001******CI"  # SBR02 empty: the patient is someone else
    assert segs[sub + 2 : sub + 4] == [
        "NM1*IL*1*DOE*JOHN*Q***MI*XJB123456789",
        "NM1*PR*2*SANDBOX BLUE*****PI*SBX02",
    ]
    assert segs[sub + 4 : sub + 11] == [
        "HL*3*2*23*0",
        "PAT*19",
        "NM1*QC*1*DOE*MIA",
        "N3*5 OAK AVE",
        "N4*SPRINGFIELD*IL*62702",
        "DMG*D8*20150820*F",
        "CLM*CD0000000042*125***11:B:1*Y*A*Y*Y",
    ]
    assert not any(s.startswith("DMG*D8*19700501") for s in segs)
    assert_pyx12_clean(built.text)


def test_rendering_referring_facility_and_prior_auth():
    c = claim(
        rendering=SMITH,
        referring=JONES,
        facility=CLINIC,
        prior_authorization="AUTH-778",
        onset_date=dt.date(2026, 9, 28),
        place_of_service="22",
    )
    segs = raws(build(c).text)
    clm = segs.index("CLM*CD0000000042*125***22:B:1*Y*A*Y*Y")
    assert segs[clm + 1 : clm + 14] == [
        "DTP*431*D8*20260928",
        "REF*G1*AUTH-778",
        "HI*ABK:E119",
        "NM1*DN*1*JONES*BOB****XX*1003000126",
        "NM1*82*1*SMITH*ANN****XX*1245319599",
        "PRV*PE*PXC*207Q00000X",
        "NM1*77*2*MAPLE GROVE ANNEX*****XX*1003000126",
        "N3*200 SIDE ST",
        "N4*SPRINGFIELD*IL*627015555",
        "LX*1",
        "SV1*HC:99213*125*UN*1***1",
        "DTP*472*D8*20261001",
        "REF*6R*1001",
    ]
    assert_pyx12_clean(build(c).text)


def test_rendering_provider_same_as_billing_is_left_out():
    me = ProviderRef("Grove", "Maple", PRACTICE.npi)
    segs = raws(build(claim(rendering=me)).text)
    assert not any(s.startswith("NM1*82*") for s in segs)


@pytest.mark.parametrize("freq", ["7", "8"])
def test_replacement_and_void_carry_the_payer_claim_number(freq):
    built = build(claim(frequency_code=freq, payer_claim_number="PCN-2026-0001"))
    segs = raws(built.text)
    clm = next(i for i, s in enumerate(segs) if s.startswith("CLM*"))
    assert segs[clm] == f"CLM*CD0000000042*125***11:B:{freq}*Y*A*Y*Y"
    assert segs[clm + 1] == "REF*F8*PCN-2026-0001"
    assert_pyx12_clean(built.text)


def test_twelve_diagnoses_and_four_modifiers():
    dx = (
        "E11.9",
        "I10",
        "E78.5",
        "J45.909",
        "M54.50",
        "K21.9",
        "F41.1",
        "G47.33",
        "N18.30",
        "R73.03",
        "Z79.4",
        "E66.9",
    )
    lines = (
        line("99214", 20000, modifiers=("25", "GT", "95", "KX"), pointers=(1, 2, 3, 4)),
        line("36415", 1500, pointers=(12,), units=Decimal("1.5"), place_of_service="81"),
    )
    built = build(claim(diagnoses=dx, lines=lines, total_charge_cents=21500))
    segs = raws(built.text)
    hi = next(s for s in segs if s.startswith("HI*"))
    assert hi == (
        "HI*ABK:E119*ABF:I10*ABF:E785*ABF:J45909*ABF:M5450*ABF:K219*ABF:F411*"
        "ABF:G4733*ABF:N1830*ABF:R7303*ABF:Z794*ABF:E669"
    )
    assert "SV1*HC:99214:25:GT:95:KX*200*UN*1***1:2:3:4" in segs
    assert "SV1*HC:36415*15*UN*1.5*81**12" in segs
    assert "LX*2" in segs
    assert_pyx12_clean(built.text)


def secondary_claim(**over) -> Claim837:
    """Medicare paid 80.00 of 150.00 (line 1: 70 paid, CO-45 30; line 2: 10 paid, PR-2 40)."""
    primary = OtherPayer837(
        payer=BLUE,
        subscriber=JOHN,
        sequence="P",
        filing_indicator="CI",
        paid_cents=8000,
        adjustments=(),
        payer_claim_number="BLUE-778899",
    )
    lines = (
        line(
            "99213",
            10000,
            line_control_number="2001",
            adjudications=(
                LineAdjudication("SBX02", 7000, dt.date(2026, 10, 20), (("CO", "45", 3000),)),
            ),
        ),
        line(
            "36415",
            5000,
            line_control_number="2002",
            adjudications=(
                LineAdjudication(
                    "SBX02",
                    1000,
                    dt.date(2026, 10, 20),
                    (Adjustment("PR", "2", 3000), Adjustment("PR", "1", 1000)),
                ),
            ),
        ),
    )
    data = dict(
        subscriber=dataclasses.replace(MARY, payer_sequence="S"),
        payer=MEDICARE,
        total_charge_cents=15000,
        lines=lines,
        other_payers=(primary,),
    )
    data.update(over)
    return claim(**data)


def test_secondary_claim_with_2320_2330_2430():
    built = build(secondary_claim())
    segs = raws(built.text)
    sbr = segs.index("SBR*S*18*******MB")
    assert segs[sbr + 1] == "NM1*IL*1*ROE*MARY****MI*1EG4TE5MK73"
    hi = segs.index("HI*ABK:E119")
    assert segs[hi + 1 : hi + 7] == [
        "SBR*P*18*GRP001******CI",
        "AMT*D*80",
        "OI***Y***Y",
        "NM1*IL*1*DOE*JOHN*Q***MI*XJB123456789",
        "N3*5 OAK AVE",
        "N4*SPRINGFIELD*IL*62702",
    ]
    assert segs[hi + 7 : hi + 9] == ["NM1*PR*2*SANDBOX BLUE*****PI*SBX02", "REF*F8*BLUE-778899"]
    lx2 = segs.index("LX*2")
    assert segs[lx2 - 3 : lx2] == [
        "SVD*SBX02*70*HC:99213**1",
        "CAS*CO*45*30",
        "DTP*573*D8*20261020",
    ]
    assert segs[lx2 + 4 : lx2 + 7] == [
        "SVD*SBX02*10*HC:36415**1",
        "CAS*PR*2*30**1*10",
        "DTP*573*D8*20261020",
    ]
    assert_pyx12_clean(built.text)


def test_claim_level_adjustments_and_remittance_date_without_line_detail():
    primary = OtherPayer837(
        BLUE,
        JOHN,
        "P",
        "CI",
        paid_cents=9000,
        adjustments=(("CO", "45", 2000), ("PR", "3", 1500)),
        adjudication_date=dt.date(2026, 10, 20),
    )
    c = claim(
        subscriber=dataclasses.replace(MARY, payer_sequence="S"),
        payer=MEDICARE,
        total_charge_cents=12500,
        other_payers=(primary,),
    )
    segs = raws(build(c).text)
    assert "CAS*CO*45*20" in segs and "CAS*PR*3*15" in segs
    assert "DTP*573*D8*20261020" in segs
    assert_pyx12_clean(build(c).text)


def test_several_payers_and_billing_providers_share_one_transaction_with_a_correct_hl_tree():
    claims = (
        claim("A1"),
        claim("B1", billing_provider=OTHER_PRACTICE, subscriber=MARY, payer=MEDICARE),
        claim("A2", patient=MIA),
        claim("A3", payer=MEDICARE),
        claim("A4"),
        claim(
            "B2", billing_provider=OTHER_PRACTICE, subscriber=MARY, payer=MEDICARE, rendering=JONES
        ),
    )
    built = build(*claims)
    doc = read_x12(built.text)
    assert len(doc.transactions) == 1
    levels: dict[str, str] = {}
    owner: dict[str, str] = {}  # claim -> HL it hangs from
    current = ""
    for seg in doc.segments:
        if seg.id == "HL":
            levels[seg.el(1)] = seg.el(3)
            parent = seg.el(2)
            want = {"20": None, "22": "20", "23": "22"}[seg.el(3)]
            assert (levels.get(parent) if parent else None) == want, seg.raw
            current = seg.el(1)
        elif seg.id == "CLM":
            owner[seg.el(1)] = current
    assert [seg.el(1) for seg in doc.segments if seg.id == "HL"] == [
        str(n) for n in range(1, len(levels) + 1)
    ]
    assert sorted(levels.values()).count("20") == 2
    assert owner["A1"] == owner["A4"] != owner["A3"]  # same subscriber + payer share an HL
    assert levels[owner["A2"]] == "23"
    assert owner["B1"] == owner["B2"]
    assert "NM1*87*2" in raws(built.text)  # the second practice's pay-to address
    order = [c.patient_control_number for c in built.claims]
    assert order == ["A1", "A4", "A2", "A3", "B1", "B2"]
    for placed in built.claims:
        seg = doc.segments[placed.position - 1]
        assert seg.id == "CLM" and seg.el(1) == placed.patient_control_number
        assert built.claim_at(placed.last_position) == placed
        assert built.claim(placed.patient_control_number) == placed
    assert built.claim_at(3) is None
    assert_pyx12_clean(built.text)


def test_more_than_100_claims_for_one_subscriber_open_another_hl():
    claims = [claim(f"CD{n:06d}") for n in range(101)]
    built = build(*claims)
    segs = raws(built.text)
    assert segs.count("SBR*P*18*GRP001******CI") == 2
    assert "HL*3*1*22*0" in segs
    assert_pyx12_clean(built.text)


def test_free_text_is_cleaned_and_identifiers_kept():
    odd = dataclasses.replace(JOHN, last_name="O'Neil*Smith~", first_name="ann:marie")
    segs = raws(build(claim(subscriber=odd, patient_control_number="cd-42")).text)
    assert "NM1*IL*1*O'NEIL SMITH*ANN MARIE*Q***MI*XJB123456789" in segs
    assert any(s.startswith("CLM*cd-42*") for s in segs)


# -- input that cannot make a valid claim ------------------------------------------------------
def _bad_address(**over) -> BillingProvider:
    return dataclasses.replace(PRACTICE, address=dataclasses.replace(OFFICE, **over))


@pytest.mark.parametrize(
    "over,words",
    [
        (dict(diagnoses=()), "no diagnosis"),
        (
            dict(diagnoses=tuple(f"E11.{n}" for n in range(10)) + ("I10", "I11.9", "J45.909")),
            "at most 12",
        ),
        (dict(diagnoses=("E11.9", "e119")), "listed twice"),
        (dict(diagnoses=("11.9X",)), "not an ICD-10-CM code"),
        (dict(frequency_code="7"), "payer claim number"),
        (dict(frequency_code="8"), "payer claim number"),
        (dict(frequency_code="2"), "frequency code"),
        (dict(lines=(line(pointers=(2,)),)), "pointer 2 points past"),
        (dict(lines=(line(pointers=(1, 1)),)), "same diagnosis pointer"),
        (dict(lines=(line(pointers=(1, 2, 3, 4, 5)),)), "1 to 4 diagnosis pointers"),
        (dict(billing_provider=_bad_address(zip_code="62701")), "9 digits"),
        (dict(billing_provider=_bad_address(state="XX")), "not a US state"),
        (dict(billing_provider=dataclasses.replace(PRACTICE, npi="1234567890")), "check digit"),
        (dict(billing_provider=dataclasses.replace(PRACTICE, tax_id="12-34")), "tax ID"),
        (dict(total_charge_cents=12000), "not the sum of its line charges"),
        (dict(total_charge_cents=125.0), "whole cents"),
        (dict(lines=(line(cents=125.0),)), "whole cents"),
        (
            dict(
                lines=(
                    line(
                        "9921",
                    ),
                )
            ),
            "not a CPT or HCPCS",
        ),
        (dict(lines=(line(modifiers=("25", "59", "GT", "95", "KX")),)), "at most 4"),
        (dict(lines=(line(modifiers=("2",)),)), "not a modifier"),
        (dict(lines=(line(units=0),)), "more than zero"),
        (dict(lines=(line(units=1.5),)), "whole number or a Decimal"),
        (dict(lines=()), "no service lines"),
        (dict(lines=(line(),) * 51, total_charge_cents=12500 * 51), "at most 50"),
        (dict(lines=(line(line_number=2),)), "line numbers"),
        (dict(place_of_service="1"), "two digits"),
        (dict(subscriber=dataclasses.replace(JOHN, date_of_birth=None)), "date of birth"),
        (dict(subscriber=dataclasses.replace(JOHN, sex="X")), "must be M, F or U"),
        (dict(subscriber=dataclasses.replace(JOHN, address=None)), "no address"),
        (dict(subscriber=dataclasses.replace(JOHN, relationship="19")), "no patient details"),
        (dict(subscriber=dataclasses.replace(JOHN, filing_indicator="XX")), "filing indicator"),
        (dict(subscriber=dataclasses.replace(JOHN, member_id="AB*12")), "cannot carry"),
        (dict(subscriber=dataclasses.replace(JOHN, payer_sequence="S")), "secondary"),
        (dict(patient=dataclasses.replace(MIA, relationship="18")), "relationship"),
        (dict(rendering=dataclasses.replace(SMITH, npi="123")), "10 digits"),
        (
            dict(
                facility=dataclasses.replace(
                    CLINIC, address=dataclasses.replace(CLINIC.address, zip_code="62701")
                )
            ),
            "service facility's ZIP",
        ),
        (dict(other_dates=(("439", DOS),)), "qualifier '439'"),
    ],
)
def test_bad_input_raises_validation_error_naming_the_claim(over, words):
    with pytest.raises(ValidationError) as info:
        build(claim("CD0000000077", **over))
    message = str(info.value)
    assert message.startswith("Claim CD0000000077: "), message
    assert words in message, message


@pytest.mark.parametrize(
    "over,words",
    [
        (dict(), None),
        (dict(other_payers=(), lines=(line(),), total_charge_cents=12500), "secondary"),
        (
            dict(
                total_charge_cents=15000,
                lines=(
                    line(
                        "99213",
                        10000,
                        adjudications=(
                            LineAdjudication("SBX02", 7000, DOS, (("CO", "45", 2000),)),
                        ),
                    ),
                    line("36415", 5000),
                ),
            ),
            "does not balance",
        ),
        (
            dict(
                lines=(
                    line(
                        "99213",
                        10000,
                        adjudications=(
                            LineAdjudication("OTHER", 7000, DOS, (("CO", "45", 3000),)),
                        ),
                    ),
                    line("36415", 5000),
                )
            ),
            "not one of the claim's other payers",
        ),
        (dict(other_payers=(OtherPayer837(BLUE, JOHN, paid_cents=8001),)), "do not balance"),
        (
            dict(
                other_payers=(
                    OtherPayer837(MEDICARE, JOHN, paid_cents=15000, adjudication_date=DOS),
                ),
                lines=(line("99213", 10000), line("36415", 5000)),
            ),
            "sent to",
        ),
        (
            dict(
                other_payers=(
                    OtherPayer837(BLUE, JOHN, paid_cents=8000, adjustments=(("XX", "45", 0),)),
                )
            ),
            "group 'XX'",
        ),
    ],
)
def test_secondary_claim_rules(over, words):
    if words is None:
        assert build(secondary_claim(**over)).claims
        return
    with pytest.raises(ValidationError) as info:
        build(secondary_claim(**over))
    assert str(info.value).startswith("Claim CD0000000042: ") and words in str(info.value)


def test_other_payer_without_line_detail_needs_its_date():
    primary = OtherPayer837(BLUE, JOHN, "P", "CI", paid_cents=12500)
    with pytest.raises(ValidationError, match="adjudication date"):
        build(
            claim(
                subscriber=dataclasses.replace(MARY, payer_sequence="S"),
                payer=MEDICARE,
                other_payers=(primary,),
            )
        )


def test_batch_level_problems():
    with pytest.raises(ValidationError, match="no claims"):
        build()
    with pytest.raises(
        ValidationError, match="Claim CD1: its patient control number appears twice"
    ):
        build(claim("CD1"), claim("CD1"))
    with pytest.raises(ValidationError, match="longer than 20"):
        build(claim("X" * 21))
    with pytest.raises(ValidationError, match="separators"):
        build(claim("CD*1"))
    bad_phone = dataclasses.replace(batch(claim()), submitter=Submitter("A", "B", "C", "12"))
    with pytest.raises(ValidationError, match="phone"):
        build_837p(bad_phone, ENV)


# -- the segment viewer ------------------------------------------------------------------------
def _pyx12_loops(text: str) -> dict[int, str]:
    """The loop pyx12's own map walker puts each segment in (its callback), by position."""
    import io
    import logging

    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    loops: dict[int, str] = {}

    def seen(seg, src, node, valid) -> None:
        loops[src.get_cur_line()] = node.get_parent().id

    pyx12.x12n_document.x12n_document(
        pyx12.params.params(), io.StringIO(text), None, None, callback=seen
    )
    return loops


def test_view_labels_every_837p_loop_as_pyx12_does():
    from core.x12.view import label_segments

    text = build(
        secondary_claim(rendering=SMITH, referring=JONES, facility=CLINIC),
        claim("B1", patient=MIA),
        claim("C1", billing_provider=OTHER_PRACTICE),
    ).text
    views = label_segments(text)
    assert [v.position for v in views] == list(range(1, len(views) + 1))
    assert [v.text for v in views] == raws(text)
    pyx12_loops = _pyx12_loops(text)
    envelope = {"ISA_LOOP", "GS_LOOP", "ST_LOOP", "HEADER"}
    for v in views:
        expected = pyx12_loops[v.position]
        assert v.loop_id == ("" if expected in envelope else expected), (v, expected)
    seen = {v.loop_id for v in views}
    assert {
        "2010AB",
        "2000C",
        "2010CA",
        "2310A",
        "2310B",
        "2310C",
        "2320",
        "2330A",
        "2330B",
        "2430",
    } <= seen
    names = {v.loop_id: v.loop_name for v in views}
    assert names["2000A"] == "Billing provider" and names["2400"] == "Service line"
    assert names["2300"] == "Claim" and names["2000B"] == "Subscriber"
    isa = views[0]
    assert (isa.segment_id, isa.loop_id, isa.loop_name) == ("ISA", "", "Interchange header")


def test_view_falls_back_to_segment_names_for_other_transactions():
    from core.x12.view import label_segments

    remit = (
        "ISA*00*          *00*          *ZZ*PAYER          *ZZ*CLAIMDESK      *261014*0930*^*"
        "00501*000000001*0*T*:~GS*HP*PAYER*CLAIMDESK*20261014*0930*1*X*005010X221A1~"
        "ST*835*0001~BPR*I*100*C*ACH~CLP*CD1*1*125*100~CAS*CO*45*25~SE*5*0001~GE*1*1~"
        "IEA*1*000000001~"
    )
    views = label_segments(remit)
    assert [(v.segment_id, v.loop_id, v.loop_name) for v in views[3:6]] == [
        ("BPR", "", "Payment"),
        ("CLP", "", "Claim payment"),
        ("CAS", "", "Adjustment"),
    ]
    assert label_segments("ST*999*1~ZZZ*1~SE*3*1~")[1].loop_name == "ZZZ"


def test_view_of_something_that_is_not_x12():
    from core.x12.view import label_segments

    with pytest.raises(ValidationError, match="not an X12 file"):
        label_segments("hello")
