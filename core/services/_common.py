"""Helpers shared by the services: input parsing and error translation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pydantic
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core.errors import ConcurrencyError, ValidationError

M = TypeVar("M", bound=pydantic.BaseModel)


def one_line(error: pydantic.ValidationError) -> str:
    """A pydantic error as one sentence a biller can act on."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "__root__")
        msg = str(item.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ")
        parts.append(f"{where.replace('_', ' ')}: {msg}" if where else msg)
    return "; ".join(parts)


def parse(model: type[M], data: M | dict[str, Any]) -> M:
    """Validate ``data`` into ``model``; raise core ValidationError with a one-line message."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationError(one_line(exc)) from None


@contextmanager
def translate_db_errors(what: str) -> Iterator[None]:
    """Turn stale versions and constraint violations into errors a user can read."""
    try:
        yield
    except StaleDataError:
        raise ConcurrencyError(
            f"Someone else changed this {what} while you were working on it; "
            "reload it and try again."
        ) from None
    except IntegrityError as exc:
        text = str(exc.orig)
        if "UNIQUE" in text.upper():
            raise ValidationError(f"This {what} already exists ({text}).") from None
        raise ValidationError(f"This {what} conflicts with existing records ({text}).") from None
