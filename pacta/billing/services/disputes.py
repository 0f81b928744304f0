"""Disputes: a customer objects to a line of an issued invoice, with a reason; finance
resolves it with a credit note for that line (whole or part) or rejects it with a reason.
Both stay on record, so the dispute rate can be counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.accounts.roles import Role
from pacta.audit.services import Action, Actor, actor_user, change_record, require_reason, snapshot
from pacta.billing.errors import DisputeOpen, DisputeResolved, NotIssued
from pacta.billing.models import Dispute, DisputeState, InvoiceKind, InvoiceLine, InvoiceState
from pacta.billing.services.invoices import credit_note_create, invoice_issue
from pacta.domain.errors import Forbidden

#: Who decides a dispute.
RESOLVERS = frozenset({Role.ADMIN, Role.MANAGER, Role.FINANCE})


def dispute_raise(
    *, actor: Actor, line: InvoiceLine, reason: str, now: dt.datetime | None = None
) -> Dispute:
    """The customer disputes one line of an issued invoice (one open dispute per line)."""
    reason = require_reason(reason)
    now = now or timezone.now()
    line = InvoiceLine.objects.select_related("invoice").get(pk=line.pk)
    invoice = line.invoice
    if invoice.kind != InvoiceKind.INVOICE or invoice.state == InvoiceState.DRAFT:
        raise NotIssued(_("Only a line of an issued invoice is disputed."))
    if getattr(actor, "role", None) == Role.CUSTOMER and actor.customer_id != invoice.customer_id:
        raise Forbidden(_("A customer disputes its own invoices only."))
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                line=line, raised_at=now, raised_by=actor_user(actor), reason=reason
            )
            change_record(
                actor=actor,
                action=Action.CREATE,
                instance=dispute,
                before=None,
                after=snapshot(dispute),
                reason=reason,
                now=now,
            )
    except IntegrityError:
        raise DisputeOpen(_("This line is disputed already.")) from None
    return dispute


def dispute_resolve(
    *,
    actor: Actor,
    dispute: Dispute,
    credit: bool,
    reason: str,
    amount: Decimal | None = None,
    now: dt.datetime | None = None,
) -> Dispute:
    """Finance credits the disputed line (``amount`` of its net, or all that is left: a credit
    note issued at once) or rejects the dispute; the reason is kept either way."""
    reason = require_reason(reason)
    now = now or timezone.now()
    if getattr(actor, "role", None) not in RESOLVERS:
        raise Forbidden(_("Only finance or a manager resolves a dispute."))
    with transaction.atomic():
        dispute = (
            Dispute.objects.select_for_update().select_related("line__invoice").get(pk=dispute.pk)
        )
        if dispute.state != DisputeState.OPEN:
            raise DisputeResolved(_("This dispute was resolved already."))
        before = snapshot(dispute)
        if credit:
            note = credit_note_create(
                actor=actor,
                invoice=dispute.line.invoice,
                reason=reason,
                lines=[(dispute.line.pk, amount)],
                now=now,
            )
            dispute.credit_note = invoice_issue(actor=actor, invoice=note, now=now)
            dispute.state = DisputeState.CREDITED
        else:
            dispute.state = DisputeState.REJECTED
        dispute.resolution = reason
        dispute.resolved_at = now
        dispute.resolved_by = actor_user(actor)
        dispute.save()
        change_record(
            actor=actor,
            action=Action.UPDATE,
            instance=dispute,
            before=before,
            after=snapshot(dispute),
            reason=reason,
            now=now,
        )
    return dispute


def dispute_rate(invoices: Any) -> Decimal:
    """Disputed lines per issued invoice line of ``invoices`` (a queryset), as a fraction."""
    lines = InvoiceLine.objects.filter(invoice__in=invoices).exclude(invoice__state="draft")
    total = lines.count()
    if not total:
        return Decimal(0)
    disputed = lines.filter(disputes__isnull=False).distinct().count()
    return Decimal(disputed) / Decimal(total)
