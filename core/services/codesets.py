"""Code sets: the built-in load, code search, lookups and checks, and file importers.

Kinds: ``icd10`` (ICD-10-CM diagnoses), ``cpt``, ``hcpcs`` (Level II), ``modifier``, ``pos``
(place of service), ``carc`` (claim adjustment reason codes) and ``rarc`` (remittance advice
remark codes).

What ships built in (``load_builtin``):

- ICD-10-CM in full, from the ``simple-icd-10-cm`` package (CMS public data, April 2026
  release). Chapters and blocks are not codes and are skipped; categories (E11) and
  subcategories that have children are stored as not billable.
- Short lists written in ClaimDesk's own words (``core/codesets/*.csv``): a HCPCS starter set,
  modifiers, places of service, CARCs and RARCs, and common CPT code *numbers* with demo wording
  (``is_demo=True``) -- never the AMA's CPT descriptors. A site with an AMA licence imports its
  CPT file (``import_file``), which replaces the demo wording.

Dates: ``effective_from`` is the first and ``effective_to`` the last day a code may be used
(both inclusive; ``None`` = open). The ICD-10-CM package has no per-code dates, so built-in
ICD codes carry none; the release is recorded in ``code_set_releases``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from core import codes as C
from core.codesets import read_rows
from core.errors import ImportFileError, ValidationError
from core.store import Store
from db import queries
from db.models import CodeSetRelease

KINDS: tuple[str, ...] = ("icd10", "cpt", "hcpcs", "modifier", "pos", "carc", "rarc")
IMPORT_KINDS: tuple[str, ...] = ("cpt", "hcpcs", "carc", "rarc", "modifier", "pos")

LABELS = {
    "icd10": "ICD-10-CM",
    "cpt": "CPT",
    "hcpcs": "HCPCS",
    "modifier": "modifier",
    "pos": "place of service",
    "carc": "CARC",
    "rarc": "RARC",
}

EXAMPLES = {
    "icd10": "E11.9",
    "cpt": "99213",
    "hcpcs": "J3301",
    "modifier": "25",
    "pos": "11",
    "carc": "45",
    "rarc": "N130",
}

ICD10_RELEASE = "ICD-10-CM April 2026 (CMS)"
CPT_DEMO_SOURCE = "ClaimDesk demo wording (not AMA CPT descriptors)"
BUILTIN_SOURCES = {
    "icd10": "CMS ICD-10-CM via simple-icd-10-cm",
    "cpt": CPT_DEMO_SOURCE,
    "hcpcs": "ClaimDesk starter set (CMS codes, our wording)",
    "modifier": "ClaimDesk built-in list (our wording)",
    "pos": "ClaimDesk built-in list (CMS codes, our wording)",
    "carc": "ClaimDesk built-in list (X12 codes, our wording)",
    "rarc": "ClaimDesk built-in list (X12 codes, our wording)",
}
BUILTIN_RELEASES = {
    "cpt": "ClaimDesk CPT demo set 2026 (code numbers only; demo wording)",
    "hcpcs": "ClaimDesk HCPCS Level II starter set 2026",
    "modifier": "ClaimDesk modifier list 2026",
    "pos": "ClaimDesk place of service list 2026",
    "carc": "ClaimDesk CARC list 2026 (common codes)",
    "rarc": "ClaimDesk RARC list 2026 (common codes)",
}

MAX_LIMIT = 500
MAX_WORDS = 8


# -- DTOs -------------------------------------------------------------------------------------
class CodeOut(BaseModel):
    """One code of a code set, as the CLI and the TUI see it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    kind: str
    code: str
    description: str
    billable: bool
    is_demo: bool = False
    parent_code: str | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    sex: str | None = None
    age_min: int | None = None
    age_max: int | None = None


class ImportResult(BaseModel):
    """What an import did. ``total`` counts the codes in the file; ``added + updated`` of them
    changed the database (the rest were already identical)."""

    model_config = ConfigDict(frozen=True)

    kind: str
    path: str
    added: int
    updated: int
    total: int
    release: str
    skipped: int = 0


def _out(row: Any) -> CodeOut:
    return CodeOut.model_validate({name: row[name] for name in CodeOut.model_fields})


def _check_kind(kind: str, allowed: Sequence[str] = KINDS) -> str:
    if kind not in allowed:
        what = "cannot be imported" if kind in KINDS else "is not a code set"
        raise ValidationError(f"{kind!r} {what}; choose one of: {', '.join(allowed)}")
    return kind


