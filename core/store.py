"""Opening the store: where the database lives, and the unit of work services use."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from core.errors import StoreError

# db.migrate pulls in Alembic (~0.2 s): imported where needed so the TUI starts fast.
from db import schema_state
from db.engine import BadDatabaseURL, make_engine, make_session_factory, normalize_url, sqlite_path
from db.uow import UnitOfWork

ENV_VAR = "CLAIMDESK_DB"
APP_NAME = "claimdesk"


def data_dir() -> Path:
    return Path(os.environ.get("CLAIMDESK_HOME") or user_data_dir(APP_NAME, appauthor=False))


def default_url() -> str:
    """The real database: CLAIMDESK_DB if set, else claimdesk.db in the user's data directory."""
    env = os.environ.get(ENV_VAR)
    if env:
        return env
    return str(data_dir() / "claimdesk.db")


def demo_url() -> str:
    """The demo database, kept apart from the real one."""
    return str(data_dir() / "claimdesk-demo.db")


def _reason(exc: DBAPIError) -> str:
    """The driver's message as one line (PostgreSQL's run to several)."""
    text = " ".join(str(exc.orig).split())
    return text.rstrip(".")


class Store:
    """A database ClaimDesk works in, and the user working in it.

    Creating a Store opens nothing; the first unit of work connects.
    """

    def __init__(self, url: str, actor: str = "system") -> None:
        try:
            self.url = normalize_url(url)
            self.engine: Engine = make_engine(self.url)
        except BadDatabaseURL as exc:
            raise StoreError(f"Cannot open the database: {exc}.") from None
        self.session_factory = make_session_factory(self.engine)
        self.actor = actor

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.actor)

    def as_user(self, actor: str) -> Store:
        """The same database, worked in by another user (shares the engine)."""
        other = Store.__new__(Store)
        other.url, other.engine, other.session_factory = self.url, self.engine, self.session_factory
        other.actor = actor
        return other

    # -- schema -------------------------------------------------------------------------------
    def revision(self) -> str | None:
        try:
            return schema_state.current_revision(self.engine)
        except (OperationalError, DBAPIError) as exc:
            raise StoreError(f"Cannot open the database at {self.url}: {_reason(exc)}.") from None

    def is_empty(self) -> bool:
        try:
            return schema_state.is_empty(self.engine)
        except (OperationalError, DBAPIError) as exc:
            raise StoreError(f"Cannot open the database at {self.url}: {_reason(exc)}.") from None

    def is_current(self) -> bool:
        return self.revision() == schema_state.HEAD

    def upgrade(self) -> tuple[str | None, str]:
        """Migrate to the newest schema; returns (revision before, revision after)."""
        from db import migrate

        before = self.revision()
        try:
            migrate.upgrade(self.engine)
        except (OperationalError, DBAPIError) as exc:
            raise StoreError(
                f"Cannot upgrade the database at {self.url}: {_reason(exc)}."
            ) from None
        return before, migrate.head_revision()

    def require_current(self) -> None:
        """Raise StoreError with the fix when the schema is missing or behind."""
        rev = self.revision()
        if rev is None:
            raise StoreError(
                f"The database at {self.url} has no ClaimDesk tables yet; "
                "run `claimdesk db upgrade` first."
            )
        if rev != schema_state.HEAD:
            raise StoreError(
                f"The database at {self.url} is at schema {rev}, this ClaimDesk needs "
                f"{schema_state.HEAD}; run `claimdesk db upgrade`."
            )

    def dispose(self) -> None:
        self.engine.dispose()
