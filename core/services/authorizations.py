"""Prior authorizations: what a payer approved, for which services, dates and units.

An authorization belongs to one patient and one payer, lists the service codes it covers
(``97110 97140``), runs from ``start_date`` to ``end_date`` (both inclusive) and approves a
number of units. ``units_used`` counts what visits have taken from it.

- :func:`find_matching` picks the authorization that covers a visit: same patient, a payer the
  patient is covered by on the date (or the payer named), the date in range, and (when codes are
  given) at least one of the visit's codes listed. One with units left wins over a used-up one.
- :func:`expiring` is the home queue's list of authorizations running out: ending (or ended)
  within ``within_days`` days of today, or with ``min_left`` or fewer units left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import codes as C
from core.errors import NotFound, ValidationError
from core.services._common import parse, translate_db_errors
from core.services.patients import coverage_in
from core.store import Store
from db.models import Authorization, Encounter, Patient, Payer


class AuthorizationIn(BaseModel):
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, extra="forbid")

    patient_id: int
    payer_id: int
    number: str = Field(min_length=2, max_length=50)
    service_codes: tuple[str, ...]
    units_approved: int = Field(ge=1, le=9999)
    units_used: int = Field(default=0, ge=0, le=9999)
    start_date: dt.date
    end_date: dt.date
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("number")
    @classmethod
    def _number(cls, v: str) -> str:
        v = v.strip().upper()
        if " " in v:
            raise ValueError("an authorization number has no spaces")
        return v

    @field_validator("service_codes", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        if isinstance(v, str):
            return tuple(v.replace(",", " ").split())
        return v

    @field_validator("service_codes")
    @classmethod
    def _codes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        codes = tuple(dict.fromkeys(c.strip().upper() for c in v if c and c.strip()))
        if not codes:
            raise ValueError("list the service codes the payer approved (e.g. 97110 97140)")
        for code in codes:
            if C.procedure_kind(code) is None:
                raise ValueError(f"{code!r} is not a CPT or HCPCS code")
        if len(" ".join(codes)) > 200:
            raise ValueError("too many service codes for one authorization")
        return codes

    @model_validator(mode="after")
    def _dates_units(self) -> AuthorizationIn:
        if self.end_date < self.start_date:
            raise ValueError("an authorization cannot end before it starts")
        if self.units_used > self.units_approved:
            raise ValueError("more units used than approved")
        return self


class AuthorizationOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    patient_id: int
    patient_name: str
    payer_id: int
    payer_name: str
    number: str
    service_codes: tuple[str, ...]
    units_approved: int
    units_used: int
    start_date: dt.date
    end_date: dt.date
    note: str | None

    @property
    def units_left(self) -> int:
        return max(0, self.units_approved - self.units_used)

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date

    def days_left(self, today: dt.date) -> int:
        """Days from ``today`` to the last covered day (0 on the last day, negative after)."""
        return (self.end_date - today).days

    @property
    def summary(self) -> str:
        """One line for a screen: number, dates, units."""
        return (
            f"{self.number} ({self.payer_name}) {self.start_date:%m/%d/%Y}–{self.end_date:%m/%d/%Y}, "
            f"{self.units_left} of {self.units_approved} units left, for "
            f"{' '.join(self.service_codes)}"
        )


def _out(auth: Authorization, session: Session) -> AuthorizationOut:
    patient = session.get(Patient, auth.patient_id)
    payer = session.get(Payer, auth.payer_id)
    return AuthorizationOut(
        id=auth.id,
        patient_id=auth.patient_id,
        patient_name=f"{patient.last_name}, {patient.first_name}" if patient else "?",
        payer_id=auth.payer_id,
        payer_name=payer.name if payer else "?",
        number=auth.number,
        service_codes=tuple(auth.service_codes.split()),
        units_approved=auth.units_approved,
        units_used=auth.units_used,
        start_date=auth.start_date,
        end_date=auth.end_date,
        note=auth.note,
    )


def _get(session: Session, authorization_id: int) -> Authorization:
    auth = session.get(Authorization, authorization_id)
    if auth is None:
        raise NotFound(f"No authorization with id {authorization_id}.")
    return auth


def add_authorization(store: Store, data: AuthorizationIn | dict[str, Any]) -> AuthorizationOut:
    """Record an authorization the payer gave. The same number twice for one patient and payer
    is refused."""
    data = parse(AuthorizationIn, data)
    with translate_db_errors("authorization"), store.uow() as uow:
        s = uow.session
        if s.get(Patient, data.patient_id) is None:
            raise NotFound(f"No patient with id {data.patient_id}.")
        if s.get(Payer, data.payer_id) is None:
            raise NotFound(f"No payer with id {data.payer_id}.")
        same = s.scalar(
            select(Authorization.id).where(
                Authorization.patient_id == data.patient_id,
                Authorization.payer_id == data.payer_id,
                Authorization.number == data.number,
            )
        )
        if same:
            raise ValidationError(f"authorization {data.number} is already on file")
        auth = Authorization(
            **data.model_dump(exclude={"service_codes"}),
            service_codes=" ".join(data.service_codes),
        )
        s.add(auth)
        s.flush()
        uow.audit(
            "create", "authorization", auth.id,
            f"authorization {data.number}: {data.units_approved} units "
            f"{data.start_date.isoformat()}..{data.end_date.isoformat()}",
            patient_id=data.patient_id,
        )  # fmt: skip
        return _out(auth, s)


def get_authorization(store: Store, authorization_id: int) -> AuthorizationOut:
    with store.uow() as uow:
        return _out(_get(uow.session, authorization_id), uow.session)


def by_number(store: Store, patient_id: int, number: str) -> AuthorizationOut | None:
    """The patient's authorization with this number, or None."""
    number = (number or "").strip().upper()
    if not number:
        return None
    with store.uow() as uow:
        auth = uow.session.scalars(
            select(Authorization)
            .where(Authorization.patient_id == patient_id, Authorization.number == number)
            .order_by(Authorization.start_date.desc())
        ).first()
        return _out(auth, uow.session) if auth else None


