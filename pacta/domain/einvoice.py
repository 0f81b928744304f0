"""EN 16931 e-invoices, the pure part: an issued invoice or credit note as plain values read
once (seller, buyer, lines, tax breakdown, totals), shared by every syntax (CII, Factur-X, UBL),
and the arithmetic business rules of EN 16931 over the figures read back from a document.

Amounts are in the document's sign: a credit note's are positive (EN 16931 says a credit note
is type 381 with positive amounts); a line whose price would be negative (a credit on an
invoice) is written with a negative quantity and a positive price (BR-27).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pacta.domain.parties import PostalParty

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
INVOICE_TYPE = "380"
CREDIT_NOTE_TYPE = "381"


@dataclass(frozen=True, kw_only=True)
class EParty(PostalParty):
    """A seller or buyer: legal name, postal address and e-mail, and its VAT identifier."""

    vat_id: str = ""


@dataclass(frozen=True)
class ELine:
    position: int
    name: str
    quantity: Decimal
    unit_code: str
    price: Decimal
    net: Decimal
    tax_percent: Decimal

    @property
    def category(self) -> str:
        return tax_category(self.tax_percent)


@dataclass(frozen=True)
class ETax:
    percent: Decimal
    base: Decimal
    tax: Decimal

    @property
    def category(self) -> str:
        return tax_category(self.percent)


@dataclass(frozen=True)
class EDocument:
    """One issued invoice (type 380) or credit note (381) as every syntax writes it."""

    number: str
    type_code: str
    issue_on: dt.date
    due_on: dt.date | None
    delivery_on: dt.date | None
    currency: str
    buyer_reference: str
    seller: EParty
    buyer: EParty
    lines: tuple[ELine, ...]
    taxes: tuple[ETax, ...]
    line_total: Decimal
    tax_basis_total: Decimal
    tax_total: Decimal
    grand_total: Decimal
    payable: Decimal
    corrects_number: str = ""
    corrects_issue_on: dt.date | None = None
    seller_iban: str = ""
    #: what Facturae writes besides: the series of ``number`` and of ``corrects_number``, the
    #: invoice's language, the tax period of the invoice corrected, and the buyer's
    #: administrative centres as (role code, DIR3 code)
    series_code: str = ""
    corrects_series_code: str = ""
    language: str = ""
    corrects_period: tuple[dt.date, dt.date] | None = None
    buyer_centres: tuple[tuple[str, str], ...] = ()

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == CREDIT_NOTE_TYPE


def tax_category(percent: Decimal) -> str:
    """UNCL 5305: ``S`` standard rate; a zero rate is written ``Z`` (zero rated goods)."""
    return "S" if percent else "Z"


def unit_code(unit: str) -> str:
    """UN/ECE Recommendation 20 code of a stored unit (hours, kilometres), else ``C62`` (one)."""
    return {"h": "HUR", "hour": "HUR", "hours": "HUR", "km": "KMT", "min": "MIN"}.get(
        unit.strip().lower(), "C62"
    )


def document_line(
    *,
    position: int,
    name: str,
    quantity: Decimal,
    unit: str,
    unit_price: Decimal,
    net: Decimal,
    tax_percent: Decimal,
    sign: int,
) -> ELine:
    """A stored line in the document's sign; a negative price becomes a negative quantity."""
    price, net = unit_price * sign, net * sign
    if price < 0:
        quantity, price = -quantity, -price
    return ELine(
        position=position,
        name=name,
        quantity=quantity.quantize(Decimal(1)) if quantity == quantity.to_integral() else quantity,
        unit_code=unit_code(unit),
        price=price,
        net=net,
        tax_percent=tax_percent,
    )


def seller_missing(seller: EParty) -> list[str]:
    """What EN 16931 needs of the seller and is missing: name (BR-06), VAT identifier (BR-S-02),
    country (BR-09), and a city (the postal address)."""
    given = {"name": seller.name, "vat_id": seller.vat_id, "country": seller.country}
    given["city"] = seller.city
    return [key for key, value in given.items() if not value]