def compact(code: str) -> str:
    """The form codes are indexed by: upper case, no dot or spaces ('e11.9' -> 'E119')."""
    return re.sub(r"[\s.]", "", code).upper()


def display_code(kind: str, code: str) -> str:
    """How people write the code: ICD-10-CM gets its dot back ('e119' -> 'E11.9')."""
    return C.normalize_icd10(code) if kind == "icd10" else compact(code)


# -- built-in load ----------------------------------------------------------------------------
# Sex hints for ICD-10-CM, deliberately conservative: only blocks and categories whose own
# title names female or male organs, pregnancy, or delivery (the kind of list CMS's Medicare
# Code Editor uses for its sex edits). Codes for both sexes (breast, contraception, ...) get none.
_SEX_BY_BLOCK = (
    ("C51", "C58", "F"),  # malignant neoplasms of female genital organs
    ("C60", "C63", "M"),  # malignant neoplasms of male genital organs
    ("N40", "N53", "M"),  # diseases of male genital organs
    ("N70", "N77", "F"),  # inflammatory diseases of female pelvic organs
    ("N80", "N98", "F"),  # noninflammatory disorders of female genital tract
)
_SEX_BY_CATEGORY = {
    "D06": "F",  # carcinoma in situ of cervix uteri
    "D25": "F",  # leiomyoma of uterus
    "D26": "F",  # other benign neoplasms of uterus
    "D27": "F",  # benign neoplasm of ovary
    "D28": "F",  # benign neoplasm of other female genital organs
    "D29": "M",  # benign neoplasm of male genital organs
    "D39": "F",  # neoplasm of uncertain behavior of female genital organs
    "D40": "M",  # neoplasm of uncertain behavior of male genital organs
    "R86": "M",  # abnormal findings in specimens from male genital organs
    "R87": "F",  # abnormal findings in specimens from female genital organs
    "Z33": "F",  # pregnant state
    "Z34": "F",  # supervision of normal pregnancy
    "Z36": "F",  # antenatal screening of mother
    "Z37": "F",  # outcome of delivery (on the mother's record)
    "Z39": "F",  # maternal postpartum care
    "Z3A": "F",  # weeks of gestation
}
# Age hints: chapter 16 (P00-P96, perinatal conditions) and Z38 (liveborn infants) belong on a
# newborn's record, like the Medicare Code Editor's newborn edit (age 0). A P code may still be
# right later in life when the condition persists, so callers treat this as a warning.
_NEWBORN_CATEGORIES = ("Z38",)


def icd10_hints(code: str) -> tuple[str | None, int | None, int | None]:
    """(sex, age_min, age_max) hints for an ICD-10-CM code, or None where nothing is known."""
    category = compact(code)[:3]
    sex: str | None = None
    if category.startswith("O"):  # chapter 15: pregnancy, childbirth and the puerperium
        sex = "F"
    elif category in _SEX_BY_CATEGORY:
        sex = _SEX_BY_CATEGORY[category]
    else:
        for first, last, block_sex in _SEX_BY_BLOCK:
            if first <= category <= last:
                sex = block_sex
                break
    age_max = 0 if category.startswith("P") or category in _NEWBORN_CATEGORIES else None
    return sex, None, age_max


def icd10_release() -> str:
    try:
        version = metadata.version("simple-icd-10-cm")
    except metadata.PackageNotFoundError:  # pragma: no cover - a declared dependency
        version = "unknown"
    return f"{ICD10_RELEASE}, simple-icd-10-cm {version}"


def icd10_rows() -> list[dict[str, Any]]:
    """Every ICD-10-CM category, subcategory and 7th-character code, as ``codes`` rows."""
    with warnings.catch_warnings():
        # The package reads its data with importlib.resources calls Python deprecates.
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd  # a large table: loaded only when needed

    def is_code(item: str) -> bool:
        # Some names are both a block and a category (C50): is_category decides.
        return icd.is_category_or_subcategory(item) or icd.is_extended_subcategory(item)

    rows = []
    source = BUILTIN_SOURCES["icd10"]
    for item in dict.fromkeys(icd.get_all_codes(True)):
        if not is_code(item):
            continue
        parent = icd.get_parent(item)
        if not parent or parent == item or not is_code(parent):
            parent = None  # categories hang off blocks, which are not codes
        sex, age_min, age_max = icd10_hints(item)
        rows.append(
            dict(
                kind="icd10",
                code=item,
                compact=compact(item),
                description=icd.get_description(item),
                billable=bool(icd.is_leaf(item)),
                parent_code=parent,
                effective_from=None,
                effective_to=None,
                sex=sex,
                age_min=age_min,
                age_max=age_max,
                is_demo=False,
                source=source,
            )
        )
    return rows


