from decimal import Decimal

import pytest

from core.money import Money
from core.schemas import Frozen


@pytest.mark.parametrize(
    "text,cents",
    [
        ("12", 1200),
        ("12.5", 1250),
        ("12.50", 1250),
        ("$1,234.56", 123456),
        ("  7.01 ", 701),
        ("-3.10", -310),
        ("$-3.10", -310),
        ("(3.10)", -310),
        (".5", 50),
        ("0", 0),
        ("0.005", 1),  # half up
        ("0.004", 0),
        ("1,000,000.00", 100000000),
    ],
)
def test_parse(text, cents):
    assert Money.parse(text) == Money(cents)


@pytest.mark.parametrize("text", ["", " ", "abc", "1,23", ".", "1.2.3", "--1", "12a", "$", "1e3"])
def test_parse_rejects_garbage(text):
    with pytest.raises(ValueError):
        Money.parse(text)


def test_float_is_refused_everywhere():
    with pytest.raises(TypeError):
        Money(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(100).percent(0.2)  # type: ignore[arg-type]
    assert Money(100).__mul__(1.5) is NotImplemented


def test_the_classic_float_trap_does_not_happen():
    assert Money.parse("0.10") + Money.parse("0.20") == Money.parse("0.30")
    assert sum([Money.parse("0.10")] * 3, Money.zero()) == Money(30)
    assert sum([Money(10), Money(20)]) == Money(30)


def test_arithmetic_and_comparisons():
    a, b = Money(1050), Money(275)
    assert a + b == Money(1325)
    assert a - b == Money(775)
    assert -a == Money(-1050)
    assert abs(Money(-5)) == Money(5)
    assert b * 3 == Money(825) == 3 * b
    assert b < a and max(a, b) == a
    assert not Money.zero() and Money(1)


def test_percent_rounds_half_up():
    assert Money(12345).percent(20) == Money(2469)  # 2469.0
    assert Money(1).percent(50) == Money(1)  # 0.5 -> 1
    assert Money(333).percent(Decimal("33.3")) == Money(111)


@pytest.mark.parametrize(
    "total,weights",
    [(1001, [1, 1, 1]), (-100, [1, 2]), (1, [1, 1, 1]), (99999, [3, 7, 11, 13]), (0, [1, 1])],
)
def test_allocate_sums_exactly(total, weights):
    parts = Money(total).allocate(weights)
    assert sum(parts, Money.zero()) == Money(total)
    assert len(parts) == len(weights)
    assert max(p.cents for p in parts) - min(p.cents for p in parts) <= abs(total)


def test_allocate_gives_leftover_to_the_first():
    assert Money(1001).allocate([1, 1, 1]) == [Money(334), Money(334), Money(333)]
    with pytest.raises(ValueError):
        Money(100).allocate([0, 0])


def test_formats():
    assert Money(123456).format() == "$1,234.56"
    assert str(Money(-5)) == "-$0.05"
    assert Money(12050).x12() == "120.5"
    assert Money(10000).x12() == "100"
    assert Money(1).x12() == "0.01"
    assert Money(-250).x12() == "-2.5"


def test_pydantic_field_accepts_str_and_int_but_not_float():
    class Thing(Frozen):
        amount: Money

    assert Thing(amount="12.34").amount == Money(1234)
    assert Thing(amount=99).amount == Money(99)
    assert Thing(amount=Money(5)).model_dump() == {"amount": 5}
    with pytest.raises(ValueError):
        Thing(amount=1.5)
