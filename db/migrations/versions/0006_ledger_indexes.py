"""ledger indexes for bulk posting

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 02:45:00

Posting a large 835 writes tens of thousands of ledger entries in one transaction; each index
on ledger_entries is paid for on every one of them. Two did not earn that:

- ``ix_ledger_entries_txn``: no query looks entries up by txn alone (a batch posting's txn is
  looked up within its batch, through the batch index);
- ``ix_ledger_entries_batch_id`` indexed every 835 entry under NULL: it becomes a partial
  index of the entries that have a batch (paper EOBs, patient payments).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HAS_BATCH = sa.text("batch_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_ledger_entries_txn", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_batch_id", table_name="ledger_entries")
    op.create_index("ix_ledger_entries_batch_id", "ledger_entries", ["batch_id"],
                    sqlite_where=_HAS_BATCH, postgresql_where=_HAS_BATCH)  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_batch_id", table_name="ledger_entries")
    op.create_index("ix_ledger_entries_batch_id", "ledger_entries", ["batch_id"])
    op.create_index("ix_ledger_entries_txn", "ledger_entries", ["txn"])
