"""The 835 reader's speed-ups must not change what it reads: a text read once and remembered
(whole CAS and SVC segments, amounts, dates) reads the same every time it comes back, a text
that earned a warning earns it again at each place, and the reader builds the model positionally
only while the model's fields are the ones it fills, in that order."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from core.x12.envelope import Envelope
from core.x12.x835 import _constructor, build_835, parse_835
from core.x12.x835_model import (
    Adjustment835,
    ClaimPayment,
    Remittance835,
    ServicePayment,
)

A = Adjustment835
ENV = Envelope("SANDBOXPAYER", "CLAIMDESK", 7, dt.datetime(2026, 10, 1, 9, 30))


def transaction(*body: str) -> str:
    """One 835 transaction set without envelope (ST is segment 1), SE01 counted."""
    segs = [
        "ST*835*0001*005010X221A1",
        "BPR*I*160*C*CHK************20261001",
        "TRN*1*T1*1999999999",
        "N1*PR*PAYER",
        "N1*PE*CLINIC*XX*1234567893",
        "LX*1",
        *body,
    ]
    segs.append(f"SE*{len(segs) + 1}*0001")
    return "".join(s + "~" for s in segs)


def test_a_remembered_segment_warns_again_wherever_it_comes_back():
    odd_cas = "CAS*CO*45*20.005"  # more than two decimals: a warning each time
    odd_svc = "SVC*HC>99213*100*80**1"  # ">" where ":" was declared: a warning each time
    text = transaction(
        "CLP*PCN1*1*100*80**12*X1",  # 7
        odd_cas,  # 8: claim level
        "NM1*QC*1*DOE*JO",
        odd_svc,  # 10
        "DTM*472*20261001",
        odd_cas,  # 12: line level
        "REF*6R*L1",
        "CLP*PCN2*1*100*80**12*X2",
        "NM1*QC*1*ROE*AL",
        odd_svc,  # 16
        "DTM*472*20261341",  # 17: not a date, twice
        odd_cas,  # 18
        "REF*6R*L2",
        "CLP*PCN3*1*100*80**12*X3",
        "NM1*QC*1*POE*ED",
        "SVC*HC:99213*100*80**1",
        "DTM*472*20261341",  # 23
    )
    parsed = parse_835(text)
    rounded = (
        "the adjustment amount (CAS03) '20.005' has more than two decimals; it was rounded to "
        "$20.00."
    )
    separated = "SVC01 'HC>99213' separates its parts with '>', not the declared ':'; read as such."
    not_a_date = "the service date '20261341' is not a date (CCYYMMDD); ignored."
    assert parsed.warnings == (
        f"Segment 8 (CAS): {rounded}",
        f"Segment 10 (SVC): {separated}",
        f"Segment 12 (CAS): {rounded}",
        f"Segment 16 (SVC): {separated}",
        f"Segment 17 (DTM): {not_a_date}",
        f"Segment 18 (CAS): {rounded}",
        f"Segment 23 (DTM): {not_a_date}",
    )
    c1, c2, c3 = parsed.remittances[0].claims
    assert c1.adjustments == c1.services[0].adjustments == c2.services[0].adjustments
    assert c1.adjustments == (A("CO", "45", 2000),)
    assert [s.code for c in (c1, c2, c3) for s in c.services] == ["99213"] * 3
    assert [s.service_from for c in (c1, c2, c3) for s in c.services] == [
        dt.date(2026, 10, 1), None, None
    ]  # fmt: skip
    assert [s.line_control_number for c in (c1, c2) for s in c.services] == ["L1", "L2"]


def test_remembered_segments_keep_each_line_its_own_values():
    text = transaction(
        "CLP*PCN1*1*100*75**12*X1",
        "CAS*CO*45*15",  # the claim-level text, later seen on a line too
        "NM1*QC*1*DOE*JO",
        "SVC*HC:99213:25*100*75**1",
        "DTM*472*20261001",
        "CAS*CO*45*15",
        "CAS*PR*2*10",
        "REF*6R*L1",
        "LQ*HE*N130",
        "LQ*HE*M15",
        "SVC*HC:99213:25*100*75**1",  # the same text: a second line, not the first again
        "DTM*472*20261002",
        "CAS*PR*2*10",
        "REF*6R*L2",
        "AMT*B6*90",
        "CLP*PCN2*1*100*75**12*X2",
        "NM1*QC*1*ROE*AL",
        "MOA***MA01*MA18",
        "SVC*HC:99213:25*100*75**1",
        "CAS*CO*45*15",
        "CAS*CO*45*15",
    )
    parsed = parse_835(text)
    assert parsed.warnings == ()
    c1, c2 = parsed.remittances[0].claims
    first, second = c1.services
    assert c1.adjustments == (A("CO", "45", 1500),)
    assert first == ServicePayment(
        "HC", "99213", ("25",), 10000, 7500, "1", service_from=dt.date(2026, 10, 1),
        line_control_number="L1", adjustments=(A("CO", "45", 1500), A("PR", "2", 1000)),
        remarks=("N130", "M15"),
    )  # fmt: skip
    assert second == ServicePayment(
        "HC", "99213", ("25",), 10000, 7500, "1", service_from=dt.date(2026, 10, 2),
        line_control_number="L2", allowed_cents=9000, adjustments=(A("PR", "2", 1000),),
    )  # fmt: skip
    assert c2.adjustments == () and c2.remarks == ("MA01", "MA18")
    assert c2.services[0].adjustments == (A("CO", "45", 1500), A("CO", "45", 1500))
    assert c2.services[0].line_control_number == "" and c2.services[0].service_from is None


def test_a_file_of_repeated_lines_reads_back_exactly_what_was_written():
    def claim(n: int) -> ClaimPayment:
        lines = tuple(
            ServicePayment(
                "HC", code, (), charge, charge - 2000, "1", service_from=dt.date(2026, 9, k),
                line_control_number=f"{n}-{k}",
                adjustments=(A("CO", "45", 1500), A("PR", "2", 500)),
            )
            for k, (code, charge) in enumerate((("99213", 10000), ("36415", 2500)), start=1)
        )  # fmt: skip
        return ClaimPayment(
            f"PCN{n:04d}", "1", 12500, 8500, 1000, "12", f"X{n}", patient_last="DOE",
            patient_member_id=f"M{n}", service_from=dt.date(2026, 9, 1), services=lines,
        )  # fmt: skip

    claims = tuple(claim(n) for n in range(1, 201))
    r = Remittance835(
        "0007", "I", sum(c.paid_cents for c in claims), "C", "CHK", dt.date(2026, 10, 1), "T1",
        "1999999999", "PAYER", payee_name="CLINIC", payee_id="1234567893",
        payee_id_qualifier="XX", claims=claims,
    )  # fmt: skip
    got = parse_835(build_835(r, ENV))
    assert got.warnings == ()
    read = [dataclasses.replace(c, position=0) for c in got.remittances[0].claims]
    assert read == list(claims)


def test_the_constructor_is_the_model_class_once_its_fields_are_checked():
    names = " ".join(f.name for f in dataclasses.fields(ServicePayment))
    assert _constructor(ServicePayment, names) is ServicePayment


def test_the_constructor_stops_when_the_model_changes():
    names = " ".join(f.name for f in dataclasses.fields(ClaimPayment))
    with pytest.raises(RuntimeError, match="update the 835 reader"):
        _constructor(
            ClaimPayment, names.replace("charge_cents paid_cents", "paid_cents charge_cents")
        )
    with pytest.raises(RuntimeError):
        _constructor(ClaimPayment, names.rsplit(" ", 1)[0])  # a field the reader does not fill

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        cents: int

        def __post_init__(self) -> None:
            if self.cents < 0:
                raise ValueError("negative")

    @dataclasses.dataclass(frozen=True)
    class Plain:
        cents: int

    assert _constructor(Checked, "cents") is Checked
    assert _constructor(Plain, "cents") is Plain
