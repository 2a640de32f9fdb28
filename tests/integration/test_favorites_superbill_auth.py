"""Service tests: provider favorites, the superbill (view and PDF), prior authorizations, and the
encounter helpers the coding screens use."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
from sqlalchemy import select

from core.errors import NotFound, ValidationError
from core.schemas import CodingIn, ServiceLineIn
from core.services import authorizations, encounters, favorites, superbill
from core.workflow import EncounterStatus
from db.models import AuditRecord

from .helpers import DOS, add_fee, coded_encounter, patient_data, small_practice


def _audits(store, entity: str) -> list[str]:
    with store.uow() as uow:
        return list(
            uow.session.scalars(select(AuditRecord.summary).where(AuditRecord.entity == entity))
        )


# -- favorites --------------------------------------------------------------------------------
def test_favorites_add_list_remove(codes_store):
    world = small_practice(codes_store)
    doc = world["provider"].id
    assert favorites.list_favorites(codes_store, doc) == []
    first = favorites.add_favorite(codes_store, doc, "icd10", "e119")
    assert (first.code, first.billable, first.position) == ("E11.9", True, 1)
    assert first.description == "Type 2 diabetes mellitus without complications"
    favorites.add_favorite(codes_store, doc, "icd10", "I10")
    favorites.add_favorite(codes_store, doc, "cpt", "99214")
    favorites.add_favorite(codes_store, doc, "hcpcs", "g0439")

    assert [f.code for f in favorites.list_favorites(codes_store, doc, "icd10")] == [
        "E11.9",
        "I10",
    ]
    procs = favorites.list_favorites(codes_store, doc, favorites.PROCEDURE_KINDS)
    assert [(f.kind, f.code) for f in procs] == [("cpt", "99214"), ("hcpcs", "G0439")]
    assert "[demo]" not in procs[0].description and procs[0].description  # our wording
    assert len(favorites.list_favorites(codes_store, doc)) == 4

    favorites.move_favorite(codes_store, doc, "icd10", "I10", -1)
    assert [f.code for f in favorites.list_favorites(codes_store, doc, "icd10")] == [
        "I10",
        "E11.9",
    ]
    favorites.remove_favorite(codes_store, doc, "icd10", "E11.9")
    assert [f.code for f in favorites.list_favorites(codes_store, doc, "icd10")] == ["I10"]
    assert favorites.toggle_favorite(codes_store, doc, "icd10", "E11.9") is True
    assert favorites.toggle_favorite(codes_store, doc, "icd10", "E11.9") is False
    assert any("favorite icd10 E11.9" in s for s in _audits(codes_store, "provider_favorite"))


@pytest.mark.parametrize(
    "kind, code, why",
    [
        ("icd10", "E11", "category"),
        ("icd10", "Q99.99", "not in the code set"),
        ("cpt", "J3301", "not a CPT code"),
        ("loinc", "1234-5", "favorites are kept for"),
    ],
)
def test_bad_favorites_are_refused(codes_store, kind, code, why):
    world = small_practice(codes_store)
    with pytest.raises(ValidationError, match=why):
        favorites.add_favorite(codes_store, world["provider"].id, kind, code)


def test_favorite_twice_and_unknown_provider(codes_store):
    world = small_practice(codes_store)
    favorites.add_favorite(codes_store, world["provider"].id, "icd10", "I10")
    with pytest.raises(ValidationError, match="already one of Example's favorites"):
        favorites.add_favorite(codes_store, world["provider"].id, "icd10", "i10")
    with pytest.raises(NotFound):
        favorites.add_favorite(codes_store, 999, "icd10", "I10")
    with pytest.raises(NotFound):
        favorites.remove_favorite(codes_store, world["provider"].id, "icd10", "E11.9")


# -- superbill --------------------------------------------------------------------------------
def _coded(store):
    world = small_practice(store)
    enc_id = coded_encounter(
        store,
        world,
        diagnoses=("E11.9", "I10"),
        lines=(
            ServiceLineIn(code="99214", modifiers=("25",), charge_cents=21500, pointers=(1, 2)),
            ServiceLineIn(code="J3301", units=2, charge_cents=1600, pointers=(1,)),
        ),
    )
    return world, enc_id


def test_superbill_gathers_the_visit(codes_store):
    world, enc_id = _coded(codes_store)
    bill = superbill.superbill(codes_store, enc_id)
    assert bill.patient_name == "Testpatient, Ada"
    assert bill.practice_name == "Maple Grove Family Medicine"
    assert bill.practice_address[-1] == "Springfield, IL 62701-1234"
    assert bill.rendering_provider == "Rosa Example, MD"
    assert bill.date_of_service == DOS
    assert bill.place_of_service_name == "Office"
    assert [(c.rank, c.payer_name, c.member_id) for c in bill.coverage] == [
        (1, "Sandbox Medicare", "1EG4TE5MK73")
    ]
    assert [(d.seq, d.code) for d in bill.diagnoses] == [(1, "E11.9"), (2, "I10")]
    assert bill.diagnoses[1].description == "Essential (primary) hypertension"
    first, second = bill.lines
    assert (first.code, first.modifiers, first.units, first.pointers) == (
        "99214",
        ("25",),
        1,
        (1, 2),
    )
    assert (second.code, second.units, second.charge_cents) == ("J3301", 2, 1600)
    assert second.description  # from the HCPCS code set
    assert bill.total_cents == 23100


def _pdf_text(data: bytes) -> str:
    """The page content of an uncompressed (or Flate-compressed) fpdf2 file, as text."""
    text = data.decode("latin-1")
    streams = re.findall(r"stream\r?\n(.*?)\r?\nendstream", text, re.S)
    out = []
    for s in streams:
        raw = s.encode("latin-1")
        try:
            out.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            out.append(s)
    return "\n".join(out)


def test_superbill_pdf_is_a_real_pdf_with_the_codes(codes_store, tmp_path):
    _world, enc_id = _coded(codes_store)
    path = superbill.superbill_pdf(codes_store, enc_id, tmp_path / "out" / "sb.pdf", compress=False)
    assert path == tmp_path / "out" / "sb.pdf"
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    text = data.decode("latin-1")
    for needed in ("99214", "J3301", "E11.9", "I10", "$231.00", "$215.00", "Testpatient, Ada",
                   "Sandbox Medicare", "1EG4TE5MK73"):  # fmt: skip
        assert needed in text, needed
    # The printed copy is compressed by default and says the same.
    small = superbill.superbill_pdf(codes_store, enc_id, tmp_path / "sb2.pdf")
    assert small.read_bytes().startswith(b"%PDF-")
    assert "99214" in _pdf_text(small.read_bytes())
    assert small.stat().st_size < path.stat().st_size


def test_superbill_of_an_uncoded_visit_and_a_missing_one(codes_store, tmp_path):
    world = small_practice(codes_store)
    enc = encounters.create_encounter(
        codes_store,
        dict(patient_id=world["patient"].id, date_of_service=DOS, place_of_service="11",
             rendering_provider_id=world["provider"].id, clinical_note="Seen – follow-up “today”."),
    )  # fmt: skip
    bill = superbill.superbill(codes_store, enc.id)
    assert bill.lines == () and bill.total_cents == 0
    assert superbill.superbill_pdf(codes_store, enc.id, tmp_path / "x.pdf").exists()
    with pytest.raises(NotFound):
        superbill.superbill(codes_store, 4242)


# -- authorizations ---------------------------------------------------------------------------
def _auth(world, **over):
    data = dict(
        patient_id=world["patient"].id,
        payer_id=world["payer"].id,
        number="pa123",
        service_codes="97110 97140",
        units_approved=12,
        units_used=0,
        start_date=dt.date(2026, 10, 1),
        end_date=dt.date(2026, 12, 29),
        note="Approved by phone.",
    )
    data.update(over)
    return data


def test_add_and_list_authorizations(codes_store):
    world = small_practice(codes_store)
    auth = authorizations.add_authorization(codes_store, _auth(world))
    assert auth.number == "PA123"
    assert auth.service_codes == ("97110", "97140")
    assert (auth.units_left, auth.payer_name) == (12, "Sandbox Medicare")
    assert auth.covers(DOS) and not auth.covers(dt.date(2026, 9, 30))
    assert auth.days_left(dt.date(2026, 12, 19)) == 10
    assert "12 of 12 units left" in auth.summary
    assert [a.id for a in authorizations.list_authorizations(codes_store, world["patient"].id)] == [
        auth.id
    ]
    assert authorizations.list_authorizations(codes_store, on=dt.date(2027, 1, 1)) == []
    assert authorizations.by_number(codes_store, world["patient"].id, "pa123").id == auth.id
    assert authorizations.by_number(codes_store, world["patient"].id, "nope") is None
    assert _audits(codes_store, "authorization")


@pytest.mark.parametrize(
    "over, why",
    [
        (dict(end_date=dt.date(2026, 9, 1)), "cannot end before it starts"),
        (dict(service_codes="E11.9"), "not a CPT or HCPCS code"),
        (dict(service_codes=""), "list the service codes"),
        (dict(units_approved=0), "units approved"),
        (dict(units_used=13), "more units used than approved"),
        (dict(number="PA 1"), "no spaces"),
    ],
)
def test_bad_authorizations_are_refused(codes_store, over, why):
    world = small_practice(codes_store)
    with pytest.raises(ValidationError, match=why):
        authorizations.add_authorization(codes_store, _auth(world, **over))
    assert authorizations.list_authorizations(codes_store) == []


def test_same_number_twice_is_refused(codes_store):
    world = small_practice(codes_store)
    authorizations.add_authorization(codes_store, _auth(world))
    with pytest.raises(ValidationError, match="already on file"):
        authorizations.add_authorization(codes_store, _auth(world, number="PA123"))
    with pytest.raises(NotFound):
        authorizations.add_authorization(codes_store, _auth(world, patient_id=999))


def test_matching_authorization_for_a_visit(codes_store):
    world = small_practice(codes_store)
    pid = world["patient"].id
    other_payer = world["secondary"].id
    old = authorizations.add_authorization(
        codes_store,
        _auth(world, number="OLD1", start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 3, 31)),
    )
    used_up = authorizations.add_authorization(
        codes_store,
        _auth(world, number="USED1", units_approved=6, units_used=6,
              start_date=dt.date(2026, 10, 5), end_date=dt.date(2026, 12, 31)),
    )  # fmt: skip
    good = authorizations.add_authorization(codes_store, _auth(world, number="GOOD1"))
    authorizations.add_authorization(
        codes_store, _auth(world, number="OTHERPAYER", payer_id=other_payer)
    )
    found = authorizations.find_matching(codes_store, pid, DOS)
    assert found.id == good.id  # units left win over a used-up one that started later
    assert authorizations.find_matching(codes_store, pid, DOS, codes=["97110"]).id == good.id
    assert authorizations.find_matching(codes_store, pid, DOS, codes=["99214"]) is None
    assert authorizations.find_matching(codes_store, pid, dt.date(2026, 2, 1)).id == old.id
    assert authorizations.find_matching(codes_store, pid, dt.date(2025, 2, 1)) is None
    # The secondary payer does not cover the patient, so its authorization is found only by name.
    assert (
        authorizations.find_matching(codes_store, pid, DOS, payer_id=other_payer).number
        == "OTHERPAYER"
    )
    assert used_up.units_left == 0

    enc = encounters.create_encounter(
        codes_store,
        dict(patient_id=pid, date_of_service=DOS, place_of_service="11",
             rendering_provider_id=world["provider"].id, authorization_number="GOOD1"),
    )  # fmt: skip
    assert authorizations.for_encounter(codes_store, enc.id).id == good.id
    bare = encounters.create_encounter(
        codes_store,
        dict(patient_id=pid, date_of_service=DOS, place_of_service="11",
             rendering_provider_id=world["provider"].id),
    )  # fmt: skip
    assert authorizations.for_encounter(codes_store, bare.id).id == good.id
    with pytest.raises(NotFound):
        authorizations.for_encounter(codes_store, 4242)


def test_units_used_and_left(codes_store):
    world = small_practice(codes_store)
    auth = authorizations.add_authorization(codes_store, _auth(world, units_approved=6))
    after = authorizations.use_units(codes_store, auth.id, 4)
    assert (after.units_used, after.units_left) == (4, 2)
    with pytest.raises(ValidationError, match="has 2 units left; 3 asked for"):
        authorizations.use_units(codes_store, auth.id, 3)
    assert authorizations.use_units(codes_store, auth.id, -1).units_used == 3
    with pytest.raises(ValidationError, match="only 3 used"):
        authorizations.use_units(codes_store, auth.id, -4)
    assert authorizations.get_authorization(codes_store, auth.id).units_used == 3


def test_expiring_authorizations_for_the_home_queue(codes_store):
    world = small_practice(codes_store)
    today = dt.date(2026, 11, 2)
    ending = authorizations.add_authorization(
        codes_store, _auth(world, number="ENDING", end_date=today + dt.timedelta(days=14))
    )
    low = authorizations.add_authorization(
        codes_store, _auth(world, number="LOW", units_approved=10, units_used=8)
    )
    authorizations.add_authorization(codes_store, _auth(world, number="FINE"))
    gone = authorizations.add_authorization(
        codes_store, _auth(world, number="GONE", end_date=today - dt.timedelta(days=1))
    )
    authorizations.add_authorization(
        codes_store, _auth(world, number="LONGGONE", end_date=today - dt.timedelta(days=15))
    )
    authorizations.add_authorization(
        codes_store, _auth(world, number="LATER", start_date=today + dt.timedelta(days=3))
    )
    soon = authorizations.expiring(codes_store, today=today)
    assert [a.id for a in soon] == [gone.id, ending.id, low.id]  # soonest end first
    assert low.units_left == 2
    assert [a.number for a in authorizations.expiring(codes_store, 7, today=today)] == [
        "GONE",
        "LOW",
    ]
    assert [a.number for a in authorizations.expiring(codes_store, 14, 1, today=today)] == [
        "GONE",
        "ENDING",
    ]
    # The home screen counts the same authorizations.
    from core.services import dashboard

    counts = {q.key: q.count for q in dashboard.work_queues(codes_store, today=today).queues}
    assert counts["auths"] == len(soon)


# -- encounter helpers for the coding screens ------------------------------------------------
def test_coder_queue_oldest_first_and_leaves_when_coded(codes_store):
    world = small_practice(codes_store)
    add_fee(codes_store, "99213", 15000)
    ids = []
    for day in (dt.date(2026, 10, 20), dt.date(2026, 10, 1), dt.date(2026, 10, 10)):
        ids.append(
            encounters.create_encounter(
                codes_store,
                dict(
                    patient_id=world["patient"].id,
                    date_of_service=day,
                    place_of_service="11",
                    rendering_provider_id=world["provider"].id,
                ),
            ).id  # fmt: skip
        )
    assert [e.id for e in encounters.coder_queue(codes_store)] == [ids[1], ids[2], ids[0]]
    encounters.save_coding(
        codes_store, ids[1], CodingIn(diagnoses=("I10",), lines=(ServiceLineIn(code="99213"),))
    )
    encounters.mark_coded(codes_store, ids[1])
    assert ids[1] not in [e.id for e in encounters.coder_queue(codes_store)]
    encounters.send_back(codes_store, ids[1], "Which visit level?")
    queue = encounters.coder_queue(codes_store)
    assert queue[0].id == ids[1] and queue[0].status == EncounterStatus.QUERY
    assert queue[0].query_note == "Which visit level?"


def test_find_encounters_by_patient(codes_store):
    from core.services import patients

    world = small_practice(codes_store)
    other = patients.register_patient(
        codes_store, patient_data(first_name="Bob", last_name="Otherly")
    )
    for pid in (world["patient"].id, other.id):
        encounters.create_encounter(
            codes_store,
            dict(patient_id=pid, date_of_service=DOS, place_of_service="11",
                 rendering_provider_id=world["provider"].id),
        )  # fmt: skip
    assert [
        e.patient_name for e in encounters.find_encounters(codes_store, patient_text="oth")
    ] == ["Otherly, Bob"]
    assert len(encounters.find_encounters(codes_store)) == 2
    assert encounters.find_encounters(codes_store, patient_text="zzz") == []
    assert encounters.find_encounters(codes_store, status="coded", patient_text="oth") == []
    assert len(encounters.find_encounters(codes_store, patient_text=other.account_number)) == 1


def test_charges_and_checks_at_entry(codes_store):
    world = small_practice(codes_store)
    add_fee(codes_store, "99214", 21500)
    assert encounters.charge_for(codes_store, "99214") == 21500
    assert encounters.charge_for(codes_store, "99214", ("25",), units=2) == 43000
    assert encounters.charge_for(codes_store, "99215") is None
    enc = encounters.create_encounter(
        codes_store,
        dict(patient_id=world["patient"].id, date_of_service=DOS, place_of_service="11",
             rendering_provider_id=world["provider"].id),
    )  # fmt: skip
    assert encounters.diagnosis_problems(codes_store, enc.id, "e119") == []
    (category,) = encounters.diagnosis_problems(codes_store, enc.id, "E11")
    assert "needs more characters" in category and "E11.9" in category
    (male,) = encounters.diagnosis_problems(codes_store, enc.id, "N40.0")  # Ada is female
    assert "only to male patients" in male
    (newborn,) = encounters.diagnosis_problems(codes_store, enc.id, "P07.30")
    assert "aged 0 or less" in newborn
    assert encounters.line_problems(codes_store, enc.id, "99214", ("25",)) == []
    assert encounters.line_problems(codes_store, enc.id, "99214", ("Q9",)) == [
        "modifier Q9 is not a known modifier"
    ]
    assert "not in the code set" in encounters.line_problems(codes_store, enc.id, "99999")[0]
    assert encounters.check_coding(
        codes_store, enc.id, dict(diagnoses=["E11.9"], lines=[dict(code="99214", pointers=[2])])
    ) == ["line 1 points to diagnosis 2, but only 1 diagnoses are coded"]
    assert encounters.check_coding(
        codes_store, enc.id, dict(diagnoses=["E11"], lines=[dict(code="99214")])
    )[0].startswith("ICD-10-CM E11 is a category")
    assert (
        encounters.check_coding(
            codes_store, enc.id, dict(diagnoses=["E11.9"], lines=[dict(code="99214")])
        )
        == []
    )
