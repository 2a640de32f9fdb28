"""Importing the CMS NCCI procedure-to-procedure (PTP) edits and medically unlikely edits (MUE).

CMS publishes both every quarter; they hold CPT codes under AMA terms, so ClaimDesk imports the
office's own copy instead of shipping them (``claimdesk codes import --kind ncci-ptp|mue FILE``).
The scrubber (``core.edits``) reads them from ``ncci_ptp_edits`` and ``mue_edits``.

Files accepted (text saved from the CMS downloads; a few lines of copyright and notes come
before the header row, which is found by its column names):

- **Practitioner PTP edits**, tab-delimited or CSV, columns "Column 1", "Column 2",
  "* = In existence prior to 1996", "Effective Date" (YYYYMMDD), "Deletion Date" ("*" = not
  deleted), "Modifier 0=not allowed 1=allowed 9=not applicable", "PTP Edit Rationale". A header
  split over two rows (as in some CMS text files) is joined. CMS splits the practitioner table
  over several files: give a folder to import every ``.txt``/``.csv`` file in it as one set.
- **Practitioner MUEs**, CSV or tab-delimited, columns "HCPCS/CPT Code", "Practitioner Services
  MUE Values", "MUE Adjudication Indicator" (text such as "2 Date of Service Edit: Policy"),
  "MUE Rationale"; an "Effective Date" column is read when present.

An import REPLACES the previous set of its kind in one transaction, with a release row and an
audit record. A file that cannot be used (no header, a bad code, date or indicator, no rows)
raises ImportFileError naming the file and line, and changes nothing. Rows are written with
bulk inserts in chunks: CMS's PTP table has about a million rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert

from core.errors import ImportFileError, ValidationError
from core.services.codesets import ImportResult, parse_date, read_text_file
from core.store import Store
from db.models import CodeSetRelease, MueEdit, NcciPtpEdit

PTP_KIND = "ncci-ptp"
MUE_KIND = "mue"
KINDS: tuple[str, ...] = (PTP_KIND, MUE_KIND)
LABELS = {PTP_KIND: "NCCI PTP edit", MUE_KIND: "MUE"}

#: Rows per INSERT batch.
BATCH = 10_000
#: Lines searched for the header row.
HEADER_SEARCH = 200

# A CPT (Category I-III, PLA, vaccine administration: 4 digits + a digit or letter) or HCPCS
# Level II (a letter + 4 digits) code, as NCCI and MUE files list them.
_PROC = re.compile(r"^(?:[0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})$")
_YMD = re.compile(r"^[0-9]{8}$")
_RATIONALE_MAX = 200


class EditsImportResult(ImportResult):
    """What an NCCI or MUE import did: ``total`` rows now in effect, ``replaced`` rows of the
    previous import removed."""

    replaced: int = 0
    files: int = 1


@dataclass
class _Tally:
    skipped: int = 0
    seen: set[str] = field(default_factory=set)


# -- reading ----------------------------------------------------------------------------------
def _norm(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().lower().split())


def _delimiter(line: str) -> str:
    return "\t" if "\t" in line else ","


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


@dataclass(frozen=True)
class _Header:
    line: int  # line number of the (last) header row
    delimiter: str
    columns: dict[str, int]


def _columns(names: list[str], matchers: dict[str, Callable[[str], bool]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for key, match in matchers.items():
        for i, name in enumerate(names):
            if name and i not in found.values() and match(name):
                found[key] = i
                break
    return found


def _find_header(
    lines: list[str],
    start_no: int,
    is_header: Callable[[list[str]], bool],
    matchers: dict[str, Callable[[str], bool]],
    looks_like_data: Callable[[list[str], dict[str, int]], bool],
) -> _Header | None:
    """The header row among ``lines`` (the first lines of the file, numbered from
    ``start_no``); continuation rows just below it that are not data are joined into it."""
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        delimiter = _delimiter(line)
        cells = [_norm(c) for c in _split(line, delimiter)]
        if not is_header(cells):
            continue
        names, last = cells, i
        for j in range(i + 1, min(i + 3, len(lines))):
            more = [_norm(c) for c in _split(lines[j], delimiter)]
            if not any(more) or looks_like_data(more, _columns(names, matchers)):
                break
            width = max(len(names), len(more))
            names = [
                " ".join(
                    p
                    for p in (names[k] if k < len(names) else "", more[k] if k < len(more) else "")
                    if p
                )
                for k in range(width)
            ]
            last = j
        return _Header(start_no + last, delimiter, _columns(names, matchers))
    return None


def _rows(text: str, name: str, finder: Callable[[list[str]], _Header | None], what: str):
    """(header, iterator of (line number, cells)) for the data rows below the header."""
    stream = io.StringIO(text)
    head = [line.rstrip("\r\n") for _, line in zip(range(HEADER_SEARCH), stream, strict=False)]
    header = finder(head)
    if header is None:
        raise ImportFileError(
            f"{name} is not a CMS {what} file: no header row with the expected column names "
            f"in its first {HEADER_SEARCH} lines"
        )
    rest = chain((line + "\n" for line in head[header.line :]), stream)
    reader = csv.reader(rest, delimiter=header.delimiter)
    offset = header.line

    def numbered() -> Iterator[tuple[int, list[str]]]:
        try:
            for cells in reader:
                if any(c.strip() for c in cells):
                    yield offset + reader.line_num, cells
        except csv.Error as exc:
            raise ImportFileError(f"{name}, line {offset + reader.line_num}: {exc}") from None

    return header, numbered()


_dates: dict[str, dt.date] = {}


def _date(raw: str) -> dt.date:
    """A date from YYYYMMDD (or the other layouts code files use); ValueError when not one."""
    value = raw.strip()
    day = _dates.get(value)
    if day is not None:
        return day
    if _YMD.match(value):
        day = dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    else:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
    if len(_dates) < 20_000:
        _dates[value] = day
    return day


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


# -- PTP --------------------------------------------------------------------------------------
_PTP_MATCHERS: dict[str, Callable[[str], bool]] = {
    "column1": lambda n: bool(re.match(r"^col(umn)?\s*(1|one)\b", n)),
    "column2": lambda n: bool(re.match(r"^col(umn)?\s*(2|two)\b", n)),
    "prior_1996": lambda n: "1996" in n,
    "effective": lambda n: "effective" in n,
    "deletion": lambda n: "deletion" in n or "deleted" in n,
    "modifier": lambda n: "modifier" in n,
    "rationale": lambda n: "rationale" in n,
}
_PTP_REQUIRED = ("column1", "column2", "effective", "deletion", "modifier")
_PTP_HEADER_NAMES = {
    "column1": "Column 1",
    "column2": "Column 2",
    "effective": "Effective Date",
    "deletion": "Deletion Date",
    "modifier": "Modifier",
}


def _is_ptp_header(cells: list[str]) -> bool:
    cols = _columns(cells, {k: _PTP_MATCHERS[k] for k in ("column1", "column2")})
    return len(cols) == 2


def _ptp_data(cells: list[str], cols: dict[str, int]) -> bool:
    first = cells[cols["column1"]].upper() if cols.get("column1", 99) < len(cells) else ""
    return bool(_PROC.match(first)) or any(_YMD.match(c) for c in cells)


def _ptp_header(lines: list[str]) -> _Header | None:
    return _find_header(lines, 1, _is_ptp_header, _PTP_MATCHERS, _ptp_data)


def iter_ptp_rows(text: str, name: str = "the file", tally: _Tally | None = None):
    """The rows of a CMS practitioner PTP file as ``ncci_ptp_edits`` values (pure, lazy).
    Raises ImportFileError naming the line of the first row that cannot be used."""
    header, rows = _rows(text, name, _ptp_header, "NCCI PTP edit")
    cols = header.columns
    missing = [_PTP_HEADER_NAMES[k] for k in _PTP_REQUIRED if k not in cols]
    if missing:
        raise ImportFileError(
            f"{name}, line {header.line}: the header has no {', '.join(missing)} column"
        )
    c1, c2, eff, dele, mod, why = (
        cols["column1"], cols["column2"], cols["effective"], cols["deletion"],
        cols["modifier"], cols.get("rationale"),
    )  # fmt: skip
    for line, cells in rows:
        first, second = _cell(cells, c1).upper(), _cell(cells, c2).upper()
        for label, code in (("column 1", first), ("column 2", second)):
            if not _PROC.match(code):
                raise ImportFileError(
                    f"{name}, line {line}: the {label} code {code or '(empty)'!r} is not a CPT "
                    "or HCPCS code"
                )
        raw = _cell(cells, eff)
        try:
            start = _date(raw)
        except ValueError:
            raise ImportFileError(
                f"{name}, line {line}: the effective date {raw or '(empty)'!r} is not a date "
                "(YYYYMMDD)"
            ) from None
        raw = _cell(cells, dele)
        end = None
        if raw not in ("", "*"):
            try:
                end = _date(raw)
            except ValueError:
                raise ImportFileError(
                    f"{name}, line {line}: the deletion date {raw!r} is not a date (YYYYMMDD, "
                    "or * when the edit is not deleted)"
                ) from None
        indicator = _cell(cells, mod)
        if indicator not in ("0", "1", "9"):
            raise ImportFileError(
                f"{name}, line {line}: the modifier indicator {indicator or '(empty)'!r} must "
                "be 0, 1 or 9"
            )
        rationale = " ".join(_cell(cells, why).split())[:_RATIONALE_MAX] or None
        yield dict(
            column1=first,
            column2=second,
            effective_from=start,
            deleted_on=end,
            modifier_indicator=indicator,
            rationale=rationale,
        )


def parse_ptp(text: str, name: str = "the file") -> list[dict[str, Any]]:
    """Every row of a PTP file (for small files and tests; imports stream instead)."""
    return list(iter_ptp_rows(text, name))


# -- MUE --------------------------------------------------------------------------------------
_MUE_MATCHERS: dict[str, Callable[[str], bool]] = {
    "code": lambda n: ("hcpcs" in n or "cpt" in n) and "code" in n,
    "units": lambda n: "mue" in n and "value" in n,
    "mai": lambda n: "adjudication" in n or n in ("mai", "mue indicator"),
    "rationale": lambda n: "rationale" in n,
    "effective": lambda n: "effective" in n,
}


def _is_mue_header(cells: list[str]) -> bool:
    cols = _columns(cells, {k: _MUE_MATCHERS[k] for k in ("code", "units")})
    return len(cols) == 2


def _mue_data(cells: list[str], cols: dict[str, int]) -> bool:
    first = cells[cols["code"]].upper() if cols.get("code", 99) < len(cells) else ""
    return bool(_PROC.match(first))


def _mue_header(lines: list[str]) -> _Header | None:
    return _find_header(lines, 1, _is_mue_header, _MUE_MATCHERS, _mue_data)


def iter_mue_rows(text: str, name: str = "the file", tally: _Tally | None = None):
    """The rows of a CMS practitioner MUE file as ``mue_edits`` values (pure, lazy). A code
    listed twice keeps its first row (the others are counted in ``tally.skipped``)."""
    tally = tally if tally is not None else _Tally()
    header, rows = _rows(text, name, _mue_header, "MUE")
    cols = header.columns
    code_i, units_i = cols["code"], cols["units"]
    mai_i, why_i, eff_i = cols.get("mai"), cols.get("rationale"), cols.get("effective")
    for line, cells in rows:
        code = _cell(cells, code_i).upper()
        if not _PROC.match(code):
            raise ImportFileError(
                f"{name}, line {line}: {code or '(empty)'!r} is not a CPT or HCPCS code"
            )
        raw = _cell(cells, units_i)
        if not raw.isdigit():
            raise ImportFileError(
                f"{name}, line {line}: the MUE value {raw or '(empty)'!r} for {code} is not a "
                "whole number of units"
            )
        mai = None
        if mai_i is not None:
            text_mai = _cell(cells, mai_i)
            mai = text_mai[:1]
            if mai not in ("1", "2", "3"):
                raise ImportFileError(
                    f"{name}, line {line}: the MUE adjudication indicator "
                    f"{text_mai or '(empty)'!r} for {code} must start with 1, 2 or 3"
                )
        start = None
        if eff_i is not None and _cell(cells, eff_i):
            try:
                start = _date(_cell(cells, eff_i))
            except ValueError:
                raise ImportFileError(
                    f"{name}, line {line}: the effective date {_cell(cells, eff_i)!r} is not a "
                    "date (YYYYMMDD)"
                ) from None
        if code in tally.seen:
            tally.skipped += 1
            continue
        tally.seen.add(code)
        yield dict(
            code=code,
            max_units=int(raw),
            adjudication_indicator=mai,
            rationale=" ".join(_cell(cells, why_i).split())[:_RATIONALE_MAX] or None,
            effective_from=start,
        )


def parse_mue(text: str, name: str = "the file") -> list[dict[str, Any]]:
    """Every row of a MUE file (for small files and tests; imports stream instead)."""
    return list(iter_mue_rows(text, name))


# -- importing --------------------------------------------------------------------------------
def edit_files(path: str | Path) -> list[Path]:
    """The files to import: ``path`` itself, or every .txt/.csv file in the folder ``path``."""
    p = Path(path).expanduser()
    if p.is_dir():
        files = sorted(
            f for f in p.iterdir() if f.is_file() and f.suffix.lower() in (".txt", ".csv")
        )
        if not files:
            raise ImportFileError(f"the folder {p} has no .txt or .csv files to import")
        return files
    if not p.exists():
        raise ImportFileError(f"{p} does not exist")
    return [p]


def check_files(kind: str, path: str | Path, rows: int = 1000) -> list[Path]:
    """Read the header and the first ``rows`` rows of each file to import, without the
    database: a wrong or broken file fails before a store is opened (the import itself checks
    every row again, inside its transaction). Returns the files."""
    if kind not in KINDS:
        raise ValidationError(
            f"{kind!r} is not an edit file kind; choose one of: {', '.join(KINDS)}"
        )
    rows_of = iter_ptp_rows if kind == PTP_KIND else iter_mue_rows
    files = edit_files(path)
    for f in files:
        tally = _Tally()
        seen = sum(
            1
            for _, _row in zip(range(rows), rows_of(read_text_file(f), f.name, tally), strict=False)
        )
        if seen == 0 and not tally.skipped:
            raise ImportFileError(f"{f.name} has no {LABELS[kind]} rows below its header")
    return files


def _import(
    store: Store,
    kind: str,
    path: str | Path,
    model: Any,
    rows_of: Callable[[str, str, _Tally], Iterable[dict[str, Any]]],
) -> EditsImportResult:
    p = Path(path).expanduser()
    files = edit_files(p)
    label = LABELS[kind]
    table = model.__table__
    tally = _Tally()
    with store.uow() as uow:
        s = uow.session
        replaced = s.execute(delete(table)).rowcount or 0
        release = CodeSetRelease(
            kind=kind,
            release=p.name[:120],
            source=f"CMS {label} file {p}"[:200],
            code_count=0,
            loaded_by=uow.actor[:40],
        )
        s.add(release)
        s.flush()
        total = 0
        batch: list[dict[str, Any]] = []
        for f in files:
            before = total + len(batch)
            for row in rows_of(read_text_file(f), f.name, tally):
                row["release_id"] = release.id
                batch.append(row)
                if len(batch) >= BATCH:
                    s.execute(insert(table), batch)
                    total += len(batch)
                    batch = []
            if total + len(batch) == before:
                raise ImportFileError(f"{f.name} has no {label} rows below its header")
        if batch:
            s.execute(insert(table), batch)
            total += len(batch)
        release.code_count = total
        uow.audit(
            "import",
            "code_set",
            kind,
            f"Imported {total} {label}s from {p.name}"
            + (f" ({len(files)} files)" if len(files) > 1 else "")
            + f", replacing {replaced}",
        )
    return EditsImportResult(
        kind=kind,
        path=str(p),
        added=total,
        updated=0,
        total=total,
        release=p.name[:120],
        skipped=tally.skipped,
        replaced=replaced,
        files=len(files),
    )


def import_ncci_ptp(store: Store, path: str | Path) -> EditsImportResult:
    """Replace the NCCI PTP edits with those of ``path`` (a file, or a folder of the CMS
    practitioner files); nothing changes when any row is unusable."""
    return _import(store, PTP_KIND, path, NcciPtpEdit, iter_ptp_rows)


def import_mue(store: Store, path: str | Path) -> EditsImportResult:
    """Replace the MUEs with those of ``path``; nothing changes when any row is unusable."""
    return _import(store, MUE_KIND, path, MueEdit, iter_mue_rows)


def import_edits(store: Store, kind: str, path: str | Path) -> EditsImportResult:
    """``import_ncci_ptp`` or ``import_mue`` by ``kind`` ("ncci-ptp" or "mue")."""
    if kind == PTP_KIND:
        return import_ncci_ptp(store, path)
    if kind == MUE_KIND:
        return import_mue(store, path)
    raise ValidationError(f"{kind!r} is not an edit file kind; choose one of: {', '.join(KINDS)}")
