"""Reading what documents are made of: the wording and redaction rules of a contract, and the
closure and inspection reports gathered from the work, ready to render.

A report is gathered into frozen values whose texts are already masked by the contract's
redaction rules and whose dates, numbers and money are already written in the reader's
language and the site's time zone, so the templates only lay them out and nothing of a
record's free text reaches a document unmasked.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from PIL import Image

from pacta.accounts.access import SYSTEM, Audience, visible
from pacta.billing.selectors import rating_current_of
from pacta.reports import formats
from pacta.reports.models import IssuedReport, RedactionRule, ReportKind, ReportWording
from pacta.reports.redaction import Redaction
from pacta.service import selectors as service_selectors

#: The longest side of a photo's thumbnail on a report, in pixels.
THUMBNAIL_PIXELS = 480
#: Units of charge lines and parts, as a report writes them after a quantity.
UNITS = {
    "hour": gettext_lazy("h"),
    "visit": gettext_lazy("visit(s)"),
    "each": gettext_lazy("pcs"),
    "km": gettext_lazy("km"),
    "m": gettext_lazy("m"),
    "l": gettext_lazy("l"),
    "kg": gettext_lazy("kg"),
    "trip": gettext_lazy("trip(s)"),
    "allowance": "",
}
#: The line types a customer pays for (the others are covered, or waiting for a decision).
BILLED_TYPES = ("billable", "surcharge", "travel", "parts", "credit")
#: Work orders whose work is done: a closure report can be issued.
CLOSED_STATUSES = frozenset({"completed", "accepted", "disputed"})


# --- wording and redaction ------------------------------------------------------------------
def report_wording_list(*, audience: Audience) -> QuerySet[ReportWording]:
    return visible(ReportWording.objects.select_related("contract"), audience)


def redaction_rule_list(*, audience: Audience) -> QuerySet[RedactionRule]:
    return visible(RedactionRule.objects.select_related("contract"), audience)


def issued_report_list(*, audience: Audience) -> QuerySet[IssuedReport]:
    return visible(IssuedReport.objects.select_related("work_order__ticket"), audience)


def report_wording_find(
    *, kind: str, language: str, contract_id: int | None
) -> ReportWording | None:
    """The contract's own wording of a report in ``language``, else the general one; None
    when neither exists (the built-in words apply)."""
    candidates = ReportWording.objects.filter(kind=kind, language=language)
    if contract_id is not None:
        own = candidates.filter(contract_id=contract_id).first()
        if own is not None:
            return own
    return candidates.filter(contract=None).first()


def contract_redaction(contract_id: int | None) -> Redaction:
    """The redaction rules of a contract, in their order (none without a contract)."""
    if contract_id is None:
        return Redaction()
    rules = RedactionRule.objects.filter(contract_id=contract_id).order_by("id")
    return Redaction.of(rules.values_list("pattern", "replacement"))


def report_language(ticket: Any) -> str:
    """The customer's language when pacta speaks it, else the company's."""
    language = ticket.customer.language
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


# --- the values a report is made of -------------------------------------------------------------
@dataclass(frozen=True)
class Wording:
    title: str
    introduction: str
    closing: str


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class TimeRow:
    technician: str
    kind: str
    started: str
    ended: str
    duration: str
    note: str


@dataclass(frozen=True)
class PartRow:
    code: str
    name: str
    quantity: str
    note: str


@dataclass(frozen=True)
class LineRow:
    coverage: str
    label: str
    quantity: str
    unit_price: str
    multiplier: str
    amount: str
    css: str


@dataclass(frozen=True)
class Lines:
    """The charge lines of the work order's current rating, and its totals."""

    rows: tuple[LineRow, ...]
    total: str
    awaiting_approval: str


@dataclass(frozen=True)
class PhotoRow:
    kind: str
    caption: str
    taken: str
    data_uri: str


@dataclass(frozen=True)
class StepRow:
    position: int
    text: str
    marks: str
    scope: str
    done: str
    note: str


@dataclass(frozen=True)
class SignatureBlock:
    signer: str
    signed: str
    data_uri: str


@dataclass(frozen=True)
class InspectionRow:
    name: str
    subject: str
    result: str
    finished: str


@dataclass(frozen=True)
class ClosureReport:
    """Everything a closure report shows, written for its reader."""

    language: str
    reference: str
    wording: Wording
    facts: tuple[Fact, ...]
    subject: str
    description: str
    notes: str
    times: tuple[Fact, ...]
    time_rows: tuple[TimeRow, ...]
    parts: tuple[PartRow, ...]
    lines: Lines | None
    photos: tuple[PhotoRow, ...]
    checklist: tuple[StepRow, ...]
    inspections: tuple[InspectionRow, ...]
    signature: SignatureBlock | None
    printed: str


