"""Code sets against a migrated SQLite file: the built-in load, search, checks and importers.

Import fixtures are written here, with synthetic codes and wording only.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select

from core.errors import ImportFileError, ValidationError
from core.services import codesets as cs
from db import queries
from db.models import AuditRecord, Code, CodeSetRelease

D = dt.date


def counts(store) -> dict[str, int]:
    with store.uow() as uow:
        rows = uow.session.execute(select(Code.kind, func.count()).group_by(Code.kind))
        return {kind: n for kind, n in rows}


def n_rows(store, model) -> int:
    with store.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


# -- built-in load ----------------------------------------------------------------------------
def test_builtin_load_counts_releases_and_audit(codes_store):
    by_kind = counts(codes_store)
    assert by_kind["icd10"] > 90_000
    assert 60 <= by_kind["hcpcs"] <= 150 and 40 <= by_kind["cpt"] <= 100
    assert set(by_kind) == set(cs.KINDS)
    with codes_store.uow() as uow:
        releases = uow.session.scalars(select(CodeSetRelease)).all()
        assert sorted(r.kind for r in releases) == sorted(cs.KINDS)
        icd = next(r for r in releases if r.kind == "icd10")
        assert "April 2026" in icd.release and icd.code_count == by_kind["icd10"]
        audits = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.entity == "code_set")
        ).all()
        assert sorted(a.entity_id for a in audits) == sorted(cs.KINDS)
        assert {a.action for a in audits} == {"import"}


def fts_is_consistent(store) -> bool:
    """FTS5's own check that the external-content index matches the codes table."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO codes_fts(codes_fts, rank) VALUES ('integrity-check', 1)")
        triggers = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'codes'"
        ).scalars()
        return set(triggers) == {"codes_fts_ai", "codes_fts_ad", "codes_fts_au"}


def test_builtin_load_keeps_the_search_index_whole(codes_store):
    assert fts_is_consistent(codes_store)


def test_builtin_load_is_idempotent(codes_store):
    before = counts(codes_store), n_rows(codes_store, CodeSetRelease)
    assert cs.load_builtin(codes_store) == {}
    assert (counts(codes_store), n_rows(codes_store, CodeSetRelease)) == before


def test_icd10_rows_billable_parents_and_hints(codes_store):
    e119, e11 = cs.lookup(codes_store, "icd10", "E11.9"), cs.lookup(codes_store, "icd10", "e11")
    assert e119.billable and e119.parent_code == "E11" and not e119.is_demo
    assert e119.effective_from is None and e119.effective_to is None
    assert e11 is not None and not e11.billable and e11.parent_code is None  # blocks are skipped
    assert cs.lookup(codes_store, "icd10", "A00-A09") is None  # a block is not a code
    assert cs.lookup(codes_store, "icd10", "C50").billable is False  # block and category
    assert cs.lookup(codes_store, "icd10", "S93.401A").parent_code == "S93.401"
    assert cs.lookup(codes_store, "icd10", "O80").sex == "F"
    assert cs.lookup(codes_store, "icd10", "P07.30").age_max == 0
    assert cs.lookup(codes_store, "icd10", "N40.0").sex == "M"


def test_cpt_demo_rows_say_so(codes_store):
    cpt = cs.lookup(codes_store, "cpt", "99213")
    assert cpt.is_demo and cpt.billable
    with codes_store.uow() as uow:
        sources = set(uow.session.scalars(select(Code.source).where(Code.kind == "cpt")))
    assert sources == {"ClaimDesk demo wording (not AMA CPT descriptors)"}


# -- search -----------------------------------------------------------------------------------
def test_acceptance_diabetes_without_complications(codes_store):
    found = cs.search(codes_store, "diabetes without complications")
    assert "E11.9" in [c.code for c in found[:5]]
    assert all(isinstance(c, cs.CodeOut) for c in found)


@pytest.mark.parametrize("text", ["E11.9", "e119", "E119", " e11.9 "])
def test_code_search_finds_the_exact_code_first(codes_store, text):
    found = cs.search(codes_store, text)
    assert found[0].code == "E11.9" and found[0].kind == "icd10" and found[0].billable