def builtin_rows(kind: str) -> list[dict[str, Any]]:
    """The rows of a built-in list (every kind but icd10)."""
    return [
        dict(
            kind=kind,
            code=code,
            compact=compact(code),
            description=description,
            billable=True,
            parent_code=None,
            effective_from=None,
            effective_to=None,
            sex=None,
            age_min=None,
            age_max=None,
            is_demo=kind == "cpt",
            source=BUILTIN_SOURCES[kind],
        )
        for code, description in read_rows(kind)
    ]


def load_builtin(store: Store) -> dict[str, int]:
    """Load every built-in code set the database lacks; returns the codes loaded per kind.

    A kind counts as present once it has a release on record or any code (an imported CPT file
    is never overwritten by the demo set). Idempotent: a second call loads nothing and returns
    {}. All kinds go in one unit of work, each with a release row and an audit record.
    """
    loaded: dict[str, int] = {}
    with store.uow() as uow:
        session = uow.session
        have = set(session.execute(select(CodeSetRelease.kind).distinct()).scalars())
        have |= queries.kinds_present(session)
        for kind in KINDS:
            if kind in have:
                continue
            rows = icd10_rows() if kind == "icd10" else builtin_rows(kind)
            queries.insert_codes(session, rows)
            release = icd10_release() if kind == "icd10" else BUILTIN_RELEASES[kind]
            session.add(
                CodeSetRelease(
                    kind=kind,
                    release=release[:120],
                    source=BUILTIN_SOURCES[kind],
                    code_count=len(rows),
                    loaded_by=uow.actor[:40],
                )
            )
            uow.audit(
                "import", "code_set", kind, f"Loaded {len(rows)} built-in {LABELS[kind]} codes"
            )
            loaded[kind] = len(rows)
    return loaded


# -- search -----------------------------------------------------------------------------------
# Input that looks like a code: letters and digits with at least one digit, optionally one
# dot (E11.9, e119, 992, J33, 25, MA130), or two letters (modifiers such as GA, XS).
_CODE_LIKE = re.compile(r"^(?=[A-Z0-9.]*[0-9])[A-Z0-9]{1,7}(\.[A-Z0-9]{0,4})?$")
_TWO_LETTERS = re.compile(r"^[A-Z]{2}$")
# A code inside words ("E11 diabetes"): ICD-10-CM-like or 3+ digits or HCPCS-like.
_CODE_IN_WORDS = re.compile(
    r"^(?:[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{0,4})?|[0-9]{3,5}|[A-Z][0-9]{2,4})$"
)
_WORD = re.compile(r"[^\W_]+")


def words_of(text: str) -> list[str]:
    """The search words in ``text``: runs of letters and digits, lower case, at most 8."""
    return _WORD.findall(text.lower())[:MAX_WORDS]


