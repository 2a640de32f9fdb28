"""Every public 835 through the posting path: none crashes; each is refused or held with a
reason a biller can read, and nothing reaches the ledger (none of their claims are ours)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.services import answers
from db.models import LedgerEntry
from tests.integration.helpers import small_practice

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "x12-samples"
FILES = sorted(p for folder in ("835", "835-no-envelope") for p in (SAMPLES / folder).glob("*")
               if p.is_file())  # fmt: skip


@pytest.mark.skipif(not FILES, reason="public samples not found")
def test_public_835s_are_read_and_refused_or_held_never_crash(codes_store):
    store = codes_store
    small_practice(store)
    outcomes = {p.name: answers.import_path(store, p) for p in FILES}
    for name, o in outcomes.items():
        assert o.type in ("835", "?"), name
        assert not o.applied, (name, o)
        assert o.errors, name
        for message in o.errors:
            assert "Traceback" not in message and len(message) < 2000, name
    held = [n for n, o in outcomes.items() if o.held]
    refused = [n for n, o in outcomes.items() if not o.held]
    assert held and refused  # some do not balance; the rest speak of claims we never sent
    assert all("held for review" in outcomes[n].errors[0] for n in held)
    assert all("never sent" in outcomes[n].errors[0] or "835" in outcomes[n].errors[0]
               for n in refused)  # fmt: skip
    with store.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
