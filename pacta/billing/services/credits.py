"""Credits: goodwill an approver allowed, SLA-breach service credits from the stored clocks of a
period's tickets, write-offs of rejected out-of-scope work, and reversals.

Every credit is a row of the credits ledger (``pacta.entitlements``), only ever appended: a
reversal is a row of the opposite amount naming the row it undoes, and a balance is the sum of
the rows (``pacta.entitlements.selectors.credit_balance``). The amounts come from the pure core
(``pacta.domain.credits``) and keep its explanation as translatable phrases (``words``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pacta.accounts.access import SYSTEM
from pacta.accounts.roles import Role
from pacta.audit.services import Actor, actor_user, require_reason
from pacta.billing.errors import NoTermsInForce
from pacta.contracts.mappers import rating_terms
from pacta.contracts.selectors import contract_version_in_force, contract_version_list
from pacta.domain import credits as core
from pacta.domain import rating
from pacta.domain import sla as clocks_core
from pacta.domain.errors import Forbidden, InvalidInput, PactaError
from pacta.domain.periods import Period, period_of
from pacta.entitlements import selectors as ledger
from pacta.entitlements.errors import CreditNotReversible
from pacta.entitlements.services import credit_row_append, credit_row_reverse
from pacta.service.selectors import ticket_list
from pacta.sla.selectors import ticket_clock_list

Credit = Any
#: The kinds of credit (``pacta.entitlements.models.CreditKind``).
GOODWILL, SLA_BREACH, WRITE_OFF = "goodwill", "sla_breach", "write_off"
#: Who approves goodwill and reverses it (the pure core's ``may_approve``).
APPROVERS = frozenset({Role.ADMIN, Role.MANAGER})
_HOURS_PLACES = Decimal("0.01")


def may_approve(role: str) -> bool:
    return role in APPROVERS


def _phrases(trace: rating.Trace) -> list[list[Any]]:
    """The trace's phrases as stored words: [template, values], decimals as text (JSON)."""
    return [
        [
            phrase.template,
            {
                key: str(value) if isinstance(value, Decimal) else value
                for key, value in dict(phrase.params).items()
            },
        ]
        for phrase in trace.phrases
    ]


def _lock(contract: Any) -> Any:
    """Hold the contract's row until commit: one credit computation of a contract at a time."""
    return type(contract)._default_manager.select_for_update().get(pk=contract.pk)


def credit_period_of(contract: Any, day: dt.date) -> tuple[Any, Period]:
    """The contract version in force on the first day of the billing period holding ``day``,
    and that period."""
    version = contract_version_in_force(contract, day)
    if version is not None:
        period = period_of(starts_on=contract.starts_on, length=version.billing_period, day=day)
        version = contract_version_in_force(contract, period.starts_on) or version
    if version is None:
        raise NoTermsInForce(
            _("Contract %(contract)s had no terms in force on %(day)s.")
            % {"contract": contract.number, "day": day.isoformat()}
        )
    return version, period


def _append_line(
    *,
    actor: Actor,
    contract: Any,
    period: Period,
    kind: str,
    line: rating.ChargeLine,
    reason: str,
    now: dt.datetime,
    **values: Any,
) -> Credit:
    """Append the credit line the pure core computed, with its explanation."""
    return credit_row_append(
        actor=actor,
        values={
            "contract": contract,
            "period_on": period.starts_on,
            "kind": kind,
            "amount": line.amount.amount,
            "currency": line.amount.currency,
            "words": _phrases(line.trace),
            **values,
        },
        reason=reason,
        now=now,
    )


# --- goodwill -------------------------------------------------------------------------------------
def _goodwill_unit_price(
    terms: rating.ContractTerms, work_order: Any, hours: Any, unit_price: Any, day: dt.date
) -> Any:
    """Hours are priced at ``unit_price``, else at the work order's service price that day."""
    if hours is None or unit_price is not None or work_order is None:
        return unit_price
    line = terms.price_list.line_on(work_order.ticket.service.code, day)
    return line.unit_price if line is not None else None