def search(
    store: Store,
    text: str,
    *,
    kind: str | None = None,
    limit: int = 20,
    on: dt.date | None = None,
) -> list[CodeOut]:
    """Codes matching ``text``: a code or code prefix ('E11.9', 'e119', '992'), words
    ('diabetes without complications'), or both ('E11 diabetes'). Best first.

    - A code: the exact code first, then billable codes, then shorter ones.
    - Words: every word must start a word of the description; billable codes first, then
      relevance (bm25). Nothing typed can raise a search-syntax error.
    - ``on``: only codes in effect on that date of service.
    """
    if kind is not None:
        _check_kind(kind)
    kinds = [kind] if kind else None
    # Prefix scans name every kind so they run on the (kind, compact) index. A dot is only
    # ever written in ICD-10-CM codes ("E11." must not bring up HCPCS E1130).
    prefix_kinds = [kind] if kind else (["icd10"] if "." in (text or "") else list(KINDS))
    # Word search in one small set scans only its row ids; ICD-10-CM is most of the table.
    narrow = {"narrow_to_kind_ids": kind != "icd10"}
    limit = max(1, min(int(limit), MAX_LIMIT))
    raw = (text or "").strip().upper()
    if not raw:
        return []
    with store.uow() as uow:
        session = uow.session
        rows: list[Any] = []
        if _CODE_LIKE.match(raw) or _TWO_LETTERS.match(raw):
            rows = queries.codes_by_prefix(
                session, compact(raw), kinds=prefix_kinds, on=on, limit=limit
            )
            if len(rows) < limit and not any(ch.isdigit() for ch in raw):
                # Two letters may be a modifier or the start of a word ("GA", "ab").
                seen = {(r["kind"], r["code"]) for r in rows}
                more = queries.codes_by_words(
                    session, words_of(raw), kinds=kinds, on=on, limit=limit, **narrow
                )
                rows += [r for r in more if (r["kind"], r["code"]) not in seen][: limit - len(rows)]
            elif not rows:
                rows = queries.codes_by_words(
                    session, words_of(raw), kinds=kinds, on=on, limit=limit, **narrow
                )
        else:
            tokens = raw.split()
            code_tokens = [t for t in tokens if _CODE_IN_WORDS.match(t)]
            if len(code_tokens) == 1 and len(tokens) > 1:
                others = " ".join(t for t in tokens if t != code_tokens[0])
                rows = queries.codes_by_words(
                    session,
                    words_of(others),
                    kinds=kinds,
                    on=on,
                    code_prefix=compact(code_tokens[0]),
                    limit=limit,
                    **narrow,
                )
            if not rows:
                rows = queries.codes_by_words(
                    session, words_of(raw), kinds=kinds, on=on, limit=limit, **narrow
                )
        return [_out(row) for row in rows]


def lookup(store: Store, kind: str, code: str) -> CodeOut | None:
    """The code of ``kind`` written as ``code`` ('E11.9' or 'e119'), or None."""
    _check_kind(kind)
    key = compact(code or "")
    if not key:
        return None
    with store.uow() as uow:
        row = queries.get_code(uow.session, kind, key)
        return None if row is None else _out(row)


# ICD-10-CM by shape. Broader than core.codes.is_icd10_format, which the 2026 code set outgrew:
# it has codes with a letter in the second place (QA0.0101, chapter 17) and starting with U.
_ICD10_SHAPE = re.compile(r"^(?:[A-Z][0-9]|QA)[0-9A-Z](\.?[0-9A-Z]{1,4})?$")
_FORMAT_CHECKS = {
    "icd10": lambda code: bool(_ICD10_SHAPE.match(code.strip().upper())),
    "cpt": C.is_cpt_format,
    "hcpcs": C.is_hcpcs_format,
    "modifier": C.is_modifier_format,
    "pos": C.is_pos_format,
    "carc": lambda code: bool(_CARC.match(code.strip().upper())),
    "rarc": lambda code: bool(_RARC.match(code.strip().upper())),
}
_CARC = re.compile(r"^(?:[0-9]{1,3}|[A-Z][0-9]{1,2})$")
_RARC = re.compile(r"^(?:M|MA|N)[0-9]{1,4}$")


def is_code_format(kind: str, code: str) -> bool:
    """True when ``code`` has the shape of a ``kind`` code (format only, not existence)."""
    return _FORMAT_CHECKS[_check_kind(kind)](code)


def check_code(store: Store, kind: str, code: str, on: dt.date | None = None) -> str | None:
    """None when ``code`` exists, is billable and (given ``on``) in effect on that date;
    otherwise one plain sentence saying why not."""
    _check_kind(kind)
    label = LABELS[kind]
    shown = display_code(kind, code or "")
    if not shown:
        return f"no {label} code given"
    with store.uow() as uow:
        session = uow.session
        row = queries.get_code(session, kind, compact(shown))
        if row is None:
            if not is_code_format(kind, shown):
                typed = (code or "").strip().upper()
                article = "an" if label[0] in "AEIOU" else "a"
                return f"{typed} is not {article} {label} code (for example {EXAMPLES[kind]})"
            hint = ""
            if kind == "cpt" and _cpt_is_demo(session):
                hint = "; only a demo list of CPT codes is loaded: import your licensed CPT file"
            return f"{label} code {shown} is not in the code set{hint}"
        if not row["billable"]:
            under = queries.first_billable_under(session, kind, row["compact"])
            examples = ", ".join(r["code"] for r in under)
            if under and all(len(r["compact"]) == 7 for r in under) and len(row["compact"]) == 6:
                need = "a 7th character"
            else:
                need = "more characters"
            example_text = f" (for example {examples})" if examples else ""
            what = "category" if len(row["compact"]) == 3 else "subcategory"
            return (
                f"{label} {row['code']} is a {what}, not a billable code: "
                f"it needs {need}{example_text}"
            )
        if on is not None:
            start, end = row["effective_from"], row["effective_to"]
            if start is not None and on < start:
                return (
                    f"{label} {row['code']} takes effect on {start.isoformat()}: "
                    f"not valid for a date of service of {on.isoformat()}"
                )
            if end is not None and on > end:
                return (
                    f"{label} {row['code']} ended on {end.isoformat()}: "
                    f"not valid for a date of service of {on.isoformat()}"
                )
    return None


