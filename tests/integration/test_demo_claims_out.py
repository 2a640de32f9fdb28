"""Acceptance for claims out on the demo practice and at volume:

- every 837P ClaimDesk writes for the demo practice passes pyx12 with no findings;
- so does a generated batch of 5,000 varied claims (one file, the guide's ceiling).
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from core.services import claims, submission
from core.x12 import x837 as X
from core.x12.envelope import Envelope
from core.x12.pyx12_check import validate_x12
from db.models import Encounter, X12File

TODAY = dt.date(2026, 11, 2)


def test_every_837_for_the_demo_practice_passes_pyx12(codes_store):
    from sample_data import demo

    store = codes_store
    demo.seed(store, patients=120, encounters=200, today=TODAY)
    with store.uow() as uow:
        coded = list(uow.session.scalars(select(Encounter.id).where(Encounter.status == "coded")))
    built = 0
    for enc_id in coded:
        try:
            claims.build_claim(store, enc_id, today=TODAY)
            built += 1
        except Exception as exc:  # noqa: BLE001 - a visit without coverage stays unbilled
            assert "coverage" in str(exc), exc
    assert built >= 1
    result = submission.submit(store, today=TODAY)
    assert result.claims >= built // 2, result.blocked
    for path in result.files:
        report = validate_x12(open(path, "rb").read())
        assert report.ok and report.findings == (), [str(f) for f in report.findings[:5]]
    with store.uow() as uow:
        sent = uow.session.scalars(select(X12File).where(X12File.direction == "out")).all()
        assert sum(f.claims_count for f in sent) == result.claims
    # Every claim held back says why, in the scrubber's words.
    assert all(reason for _, reason in result.blocked)


# -- 5,000 generated claims in one file ----------------------------------------------------------
ADDR = X.Address("100 MAIN ST", "SPRINGFIELD", "IL", "627011234")
BILLING = X.BillingProvider(name="MAPLE GROVE FAMILY MEDICINE", npi="1234567893",
                            tax_id="123456789", address=ADDR, taxonomy="207Q00000X")  # fmt: skip
DOCS = [X.ProviderRef("EXAMPLE", "ROSA", "1245319599", "207Q00000X"),
        X.ProviderRef("SAMPLE", "LEE", "1679576722", "208D00000X")]  # fmt: skip
PAYERS = [X.PayerRef("SANDBOX MEDICARE", "SBX01"), X.PayerRef("SANDBOX HEALTH", "SBX03"),
          X.PayerRef("SANDBOX MEDICAID", "SBX02")]  # fmt: skip
DX = ["E11.9", "I10", "E78.5", "J06.9", "M54.50", "Z00.00", "R51.9", "K21.9", "F41.1", "N39.0",
      "J45.909", "E66.9", "M25.561"]  # fmt: skip
PROCS = [("99213", 12500), ("99214", 18500), ("36415", 2500), ("85025", 3500), ("93000", 6000),
         ("20610", 15000), ("96372", 4000), ("J3301", 1500), ("G0439", 17500)]  # fmt: skip
MODS = [(), (), (), ("25",), ("59",), ("LT",), ("RT",), ("25", "GT")]


def generated_claims(n: int, seed: int = 7) -> list[X.Claim837]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        day = dt.date(2026, 9, 1) + dt.timedelta(days=rnd.randrange(60))
        n_dx = rnd.randint(1, 12)
        dx = tuple(rnd.sample(DX, n_dx))
        lines = []
        for k in range(rnd.randint(1, 6)):
            code, cents = rnd.choice(PROCS)
            units = rnd.randint(1, 3)
            pointers = tuple(sorted(rnd.sample(range(1, n_dx + 1), min(n_dx, rnd.randint(1, 4)))))
            lines.append(X.ServiceLine837(procedure_code=code, charge_cents=cents * units,
                                          service_date=day, pointers=pointers, units=units,
                                          modifiers=rnd.choice(MODS),
                                          line_control_number=str(i * 10 + k)))  # fmt: skip
        dependent = rnd.random() < 0.3
        subscriber = X.Subscriber(
            member_id=f"M{rnd.randrange(10**8):08d}", last_name="TESTPERSON",
            first_name=rnd.choice(["ADA", "BEN", "CARA", "DEV"]),
            date_of_birth=dt.date(1950 + rnd.randrange(50), 1 + rnd.randrange(12), 1 + rnd.randrange(28)),
            sex=rnd.choice("MF"), address=ADDR,
            filing_indicator=rnd.choice(["MB", "CI", "MC"]),
        )  # fmt: skip
        patient = (X.PatientData("TESTPERSON", "KID", dt.date(2015, 5, 5), "F", ADDR, "19")
                   if dependent else None)  # fmt: skip
        freq = rnd.choice(["1"] * 8 + ["7", "8"])
        out.append(
            X.Claim837(
                patient_control_number=f"CD{i + 1:010d}", billing_provider=BILLING,
                subscriber=subscriber, payer=rnd.choice(PAYERS),
                total_charge_cents=sum(line.charge_cents for line in lines), diagnoses=dx,
                lines=tuple(lines), place_of_service=rnd.choice(["11", "11", "02", "22"]),
                frequency_code=freq, payer_claim_number="PCN" + str(i) if freq != "1" else "",
                prior_authorization=f"AUTH{i}" if rnd.random() < 0.1 else "", patient=patient,
                rendering=rnd.choice(DOCS),
                referring=DOCS[1] if rnd.random() < 0.2 else None,
            )
        )  # fmt: skip
    return out


def test_a_generated_batch_of_5000_claims_passes_pyx12():
    batch = X.Batch837(
        submitter=X.Submitter("MAPLE GROVE FAMILY MEDICINE", "123456789", "BILLING OFFICE",
                              "2175550100"),
        receiver=X.Receiver("CLAIMDESK SANDBOX", "CLAIMDESKSBX"),
        claims=tuple(generated_claims(5000)),
    )  # fmt: skip
    env = Envelope("123456789", "CLAIMDESKSBX", 4242, dt.datetime(2026, 11, 2, 9, 0))
    built = X.build_837p(batch, env)
    assert len(built.claims) == 5000
    report = validate_x12(built.text)
    assert report.ok and report.findings == (), [str(f) for f in report.findings[:5]]
