"""The CLI contract of `claimdesk x12 validate` (real subprocesses; no database needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.test_x12_837 import MIA, build, claim

from .test_cli_main import run

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "x12-samples"
ERROR_KEYS = {"code", "message", "segment", "position", "loop", "claim"}
GOOD = build(claim("CD0000000041"), claim("CD0000000042", patient=MIA)).text


@pytest.fixture
def good_file(tmp_path) -> Path:
    path = tmp_path / "claims.837"
    path.write_text(GOOD)
    return path


@pytest.fixture
def bad_file(tmp_path) -> Path:
    """The second claim's service line says 'XX' where the unit code goes, and HI is gone."""
    text = GOOD.replace(
        "SV1*HC:99213*125*UN*1***1~\nDTP*472*D8*20261001~\nREF*6R*1001~\nSE",
        "SV1*HC:99213*125*XX*1***1~\nDTP*472*D8*20261001~\nREF*6R*1001~\nSE",
    )
    text = text.replace(
        "CLM*CD0000000042*125***11:B:1*Y*A*Y*Y~\nHI*ABK:E119~\n",
        "CLM*CD0000000042*125***11:B:1*Y*A*Y*Y~\n",
    )
    assert text.count("*UN*") == 1 and text.count("HI*") == 1
    path = tmp_path / "broken.837"
    path.write_text(text)
    return path


def test_help(tmp_path):
    for args in (["x12"], ["x12", "validate"]):
        result = run(*args, "--help", home=tmp_path)
        assert result.returncode == 0 and "Usage:" in result.stdout, result.stderr
    assert "validate" in run("x12", "--help", home=tmp_path).stdout


def test_valid_file_exits_0(good_file, tmp_path):
    result = run("x12", "validate", str(good_file), home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"{good_file}: valid (837 005010X222A1)"


def test_invalid_file_exits_1_with_one_error_per_line(bad_file, tmp_path):
    result = run("x12", "validate", str(bad_file), home=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith(f"{bad_file}: NOT valid (837 005010X222A1), ")
    errors = lines[1:]
    assert any(
        e.strip().startswith("claim CD0000000042, loop 2400, segment SV1 (#") and "SV103" in e
        for e in errors
    ), errors
    assert any("claim CD0000000042, loop 2300, segment HI" in e for e in errors), errors
    assert "Traceback" not in result.stderr


def test_json_output(good_file, bad_file, tmp_path):
    ok = run("x12", "validate", "--json", str(good_file), home=tmp_path)
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data == {
        "file": str(good_file),
        "valid": True,
        "transaction": "837",
        "version": "005010X222A1",
        "errors": [],
        "warnings": [],
    }
    bad = run("x12", "validate", "--json", str(bad_file), home=tmp_path)
    assert bad.returncode == 1, bad.stderr
    data = json.loads(bad.stdout)
    assert data["valid"] is False and data["warnings"] == []
    assert data["errors"] and all(ERROR_KEYS <= set(e) for e in data["errors"])
    sv1 = next(e for e in data["errors"] if e["segment"] == "SV1")
    assert (sv1["claim"], sv1["loop"]) == ("CD0000000042", "2400")
    assert isinstance(sv1["position"], int) and sv1["position"] > 20


def test_warnings_in_json(tmp_path):
    path = tmp_path / "bom.837"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    result = run("x12", "validate", "--json", str(path), home=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["valid"] is True and [w["code"] for w in data["warnings"]] == ["file:bom"]


@pytest.mark.parametrize("make", ["missing", "folder"])
def test_missing_file_or_folder_is_one_clear_line(tmp_path, make):
    target = tmp_path / "nothing.837"
    if make == "folder":
        target.mkdir()
    for extra in ([], ["--json"]):
        result = run("x12", "validate", *extra, str(target), home=tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("claimdesk: error: "), result.stderr
        assert str(target) in lines[0] and result.stdout == ""


def test_garbage_and_empty_files_are_invalid_not_crashes(tmp_path):
    for name, data in (("empty.837", b""), ("junk.837", b"\x00\x01 not x12 at all")):
        path = tmp_path / name
        path.write_bytes(data)
        result = run("x12", "validate", str(path), home=tmp_path)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert "NOT valid" in result.stdout


def test_usage_errors_exit_2(tmp_path):
    assert run("x12", "validate", home=tmp_path).returncode == 2
    assert run("x12", "validate", "--bogus", "x", home=tmp_path).returncode == 2


def test_public_sample_with_a_version_pyx12_has_no_map_for(tmp_path):
    path = SAMPLES / "837P" / "LinuxForHealth__837_005010X222A2__demo.example1.837"
    if not path.exists():
        pytest.skip(f"public sample {path} not found")
    result = run("x12", "validate", str(path), home=tmp_path)
    assert result.returncode == 1
    assert "pyx12 has no map for 005010X222A2" in result.stdout