def _cpt_is_demo(session: Any) -> bool:
    kinds = session.execute(
        select(CodeSetRelease.source).where(CodeSetRelease.kind == "cpt")
    ).scalars()
    return all(source == CPT_DEMO_SOURCE for source in kinds)


# -- importers: reading files -----------------------------------------------------------------
@dataclass(frozen=True)
class ParsedCode:
    """One code read from an import file."""

    code: str
    description: str
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None


@dataclass(frozen=True)
class ParsedFile:
    codes: tuple[ParsedCode, ...]
    skipped: int = 0


def read_text_file(path: str | Path) -> str:
    """The text of an import file, or ImportFileError saying plainly why it cannot be read."""
    p = Path(path).expanduser()
    if not p.exists():
        raise ImportFileError(f"{p} does not exist")
    if p.is_dir():
        raise ImportFileError(f"{p} is a folder, not a file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {p}: {exc.strerror or exc}") from None
    if not data.strip():
        raise ImportFileError(f"{p} is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in data:
        raise ImportFileError(
            f"{p} is not a text file (a spreadsheet? save it as CSV or tab-separated text)"
        )
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{p} is not UTF-8 text (bad byte at position {exc.start}); "
            "save it as UTF-8 and import it again"
        ) from None


def _norm_header(cell: str) -> str:
    return re.sub(r"[\s_]+", " ", cell.strip().lower().replace(".", " ")).strip()


_CODE_HEADERS = {
    "code",
    "codes",
    "hcpc",
    "hcpcs",
    "hcpcs code",
    "cpt",
    "cpt code",
    "procedure code",
    "carc",
    "carc code",
    "rarc",
    "rarc code",
    "reason code",
    "remark code",
    "adjustment reason code",
    "claim adjustment reason code",
    "remittance advice remark code",
    "modifier",
    "modifier code",
    "mod",
    "pos",
    "pos code",
    "place of service",
    "place of service code",
    "code value",
    "value",
}


@dataclass(frozen=True)
class _Layout:
    code: int
    description: int
    short_description: int | None = None
    start: int | None = None
    start_fallback: int | None = None
    stop: int | None = None
    seqnum: int | None = None
    recid: int | None = None


def _find_layout(header: list[str]) -> _Layout | None:
    names = [_norm_header(cell) for cell in header]

    def first(pred) -> int | None:
        return next((i for i, name in enumerate(names) if name and pred(name)), None)

    code = first(lambda n: n in _CODE_HEADERS)
    long_desc = first(lambda n: "long" in n and "desc" in n)
    any_desc = first(lambda n: "desc" in n and "short" not in n)
    short_desc = first(lambda n: "short" in n and "desc" in n)
    description = long_desc if long_desc is not None else any_desc
    if description is None:
        description, short_desc = short_desc, None
    if code is None or description is None:
        return None
    return _Layout(
        code=code,
        description=description,
        short_description=short_desc,
        start=first(lambda n: n in ("add dt", "add date", "date added") or "start" in n),
        start_fallback=first(lambda n: "eff" in n and "dt" in n or n.startswith("effective")),
        stop=first(lambda n: any(w in n for w in ("term", "stop", "end date", "deactiv", "expir"))),
        seqnum=first(lambda n: n in ("seqnum", "seq num", "sequence number", "seq")),
        recid=first(lambda n: n in ("recid", "rec id", "record id", "record identifier")),
    )


