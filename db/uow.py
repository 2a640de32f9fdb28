"""Unit of work: one session, one transaction; commit on success, roll back on any error."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from db.models import AuditRecord


class UnitOfWork:
    """``with UnitOfWork(factory, actor) as uow: ...`` commits when the block ends cleanly.

    Anything raised inside the block rolls the whole transaction back.
    """

    def __init__(self, session_factory: sessionmaker[Session], actor: str) -> None:
        self._factory = session_factory
        self.actor = actor
        self.session: Session
        # Set by a dry run (a preview): everything is computed, then rolled back on exit.
        self.discard = False

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.session.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None and not self.discard:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: object | None,
        summary: str,
        *,
        patient_id: int | None = None,
    ) -> None:
        """Record who did what to which record, inside this same transaction."""
        self.session.add(
            AuditRecord(
                actor=self.actor,
                action=action,
                entity=entity,
                entity_id=None if entity_id is None else str(entity_id),
                patient_id=patient_id,
                summary=summary,
            )
        )
