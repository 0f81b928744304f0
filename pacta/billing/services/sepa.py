"""SEPA direct debit: creditor accounts, customers' mandates, and batches of debits (pain.008).

A mandate is a customer's signed authorisation: its reference (unique, SEPA identifier
characters), the day it was signed (required, not in the future), the account holder, the
IBAN (mod 97) and optionally the BIC. Once a mandate has collected, its reference and signature
day stay; a new account makes its next collection a first one again. A revoked mandate changes
no more and collects nothing.

A batch collects, on one day, invoices that are issued and not paid, in euros, due by then, not
in any batch yet, of customers with a mandate in force: each its outstanding amount. A
mandate's first collection is ``FRST`` (all of its debits in that batch), later ones ``RCUR``;
a one-off mandate collects once (``OOFF``). The file is built with ``sepaxml`` in the version
of the creditor's bank (pain.008.001.08 by default, .02), checked against its XSD and the EPC
rules (:mod:`pacta.billing.sepa_rules`) and stored through Django's storage — all in one
transaction, so a refusal writes nothing. The invoices are not marked paid: a debit can still
bounce; the money is recorded as a payment when the bank statement shows it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree
from sepaxml import SepaDD

from pacta.audit.services import (
    Action,
    Actor,
    RecordWriter,
    actor_user,
    change_entry,
    change_record,
    change_record_bulk,
    record_create,
    record_update,
    snapshot,
)
from pacta.billing.errors import (
    DebtorAddressMissing,
    InvoiceAlreadyDebited,
    MandateRevoked,
    NoLiveMandate,
    NotCollectable,
    NothingToCollect,
    SepaFileRefused,
)
from pacta.billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceState,
    MandateSequence,
    SepaBatch,
    SepaCreditor,
    SepaDebit,
    SepaMandate,
)
from pacta.billing.sepa_rules import (
    VERSIONS,
    epc_problems,
    identifier_ok,
    sepa_text,
    xsd_problems,
)
from pacta.billing.services.invoices import invoice_outstanding
from pacta.domain.errors import FieldErrors, InvalidInput
from pacta.domain.iban import validate_bic, validate_creditor_id, validate_iban

OPEN_STATES = (InvoiceState.ISSUED, InvoiceState.PARTLY_PAID)
MANDATE_FIELDS = ("customer", "reference", "signed_on", "debtor_name", "iban", "bic", "recurring")
#: Kept once the mandate has collected (a change would need an amendment in the file).
FROZEN_ONCE_COLLECTED = ("customer", "reference", "signed_on")
CREDITOR_FIELDS = ("name", "creditor_id", "iban", "bic", "pain_version", "is_default")


def _checked(errors: FieldErrors, values: dict[str, Any], field: str, check: Any) -> None:
    """Replace ``values[field]`` by what ``check`` makes of it (normalised), or note why not."""
    try:
        values[field] = check(values.get(field) or "", field=field)
    except InvalidInput as error:
        for message in error.fields.get(field, [error.message]):
            errors.add(field, message)


def _account(errors: FieldErrors, values: dict[str, Any], *, bic_required: bool = False) -> None:
    """Normalise and check ``iban`` and ``bic`` in ``values`` in place, noting what is wrong."""
    if "iban" in values:
        _checked(errors, values, "iban", validate_iban)
    if "bic" in values or bic_required:
        if str(values.get("bic") or "").strip() or bic_required:
            _checked(errors, values, "bic", validate_bic)
        else:
            values["bic"] = ""


def _unknown(errors: FieldErrors, values: Mapping[str, Any], allowed: Sequence[str]) -> None:
    for name in values:
        if name not in allowed:
            errors.add(name, _("This field cannot be written here."))


# --- creditor accounts --------------------------------------------------------------------------
def _creditor_values(values: Mapping[str, Any], instance: SepaCreditor | None) -> dict[str, Any]:
    errors = FieldErrors()
    _unknown(errors, values, CREDITOR_FIELDS)
    given = {k: v for k, v in values.items() if k in CREDITOR_FIELDS}
    version = given.get("pain_version", instance.pain_version if instance else VERSIONS[0])
    _account(errors, given, bic_required=version == "pain.008.001.02" and "bic" in given)
    if "creditor_id" in given:
        _checked(errors, given, "creditor_id", validate_creditor_id)
    if "name" in given and not sepa_text(given["name"], 70):
        errors.add("name", _("The creditor's name is needed, in Latin letters."))
    errors.raise_if_any()
    return given


def _set_each(
    actor: Actor, rows: Sequence[Any], field: str, value: Any, reason: str, now: dt.datetime
) -> None:
    """Set ``field`` of each row (locked by the caller) to ``value``, with its audit rows."""
    entries = []
    for instance in rows:
        before = snapshot(instance)
        setattr(instance, field, value)
        instance.save(update_fields=[field])
        entries.append(
            change_entry(
                actor=actor,
                instance=instance,
                before=before,
                after=snapshot(instance),
                reason=reason,
                now=now,
            )
        )
    change_record_bulk(entries)


def _only_default(actor: Actor, creditor: SepaCreditor) -> SepaCreditor:
    """A creditor account made the default is the only one: the others stop being it."""
    if creditor.is_default:
        others = SepaCreditor.objects.select_for_update().filter(is_default=True)
        _set_each(
            actor,
            list(others.exclude(pk=creditor.pk)),
            "is_default",
            False,
            f"{creditor.name} is the default creditor account now",
            timezone.now(),
        )
    return creditor


def sepa_creditor_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = ""
) -> SepaCreditor:
    """Our account that collects: name, creditor identifier (check digits), IBAN, BIC (needed
    by pain.008.001.02), the version its bank takes; the default one, if marked so."""
    given = _creditor_values(values, None)
    with transaction.atomic():
        creditor = record_create(SepaCreditor, actor=actor, values=given, reason=reason)
        return _only_default(actor, creditor)


def sepa_creditor_update(
    *, actor: Actor, sepa_creditor: SepaCreditor, values: Mapping[str, Any], reason: str = ""
) -> SepaCreditor:
    given = _creditor_values(values, sepa_creditor)
    with transaction.atomic():
        creditor = record_update(sepa_creditor, actor=actor, values=given, reason=reason)
        return _only_default(actor, creditor)


SEPA_CREDITOR = RecordWriter(
    param="sepa_creditor", create=sepa_creditor_create, update=sepa_creditor_update, delete=None
)


# --- mandates -----------------------------------------------------------------------------------
def _mandate_values(
    values: Mapping[str, Any], instance: SepaMandate | None, today: dt.date
) -> dict[str, Any]:
    """The values to write, normalised, after every rule a mandate's fields obey."""
    errors = FieldErrors()
    _unknown(errors, values, MANDATE_FIELDS)
    given = {k: v for k, v in values.items() if k in MANDATE_FIELDS}
    if instance is None or "reference" in given:
        reference = str(given.get("reference") or "").strip()
        given["reference"] = reference
        if not reference:
            errors.add("reference", _("The mandate needs its reference."))
        elif len(reference) > 35 or not identifier_ok(reference):
            errors.add(
                "reference",
                _(
                    "A mandate reference is up to 35 letters, digits and / - ? : ( ) . , ' + "
                    "(no spaces; no leading, trailing or double /)."
                ),
            )
    if instance is None or "signed_on" in given:
        signed_on = given.get("signed_on")
        if signed_on is None:
            errors.add("signed_on", _("The mandate needs the day it was signed."))
        elif not isinstance(signed_on, dt.date):
            errors.add("signed_on", _("Not a date."))
        elif signed_on > today:
            errors.add("signed_on", _("A mandate cannot be signed in the future."))
    if instance is None or "debtor_name" in given:
        given["debtor_name"] = str(given.get("debtor_name") or "").strip()
        if not sepa_text(given["debtor_name"], 70):
            errors.add("debtor_name", _("The account holder's name is needed."))
    if instance is None and "iban" not in given:
        given["iban"] = ""
    _account(errors, given)
    errors.raise_if_any()
    return given


