"""Control numbers for outgoing X12 (ISA13, GS06, ST02): persisted, unique, never reused."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import ControlCounter

INTERCHANGE = "interchange"
_MAX = 999_999_999  # ISA13 is nine digits


def next_control_number(session: Session, name: str = INTERCHANGE) -> int:
    """The next number of counter ``name``, taken inside the caller's transaction.

    The UPDATE comes first so that the row is write-locked (SQLite takes the database write lock,
    PostgreSQL the row lock) before it is read: two checks at once cannot get the same number. If
    the transaction rolls back, the number is given out again, which is fine: it was never sent.
    """
    bumped = session.execute(
        update(ControlCounter)
        .where(ControlCounter.name == name)
        .values(value=ControlCounter.value + 1)
    )
    if bumped.rowcount == 0:
        session.add(ControlCounter(name=name, value=1))
        session.flush()
        return 1
    value = session.scalar(select(ControlCounter.value).where(ControlCounter.name == name))
    assert value is not None
    if value > _MAX:
        raise OverflowError(f"X12 control counter {name!r} has run past {_MAX}")
    return value
