"""Alembic environment for ClaimDesk.

The URL comes from, in order: a connection handed over by db.migrate, the ``sqlalchemy.url``
option, or the CLAIMDESK_DB environment variable.
"""

from __future__ import annotations

import os
import warnings

from alembic import context

from db import models  # noqa: F401  (registers the tables on Base.metadata)
from db.base import Base
from db.engine import make_engine, normalize_url

# Expression indexes (lower(name)) are written by hand in migrations; autogenerate cannot
# compare them and says so on every run. They are tested by tests/integration/test_migrations.py.
warnings.filterwarnings("ignore", message=".*expression-based index.*")

config = context.config
target_metadata = Base.metadata

# SQLite FTS5 virtual tables and their shadow tables are managed by hand in migrations.
_UNMANAGED_PREFIXES = ("codes_fts",)


def include_name(name, type_, parent_names):
    if type_ == "table" and name and name.startswith(_UNMANAGED_PREFIXES):
        return False
    return True


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("CLAIMDESK_DB")
    if not url:
        raise SystemExit("Set CLAIMDESK_DB to the database URL or path (see README).")
    engine = make_engine(normalize_url(url))
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("CLAIMDESK_DB")
    context.configure(
        url=normalize_url(url or "claimdesk.db"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
