"""Queries over the ``codes`` table: code search, lookups, and the bulk writes of code-set loads.

SQLAlchemy only (no ``core``): callers pass plain values and get plain row mappings back.

Search has two engines, chosen by the caller:

- **prefix** (``codes_by_prefix``): a range scan on the ``(kind, compact)`` index, for input
  that looks like a code (``E11.9``, ``e119``, ``992``);
- **words** (``codes_by_words``): on SQLite the FTS5 index ``codes_fts`` (migration 0001,
  external content over ``codes``, porter tokenizer, prefix indexes of 2 and 3 characters),
  ranked by bm25; on other backends a LIKE/ILIKE scan of ``description``.

Both rank at most ``cap`` candidates (taken in index/rowid order) before sorting, so a very
broad query ("of", "S") costs a bounded amount of work: the caller gets the best of the first
``cap`` matches instead of waiting for tens of thousands of rows to be ranked.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.orm import Session

from db.models import Code

FTS_TABLE = "codes_fts"
FTS_INSERT_TRIGGER = "codes_fts_ai"

#: Candidates ranked per query at most; above this a query is "broad" (see the module doc).
DEFAULT_CAP = 1000

#: Queries with at most this many matches are ranked by bm25; broader ones by length.
BM25_MAX = 300

#: Inserting at least this many rows at once on SQLite rebuilds the FTS index in one pass
#: instead of feeding it row by row through the insert trigger (about 3x faster for ICD-10-CM).
FAST_LOAD_MIN_ROWS = 20_000

CODE_COLUMNS = (
    "id",
    "kind",
    "code",
    "compact",
    "description",
    "billable",
    "parent_code",
    "effective_from",
    "effective_to",
    "sex",
    "age_min",
    "age_max",
    "is_demo",
    "source",
)

_COLUMN_TYPES = {
    "id": Integer,
    "kind": String,
    "code": String,
    "compact": String,
    "description": Text,
    "billable": Boolean,
    "parent_code": String,
    "effective_from": Date,
    "effective_to": Date,
    "sex": String,
    "age_min": Integer,
    "age_max": Integer,
    "is_demo": Boolean,
    "source": String,
    "score": Float,
}

_codes = Code.__table__


def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (ASCII codes)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _effective_on(on: dt.date | None) -> list[Any]:
    if on is None:
        return []
    return [
        or_(_codes.c.effective_from.is_(None), _codes.c.effective_from <= on),
        or_(_codes.c.effective_to.is_(None), _codes.c.effective_to >= on),
    ]


def _kinds_filter(kinds: Sequence[str] | None) -> list[Any]:
    if not kinds:
        return []
    if len(kinds) == 1:
        return [_codes.c.kind == kinds[0]]
    return [_codes.c.kind.in_(list(kinds))]


def _kind_rank(kinds: Sequence[str] | None) -> Any:
    """Ties between kinds break in the caller's order of kinds."""
    if not kinds or len(kinds) == 1:
        return _codes.c.kind
    return case({k: i for i, k in enumerate(kinds)}, value=_codes.c.kind, else_=len(kinds))


# -- lookups ----------------------------------------------------------------------------------
def get_code(session: Session, kind: str, compact: str) -> RowMapping | None:
    """The code of ``kind`` whose compact form (upper case, no dot) is ``compact``."""
    stmt = select(_codes).where(_codes.c.kind == kind, _codes.c.compact == compact).limit(1)
    return session.execute(stmt).mappings().first()


def count_codes(session: Session, kind: str | None = None) -> int:
    stmt = select(func.count()).select_from(_codes).where(*_kinds_filter([kind] if kind else None))
    return int(session.execute(stmt).scalar_one())


def kinds_present(session: Session) -> set[str]:
    """Kinds that have at least one code."""
    return set(session.execute(select(_codes.c.kind).distinct()).scalars())


def existing_codes(session: Session, kind: str) -> dict[str, RowMapping]:
    """Every code of ``kind``, by code: what an import compares against."""
    rows = session.execute(select(_codes).where(_codes.c.kind == kind)).mappings()
    return {row["code"]: row for row in rows}


