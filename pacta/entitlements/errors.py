"""Errors of the credits ledger: what its state refuses."""

from pacta.domain.errors import Conflict


class CreditAlreadyReversed(Conflict):
    """A credit is reversed at most once; a reversal is itself never reversed."""

    code = "credit_already_reversed"


class CreditNotReversible(Conflict):
    """Only goodwill is reversed by hand: an SLA credit follows its rule (recompute it), and a
    write-off is the record of a decision."""

    code = "credit_not_reversible"
