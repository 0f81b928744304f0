"""Quotes for work outside a contract's scope: drafted from the customer's price list, sent
with a signed link, then accepted (which creates the work order, and the ticket if the quote
has none, by itself), rejected with a reason, or expired.

A quote line names a service or a part of the catalog — priced from the price list in force
(the contract's terms, else the customer's own list, else the catalog price), taxed at its
catalog tax rate in force — or is free text; a line whose price is typed (free text, or a
price other than the list's) is "priced by hand" and needs the change's reason. Every write
runs in one transaction with an audit row; a refusal leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from pacta.accounts.access import SYSTEM
from pacta.accounts.roles import Role
from pacta.audit.services import (
    Actor,
    RecordWriter,
    actor_user,
    record_create,
    record_delete,
    record_update,
    require_reason,
)
from pacta.catalog import selectors as catalog_selectors
from pacta.comms.selectors import message_compose
from pacta.comms.services import message_queue
from pacta.contracts.selectors import contract_version_in_force
from pacta.customers.selectors import customer_descendant_ids
from pacta.domain.currencies import minor_units
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.quotes import QuoteFigures, quote_figures, quote_line_amount
from pacta.service import selectors
from pacta.service.errors import (
    PartNotInCatalog,
    QuantityNotPositive,
    QuoteAlreadyDecided,
    QuoteDecisionRefused,
    QuoteExpired,
    QuoteIncomplete,
    QuoteNotDraft,
    QuoteNotSent,
)
from pacta.service.models import (
    Channel,
    Quote,
    QuoteDecidedVia,
    QuoteLine,
    QuoteStatus,
    TicketOverride,
)
from pacta.service.services.tickets import ticket_open
from pacta.service.services.work import work_order_create

#: How long a sent quote stays open unless told.
VALID_DAYS = 30
#: What signs the accept/reject links of quote e-mails.
QUOTE_SALT = "pacta.service.quote-decision"
#: The office roles that write quotes and record a customer's decision told to them.
OFFICE_DECIDERS = frozenset({Role.ADMIN, Role.MANAGER, Role.DISPATCHER})
#: What a quote's header may say (the rest is set by the services).
HEADER_FIELDS = frozenset(
    {"customer", "site", "ticket", "contract", "price_list", "title", "notes", "currency"}
)
LINE_FIELDS = frozenset(
    {"service", "product", "description", "quantity", "unit", "unit_price", "tax_percent"}
)
DECIDED = frozenset({QuoteStatus.ACCEPTED, QuoteStatus.REJECTED})
ZERO = Decimal(0)
HUNDRED = Decimal(100)


# --- pricing ------------------------------------------------------------------------------------
def quote_price_list(*, customer: Any, contract: Any, on: dt.date) -> Any | None:
    """The price list a quote is priced from on ``on``: that of the contract's terms in force,
    else the customer's own active list (the first by name), else none (catalog prices)."""
    if contract is not None:
        version = contract_version_in_force(contract, on)
        if version is not None and version.price_list_id is not None:
            return version.price_list
    return (
        catalog_selectors.price_list_list(audience=SYSTEM)
        .filter(customer=customer, is_active=True)
        .order_by("name")
        .first()
    )


