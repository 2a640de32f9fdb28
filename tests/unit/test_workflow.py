import datetime as dt
import itertools

import pytest

from core.errors import IllegalTransition, ValidationError
from core.workflow import (
    ENCOUNTER_TRANSITIONS,
    FINAL_STATUSES,
    TRANSITIONS,
    ClaimStatus,
    EncounterStatus,
    allowed_targets,
    check_encounter_transition,
    creation_event,
    transition,
)

LEGAL = [(a, b) for a, targets in TRANSITIONS.items() for b in sorted(targets)]
ILLEGAL = [
    (a, b) for a, b in itertools.product(ClaimStatus, ClaimStatus) if b not in TRANSITIONS[a]
]


def test_table_covers_every_status():
    assert set(TRANSITIONS) == set(ClaimStatus)
    assert FINAL_STATUSES == {ClaimStatus.CORRECTED, ClaimStatus.VOID}


@pytest.mark.parametrize("current,target", LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_every_legal_transition_leaves_an_event(current, target):
    at = dt.datetime(2026, 11, 2, 9, 30)
    event = transition(current, target, actor="jdoe", reason="because", now=at)
    assert (event.from_status, event.to_status) == (current, target)
    assert event.actor == "jdoe" and event.reason == "because" and event.at == at


@pytest.mark.parametrize("current,target", ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_every_illegal_transition_is_refused(current, target):
    with pytest.raises(IllegalTransition) as info:
        transition(current, target, actor="jdoe", reason="try", claim_ref="CD0000000001")
    message = str(info.value)
    assert "CD0000000001" in message and current.value in message and target.value in message


def test_refusal_names_the_allowed_moves():
    with pytest.raises(IllegalTransition) as info:
        transition("draft", "paid", actor="a", reason="r")
    assert info.value.allowed == ["edits", "ready", "void"]
    assert "edits, ready, void" in str(info.value)
    with pytest.raises(IllegalTransition, match="final status"):
        transition("void", "draft", actor="a", reason="r")


def test_self_transitions_are_not_allowed():
    for status in ClaimStatus:
        assert status not in TRANSITIONS[status]


def test_who_and_why_are_required():
    with pytest.raises(ValidationError, match="user"):
        transition("draft", "ready", actor=" ", reason="clean")
    with pytest.raises(ValidationError, match="reason"):
        transition("draft", "ready", actor="a", reason="")
    with pytest.raises(ValidationError, match="unknown claim status"):
        transition("draft", "lost", actor="a", reason="r")


def test_every_status_is_reachable_from_draft():
    seen, frontier = {ClaimStatus.DRAFT}, [ClaimStatus.DRAFT]
    while frontier:
        for nxt in allowed_targets(frontier.pop()):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(ClaimStatus)


def test_the_happy_path_of_a_claim():
    path = ["draft", "ready", "batched", "submitted", "accepted", "paid", "closed"]
    for a, b in itertools.pairwise(path):
        transition(a, b, actor="biller", reason=f"{a} to {b}")


def test_creation_event():
    event = creation_event("biller", "built from encounter 3")
    assert event.from_status is None and event.to_status == ClaimStatus.DRAFT


def test_encounter_transitions():
    assert set(ENCOUNTER_TRANSITIONS) == set(EncounterStatus)
    assert check_encounter_transition("open", "coded") == EncounterStatus.CODED
    assert check_encounter_transition("coded", "query") == EncounterStatus.QUERY
    with pytest.raises(ValidationError, match="cannot become"):
        check_encounter_transition("open", "billed")
    with pytest.raises(ValidationError):
        check_encounter_transition("void", "open")
