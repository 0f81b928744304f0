"""Writing contracts and their terms: the only write path, each write audited.

A contract is created as a draft and given its first terms with :func:`contract_amend`; it is
then activated with :func:`contract_status_change`. Once it has left draft, terms that have
taken effect are never edited: a change of terms is an amendment (a new version, from today on
at the earliest), so the terms that priced past work stay as they were.
"""

from pacta.contracts.services.contracts import (
    CONTRACT,
    FIXED_ONCE_LIVE,
    contract_check,
    contract_create,
    contract_delete,
    contract_status_change,
    contract_update,
)
from pacta.contracts.services.rules import (
    ALLOWANCE,
    SURCHARGE_RULE,
    TRAVEL_RULE,
    allowance_check,
    allowance_create,
    allowance_delete,
    allowance_update,
    surcharge_rule_check,
    surcharge_rule_create,
    surcharge_rule_delete,
    surcharge_rule_update,
    travel_rule_check,
    travel_rule_create,
    travel_rule_delete,
    travel_rule_update,
)
from pacta.contracts.services.terms import (
    CONTRACT_VERSION,
    SCOPE_LINE,
    contract_amend,
    contract_version_check,
    contract_version_delete,
    contract_version_update,
    scope_line_check,
    scope_line_create,
    scope_line_delete,
    scope_line_update,
)

__all__ = [
    "ALLOWANCE",
    "CONTRACT",
    "CONTRACT_VERSION",
    "FIXED_ONCE_LIVE",
    "SCOPE_LINE",
    "SURCHARGE_RULE",
    "TRAVEL_RULE",
    "allowance_check",
    "allowance_create",
    "allowance_delete",
    "allowance_update",
    "contract_amend",
    "contract_check",
    "contract_create",
    "contract_delete",
    "contract_status_change",
    "contract_update",
    "contract_version_check",
    "contract_version_delete",
    "contract_version_update",
    "scope_line_check",
    "scope_line_create",
    "scope_line_delete",
    "scope_line_update",
    "surcharge_rule_check",
    "surcharge_rule_create",
    "surcharge_rule_delete",
    "surcharge_rule_update",
    "travel_rule_check",
    "travel_rule_create",
    "travel_rule_delete",
    "travel_rule_update",
]
