"""Errors of the catalog: prices and tax rates in force are frozen."""

from pacta.domain.errors import Conflict, InvalidInput


class PriceInForce(Conflict):
    """A price or tax value that has taken effect priced past work; add a new dated one."""

    code = "price_in_force"


class PriceListInUse(Conflict):
    code = "price_list_in_use"


class PriceLineItemInvalid(InvalidInput):
    code = "price_line_item_invalid"


class KeptForHistory(Conflict):
    """A record that dated values refer to is kept; it is marked inactive instead."""

    code = "kept_for_history"