@dataclass(frozen=True)
class ReadingRow:
    parameter: str
    expected: str
    reading: str
    result: str
    css: str
    read: str
    note: str


@dataclass(frozen=True)
class InspectionReport:
    """Everything an inspection report shows, written for its reader."""

    language: str
    reference: str
    wording: Wording
    facts: tuple[Fact, ...]
    readings: tuple[ReadingRow, ...]
    result: str
    result_css: str
    printed: str


# --- gathering ------------------------------------------------------------------------------------
def _person(user: Any) -> str:
    if user is None:
        return "—"
    return str(user.get_full_name() or user.get_username())


#: How every built-in report ends.
CLOSING = gettext_lazy(
    "If something in this report is not right, reply to the e-mail it came with."
)


def _wording(
    kind: str,
    ticket: Any,
    context: dict[str, str],
    mask: Redaction,
    *,
    title: str,
    introduction: str,
) -> Wording:
    """The wording of the ticket's contract, the general one or the built-in words (``title``,
    ``introduction``), rendered as plain text over ``context`` (whose values are masked
    already) in the active language, and masked itself."""
    found = report_wording_find(
        kind=kind, language=translation.get_language(), contract_id=ticket.contract_id
    )
    if found is None:
        texts = (title, introduction, str(CLOSING))
    else:
        texts = tuple(
            Template(text).render(Context(context, autoescape=False)).strip()
            for text in (found.title, found.introduction, found.closing)
        )
    return Wording(*(mask.mask(text) for text in texts))


def _image_data_uri(field: Any, *, thumbnail: bool) -> str:
    """An image from Django's storage as a data: URI (a JPEG thumbnail for photos), so the HTML
    page and the PDF carry it without serving the stored file."""
    with field.open("rb") as stored:
        data = stored.read()
    if thumbnail:
        with Image.open(BytesIO(data)) as image:
            image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
            out = BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=80)
        return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()
    return "data:image/png;base64," + base64.b64encode(data).decode()


def _quantity(value: Decimal, unit: str) -> str:
    word = str(UNITS.get(unit, unit))
    return f"{formats.number(value)} {word}".strip()


def charge_line_coverage(line: Any) -> tuple[str, str]:
    """A charge line's place on the report: covered, billed, or waiting (and its css)."""
    if line.charge_type == "included":
        return _("covered by the contract"), "covered"
    if line.charge_type == "needs_approval":
        if line.approval == "rejected":
            return _("out of scope, written off"), "written-off"
        if line.approval == "approved":
            return _("out of scope, approved"), "billed"
        return _("out of scope, awaiting approval"), "waiting"
    return line.get_charge_type_display(), "billed"


def _lines(work_order: Any) -> Lines | None:
    rating = rating_current_of(work_order)
    if rating is None:
        return None
    currency = rating.currency
    rows = tuple(
        LineRow(
            coverage=charge_line_coverage(line)[0],
            label=line.label,
            quantity=_quantity(line.quantity, line.unit),
            unit_price=formats.money(line.unit_price, currency),
            multiplier="×" + formats.number(line.multiplier, 2),
            amount=formats.money(line.amount, currency),
            css=charge_line_coverage(line)[1],
        )
        for line in rating.lines.all()
    )
    return Lines(
        rows=rows,
        total=formats.money(rating.total, currency),
        awaiting_approval=formats.money(rating.awaiting_approval, currency)
        if rating.awaiting_approval
        else "",
    )


def _step_marks(item: Any) -> str:
    marks = []
    if item.is_safety:
        marks.append(_("safety step"))
    elif item.is_mandatory:
        marks.append(_("mandatory"))
    return ", ".join(marks)


def _step_scope(item: Any) -> str:
    if item.in_scope:
        return _("in scope")
    return item.get_approval_display()


def _work_orders_for_reports() -> QuerySet[Any]:
    inspections = Prefetch(
        "inspections",
        queryset=service_selectors.inspection_list(audience=SYSTEM).order_by("id"),
    )
    return (
        service_selectors.work_order_list(audience=SYSTEM)
        .select_related(
            "ticket__customer",
            "ticket__site",
            "ticket__contract",
            "ticket__service",
            "ticket__equipment",
            "technician",
            "contractor",
        )
        .prefetch_related(
            "time_entries__technician",
            "parts_used__product",
            "checklist_items__done_by",
            "photos",
            inspections,
        )
    )


def work_order_for_report(pk: Any) -> Any:
    """A work order with everything its closure report reads."""
    return _work_orders_for_reports().get(pk=pk)


def _signature(work_order: Any, zone: ZoneInfo, mask: Redaction) -> SignatureBlock | None:
    try:
        signature = work_order.signature
    except work_order._meta.model.signature.RelatedObjectDoesNotExist:
        return None
    return SignatureBlock(
        signer=mask.mask(signature.signer_name),
        signed=formats.moment(signature.signed_at, zone),
        data_uri=_image_data_uri(signature.image, thumbnail=False),
    )


