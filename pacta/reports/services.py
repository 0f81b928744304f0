"""Writing how documents read (wording, redaction rules), and issuing reports: the PDF rendered
once, stored through Django's storage, and e-mailed to the customer.

Issuing runs after commit in a task (:mod:`pacta.reports.tasks`); the adapters that complete a
work order or finish an inspection call :func:`work_order_closed` / :func:`inspection_finished`
in the same transaction, which queue the task when it commits. Both tasks are idempotent: a
report is issued once (a unique key per work order or inspection) and its e-mail queued once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pacta.audit.services import (
    Actor,
    RecordWriter,
    is_duplicate,
    record_create,
    record_delete,
    record_update,
)
from pacta.comms.services import language_check, text_templates_check
from pacta.domain.errors import FieldErrors
from pacta.reports import selectors
from pacta.reports.errors import ReportNotIssued
from pacta.reports.models import IssuedReport, RedactionRule, ReportKind, ReportWording
from pacta.reports.rendering import report_pdf
from pacta.service import selectors as service_selectors
from pacta.service.services.notices import inspection_report_notice, work_closed_notice

PDF = "application/pdf"


# --- wording ----------------------------------------------------------------------------------
def report_wording_check(
    wording: ReportWording, m2m: Mapping[str, list[Any]] | None = None
) -> None:
    errors = FieldErrors()
    language_check(errors, wording.language)
    if not (wording.title or "").strip():
        errors.add("title", _("Give the report a title."))
    text_templates_check(errors, wording, ("title", "introduction", "closing"))
    if is_duplicate(
        wording, kind=wording.kind, language=wording.language, contract_id=wording.contract_id
    ):
        errors.add(
            "language",
            _("This report already has a wording in this language for this contract.")
            if wording.contract_id
            else _("This report already has a general wording in this language."),
        )
    errors.raise_if_any()


def report_wording_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = ""
) -> ReportWording:
    return record_create(
        ReportWording, actor=actor, values=values, reason=reason, check=report_wording_check
    )


def report_wording_update(
    *, actor: Actor, report_wording: ReportWording, values: Mapping[str, Any], reason: str = ""
) -> ReportWording:
    return record_update(
        report_wording, actor=actor, values=values, reason=reason, check=report_wording_check
    )


def report_wording_delete(*, actor: Actor, report_wording: ReportWording, reason: str = "") -> None:
    record_delete(report_wording, actor=actor, reason=reason)


REPORT_WORDING = RecordWriter(
    param="report_wording",
    create=report_wording_create,
    update=report_wording_update,
    delete=report_wording_delete,
    check=report_wording_check,
)


# --- redaction rules --------------------------------------------------------------------------
def redaction_rule_check(rule: RedactionRule, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    try:
        pattern = re.compile(rule.pattern or "")
    except re.error as error:
        errors.add(
            "pattern", _("This is not a regular expression: %(error)s") % {"error": str(error)}
        )
    else:
        if not (rule.pattern or "").strip():
            errors.add("pattern", _("Say what to mask."))
        elif pattern.fullmatch(""):
            errors.add(
                "pattern",
                _("This pattern matches empty text: it would mask between every letter."),
            )
    if not (rule.label or "").strip():
        errors.add("label", _("Say what this rule masks (e.g. patient names)."))
    errors.raise_if_any()


def redaction_rule_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = ""
) -> RedactionRule:
    return record_create(
        RedactionRule, actor=actor, values=values, reason=reason, check=redaction_rule_check
    )


def redaction_rule_update(
    *, actor: Actor, redaction_rule: RedactionRule, values: Mapping[str, Any], reason: str = ""
) -> RedactionRule:
    return record_update(
        redaction_rule, actor=actor, values=values, reason=reason, check=redaction_rule_check
    )


def redaction_rule_delete(*, actor: Actor, redaction_rule: RedactionRule, reason: str = "") -> None:
    record_delete(redaction_rule, actor=actor, reason=reason)


REDACTION_RULE = RecordWriter(
    param="redaction_rule",
    create=redaction_rule_create,
    update=redaction_rule_update,
    delete=redaction_rule_delete,
    check=redaction_rule_check,
)


# --- issuing ------------------------------------------------------------------------------------
def _store(
    *,
    kind: str,
    work_order: Any,
    inspection: Any,
    language: str,
    pdf: bytes,
    filename: str,
    now: dt.datetime,
) -> IssuedReport:
    path = default_storage.save(
        f"reports/{kind}/{work_order.pk}/{uuid.uuid4().hex}/{filename}", ContentFile(pdf)
    )
    return record_create(
        IssuedReport,
        actor=None,
        values={
            "kind": kind,
            "work_order": work_order,
            "inspection": inspection,
            "language": language,
            "file": path,
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "size_bytes": len(pdf),
            "issued_at": now,
        },
        reason=_("Report issued"),
        now=now,
    )


def attachment_of(issued: IssuedReport) -> dict[str, str]:
    """An issued report as an e-mail attachment (the stored file itself)."""
    return {"name": issued.filename, "path": issued.file.name, "content_type": PDF}


def closure_report_issue(*, work_order_id: Any, now: dt.datetime | None = None) -> IssuedReport:
    """The closure report of a completed work order, rendered and stored the first time (the
    work order locked meanwhile, so two workers issue it once); refused while the work is not
    done (``report_not_issued``)."""
    now = now or timezone.now()
    with transaction.atomic():
        work_order = service_selectors.work_order_locked(work_order_id)
        if work_order.status not in selectors.CLOSED_STATUSES:
            raise ReportNotIssued(
                _("Work order %(reference)s is not completed: it has no closure report yet.")
                % {"reference": work_order.reference}
            )
        issued = selectors.issued_report_of(kind=ReportKind.CLOSURE, work_order=work_order)
        if issued is not None:
            return issued
        report = selectors.closure_report_get(work_order, now=now)
        return _store(
            kind=ReportKind.CLOSURE,
            work_order=work_order,
            inspection=None,
            language=report.language,
            pdf=report_pdf(report),
            filename=f"{work_order.reference}.pdf",
            now=now,
        )


def closure_report_deliver(
    *, work_order_id: Any, now: dt.datetime | None = None
) -> IssuedReport | None:
    """Issue the closure report (once) and queue the "work complete" e-mail with it attached
    (once); None when the work order is not completed (nothing is done)."""
    try:
        issued = closure_report_issue(work_order_id=work_order_id, now=now)
    except ReportNotIssued:
        return None
    with transaction.atomic():
        work_order = selectors.work_order_for_report(work_order_id)
        work_closed_notice(work_order=work_order, attachments=[attachment_of(issued)], now=now)
    return issued


def inspection_report_issue(*, inspection_id: Any, now: dt.datetime | None = None) -> IssuedReport:
    """The report of a finished inspection, rendered and stored the first time; refused while
    the inspection is not finished."""
    now = now or timezone.now()
    with transaction.atomic():
        inspection = service_selectors.inspection_locked(inspection_id)
        if inspection.completed_at is None:
            raise ReportNotIssued(_("This inspection is not finished: it has no report yet."))
        issued = selectors.issued_report_of(kind=ReportKind.INSPECTION, inspection=inspection)
        if issued is not None:
            return issued
        report = selectors.inspection_report_get(inspection, now=now)
        return _store(
            kind=ReportKind.INSPECTION,
            work_order=inspection.work_order,
            inspection=inspection,
            language=report.language,
            pdf=report_pdf(report),
            filename=f"{report.reference}.pdf",
            now=now,
        )


def inspection_report_deliver(
    *, inspection_id: Any, now: dt.datetime | None = None
) -> IssuedReport | None:
    """Issue the inspection report (once) and e-mail it to the customer (once); None when the
    inspection is not finished."""
    try:
        issued = inspection_report_issue(inspection_id=inspection_id, now=now)
    except ReportNotIssued:
        return None
    with transaction.atomic():
        inspection = selectors.inspection_for_report(inspection_id)
        inspection_report_notice(
            inspection=inspection, attachments=[attachment_of(issued)], now=now
        )
    return issued


# --- the calls the adapters make ------------------------------------------------------------------
def work_order_closed(work_order: Any) -> None:
    """Call in the transaction that completes ``work_order``: when it commits, a task issues
    its closure report and e-mails it to the customer (once, however often this is called)."""
    from pacta.reports.tasks import closure_report_send

    pk = work_order.pk
    transaction.on_commit(lambda: closure_report_send.enqueue(pk))


def inspection_finished(inspection: Any) -> None:
    """Call in the transaction that finishes ``inspection``: when it commits, a task issues its
    report and e-mails it to the customer (once)."""
    from pacta.reports.tasks import inspection_report_send

    pk = inspection.pk
    transaction.on_commit(lambda: inspection_report_send.enqueue(pk))
