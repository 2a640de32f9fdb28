"""The CLI contract of `claimdesk eligibility ...` (real subprocesses, CLAIMDESK_HOME in tmp)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cli.main import main
from core.services import eligibility as elig
from core.store import Store
from db.models import EligibilityCheck

from .helpers import small_practice
from .test_cli_main import run

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "x12-samples"
KEYS = {
    "check_id", "patient_id", "payer_id", "member_id", "service_date", "status",
    "coverage_active", "plan", "group_number", "copay_cents", "coinsurance_percent",
    "deductible_cents", "deductible_met_cents", "deductible_remaining_cents",
    "out_of_pocket_cents", "out_of_pocket_remaining_cents", "messages", "source_lines",
}  # fmt: skip


@pytest.fixture
def office(store) -> Path:
    """A database file with the small practice (one patient, account A000001)."""
    small_practice(store)
    store.dispose()
    return store.path


def checks(path: Path) -> int:
    s = Store(str(path))
    try:
        with s.uow() as uow:
            return uow.session.scalar(select(func.count()).select_from(EligibilityCheck))
    finally:
        s.dispose()


def one_error_line(result, words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("claimdesk: error:"), result.stderr
    assert words in lines[0] and "Traceback" not in result.stderr


def test_help(tmp_path):
    for args in (["eligibility"], ["eligibility", "check"], ["eligibility", "read"],
                 ["eligibility", "history"]):  # fmt: skip
        result = run(*args, "--help", home=tmp_path)
        assert result.returncode == 0 and "Usage:" in result.stdout, result.stderr


def test_check_json_and_saved_files(office, tmp_path):
    out_dir = tmp_path / "x12"
    out_dir.mkdir()
    result = run("--db", str(office), "eligibility", "check", "--patient", "A000001",
                 "--date", "2026-10-14", "--json", "--save", str(out_dir), home=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert KEYS <= set(data)
    assert data["status"] == "answered" and data["coverage_active"] is True
    assert data["service_date"] == "2026-10-14" and data["member_id"] == "1EG4TE5MK73"
    assert data["source_lines"][0].startswith("EB*1*")
    assert Path(data["request_file"]).read_text().startswith("ISA*")
    assert "ST*271*" in Path(data["response_file"]).read_text()
    assert checks(office) == 1


def test_check_inactive_prints_plainly_and_exits_0(office, tmp_path):
    result = run("--db", str(office), "eligibility", "check", "--patient", "1",
                 "--date", "2020-01-01", home=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "COVERAGE INACTIVE" in result.stdout and "EB*6*IND*30" in result.stdout
    history = run("--db", str(office), "eligibility", "history", "--patient", "1", home=tmp_path)
    assert history.returncode == 0 and "Coverage inactive" in history.stdout


@pytest.mark.parametrize(
    "args,words",
    [
        (["--patient", "999"], "No patient with id 999"),
        (["--patient", "A9999999"], "No patient with account number"),
        (["--patient", "1", "--date", "2026-02-30"], "is not a date"),
        (["--patient", "1", "--rank", "2"], "no secondary"),
    ],
)
def test_user_errors_are_one_line_and_write_nothing(office, tmp_path, args, words):
    result = run("--db", str(office), "eligibility", "check", *args, home=tmp_path)
    one_error_line(result, words)
    assert result.stdout == ""
    assert checks(office) == 0


def test_usage_errors_exit_2(office, tmp_path):
    assert run("--db", str(office), "eligibility", "check", "--patient", "1", "--rank", "5",
               home=tmp_path).returncode == 2  # fmt: skip
    assert run("--db", str(office), "eligibility", "check", home=tmp_path).returncode == 2


def test_rejected_answer_is_exit_1_and_stored(office, monkeypatch, capsys):
    class Rejecting(elig.SandboxClearinghouse):
        """A payer that does not know the member (its records differ from ours)."""

        def exchange_270(self, request_x12: str) -> str:
            return super().exchange_270(request_x12.replace("MI*1EG4TE5MK73", "MI*NOBODY"))

    monkeypatch.setattr(elig, "SandboxClearinghouse", Rejecting)
    code = main(["--db", str(office), "eligibility", "check", "--patient", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "Check 1 (stored)" in err[0] and "member ID invalid or missing" in err[0]
    assert checks(office) == 1


def test_read_public_271_and_refuse_a_270(tmp_path):
    good = SAMPLES / "271" / "LinuxForHealth__demo-file__demo.271"
    bad = SAMPLES / "270" / "LinuxForHealth__demo-file__demo.270"
    if not (good.exists() and bad.exists()):
        pytest.skip(f"public samples not found at {SAMPLES}")
    result = run("eligibility", "read", str(good), "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    (card,) = json.loads(result.stdout)
    assert card["status"] == "active" and card["copay_cents"] == 1000
    text = run("eligibility", "read", str(good), home=tmp_path)
    assert "COVERAGE ACTIVE" in text.stdout and "GOLD 123 PLAN" in text.stdout
    one_error_line(run("eligibility", "read", str(bad), home=tmp_path), "no 271")
    one_error_line(run("eligibility", "read", str(tmp_path / "none.271"), home=tmp_path),
                   "Cannot read")  # fmt: skip
    assert not any(tmp_path.glob("*.db")), "reading a file opens no database"
