"""Bulk loading: many rows into many tables quickly, for the synthetic demo practice.

Rows are plain dicts keyed by column name, with primary keys already assigned by the caller
(starting from :meth:`BulkLoader.next_id`), so inserts need no RETURNING and go through the
driver's ``executemany`` in chunks. Everything happens in one unit of work: if anything fails,
nothing is written.

This is not a general import path: it skips the per-record checks services make, and is meant for
data the caller generated and vouches for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Date, DateTime, Table, bindparam, func, select, text
from sqlalchemy.engine import make_url

from core.store import Store
from db import models
from db.uow import UnitOfWork

# Tables a bulk load may fill, in an order that satisfies every foreign key.
TABLE_ORDER: tuple[str, ...] = (
    "users",
    "fee_schedule",
    "practices",
    "providers",
    "facilities",
    "payers",
    "guarantors",
    "patients",
    "accounts",
    "insurance_policies",
    "authorizations",
    "encounters",
    "diagnoses",
    "service_lines",
    "claims",
    "claim_lines",
    "claim_events",
    "ledger_entries",
)

_MODELS: dict[str, type[models.Base]] = {
    m.__tablename__: m
    for m in (
        models.User,
        models.FeeScheduleItem,
        models.Practice,
        models.Provider,
        models.Facility,
        models.Payer,
        models.Guarantor,
        models.Patient,
        models.Account,
        models.InsurancePolicy,
        models.Authorization,
        models.Encounter,
        models.Diagnosis,
        models.ServiceLine,
        models.Claim,
        models.ClaimLine,
        models.ClaimEvent,
        models.LedgerEntry,
    )
}

DEFAULT_CHUNK_ROWS = 5000
# SQLite page cache for the loading connection (negative = KiB): big inserts into several
# indexes at once touch many pages; restored when the load ends.
_LOAD_CACHE_KIB = 256 * 1024


def _table(name: str) -> Table:
    try:
        return _MODELS[name].__table__  # type: ignore[return-value]
    except KeyError:
        raise ValueError(f"bulk loading does not handle table {name!r}") from None


def table_columns(name: str) -> tuple[str, ...]:
    """The column names of ``name``: every row given to :meth:`BulkLoader.insert` has them all."""
    return tuple(c.name for c in _table(name).columns)


def _iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _iso_datetime(value: dt.datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME storage format, so stored values compare equal to its own
    return None if value is None else value.isoformat(" ", "microseconds")


def _converter(column) -> Callable[[Any], Any] | None:
    if isinstance(column.type, DateTime):
        return _iso_datetime
    if isinstance(column.type, Date):
        return _iso_date
    return None


class _SqliteInsert:
    """A plain ``INSERT ... VALUES (?, ...)`` with the values converted the way SQLAlchemy's
    SQLite dialect stores them (dates as ISO text). Skips per-row statement compilation, which
    is most of the cost of a large executemany through the ORM or Core."""

    def __init__(self, table: Table) -> None:
        names = [c.name for c in table.columns]
        self.sql = (
            f'INSERT INTO "{table.name}" ({", ".join(f"{n}" for n in names)}) '
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        self.get = operator.itemgetter(*names)
        self.convert: list[tuple[int, Callable[[Any], Any]]] = []
        for i, col in enumerate(table.columns):
            fn = _converter(col)
            if fn is not None:
                self.convert.append((i, fn))

    def params(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        get, convert = self.get, self.convert
        if not convert:
            return [get(r) for r in rows]
        out = []
        for r in rows:
            values = list(get(r))
            for i, fn in convert:
                values[i] = fn(values[i])
            out.append(tuple(values))
        return out


class BulkLoader:
    """``with BulkLoader(store) as load: load.insert("patients", rows)`` — one transaction.

    Counts inserted rows per table in ``inserted``; :meth:`audit_inserts` records one audit
    line per table in the same transaction.
    """

    def __init__(self, store: Store, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        self.store = store
        self.chunk_rows = chunk_rows
        self.inserted: dict[str, int] = {}
        self._uow: UnitOfWork | None = None
        self._cache_size: int | None = None
        self._raw: dict[str, _SqliteInsert] = {}

    # -- the transaction ----------------------------------------------------------------------
    def __enter__(self) -> BulkLoader:
        self._uow = self.store.uow().__enter__()
        if self.store.is_sqlite:
            session = self._uow.session
            self._cache_size = session.execute(text("PRAGMA cache_size")).scalar_one()
            session.execute(text(f"PRAGMA cache_size=-{_LOAD_CACHE_KIB}"))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        uow = self.uow
        try:
            if exc_type is None:
                self._advance_sequences()
        except BaseException as error:  # then roll back, below
            exc_type, exc, tb = type(error), error, error.__traceback__
            raise
        finally:
            if self._cache_size is not None:
                # the pooled connection keeps its pragmas: put the cache size back (best effort:
                # a bigger cache on a failed load's connection harms nothing)
                with contextlib.suppress(Exception):
                    uow.session.execute(text(f"PRAGMA cache_size={int(self._cache_size)}"))
            self._uow = None
            uow.__exit__(exc_type, exc, tb)

    def _advance_sequences(self) -> None:
        """PostgreSQL hands out ids from sequences, which explicit ids do not move: set each
        filled table's sequence past its largest id so later inserts do not collide."""
        if self.store.engine.dialect.name != "postgresql":
            return
        session = self.uow.session
        for name in self.inserted:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f'(SELECT max(id) FROM "{name}"))'
                )
            )

    @property
    def uow(self) -> UnitOfWork:
        if self._uow is None:
            raise RuntimeError("BulkLoader used outside its with block")
        return self._uow

    # -- reading what is there ----------------------------------------------------------------
    def count(self, table: str) -> int:
        return int(
            self.uow.session.execute(select(func.count()).select_from(_table(table))).scalar_one()
        )

    def next_id(self, table: str) -> int:
        """The first free primary key of ``table`` (max(id) + 1)."""
        t = _table(table)
        top = self.uow.session.execute(select(func.max(t.c.id))).scalar_one()
        return int(top or 0) + 1

    def values(self, table: str, *columns: str) -> list[tuple[Any, ...]]:
        """Rows of ``table`` reduced to ``columns`` (small reference tables only)."""
        t = _table(table)
        stmt = select(*(t.c[c] for c in columns)).order_by(t.c.id)
        return [tuple(r) for r in self.uow.session.execute(stmt)]

    # -- writing ------------------------------------------------------------------------------
    def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert ``rows`` (dicts with every column, primary key included) in chunks.

        A column the rows leave out gets its fixed default (or NULL when it has none and allows
        it); a left-out column whose default is computed (a timestamp) is an error, because bulk
        rows must say what they mean.
        """
        if not rows:
            return 0
        rows = _complete(_table(table), rows)
        session = self.uow.session
        step = self.chunk_rows
        if self.store.is_sqlite:
            raw = self._raw.get(table)
            if raw is None:
                raw = self._raw[table] = _SqliteInsert(_table(table))
            conn = session.connection()
            for start in range(0, len(rows), step):
                conn.exec_driver_sql(raw.sql, raw.params(rows[start : start + step]))
        else:
            stmt = _table(table).insert()
            for start in range(0, len(rows), step):
                session.execute(stmt, list(rows[start : start + step]))
        self.inserted[table] = self.inserted.get(table, 0) + len(rows)
        return len(rows)

    def update_column(self, table: str, column: str, values: Mapping[int, Any]) -> int:
        """Set ``column`` of the rows whose id is a key of ``values`` to the mapped value."""
        if not values:
            return 0
        t = _table(table)
        fn = _converter(t.c[column]) if self.store.is_sqlite else None
        items = sorted(values.items())
        if fn is not None:
            params = [(fn(v), k) for k, v in items]
            sql = f'UPDATE "{t.name}" SET "{column}" = ? WHERE id = ?'
            self.uow.session.connection().exec_driver_sql(sql, params)
        else:
            stmt = t.update().where(t.c.id == bindparam("_id")).values({column: bindparam("_v")})
            self.uow.session.execute(stmt, [{"_id": k, "_v": v} for k, v in items])
        return len(items)

    def insert_many(self, batches: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Insert several tables' rows, in foreign-key order."""
        for name in TABLE_ORDER:
            rows = batches.get(name)
            if rows:
                self.insert(name, rows)
        unknown = set(batches) - set(TABLE_ORDER)
        if unknown:
            raise ValueError(f"bulk loading does not handle: {', '.join(sorted(unknown))}")

    def audit_inserts(self, summary_prefix: str, *, tables: Iterable[str] | None = None) -> None:
        """One audit record per table: "<prefix>: inserted N <table>"."""
        for name in tables or TABLE_ORDER:
            n = self.inserted.get(name, 0)
            if n:
                label = name.replace("_", " ")
                self.uow.audit("create", name, None, f"{summary_prefix}: inserted {n:,} {label}")

    @property
    def database(self) -> str:
        """Where the rows went, for people: the file path, or the URL without its password."""
        return database_label(self.store)


def _complete(table: Table, rows: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    missing = [c for c in table.columns if c.name not in rows[0]]
    if not missing:
        return rows
    fill: dict[str, Any] = {}
    for col in missing:
        default = col.default
        if default is not None and getattr(default, "is_scalar", False):
            fill[col.name] = default.arg
        elif default is None and col.nullable:
            fill[col.name] = None
        else:
            raise ValueError(
                f"bulk rows for {table.name} lack {col.name!r}, which has no fixed default"
            )
    return [{**fill, **r} for r in rows]


def database_label(store: Store) -> str:
    """The file path of a SQLite store, else its URL with the password hidden."""
    if store.path is not None:
        return str(store.path)
    return make_url(store.url).render_as_string(hide_password=True)