def credit_goodwill_grant(
    *,
    actor: Actor,
    contract: Any,
    period_on: dt.date,
    reason: str,
    approver: Any,
    hours: Decimal | None = None,
    amount: Decimal | None = None,
    unit_price: Decimal | None = None,
    work_order: Any = None,
    now: dt.datetime | None = None,
) -> Credit:
    """A goodwill credit of ``hours`` (at ``unit_price``, or the price of the work order's
    service) or of ``amount`` in the billing period holding ``period_on``; ``approver`` must
    be a manager or an admin (else ``Forbidden``: nothing is written)."""
    reason = require_reason(reason)
    now = now or timezone.now()
    if approver is None or not getattr(approver, "is_active", False):
        raise InvalidInput.on("approver", _("Name the active manager who approves the credit."))
    if work_order is not None and work_order.ticket.contract_id != contract.pk:
        raise InvalidInput.on("work_order", _("The work order is not under this contract."))
    if hours is not None and Decimal(hours) != Decimal(hours).quantize(_HOURS_PLACES):
        raise InvalidInput.on("hours", _("Give hours to two decimals at most."))
    version, period = credit_period_of(contract, period_on)
    services = [work_order.ticket.service] if work_order is not None else []
    terms = rating_terms(version, on=period.starts_on, services=services)
    line = core.goodwill_credit(
        terms=terms,
        reason=reason,
        approver_role=str(approver.role),
        may_approve=may_approve,
        hours=hours,
        unit_price=_goodwill_unit_price(terms, work_order, hours, unit_price, period_on),
        amount=amount,
    )
    with transaction.atomic():
        return _append_line(
            actor=actor,
            contract=contract,
            period=period,
            kind=GOODWILL,
            line=line,
            reason=reason,
            now=now,
            hours=hours,
            work_order=work_order,
            approved_by=approver,
        )


# --- SLA-breach service credits -------------------------------------------------------------------
def _stored_clocks(rows: list[Any], priority: str) -> clocks_core.TicketClocks:
    """A ticket's stored clocks as the pure core's result (what the credit rule reads)."""
    clocks = tuple(
        clocks_core.Clock(
            name=row.name,
            budget=row.budget,
            used=row.used,
            remaining=row.remaining,
            state=row.state,
            risk=row.risk,
            due_at=row.due_at,
            breached_by=row.breached_by,
            completed_at=row.completed_at,
            breaches=row.breaches,
        )
        for row in rows
    )
    return clocks_core.TicketClocks(
        clocks=clocks,
        paused=dt.timedelta(0),
        priority=priority,
        is_paused=False,
        is_resolved=all(clock.completed_at is not None for clock in clocks),
        risk=max((c.risk for c in clocks), key=lambda r: clocks_core.RISK_ORDER.get(r, 0))
        if clocks
        else clocks_core.MET,
        next_due_at=None,
        risk_changes_at=None,
    )


def _period_clocks(contract: Any, period: Period) -> list[clocks_core.TicketClocks]:
    """The stored clocks of the contract's tickets opened in ``period`` (on the local date of
    each ticket's site)."""
    margin = dt.timedelta(days=1)
    start = dt.datetime.combine(period.starts_on, dt.time(), dt.UTC) - margin
    end = dt.datetime.combine(period.ends_before, dt.time(), dt.UTC) + margin
    tickets = {
        ticket.pk: ticket
        for ticket in ticket_list(audience=SYSTEM).filter(
            contract=contract, opened_at__gte=start, opened_at__lt=end
        )
        if ticket.opened_at.astimezone(ZoneInfo(ticket.site.time_zone)).date() in period
    }
    rows: dict[int, list[Any]] = {pk: [] for pk in tickets}
    for row in ticket_clock_list(audience=SYSTEM).filter(ticket__in=list(tickets)).order_by("id"):
        rows[row.ticket_id].append(row)
    return [_stored_clocks(rows[pk], tickets[pk].priority) for pk in sorted(tickets)]


