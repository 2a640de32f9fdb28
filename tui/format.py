"""Small display helpers shared by screens (text only; no widgets)."""

from __future__ import annotations

import datetime as dt

from core.money import Money


def money(cents: int | None) -> str:
    return "" if cents is None else Money(cents).format()


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%m/%d/%Y %H:%M")
    return value.strftime("%m/%d/%Y")


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, with an ellipsis when cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
