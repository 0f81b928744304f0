"""The outbox: every message pacta sends is first a row here, sent after commit by a task."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundMessage(models.Model):
    """An e-mail to send (or sent). ``key`` makes queueing idempotent: the same message for the
    same reason is queued once, however often the code that wants it runs."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    to_email = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    entity_type = models.CharField(_("about (record type)"), max_length=100, blank=True)
    entity_id = models.CharField(_("about (record id)"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("queued at"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["entity_type", "entity_id"])]

    def __str__(self) -> str:
        return f"{self.to_email}: {self.subject}"