# --- the arithmetic rules, over figures read back from a document --------------------------------
@dataclass(frozen=True)
class Figures:
    """What the rules need from a document, whatever its syntax."""

    line_nets: tuple[tuple[Decimal, str, Decimal], ...]  # (net, category, percent)
    taxes: tuple[tuple[Decimal, Decimal, str, Decimal], ...]  # (base, tax, category, percent)
    line_total: Decimal
    allowances: Decimal
    charges: Decimal
    tax_basis_total: Decimal
    tax_total: Decimal
    grand_total: Decimal
    prepaid: Decimal
    rounding: Decimal
    payable: Decimal
    seller_name: str
    seller_vat_id: str
    seller_country: str
    buyer_name: str
    buyer_country: str


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def en16931_violations(figures: Figures) -> list[str]:
    """The EN 16931 rules broken by ``figures``, each as ``"BR-…: what"``; empty when none.

    Checked: BR-06/07/09/11 (names, countries), BR-S-02 (seller VAT id with standard rate),
    BR-CO-10 (sum of line nets), BR-CO-13 (tax basis), BR-CO-14 (sum of VAT), BR-CO-15 (grand
    total), BR-CO-16 (amount due), BR-S-08/BR-Z-08 (each category's base is the sum of its
    lines), BR-S-09/BR-Z-09 (each category's VAT is its base times its rate, rounded), BR-S-05
    and BR-Z-05 (line rates), BR-S-01/BR-Z-01 (each line's category and rate is in the breakdown).
    """
    found: list[str] = []
    f = figures
    for rule, value, what in (
        ("BR-06", f.seller_name, "seller name"),
        ("BR-07", f.buyer_name, "buyer name"),
        ("BR-09", f.seller_country, "seller country"),
        ("BR-11", f.buyer_country, "buyer country"),
    ):
        if not value:
            found.append(f"{rule}: {what} missing")
    line_sum = sum((net for net, _c, _p in f.line_nets), Decimal(0))
    if line_sum != f.line_total:
        found.append(f"BR-CO-10: lines add up to {line_sum}, line total is {f.line_total}")
    basis = f.line_total - f.allowances + f.charges
    if basis != f.tax_basis_total:
        found.append(f"BR-CO-13: tax basis should be {basis}, is {f.tax_basis_total}")
    tax_sum = sum((tax for _b, tax, _c, _p in f.taxes), Decimal(0))
    if tax_sum != f.tax_total:
        found.append(f"BR-CO-14: VAT breakdown adds up to {tax_sum}, VAT total is {f.tax_total}")
    if f.tax_basis_total + f.tax_total != f.grand_total:
        found.append(
            f"BR-CO-15: grand total should be {f.tax_basis_total + f.tax_total}, is {f.grand_total}"
        )
    if f.grand_total - f.prepaid + f.rounding != f.payable:
        found.append(
            f"BR-CO-16: amount due should be {f.grand_total - f.prepaid + f.rounding}, "
            f"is {f.payable}"
        )
    breakdown = {(category, percent) for _b, _t, category, percent in f.taxes}
    for _net, category, percent in f.line_nets:
        if (category, percent) not in breakdown:
            found.append(f"BR-{category}-01: no VAT breakdown for {category} {percent} %")
        if category == "S" and percent <= 0:
            found.append("BR-S-05: a standard-rated line needs a rate above zero")
        if category == "Z" and percent != 0:
            found.append("BR-Z-05: a zero-rated line has rate 0")
    if any(category == "S" for _n, category, _p in f.line_nets) and not f.seller_vat_id:
        found.append("BR-S-02: seller VAT identifier missing")
    for base, tax, category, percent in f.taxes:
        lines = sum((n for n, c, p in f.line_nets if (c, p) == (category, percent)), Decimal(0))
        if base != lines:
            found.append(
                f"BR-{category}-08: base of {category} {percent} % should be {lines}, is {base}"
            )
        expected = _cents(base * percent / HUNDRED)
        if tax != expected:
            found.append(
                f"BR-{category}-09: VAT of {category} {percent} % should be {expected}, is {tax}"
            )
    return found
