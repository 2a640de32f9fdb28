"""Builders for service tests: a tiny practice made through the public services."""

from __future__ import annotations

import datetime as dt

from core.schemas import CodingIn, ServiceLineIn
from core.services import claims, encounters, patients, practice
from core.store import Store

DOS = dt.date(2026, 10, 14)

PRACTICE = dict(
    name="Maple Grove Family Medicine",
    npi="1234567893",
    tax_id="12-3456789",
    taxonomy="207Q00000X",
    address_line1="100 Main St",
    city="Springfield",
    state="IL",
    zip_code="62701-1234",
    phone="217-555-0100",
)


def patient_data(**over):
    data = dict(
        first_name="Ada",
        last_name="Testpatient",
        date_of_birth=dt.date(1958, 3, 9),
        sex="F",
        address_line1="12 Elm St",
        city="Springfield",
        state="IL",
        zip_code="62704",
        phone="(217) 555-0142",
    )
    data.update(over)
    return data


def small_practice(store: Store) -> dict:
    practice.save_practice(store, PRACTICE)
    doc = practice.add_provider(
        store,
        dict(npi="1245319599", first_name="Rosa", last_name="Example", credential="MD",
             taxonomy="207Q00000X"),
    )  # fmt: skip
    payer = practice.add_payer(
        store,
        dict(payer_code="SBX01", name="Sandbox Medicare", kind="medicare",
             claim_filing_indicator="MB", timely_filing_days=365),
    )  # fmt: skip
    second = practice.add_payer(
        store,
        dict(payer_code="SBX05", name="Sandbox Supplemental", kind="supplemental",
             claim_filing_indicator="CI", timely_filing_days=180),
    )  # fmt: skip
    pat = patients.register_patient(store, patient_data())
    policy = patients.add_policy(
        store,
        pat.id,
        dict(
            payer_id=payer.id, rank=1, member_id="1EG4TE5MK73", effective_from=dt.date(2023, 1, 1)
        ),
    )
    return dict(provider=doc, payer=payer, secondary=second, patient=pat, policy=policy)


def add_fee(store: Store, code: str, cents: int) -> None:
    """Fee schedule rows come from the demo seed or an import; tests add theirs directly."""
    from db.models import FeeScheduleItem

    with store.uow() as uow:
        uow.session.add(
            FeeScheduleItem(code=code, modifier="", kind="cpt", description="test fee",
                            charge_cents=cents, is_demo=True)
        )  # fmt: skip


def coded_encounter(store: Store, world: dict, *, dos: dt.date = DOS, **coding) -> int:
    enc = encounters.create_encounter(
        store,
        dict(patient_id=world["patient"].id, date_of_service=dos, place_of_service="11",
             rendering_provider_id=world["provider"].id, clinical_note="Follow-up for diabetes."),
    )  # fmt: skip
    data = coding or dict(
        diagnoses=("E11.9", "I10"),
        lines=(ServiceLineIn(code="99214", charge_cents=18500, pointers=(1, 2)),
               ServiceLineIn(code="36415", charge_cents=2500, pointers=(1,))),
    )  # fmt: skip
    encounters.save_coding(store, enc.id, CodingIn(**data))
    encounters.mark_coded(store, enc.id)
    return enc.id


# "Today" for claims built in tests: fixed, so timely filing never depends on the real date.
BILLED_ON = DOS + dt.timedelta(days=3)


def built_claim(store: Store, world: dict, *, dos: dt.date = DOS) -> int:
    """A claim built (and scrubbed: ready when clean) from a freshly coded visit."""
    enc = coded_encounter(store, world, dos=dos)
    return claims.build_claim(store, enc, today=BILLED_ON).claim.id