def sepa_mandate_create(
    *,
    actor: Actor,
    values: Mapping[str, Any],
    reason: str = "",
    now: dt.datetime | None = None,
) -> SepaMandate:
    """Record a customer's signed mandate (checked: reference, signature day, IBAN, BIC)."""
    now = now or timezone.now()
    given = _mandate_values(values, None, timezone.localdate(now))
    return record_create(SepaMandate, actor=actor, values=given, reason=reason, now=now)


def sepa_mandate_update(
    *,
    actor: Actor,
    sepa_mandate: SepaMandate,
    values: Mapping[str, Any],
    reason: str = "",
    now: dt.datetime | None = None,
) -> SepaMandate:
    """Change a mandate; once it has collected, its customer, reference and signature day
    stay, and a new IBAN makes the next collection a first one (``FRST``) again."""
    now = now or timezone.now()
    with transaction.atomic():
        mandate = SepaMandate.objects.select_for_update().get(pk=sepa_mandate.pk)
        if mandate.revoked_on is not None:
            raise MandateRevoked(
                _("Mandate %(reference)s was revoked: it changes no more.")
                % {"reference": mandate.reference}
            )
        given = _mandate_values(values, mandate, timezone.localdate(now))
        if mandate.first_collected_on is not None:
            errors = FieldErrors()
            for name in FROZEN_ONCE_COLLECTED:
                if name in given and given[name] != getattr(mandate, name):
                    errors.add(name, _("The mandate has collected already: this stays."))
            errors.raise_if_any()
            if "iban" in given and given["iban"] != mandate.iban:
                given["first_collected_on"] = None
        return record_update(mandate, actor=actor, values=given, reason=reason, now=now)


