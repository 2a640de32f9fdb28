"""Where a database's schema stands, read without importing Alembic (so the TUI starts fast).

``HEAD`` must name the newest migration; tests/integration/test_migrations.py checks it
against Alembic's script directory, so forgetting to bump it fails the suite.
"""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

HEAD = "0006"


def current_revision(engine: Engine) -> str | None:
    """The revision in alembic_version, or None for a database never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def is_empty(engine: Engine) -> bool:
    """True when the database has no tables at all (a brand-new file)."""
    return not inspect(engine).get_table_names()