def closure_report_get(work_order: Any, *, now: dt.datetime | None = None) -> ClosureReport:
    """The closure report of ``work_order`` (one read by :func:`work_order_for_report`, or any
    work order: it is read again with what the report needs), in the customer's language."""
    work_order = work_order_for_report(work_order.pk)
    ticket = work_order.ticket
    language = report_language(ticket)
    zone = ZoneInfo(ticket.site.time_zone)
    mask = contract_redaction(ticket.contract_id)
    contract_number = ticket.contract.number if ticket.contract_id else ""
    with translation.override(language):
        subject = mask.mask(ticket.subject)
        service_name = ticket.service.name if ticket.service_id else ""
        context = {
            "contract_number": contract_number,
            "customer_name": str(ticket.customer),
            "site_name": ticket.site.name,
            "work_order_reference": work_order.reference,
            "ticket_reference": ticket.reference,
            "service_name": service_name,
            "subject": subject,
            "completed_on": formats.moment(work_order.completed_at, zone),
        }
        wording = _wording(
            "closure",
            ticket,
            context,
            mask,
            title=_("Closure report"),
            introduction=_("The work %(work_order)s for %(customer)s at %(site)s, as it was done.")
            % {
                "work_order": work_order.reference,
                "customer": context["customer_name"],
                "site": context["site_name"],
            },
        )
        facts = [
            Fact(_("Work order"), work_order.reference),
            Fact(_("Ticket"), ticket.reference),
            Fact(_("Customer"), context["customer_name"]),
            Fact(_("Site"), ticket.site.name),
        ]
        if contract_number:
            facts.append(Fact(_("Contract"), contract_number))
        if service_name:
            facts.append(Fact(_("Service"), service_name))
        if ticket.equipment_id:
            facts.append(Fact(_("Equipment"), mask.mask(str(ticket.equipment))))
        facts.append(Fact(_("Technician"), _person(work_order.technician)))
        if work_order.contractor_id:
            facts.append(Fact(_("Contractor"), str(work_order.contractor)))
        facts.append(Fact(_("Status"), work_order.get_status_display()))
        times = (
            Fact(_("Scheduled"), formats.moment(work_order.scheduled_start_at, zone)),
            Fact(_("En route"), formats.moment(work_order.en_route_at, zone)),
            Fact(_("On site"), formats.moment(work_order.arrived_at, zone)),
            Fact(_("Completed"), formats.moment(work_order.completed_at, zone)),
        )
        time_rows = tuple(
            TimeRow(
                technician=_person(entry.technician),
                kind=entry.get_kind_display(),
                started=formats.short_moment(entry.started_at, zone),
                ended=formats.clock(entry.ended_at, zone)
                if entry.started_at.astimezone(zone).date()
                == entry.ended_at.astimezone(zone).date()
                else formats.short_moment(entry.ended_at, zone),
                duration=formats.duration(entry.started_at, entry.ended_at),
                note=mask.mask(entry.note),
            )
            for entry in work_order.time_entries.all()
        )
        parts = tuple(
            PartRow(
                code=part.product.sku,
                name=part.product.name,
                quantity=_quantity(part.quantity, part.product.unit),
                note=mask.mask(part.note),
            )
            for part in work_order.parts_used.all()
        )
        photos = tuple(
            PhotoRow(
                kind=photo.get_kind_display(),
                caption=mask.mask(photo.caption),
                taken=formats.short_moment(photo.taken_at, zone),
                data_uri=_image_data_uri(photo.image, thumbnail=True),
            )
            for photo in work_order.photos.all()
        )
        checklist = tuple(
            StepRow(
                position=item.position,
                text=mask.mask(item.text),
                marks=_step_marks(item),
                scope=_step_scope(item),
                done=_("%(who)s, %(when)s")
                % {"who": _person(item.done_by), "when": formats.short_moment(item.done_at, zone)}
                if item.done_at
                else pgettext("checklist step", "not done"),
                note=mask.mask(item.note),
            )
            for item in work_order.checklist_items.all()
        )
        inspections = tuple(
            InspectionRow(
                name=inspection.template.name,
                subject=mask.mask(str(inspection.equipment))
                if inspection.equipment_id
                else _("the site"),
                result=inspection.get_result_display(),
                finished=formats.short_moment(inspection.completed_at, zone),
            )
            for inspection in work_order.inspections.all()
        )
        return ClosureReport(
            language=language,
            reference=work_order.reference,
            wording=wording,
            facts=tuple(facts),
            subject=subject,
            description=mask.mask(ticket.description),
            notes=mask.mask(work_order.notes),
            times=times,
            time_rows=time_rows,
            parts=parts,
            lines=_lines(work_order),
            photos=photos,
            checklist=checklist,
            inspections=inspections,
            signature=_signature(work_order, zone, mask),
            printed=formats.moment(now or timezone.now(), zone),
        )


