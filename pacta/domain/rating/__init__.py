"""Rating: a work record and the contract terms in force → charge lines that explain themselves.

See ``docs/architecture.md`` ("Rating: charge lines and their trace").
"""

from pacta.domain.rating.engine import rate_work_order
from pacta.domain.rating.lines import (
    ChargeLine,
    ChargeType,
    Phrase,
    RatingResult,
    Trace,
    hours_of,
    price_amount,
    price_amounts,
)
from pacta.domain.rating.terms import (
    ContractTerms,
    Coverage,
    PriceLine,
    PriceList,
    ScopeLine,
    SlaCreditRule,
    SurchargeRule,
    TravelRule,
)
from pacta.domain.rating.work import (
    PartUsed,
    Site,
    TimeEntry,
    TimeKind,
    Travel,
    Warranty,
    WorkRecord,
)

__all__ = [
    "ChargeLine",
    "ChargeType",
    "ContractTerms",
    "Coverage",
    "PartUsed",
    "Phrase",
    "PriceLine",
    "PriceList",
    "RatingResult",
    "ScopeLine",
    "Site",
    "SlaCreditRule",
    "SurchargeRule",
    "TimeEntry",
    "TimeKind",
    "Trace",
    "Travel",
    "TravelRule",
    "Warranty",
    "WorkRecord",
    "hours_of",
    "price_amount",
    "price_amounts",
    "rate_work_order",
]