_DATE_FORMATS = ("%Y%m%d", "%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d")


def parse_date(value: str) -> dt.date | None:
    """A date in any of the layouts code-set files use (20260101, 2026-01-01, 1/1/2026)."""
    value = value.strip()
    if not value:
        return None
    value = value.split(" ")[0].split("T")[0]  # "2026-01-01 00:00:00" from spreadsheets
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _delimiter(first_line: str) -> str | None:
    if "\t" in first_line:
        return "\t"
    if "|" in first_line and "," not in first_line:
        return "|"
    if "," in first_line:
        return ","
    return None


def _normalize_code(kind: str, value: str) -> str:
    code = compact(value) if kind != "icd10" else display_code(kind, value)
    if kind == "pos" and code.isdigit() and len(code) == 1:
        code = "0" + code
    return code


def _clean(text: str) -> str:
    return " ".join(text.split())


def parse_code_file(kind: str, text: str, name: str = "the file") -> ParsedFile:
    """Read the codes of an import file for ``kind`` (pure: no database).

    Accepted layouts:

    - delimited text (comma, tab or ``|``) with a header naming a code column (code, HCPC,
      CPT code, reason code, ...) and a description column (description, descriptor, long
      description, ...); optional start/stop date columns (start, add dt, effective,
      stop, term dt, end date);
    - the CMS HCPCS annual file saved as CSV or tab-separated text (HCPC, SEQNUM, RECID,
      LONG DESCRIPTION, ..., ADD DT, ACT EFF DT, TERM DT): continuation rows of a long
      description are joined in SEQNUM order; record ids 3/4 are procedures, 7/8 modifiers;
    - without a header: ``code<TAB>description`` (AMA-style CPT text), ``code,description[,start
      [,stop]]``, or ``code description`` separated by spaces.

    Raises ImportFileError (one line, naming the line) when the file is not in one of these
    layouts or holds a code that is not shaped like a ``kind`` code.
    """
    label = LABELS[kind]
    lines = text.splitlines()
    first_line = next((line for line in lines if line.strip()), "")
    delimiter = _delimiter(first_line)
    if delimiter is not None:
        rows = list(_numbered(csv.reader(io.StringIO(text), delimiter=delimiter), name))
        layout = _find_layout(rows[0][1]) if rows else None
        if layout is not None:
            return _parse_rows(kind, rows[1:], layout, name)
        if rows and len(rows[0][1]) >= 2 and _looks_like(kind, rows[0][1][0]):
            # No header: code, description[, start[, stop]] (CPT: code, description).
            dated = kind != "cpt"
            layout = _Layout(code=0, description=1, start=2 if dated else None,
                             stop=3 if dated else None)  # fmt: skip
            return _parse_rows(kind, rows, layout, name)
    first_word = first_line.split(None, 1)[0] if first_line.split() else ""
    if "\t" not in first_line and _looks_like(kind, first_word):
        # "99213 Office visit ..." : the code, spaces, the description (AMA SHORTU style).
        spaced = [
            (n, line.strip().split(None, 1))
            for n, line in enumerate(lines, start=1)
            if line.strip()
        ]
        return _parse_rows(kind, spaced, _Layout(code=0, description=1), name)
    line_no = next((n for n, line in enumerate(lines, start=1) if line.strip()), 1)
    raise ImportFileError(
        f"{name} is not a {label} code file: line {line_no} is neither a header with code "
        f"and description columns nor a {label} code with its description"
    )


def _looks_like(kind: str, cell: str) -> bool:
    return bool(cell.strip()) and is_code_format(kind, _normalize_code(kind, cell))


