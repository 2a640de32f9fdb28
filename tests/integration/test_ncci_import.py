"""Importing the CMS NCCI PTP and MUE files: good files, broken ones (nothing changes),
re-imports that replace, and the `claimdesk codes import --kind ncci-ptp|mue` commands.

The fixtures are synthetic rows in the CMS layout (tests/fixtures)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cli.main import cli
from core.errors import ImportFileError
from core.services import ncci
from db.models import AuditRecord, CodeSetRelease, MueEdit, NcciPtpEdit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PTP = FIXTURES / "ncci_ptp_sample.txt"
MUE = FIXTURES / "mue_sample.csv"
PTP_HEADER = (
    "Column 1\tColumn 2\t* = In existence prior to 1996\tEffective Date\tDeletion Date *=no data"
    "\tModifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale\n"
)
MUE_HEADER = (
    "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
)


def count(store, model) -> int:
    with store.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def pairs(store) -> set[tuple]:
    with store.uow() as uow:
        return set(
            uow.session.execute(
                select(NcciPtpEdit.column1, NcciPtpEdit.column2, NcciPtpEdit.modifier_indicator)
            )
        )


# -- PTP --------------------------------------------------------------------------------------
def test_import_the_ptp_sample(store):
    result = ncci.import_ncci_ptp(store, PTP)
    assert (result.kind, result.total, result.added, result.replaced) == ("ncci-ptp", 6, 6, 0)
    assert ("97530", "97140", "1") in pairs(store) and ("G0008", "90471", "0") in pairs(store)
    with store.uow() as uow:
        s = uow.session
        deleted = s.scalars(select(NcciPtpEdit).where(NcciPtpEdit.column1 == "93000")).one()
        assert deleted.effective_from == dt.date(1996, 1, 1)
        assert deleted.deleted_on == dt.date(2021, 1, 1)
        assert deleted.rationale == "Synthetic: an edit that was deleted"
        release = s.scalars(select(CodeSetRelease).where(CodeSetRelease.kind == "ncci-ptp")).one()
        assert release.code_count == 6 and release.loaded_by == "tester"
        assert deleted.release_id == release.id
        audit = s.scalars(select(AuditRecord).where(AuditRecord.entity_id == "ncci-ptp")).one()
        assert audit.action == "import" and "Imported 6" in audit.summary


def test_a_new_import_replaces_the_previous_set(store, tmp_path):
    ncci.import_ncci_ptp(store, PTP)
    newer = tmp_path / "ptp_q2.txt"
    newer.write_text("Notes first\n" + PTP_HEADER + "99213\t99211\t\t20260401\t*\t0\tSynthetic\n")
    result = ncci.import_ncci_ptp(store, newer)
    assert (result.total, result.replaced) == (1, 6)
    assert pairs(store) == {("99213", "99211", "0")}
    with store.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CodeSetRelease)) == 2


@pytest.mark.parametrize(
    "body,message",
    [
        ("97530\t9714\t\t20200101\t*\t1\tx\n", "line 3: the column 2 code '9714' is not a CPT"),
        ("\t97140\t\t20200101\t*\t1\tx\n", "line 3: the column 1 code '(empty)'"),
        ("97530\t97140\t\t2020-13-01\t*\t1\tx\n", "line 3: the effective date '2020-13-01'"),
        ("97530\t97140\t\t20200101\tnever\t1\tx\n", "line 3: the deletion date 'never'"),
        ("97530\t97140\t\t20200101\t*\t2\tx\n", "line 3: the modifier indicator '2' must be"),
        ("97530\t97140\t\t20200101\t*\t1\tx\n97530\t97140\t\t20200101\t*\t\tx\n",
         "line 4: the modifier indicator '(empty)'"),
        ("", "has no NCCI PTP edit rows"),
    ],
)  # fmt: skip
def test_a_bad_ptp_line_changes_nothing(store, tmp_path, body, message):
    ncci.import_ncci_ptp(store, PTP)
    before = pairs(store)
    bad = tmp_path / "bad.txt"
    bad.write_text("Synthetic notes line\n" + PTP_HEADER + body)
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ncci.import_ncci_ptp(store, bad)
    assert pairs(store) == before
    with store.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CodeSetRelease)) == 1


@pytest.mark.parametrize(
    "text,message",
    [
        ("just some notes\nno table here\n", "no header row"),
        ("Column 1\tColumn 2\tEffective Date\tModifier\n97530\t97140\t20200101\t1\n",
         "line 1: the header has no Deletion Date column"),
        ("Column 1\tColumn 2\n97530\t97140\n", "Effective Date, Deletion Date, Modifier"),
    ],
)  # fmt: skip
def test_a_ptp_file_without_the_columns(store, tmp_path, text, message):
    bad = tmp_path / "bad.txt"
    bad.write_text(text)
    with pytest.raises(ImportFileError, match=message):
        ncci.import_ncci_ptp(store, bad)
    assert count(store, NcciPtpEdit) == 0


def test_an_empty_or_missing_file(store, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ImportFileError, match="is empty"):
        ncci.import_ncci_ptp(store, tmp_path / "empty.txt")
    with pytest.raises(ImportFileError, match="does not exist"):
        ncci.import_mue(store, tmp_path / "nope.csv")


def test_ptp_header_over_two_rows_and_csv_layout():
    two_rows = (
        "CPT codes copyright notes\n"
        "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit\n"
        "\t\tprior to 1996\tDate\tDate *=no data\t0=not allowed 1=allowed 9=not applicable\t"
        "Rationale\n"
        "99213\t99211\t*\t19960101\t*\t0\tSynthetic\n"
    )
    (row,) = ncci.parse_ptp(two_rows)
    assert row == dict(column1="99213", column2="99211", effective_from=dt.date(1996, 1, 1),
                       deleted_on=None, modifier_indicator="0", rationale="Synthetic")  # fmt: skip
    as_csv = (
        '"Notes, with a comma"\n'
        "Column 1,Column 2,* = In existence prior to 1996,Effective Date,Deletion Date,"
        "Modifier 0=not allowed 1=allowed 9=not applicable,PTP Edit Rationale\n"
        '0591T,0001A,,20210101,20220101,9,"Synthetic, quoted"\n'
    )
    (row,) = ncci.parse_ptp(as_csv)
    assert (row["column1"], row["column2"], row["deleted_on"], row["rationale"]) == (
        "0591T", "0001A", dt.date(2022, 1, 1), "Synthetic, quoted",
    )  # fmt: skip


def test_a_folder_of_ptp_files_is_one_set(store, tmp_path):
    (tmp_path / "f1.txt").write_text(PTP_HEADER + "97530\t97140\t\t20200101\t*\t1\tx\n")
    (tmp_path / "f2.txt").write_text(PTP_HEADER + "11102\t17110\t\t20190101\t*\t0\tx\n")
    (tmp_path / "readme.pdf").write_bytes(b"%PDF-1.4")
    result = ncci.import_ncci_ptp(store, tmp_path)
    assert (result.total, result.files) == (2, 2)
    assert pairs(store) == {("97530", "97140", "1"), ("11102", "17110", "0")}


# -- MUE --------------------------------------------------------------------------------------
def test_import_the_mue_sample(store):
    result = ncci.import_mue(store, MUE)
    assert (result.kind, result.total, result.skipped) == ("mue", 6, 0)
    with store.uow() as uow:
        rows = {
            m.code: (m.max_units, m.adjudication_indicator)
            for m in uow.session.scalars(select(MueEdit))
        }
        assert (
            rows["97110"] == (4, "2") and rows["20610"] == (2, "1") and rows["J3301"] == (40, "3")
        )
        release = uow.session.scalars(select(CodeSetRelease).where(CodeSetRelease.kind == "mue"))
        assert release.one().code_count == 6


def test_mue_reimport_replaces_and_a_repeated_code_keeps_the_first(store, tmp_path):
    ncci.import_mue(store, MUE)
    newer = tmp_path / "mue.csv"
    newer.write_text(
        MUE_HEADER + "97110,3,2 Date of Service Edit: Policy,x\n97110,9,1 Line Edit,again\n"
    )
    result = ncci.import_mue(store, newer)
    assert (result.total, result.skipped, result.replaced) == (1, 1, 6)
    with store.uow() as uow:
        (only,) = uow.session.scalars(select(MueEdit)).all()
        assert (only.code, only.max_units, only.adjudication_indicator) == ("97110", 3, "2")


@pytest.mark.parametrize(
    "body,message",
    [
        ("97110,four,2 Date of Service Edit: Policy,x\n", "line 2: the MUE value 'four' for 97110"),
        ("97110,-1,2 Date of Service Edit: Policy,x\n", "line 2: the MUE value '-1'"),
        ("97110,4,Date of Service Edit,x\n", "line 2: the MUE adjudication indicator"),
        ("97110,4,,x\n", "adjudication indicator '\\(empty\\)'"),
        ("97110,4,2 x,x\nABC,1,1 Line Edit,x\n", "line 3: 'ABC' is not a CPT or HCPCS code"),
        ("", "has no MUE rows"),
    ],
)
def test_a_bad_mue_line_changes_nothing(store, tmp_path, body, message):
    ncci.import_mue(store, MUE)
    bad = tmp_path / "bad.csv"
    bad.write_text(MUE_HEADER + body)
    with pytest.raises(ImportFileError, match=message):
        ncci.import_mue(store, bad)
    assert count(store, MueEdit) == 6


# -- CLI --------------------------------------------------------------------------------------
def invoke(db: str, *args: str):
    return CliRunner().invoke(cli, ["--db", db, "--user", "tester", "codes", "import", *args])


def one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("claimdesk: error: ") and "Traceback" not in result.output
    return lines[0]


def test_cli_imports_ptp_and_mue(codes_store):
    db = str(codes_store.path)
    result = invoke(db, "--kind", "ncci-ptp", str(PTP), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "kind": "ncci-ptp", "file": str(PTP), "added": 6, "updated": 0, "total": 6,
        "replaced": 0,
    }  # fmt: skip
    again = invoke(db, "--kind", "ncci-ptp", str(PTP))
    assert again.exit_code == 0
    assert again.stdout.strip() == (
        f"Imported 6 NCCI PTP edits from {PTP}, replacing the 6 of the previous import."
    )
    mue = invoke(db, "--kind", "mue", str(MUE))
    assert mue.exit_code == 0 and mue.stdout.startswith("Imported 6 MUEs from ")
    assert count(codes_store, NcciPtpEdit) == 6 and count(codes_store, MueEdit) == 6


def test_cli_bad_edit_file_is_exit_1_and_changes_nothing(codes_store, tmp_path):
    db = str(codes_store.path)
    assert invoke(db, "--kind", "mue", str(MUE)).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(MUE_HEADER + "97110,4,7 Something,x\n")
    result = invoke(db, "--kind", "mue", str(bad))
    assert result.exit_code == 1
    assert "bad.csv, line 2: the MUE adjudication indicator" in one_line_error(result)
    assert count(codes_store, MueEdit) == 6
    wrong = invoke(db, "--kind", "ncci-ptp", str(MUE))  # the MUE file given as PTP
    assert wrong.exit_code == 1 and "not a CMS NCCI PTP edit file" in one_line_error(wrong)


def test_cli_bad_edit_file_does_not_create_a_database(tmp_path):
    new_db = tmp_path / "new.db"
    bad = tmp_path / "bad.txt"
    bad.write_text(PTP_HEADER + "97530\t97140\t\t20200101\t*\tX\tx\n")
    for args in (("--kind", "ncci-ptp", str(bad)), ("--kind", "mue", str(tmp_path / "no.csv"))):
        result = invoke(str(new_db), *args)
        assert result.exit_code == 1, result.output
        one_line_error(result)
    assert not new_db.exists()


def test_cli_unknown_kind_is_a_usage_error(codes_store):
    result = invoke(str(codes_store.path), "--kind", "ncci", str(PTP))
    assert result.exit_code == 2
