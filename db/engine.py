"""Engines and sessions. Nothing is created at import time."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 5000


class BadDatabaseURL(ValueError):
    """The database URL cannot be used."""


def sqlite_url_for(path: str | os.PathLike[str]) -> str:
    return f"sqlite+pysqlite:///{Path(path).expanduser().resolve()}"


def normalize_url(url_or_path: str) -> str:
    """A SQLAlchemy URL as given, or a bare filesystem path turned into a SQLite file URL."""
    text = url_or_path.strip()
    if not text:
        raise BadDatabaseURL("the database URL is empty")
    if "://" not in text:
        return sqlite_url_for(text)
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise BadDatabaseURL(f"cannot parse database URL {text!r}") from exc
    return url.render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other backends and in-memory databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


SQLITE_CACHE_KIB = 65536  # the page cache of every connection, in KiB


def _sqlite_on_connect(
    dbapi_connection, _record
) -> None:  # pragma: no cover - exercised via engines
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A 64 MB page cache (the default is 2 MB): posting a 10,000-claim 835 updates the ledger's
    # indexes some 200,000 times, and at 100,000 patients those indexes outgrow 2 MB.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url`` with the pragmas ClaimDesk relies on (SQLite: WAL, FK, busy timeout)."""
    url = normalize_url(url)
    parsed = make_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            path = sqlite_path(url)
            if path is not None and not path.parent.exists():
                raise BadDatabaseURL(f"the folder {path.parent} does not exist")
            engine = create_engine(url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _sqlite_on_connect)
        else:
            engine = create_engine(url, echo=echo, pool_pre_ping=True)
    except BadDatabaseURL:
        raise
    except (ArgumentError, ImportError) as exc:
        raise BadDatabaseURL(f"cannot use database URL {parsed.render_as_string()}: {exc}") from exc
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