def sepa_mandate_revoke(
    *,
    actor: Actor,
    sepa_mandate: SepaMandate,
    revoked_on: dt.date | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> SepaMandate:
    """The customer withdrew the mandate (from ``revoked_on``, default today)."""
    now = now or timezone.now()
    with transaction.atomic():
        mandate = SepaMandate.objects.select_for_update().get(pk=sepa_mandate.pk)
        if mandate.revoked_on is not None:
            raise MandateRevoked(
                _("Mandate %(reference)s was revoked already.") % {"reference": mandate.reference}
            )
        revoked_on = revoked_on or timezone.localdate(now)
        if revoked_on < mandate.signed_on:
            raise InvalidInput.on("revoked_on", _("A mandate is revoked after it was signed."))
        return record_update(
            mandate, actor=actor, values={"revoked_on": revoked_on}, reason=reason, now=now
        )


SEPA_MANDATE = RecordWriter(
    param="sepa_mandate", create=sepa_mandate_create, update=sepa_mandate_update, delete=None
)


# --- batches ------------------------------------------------------------------------------------
def _live(collection_on: dt.date) -> Q:
    """Mandates in force on ``collection_on``: signed by then, not revoked by then, and not a
    one-off that has collected."""
    return (
        Q(signed_on__lte=collection_on)
        & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=collection_on))
        & (Q(recurring=True) | Q(first_collected_on__isnull=True))
    )


def _mandates_of(customer_ids: set[int], collection_on: dt.date) -> dict[int, SepaMandate]:
    """Each customer's mandate in force (the one signed last), locked."""
    found: dict[int, SepaMandate] = {}
    rows = (
        SepaMandate.objects.select_for_update()
        .filter(_live(collection_on), customer_id__in=customer_ids)
        .order_by("customer_id", "-signed_on", "-pk")
    )
    for mandate in rows:
        found.setdefault(mandate.customer_id, mandate)
    return found


def _collectable(invoice: Invoice) -> bool:
    return (
        invoice.kind == InvoiceKind.INVOICE
        and invoice.state in OPEN_STATES
        and invoice.currency == "EUR"
    )


def _chosen(invoices: Sequence[Invoice], collection_on: dt.date) -> list[Invoice]:
    """The invoices named, locked, each refused by name unless it can be collected."""
    locked = list(
        Invoice.objects.select_for_update(of=("self",))
        .filter(pk__in=[i.pk for i in invoices])
        .select_related("customer")
        .order_by("pk")
    )
    debited = set(SepaDebit.objects.filter(invoice__in=locked).values_list("invoice_id", flat=True))
    for invoice in locked:
        name = invoice.number or str(invoice.pk)
        if invoice.pk in debited:
            raise InvoiceAlreadyDebited(
                _("Invoice %(number)s is in a direct-debit batch already.") % {"number": name}
            )
        if not _collectable(invoice) or invoice_outstanding(invoice) <= 0:
            raise NotCollectable(
                _("Invoice %(number)s is not an issued, unpaid invoice in euros.")
                % {"number": name}
            )
    mandates = _mandates_of({i.customer_id for i in locked}, collection_on)
    for invoice in locked:
        if invoice.customer_id not in mandates:
            revoked = SepaMandate.objects.filter(
                customer_id=invoice.customer_id, revoked_on__lte=collection_on
            ).first()
            if revoked is not None:
                raise MandateRevoked(
                    _("%(customer)s's mandate %(reference)s was revoked on %(day)s.")
                    % {
                        "customer": invoice.customer.legal_name,
                        "reference": revoked.reference,
                        "day": revoked.revoked_on,
                    }
                )
            raise NoLiveMandate(
                _("%(customer)s has no direct-debit mandate in force on %(day)s.")
                % {"customer": invoice.customer.legal_name, "day": collection_on}
            )
    return locked


