"""The claims queue rows, the notes log and the timeline of a claim."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import NotFound, ValidationError
from core.services import claims
from db.models import ClaimFinding, ClaimOverride
from tests.integration.helpers import built_claim, small_practice


@pytest.fixture
def world(codes_store):
    return small_practice(codes_store)


@pytest.fixture
def store(codes_store):
    return codes_store


def test_claim_rows_carry_money_payer_and_patient(store, world):
    claim_id = built_claim(store, world)
    (row,) = claims.claim_rows(store)
    assert row.id == claim_id
    assert row.payer_code == "SBX01"
    assert row.patient_name == "Testpatient, Ada"
    assert row.charge_cents == 21000 == row.balance_cents
    assert row.paid_cents == 0 and row.errors == 0 and not row.blocked
    assert claims.claim_rows(store, status="paid") == []
    assert claims.claim_rows(store, payer_code="sbx05") == []
    assert [r.id for r in claims.claim_rows(store, payer_code="sbx01")] == [claim_id]


def test_findings_block_until_a_warning_is_overridden(store, world):
    claim_id = built_claim(store, world)
    with store.uow() as uow:
        uow.session.add_all([
            ClaimFinding(claim_id=claim_id, rule_id="W1", severity="warning", line_number=1,
                         message="warn one", fix_hint="h", source="practice"),
            ClaimFinding(claim_id=claim_id, rule_id="E1", severity="error", line_number=0,
                         message="the error", fix_hint="h", source="5010 guide"),
        ])  # fmt: skip
    (row,) = claims.claim_rows(store)
    assert (row.errors, row.warnings, row.first_problem) == (1, 1, "the error")
    with store.uow() as uow:
        uow.session.query(ClaimFinding).filter_by(rule_id="E1").delete()
        uow.session.add(ClaimOverride(claim_id=claim_id, rule_id="W1", line_number=1,
                                      reason="provider confirmed", actor="t"))  # fmt: skip
    (row,) = claims.claim_rows(store)
    assert (row.errors, row.warnings, row.blocked) == (0, 0, False)


def test_notes_and_calls_are_logged_and_checked(store, world):
    claim_id = built_claim(store, world)
    with pytest.raises(ValidationError, match="empty"):
        claims.add_note(store, claim_id, "   ")
    with pytest.raises(ValidationError, match="spoke with"):
        claims.add_note(store, claim_id, "called about status", kind="call")
    with pytest.raises(NotFound):
        claims.add_note(store, 9999, "x")
    claims.add_note(store, claim_id, "claim looks right")
    call = claims.add_note(
        store, claim_id, "in process, 10 more days", kind="call", contact="Dana at provider line",
        reference="REF123", follow_up_on=dt.date(2026, 12, 1),
    )  # fmt: skip
    assert call.reference == "REF123"
    assert [n.kind for n in claims.notes(store, claim_id)] == ["note", "call"]
    items = claims.timeline(store, claim_id)
    assert items[0].kind == "status" and items[0].title.startswith("new")
    kinds = [i.kind for i in items]
    assert kinds.index("note") < kinds.index("call")
    assert any("Dana" in i.title and "REF123" in i.title for i in items)
    assert [i.at for i in items] == sorted(i.at for i in items)