# --- inspection reports ---------------------------------------------------------------------------
def _expected(parameter: Any) -> str:
    if parameter.kind == "pass_fail":
        return _("pass / fail")
    unit = f" {parameter.unit}" if parameter.unit else ""
    low, high = parameter.minimum, parameter.maximum
    if low is not None and high is not None:
        return f"{formats.number(low)}–{formats.number(high)}{unit}"
    if low is not None:
        return f"≥ {formats.number(low)}{unit}"
    if high is not None:
        return f"≤ {formats.number(high)}{unit}"
    return unit.strip() or "—"


def _reading(parameter: Any, reading: Any) -> str:
    if reading is None:
        return "—"
    if parameter.kind == "pass_fail":
        return _("pass") if reading.passed else _("fail")
    unit = f" {parameter.unit}" if parameter.unit else ""
    return f"{formats.number(reading.value)}{unit}"


def inspection_for_report(pk: Any) -> Any:
    return (
        service_selectors.inspection_list(audience=SYSTEM)
        .select_related(
            "work_order__ticket__customer",
            "work_order__ticket__site",
            "work_order__ticket__contract",
            "work_order__technician",
            "equipment",
            "completed_by",
        )
        .prefetch_related("template__parameters", "readings__read_by")
        .get(pk=pk)
    )


def inspection_report_get(inspection: Any, *, now: dt.datetime | None = None) -> InspectionReport:
    """The report of one inspection, in the customer's language."""
    inspection = inspection_for_report(inspection.pk)
    work_order = inspection.work_order
    ticket = work_order.ticket
    language = report_language(ticket)
    zone = ZoneInfo(ticket.site.time_zone)
    mask = contract_redaction(ticket.contract_id)
    contract_number = ticket.contract.number if ticket.contract_id else ""
    readings = {reading.parameter_id: reading for reading in inspection.readings.all()}
    with translation.override(language):
        subject = mask.mask(str(inspection.equipment)) if inspection.equipment_id else _("the site")
        context = {
            "contract_number": contract_number,
            "customer_name": str(ticket.customer),
            "site_name": ticket.site.name,
            "work_order_reference": work_order.reference,
            "ticket_reference": ticket.reference,
            "template_name": inspection.template.name,
            "equipment_name": subject,
            "completed_on": formats.moment(inspection.completed_at, zone),
        }
        wording = _wording(
            "inspection",
            ticket,
            context,
            mask,
            title=_("Inspection report"),
            introduction=_(
                "For %(customer)s: %(inspection)s of %(subject)s at %(site)s, as it was found."
            )
            % {
                "inspection": inspection.template.name,
                "subject": subject,
                "site": ticket.site.name,
                "customer": context["customer_name"],
            },
        )
        facts = [
            Fact(_("Inspection"), inspection.template.name),
            Fact(_("Inspected"), subject),
            Fact(_("Work order"), work_order.reference),
            Fact(_("Customer"), context["customer_name"]),
            Fact(_("Site"), ticket.site.name),
        ]
        if contract_number:
            facts.append(Fact(_("Contract"), contract_number))
        facts += [
            Fact(_("Inspector"), _person(inspection.completed_by or work_order.technician)),
            Fact(_("Finished"), formats.moment(inspection.completed_at, zone)),
        ]
        rows = []
        for parameter in inspection.template.parameters.all():
            reading = readings.get(parameter.pk)
            passed = None if reading is None else reading.passed
            rows.append(
                ReadingRow(
                    parameter=parameter.label,
                    expected=_expected(parameter),
                    reading=_reading(parameter, reading),
                    result="—" if passed is None else (_("pass") if passed else _("fail")),
                    css="" if passed is None else ("pass" if passed else "fail"),
                    read=formats.short_moment(reading.read_at, zone) if reading else "—",
                    note=mask.mask(reading.note) if reading else "",
                )
            )
        return InspectionReport(
            language=language,
            reference=f"{work_order.reference}-{inspection.pk}",
            wording=wording,
            facts=tuple(facts),
            readings=tuple(rows),
            result=inspection.get_result_display(),
            result_css=inspection.result or "pending",
            printed=formats.moment(now or timezone.now(), zone),
        )


def issued_report_of(
    *, kind: str, work_order: Any = None, inspection: Any = None
) -> IssuedReport | None:
    """The report issued for a work order (closure) or an inspection, if it was issued."""
    if kind == ReportKind.CLOSURE:
        return IssuedReport.objects.filter(kind=kind, work_order=work_order).first()
    return IssuedReport.objects.filter(kind=kind, inspection=inspection).first()