def _due(collection_on: dt.date) -> list[Invoice]:
    """Every invoice due for direct debit on ``collection_on``, locked (skipping those another
    batch being made holds)."""
    live = SepaMandate.objects.filter(_live(collection_on)).values("customer_id")
    rows = (
        Invoice.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            kind=InvoiceKind.INVOICE,
            state__in=OPEN_STATES,
            currency="EUR",
            due_date__lte=collection_on,
            sepa_debit__isnull=True,
            customer_id__in=live,
        )
        .select_related("customer")
        .order_by("customer_id", "due_date", "pk")
    )
    return [invoice for invoice in rows if invoice_outstanding(invoice) > 0]


def _address(customer: Any) -> dict[str, str]:
    """The debtor's structured address (street, postal code, town, country)."""
    return {
        key: value
        for key, value in (
            ("street_name", sepa_text(customer.address_line1, 70)),
            ("postcode", sepa_text(customer.postal_code, 16)),
            ("town", sepa_text(customer.city, 35)),
            ("country", str(getattr(customer.country, "code", customer.country) or "")),
        )
        if value
    }


def _check_addresses(invoices: Sequence[Invoice]) -> None:
    """Refuse, naming every customer, when an address lacks the town or the country."""
    fields: dict[str, list[str]] = {}
    for customer in {i.customer_id: i.customer for i in invoices}.values():
        address = _address(customer)
        missing = [
            str(label)
            for key, label in (("town", _("town")), ("country", _("country")))
            if key not in address
        ]
        if missing:
            fields[f"customer {customer.pk}"] = [
                _("%(customer)s has no %(missing)s in its address: a debit needs both.")
                % {"customer": customer.legal_name, "missing": _(" and ").join(missing)}
            ]
    if fields:
        detail = (
            next(iter(fields.values()))[0]
            if len(fields) == 1
            else _("Some customers' addresses lack the town or the country.")
        )
        raise DebtorAddressMissing(detail, fields=fields)


def _check_creditor(creditor: SepaCreditor) -> None:
    """The creditor account as the bank needs it (it may have been typed in the back office)."""
    errors = FieldErrors()
    values = {"iban": creditor.iban, "bic": creditor.bic, "creditor_id": creditor.creditor_id}
    _account(errors, values, bic_required=creditor.pain_version == "pain.008.001.02")
    _checked(errors, values, "creditor_id", validate_creditor_id)
    if creditor.pain_version not in VERSIONS:
        errors.add("pain_version", _("Not a pain.008 version pacta writes."))
    try:
        errors.raise_if_any()
    except InvalidInput as error:
        raise InvalidInput(
            _("The creditor account %(name)s is not usable.") % {"name": creditor.name},
            fields={f"creditor.{name}": messages for name, messages in error.fields.items()},
        ) from None


def _sequence(mandate: SepaMandate) -> str:
    if not mandate.recurring:
        return MandateSequence.ONE_OFF
    if mandate.first_collected_on is None:
        return MandateSequence.FIRST
    return MandateSequence.RECURRING


def _cents(amount: Decimal) -> int:
    return int(amount.quantize(Decimal("0.01")).scaleb(2))