def _numbered(reader: Any, name: str) -> Iterator[tuple[int, list[str]]]:
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row
    except csv.Error as exc:
        raise ImportFileError(f"{name}, line {reader.line_num}: {exc}") from None


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _parse_rows(kind: str, body: list[tuple[int, list[str]]], layout: _Layout, name: str):
    label = LABELS[kind]
    want_recids = {"7", "8"} if kind == "modifier" else {"3", "4"}
    by_code: dict[str, dict[str, Any]] = {}
    skipped = 0
    for line, row in body:
        raw = _cell(row, layout.code)
        if not raw:
            raise ImportFileError(f"{name}, line {line}: the code is empty")
        recid = _cell(row, layout.recid)
        if layout.recid is not None and recid and recid not in want_recids:
            skipped += 1  # a modifier row in a HCPCS import, or the other way round
            continue
        code = _normalize_code(kind, raw)
        if kind == "hcpcs" and code.startswith("D") and re.fullmatch(r"D[0-9]{4}", code):
            skipped += 1  # CDT dental codes: licensed by the ADA, not stored
            continue
        if not is_code_format(kind, code):
            raise ImportFileError(
                f"{name}, line {line}: {raw!r} is not a {label} code; "
                f"is this the right file for --kind {kind}?"
            )
        description = _clean(_cell(row, layout.description))
        if not description:
            description = _clean(_cell(row, layout.short_description))
        seq_text = _cell(row, layout.seqnum)
        seq = int(seq_text) if seq_text.isdigit() else None
        try:
            start = parse_date(_cell(row, layout.start)) or parse_date(
                _cell(row, layout.start_fallback)
            )
            stop = parse_date(_cell(row, layout.stop))
        except ValueError as exc:
            raise ImportFileError(
                f"{name}, line {line}: {str(exc)!r} is not a date (use YYYY-MM-DD or MM/DD/YYYY)"
            ) from None
        entry = by_code.get(code)
        if entry is None:
            by_code[code] = dict(parts=[(seq or 0, line, description)], start=start, stop=stop)
            continue
        if layout.seqnum is None:
            skipped += 1  # a second row for the same code: the first one wins
            continue
        entry["parts"].append((seq or 0, line, description))  # continuation of a long text
        entry["start"] = entry["start"] or start
        entry["stop"] = entry["stop"] or stop
    codes = []
    for code, entry in by_code.items():
        parts = sorted(entry["parts"])
        description = _clean(" ".join(part for _, _, part in parts))
        if not description:
            raise ImportFileError(f"{name}, line {parts[0][1]}: code {code} has no description")
        codes.append(ParsedCode(code, description, entry["start"], entry["stop"]))
    if not codes:
        raise ImportFileError(f"{name} has no {label} codes")
    return ParsedFile(tuple(codes), skipped)


# -- importers: writing -----------------------------------------------------------------------
_COMPARED = ("description", "effective_from", "effective_to", "is_demo")


def import_file(store: Store, kind: str, path: str | Path) -> ImportResult:
    """Import a code file for ``kind`` (cpt, hcpcs, carc, rarc, modifier, pos).

    The whole file is read and checked first; then every change is written in one unit of
    work (new codes inserted, existing ones updated by kind and code; a real CPT file replaces
    the demo wording and clears ``is_demo``), with a release row and an audit record. A file
    that cannot be used raises ImportFileError and writes nothing. Codes missing from the file
    are left as they are.
    """
    _check_kind(kind, IMPORT_KINDS)
    p = Path(path).expanduser()
    parsed = parse_code_file(kind, read_text_file(p), p.name)
    source = f"{LABELS[kind]} file {p.name}"[:80]
    release = p.name[:120]
    with store.uow() as uow:
        session = uow.session
        existing = queries.existing_codes(session, kind)
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for item in parsed.codes:
            values = dict(
                description=item.description,
                effective_from=item.effective_from,
                effective_to=item.effective_to,
                is_demo=False,
                source=source,
            )
            old = existing.get(item.code)
            if old is None:
                inserts.append(
                    dict(
                        kind=kind,
                        code=item.code,
                        compact=compact(item.code),
                        billable=True,
                        parent_code=None,
                        sex=None,
                        age_min=None,
                        age_max=None,
                        **values,
                    )
                )
            elif any(old[key] != values[key] for key in _COMPARED):
                updates.append(dict(id=old["id"], **values))
        queries.insert_codes(session, inserts)
        queries.update_codes(session, updates)
        session.add(
            CodeSetRelease(
                kind=kind,
                release=release,
                source=f"{LABELS[kind]} file {p}"[:200],
                code_count=len(parsed.codes),
                loaded_by=uow.actor[:40],
            )
        )
        uow.audit(
            "import",
            "code_set",
            kind,
            f"Imported {len(parsed.codes)} {LABELS[kind]} codes from {p.name}: "
            f"{len(inserts)} added, {len(updates)} updated",
        )
    return ImportResult(
        kind=kind,
        path=str(p),
        added=len(inserts),
        updated=len(updates),
        total=len(parsed.codes),
        release=release,
        skipped=parsed.skipped,
    )
