"""validate_x12: pyx12's verdict, with findings that name the claim, loop and segment.

The wrapper must not be blind (corrupted files fail, and say where), must agree with pyx12's
verdicts on the public 837P samples (manifest.json), and must never raise on bad input.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from pathlib import Path

import pytest

from core.x12.envelope import Envelope
from core.x12.pyx12_check import Finding, Report, validate_x12
from core.x12.reader import read_x12

from .test_x12_837 import ENV, MIA, build, claim, line, secondary_claim

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SAMPLES = SHARED / "x12-samples"
MAPS = SHARED / "x12-maps"

GOOD = build(
    claim("CD0000000041"),
    claim("CD0000000042", patient=MIA, lines=(line(line_control_number="77"), line("36415", 0))),
    secondary_claim(patient_control_number="CD0000000043"),
).text


def corrupt(text: str, old: str, new: str, count: int = 1) -> str:
    assert old in text, old
    return text.replace(old, new, count)


def position_of(text: str, raw: str) -> int:
    return next(s.position for s in read_x12(text).segments if s.raw == raw)


def test_good_file_is_ok_with_no_findings():
    report = validate_x12(GOOD)
    assert isinstance(report, Report)
    assert report.ok and report.findings == () and report.errors == () and report.warnings == ()
    assert (report.transaction, report.version) == ("837", "005010X222A1")
    assert validate_x12(GOOD.encode("ascii")).ok


def test_missing_required_segment_names_claim_loop_and_segment():
    # Drop the second claim's HI: pyx12 notices at the next segment (LX).
    text = corrupt(
        GOOD,
        "CLM*CD0000000042*125***11:B:1*Y*A*Y*Y~\nHI*ABK:E119~\n",
        "CLM*CD0000000042*125***11:B:1*Y*A*Y*Y~\n",
    )
    report = validate_x12(text)
    assert not report.ok
    hi = [f for f in report.errors if f.segment == "HI"]
    assert hi, [str(f) for f in report.findings]
    f = hi[0]
    assert (f.claim, f.loop, f.code) == ("CD0000000042", "2300", "segment:3")
    assert "required segment HI" in f.message and f.st02 == "0042"
    assert str(f).startswith(f"claim CD0000000042, loop 2300, segment HI (#{f.position}): ")
    assert f in report.for_claim("CD0000000042") and report.for_claim("CD0000000041") == ()
    # The SE count is now wrong too, and says so in plain words.
    se = [f for f in report.errors if f.code == "transaction:4"]
    assert se and se[0].segment == "SE" and "SE01 says" in se[0].message


def test_missing_required_loop_is_named_by_its_loop():
    text = corrupt(
        GOOD, "NM1*PR*2*SANDBOX BLUE*****PI*SBX02~\nCLM*CD0000000041", "CLM*CD0000000041"
    )
    report = validate_x12(text)
    loops = [f for f in report.errors if f.loop == "2010BB"]
    assert loops and "required loop 2010BB" in loops[0].message, [str(f) for f in report.errors]


def test_bad_se_count_alone():
    se = next(s for s in GOOD.split("~\n") if s.startswith("SE*"))
    count = int(se.split("*")[1])
    report = validate_x12(corrupt(GOOD, f"\n{se}~", f"\nSE*{count + 1}*0042~"))
    assert not report.ok
    (f,) = report.errors
    assert (f.code, f.segment, f.st02, f.claim) == ("transaction:4", "SE", "0042", None)
    assert f.position == position_of(GOOD, se)
    assert f"says the transaction has {count + 1} segments, but it has {count}" in f.message
    assert str(f).startswith(f"transaction 0042, segment SE (#{f.position}): ")


def test_bad_elements_in_the_envelope_are_reported_too():
    # pyx12's JSON report leaves these out; the wrapper asks pyx12's segment validator itself.
    report = validate_x12(corrupt(GOOD, "*CLEARHOUSE*20261014*", "*CLEARHOUSE*20261314*"))
    (f,) = report.errors
    assert (f.segment, f.position, f.element, f.code) == ("GS", 2, "GS04", "element:8")
    assert "not a valid date" in f.message
    report = validate_x12(corrupt(GOOD, "*0*T*:~", "*0*Q*:~"))
    assert [(f.segment, f.element) for f in report.errors] == [("ISA", "ISA15")]


def test_bad_code_value_in_a_service_line():
    old = "SV1*HC:36415*0*UN*1***1"
    text = corrupt(GOOD, old, "SV1*HC:36415*0*XX*1***1")
    report = validate_x12(text)
    (f,) = report.errors
    assert (f.claim, f.loop, f.segment, f.element, f.code) == (
        "CD0000000042",
        "2400",
        "SV1",
        "SV103",
        "element:7",
    )
    assert f.position == position_of(GOOD, old)
    assert "holds a code that is not valid here: 'XX'" in f.message
    assert str(f) == f"claim CD0000000042, loop 2400, segment SV1 (#{f.position}): {f.message}"


def test_bad_date_in_the_secondary_claims_line_adjudication():
    text = corrupt(GOOD, "DTP*573*D8*20261020", "DTP*573*D8*20261320")
    (f, *_) = validate_x12(text).errors
    assert (f.claim, f.loop, f.segment, f.element) == ("CD0000000043", "2430", "DTP", "DTP03")
    assert "not a valid date" in f.message


def test_envelope_trailer_mismatches():
    report = validate_x12(corrupt(GOOD, "IEA*1*000000042", "IEA*1*000000043"))
    assert [(f.code, f.segment) for f in report.errors] == [("interchange:001", "IEA")]
    report = validate_x12(corrupt(GOOD, "GE*1*42", "GE*2*42"))
    assert [(f.code, f.segment) for f in report.errors] == [("group:5", "GE")]


def test_pyx12_crash_on_a_malformed_segment_becomes_a_finding():
    # Five diagnosis pointers in SV107 make pyx12 4.0.0 raise IndexError inside its validator.
    text = corrupt(GOOD, "SV1*HC:36415*0*UN*1***1", "SV1*HC:36415*0*UN*1***1:2:3:4:5")
    report = validate_x12(text)
    assert not report.ok
    (f,) = report.errors
    assert (f.code, f.segment, f.claim, f.loop) == ("pyx12:failed", "SV1", "CD0000000042", "2400")
    assert "IndexError" in f.detail and "not valid" in f.message


@pytest.mark.parametrize(
    "data,code,words",
    [
        (b"", "file:empty", "empty"),
        ("   \n\t", "file:empty", "empty"),
        (b"\x00\xff\xfe garbage", "file:not-x12", "not an X12 file"),
        ("hello, world", "file:not-x12", "'hello, world'"),
        (
            "ST*837*0001*005010X222A1~BHT*0019*00*1*20260101*1200*CH~SE*3*0001~",
            "file:no-isa",
            "no ISA",
        ),
        ("ISA*00*", "file:isa", "ends inside its ISA"),
        (
            "ISA*00**00**ZZ*A*ZZ*B*261014*0930*^*00501*000000042*0*T*:~" + "X" * 60,
            "file:isa",
            "106",
        ),
    ],
)
def test_input_pyx12_cannot_take_gives_a_reason_not_an_exception(data, code, words):
    report = validate_x12(data)
    assert not report.ok
    assert [f.code for f in report.errors] == [code]
    assert words in report.errors[0].message


def test_no_isa_still_reports_the_transaction_and_version():
    report = validate_x12("ST*837*0001*005010X222A1~BHT*0019*00*1*20260101*1200*CH~SE*3*0001~")
    assert (report.transaction, report.version) == ("837", "005010X222A1")


def test_a_version_pyx12_has_no_map_for_is_named():
    report = validate_x12(GOOD.replace("005010X222A1", "005010X222A2"))
    assert not report.ok and report.version == "005010X222A2"
    (f,) = report.errors
    assert f.code == "map:not-found" and (f.segment, f.element) == ("GS", "GS08")
    assert "pyx12 has no map for 005010X222A2" in f.message and "005010X222A1" in f.message


def test_byte_order_mark_and_leading_blank_lines_are_warnings():
    report = validate_x12(b"\xef\xbb\xbf\r\n" + GOOD.encode())
    assert report.ok and report.errors == ()
    assert [f.code for f in report.warnings] == ["file:bom", "file:leading-space"]
    assert str(report.warnings[0]).startswith("warning: ")


def test_finding_text_without_a_claim():
    f = Finding("error", "segment:3", "the required segment X is missing", "N4", 12, "2010AA")
    assert str(f) == "loop 2010AA, segment N4 (#12): the required segment X is missing"
    assert str(Finding("error", "file:empty", "The file is empty.")) == "The file is empty."


def test_pyx12_logging_stays_quiet(caplog):
    caplog.set_level(logging.DEBUG)
    broken = corrupt(GOOD, "SV1*HC:36415*0*UN*1***1", "SV1*HC:36415*0*XX*1***1")
    assert not validate_x12(broken).ok
    assert not [r for r in caplog.records if r.name.startswith("pyx12")]
    assert logging.getLogger("pyx12").propagate is False


def test_safe_from_worker_threads():
    broken = corrupt(GOOD, "SV1*HC:36415*0*UN*1***1", "SV1*HC:36415*0*XX*1***1")
    expected = {True: validate_x12(GOOD), False: validate_x12(broken)}
    results: list[tuple[bool, Report]] = []
    errors: list[BaseException] = []

    def work(good: bool) -> None:
        try:
            for _ in range(2):
                results.append((good, validate_x12(GOOD if good else broken)))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n % 2 == 0,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 8
    for good, report in results:
        assert report == expected[good]


# -- map_path ----------------------------------------------------------------------------------
def test_map_path_override_and_a_bad_one(tmp_path):
    import pyx12

    stock = tmp_path / "map"
    shutil.copytree(Path(pyx12.__file__).parent / "map", stock)
    assert validate_x12(GOOD, map_path=str(stock)).ok
    with pytest.raises(ValueError, match="maps.xml"):
        validate_x12(GOOD, map_path=str(tmp_path / "nowhere"))


def test_shared_270_map_through_map_path(tmp_path):
    import pyx12

    from core.x12.x270 import Inquiry, Person, Provider, build_270

    if not (MAPS / "maps.xml").exists():
        pytest.skip(f"the shared maps are not at {MAPS}")
    target = tmp_path / "map"
    shutil.copytree(Path(pyx12.__file__).parent / "map", target)
    for item in MAPS.glob("*.xml"):
        shutil.copy(item, target / item.name)
    text = build_270(
        Inquiry(
            envelope=Envelope("1234567893", "CLAIMDESKSBX", 42, ENV.created_at),
            payer_name="Blue",
            payer_id="SBX02",
            provider=Provider("Maple Grove", "1234567893"),
            subscriber=Person("Doe", "John", "", None, "M", member_id="XJB1"),
            trace_number="T1",
            trace_originator="9123456789",
            service_date=ENV.created_at.date(),
        )
    )
    stock = validate_x12(text)
    assert not stock.ok and stock.errors[0].code == "map:not-found"
    assert "005010X279A1" in stock.errors[0].message
    assert validate_x12(text, map_path=str(target)).ok


# -- the public samples: our verdict agrees with pyx12's (manifest.json) -----------------------
def _sample_entries() -> list[dict]:
    manifest = SAMPLES / "manifest.json"
    if not manifest.exists():
        return []
    folders = ("837P/", "837P-invalid/", "837P-no-envelope-invalid/")
    return [e for e in json.loads(manifest.read_text()) if e["file"].startswith(folders)]


ENTRIES = _sample_entries()


@pytest.mark.skipif(not ENTRIES, reason=f"public samples not found at {SAMPLES}")
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"].split("/")[-1] for e in ENTRIES])
def test_public_samples_agree_with_pyx12(entry):
    path = SAMPLES / entry["file"]
    if not path.exists():
        pytest.skip(f"{path} not found")
    verdict = entry["pyx12"]  # VALID, INVALID (n issues), ERROR [(retry: ...)]
    report = validate_x12(path.read_bytes())
    if verdict == "VALID":
        assert report.ok and report.errors == (), [str(f) for f in report.errors]
        return
    assert not report.ok and report.errors
    if verdict.startswith("ERROR"):
        version = entry["version"]
        assert any(f.code == "map:not-found" and version in f.message for f in report.errors)
    else:
        assert all(str(f) and f.message for f in report.errors)
        assert report.transaction == "837"