def credits_sla_breach_compute(
    *,
    contract: Any,
    period_on: dt.date,
    now: dt.datetime | None = None,
    actor: Actor = None,
    reason: str = "",
) -> Credit | None:
    """The SLA-breach credit of the billing period holding ``period_on``, from the stored clocks
    of the period's tickets under the contract's rule (None if it earns none).

    Idempotent: when the result is what is on record, nothing is written. When it changed (a
    late breach), the recorded credit is reversed and the new one written as the next
    version, both kept."""
    now = now or timezone.now()
    with transaction.atomic():
        contract = _lock(contract)
        version, period = credit_period_of(contract, period_on)
        line = core.sla_breach_credit(
            terms=rating_terms(version, on=period.starts_on),
            results=_period_clocks(contract, period),
        )
        live = ledger.credit_sla_live(contract=contract, period_on=period.starts_on)
        words = _phrases(line.trace) if line is not None else []
        if line is None and live is None:
            return None
        unchanged = line is not None and live is not None
        if unchanged and (live.amount, live.words) == (line.amount.amount, words):
            return live
        why = reason or gettext_noop("SLA service credit recomputed")
        if live is not None:
            credit_row_reverse(actor=actor, credit=live, reason=why, now=now)
        if line is None:
            return None
        return _append_line(
            actor=actor,
            contract=contract,
            period=period,
            kind=SLA_BREACH,
            line=line,
            reason=reason or gettext_noop("SLA service credit"),
            now=now,
            sequence=ledger.credit_sla_next_sequence(contract=contract, period_on=period.starts_on),
        )


# --- write-offs and reversals ---------------------------------------------------------------------
def credit_write_off(*, actor: Actor, line: Any, reason: str, now: dt.datetime) -> Credit:
    """Record rejected out-of-scope work as written off: what it would have cost, why, and who
    decided (call inside the decision's transaction)."""
    rated = line.rating
    words = [
        [gettext_noop("out-of-scope work written off: %(reason)s"), {"reason": reason}],
        *line.words,
    ]
    return credit_row_append(
        actor=actor,
        values={
            "contract_id": rated.contract_version.contract_id,
            "period_on": rated.period_on,
            "kind": WRITE_OFF,
            "amount": -line.amount,
            "currency": rated.currency,
            "words": words,
            "work_order_id": rated.work_order_id,
            "reference": f"charge line {line.pk}",
            "approved_by": actor_user(actor),
        },
        reason=reason,
        now=now,
    )


def credit_write_offs_reverse(
    *, actor: Actor, work_order: Any, reason: str, now: dt.datetime
) -> list[Credit]:
    """Reverse the write-offs of a work order's earlier ratings: a line decided again (the work
    changed and was rated again) replaces the earlier decision (call inside its transaction)."""
    return [
        credit_row_reverse(actor=actor, credit=credit, reason=reason, now=now)
        for credit in ledger.credit_list_live_write_offs(work_order=work_order)
    ]


def credit_reverse(
    *, actor: Actor, credit: Credit, reason: str, now: dt.datetime | None = None
) -> Credit:
    """Undo a goodwill credit with a reversing row (a manager or an admin, with a reason)."""
    reason = require_reason(reason)
    now = now or timezone.now()
    if getattr(actor, "role", None) not in APPROVERS:
        raise Forbidden(_("Only a manager reverses a credit."))
    if credit.kind != GOODWILL:
        raise CreditNotReversible(
            _("Only goodwill is reversed by hand: SLA credits are recomputed, write-offs stay.")
        )
    with transaction.atomic():
        return credit_row_reverse(actor=actor, credit=credit, reason=reason, now=now)


def sla_credits_before_close(periods: Sequence[Any], *, now: dt.datetime) -> dict[Any, PactaError]:
    """Compute the SLA-breach credit of each of ``periods`` whose contract's terms give one
    (one query finds them), in the closing transaction; the refusals by period id (a period
    refused is not closed)."""
    ids = {period.contract_id for period in periods}
    with_rule = set(
        contract_version_list(audience=SYSTEM)
        .filter(contract_id__in=ids, sla_credit_percent__gt=0)
        .values_list("contract_id", flat=True)
    )
    refused: dict[Any, PactaError] = {}
    for period in periods:
        if period.contract_id not in with_rule:
            continue
        try:
            credits_sla_breach_compute(
                contract=period.contract, period_on=period.starts_on, now=now
            )
        except PactaError as error:
            refused[period.pk] = error
    return refused