def list_authorizations(
    store: Store, patient_id: int | None = None, *, on: dt.date | None = None
) -> list[AuthorizationOut]:
    """Authorizations (of one patient, or all), newest first; ``on``: only those in force."""
    with store.uow() as uow:
        query = select(Authorization).order_by(
            Authorization.start_date.desc(), Authorization.id.desc()
        )
        if patient_id is not None:
            query = query.where(Authorization.patient_id == patient_id)
        if on is not None:
            query = query.where(Authorization.start_date <= on, Authorization.end_date >= on)
        return [_out(a, uow.session) for a in uow.session.scalars(query)]


def _matching(
    session: Session,
    patient_id: int,
    day: dt.date,
    payer_id: int | None,
    codes: Iterable[str],
) -> Authorization | None:
    if payer_id is not None:
        payers = {payer_id}
    else:
        payers = {p.payer_id for p in coverage_in(session, patient_id, day)}
        if not payers:
            return None
    wanted = {c.strip().upper() for c in codes if c and c.strip()}
    candidates = session.scalars(
        select(Authorization).where(
            Authorization.patient_id == patient_id,
            Authorization.payer_id.in_(payers),
            Authorization.start_date <= day,
            Authorization.end_date >= day,
        )
    ).all()
    if wanted:
        candidates = [a for a in candidates if wanted & set(a.service_codes.split())]
    if not candidates:
        return None
    # Units left first, then the one that started most recently.
    return max(
        candidates,
        key=lambda a: (a.units_approved > a.units_used, a.start_date, a.id),
    )


def find_matching(
    store: Store,
    patient_id: int,
    day: dt.date,
    *,
    payer_id: int | None = None,
    codes: Iterable[str] = (),
) -> AuthorizationOut | None:
    """The authorization that covers a visit on ``day``, or None.

    Same patient; the payer named, or any payer covering the patient on ``day``; ``day``
    within its dates; and when ``codes`` are given, at least one of them listed on it.
    """
    with store.uow() as uow:
        auth = _matching(uow.session, patient_id, day, payer_id, tuple(codes))
        return _out(auth, uow.session) if auth else None


def for_encounter(store: Store, encounter_id: int) -> AuthorizationOut | None:
    """The authorization of an encounter: the one linked to it, the one its number names, or
    the one that covers its date and codes."""
    with store.uow() as uow:
        s = uow.session
        enc = s.get(Encounter, encounter_id)
        if enc is None:
            raise NotFound(f"No encounter with id {encounter_id}.")
        if enc.authorization_id is not None:
            return _out(_get(s, enc.authorization_id), s)
        if enc.authorization_number:
            auth = s.scalars(
                select(Authorization).where(
                    Authorization.patient_id == enc.patient_id,
                    Authorization.number == enc.authorization_number,
                )
            ).first()
            if auth is not None:
                return _out(auth, s)
        codes = [line.code for line in enc.lines]
        auth = _matching(s, enc.patient_id, enc.date_of_service, None, codes)
        return _out(auth, s) if auth else None


def use_units(store: Store, authorization_id: int, units: int) -> AuthorizationOut:
    """Take ``units`` from an authorization (negative gives them back). Refuses to go past
    what was approved or below zero."""
    if units == 0:
        raise ValidationError("say how many units to use")
    with translate_db_errors("authorization"), store.uow() as uow:
        auth = _get(uow.session, authorization_id)
        after = auth.units_used + units
        if after > auth.units_approved:
            left = auth.units_approved - auth.units_used
            raise ValidationError(
                f"authorization {auth.number} has {left} units left; {units} asked for "
                "(ask the payer for more)"
            )
        if after < 0:
            raise ValidationError(f"authorization {auth.number} has only {auth.units_used} used")
        auth.units_used = after
        uow.session.flush()
        uow.audit(
            "update", "authorization", auth.id,
            f"units used {after - units} -> {after} of {auth.units_approved}",
            patient_id=auth.patient_id,
        )  # fmt: skip
        return _out(auth, uow.session)


def expiring(
    store: Store,
    within_days: int = 14,
    min_left: int = 2,
    *,
    today: dt.date | None = None,
) -> list[AuthorizationOut]:
    """Authorizations running out (the home queue's list): ending within ``within_days`` days
    of ``today`` (or ended that recently), or with ``min_left`` or fewer units left. Soonest end
    first. The same rule as the home screen's "Authorizations running out" count."""
    today = today or dt.date.today()
    with store.uow() as uow:
        rows = uow.session.scalars(
            select(Authorization)
            .where(
                Authorization.end_date >= today - dt.timedelta(days=within_days),
                or_(
                    Authorization.end_date <= today + dt.timedelta(days=within_days),
                    Authorization.units_approved - Authorization.units_used <= min_left,
                ),
            )
            .order_by(Authorization.end_date, Authorization.id)
        ).all()
        return [_out(a, uow.session) for a in rows]
