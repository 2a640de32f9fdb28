"""The `claimdesk codes` contract: exit codes, one-line errors, the JSON shapes.

Most tests drive the click group in-process (CliRunner); one runs the installed console script
for the acceptance query. Import files are synthetic.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cli.main import cli
from db.models import Code

CLAIMDESK = str(Path(sys.executable).with_name("claimdesk"))
SEARCH_KEYS = {"kind", "code", "description", "billable", "is_demo", "effective_from",
               "effective_to"}  # fmt: skip


@pytest.fixture
def db(codes_store) -> str:
    return str(codes_store.path)


def invoke(db: str, *args: str):
    return CliRunner().invoke(cli, ["--db", db, "--user", "tester", "codes", *args])


def one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("claimdesk: error: ")
    assert "Traceback" not in result.output
    return lines[0]


def code_count(store) -> int:
    with store.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Code))


# -- search -----------------------------------------------------------------------------------
def test_acceptance_through_the_console_script(db, tmp_path):
    env = {**os.environ, "CLAIMDESK_HOME": str(tmp_path)}
    env.pop("CLAIMDESK_DB", None)
    argv = [CLAIMDESK, "--db", db, "codes", "search", "diabetes without complications", "--json"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    codes = [row["code"] for row in json.loads(result.stdout)]
    assert "E11.9" in codes[:5]


def test_search_json_shape(db):
    result = invoke(db, "search", "E11", "--json", "--kind", "icd10", "--limit", "5")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 5 and all(set(row) == SEARCH_KEYS for row in rows)
    assert rows[0] == {
        "kind": "icd10", "code": "E11", "description": "Type 2 diabetes mellitus",
        "billable": False, "is_demo": False, "effective_from": None, "effective_to": None,
    }  # fmt: skip
    assert rows[1]["billable"] is True


def test_search_text_table(db):
    result = invoke(db, "search", "E11.9")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["CODE", "BILL", "DESCRIPTION"]
    assert lines[1].split()[:2] == ["E11.9", "yes"]
    assert "Type 2 diabetes mellitus without complications" in lines[1]


def test_search_marks_categories_and_demo_wording(db):
    assert " no " in invoke(db, "search", "E11", "--kind", "icd10", "--limit", "1").stdout
    result = invoke(db, "search", "99213")
    assert "demo wording" in result.stdout and "not the AMA descriptor" in result.stderr


def test_no_results_is_exit_0(db):
    result = invoke(db, "search", "qqqzzzxxy")
    assert result.exit_code == 0
    assert result.stdout.strip() == "No codes match 'qqqzzzxxy'."
    assert json.loads(invoke(db, "search", "qqqzzzxxy", "--json").stdout) == []


@pytest.mark.parametrize("text", ['"', "AND", "(", "*", "-", "NEAR(", "a:b"])
def test_search_odd_input_is_exit_0(db, text):
    assert invoke(db, "search", text).exit_code == 0


def test_search_on_a_date(db):
    result = invoke(db, "search", "E11.9", "--date", "2026-10-14", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["code"] == "E11.9"


@pytest.mark.parametrize("date", ["2026-13-01", "yesterday", "14/10/2026"])
def test_bad_date_is_exit_1_one_line(db, date):
    result = invoke(db, "search", "E11", "--date", date)
    assert result.exit_code == 1
    assert "is not a date" in one_line_error(result)


@pytest.mark.parametrize(
    "args",
    [
        ("search", "E11", "--kind", "icd9"),
        ("search", "E11", "--limit", "0"),
        ("search",),
        ("import", "--kind", "icd10", "x.csv"),
        ("import", "x.csv"),
    ],
)
def test_usage_errors_exit_2(db, args):
    result = invoke(db, *args)
    assert result.exit_code == 2, result.output


def test_help_for_every_command(db):
    for args in ((), ("search",), ("import",)):
        result = CliRunner().invoke(cli, ["codes", *args, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.stdout


# -- import -----------------------------------------------------------------------------------
def test_import_json_and_text(db, codes_store, tmp_path):
    path = tmp_path / "carc.csv"
    path.write_text("Code,Description,Start,Stop\n901,Synthetic reason,01/01/2026,\n")
    result = invoke(db, "import", "--kind", "carc", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "kind": "carc", "file": str(path), "added": 1, "updated": 0, "total": 1,
    }  # fmt: skip
    path.write_text('Code,Description,Start,Stop\n901,"Synthetic reason, reworded",01/01/2026,\n')
    text = invoke(db, "import", "--kind", "carc", str(path))
    assert text.exit_code == 0
    assert text.stdout.startswith("Imported 1 CARC codes from ")
    assert "0 added, 1 updated, 0 unchanged" in text.stdout
    found = json.loads(invoke(db, "search", "901", "--kind", "carc", "--json").stdout)
    assert found[0]["description"] == "Synthetic reason, reworded"
    assert found[0]["effective_from"] == "2026-01-01"


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("missing.csv", None, "does not exist"),
        ("empty.csv", "", "is empty"),
        ("wrong.csv", "Name,Value\nx,y\n", "not a CPT code file"),
        ("hcpcs.csv", "code,description\nJ3301,Synthetic\n", "is not a CPT code"),
    ],
)
def test_import_bad_file_is_exit_1_and_writes_nothing(db, codes_store, tmp_path, name, content,
                                                      message):  # fmt: skip
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    before = code_count(codes_store)
    result = invoke(db, "import", "--kind", "cpt", str(path))
    assert result.exit_code == 1
    assert message in one_line_error(result)
    assert code_count(codes_store) == before


def test_import_a_directory_is_exit_1(db, tmp_path):
    result = invoke(db, "import", "--kind", "hcpcs", str(tmp_path))
    assert result.exit_code == 1 and "is a folder" in one_line_error(result)


def test_import_bad_file_does_not_create_a_database(tmp_path):
    new_db = tmp_path / "new.db"
    result = invoke(str(new_db), "import", "--kind", "cpt", str(tmp_path / "nope.txt"))
    assert result.exit_code == 1 and "does not exist" in one_line_error(result)
    assert not new_db.exists()