def _catalog_item(model: Any, given: Any) -> Any | None:
    if given is None or isinstance(given, model):
        return given
    try:
        return model._default_manager.filter(pk=int(given)).first()
    except (TypeError, ValueError):
        return None


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool | float):
        return None
    try:
        found = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def _line_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    price_list: Any,
    currency: str,
    on: dt.date,
    reason: str,
) -> list[dict[str, Any]]:
    """The lines given, priced and checked row by row (numbered from 1): every bad row is
    named, and none is written. The refusal's code is the first kind of problem found."""
    service_model = QuoteLine._meta.get_field("service").related_model
    product_model = QuoteLine._meta.get_field("product").related_model
    errors = FieldErrors()
    codes: list[type[InvalidInput]] = []
    by_hand = False
    checked: list[dict[str, Any]] = []

    def refuse(number: int, message: str, kind: type[InvalidInput] = InvalidInput) -> None:
        errors.add("lines", _("Line %(line)d: %(problem)s") % {"line": number, "problem": message})
        codes.append(kind)

    for number, given in enumerate(rows, start=1):
        row = dict(given)
        unknown = sorted(set(row) - LINE_FIELDS)
        if unknown:
            refuse(number, _("unknown fields: %(names)s.") % {"names": ", ".join(unknown)})
            continue
        service = _catalog_item(service_model, row.get("service"))
        product = _catalog_item(product_model, row.get("product"))
        if row.get("service") is not None and row.get("product") is not None:
            refuse(number, _("a line is either a service or a part, not both."))
            continue
        if row.get("product") is not None and (product is None or not product.is_active):
            refuse(number, _("this part is not in the catalog."), PartNotInCatalog)
            continue
        if row.get("service") is not None and (service is None or not service.is_active):
            refuse(number, _("this service is not in the catalog."))
            continue
        quantity = _decimal(row.get("quantity"))
        if quantity is None:
            refuse(number, _("give the quantity as a number."))
            continue
        if quantity <= ZERO:
            refuse(number, _("the quantity must be more than zero."), QuantityNotPositive)
            continue
        item = service or product
        typed_price = _decimal(row.get("unit_price"))
        if row.get("unit_price") not in (None, "") and (typed_price is None or typed_price < 0):
            refuse(number, _("the unit price is a number of at least zero."))
            continue
        if item is None:
            description = (row.get("description") or "").strip()
            typed_tax = _decimal(row.get("tax_percent"))
            if not description or typed_price is None or typed_tax is None:
                refuse(
                    number,
                    _(
                        "a line without a service or part needs a description, a unit price "
                        "and a tax rate."
                    ),
                )
                continue
            if not ZERO <= typed_tax <= HUNDRED:
                refuse(number, _("the tax rate is a percentage from 0 to 100."))
                continue
            unit_price, tax_percent, unit = typed_price, typed_tax, row.get("unit") or "unit"
            by_hand = True
        else:
            listed = (
                catalog_selectors.price_list_line_in_force(
                    price_list, on, service=service, product=product
                )
                if price_list is not None
                else None
            )
            list_price = (
                listed.unit_price
                if listed is not None
                else (service.default_price if service is not None else product.price)
            )
            description = (row.get("description") or "").strip() or (
                (listed.label if listed is not None else "") or item.name
            )
            unit_price = typed_price if typed_price is not None else list_price
            by_hand = by_hand or unit_price != list_price
            tax_percent = catalog_selectors.tax_rate_percent_on(item.tax_rate, on) or ZERO
            unit = item.unit
        checked.append(
            {
                "position": number,
                "service": service,
                "product": product,
                "description": description[:300],
                "quantity": quantity,
                "unit": unit,
                "unit_price": unit_price,
                "tax_percent": tax_percent,
                "amount": quote_line_amount(quantity, unit_price, currency),
            }
        )
    if errors:
        try:
            errors.raise_if_any()
        except InvalidInput as error:
            raise codes[0](error.detail, fields=error.fields) from None
    if by_hand:
        require_reason(reason)
    return checked


def quote_totals(quote: Quote) -> QuoteFigures:
    """The figures of ``quote`` from its stored lines (amounts rounded per line, tax per rate)."""
    return quote_figures(
        ((line.quantity, line.unit_price, line.tax_percent) for line in quote.lines.all()),
        quote.currency,
    )


# --- drafts -------------------------------------------------------------------------------------
def quote_check(quote: Quote, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    family = customer_descendant_ids(quote.customer)
    if quote.site.customer_id not in family:
        errors.add(
            "site", _("This site belongs neither to the customer nor to one of its children.")
        )
    if quote.ticket is not None and quote.ticket.customer_id not in family:
        errors.add("ticket", _("This ticket is another customer's."))
    if quote.ticket is not None and quote.ticket.site_id != quote.site_id:
        errors.add("ticket", _("This ticket is for another site."))
    if quote.contract is not None and quote.contract.customer_id not in family:
        errors.add(
            "contract",
            _("Contract %(number)s is another customer's.") % {"number": quote.contract.number},
        )
    price_list = quote.price_list
    if price_list is not None:
        if price_list.customer_id is not None and price_list.customer_id not in family:
            errors.add("price_list", _("This price list is another customer's."))
        elif price_list.currency != quote.currency:
            errors.add(
                "price_list",
                _("This price list is in %(currency)s; the quote is in %(quote_currency)s.")
                % {"currency": price_list.currency, "quote_currency": quote.currency},
            )
    errors.raise_if_any()


def _header(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - HEADER_FIELDS - {"lines"})
    if unknown:
        raise InvalidInput(
            _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)},
            fields={name: [_("Unknown field.")] for name in unknown},
        )
    return {name: value for name, value in values.items() if name in HEADER_FIELDS}


