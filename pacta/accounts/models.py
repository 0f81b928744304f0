"""Users, their roles, and the companies outside ours they belong to."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from pacta.accounts.roles import BACK_OFFICE_ROLES, Role


class Contractor(models.Model):
    """A company that does field work for us; its users see only the work orders it is given."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    tax_id = models.CharField(_("tax id"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    country = CountryField(_("country"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """Technicians who cover some dispatch regions (site zone codes): who is proposed when a
    ticket of one of those regions needs rescuing."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    zone_codes = models.JSONField(
        _("regions covered"),
        default=list,
        blank=True,
        help_text=_("Site region / zone codes, e.g. MAD-NORTE."),
    )
    members = models.ManyToManyField(
        "accounts.User", verbose_name=_("members"), related_name="teams", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. The role decides what they may do; customer and contractor users
    belong to one customer or one contractor company and see only what belongs to it."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.DISPATCHER)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("Required for customer users: the customer they act for."),
    )
    contractor = models.ForeignKey(
        Contractor,
        verbose_name=_("contractor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_(
            "Required for contractor users; optional for technicians a contractor employs."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        help_text=_("Pages, e-mails and errors are shown in this language."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("Times are shown in this zone (IANA name, e.g. Europe/Madrid)."),
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.CUSTOMER) | Q(customer__isnull=False),
                name="user_customer_role_has_customer",
                violation_error_message=_("A customer user must belong to a customer."),
            ),
            models.CheckConstraint(
                condition=Q(role=Role.CUSTOMER) | Q(customer__isnull=True),
                name="user_only_customer_role_has_customer",
                violation_error_message=_("Only customer users belong to a customer."),
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.CONTRACTOR) | Q(contractor__isnull=False),
                name="user_contractor_role_has_contractor",
                violation_error_message=_("A contractor user must belong to a contractor company."),
            ),
        ]

    @property
    def is_back_office(self) -> bool:
        return self.is_active and self.role in BACK_OFFICE_ROLES

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username
