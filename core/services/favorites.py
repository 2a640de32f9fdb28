"""Per-provider favorite codes: the short list a provider's visits are usually coded from.

The coder's screen offers the rendering provider's favorites as quick picks. Kinds are
``icd10`` (diagnoses), ``cpt`` and ``hcpcs`` (procedures); ``PROCEDURE_KINDS`` lists the two
procedure kinds together. Favorites keep the order they were added in (``position``) unless
moved.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from core import codes as C
from core.errors import NotFound, ValidationError
from core.services import codesets
from core.services._common import translate_db_errors
from core.store import Store
from db import queries
from db.models import Provider, ProviderFavorite

KINDS: tuple[str, ...] = ("icd10", "cpt", "hcpcs")
PROCEDURE_KINDS: tuple[str, ...] = ("cpt", "hcpcs")
MAX_PER_KIND = 50


class FavoriteOut(BaseModel):
    """One favorite, with its description from the code set (CPT: the loaded wording)."""

    model_config = ConfigDict(frozen=True)

    provider_id: int
    kind: str
    code: str
    description: str
    billable: bool
    position: int


def _kind(kind: str) -> str:
    kind = (kind or "").strip().lower()
    if kind not in KINDS:
        raise ValidationError(f"favorites are kept for {', '.join(KINDS)} codes, not {kind!r}")
    return kind


def _kinds(kind: str | Sequence[str] | None) -> tuple[str, ...]:
    if kind is None:
        return KINDS
    if isinstance(kind, str):
        return (_kind(kind),)
    return tuple(_kind(k) for k in kind)


def _provider(session, provider_id: int) -> Provider:
    provider = session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(f"No provider with id {provider_id}.")
    return provider


def add_favorite(store: Store, provider_id: int, kind: str, code: str) -> FavoriteOut:
    """Add ``code`` to the provider's favorites (at the end). The code must be in the code set;
    a diagnosis category (not billable) may not be a favorite."""
    kind = _kind(kind)
    shown = codesets.display_code(kind, code or "")
    if kind != "icd10" and C.procedure_kind(shown) != kind:
        raise ValidationError(f"{shown or '(nothing)'} is not a {codesets.LABELS[kind]} code")
    with translate_db_errors("favorite"), store.uow() as uow:
        s = uow.session
        provider = _provider(s, provider_id)
        row = queries.get_code(s, kind, codesets.compact(shown))
        if row is None:
            raise ValidationError(f"{codesets.LABELS[kind]} code {shown} is not in the code set")
        if not row["billable"]:
            raise ValidationError(
                f"{row['code']} is a category, not a billable code; choose a more specific code"
            )
        existing = s.scalars(
            select(ProviderFavorite).where(
                ProviderFavorite.provider_id == provider_id, ProviderFavorite.kind == kind
            )
        ).all()
        if any(f.code == row["code"] for f in existing):
            raise ValidationError(
                f"{row['code']} is already one of {provider.last_name}'s favorites"
            )
        if len(existing) >= MAX_PER_KIND:
            raise ValidationError(
                f"{provider.last_name} has {MAX_PER_KIND} {codesets.LABELS[kind]} favorites; "
                "remove one first"
            )
        position = max((f.position for f in existing), default=0) + 1
        fav = ProviderFavorite(provider_id=provider_id, kind=kind, code=row["code"],
                               position=position)  # fmt: skip
        s.add(fav)
        s.flush()
        uow.audit("create", "provider_favorite", fav.id,
                  f"favorite {kind} {row['code']} for provider {provider_id}")  # fmt: skip
        return FavoriteOut(provider_id=provider_id, kind=kind, code=row["code"],
                           description=row["description"], billable=bool(row["billable"]),
                           position=position)  # fmt: skip


def remove_favorite(store: Store, provider_id: int, kind: str, code: str) -> None:
    """Take ``code`` off the provider's favorites; NotFound when it is not one."""
    kind = _kind(kind)
    shown = codesets.display_code(kind, code or "")
    with store.uow() as uow:
        s = uow.session
        fav = s.scalars(
            select(ProviderFavorite).where(
                ProviderFavorite.provider_id == provider_id,
                ProviderFavorite.kind == kind,
                ProviderFavorite.code == shown,
            )
        ).first()
        if fav is None:
            raise NotFound(f"{shown} is not one of this provider's favorites.")
        s.delete(fav)
        uow.audit("delete", "provider_favorite", fav.id,
                  f"removed favorite {kind} {shown} for provider {provider_id}")  # fmt: skip


def is_favorite(store: Store, provider_id: int, kind: str, code: str) -> bool:
    kind = _kind(kind)
    shown = codesets.display_code(kind, code or "")
    with store.uow() as uow:
        return bool(
            uow.session.scalar(
                select(func.count()).where(
                    ProviderFavorite.provider_id == provider_id,
                    ProviderFavorite.kind == kind,
                    ProviderFavorite.code == shown,
                )
            )
        )


def toggle_favorite(store: Store, provider_id: int, kind: str, code: str) -> bool:
    """Add the code when it is not a favorite, remove it when it is; True when now a favorite."""
    if is_favorite(store, provider_id, kind, code):
        remove_favorite(store, provider_id, kind, code)
        return False
    add_favorite(store, provider_id, kind, code)
    return True


def list_favorites(
    store: Store, provider_id: int, kind: str | Sequence[str] | None = None
) -> list[FavoriteOut]:
    """The provider's favorites of ``kind`` (a kind, several, or all), in their order."""
    kinds = _kinds(kind)
    with store.uow() as uow:
        s = uow.session
        _provider(s, provider_id)
        rows = s.scalars(
            select(ProviderFavorite)
            .where(ProviderFavorite.provider_id == provider_id, ProviderFavorite.kind.in_(kinds))
            .order_by(ProviderFavorite.kind, ProviderFavorite.position, ProviderFavorite.id)
        ).all()
        order = {k: i for i, k in enumerate(kinds)}
        out = []
        for fav in sorted(rows, key=lambda f: (order[f.kind], f.position, f.id)):
            code = queries.get_code(s, fav.kind, codesets.compact(fav.code))
            out.append(
                FavoriteOut(
                    provider_id=provider_id,
                    kind=fav.kind,
                    code=fav.code,
                    description=code["description"] if code else "(no longer in the code set)",
                    billable=bool(code["billable"]) if code else False,
                    position=fav.position,
                )
            )
        return out


def move_favorite(store: Store, provider_id: int, kind: str, code: str, offset: int) -> None:
    """Move a favorite up (offset < 0) or down (offset > 0) in its list."""
    kind = _kind(kind)
    shown = codesets.display_code(kind, code or "")
    with store.uow() as uow:
        s = uow.session
        favs = list(
            s.scalars(
                select(ProviderFavorite)
                .where(ProviderFavorite.provider_id == provider_id, ProviderFavorite.kind == kind)
                .order_by(ProviderFavorite.position, ProviderFavorite.id)
            )
        )
        index = next((i for i, f in enumerate(favs) if f.code == shown), None)
        if index is None:
            raise NotFound(f"{shown} is not one of this provider's favorites.")
        target = max(0, min(len(favs) - 1, index + offset))
        favs.insert(target, favs.pop(index))
        for position, fav in enumerate(favs, start=1):
            fav.position = position
        s.flush()