def _write_lines(quote: Quote, rows: list[dict[str, Any]], *, actor: Actor, reason: str) -> None:
    for line in list(quote.lines.all()):
        record_delete(line, actor=actor, reason=reason)
    for row in rows:
        record_create(QuoteLine, actor=actor, values={"quote": quote, **row}, reason=reason)


def quote_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = "", now: dt.datetime | None = None
) -> Quote:
    """A draft quote for a site (its customer's unless told; the ticket's site when a ticket
    is given), priced from the price list in force today unless one is given, in that list's
    currency (else the contract's, else the customer's). ``values["lines"]``: the lines."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    header = _header(values)
    ticket = header.get("ticket")
    if header.get("site") is None and ticket is not None:
        header["site"] = ticket.site
    site = header.get("site")
    if site is None:
        raise InvalidInput.on("site", _("Choose the site the work is for."))
    header.setdefault("customer", None)
    if header["customer"] is None:
        header["customer"] = ticket.customer if ticket is not None else site.customer
    if header.get("contract") is None and ticket is not None:
        header["contract"] = ticket.contract
    customer, contract = header["customer"], header.get("contract")
    if header.get("price_list") is None:
        header["price_list"] = quote_price_list(customer=customer, contract=contract, on=today)
    if not header.get("currency"):
        price_list = header["price_list"]
        header["currency"] = (
            price_list.currency
            if price_list is not None
            else (contract.currency if contract is not None else customer.currency)
        )
    rows = _line_rows(
        values.get("lines") or [],
        price_list=header["price_list"],
        currency=header["currency"],
        on=today,
        reason=reason,
    )
    with transaction.atomic():
        quote = record_create(
            Quote,
            actor=actor,
            values={
                **header,
                "status": QuoteStatus.DRAFT,
                "created_at": now,
                "created_by": actor_user(actor),
            },
            reason=reason,
            check=quote_check,
            now=now,
        )
        _write_lines(quote, rows, actor=actor, reason=reason)
    return quote


def _refuse_unless_draft(quote: Quote) -> None:
    if quote.status != QuoteStatus.DRAFT:
        raise QuoteNotDraft(
            _("Quote %(quote)s is %(status)s: only a draft is changed or sent.")
            % {"quote": quote, "status": quote.get_status_display()},
            fields={"status": [_("Only a draft is changed or sent.")]},
        )


def quote_update(
    *,
    actor: Actor,
    quote: Quote,
    values: Mapping[str, Any],
    reason: str = "",
    now: dt.datetime | None = None,
) -> Quote:
    """Change a draft: its header, and its lines when ``values["lines"]`` is given (they
    replace the lines it had, priced afresh)."""
    now = now or timezone.now()
    header = _header(values)
    with transaction.atomic():
        locked = selectors.quote_locked(quote.pk)
        _refuse_unless_draft(locked)
        if header:
            locked = record_update(
                locked, actor=actor, values=header, reason=reason, check=quote_check, now=now
            )
        if values.get("lines") is not None:
            rows = _line_rows(
                values["lines"],
                price_list=locked.price_list,
                currency=locked.currency,
                on=timezone.localdate(now),
                reason=reason,
            )
            _write_lines(locked, rows, actor=actor, reason=reason)
    return locked


def quote_delete(*, actor: Actor, quote: Quote, reason: str = "") -> None:
    """Delete a draft (a sent quote is kept: the customer has seen it)."""
    with transaction.atomic():
        locked = selectors.quote_locked(quote.pk)
        _refuse_unless_draft(locked)
        for line in list(locked.lines.all()):
            record_delete(line, actor=actor, reason=reason)
        record_delete(locked, actor=actor, reason=reason)


QUOTE = RecordWriter(
    param="quote", create=quote_create, update=quote_update, delete=quote_delete, check=quote_check
)


# --- sending ------------------------------------------------------------------------------------
def quote_token(quote: Quote) -> str:
    """The signed token of the e-mail's link to ``quote``'s decision page."""
    return signing.dumps({"quote": quote.pk}, salt=QUOTE_SALT)


def quote_of_token(token: str) -> Any:
    """The quote id a link's token names (None when forged). The link works as long as the
    quote is open: its ``valid_until`` decides, not the token's age."""
    try:
        found = signing.loads(token, salt=QUOTE_SALT)
    except signing.BadSignature:
        return None
    return found.get("quote") if isinstance(found, dict) else None


