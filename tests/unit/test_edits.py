"""The scrubber's rules, one by one: each fires on a bad claim and stays quiet on a good one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest

from core import edits as E
from core.edits import (
    AuthFacts,
    BillingFacts,
    ClaimFacts,
    DxFacts,
    FacilityFacts,
    LineFacts,
    MueLimit,
    NcciPair,
    PayerFacts,
    PersonFacts,
    scrub,
)

DOS = dt.date(2026, 10, 14)
TODAY = dt.date(2026, 10, 20)
MODS = frozenset("25 59 XS XE XP XU LT RT 76 91 GP KX".split())
POS = frozenset("02 10 11 12 21 22 23".split())


def line(number=1, code="99214", units=1, charge=18500, **over) -> LineFacts:
    return LineFacts(number=number, code=code, units=units, charge_cents=charge, date=DOS, **over)


def facts(**over) -> ClaimFacts:
    """A clean office-visit claim: 99214 + 36415 for type 2 diabetes and hypertension."""
    base = dict(
        claim_id=1,
        pcn="CD0000000001",
        today=TODAY,
        date_of_service=DOS,
        place_of_service="11",
        total_charge_cents=21000,
        billing=BillingFacts(
            name="Maple Grove Family Medicine",
            npi="1234567893",
            taxonomy="207Q00000X",
            tax_id="123456789",
            address_line1="100 Main St",
            city="Springfield",
            state="IL",
            zip_code="627011234",
        ),  # fmt: skip
        payer=PayerFacts(payer_id="SBX01", name="Sandbox Medicare", timely_filing_days=365),
        subscriber=PersonFacts(
            first_name="Ada",
            last_name="Testpatient",
            date_of_birth=dt.date(1958, 3, 9),
            sex="F",
            member_id="1EG4TE5MK73",
            zip_code="62704",
        ),  # fmt: skip
        patient=PersonFacts(
            first_name="Ada",
            last_name="Testpatient",
            date_of_birth=dt.date(1958, 3, 9),
            sex="F",
            zip_code="62704",
        ),  # fmt: skip
        rendering_npi="1245319599",
        diagnoses=(DxFacts(1, "E11.9"), DxFacts(2, "I10")),
        lines=(line(1, pointers=(1, 2)), line(2, "36415", charge=2500)),
        valid_modifiers=MODS,
        valid_pos=POS,
    )
    base.update(over)
    return ClaimFacts(**base)


def with_lines(*lines: LineFacts, **over) -> ClaimFacts:
    return facts(lines=lines, total_charge_cents=sum(x.charge_cents for x in lines), **over)


def ids(found) -> list[str]:
    return [f.rule_id for f in found]


def only(found, rule_id: str) -> E.Finding:
    hits = [f for f in found if f.rule_id == rule_id]
    assert len(hits) == 1, found
    return hits[0]


# -- the whole --------------------------------------------------------------------------------
def test_a_clean_claim_has_no_findings():
    assert scrub(facts()) == []


def test_every_rule_is_documented_and_every_finding_is_well_formed():
    assert len(E.RULES) >= 15
    for r in E.RULES:
        assert r.__doc__ and len(r.__doc__) > 40, r.__name__
    bad = facts(
        billing=BillingFacts(),
        place_of_service="77",
        total_charge_cents=1,
        diagnoses=(DxFacts(1, "E11", billable=False),),
        lines=(line(1, units=0, charge=0, pointers=(3,), modifiers=("ZZ",)),),
    )
    found = scrub(bad)
    assert len(found) >= 10
    for f in found:
        assert f.severity in ("error", "warning")
        assert f.source in E.SOURCES
        assert f.message.endswith(".") and f.fix_hint
        assert f.rule_id == f.rule_id.upper() and len(f.rule_id) <= 40


def test_errors_come_first_then_by_line():
    found = scrub(
        with_lines(
            line(1, "99214", pointers=(1,)),
            line(2, "20610", charge=9000, pointers=(9,)),
            line(3, "97110", charge=5000, modifiers=("ZZ",)),
        )
    )
    severities = [f.severity for f in found]
    assert severities == sorted(severities)  # "error" < "warning"
    errors = [f for f in found if f.severity == "error"]
    assert [f.line_number for f in errors] == sorted(f.line_number for f in errors)
    assert ids(found)[:2] == ["POINTER_RANGE", "MODIFIER_INVALID"]
    assert only(found, "EM_WITHOUT_25").severity == "warning"


# -- billing provider and other providers -----------------------------------------------------
@pytest.mark.parametrize(
    "billing,rule_id,words",
    [
        (dict(npi=""), "BILLING_NPI_MISSING", "no NPI"),
        (dict(npi="1234567890"), "BILLING_NPI_LUHN", "check digit"),
        (dict(npi="12345"), "BILLING_NPI_LUHN", "10 digits"),
        (dict(taxonomy=""), "BILLING_TAXONOMY", "no taxonomy"),
        (dict(taxonomy="207Q0000"), "BILLING_TAXONOMY", "207Q0000"),
        (dict(tax_id="12345"), "BILLING_TAX_ID", "9 digits"),
        (dict(zip_code="62701"), "BILLING_ZIP9", "9-digit"),
        (dict(zip_code=""), "BILLING_ZIP9", "(none)"),
        (dict(city=""), "BILLING_ADDRESS", "incomplete"),
        (dict(name=" "), "BILLING_NAME", "no name"),
    ],
)
def test_billing_provider_fields(billing, rule_id, words):
    good = facts().billing
    f = only(scrub(facts(billing=dataclasses.replace(good, **billing))), rule_id)
    assert f.severity == "error" and f.source == "5010 guide" and f.line_number == 0
    assert words in f.message


def test_tax_id_with_a_dash_is_fine():
    good = facts().billing
    assert scrub(facts(billing=dataclasses.replace(good, tax_id="12-3456789"))) == []


def test_rendering_referring_and_facility():
    found = scrub(
        facts(
            rendering_npi="1245319590",
            referring_npi="2000000000",
            facility=FacilityFacts(name="Annex", npi="1234567890", zip_code="62704"),
        )
    )
    assert {"RENDERING_NPI", "REFERRING_NPI", "FACILITY_NPI", "FACILITY_ZIP9"} <= set(ids(found))
    assert all(f.severity == "error" for f in found)
    assert "Annex" in only(found, "FACILITY_ZIP9").message
    ok = FacilityFacts(name="Annex", npi=None, zip_code="627041234")
    assert scrub(facts(facility=ok, referring_npi="1234567893")) == []


# -- subscriber, patient, payer ---------------------------------------------------------------
def test_subscriber_and_payer_ids():
    sub = dataclasses.replace(facts().subscriber, member_id=" ")
    payer = PayerFacts(payer_id="", name="Sandbox Medicare", timely_filing_days=365)
    found = scrub(facts(subscriber=sub, payer=payer))
    assert set(ids(found)) == {"SUBSCRIBER_ID", "PAYER_ID"}
    assert "Sandbox Medicare" in only(found, "PAYER_ID").message


def test_patient_dob_and_sex():
    pt = facts().patient
    found = scrub(facts(patient=dataclasses.replace(pt, date_of_birth=None, sex="X")))
    assert set(ids(found)) == {"PATIENT_DOB", "PATIENT_SEX"}
    later = dataclasses.replace(pt, date_of_birth=DOS + dt.timedelta(days=1))
    assert "after the date of service" in only(scrub(facts(patient=later)), "PATIENT_DOB").message
    assert scrub(facts(patient=dataclasses.replace(pt, sex="U"))) == []
    bad_zip = dataclasses.replace(pt, zip_code="6270")
    assert ids(scrub(facts(patient=bad_zip))) == ["PATIENT_ZIP"]


def test_dependent_subscriber_needs_no_dob_but_not_a_future_one():
    child = dataclasses.replace(facts().patient, relationship_code="19")
    parent = PersonFacts(first_name="Bo", last_name="Parent", member_id="XYZ123")
    assert scrub(facts(patient=child, subscriber=parent)) == []
    unborn = dataclasses.replace(parent, date_of_birth=DOS + dt.timedelta(days=3))
    assert ids(scrub(facts(patient=child, subscriber=unborn))) == ["SUBSCRIBER_DOB"]


# -- the claim --------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["7", "8"])
def test_replacement_or_void_needs_the_payer_claim_number(code):
    f = only(scrub(facts(frequency_code=code)), "PAYER_CLAIM_NUMBER")
    assert f.severity == "error" and "payer claim number" in f.message
    assert scrub(facts(frequency_code=code, payer_claim_number="2026101400123")) == []


def test_frequency_and_pcn():
    assert ids(scrub(facts(frequency_code="6"))) == ["FREQUENCY_CODE"]
    assert ids(scrub(facts(pcn="X" * 21))) == ["PCN"]


def test_lines_present_and_at_most_50():
    assert "NO_LINES" in ids(scrub(facts(lines=(), total_charge_cents=0)))
    many = tuple(line(n, "36415", charge=100) for n in range(1, 52))
    assert "TOO_MANY_LINES" in ids(scrub(with_lines(*many)))


def test_place_of_service():
    assert ids(scrub(facts(place_of_service="77"))) == ["POS_INVALID"]
    assert ids(scrub(facts(place_of_service="1"))) == ["POS_INVALID"]
    # Without a loaded POS set only the shape is checked.
    assert scrub(facts(place_of_service="77", valid_pos=frozenset())) == []


def test_total_must_equal_the_lines():
    f = only(scrub(facts(total_charge_cents=20999)), "TOTAL_MISMATCH")
    assert f.severity == "error" and "$209.99" in f.message and "$210.00" in f.message


# -- diagnoses --------------------------------------------------------------------------------
def test_more_than_12_diagnoses_and_duplicates():
    many = tuple(DxFacts(n, f"Z00.0{n % 2}" if n < 3 else f"R{n:02d}.0") for n in range(1, 14))
    found = scrub(facts(diagnoses=many))
    assert "DX_MAX_12" in ids(found) and "13 diagnoses" in only(found, "DX_MAX_12").message
    twice = (DxFacts(1, "E11.9"), DxFacts(2, "E11.9"))
    assert ids(scrub(facts(diagnoses=twice))) == ["DX_DUPLICATE"]
    assert "DX_MISSING" in ids(scrub(facts(diagnoses=())))


def test_icd_unknown_category_and_date():
    found = scrub(
        facts(
            diagnoses=(
                DxFacts(1, "E11", billable=False),
                DxFacts(2, "Q99.99", known=False),
                DxFacts(3, "U07.1", valid_from=dt.date(2027, 10, 1)),
                DxFacts(4, "I10", valid_to=dt.date(2026, 9, 30)),
            ),
            lines=(line(1, pointers=(1, 2, 3, 4)), line(2, "36415", charge=2500)),
        )
    )
    assert ids(found) == ["DX_NOT_BILLABLE", "DX_UNKNOWN", "DX_NOT_VALID_ON_DOS",
                          "DX_NOT_VALID_ON_DOS"]  # fmt: skip
    assert all(f.severity == "error" and f.source == "CMS" for f in found)
    assert "Diagnosis 1 (E11)" in found[0].message and "10/14/2026" in found[2].message
    edge = (DxFacts(1, "E11.9", valid_from=DOS, valid_to=DOS),)
    assert scrub(facts(diagnoses=edge, lines=(line(1), line(2, "36415", charge=2500)))) == []


def test_sex_and_age_are_warnings():
    found = scrub(facts(diagnoses=(DxFacts(1, "N40.0", sex="M"), DxFacts(2, "P07.30", age_max=0))))
    assert ids(found) == ["DX_SEX", "DX_AGE"]
    assert all(f.severity == "warning" for f in found)
    assert "male patients" in found[0].message and "recorded as female" in found[0].message
    assert "newborns" in found[1].message and "is 68" in found[1].message
    unknown_sex = dataclasses.replace(facts().patient, sex="U")
    one_dx = with_lines(line(1), patient=unknown_sex, diagnoses=(DxFacts(1, "N40.0", sex="M"),))
    assert scrub(one_dx) == []
    young = (DxFacts(1, "Z00.00", age_min=70), DxFacts(2, "I10"))
    assert "aged 70 or more" in only(scrub(facts(diagnoses=young)), "DX_AGE").message


# -- lines ------------------------------------------------------------------------------------
def test_pointers_in_range():
    f = only(scrub(with_lines(line(1, pointers=(1, 3)))), "POINTER_RANGE")
    assert f.line_number == 1 and "Line 1 (99214)" in f.message and "diagnosis 3" in f.message
    assert ids(scrub(with_lines(line(1, pointers=())))) == ["POINTER_MISSING"]
    assert ids(scrub(with_lines(line(1, pointers=(0,))))) == ["POINTER_RANGE"]


def test_modifiers_valid():
    f = only(scrub(with_lines(line(1, modifiers=("25", "ZZ")))), "MODIFIER_INVALID")
    assert "modifier ZZ" in f.message and f.line_number == 1
    assert ids(scrub(with_lines(line(1, modifiers=("2",))))) == ["MODIFIER_INVALID"]
    five = ("25", "59", "76", "91", "KX")
    assert ids(scrub(with_lines(line(1, modifiers=five)))) == ["MODIFIER_COUNT"]


def test_unknown_or_ended_procedure_code():
    found = scrub(
        with_lines(
            line(1, "99214", known=False),
            line(2, "36415", charge=2500, valid_to=dt.date(2025, 12, 31)),
        )
    )
    assert ids(found) == ["PROCEDURE_UNKNOWN", "PROCEDURE_NOT_VALID_ON_DOS"]


def test_units_and_charges_positive():
    found = scrub(with_lines(line(1, units=0), line(2, "36415", charge=0)))
    assert ids(found) == ["UNITS_NOT_POSITIVE", "CHARGE_NOT_POSITIVE"]
    assert [f.line_number for f in found] == [1, 2]
    assert "Line 2 (36415)" in found[1].message and "$0.00" in found[1].message
    assert ids(scrub(with_lines(line(1, charge=-100)))) == ["CHARGE_NOT_POSITIVE"]
    # A CPT Category II quality code may go at $0.00.
    assert scrub(with_lines(line(1), line(2, "3074F", charge=0))) == []


def test_line_dated_after_today():
    later = dataclasses.replace(line(1), date=TODAY + dt.timedelta(days=1))
    assert ids(scrub(with_lines(later))) == ["LINE_DATE_FUTURE"]


# -- duplicates, timely filing ----------------------------------------------------------------
def test_duplicate_claim_is_an_error_naming_the_other_claim():
    f = only(scrub(facts(duplicates=("CD0000000007",))), "DUPLICATE_CLAIM")
    assert f.severity == "error" and "CD0000000007" in f.message
    # A void of a claim is not a duplicate of it.
    assert ids(scrub(facts(duplicates=("CD7",), frequency_code="8", payer_claim_number="1"))) == []


def test_timely_filing():
    payer = PayerFacts(payer_id="C1", name="Commercial", timely_filing_days=90)
    past = only(
        scrub(facts(payer=payer, today=DOS + dt.timedelta(days=91))), "TIMELY_FILING_PASSED"
    )
    assert past.severity == "error" and "01/12/2027" in past.message and "1 day ago" in past.message
    soon = facts(payer=payer, today=DOS + dt.timedelta(days=80))
    f = only(scrub(soon), "TIMELY_FILING_SOON")
    assert f.severity == "warning" and "10 days" in f.message
    assert scrub(facts(payer=payer, today=DOS + dt.timedelta(days=75))) == []
    assert scrub(facts(payer=payer, today=DOS + dt.timedelta(days=90))) != []  # deadline day
    # Replacements are not held to the original filing limit.
    late_fix = facts(payer=payer, today=DOS + dt.timedelta(days=200), frequency_code="7",
                     payer_claim_number="ICN1")  # fmt: skip
    assert scrub(late_fix) == []


# -- authorization ----------------------------------------------------------------------------
PT_PAYER = PayerFacts(payer_id="SBX01", name="Sandbox Medicare", timely_filing_days=365,
                      auth_required=("97*", "J3301"))  # fmt: skip
PT_LINES = (line(1, "97110", units=3, charge=9000), line(2, "97140", units=1, charge=3000))


def test_needs_authorization_patterns():
    assert E.needs_authorization("97110", ("97*",))
    assert E.needs_authorization("J3301", ("97*", "J3301"))
    assert not E.needs_authorization("99214", ("97*", "J3301"))
    assert not E.needs_authorization("97110", ())


def test_authorization_missing_expired_not_covered_used_up():
    missing = only(scrub(with_lines(*PT_LINES, payer=PT_PAYER)), "AUTH_MISSING")
    assert missing.severity == "warning" and missing.source == "payer"
    assert "lines 1 and 2" in missing.message and "97110, 97140" in missing.message
    auth = AuthFacts("A123", codes=("97110",), units_approved=12, units_used=10,
                     start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31))  # fmt: skip
    found = scrub(with_lines(*PT_LINES, payer=PT_PAYER, authorization=auth))
    assert ids(found) == ["AUTH_EXPIRED", "AUTH_USED_UP", "AUTH_CODE_NOT_COVERED"]
    assert all(f.severity == "warning" for f in found)
    assert "2 units left of 12" in found[1].message and "bills 3" in found[1].message
    assert found[2].line_number == 2 and "97140" in found[2].message
    good = AuthFacts("A123", codes=("97110", "97140"), units_approved=12, units_used=2,
                     start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31))  # fmt: skip
    assert scrub(with_lines(*PT_LINES, payer=PT_PAYER, authorization=good)) == []
    # A number typed without a record: nothing more can be checked.
    assert scrub(with_lines(*PT_LINES, payer=PT_PAYER, authorization=AuthFacts("PHONE1"))) == []
    # A payer that does not ask for one: no finding.
    assert scrub(with_lines(*PT_LINES)) == []


# -- E/M with a procedure ---------------------------------------------------------------------
def test_em_with_procedure_without_25():
    f = only(scrub(with_lines(line(1), line(2, "20610", charge=9000))), "EM_WITHOUT_25")
    assert f.severity == "warning" and f.line_number == 1 and "20610" in f.message
    assert scrub(with_lines(line(1, modifiers=("25",)), line(2, "20610", charge=9000))) == []
    # Venipuncture and lab work are not procedures that bundle the visit.
    assert scrub(with_lines(line(1), line(2, "36415", charge=2500))) == []
    other_day = dataclasses.replace(line(2, "20610", charge=9000), date=DOS - dt.timedelta(days=1))
    assert scrub(with_lines(line(1), other_day)) == []
    assert E.is_procedure("11102") and E.is_procedure("96372") and not E.is_procedure("36415")
    assert "99213" in E.EM_CODES and "99395" in E.EM_CODES and "36415" not in E.EM_CODES


# -- NCCI and MUE -----------------------------------------------------------------------------
def pair(c1, c2, indicator, start=dt.date(2020, 1, 1), end=None) -> NcciPair:
    return NcciPair(c1, c2, indicator, start, end, "synthetic")


def test_ncci_indicator_0_is_an_error_on_the_column_2_line():
    lines = (line(1, "11102", charge=15000), line(2, "17110", charge=12000))
    f = only(scrub(with_lines(*lines, ncci_pairs=(pair("11102", "17110", "0"),))), "NCCI_PTP_0")
    assert f.severity == "error" and f.line_number == 2 and f.source == "CMS"
    assert "Line 2 (17110)" in f.message and "line 1 (11102)" in f.message
    # Even with a modifier.
    mod = (lines[0], dataclasses.replace(lines[1], modifiers=("59",)))
    assert "NCCI_PTP_0" in ids(scrub(with_lines(*mod, ncci_pairs=(pair("11102", "17110", "0"),))))


def test_ncci_indicator_1_needs_a_distinct_service_modifier():
    lines = (line(1, "97530", charge=6000), line(2, "97140", charge=3000))
    edits = (pair("97530", "97140", "1"),)
    f = only(scrub(with_lines(*lines, ncci_pairs=edits)), "NCCI_PTP_1")
    assert f.severity == "warning" and f.line_number == 2
    for mods in (("59",), ("XS",), ("GP", "XU")):
        fixed = (lines[0], dataclasses.replace(lines[1], modifiers=mods))
        assert scrub(with_lines(*fixed, ncci_pairs=edits)) == [], mods
    same_side = (
        dataclasses.replace(lines[0], modifiers=("RT",)),
        dataclasses.replace(lines[1], modifiers=("RT",)),
    )
    assert ids(scrub(with_lines(*same_side, ncci_pairs=edits))) == ["NCCI_PTP_1"]
    other_side = (same_side[0], dataclasses.replace(lines[1], modifiers=("LT",)))
    assert scrub(with_lines(*other_side, ncci_pairs=edits)) == []


def test_ncci_dates_and_indicator_9():
    lines = (line(1, "97530", charge=6000), line(2, "97140", charge=3000))
    deleted = pair("97530", "97140", "1", end=dt.date(2026, 10, 1))
    assert scrub(with_lines(*lines, ncci_pairs=(deleted,))) == []
    on_deletion_day = pair("97530", "97140", "0", end=DOS)
    assert scrub(with_lines(*lines, ncci_pairs=(on_deletion_day,))) == []
    the_day_before = pair("97530", "97140", "0", end=DOS + dt.timedelta(days=1))
    assert ids(scrub(with_lines(*lines, ncci_pairs=(the_day_before,)))) == ["NCCI_PTP_0"]
    future = pair("97530", "97140", "0", start=dt.date(2027, 1, 1))
    assert scrub(with_lines(*lines, ncci_pairs=(future,))) == []
    assert scrub(with_lines(*lines, ncci_pairs=(pair("97530", "97140", "9"),))) == []


def test_mue_per_day_error_and_per_line_warning():
    lines = (line(1, "97110", units=4, charge=12000), line(2, "97110", units=2, charge=6000))
    limits = {"97110": MueLimit("97110", 4, "2")}
    f = only(scrub(with_lines(*lines, mue=limits)), "MUE_DAY")
    assert f.severity == "error" and f.line_number == 1
    assert f.message == (
        "Lines 1 and 2 (97110) bill 6 units on 10/14/2026; CMS allows at most 4 per day (MUE)."
    )
    assert scrub(with_lines(lines[0], mue=limits)) == []
    line_edit = {"97110": MueLimit("97110", 4, "1")}
    assert scrub(with_lines(*lines, mue=line_edit)) == []  # each line is within 4
    big = (line(1, "97110", units=6, charge=18000),)
    w = only(scrub(with_lines(*big, mue=line_edit)), "MUE_LINE")
    assert w.severity == "warning" and "Line 1 (97110) bills 6 units" in w.message


# -- overrides --------------------------------------------------------------------------------
def test_overrides_apply_to_warnings_only():
    found = scrub(with_lines(line(1), line(2, "20610", charge=9000), line(3, "36415", units=0)))
    assert set(ids(found)) == {"UNITS_NOT_POSITIVE", "EM_WITHOUT_25"}
    marked = E.apply_overrides(
        found,
        {("EM_WITHOUT_25", 1): "separate problem visit", ("UNITS_NOT_POSITIVE", 3): "no"},
    )
    by_id = {f.rule_id: f for f in marked}
    assert by_id["EM_WITHOUT_25"].overridden and not by_id["EM_WITHOUT_25"].blocks
    assert by_id["EM_WITHOUT_25"].override_reason == "separate problem visit"
    assert not by_id["UNITS_NOT_POSITIVE"].overridden
    assert ids(E.blocking(marked)) == ["UNITS_NOT_POSITIVE"]
    # blocking() also takes the override keys directly.
    assert ids(E.blocking(found, {("EM_WITHOUT_25", 1)})) == ["UNITS_NOT_POSITIVE"]
    assert ids(E.blocking(found, {("EM_WITHOUT_25", 2)})) == ids(found)


# -- speed ------------------------------------------------------------------------------------
def test_scrub_is_cheap():
    """A busy claim scrubs in well under a millisecond (the batch target is 3,000 claims/s for
    build + scrub + 837); measured loosely so a loaded machine does not fail it."""
    busy = with_lines(
        line(1, modifiers=("25",)),
        line(2, "20610", charge=9000, modifiers=("RT",)),
        line(3, "96372", charge=3000),
        line(4, "97110", units=3, charge=9000),
        ncci_pairs=(pair("20610", "96372", "1"),),
        mue={"97110": MueLimit("97110", 4, "2"), "20610": MueLimit("20610", 2, "1")},
        payer=PT_PAYER,
        authorization=AuthFacts("A1", ("97110",), 20, 0, DOS, DOS),
    )
    scrub(busy)
    start = time.perf_counter()
    for _ in range(1000):
        scrub(busy)
    per_claim = (time.perf_counter() - start) / 1000
    assert per_claim < 0.001, f"{per_claim * 1e6:.0f} µs per claim"