def test_category_prefix_lists_the_category_then_billable_codes(codes_store):
    found = cs.search(codes_store, "E11", kind="icd10")
    assert found[0].code == "E11" and found[0].billable is False
    assert all(c.code.startswith("E11") for c in found)
    assert all(c.billable for c in found[1:])
    assert [c.code for c in found[1:3]] == ["E11.8", "E11.9"]  # shorter codes first


def test_procedure_and_other_prefixes(codes_store):
    assert cs.search(codes_store, "992")[0].code == "99202"
    assert "J3301" in [c.code for c in cs.search(codes_store, "J33")]
    assert cs.search(codes_store, "J33", kind="hcpcs")[0].code == "J3301"
    kinds = {(c.kind, c.code) for c in cs.search(codes_store, "25")}
    assert {("modifier", "25"), ("pos", "25")} <= kinds
    assert cs.search(codes_store, "GA", kind="modifier")[0].code == "GA"
    assert cs.search(codes_store, "MA130")[0].code == "MA130"


def test_words_rank_billable_first_and_filter_by_kind(codes_store):
    found = cs.search(codes_store, "type 2 diabetes", limit=50)
    assert found and all(c.billable for c in found)
    hcpcs = cs.search(codes_store, "injection", kind="hcpcs")
    assert hcpcs and all(c.kind == "hcpcs" for c in hcpcs)
    assert cs.search(codes_store, "office", kind="pos")[0].code == "11"


def test_mixed_code_and_words(codes_store):
    found = cs.search(codes_store, "E11 kidney")
    assert found and all(c.code.startswith("E11") for c in found)
    assert "E11.22" in [c.code for c in found]


def test_broad_queries_stay_bounded(codes_store):
    for text in ("of", "unspecified", "S", "fracture of"):
        found = cs.search(codes_store, text, limit=20)
        assert len(found) == 20


@pytest.mark.parametrize(
    "text",
    ['"', "AND", "(", "*", "-", "", "   ", 'NEAR("a" b)', "E11 OR", "a:b", "^x", "'", "NOT -"],
)
def test_search_input_never_raises(codes_store, text):
    assert isinstance(cs.search(codes_store, text), list)


def test_limit_and_unknown_kind(codes_store):
    assert len(cs.search(codes_store, "diabetes", limit=3)) == 3
    with pytest.raises(ValidationError, match="is not a code set"):
        cs.search(codes_store, "E11", kind="icd9")


def test_other_backends_search_with_like(codes_store, monkeypatch):
    """PostgreSQL has no FTS5: the LIKE/ILIKE paths, run here on SQLite by pretending."""
    monkeypatch.setattr(queries, "dialect_name", lambda session: "postgresql")
    assert "E11.9" in [c.code for c in cs.search(codes_store, "diabetes without complications")]
    assert [c.code for c in cs.search(codes_store, "E11", kind="icd10")][:3] == [
        "E11", "E11.8", "E11.9",
    ]  # fmt: skip
    assert all(c.code.startswith("E11") for c in cs.search(codes_store, "E11 kidney"))
    assert "E11.9" in cs.check_code(codes_store, "icd10", "E11")


# -- dates ------------------------------------------------------------------------------------
@pytest.fixture
def dated_carcs(codes_store, tmp_path):
    path = tmp_path / "carc.csv"
    path.write_text(
        "Code,Description,Start,Stop\n"
        "901,Synthetic reason that started in 2026,01/01/2026,\n"
        "902,Synthetic reason that stopped in 2020,01/01/2000,12/31/2020\n"
    )
    cs.import_file(codes_store, "carc", path)
    return codes_store


def test_search_on_a_date_excludes_codes_not_in_effect(dated_carcs):
    def codes(on):
        return {c.code for c in cs.search(dated_carcs, "synthetic reason", kind="carc", on=on)}

    assert codes(None) == {"901", "902"}
    assert codes(D(2026, 5, 1)) == {"901"}
    assert codes(D(2020, 12, 31)) == {"902"}  # the stop date is the last valid day
    assert codes(D(2021, 1, 1)) == set()
    assert [c.code for c in cs.search(dated_carcs, "902", on=D(2021, 1, 1))] == []
    assert cs.search(dated_carcs, "902", on=D(2020, 6, 1))[0].effective_to == D(2020, 12, 31)


