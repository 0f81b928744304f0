from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    default = True
    name = "pacta.web"
    label = "web"
    verbose_name = _("Web pages and back office")


class BackOfficeConfig(admin_apps.AdminConfig):
    """Django's admin, with pacta's site (roles decide who enters) as the default site."""

    default = False
    default_site = "pacta.web.backoffice.BackOffice"
