"""Money: a ``Decimal`` amount in one currency.

Arithmetic keeps full precision; rounding (half-up to the currency's minor unit) happens only
where a caller asks for it by name (:meth:`Money.rounded`), i.e. at the named points of the
conventions: per charge line, per tax group. Adding two currencies is refused, never converted.
A float is refused at construction, so no binary fraction ever enters an amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import SupportsIndex

from pacta.domain.currencies import minor_units
from pacta.domain.errors import InvalidInput
from pacta.domain.text import gettext_noop

Number = Decimal | int

_new = object.__new__
_set = object.__setattr__
#: the quantum (Decimal 1 scaled to the minor unit) of each currency asked for so far
_QUANTA: dict[str, Decimal] = {}


class CurrencyMismatch(InvalidInput):
    code = "currency_mismatch"
    default_detail = gettext_noop("Amounts in different currencies cannot be combined.")


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """A Decimal from a Decimal, an int or a numeric string; never from a float."""
    if isinstance(value, bool | float):
        raise InvalidInput.on(field, gettext_noop("A float cannot hold money; use Decimal."))
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise InvalidInput.on(field, gettext_noop("Not a number.")) from None
    else:
        raise InvalidInput.on(field, gettext_noop("Not a number."))
    if not result.is_finite():
        raise InvalidInput.on(field, gettext_noop("Not a finite number."))
    return result


def quantum_of(currency: str) -> Decimal:
    """The minor unit of ``currency`` as a Decimal (0.01 for EUR); refuses an unknown code."""
    quantum = _QUANTA.get(currency)
    if quantum is None:
        quantum = _QUANTA[currency] = Decimal(1).scaleb(-minor_units(currency))
    return quantum


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        minor_units(self.currency)  # refuses an unknown code

    # --- construction -------------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def of(cls, amount: object, currency: str) -> Money:
        return cls(to_decimal(amount), currency)

    @classmethod
    def trusted(cls, amount: Decimal, currency: str) -> Money:
        """An amount the pricing kernel produced, in a currency already checked: no checks.

        Only for code that got ``amount`` from Decimal arithmetic on checked values and
        ``currency`` from a checked price list; everything else goes through ``Money(...)``.
        """
        money = _new(cls)
        _set(money, "amount", amount)
        _set(money, "currency", currency)
        return money

    # --- rounding, at named points only --------------------------------------------------
    @property
    def quantum(self) -> Decimal:
        return quantum_of(self.currency)

    def rounded(self) -> Money:
        """Half-up to the currency's minor unit (2 decimals for EUR, 0 for JPY, 3 for KWD)."""
        return Money(self.amount.quantize(self.quantum, rounding=ROUND_HALF_UP), self.currency)

    def is_rounded(self) -> bool:
        return self.amount == self.amount.quantize(self.quantum, rounding=ROUND_HALF_UP)

    # --- arithmetic ------------------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(params={"left": self.currency, "right": other.currency})

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Number) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            return NotImplemented
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __round__(self, ndigits: SupportsIndex | None = None) -> Money:
        raise TypeError("round() is ambiguous for money; call Money.rounded()")

    def __str__(self) -> str:
        return f"{self.amount:f} {self.currency}"


def money_sum(amounts: list[Money] | tuple[Money, ...], currency: str) -> Money:
    """The sum of ``amounts`` (all in ``currency``); zero for none."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total
