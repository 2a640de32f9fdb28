"""The practice, its providers and facilities, and the payers it bills."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.errors import NotFound, ValidationError
from core.schemas import (
    FacilityIn,
    FacilityOut,
    PayerIn,
    PayerOut,
    PracticeIn,
    PracticeOut,
    ProviderIn,
    ProviderOut,
)
from core.services._common import parse, translate_db_errors
from core.store import Store
from db.models import Facility, Payer, Practice, Provider


def _the_practice(session) -> Practice | None:
    return session.scalars(select(Practice).order_by(Practice.id).limit(1)).first()


def save_practice(store: Store, data: PracticeIn | dict[str, Any]) -> PracticeOut:
    """Create the practice, or update it when one exists (ClaimDesk bills for one practice)."""
    data = parse(PracticeIn, data)
    with translate_db_errors("practice"), store.uow() as uow:
        practice = _the_practice(uow.session)
        action = "update" if practice else "create"
        if practice is None:
            practice = Practice(**data.model_dump())
            uow.session.add(practice)
        else:
            for key, value in data.model_dump().items():
                setattr(practice, key, value)
        uow.session.flush()
        uow.audit(action, "practice", practice.id, f"practice {practice.name}")
        return PracticeOut.model_validate(practice)


def get_practice(store: Store) -> PracticeOut | None:
    with store.uow() as uow:
        practice = _the_practice(uow.session)
        return PracticeOut.model_validate(practice) if practice else None


def add_provider(store: Store, data: ProviderIn | dict[str, Any]) -> ProviderOut:
    data = parse(ProviderIn, data)
    with translate_db_errors("provider"), store.uow() as uow:
        practice = _the_practice(uow.session)
        if practice is None:
            raise ValidationError("Set up the practice before adding providers.")
        if uow.session.scalar(select(Provider.id).where(Provider.npi == data.npi)):
            raise ValidationError(f"A provider with NPI {data.npi} already exists.")
        provider = Provider(practice_id=practice.id, **data.model_dump())
        uow.session.add(provider)
        uow.session.flush()
        uow.audit("create", "provider", provider.id, f"provider {data.last_name} NPI {data.npi}")
        return ProviderOut.model_validate(provider)


def list_providers(store: Store, *, active_only: bool = True) -> list[ProviderOut]:
    with store.uow() as uow:
        query = select(Provider).order_by(Provider.last_name, Provider.first_name)
        if active_only:
            query = query.where(Provider.active.is_(True))
        return [ProviderOut.model_validate(p) for p in uow.session.scalars(query)]


def add_facility(store: Store, data: FacilityIn | dict[str, Any]) -> FacilityOut:
    data = parse(FacilityIn, data)
    with translate_db_errors("facility"), store.uow() as uow:
        practice = _the_practice(uow.session)
        if practice is None:
            raise ValidationError("Set up the practice before adding facilities.")
        facility = Facility(practice_id=practice.id, **data.model_dump())
        uow.session.add(facility)
        uow.session.flush()
        uow.audit("create", "facility", facility.id, f"facility {data.name}")
        return FacilityOut.model_validate(facility)


def list_facilities(store: Store) -> list[FacilityOut]:
    with store.uow() as uow:
        rows = uow.session.scalars(select(Facility).order_by(Facility.name))
        return [FacilityOut.model_validate(f) for f in rows]


def add_payer(store: Store, data: PayerIn | dict[str, Any]) -> PayerOut:
    data = parse(PayerIn, data)
    with translate_db_errors("payer"), store.uow() as uow:
        if uow.session.scalar(select(Payer.id).where(Payer.payer_code == data.payer_code)):
            raise ValidationError(f"A payer with payer ID {data.payer_code} already exists.")
        payer = Payer(**data.model_dump())
        uow.session.add(payer)
        uow.session.flush()
        uow.audit("create", "payer", payer.id, f"payer {data.name} ({data.payer_code})")
        return PayerOut.model_validate(payer)


def list_payers(store: Store, *, active_only: bool = True) -> list[PayerOut]:
    with store.uow() as uow:
        query = select(Payer).order_by(Payer.name)
        if active_only:
            query = query.where(Payer.active.is_(True))
        return [PayerOut.model_validate(p) for p in uow.session.scalars(query)]


def get_payer(store: Store, payer_code: str) -> PayerOut:
    with store.uow() as uow:
        payer = uow.session.scalars(select(Payer).where(Payer.payer_code == payer_code)).first()
        if payer is None:
            raise NotFound(f"No payer with payer ID {payer_code!r}.")
        return PayerOut.model_validate(payer)