def _xml(
    batch: SepaBatch, creditor: SepaCreditor, debits: Sequence[SepaDebit], now: dt.datetime
) -> bytes:
    """The pain.008 file of ``debits``, with the batch's message id and time."""
    config: dict[str, Any] = {
        "name": sepa_text(creditor.name, 70),
        "IBAN": creditor.iban,
        "batch": True,
        "creditor_id": creditor.creditor_id,
        "currency": "EUR",
    }
    if creditor.bic:
        config["BIC"] = creditor.bic
    document = SepaDD(config, schema=batch.pain_version, clean=False)
    for debit in debits:
        mandate, invoice = debit.mandate, debit.invoice
        payment: dict[str, Any] = {
            "name": sepa_text(mandate.debtor_name, 70),
            "IBAN": mandate.iban,
            "amount": _cents(debit.amount),
            "type": debit.sequence,
            "collection_date": batch.collection_date,
            "mandate_id": mandate.reference,
            "mandate_date": mandate.signed_on,
            "description": sepa_text(invoice.number or "", 140),
            "endtoend_id": debit.end_to_end_id,
            "address": _address(invoice.customer),
        }
        if mandate.bic:
            payment["BIC"] = mandate.bic
        document.add_payment(payment)
    root = etree.fromstring(document.export(validate=False))
    stamp = now.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat()
    for element in root.iter():
        name = etree.QName(element).localname
        if name == "MsgId":
            element.text = batch.message_id
        elif name == "CreDtTm":
            element.text = stamp
    for info in [e for e in root.iter() if etree.QName(e).localname == "PmtInf"]:
        sequence = next(e.text for e in info.iter() if etree.QName(e).localname == "SeqTp")
        next(
            e for e in info if etree.QName(e).localname == "PmtInfId"
        ).text = f"{batch.message_id}-{sequence}"
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _check_file(xml: bytes, version: str) -> None:
    problems = xsd_problems(xml, version) + epc_problems(xml)
    if problems:
        texts = [problem.text(_) for problem in problems]
        raise SepaFileRefused(
            _("The direct-debit file breaks its rules, so it was not stored: %(problems)s")
            % {"problems": "; ".join(texts)},
            fields={"file": texts},
        )


def sepa_batch_create(
    *,
    actor: Actor,
    creditor: SepaCreditor,
    collection_on: dt.date,
    invoices: Sequence[Invoice] | None = None,
    now: dt.datetime | None = None,
    reason: str = "",
) -> SepaBatch:
    """Collect ``invoices`` (default: every invoice due by ``collection_on`` of a customer with
    a mandate in force) on ``collection_on``: one batch, one debit per invoice, the file."""
    now = now or timezone.now()
    if not isinstance(collection_on, dt.date) or collection_on <= timezone.localdate(now):
        raise InvalidInput.on(
            "collection_on", _("Collect on a day after today (the bank needs a day at least).")
        )
    _check_creditor(creditor)
    with transaction.atomic():
        chosen = _due(collection_on) if invoices is None else _chosen(invoices, collection_on)
        if not chosen:
            raise NothingToCollect(
                _("No invoice is due for direct debit on %(day)s.") % {"day": collection_on}
            )
        _check_addresses(chosen)
        mandates = _mandates_of({i.customer_id for i in chosen}, collection_on)
        amounts = {invoice.pk: invoice_outstanding(invoice) for invoice in chosen}
        batch = SepaBatch.objects.create(
            creditor=creditor,
            message_id=uuid.uuid4().hex[:35],
            pain_version=creditor.pain_version,
            collection_date=collection_on,
            count=len(chosen),
            control_sum=sum(amounts.values(), Decimal(0)),
            created_at=now,
            created_by=actor_user(actor),
        )
        batch.message_id = f"PACTA-{collection_on:%Y%m%d}-{batch.pk:06d}"
        debits = [
            SepaDebit(
                batch=batch,
                invoice=invoice,
                mandate=mandates[invoice.customer_id],
                amount=amounts[invoice.pk],
                sequence=_sequence(mandates[invoice.customer_id]),
                end_to_end_id=f"{batch.message_id}-{position:04d}",
            )
            for position, invoice in enumerate(chosen, start=1)
        ]
        SepaDebit.objects.bulk_create(debits)
        xml = _xml(batch, creditor, debits, now)
        _check_file(xml, batch.pain_version)
        first = {d.mandate_id: d.mandate for d in debits if d.mandate.first_collected_on is None}
        _set_each(
            actor,
            list(first.values()),
            "first_collected_on",
            collection_on,
            f"first collection in {batch.message_id}",
            now,
        )
        batch.xml.save(f"{batch.message_id}.xml", ContentFile(xml), save=False)
        batch.save(update_fields=["message_id", "xml"])
        change_record(
            actor=actor,
            action=Action.CREATE,
            instance=batch,
            before=None,
            after=snapshot(batch),
            reason=reason,
            now=now,
        )
    return batch
