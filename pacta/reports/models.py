"""How a contract's documents read: the wording of its closure and inspection reports, per
language, and what they must mask (a hospital's patient names)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    CLOSURE = "closure", _("closure report")
    INSPECTION = "inspection", _("inspection report")


class ReportWording(models.Model):
    """The words a report opens and closes with, and the titles it uses, in one language; a
    contract may have its own, otherwise the general one (no contract) applies. The texts are
    Django templates over the report's context (contract number, customer, work order...)."""

    kind = models.CharField(_("report"), max_length=12, choices=ReportKind.choices)
    language = models.CharField(_("language"), max_length=8)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: the general wording."),
    )
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    closing = models.TextField(_("closing words"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("report wording")
        verbose_name_plural = _("report wordings")
        ordering = ["kind", "language", "contract"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "language", "contract"],
                name="report_wording_unique",
                nulls_distinct=False,
                violation_error_message=_("This report already has a wording in this language."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} [{self.language}]"


class RedactionRule(models.Model):
    """Text a contract's documents and e-mails must never show: every match of ``pattern`` (a
    regular expression) is replaced by ``replacement`` before a report is rendered."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    label = models.CharField(_("what it masks"), max_length=200, help_text=_("e.g. patient names"))
    pattern = models.CharField(_("pattern (regular expression)"), max_length=500)
    replacement = models.CharField(_("replaced by"), max_length=50, default="█████")

    class Meta:
        verbose_name = _("redaction rule")
        verbose_name_plural = _("redaction rules")
        ordering = ["contract", "id"]

    def __str__(self) -> str:
        return self.label


def _issued_path(report: IssuedReport, filename: str) -> str:
    return f"reports/{report.kind}/{report.work_order_id}/{filename}"


class IssuedReport(models.Model):
    """A report as it was issued to the customer: the PDF rendered once (when the work was
    completed, or the inspection finished) and stored through Django's storage, so the e-mail
    attaches, and a later download gives, exactly what was issued."""

    kind = models.CharField(_("report"), max_length=12, choices=ReportKind.choices)
    work_order = models.ForeignKey(
        "service.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspection = models.ForeignKey(
        "service.Inspection",
        verbose_name=_("inspection"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=8)
    file = models.FileField(_("PDF"), upload_to=_issued_path, max_length=300)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("issued report")
        verbose_name_plural = _("issued reports")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order"],
                condition=models.Q(kind="closure"),
                name="issued_report_one_closure_per_work_order",
            ),
            models.UniqueConstraint(
                fields=["inspection"],
                condition=models.Q(kind="inspection"),
                name="issued_report_one_per_inspection",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="closure", inspection__isnull=True)
                | models.Q(kind="inspection", inspection__isnull=False),
                name="issued_report_inspection_iff_inspection_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.work_order_id}"

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]
