"""The outbox: every message pacta sends is first a row here, sent after commit by a task; the
templates messages are written from; and the e-mails that come in."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

#: A message that failed this many times waits for a person (the outbox in the back office
#: shows it given up; "retry now" starts it again).
MAX_ATTEMPTS = 5


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
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "When the outbox flush tries a message that failed again (later after each "
            "failure); empty once sent or given up."
        ),
    )
    message_id = models.CharField(
        _("Message-ID"),
        max_length=250,
        blank=True,
        db_index=True,
        help_text=_("Set when queued, so a reply's In-Reply-To finds what it answers."),
    )
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=250, blank=True)
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        blank=True,
        help_text=_("Files in Django's storage: [{name, path, content_type}]."),
    )

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["entity_type", "entity_id"])]

    def __str__(self) -> str:
        return f"{self.to_email}: {self.subject}"

    @property
    def state(self) -> str:
        """Where the message stands: sent, waiting (not tried, or to be tried again), given up."""
        if self.sent_at is not None:
            return OutboundState.SENT
        if self.attempts >= MAX_ATTEMPTS:
            return OutboundState.GIVEN_UP
        return OutboundState.RETRYING if self.attempts else OutboundState.WAITING


class OutboundState(models.TextChoices):
    WAITING = "waiting", _("waiting")
    RETRYING = "retrying", _("failed, will retry")
    GIVEN_UP = "given_up", _("given up")
    SENT = "sent", _("sent")


class MessageEvent(models.TextChoices):
    TICKET_OPENED = "ticket_opened", _("ticket opened (confirmation)")
    INTAKE_REFUSED = "intake_refused", _("request refused (reply to an e-mail)")
    EN_ROUTE = "en_route", _("technician on the way")
    WORK_CLOSED = "work_closed", _("work completed (closure report)")
    APPROVAL_REQUESTED = "approval_requested", _("approval asked of a manager")
    QUOTE_SENT = "quote_sent", _("quote sent")
    INSPECTION_REPORT = "inspection_report", _("inspection finished (inspection report)")


class MessageTemplate(models.Model):
    """The subject and body of the e-mail sent on an event, in one language; a contract may
    override the general one. Bodies are Django templates over the event's context."""

    event = models.CharField(_("event"), max_length=30, choices=MessageEvent.choices)
    language = models.CharField(_("language"), max_length=8)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: the general template."),
    )
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["event", "language", "contract"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "language", "contract"],
                name="message_template_unique",
                nulls_distinct=False,
                violation_error_message=_("This event already has a template in this language."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} [{self.language}]"


class InboundOutcome(models.TextChoices):
    RECEIVED = "", _("received")
    OPENED = "opened", _("opened a ticket")
    APPENDED = "appended", _("added to a ticket")
    REFUSED = "refused", _("refused")


class InboundMessage(models.Model):
    """An e-mail that came in (posted by the mail server, or fetched from a mailbox), kept as
    received; unique by Message-ID, so a message delivered twice is handled once."""

    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    from_email = models.EmailField(_("from"), blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=250, blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    raw = models.BinaryField(_("message as received"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=InboundOutcome.choices, default="", blank=True
    )
    code = models.CharField(_("refusal code"), max_length=40, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "service.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(
        _("text"), blank=True, help_text=_("The plain text, or the HTML part made text.")
    )
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        blank=True,
        help_text=_("Files in Django's storage: [{name, path, content_type, size}]."),
    )

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_email}: {self.subject}"
