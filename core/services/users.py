"""Users with roles, and reading the audit trail."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.errors import ValidationError
from core.schemas import AuditOut, UserOut
from core.services._common import translate_db_errors
from core.store import Store
from db.models import AuditRecord, User

ROLES = {
    "admin": "sets up the practice, payers and users",
    "biller": "builds, submits and follows claims; posts payments",
    "coder": "codes encounters from the provider's documentation",
    "trainer": "teaches new staff; works in demo data",
    "viewer": "reads only",
}


def add_user(store: Store, username: str, full_name: str, role: str) -> UserOut:
    username = username.strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9._-]{1,39}", username):
        raise ValidationError(
            "user names are 2-40 characters: letters, digits, dot, dash or underscore"
        )
    if role not in ROLES:
        raise ValidationError(f"role must be one of: {', '.join(ROLES)}")
    if not full_name.strip():
        raise ValidationError("a user needs a full name")
    with translate_db_errors("user"), store.uow() as uow:
        if uow.session.scalar(select(User.id).where(User.username == username)):
            raise ValidationError(f"user {username} already exists")
        user = User(username=username, full_name=full_name.strip(), role=role)
        uow.session.add(user)
        uow.session.flush()
        uow.audit("create", "user", user.id, f"user {username} ({role})")
        return UserOut.model_validate(user)


def list_users(store: Store) -> list[UserOut]:
    with store.uow() as uow:
        return [
            UserOut.model_validate(u)
            for u in uow.session.scalars(select(User).order_by(User.username))
        ]


def audit_trail(
    store: Store,
    *,
    entity: str | None = None,
    entity_id: object | None = None,
    patient_id: int | None = None,
    limit: int = 200,
) -> list[AuditOut]:
    with store.uow() as uow:
        query = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
        if entity:
            query = query.where(AuditRecord.entity == entity)
        if entity_id is not None:
            query = query.where(AuditRecord.entity_id == str(entity_id))
        if patient_id is not None:
            query = query.where(AuditRecord.patient_id == patient_id)
        return [AuditOut.model_validate(a) for a in uow.session.scalars(query)]