def _reader(quote: Quote) -> tuple[str, str, str]:
    """Who gets a quote: the ticket's contact, else the customer's address."""
    ticket = quote.ticket
    contact = ticket.contact if ticket is not None else None
    if contact is not None and contact.email:
        return contact.email, contact.name, contact.language or quote.customer.language
    return quote.customer.email, "", quote.customer.language


def _written_in(
    language: str, total: Decimal, valid_until: dt.date | None, currency: str
) -> dict[str, str]:
    """The quote's total and last day as its reader writes them."""
    with translation.override(language):
        return {
            "total": number_format(total, decimal_pos=minor_units(currency), force_grouping=True)
            + f" {currency}",
            "valid_until": date_format(valid_until, "DATE_FORMAT") if valid_until else "",
        }


def quote_sent_notice(
    *, quote: Quote, link: str, figures: QuoteFigures, now: dt.datetime | None = None
) -> Any:
    """The quote e-mail with its accept/reject link (once per quote; sent after commit)."""
    to_email, name, language = _reader(quote)
    if not to_email:
        return None
    composed = message_compose(
        event="quote_sent",
        language=language,
        contract_id=quote.contract_id,
        context={
            "contact_name": name,
            "quote": quote,
            "number": quote.number,
            "title": quote.title,
            "customer_name": str(quote.customer),
            "site_name": quote.site.name,
            **_written_in(language, figures.gross_total, quote.valid_until, quote.currency),
            "link": link,
        },
    )
    return message_queue(
        key=f"quote:{quote.pk}:sent",
        to_email=to_email,
        subject=composed.subject,
        body=composed.body,
        language=composed.language,
        about=quote.ticket,
        now=now,
    )


