"""case-insensitive patient name index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 22:02:00

An expression index on lower(last_name), lower(first_name): name search ("smi" finds Smith)
runs as an index range scan at 100,000 patients. Alembic's autogenerate does not compare
expression indexes, so this one is written by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_patients_name_lower ON patients (lower(last_name), lower(first_name))"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_patients_name_lower")
