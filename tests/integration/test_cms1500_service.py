"""Service test: one claim from the database on the CMS-1500 form, plain paper and overlay."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.cms1500 import InsuranceType, Relationship
from core.errors import NotFound
from core.services import cms1500, encounters, patients, practice
from core.services.claims import pcn_for
from db.models import Claim, Payer
from tests.integration.helpers import DOS, built_claim, small_practice


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _courier_cells(pdf: bytes) -> dict[tuple[int, int], str]:
    """Data fields by grid (line, column), read back from page 1 of the PDF."""
    cells: dict[tuple[int, int], str] = {}

    def visit(text, cm, tm, font, size):
        if text.strip() and font and font.get("/BaseFont") == "/Courier":
            col = round((tm[4] - 21.6) / 7.2) + 1
            line = int((792 - tm[5]) // 12)
            cells[(line, col)] = text.strip()

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return cells


def test_claim_form_data_gathers_the_claim(codes_store):
    world = small_practice(codes_store)
    claim_id = built_claim(codes_store, world)
    data = cms1500.claim_form_data(codes_store, claim_id)
    assert data.payer_name == "Sandbox Medicare"
    assert data.insurance_type is InsuranceType.MEDICARE
    assert data.insured_id == "1EG4TE5MK73"
    assert (data.patient_name.last, data.patient_name.first) == ("Testpatient", "Ada")
    assert data.relationship is Relationship.SELF
    assert data.insured_name == data.patient_name and data.insured_address is not None
    assert data.insured_group_number == "NONE"  # Medicare primary, no group number
    assert data.diagnoses == ("E11.9", "I10")
    assert [(ln.code, ln.charge_cents, ln.pointers, ln.date_from) for ln in data.lines] == [
        ("99214", 18500, (1, 2), DOS),
        ("36415", 2500, (1,), DOS),
    ]
    assert {ln.rendering_npi for ln in data.lines} == {"1245319599"}
    assert {ln.place_of_service for ln in data.lines} == {"11"}
    assert data.total_charge_cents == 21000
    assert data.account_number == pcn_for(claim_id)
    assert data.tax_id == "123456789" and data.billing.npi == "1234567893"
    assert data.billing.address.phone == "2175550100"
    assert data.another_plan is False and data.other_insured_name is None
    assert data.resubmission_code == "" and data.amount_paid_cents == 0
    assert data.signature == "Rosa Example MD"


def test_claim_form_pdf_both_modes(codes_store):
    world = small_practice(codes_store)
    claim_id = built_claim(codes_store, world)
    pcn = pcn_for(claim_id)

    plain = cms1500.claim_form_pdf(codes_store, claim_id)
    overlay = cms1500.claim_form_pdf(codes_store, claim_id, overlay=True)
    assert plain.startswith(b"%PDF") and overlay.startswith(b"%PDF")

    (plain_text,) = _text(plain)
    (overlay_text,) = _text(overlay)
    for value in ("1EG4TE5MK73", "TESTPATIENT, ADA", "E119", "I10", "99214", "36415",
                  "1234567893", "1245319599", "123456789", pcn, "SANDBOX MEDICARE"):  # fmt: skip
        assert value in plain_text and value in overlay_text, value
    assert "HEALTH INSURANCE CLAIM FORM" in plain_text
    assert "HEALTH INSURANCE CLAIM FORM" not in overlay_text
    cells = _courier_cells(overlay)
    assert cells[(8, 50)] == "1EG4TE5MK73" and cells[(44, 25)] == "99214"
    assert (cells[(44, 52)], cells[(44, 56)]) == ("185", "00")
    assert (cells[(56, 54)], cells[(56, 58)]) == ("210", "00")  # item 28
    assert cells[(56, 23)] == pcn

    nudged = _courier_cells(cms1500.claim_form_pdf(codes_store, claim_id, overlay=True,
                                                   offset_x_mm=25.4 / 10))  # fmt: skip
    assert nudged[(8, 51)] == "1EG4TE5MK73"


def test_secondary_coverage_referral_and_replacement_show_up(codes_store):
    world = small_practice(codes_store)
    policy = patients.add_policy(
        codes_store,
        world["patient"].id,
        dict(payer_id=world["secondary"].id, rank=2, member_id="SUP778899",
             plan_name="Sandbox Medigap", effective_from=DOS.replace(year=2024)),
    )  # fmt: skip
    assert policy.rank == 2
    referrer = practice.add_provider(
        codes_store, dict(npi="1003000126", first_name="Paul", last_name="Referrer",
                    taxonomy="207Q00000X"),
    )  # fmt: skip
    enc = encounters.create_encounter(
        codes_store,
        dict(patient_id=world["patient"].id, date_of_service=DOS, place_of_service="11",
             rendering_provider_id=world["provider"].id, referring_provider_id=referrer.id,
             authorization_number="AUTH42", clinical_note="Follow-up."),
    )  # fmt: skip
    from core.schemas import CodingIn, ServiceLineIn
    from core.services import claims

    encounters.save_coding(codes_store, enc.id, CodingIn(
        diagnoses=("E11.9",),
        lines=tuple(ServiceLineIn(code="99213", charge_cents=1000 + n) for n in range(8)),
    ))  # fmt: skip
    encounters.mark_coded(codes_store, enc.id)
    claim_id = claims.build_claim(codes_store, enc.id).claim.id
    with codes_store.uow() as uow:  # as if the payer had answered and this were a corrected claim
        row = uow.session.get(Claim, claim_id)
        row.frequency_code, row.payer_claim_number = "7", "PAYCLM555"
        payer = uow.session.scalars(select(Payer).where(Payer.payer_code == "SBX01")).one()
        payer.address_line1, payer.city, payer.state, payer.zip_code = (
            "PO Box 9", "Chicago", "IL", "60601")  # fmt: skip

    data = cms1500.claim_form_data(codes_store, claim_id)
    assert data.another_plan is True and data.other_insured_policy == "SUP778899"
    assert data.other_insured_plan == "Sandbox Medigap"
    assert data.referring_name is not None and data.referring_npi == "1003000126"
    assert data.prior_authorization == "AUTH42"
    assert (data.resubmission_code, data.original_ref) == ("7", "PAYCLM555")
    assert data.payer_address is not None and data.payer_address.city == "Chicago"

    pdf = cms1500.claim_form_pdf(codes_store, claim_id, overlay=True)
    pages = _text(pdf)
    assert len(pages) == 2
    assert "CONTINUED" in pages[0] and "CONTINUED" not in pages[1]
    assert "PAYCLM555" in pages[0] and "PAYCLM555" in pages[1]
    cells = _courier_cells(pdf)
    assert cells[(34, 1)] == "DN" and cells[(34, 4)] == "REFERRER, PAUL"
    assert cells[(26, 52)] == "X" and cells[(20, 1)] == "SUP778899"
    assert cells[(38, 50)] == "7" and cells[(40, 50)] == "AUTH42"
    assert cells[(4, 41)] == "CHICAGO IL 60601"


def test_unknown_claim_is_not_found(store):
    with pytest.raises(NotFound, match="No claim with id 4242"):
        cms1500.claim_form_data(store, 4242)
    with pytest.raises(NotFound):
        cms1500.claim_form_pdf(store, 4242, overlay=True)
