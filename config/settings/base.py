"""Settings shared by every environment. Overlays (dev, test, prod) change only what differs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config import env

BASE_DIR = env.BASE_DIR
DEBUG = env.DEBUG
SECRET_KEY = env.SECRET_KEY
ALLOWED_HOSTS = env.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS
PUBLIC_URL = env.PUBLIC_URL

INSTALLED_APPS = [
    "pacta.web.apps.BackOfficeConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    # pacta's bounded contexts, bottom layer first
    "pacta.audit",
    "pacta.accounts",
    "pacta.comms",
    "pacta.customers",
    "pacta.catalog",
    "pacta.equipment",
    "pacta.contracts",
    "pacta.sla",
    "pacta.service",
    "pacta.entitlements",
    "pacta.billing",
    "pacta.reports",
    # adapters
    "pacta.api",
    "pacta.web",
    "pacta.demo",
]

MIDDLEWARE = [
    "pacta.web.middleware.ThreadResetMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pacta.web.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
_database = dict(env.DATABASE)
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN, so
    # two writers queue instead of failing half-way with "database is locked".
    _database["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    _database.setdefault("CONN_MAX_AGE", 60)
    _database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = env.LANGUAGE_CODE
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.TIME_ZONE
USE_TZ = True

# --- files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.STATIC_ROOT
MEDIA_URL = "media/"
MEDIA_ROOT = env.MEDIA_ROOT

# --- e-mail ---------------------------------------------------------------------------------
vars().update(env.EMAIL)
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated request then answers 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["pacta.api.access.RecordPermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "pacta.api.filtering.VisibleFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "pacta.api.pagination.Page",
    "EXCEPTION_HANDLER": "pacta.api.errors.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "pacta API",
    "DESCRIPTION": (
        "Service contracts, their terms, and the work done under them. Every write goes through "
        "the same services as the back office and leaves an audit entry. Errors are "
        '`{"code": ..., "detail": ..., "fields": {...}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One named enum per choice list, shared by every endpoint that shows it.
    "ENUM_NAME_OVERRIDES": {
        "ContractStatusEnum": "pacta.contracts.models.ContractStatus",
        "BillingPeriodEnum": "pacta.contracts.models.BillingPeriod",
        "CoverageEnum": "pacta.contracts.models.Coverage",
        "AllowanceKindEnum": "pacta.contracts.models.AllowanceKind",
        "TicketStatusEnum": "pacta.service.models.TicketStatus",
        "WorkOrderStatusEnum": "pacta.service.models.WorkOrderStatus",
        "PriorityEnum": "pacta.service.models.Priority",
        "ChannelEnum": "pacta.service.models.Channel",
        "TimeKindEnum": "pacta.service.models.TimeKind",
        "RoleEnum": "pacta.accounts.roles.Role",
        "ServiceUnitEnum": "pacta.catalog.models.ServiceUnit",
        "ProductUnitEnum": "pacta.catalog.models.ProductUnit",
        "AuditActionEnum": "pacta.audit.models.Action",
        "ReportKindEnum": "pacta.reports.models.ReportKind",
        "ParameterKindEnum": "pacta.catalog.models.ParameterKind",
    },
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}

# --- background tasks -------------------------------------------------------------------------
# django-tasks with its database backend: `manage.py db_worker` runs them (see the README).
TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}

# --- pacta ----------------------------------------------------------------------------------
PACTA_COMPANY_CURRENCY = env.COMPANY_CURRENCY
PACTA_BOARD_REFRESH_SECONDS = env.BOARD_REFRESH_SECONDS
# Inbound e-mail (issue 5): the mail server's shared token, and the mailbox `mail_poll` reads.
PACTA_INBOUND_EMAIL_TOKEN = env.INBOUND_EMAIL_TOKEN
PACTA_MAIL_POLL = {
    "host": env.MAIL_POLL_HOST,
    "port": env.MAIL_POLL_PORT,
    "ssl": env.MAIL_POLL_SSL,
    "user": env.MAIL_POLL_USER,
    "password": env.MAIL_POLL_PASSWORD,
    "folder": env.MAIL_POLL_FOLDER,
}
# Accounting exports (issue 6, pacta/billing/exports): the ContaPlus chart of accounts
# (subaccounts of `digits` digits: a prefix is padded with zeros; a customer's is the prefix then
# its id, unless `customer_accounts` gives one by customer id; `revenue_by_rate`/`vat_by_rate`
# give the subaccount of a tax rate, e.g. {"21.00": "47700021"}), and what Xero and QuickBooks
# Online call the revenue account and the tax rates, and the date format they read.
PACTA_CONTAPLUS = {
    "digits": 8,
    "customer": "430",
    "revenue": "700",
    "vat": "477",
    "bank": "572",
    "customer_accounts": {},
    "revenue_by_rate": {},
    "vat_by_rate": {},
    "first_entry": 1,
}
PACTA_XERO = {"account_code": "200", "tax_types": {}, "date_format": "%d/%m/%Y"}
PACTA_QBO = {"item": "Services", "tax_codes": {}, "date_format": "%d/%m/%Y"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# E-invoices (issue 6): the seller as EN 16931 names it (BT-27 name, BT-31 VAT identifier,
# BT-35..40 address with ISO 3166 country, BT-84 IBAN for credit transfers, optional).
PACTA_SELLER = {
    "name": "",
    "vat_id": "",
    "address": "",
    "address_2": "",
    "postal_code": "",
    "city": "",
    "region": "",
    "country": "",
    "email": "",
    "iban": "",
}
