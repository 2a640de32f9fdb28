"""271 reading: every public 271 sample gives a benefits card or a plain reason; the 271 writer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from core.x12.benefits import BenefitsCard, read_271
from core.x12.envelope import Envelope
from core.x12.reader import X12ReadError
from core.x12.x270 import Person, Provider
from core.x12.x271 import Benefit, Rejection, Response, Subject, build_271

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "x12-samples"


def _sample_files() -> list[str]:
    manifest = SAMPLES / "manifest.json"
    if not manifest.exists():
        return []
    entries = json.loads(manifest.read_text())
    return sorted(
        e["file"] for e in entries if e["file"].split("/")[0] in ("271", "legacy4010_271")
    )


SAMPLE_FILES = _sample_files()


def _check_card(card: BenefitsCard) -> None:
    if card.status in ("active", "inactive"):
        assert card.coverage_active is (card.status == "active")
        assert card.source_lines and all(line.startswith("EB") for line in card.source_lines)
        assert card.benefits
    else:
        assert card.coverage_active is None
        assert card.reason and "\n" not in card.reason


@pytest.mark.skipif(not SAMPLE_FILES, reason=f"public samples not found at {SAMPLES}")
@pytest.mark.parametrize("name", SAMPLE_FILES or ["none"])
def test_every_public_271_gives_cards_or_a_reason(name):
    data = (SAMPLES / name).read_bytes()
    try:
        cards = read_271(data)
    except X12ReadError as exc:  # allowed, as long as it says why in one sentence
        assert str(exc) and "\n" not in str(exc)
        return
    assert len(cards) >= 1
    for card in cards:
        _check_card(card)


def test_the_271_samples_cover_both_outcomes():
    if not SAMPLE_FILES:
        pytest.skip(f"public samples not found at {SAMPLES}")
    statuses = {}
    for name in SAMPLE_FILES:
        for card in read_271((SAMPLES / name).read_bytes()):
            statuses[card.status] = statuses.get(card.status, 0) + 1
    assert statuses.get("active", 0) >= 5 and statuses.get("rejected", 0) >= 5


def sample(name: str) -> list[BenefitsCard]:
    path = next(SAMPLES.glob(f"*/{name}"), None)
    if path is None:
        pytest.skip(f"public sample {name} not found")
    return read_271(path.read_bytes())


def test_subscriber_card_from_a_public_sample():
    (card,) = sample("LinuxForHealth__demo-file__demo.271")
    assert card.status == "active" and card.subject == "subscriber"
    assert card.payer_name == "ABC COMPANY" and card.member_id == "123456789"
    assert card.patient_name == "SMITH, JOHN" and card.date_of_birth == dt.date(1963, 5, 19)
    assert card.plan == "GOLD 123 PLAN" and card.plan_begin == dt.date(2006, 1, 1)
    assert card.copay_cents == 1000  # the in-network copay, not the $30 out-of-network one
    assert "EB*B**1^33^35^47^86^88^98^AL^MH^UC*HM*GOLD 123 PLAN*27*10.00*****Y" in card.source_lines
    assert any("Primary care provider" in b.text and "JONES" in b.text for b in card.benefits)


def test_dependent_card_and_shared_component_repetition_separator():
    (card,) = sample("Inteligenz__Eligibility__TestData___271___5010__Example_3_2_2.txt")
    assert card.subject == "dependent" and card.patient_name == "SMITH, MARY"
    assert card.subscriber_name == "SMITH, JOHN" and card.status == "active"
    assert card.copay_cents == 1000  # ISA11 and ISA16 are both "^": EB03 still lists 10 types
    assert "medical care, chiropractic, dental care, hospital and 6 more" in card.benefits[-1].text
    assert "out of network" in card.benefits[-1].text


@pytest.mark.parametrize(
    "name,subject,words",
    [
        ("LinuxForHealth__271_005010X279A1__subscriber-health-benefit-check-error.271",
         "information receiver", "not eligible for inquiries"),
        ("Inteligenz__Eligibility__TestData___271___5010__ValidationForSubscriberName.txt",
         "subscriber", "member ID invalid or missing"),
        ("Inteligenz__Eligibility__TestData___271___5010__ValidationForSource.txt",
         "information source", "cannot respond at this time"),
    ],
)  # fmt: skip
def test_rejections_are_explained(name, subject, words):
    (card,) = sample(name)
    assert card.status == "rejected" and card.subject == subject
    assert words in card.reason
    assert any(line.startswith("AAA") for line in card.source_lines)


def test_a_270_is_not_a_271():
    path = SAMPLES / "270" / "LinuxForHealth__demo-file__demo.270"
    if not path.exists():
        pytest.skip("public sample not found")
    with pytest.raises(X12ReadError, match="no 271 eligibility response"):
        read_271(path.read_bytes())


def test_legacy_4010_271_is_read_leniently():
    (card,) = sample("imsweb__x270_271__x271.txt")
    assert card.status == "active" and card.plan == "GOLD 123 PLAN"
    assert any("SE01" in w for w in card.warnings)


# -- the writer the sandbox uses ---------------------------------------------------------------
NOW = dt.datetime(2026, 10, 14, 9, 30)
JOHN = Person("Doe", "John", date_of_birth=dt.date(1970, 5, 1), sex="M", member_id="XJB1")
MIA = Person("Doe", "Mia", date_of_birth=dt.date(2015, 8, 20), sex="F")


def response(**over) -> Response:
    data = dict(
        envelope=Envelope("CLAIMDESKSBX", "1234567893", 5, NOW),
        reference="CD000000005",
        payer_name="Sandbox Blue",
        payer_id="SBX02",
        provider=Provider("Maple Grove", "1234567893"),
    )
    data.update(over)
    return Response(**data)


ACTIVE = (
    Benefit("1", "IND", insurance_type="C1", plan="Blue Preferred 1000"),
    Benefit("B", "IND", ("98",), period="27", amount_cents=2500, network="Y"),
    Benefit("B", "IND", ("98",), period="27", amount_cents=6000, network="N"),
    Benefit("A", "IND", ("30",), percent=20, network="Y"),
    Benefit("C", "FAM", period="23", amount_cents=300000, network="Y"),
    Benefit("C", "IND", period="23", amount_cents=100000, network="Y"),
    Benefit("C", "IND", period="29", amount_cents=35000, network="Y"),
    Benefit("G", "IND", period="23", amount_cents=500000, network="Y"),
    Benefit("G", "IND", period="24", amount_cents=120000, network="Y"),
)


def test_written_271_reads_back_into_the_card():
    sub = Subject(JOHN, trace_number="CD5", trace_originator="9123456789", group_number="G77",
                  group_name="Acme", plan_begin=dt.date(2026, 1, 1), benefits=ACTIVE)  # fmt: skip
    text = build_271(response(subscriber=sub))
    assert "EB*A*IND*30*****0.2****Y~" in text and "EB*C*IND*30***29*350*****Y~" in text
    (card,) = read_271(text)
    assert card.status == "active" and card.coverage_active is True
    assert (card.copay_cents, card.coinsurance_percent) == (2500, 20)
    assert (card.deductible_cents, card.deductible_met_cents, card.deductible_remaining_cents) == (
        100000, 65000, 35000)  # fmt: skip
    assert (card.out_of_pocket_cents, card.out_of_pocket_met_cents,
            card.out_of_pocket_remaining_cents) == (500000, 120000, 380000)  # fmt: skip
    assert card.plan == "BLUE PREFERRED 1000" and card.group_number == "G77"
    assert card.insurance_type == "commercial" and card.trace_numbers == ("CD5",)
    assert card.warnings == ()
    assert len(card.source_lines) == len(ACTIVE)


def test_written_rejections_and_inactive_and_dependent():
    unknown = build_271(response(subscriber=Subject(JOHN, rejections=(Rejection("72"),))))
    (card,) = read_271(unknown)
    assert card.status == "rejected" and "member ID invalid" in card.reason
    assert "AAA*N**72*C" in card.source_lines

    payer = build_271(response(payer_rejections=(Rejection("79"),)))
    (card,) = read_271(payer)
    assert card.subject == "information source" and "participant identification" in card.reason

    ended = Subject(JOHN, plan_begin=dt.date(2020, 1, 1), plan_end=dt.date(2025, 12, 31),
                    benefits=(Benefit("6", "IND", messages=("No coverage on 10/14/2026.",)),))  # fmt: skip
    (card,) = read_271(build_271(response(subscriber=ended)))
    assert card.status == "inactive" and card.coverage_active is False
    assert card.plan_end == dt.date(2025, 12, 31)
    assert card.messages == ("No coverage on 10/14/2026.",)

    dep = Subject(MIA, trace_number="CD5", benefits=ACTIVE[:2])
    cards = read_271(build_271(response(subscriber=Subject(JOHN), dependent=dep)))
    assert [c.subject for c in cards] == ["dependent"]
    assert cards[0].patient_name == "DOE, MIA" and cards[0].member_id == "XJB1"