def quote_send(
    *,
    actor: Actor,
    quote: Quote,
    link_for: Callable[[str], str],
    valid_until: dt.date | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Quote:
    """Send a draft: numbered, open until ``valid_until`` (``VALID_DAYS`` from today unless
    told), and e-mailed to the customer with the link ``link_for(token)`` (after commit)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    valid_until = valid_until or today + dt.timedelta(days=VALID_DAYS)
    if valid_until < today:
        raise InvalidInput.on("valid_until", _("A quote cannot be valid until a day past."))
    with transaction.atomic():
        locked = selectors.quote_locked(quote.pk)
        _refuse_unless_draft(locked)
        lines = list(locked.lines.all())
        if not lines:
            raise QuoteIncomplete.on("lines", _("A quote is sent with at least one line."))
        if locked.ticket_id is None and not any(line.service_id for line in lines):
            raise QuoteIncomplete.on(
                "lines",
                _("A quote without a ticket needs a service line: its work is opened for it."),
            )
        locked = record_update(
            locked,
            actor=actor,
            values={
                "status": QuoteStatus.SENT,
                "number": f"Q-{locked.pk:06d}",
                "sent_at": now,
                "valid_until": valid_until,
            },
            reason=reason,
            now=now,
        )
        quote_sent_notice(
            quote=locked, link=link_for(quote_token(locked)), figures=quote_totals(locked), now=now
        )
    return locked


# --- the customer's decision ----------------------------------------------------------------------
def _refuse_decider(actor: Actor, quote: Quote, via: str) -> None:
    role = getattr(actor, "role", None)
    if via not in (QuoteDecidedVia.PORTAL, QuoteDecidedVia.EMAIL, QuoteDecidedVia.OFFICE):
        raise InvalidInput.on("via", _("Choose portal, e-mail link or office."))
    if via == QuoteDecidedVia.OFFICE:
        allowed = actor is None or role in OFFICE_DECIDERS
    elif actor is None:
        allowed = via == QuoteDecidedVia.EMAIL  # the signed link, without logging in
    else:
        allowed = role == Role.CUSTOMER and (
            quote.customer_id in customer_descendant_ids(actor.customer)
            if actor.customer_id is not None
            else False
        )
    if not allowed:
        raise QuoteDecisionRefused(
            _(
                "The customer decides a quote, in the portal or by the e-mail's link; the office "
                "records a decision told to it."
            )
        )


def _refuse_undecidable(quote: Quote, today: dt.date) -> None:
    if quote.status in DECIDED:
        raise QuoteAlreadyDecided(
            _("Quote %(quote)s was %(status)s already.")
            % {"quote": quote, "status": quote.get_status_display()},
            fields={"status": [_("This quote is decided already.")]},
        )
    if quote.status == QuoteStatus.EXPIRED or (
        quote.status == QuoteStatus.SENT
        and quote.valid_until is not None
        and quote.valid_until < today
    ):
        raise QuoteExpired(
            _("Quote %(quote)s expired on %(day)s: ask us for a new one.")
            % {"quote": quote, "day": quote.valid_until.isoformat() if quote.valid_until else ""},
            fields={"valid_until": [_("This quote is no longer valid.")]},
        )
    if quote.status != QuoteStatus.SENT:
        raise QuoteNotSent(
            _("Quote %(quote)s has not been sent yet.") % {"quote": quote},
            fields={"status": [_("This quote has not been sent yet.")]},
        )


CHANNEL_OF_VIA = {
    QuoteDecidedVia.PORTAL: Channel.PORTAL,
    QuoteDecidedVia.EMAIL: Channel.EMAIL,
    QuoteDecidedVia.OFFICE: Channel.DISPATCHER,
}


def _work_for(quote: Quote, *, via: str, now: dt.datetime) -> Any:
    """The work order carrying out an accepted quote, under its ticket (opened now, "to be
    quoted", for the first service of its lines when the quote has none)."""
    ticket = quote.ticket
    why = _("Quote %(quote)s accepted") % {"quote": quote.number}
    if ticket is None:
        service = next(line.service for line in quote.lines.all() if line.service_id)
        ticket = ticket_open(
            actor=None,
            values={
                "customer": quote.customer,
                "site": quote.site,
                "service": service,
                "contract": quote.contract,
                "channel": CHANNEL_OF_VIA[via],
                "subject": quote.title[:200],
                "description": quote.notes,
                "override": TicketOverride.QUOTE,
            },
            reason=why,
            now=now,
        )
    return work_order_create(
        actor=None,
        values={
            "ticket": ticket,
            "notes": _("Carries out quote %(quote)s: %(title)s")
            % {"quote": quote.number, "title": quote.title},
        },
        reason=why,
    )


def _decide(
    *,
    actor: Actor,
    quote: Quote,
    via: str,
    status: str,
    reason: str,
    now: dt.datetime,
    work: Callable[[Quote], Any] | None = None,
) -> Quote:
    """Record the customer's decision on a sent quote, once, by its day (judged against
    ``now``); ``work`` makes the work order of an acceptance, in the same transaction."""
    with transaction.atomic():
        locked = selectors.quote_locked(quote.pk)
        _refuse_decider(actor, locked, via)
        _refuse_undecidable(locked, timezone.localdate(now))
        values: dict[str, Any] = {
            "status": status,
            "decided_at": now,
            "decided_by": actor_user(actor),
            "decided_via": via,
            "decision_reason": reason,
        }
        if work is not None:
            work_order = work(locked)
            values.update(work_order=work_order, ticket=work_order.ticket)
        return record_update(locked, actor=actor, values=values, reason=reason, now=now)


def quote_accept(
    *, actor: Actor, quote: Quote, via: str, reason: str = "", now: dt.datetime | None = None
) -> Quote:
    """The customer accepts a sent quote (by ``valid_until``, judged against ``now`` whether or
    not the expiry run has passed): the work order — and the ticket when the quote has none —
    is created in the same transaction and recorded on the quote."""
    moment = now or timezone.now()
    return _decide(
        actor=actor,
        quote=quote,
        via=via,
        status=QuoteStatus.ACCEPTED,
        reason=reason,
        now=moment,
        work=lambda locked: _work_for(locked, via=via, now=moment),
    )


def quote_reject(
    *, actor: Actor, quote: Quote, via: str, reason: str, now: dt.datetime | None = None
) -> Quote:
    """The customer rejects a sent quote, saying why."""
    return _decide(
        actor=actor,
        quote=quote,
        via=via,
        status=QuoteStatus.REJECTED,
        reason=require_reason(reason),
        now=now or timezone.now(),
    )


# --- expiry -------------------------------------------------------------------------------------
def quotes_expire(*, now: dt.datetime | None = None) -> int:
    """Mark expired the sent quotes whose ``valid_until`` day has passed; how many. Running it
    again changes nothing (each quote is re-checked under its lock)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Quote.objects.filter(status=QuoteStatus.SENT, valid_until__lt=today).values_list(
        "pk", flat=True
    )
    expired = 0
    for pk in list(due):
        with transaction.atomic():
            locked = selectors.quote_locked(pk)
            if locked.status != QuoteStatus.SENT or locked.valid_until >= today:
                continue
            record_update(
                locked,
                actor=None,
                values={"status": QuoteStatus.EXPIRED},
                reason=_("Not decided by %(day)s") % {"day": locked.valid_until.isoformat()},
                now=now,
            )
            expired += 1
    return expired
