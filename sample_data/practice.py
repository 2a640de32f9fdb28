"""The demo practice itself: practice, providers, facilities, payers, users and fee schedule.

Everything here is invented. Payer IDs start with ``SBX`` (sandbox); phone numbers use the
555-01xx range reserved for fiction; NPIs are random digits with a correct check digit.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from core.codes import npi_check_digit, procedure_kind

# -- fee schedule ------------------------------------------------------------------------------
# (code, our own plain wording, charge in cents). CPT code numbers only: the wording is ours.
FEES: tuple[tuple[str, str, int], ...] = (
    ("99202", "Office visit, new patient, straightforward decisions", 12000),
    ("99203", "Office visit, new patient, low-complexity decisions", 18500),
    ("99204", "Office visit, new patient, moderate-complexity decisions", 27500),
    ("99205", "Office visit, new patient, high-complexity decisions", 35000),
    ("99212", "Office visit, established patient, straightforward", 9500),
    ("99213", "Office visit, established patient, low complexity", 15000),
    ("99214", "Office visit, established patient, moderate complexity", 21500),
    ("99215", "Office visit, established patient, high complexity", 29500),
    ("99381", "Checkup visit, new patient, under 1 year", 21000),
    ("99382", "Checkup visit, new patient, age 1 to 4", 22000),
    ("99383", "Checkup visit, new patient, age 5 to 11", 22500),
    ("99384", "Checkup visit, new patient, age 12 to 17", 24000),
    ("99385", "Checkup visit, new patient, age 18 to 39", 25000),
    ("99386", "Checkup visit, new patient, age 40 to 64", 28000),
    ("99387", "Checkup visit, new patient, 65 or older", 30000),
    ("99391", "Checkup visit, established patient, under 1 year", 19000),
    ("99392", "Checkup visit, established patient, age 1 to 4", 20000),
    ("99393", "Checkup visit, established patient, age 5 to 11", 20500),
    ("99394", "Checkup visit, established patient, age 12 to 17", 21500),
    ("99395", "Checkup visit, established patient, age 18 to 39", 22500),
    ("99396", "Checkup visit, established patient, age 40 to 64", 24500),
    ("99397", "Checkup visit, established patient, 65 or older", 26500),
    ("G0438", "Medicare yearly wellness visit, first one", 24000),
    ("G0439", "Medicare yearly wellness visit, later years", 18500),
    ("G0444", "Yearly depression screening, short", 3000),
    ("36415", "Blood draw from a vein", 1500),
    ("81002", "Urine dipstick, read by eye", 1200),
    ("81025", "Urine pregnancy test", 2000),
    ("85025", "Blood count with automated differential", 3500),
    ("80053", "Metabolic panel, comprehensive", 4500),
    ("80061", "Cholesterol panel", 4000),
    ("83036", "Glycated hemoglobin (A1c)", 3500),
    ("84443", "Thyroid stimulating hormone level", 4500),
    ("87880", "Rapid strep antigen test", 3000),
    ("93000", "Heart tracing, 12 leads, with reading", 7500),
    ("71046", "Chest X-ray, two views", 9500),
    ("73562", "Knee X-ray, three views", 11000),
    ("73610", "Ankle X-ray, three or more views", 10500),
    ("94010", "Breathing test (spirometry)", 6500),
    ("94640", "Nebulizer breathing treatment", 4000),
    ("20610", "Injection or drainage of a large joint", 16500),
    ("11102", "Skin biopsy by shaving, first lesion", 15500),
    ("17110", "Destroying warts or similar lesions, up to 14", 14000),
    ("12001", "Simple stitches for a wound up to 2.5 cm", 19000),
    ("29540", "Ankle taping", 5500),
    ("69210", "Removing impacted ear wax with instruments", 7000),
    ("96372", "Shot of a medicine into muscle or under skin", 4000),
    ("96127", "Short standardized mood or behavior questionnaire", 1500),
    ("99406", "Quit-smoking counseling, 3 to 10 minutes", 3000),
    ("90471", "Giving a vaccine, first one", 2800),
    ("90472", "Giving a vaccine, each additional one", 1800),
    ("90460", "Giving a child's vaccine with counseling, first part", 3000),
    ("90461", "Giving a child's vaccine with counseling, each added part", 1800),
    ("90686", "Flu vaccine, four strains, no preservative, into muscle", 3200),
    ("90700", "Diphtheria, tetanus and whooping cough vaccine for children", 4500),
    ("90713", "Polio vaccine, inactivated", 4500),
    ("90707", "Measles, mumps and rubella vaccine", 9500),
    ("90716", "Chickenpox vaccine", 15000),
    ("90715", "Tetanus, diphtheria and whooping cough booster, age 7 up", 5500),
    ("G0008", "Giving a flu shot, Medicare", 2800),
    ("Q2035", "Flu vaccine supplied, Afluria", 2500),
    ("J3301", "Triamcinolone acetonide, per 10 mg", 800),
    ("J1885", "Ketorolac, per 15 mg", 600),
    ("J1030", "Methylprednisolone acetate, 40 mg", 1200),
    ("J0696", "Ceftriaxone, per 250 mg", 1500),
    ("97161", "Physical therapy evaluation, low complexity", 13000),
    ("97162", "Physical therapy evaluation, moderate complexity", 16000),
    ("97110", "Therapeutic exercise, each 15 minutes", 5500),
    ("97140", "Hands-on (manual) therapy, each 15 minutes", 5000),
    ("97530", "Functional activities, each 15 minutes", 6000),
)

FEE_CHARGES: dict[str, int] = {code: cents for code, _, cents in FEES}


def fee_rows(existing: set[str], first_id: int) -> list[dict]:
    """Fee schedule rows for the codes the database does not price yet."""
    rows = []
    next_id = first_id
    for code, wording, cents in FEES:
        if code in existing:
            continue
        rows.append(
            {
                "id": next_id,
                "code": code,
                "modifier": "",
                "kind": procedure_kind(code) or "cpt",
                "description": wording,
                "charge_cents": cents,
                "is_demo": True,
            }
        )
        next_id += 1
    return rows


# -- people and organizations --------------------------------------------------------------------


def make_npi(rng: random.Random, used: set[str], first: str = "1") -> str:
    """A random NPI with a valid check digit, not in ``used`` (then added to it)."""
    while True:
        nine = first + "".join(str(rng.randrange(10)) for _ in range(8))
        npi = nine + str(npi_check_digit(nine))
        if npi not in used:
            used.add(npi)
            return npi


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    key: str
    first_name: str
    last_name: str
    credential: str
    taxonomy: str
    specialty: str
    outside: bool = False


PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec("family", "Elena", "Marsh", "MD", "207Q00000X", "Family medicine"),
    ProviderSpec("internal", "Samuel", "Okoro", "MD", "207R00000X", "Internal medicine"),
    ProviderSpec("peds", "Priya", "Raman", "MD", "208000000X", "Pediatrics"),
    ProviderSpec("ortho", "Daniel", "Kowal", "DO", "207X00000X", "Orthopaedic surgery"),
    ProviderSpec("np", "Maria", "Alvarado", "FNP", "363LF0000X", "Family nurse practitioner"),
    ProviderSpec("pt", "Jordan", "Leclair", "DPT", "225100000X", "Physical therapy"),
    # Refers patients to us; works at another clinic. The schema ties every provider to a
    # practice, so the specialty text says so.
    ProviderSpec(
        "outside",
        "Harold",
        "Kimball",
        "MD",
        "207Q00000X",
        "Family medicine (outside referrer, Eastside Clinic)",
        outside=True,
    ),
)


@dataclass(frozen=True, slots=True)
class PayerSpec:
    key: str
    code: str
    name: str
    kind: str
    filing: str
    timely_days: int
    appeal_days: int
    city: str
    state: str
    zip_code: str
    # how much of the charge the payer allows, in percent (low, high)
    allowed_pct: tuple[int, int]


def _payer(key: str, code: str, name: str, kind: str, filing: str, days: int, appeal: int,
           place: str, allowed: tuple[int, int]) -> PayerSpec:  # fmt: skip
    city, state, zip_code = place.split("|")
    return PayerSpec(key, code, name, kind, filing, days, appeal, city, state, zip_code, allowed)


# key, payer ID, name, kind, SBR09, timely filing days, appeal days, address, allowed % of charge
PAYERS: tuple[PayerSpec, ...] = (
    _payer("medicare", "SBX01", "Sandbox Medicare Part B", "medicare", "MB", 365, 120,
           "Salem|OR|973010001", (44, 52)),
    _payer("medicaid", "SBX02", "Sandbox State Medicaid Plan", "medicaid", "MC", 365, 60,
           "Salem|OR|973090002", (34, 42)),
    _payer("commercial", "SBX03", "Sandbox Health Insurance Co", "commercial", "CI", 90, 180,
           "Hartford|CT|061560003", (58, 72)),
    _payer("bcbs", "SBX04", "Sandbox Blue Cross Blue Shield", "bcbs", "BL", 180, 180,
           "Portland|OR|972070004", (55, 68)),
    _payer("supplement", "SBX05", "Sandbox Medicare Supplement Plan G", "supplemental", "CI",
           365, 180, "Omaha|NE|681750005", (44, 52)),
    _payer("hmo", "SBX06", "Sandbox Community HMO", "hmo", "HM", 120, 90,
           "Tigard|OR|972230006", (52, 62)),
    _payer("ppo", "SBX07", "Sandbox Employers PPO Network", "commercial", "CI", 180, 180,
           "Seattle|WA|981010007", (60, 75)),
)  # fmt: skip

PAYER_BY_KEY = {p.key: p for p in PAYERS}

# (username, full name, role)
USERS: tuple[tuple[str, str, str], ...] = (
    ("demo-admin", "Dana Whitfield (demo administrator)", "admin"),
    ("demo-biller", "Marcus Bell (demo biller)", "biller"),
    ("demo-biller2", "Rita Osei (demo biller)", "biller"),
    ("demo-coder", "Tomas Varga (demo coder)", "coder"),
    ("demo-frontdesk", "Kelly Ngata (demo front desk)", "biller"),
    ("demo-trainer", "Avery Stone (demo trainer)", "trainer"),
    ("demo-viewer", "Sam Ortiz (demo read-only)", "viewer"),
)

PRACTICE = {
    "name": "Maple Grove Family Health (demo)",
    "tax_id": "990000417",
    "taxonomy": "261QP2300X",  # primary care clinic
    "address_line1": "1200 NE Maple Grove Blvd",
    "address_line2": "Suite 300",
    "city": "Portland",
    "state": "OR",
    "zip_code": "972121104",
    "phone": "5035550100",
}

# (key, name, place of service, address, city, state, 9-digit ZIP, has its own NPI)
FACILITIES: tuple[tuple[str, str, str, str, str, str, str, bool], ...] = (
    ("main", "Maple Grove Main Office", "11", "1200 NE Maple Grove Blvd", "Portland", "OR",
     "972121104", False),
    ("west", "Maple Grove Westside Office", "11", "8450 SW Canyon Rd", "Beaverton", "OR",
     "970052210", False),
    ("hospital", "Riverbend Hospital Outpatient Center", "22", "3300 SE River Pkwy", "Portland",
     "OR", "972021830", True),
)  # fmt: skip


def reference_rows(
    rng: random.Random, ids: dict[str, int], created: dt.datetime
) -> tuple[dict[str, list[dict]], dict[str, int], dict[str, int], dict[str, int]]:
    """Rows for the practice, providers, facilities and payers.

    Returns (rows by table, provider id by key, facility id by key, payer id by key).
    """
    used_npis: set[str] = set()
    practice_id = ids["practices"]
    practice = {
        "id": practice_id,
        "npi": make_npi(rng, used_npis),
        "created_at": created,
        **PRACTICE,
    }
    providers, provider_ids = [], {}
    for i, spec in enumerate(PROVIDERS):
        pid = ids["providers"] + i
        provider_ids[spec.key] = pid
        providers.append(
            {
                "id": pid,
                "practice_id": practice_id,
                "npi": make_npi(rng, used_npis),
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "credential": spec.credential,
                "taxonomy": spec.taxonomy,
                "specialty": spec.specialty,
                "active": True,
            }
        )
    facilities, facility_ids = [], {}
    for i, (key, name, pos, addr, city, state, zip_code, has_npi) in enumerate(FACILITIES):
        fid = ids["facilities"] + i
        facility_ids[key] = fid
        facilities.append(
            {
                "id": fid,
                "practice_id": practice_id,
                "name": name,
                "npi": make_npi(rng, used_npis) if has_npi else None,
                "place_of_service": pos,
                "address_line1": addr,
                "city": city,
                "state": state,
                "zip_code": zip_code,
            }
        )
    payers, payer_ids = [], {}
    for i, spec in enumerate(PAYERS):
        pid = ids["payers"] + i
        payer_ids[spec.key] = pid
        payers.append(
            {
                "id": pid,
                "payer_code": spec.code,
                "name": spec.name,
                "kind": spec.kind,
                "claim_filing_indicator": spec.filing,
                "timely_filing_days": spec.timely_days,
                "appeal_days": spec.appeal_days,
                "address_line1": f"PO Box {1000 + 37 * (i + 1)}",
                "city": spec.city,
                "state": spec.state,
                "zip_code": spec.zip_code,
                "phone": f"800555{100 + i:04d}",
                "active": True,
            }
        )
    rows = {
        "practices": [practice],
        "providers": providers,
        "facilities": facilities,
        "payers": payers,
    }
    return rows, provider_ids, facility_ids, payer_ids


def user_rows(existing: set[str], first_id: int, created: dt.datetime) -> list[dict]:
    rows = []
    next_id = first_id
    for username, full_name, role in USERS:
        if username in existing:
            continue
        rows.append(
            {
                "id": next_id,
                "username": username,
                "full_name": full_name,
                "role": role,
                "active": True,
                "created_at": created,
            }
        )
        next_id += 1
    return rows
