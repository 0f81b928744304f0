"""A party to an invoice as the documents written from it name it: its name, e-mail and postal
address (country as ISO 3166 alpha-2). The accounting exports' buyer and the e-invoices' seller
and buyer are this plus their own identifiers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class PostalParty:
    name: str
    email: str = ""
    address: str = ""
    address_2: str = ""
    postal_code: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