def test_check_code(dated_carcs):
    store = dated_carcs
    assert cs.check_code(store, "icd10", "E11.9", D(2026, 6, 1)) is None
    assert cs.check_code(store, "icd10", "e119") is None
    e11 = cs.check_code(store, "icd10", "E11")
    assert "E11 is a category, not a billable code" in e11 and "E11.9" in e11
    assert "7th character" in cs.check_code(store, "icd10", "S93.401")
    assert "not in the code set" in cs.check_code(store, "icd10", "E11.99")
    assert "is not an ICD-10-CM code" in cs.check_code(store, "icd10", "hello")
    assert "licensed CPT file" in cs.check_code(store, "cpt", "99999")
    assert "is not a CPT code" in cs.check_code(store, "cpt", "J3301")
    assert cs.check_code(store, "hcpcs", "J3301", D(2026, 1, 2)) is None
    assert "ended on 2020-12-31" in cs.check_code(store, "carc", "902", D(2021, 1, 1))
    assert "takes effect on 2026-01-01" in cs.check_code(store, "carc", "901", D(2025, 12, 31))
    assert cs.check_code(store, "carc", "901", D(2026, 1, 1)) is None
    assert cs.lookup(store, "icd10", "E11.99") is None


# -- importers --------------------------------------------------------------------------------
def test_cpt_import_replaces_demo_wording(codes_store, tmp_path):
    path = tmp_path / "LONGULT.txt"
    path.write_text("99213\tSynthetic licensed wording\n99999\tSynthetic new code\n")
    before = counts(codes_store)["cpt"]
    result = cs.import_file(codes_store, "cpt", path)
    assert (result.kind, result.added, result.updated, result.total) == ("cpt", 1, 1, 2)
    assert result.release == "LONGULT.txt" and result.path == str(path)
    visit = cs.lookup(codes_store, "cpt", "99213")
    assert visit.description == "Synthetic licensed wording" and not visit.is_demo
    assert cs.lookup(codes_store, "cpt", "99214").is_demo  # not in the file: left alone
    assert counts(codes_store)["cpt"] == before + 1
    assert "Synthetic licensed" in cs.search(codes_store, "99213")[0].description
    assert cs.search(codes_store, "synthetic licensed")[0].code == "99213"  # FTS kept in step
    assert "licensed CPT file" not in (cs.check_code(codes_store, "cpt", "12345") or "")
    again = cs.import_file(codes_store, "cpt", path)
    assert (again.added, again.updated, again.total) == (0, 0, 2)
    with codes_store.uow() as uow:
        releases = uow.session.scalars(
            select(CodeSetRelease).where(CodeSetRelease.kind == "cpt")
        ).all()
        audit = uow.session.scalars(
            select(AuditRecord).where(AuditRecord.summary.like("Imported 2 CPT codes%"))
        ).all()
    assert len(releases) == 3 and releases[-1].loaded_by == "tester"
    assert len(audit) == 2 and audit[0].actor == "tester"


def test_hcpcs_annual_file_import(codes_store, tmp_path):
    path = tmp_path / "HCPC2026_JAN_ANWEB.csv"
    path.write_text(
        "HCPC,SEQNUM,RECID,LONG DESCRIPTION,SHORT DESCRIPTION,ADD DT,ACT EFF DT,TERM DT\n"
        "A9901,00100,3,Synthetic supply with a long,SYN,20200101,20260101,\n"
        "A9901,00200,4,description on two records,,,,\n"
        "A9902,00100,3,Synthetic retired supply,SYN2,20190101,20190101,20251231\n"
        "J3301,00100,3,Synthetic triamcinolone wording,TRI,20000101,20000101,\n"
        "ZZ,00100,7,Synthetic modifier,SYNMOD,20200101,20200101,\n"
    )
    result = cs.import_file(codes_store, "hcpcs", path)
    assert (result.added, result.updated, result.total, result.skipped) == (2, 1, 3, 1)
    supply = cs.lookup(codes_store, "hcpcs", "A9901")
    assert supply.description == "Synthetic supply with a long description on two records"
    assert supply.effective_from == D(2020, 1, 1) and supply.effective_to is None
    assert cs.lookup(codes_store, "hcpcs", "A9902").effective_to == D(2025, 12, 31)
    assert cs.lookup(codes_store, "hcpcs", "J3301").description == "Synthetic triamcinolone wording"
    assert "ended on 2025-12-31" in cs.check_code(codes_store, "hcpcs", "A9902", D(2026, 1, 2))
    assert "A9901" in [c.code for c in cs.search(codes_store, "synthetic supply", kind="hcpcs")]
    assert fts_is_consistent(codes_store)
    modifiers = cs.import_file(codes_store, "modifier", path)
    assert (modifiers.added, modifiers.total) == (1, 1)
    assert cs.lookup(codes_store, "modifier", "ZZ").description == "Synthetic modifier"


