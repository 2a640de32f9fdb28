"""Money as integer cents. Floats are refused everywhere: parse from str with explicit rounding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

_MONEY_TEXT = re.compile(r"^\(?(-)?\$?\s*(-)?([0-9][0-9,]*)?(\.[0-9]*)?\)?$")


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount in US dollars held as integer cents."""

    cents: int

    def __post_init__(self) -> None:
        if isinstance(self.cents, bool) or not isinstance(self.cents, int):
            raise TypeError(f"Money holds integer cents, not {type(self.cents).__name__}")

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    @classmethod
    def of(cls, value: Money | int | str | Decimal) -> Money:
        """Money from Money, integer cents, a Decimal in dollars, or text such as "$1,234.50"."""
        if isinstance(value, Money):
            return value
        if isinstance(value, float):
            raise TypeError("Money refuses float: pass a str, Decimal or integer cents")
        if isinstance(value, bool):
            raise TypeError("Money refuses bool")
        if isinstance(value, int):
            return cls(value)
        if isinstance(value, Decimal):
            return cls.from_decimal(value)
        if isinstance(value, str):
            return cls.parse(value)
        raise TypeError(f"cannot make Money from {type(value).__name__}")

    @classmethod
    def from_decimal(cls, dollars: Decimal, rounding: str = ROUND_HALF_UP) -> Money:
        if not dollars.is_finite():
            raise ValueError("amount must be a finite number")
        cents = (dollars * 100).quantize(Decimal(1), rounding=rounding)
        return cls(int(cents))

    @classmethod
    def parse(cls, text: str, rounding: str = ROUND_HALF_UP) -> Money:
        """Parse what a biller types: "12", "12.5", "$1,234.56", "-3.10", "(3.10)".

        Fractions of a cent are rounded with ``rounding`` (half up by default).
        """
        if not isinstance(text, str):
            raise TypeError("Money.parse takes a str")
        raw = text.strip()
        match = _MONEY_TEXT.match(raw)
        if not raw or match is None or (match.group(3) is None and not match.group(4)):
            raise ValueError(f"not an amount of money: {text!r}")
        if match.group(4) == "." and match.group(3) is None:
            raise ValueError(f"not an amount of money: {text!r}")
        whole = match.group(3) or "0"
        if "," in whole and not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})*", whole):
            raise ValueError(f"misplaced thousands separator in {text!r}")
        negative = bool(match.group(1) or match.group(2)) or (
            raw.startswith("(") and raw.endswith(")")
        )
        if match.group(1) and match.group(2):
            raise ValueError(f"not an amount of money: {text!r}")
        try:
            value = Decimal(whole.replace(",", "") + (match.group(4) or ""))
        except InvalidOperation as exc:  # pragma: no cover - the regex prevents it
            raise ValueError(f"not an amount of money: {text!r}") from exc
        money = cls.from_decimal(value, rounding)
        return -money if negative else money

    # -- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.cents + other.cents)

    def __radd__(self, other: object) -> Money:
        if other == 0:  # lets sum() start from 0
            return self
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.cents + other.cents)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.cents - other.cents)

    def __neg__(self) -> Money:
        return Money(-self.cents)

    def __abs__(self) -> Money:
        return Money(abs(self.cents))

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            return NotImplemented  # multiply by percentages with .percent()
        return Money(self.cents * factor)

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        return self.cents != 0

    def percent(self, pct: int | Decimal | str, rounding: str = ROUND_HALF_UP) -> Money:
        """``pct`` percent of this amount, rounded to the cent (20 -> 20%)."""
        if isinstance(pct, float):
            raise TypeError("percent refuses float")
        value = Decimal(self.cents) * Decimal(pct) / Decimal(100)
        return Money(int(value.quantize(Decimal(1), rounding=rounding)))

    def allocate(self, weights: list[int]) -> list[Money]:
        """Split into parts proportional to integer ``weights``; the parts sum exactly to self.

        Leftover cents go to the parts with the largest remainders (ties: earliest first).
        """
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise ValueError("allocate needs non-negative weights with a positive total")
        total = sum(weights)
        sign = -1 if self.cents < 0 else 1
        cents = abs(self.cents)
        shares = [cents * w // total for w in weights]
        remainders = [(cents * w % total, -i) for i, w in enumerate(weights)]
        leftover = cents - sum(shares)
        for _, neg_index in sorted(remainders, reverse=True)[:leftover]:
            shares[-neg_index] += 1
        return [Money(sign * s) for s in shares]

    # -- presentation -------------------------------------------------------------------------
    def to_decimal(self) -> Decimal:
        return Decimal(self.cents) / 100

    def x12(self) -> str:
        """As X12 writes amounts: no thousands separator, no trailing zeros ("12.5", "100")."""
        value = self.to_decimal().normalize()
        text = format(value, "f")
        return text

    def format(self, symbol: bool = True) -> str:
        sign = "-" if self.cents < 0 else ""
        dollars, cents = divmod(abs(self.cents), 100)
        return f"{sign}{'$' if symbol else ''}{dollars:,}.{cents:02d}"

    def __str__(self) -> str:
        return self.format()

    # -- pydantic -----------------------------------------------------------------------------
    @classmethod
    def __get_pydantic_core_schema__(
        cls, _source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda m: m.cents, return_schema=core_schema.int_schema()
            ),
        )

    @classmethod
    def _validate(cls, value: Any) -> Money:
        try:
            return cls.of(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(str(exc)) from exc