# -- search: codes ----------------------------------------------------------------------------
def codes_by_prefix(
    session: Session,
    prefix: str,
    *,
    kinds: Sequence[str] | None = None,
    on: dt.date | None = None,
    limit: int = 20,
    cap: int = DEFAULT_CAP,
) -> list[RowMapping]:
    """Codes whose compact form starts with ``prefix`` (already upper case, no dot).

    Order: the exact code first, then billable codes, then shorter codes, then code order.
    """
    if not prefix:
        return []
    filters = [*_kinds_filter(kinds), *_effective_on(on)]
    exact_stmt = (
        select(_codes)
        .where(_codes.c.compact == prefix, *filters)
        .order_by(_kind_rank(kinds))
        .limit(limit)
    )
    exact = list(session.execute(exact_stmt).mappings())
    if len(exact) >= limit:
        return exact
    # The first `cap` longer codes in index order, then ranked: bounded work for "S" or "9".
    if dialect_name(session) == "sqlite":
        # A range the (kind, compact) index serves; SQLite compares text byte by byte.
        starts = [_codes.c.compact > prefix, _codes.c.compact < prefix_upper_bound(prefix)]
    else:
        # Locale collations (PostgreSQL) may ignore punctuation in a range bound: use LIKE.
        starts = [_codes.c.compact.startswith(prefix, autoescape=True), _codes.c.compact != prefix]
    candidates = (
        select(_codes)
        .where(*starts, *filters)
        .order_by(_codes.c.kind, _codes.c.compact)
        .limit(cap)
        .subquery()
    )
    kind_rank: Any = candidates.c.kind
    if kinds and len(kinds) > 1:
        kind_rank = case(
            {k: i for i, k in enumerate(kinds)}, value=candidates.c.kind, else_=len(kinds)
        )
    ranked = (
        select(candidates)
        .order_by(
            candidates.c.billable.desc(),
            func.length(candidates.c.compact),
            candidates.c.compact,
            kind_rank,
        )
        .limit(limit - len(exact))
    )
    return exact + list(session.execute(ranked).mappings())


# -- search: words ----------------------------------------------------------------------------
def fts_query(words: Sequence[str], *, code_prefix: str | None = None, min_prefix: int = 2) -> str:
    """An FTS5 MATCH expression over the description column: every word, as a prefix, AND-ed.

    Each word is a double-quoted string (inner quotes doubled), so nothing a user types can be
    read as FTS syntax (``AND``, ``NEAR``, ``(``, ``-``, ``*``, ``:``). Words shorter than
    ``min_prefix`` match exactly: a one-letter prefix would touch half the index.

    ``code_prefix`` (two characters or more) adds a prefix term on the compact-code column, so
    "E11 of" intersects two index entries instead of walking every "of". It narrows only
    roughly (the porter tokenizer also stems codes); callers filter the exact range in SQL.
    """
    terms = []
    for word in words:
        quoted = '"' + word.replace('"', '""') + '"'
        terms.append(quoted + "*" if len(word) >= min_prefix else quoted)
    expression = "{description} : (" + " AND ".join(terms) + ")"
    if code_prefix and len(code_prefix) >= 2 and code_prefix.isalnum():
        expression = '{compact} : "' + code_prefix.lower() + '"* AND ' + expression
    return expression


_fts_by_engine: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def _fts_available(session: Session) -> bool:
    """Whether the FTS5 index exists (asked once per engine: migrations create it for good)."""
    engine = session.get_bind()
    known = _fts_by_engine.get(engine)  # type: ignore[arg-type]
    if known:
        return True
    found = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": FTS_TABLE},
    ).first()
    if found is not None:
        _fts_by_engine[engine] = True  # type: ignore[index]
    return found is not None


def kind_id_range(session: Session, kind: str) -> tuple[int, int] | None:
    """The smallest and largest row id of ``kind`` (an index-only scan of that kind)."""
    row = session.execute(
        select(func.min(_codes.c.id), func.max(_codes.c.id)).where(_codes.c.kind == kind)
    ).first()
    if row is None or row[0] is None:
        return None
    return int(row[0]), int(row[1])


