"""The 270 builder, ClaimDesk's own 270 checks, and pyx12 (with the shared 270 map) as referee."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest

from core.x12.envelope import Envelope
from core.x12.reader import read_x12
from core.x12.validate270 import validate_270
from core.x12.x270 import Inquiry, Person, Provider, build_270, parse_270

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
MAPS = SHARED / "x12-maps"
SAMPLES = SHARED / "x12-samples"

NOW = dt.datetime(2026, 10, 14, 9, 30)
SUBSCRIBER = Person("Doe", "John", "Q", dt.date(1970, 5, 1), "M", member_id="XJB123456789")
CHILD = Person("Doe", "Mia", "", dt.date(2015, 8, 20), "F")


def inquiry(**over) -> Inquiry:
    data = dict(
        envelope=Envelope("1234567893", "CLAIMDESKSBX", 42, NOW),
        payer_name="Sandbox Blue",
        payer_id="SBX02",
        provider=Provider("Maple Grove Family Medicine", "1234567893"),
        subscriber=SUBSCRIBER,
        trace_number="CD000000042",
        trace_originator="9123456789",
        service_date=dt.date(2026, 10, 14),
        reference="CD000000042",
    )
    data.update(over)
    return Inquiry(**data)


def ids(text: str) -> list[str]:
    return [s.raw for s in read_x12(text).segments]


def test_subscriber_270_layout_and_envelope():
    text = build_270(inquiry())
    segs = ids(text)
    assert segs[0].startswith("ISA*00*") and len(text.splitlines()[0]) == 106
    assert segs[1:] == [
        "GS*HS*1234567893*CLAIMDESKSBX*20261014*0930*42*X*005010X279A1",
        "ST*270*0042*005010X279A1",
        "BHT*0022*13*CD000000042*20261014*0930",
        "HL*1**20*1",
        "NM1*PR*2*SANDBOX BLUE*****PI*SBX02",
        "HL*2*1*21*1",
        "NM1*1P*2*MAPLE GROVE FAMILY MEDICINE*****XX*1234567893",
        "HL*3*2*22*0",
        "TRN*1*CD000000042*9123456789",
        "NM1*IL*1*DOE*JOHN*Q***MI*XJB123456789",
        "DMG*D8*19700501*M",
        "DTP*291*D8*20261014",
        "EQ*30",
        "SE*13*0042",
        "GE*1*42",
        "IEA*1*000000042",
    ]
    isa = read_x12(text).segments[0]
    assert isa.el(13) == "000000042" and isa.el(15) == "T" and isa.el(16) == ":"
    assert validate_270(text) == []


def test_dependent_270_has_hl_23_and_keeps_the_subscriber_in_2100c():
    text = build_270(inquiry(dependent=CHILD))
    segs = ids(text)
    hl3 = segs.index("HL*3*2*22*1")
    assert segs[hl3 + 1] == "NM1*IL*1*DOE*JOHN*Q***MI*XJB123456789"
    assert segs[hl3 + 2] == "DMG*D8*19700501*M"
    assert segs[hl3 + 3 : hl3 + 9] == [
        "HL*4*3*23*0",
        "TRN*1*CD000000042*9123456789",
        "NM1*03*1*DOE*MIA",
        "DMG*D8*20150820*F",
        "DTP*291*D8*20261014",
        "EQ*30",
    ]
    assert validate_270(text) == []


def test_person_provider_and_cleaning_of_separators():
    q = inquiry(
        provider=Provider("Example", "1245319599", first_name="Rosa"),
        subscriber=Person("O'Neil*Smith~", "Ann:Marie", member_id="ab^12", date_of_birth=None),
    )
    text = build_270(q)
    segs = ids(text)
    assert "NM1*1P*1*EXAMPLE*ROSA****XX*1245319599" in segs
    assert "NM1*IL*1*O'NEIL SMITH*ANN MARIE****MI*AB 12" in segs
    assert validate_270(text) == []


def test_parse_270_round_trip():
    q = inquiry(dependent=CHILD)
    back = parse_270(build_270(q))
    assert back.payer_id == "SBX02" and back.provider.npi == "1234567893"
    assert back.subscriber.member_id == "XJB123456789"
    assert back.dependent == Person("DOE", "MIA", "", dt.date(2015, 8, 20), "F")
    assert back.trace_number == "CD000000042" and back.service_date == dt.date(2026, 10, 14)
    assert back.envelope.control_number == 42 and back.service_types == ("30",)


# -- corrupted output: each yields a finding that names the segment ---------------------------
def corrupt(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


GOOD = build_270(inquiry())


@pytest.mark.parametrize(
    "old,new,element,words",
    [
        ("SE*13*0042", "SE*12*0042", "SE01", "13"),
        ("SE*13*0042", "SE*13*0043", "SE02", "ST02"),
        ("NM1*PR*2*SANDBOX BLUE*****PI*SBX02~\n", "", "NM1", "no NM1"),
        ("*XX*1234567893~\nHL*3", "*XX*1234567890~\nHL*3", "NM109", "check digit"),
        ("IEA*1*000000042", "IEA*1*000000043", "IEA02", "ISA13"),
        ("GE*1*42", "GE*1*41", "GE02", "GS06"),
        ("GE*1*42", "GE*2*42", "GE01", "transactions"),
        ("HL*3*2*22*0", "HL*3*1*22*0", "HL02", "level 21"),
        ("HL*3*2*22*0", "HL*4*2*22*0", "HL01", "sequence"),
        ("HL*3*2*22*0", "HL*3*2*22*1", "HL04", "no children"),
        ("DTP*291*D8*20261014", "DTP*291*D8*20261341", "DTP03", "not a date"),
        ("DMG*D8*19700501*M", "DMG*D8*19700501*X", "DMG03", "one of"),
        ("EQ*30~\n", "", "EQ", "asks nothing"),
        ("*ZZ*1234567893     *", "*ZZ*1234567893 *", "ISA", "106"),
        ("DMG*D8*19700501*M", "DMG*D8*19700501*M~\nDMG*D8*19700501*M", "DMG", "appears 2 times"),
        ("TRN*1*CD000000042*9123456789~\n", "", "SE01", "segments"),
        ("NM1*IL*1*DOE*JOHN*Q***MI*XJB123456789", "NM1*IL*1*DOE*JOHN*Q", "NM108", "required"),
        ("BHT*0022*13", "BHT*0022*11", "BHT02", "13"),
    ],
)
def test_corrupted_270_gives_findings(old, new, element, words):
    findings = validate_270(corrupt(GOOD, old, new))
    assert findings, "a corrupted file must not pass"
    hits = [f for f in findings if f.element == element or f.segment == element]
    assert hits, [str(f) for f in findings]
    assert any(words in str(f) for f in hits), [str(f) for f in hits]
    assert all(f.position > 0 for f in findings)


def test_out_of_order_and_foreign_segments():
    moved = corrupt(GOOD, "TRN*1*CD000000042*9123456789~\nNM1*IL*1*DOE*JOHN*Q***MI*XJB123456789",
                    "NM1*IL*1*DOE*JOHN*Q***MI*XJB123456789~\nTRN*1*CD000000042*9123456789")  # fmt: skip
    assert any("out of order" in str(f) for f in validate_270(moved))
    foreign = corrupt(GOOD, "EQ*30~", "EQ*30~\nCLM*1*100")
    assert any("CLM" in f.segment for f in validate_270(foreign))


def test_garbage_is_one_finding():
    (finding,) = validate_270("nothing to see")
    assert "not an X12 file" in str(finding)


@pytest.mark.parametrize("name", ["LinuxForHealth__demo-file__demo.270",
                                  "LinuxForHealth__270_005010X279A1__dependent-health-benefit-check.270"])  # fmt: skip
def test_public_5010_samples_pass_our_checks(name):
    path = SAMPLES / "270" / name
    if not path.exists():
        pytest.skip(f"public sample {path} not found")
    assert validate_270(path.read_bytes()) == []


# -- the referee: pyx12 with the shared 270 map ------------------------------------------------
@pytest.fixture(scope="module")
def pyx12_map_dir(tmp_path_factory) -> Path:
    try:
        import pyx12
    except ImportError:  # pragma: no cover
        pytest.skip("pyx12 is not installed")
    needed = ["270.5010.X279.A1.xml", "maps.xml"]
    if not all((MAPS / n).exists() for n in needed):
        pytest.skip(f"the shared 270 map is not at {MAPS}")
    target = tmp_path_factory.mktemp("pyx12") / "map"
    shutil.copytree(Path(pyx12.__file__).parent / "map", target)
    for item in MAPS.glob("*.xml"):
        shutil.copy(item, target / item.name)
    return target


def _errors(node) -> list:
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "errors" and value:
                out.extend(value)
            else:
                out.extend(_errors(value))
    elif isinstance(node, list):
        for item in node:
            out.extend(_errors(item))
    return out


def referee(map_dir: Path, text: str, tmp_path: Path) -> tuple[bool, list]:
    import pyx12.params
    import pyx12.x12n_document

    src = tmp_path / "out.270"
    src.write_text(text)
    report = io.StringIO()
    try:
        ok = pyx12.x12n_document.x12n_document(
            pyx12.params.params(), str(src), None, None, fd_json=report, map_path=str(map_dir)
        )
    except Exception as exc:  # pragma: no cover - a map pyx12 cannot load
        pytest.skip(f"pyx12 cannot use the shared 270 map: {exc}")
    return ok, _errors(json.loads(report.getvalue() or "{}"))


@pytest.mark.parametrize("dependent", [None, CHILD], ids=["subscriber", "dependent"])
def test_pyx12_referee_passes_our_270(pyx12_map_dir, tmp_path, dependent):
    text = build_270(inquiry(dependent=dependent))
    ok, errors = referee(pyx12_map_dir, text, tmp_path)
    assert ok and errors == [], errors


def test_pyx12_referee_is_not_blind(pyx12_map_dir, tmp_path):
    broken = corrupt(GOOD, "NM1*IL*1*DOE*JOHN*Q***MI*XJB123456789~\n", "")
    ok, errors = referee(pyx12_map_dir, broken, tmp_path)
    assert not ok or errors
