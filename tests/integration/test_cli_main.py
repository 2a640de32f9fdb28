"""The CLI contract for the global options and `claimdesk db upgrade`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.store import Store
from db import migrate

CLAIMDESK = str(Path(sys.executable).with_name("claimdesk"))


def run(
    *args: str, env: dict | None = None, home: Path | None = None
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CLAIMDESK_DB", None) if env is None or "CLAIMDESK_DB" not in env else None
    if home is not None:
        full_env["CLAIMDESK_HOME"] = str(home)
    return subprocess.run([CLAIMDESK, *args], capture_output=True, text=True, env=full_env,
                          timeout=300)  # fmt: skip


def test_help_everywhere(tmp_path):
    for args in ([], ["db"], ["db", "upgrade"], ["seed"], ["codes"], ["codes", "search"],
                 ["codes", "import"]):  # fmt: skip
        result = run(*args, "--help", home=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
        assert "Usage:" in result.stdout


def test_usage_errors_exit_2(tmp_path):
    result = run("no-such-command", home=tmp_path)
    assert result.returncode == 2 and "No such command" in result.stderr
    result = run("db", "upgrade", "--bogus", home=tmp_path)
    assert result.returncode == 2


def test_db_upgrade_on_a_new_file_then_again(tmp_path):
    db = tmp_path / "office.db"
    first = run("--db", str(db), "db", "upgrade", "--json", home=tmp_path)
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["from"] is None and out["to"] == migrate.head_revision()
    assert out["codes_loaded"]["icd10"] > 70000
    again = json.loads(run("--db", str(db), "db", "upgrade", "--json", home=tmp_path).stdout)
    assert again["from"] == again["to"] and again["codes_loaded"] == {}
    assert Store(str(db)).is_current()


def test_claimdesk_db_env_var_and_sqlite_url(tmp_path):
    db = tmp_path / "env.db"
    result = run("db", "upgrade", env={"CLAIMDESK_DB": f"sqlite:///{db}"}, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert db.exists()


@pytest.mark.parametrize(
    "url,message",
    [
        ("nosuchdialect://x/y", "Cannot open the database"),
        ("/no/such/folder/x.db", "does not exist"),
        ("postgresql://", "Cannot"),
        ("  ", "empty"),
    ],
)
def test_bad_database_url_is_one_line_exit_1_and_writes_nothing(tmp_path, url, message):
    result = run("--db", url, "db", "upgrade", home=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("claimdesk: error:"), result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert not any(tmp_path.glob("*.db")), "nothing may be written"


def test_a_file_that_is_not_a_database(tmp_path):
    junk = tmp_path / "notes.db"
    junk.write_text("this is not sqlite\n" * 50)
    result = run("--db", str(junk), "db", "upgrade", home=tmp_path)
    assert result.returncode == 1
    assert "claimdesk: error:" in result.stderr and "Traceback" not in result.stderr
    assert junk.read_text() == "this is not sqlite\n" * 50


def test_default_database_lives_in_the_data_dir(tmp_path):
    result = run("db", "upgrade", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "claimdesk.db").exists()
    assert not (tmp_path / "claimdesk-demo.db").exists()


def test_first_use_creates_the_data_folder(tmp_path):
    home = tmp_path / "fresh" / "share" / "claimdesk"
    result = run("db", "upgrade", home=home)
    assert result.returncode == 0, result.stderr
    assert (home / "claimdesk.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["db", "upgrade"],
        ["codes", "search", "E11.9"],
        ["codes", "search", "diabetes", "--json"],
        ["codes", "import", "--kind", "cpt", "{file}"],
        ["seed", "--demo", "--patients", "5", "--encounters", "5"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
@pytest.mark.parametrize("url", ["nosuchdialect://x/y", "/no/such/folder/x.db"])
def test_every_command_refuses_a_bad_url(tmp_path, args, url):
    cpt = tmp_path / "cpt.txt"
    cpt.write_text("99213\tOffice visit, our words\n")
    argv = [a.replace("{file}", str(cpt)) for a in args]
    result = run("--db", url, *argv, home=tmp_path / "home")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("claimdesk: error:")
    assert result.stdout == ""
    assert not list(tmp_path.rglob("*.db"))