def test_rarc_and_pos_imports(codes_store, tmp_path):
    rarc = tmp_path / "rarc.csv"
    rarc.write_text("Code,Description,Start Date,Stop Date\nN9999,Synthetic remark,2026-01-01,\n")
    assert cs.import_file(codes_store, "rarc", rarc).added == 1
    pos = tmp_path / "pos.tsv"
    pos.write_text("POS Code\tDescription\n11\tSynthetic office wording\n")
    assert cs.import_file(codes_store, "pos", pos).updated == 1
    assert cs.lookup(codes_store, "pos", "11").description == "Synthetic office wording"


def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    return path


@pytest.mark.parametrize(
    "kind,name,content,message",
    [
        ("cpt", "missing.txt", None, "does not exist"),
        ("cpt", "empty.txt", "", "is empty"),
        ("cpt", "blank.txt", "\n \n", "is empty"),
        ("cpt", "words.txt", "this is not a code file\n", "not a CPT code file"),
        ("cpt", "hcpcs.csv", "code,description\n99213,ok\nJ3301,Synthetic\n", "line 3"),
        ("hcpcs", "cpt.csv", "HCPC,LONG DESCRIPTION\n99213,Synthetic\n", "not a HCPCS code"),
        ("carc", "bad.csv", "Name,Value\na,b\n", "not a CARC code file"),
        ("rarc", "latin1.csv", b"code,description\nN1,caf\xe9\n", "not UTF-8"),
        ("cpt", "book.xlsx", b"PK\x03\x04\x00\x00\x00binary", "not a text file"),
    ],
)
def test_bad_files_raise_and_write_nothing(codes_store, tmp_path, kind, name, content, message):
    path = _write(tmp_path, name, content)
    before = counts(codes_store), n_rows(codes_store, CodeSetRelease)
    before_audit = n_rows(codes_store, AuditRecord)
    with pytest.raises(ImportFileError) as info:
        cs.import_file(codes_store, kind, path)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert (counts(codes_store), n_rows(codes_store, CodeSetRelease)) == before
    assert n_rows(codes_store, AuditRecord) == before_audit


def test_a_directory_is_refused(codes_store, tmp_path):
    before = counts(codes_store)
    with pytest.raises(ImportFileError, match="is a folder"):
        cs.import_file(codes_store, "hcpcs", tmp_path)
    assert counts(codes_store) == before


def test_import_kind_must_be_importable(codes_store, tmp_path):
    with pytest.raises(ValidationError):
        cs.import_file(codes_store, "icd10", tmp_path / "x.csv")


def test_ten_thousand_rows_import_quickly(codes_store, tmp_path):
    path = tmp_path / "big.csv"
    lines = ["HCPC,SEQNUM,RECID,LONG DESCRIPTION,ADD DT,TERM DT"]
    for i in range(10_000):
        lines.append(f"K{i:04d},00100,3,Synthetic item {i} supply kit,20200101,")
        if i % 4 == 0:
            lines.append(f"K{i:04d},00200,4,continued,,")
    path.write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    result = cs.import_file(codes_store, "hcpcs", path)
    elapsed = time.perf_counter() - started
    assert result.total == 10_000 and result.added + result.updated == 10_000
    assert elapsed < 10, f"10k-row import took {elapsed:.1f} s"
    assert cs.lookup(codes_store, "hcpcs", "K0004").description == (
        "Synthetic item 4 supply kit continued"
    )
    assert cs.search(codes_store, "K0004")[0].code == "K0004"
    again = cs.import_file(codes_store, "hcpcs", path)
    assert (again.added, again.updated) == (0, 0)


def test_a_dot_means_icd10(codes_store):
    from core.services import codesets

    found = codesets.search(codes_store, "e11.", limit=50)
    assert found and all(c.kind == "icd10" for c in found)
    assert any(c.kind == "hcpcs" for c in codesets.search(codes_store, "E11", limit=100))