def codes_by_words(
    session: Session,
    words: Sequence[str],
    *,
    kinds: Sequence[str] | None = None,
    on: dt.date | None = None,
    code_prefix: str | None = None,
    limit: int = 20,
    cap: int = DEFAULT_CAP,
    narrow_to_kind_ids: bool = True,
    narrow_kind_max_rows: int = 50_000,
    bm25_max: int = BM25_MAX,
) -> list[RowMapping]:
    """Codes whose description contains every word (as a word prefix), best first.

    ``code_prefix`` (upper case, no dot) also restricts the compact code: "E11 diabetes".
    Billable codes come first; then relevance (bm25 on SQLite, shorter description elsewhere).

    ``narrow_to_kind_ids``: with one small kind, first find its stretch of row ids (a scan of
    that kind's index entries) and search only there. Pass False for a kind that makes up
    most of the table (ICD-10-CM), where that scan would cost more than it saves.
    """
    words = list(dict.fromkeys(w for w in words if w))  # "unspecified unspecified" once
    if not words:
        return []
    if dialect_name(session) != "sqlite" or not _fts_available(session):
        return codes_by_like(
            session, words, kinds=kinds, on=on, code_prefix=code_prefix, limit=limit, cap=cap
        )

    params: dict[str, Any] = {
        "q": fts_query(words, code_prefix=code_prefix),
        "cap": cap,
        "limit": limit,
    }
    where = ["codes_fts MATCH :q", "c.id = codes_fts.rowid"]
    binds = [bindparam("q", type_=String), bindparam("cap"), bindparam("limit")]
    if kinds:
        where.append("c.kind IN :kinds")
        params["kinds"] = list(kinds)
        binds.append(bindparam("kinds", expanding=True))
        if len(kinds) == 1 and narrow_to_kind_ids:
            # A small code set lives in one stretch of row ids (each set is loaded in one go):
            # bounding the FTS scan to it keeps "injection" in HCPCS from walking ICD-10-CM.
            id_range = kind_id_range(session, kinds[0])
            if id_range is None:
                return []
            if id_range[1] - id_range[0] < narrow_kind_max_rows:
                where.append("codes_fts.rowid BETWEEN :lo AND :hi")
                params["lo"], params["hi"] = id_range
    if on is not None:
        where.append("(c.effective_from IS NULL OR c.effective_from <= :on)")
        where.append("(c.effective_to IS NULL OR c.effective_to >= :on)")
        params["on"] = on
        binds.append(bindparam("on", type_=Date))
    if code_prefix:
        where.append("c.compact >= :plo AND c.compact < :phi")
        params["plo"], params["phi"] = code_prefix, prefix_upper_bound(code_prefix)
    row_filters = len(where) > 2 and any(not w.startswith("codes_fts") for w in where[2:])
    # How many candidates? Counting stops at cap + 1, so this costs little even for "of".
    probe_from = (
        f"{FTS_TABLE} CROSS JOIN codes AS c WHERE {' AND '.join(where)}"
        if row_filters
        else f"{FTS_TABLE} WHERE {' AND '.join(w for w in where if w.startswith('codes_fts'))}"
    )
    probe_sql = f"SELECT count(*) FROM (SELECT 1 FROM {probe_from} LIMIT :cap + 1)"
    probe = text(probe_sql).bindparams(*(b for b in binds if f":{b.key}" in probe_sql))
    found = session.execute(probe, params).scalar_one()
    if not found:
        return []
    columns = ", ".join(f"c.{name} AS {name}" for name in CODE_COLUMNS)
    if found <= bm25_max:
        # Every match ranked: bm25 over the description (weights: compact 0, description 1).
        score = f"bm25({FTS_TABLE}, 0.0, 1.0)"
    else:
        # A broad query ("of", "unspecified fracture"): rank by length alone. bm25 first
        # counts every document of every word (milliseconds for "of" or "unspecified"), and
        # where every candidate holds every word it ranks mostly by length anyway.
        score = "0.0"
    # CROSS JOIN pins the join order: walk the FTS matches, look each row up by primary key.
    sql = (
        f"SELECT * FROM ("
        f"SELECT {columns}, {score} AS score "
        f"FROM {FTS_TABLE} CROSS JOIN codes AS c "
        f"WHERE {' AND '.join(where)} LIMIT :cap) "
        f"ORDER BY billable DESC, score, length(description), kind, code "
        f"LIMIT :limit"
    )
    stmt = text(sql).bindparams(*binds).columns(**_COLUMN_TYPES)
    return list(session.execute(stmt, params).mappings())


