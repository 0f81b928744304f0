"""Errors of contracts and their terms: what a contract's state refuses."""

from pacta.domain.errors import Conflict, InvalidInput


class ContractNotDraft(Conflict):
    """Only a draft (never in force) is deleted; a live contract is terminated instead."""

    code = "contract_not_draft"


class ContractFieldLocked(Conflict):
    """Once a contract has left draft, its number, customer, currency and start stay as they are."""

    code = "contract_field_locked"


class ContractClosed(Conflict):
    """A terminated contract takes no new or changed terms."""

    code = "contract_closed"


class VersionInForce(Conflict):
    """Terms in force on a contract that left draft priced work: they are amended, not edited."""

    code = "version_in_force"


class LastVersion(Conflict):
    """A contract that has left draft keeps at least one version of its terms."""

    code = "last_version"


class AmendmentBackdated(InvalidInput):
    """An amendment of a live contract takes effect today or later, never in the past."""

    code = "amendment_backdated"


class RuleInForce(Conflict):
    """A price-list rule in force on a price list in use may have priced work: it is ended, and
    a new dated rule replaces it."""

    code = "rule_in_force"


class RuleBackdated(InvalidInput):
    """A new rule on a price list in use takes effect today or later, never in the past."""

    code = "rule_backdated"