def codes_by_like(
    session: Session,
    words: Sequence[str],
    *,
    kinds: Sequence[str] | None,
    on: dt.date | None,
    code_prefix: str | None,
    limit: int,
    cap: int,
) -> list[RowMapping]:
    """Backends without FTS5 (PostgreSQL): every word as a case-insensitive substring."""
    conditions = [_codes.c.description.ilike(f"%{word}%") for word in words]
    if code_prefix:
        conditions.append(_codes.c.compact.startswith(code_prefix, autoescape=True))
    candidates = (
        select(_codes)
        .where(*conditions, *_kinds_filter(kinds), *_effective_on(on))
        .limit(cap)
        .subquery()
    )
    stmt = (
        select(candidates)
        .order_by(
            candidates.c.billable.desc(),
            func.length(candidates.c.description),
            candidates.c.kind,
            candidates.c.code,
        )
        .limit(limit)
    )
    return list(session.execute(stmt).mappings())


def first_billable_under(
    session: Session, kind: str, compact: str, *, limit: int = 3
) -> list[RowMapping]:
    """A few billable codes under a non-billable one (E11 -> E11.8, E11.9, ...), shortest first."""
    stmt = (
        select(_codes)
        .where(
            _codes.c.kind == kind,
            _codes.c.compact.startswith(compact, autoescape=True)
            if dialect_name(session) != "sqlite"
            else and_(_codes.c.compact > compact, _codes.c.compact < prefix_upper_bound(compact)),
            _codes.c.compact != compact,
            _codes.c.billable.is_(True),
        )
        .order_by(func.length(_codes.c.compact), _codes.c.compact)
        .limit(limit)
    )
    return list(session.execute(stmt).mappings())


# -- writes -----------------------------------------------------------------------------------
def insert_codes(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many code rows at once (executemany), keeping the FTS index in step.

    Large loads on SQLite skip the per-row FTS trigger: the trigger is dropped inside this
    transaction, the rows go in, the index is rebuilt in one pass and merged, and the trigger
    is put back from its own stored SQL. Any failure rolls all of it back together.
    """
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name != "sqlite" or len(rows) < FAST_LOAD_MIN_ROWS:
        conn.execute(insert(_codes), list(rows))
        return
    trigger_sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (FTS_INSERT_TRIGGER,),
    ).scalar()
    # The first row goes in the ordinary way: the DML opens the transaction, so the DDL below
    # is transactional too (pysqlite only begins a transaction before DML).
    conn.execute(insert(_codes), [rows[0]])
    in_txn = getattr(conn.connection.dbapi_connection, "in_transaction", False)
    if trigger_sql is None or not in_txn:
        conn.execute(insert(_codes), list(rows[1:]))
        return
    conn.exec_driver_sql(f"DROP TRIGGER {FTS_INSERT_TRIGGER}")
    conn.execute(insert(_codes), list(rows[1:]))
    conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
    conn.exec_driver_sql(trigger_sql)


def update_codes(session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
    """Update code rows by primary key (each mapping has ``id`` plus the columns to set)."""
    rows = list(rows)
    if rows:
        session.execute(update(Code), rows)


def optimize_search_index(session: Session) -> None:
    """Merge the FTS segments (after many trigger-fed changes); SQLite only, cheap to repeat."""
    if dialect_name(session) == "sqlite" and _fts_available(session):
        session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')"))


__all__ = [
    "CODE_COLUMNS",
    "DEFAULT_CAP",
    "codes_by_like",
    "codes_by_prefix",
    "codes_by_words",
    "count_codes",
    "existing_codes",
    "first_billable_under",
    "fts_query",
    "get_code",
    "insert_codes",
    "kind_id_range",
    "kinds_present",
    "optimize_search_index",
    "update_codes",
]
