"""Loading the demo data set (:mod:`pacta.demo.data`) through the apps' services.

The loader is an adapter at the top of the layers: it writes only through the services (actor
``None``, the system, so every write is audited) and reads only through the selectors, as the
system audience. Every record is looked up by its natural key first and created only when it is
missing, all in one transaction: loading twice creates nothing the second time.

Dates follow the day of the first load (``now``). A later load finds the records that load made
and keeps their dates: the demo year is the one of the demo contracts already there, and the
work orders of a ticket already there are placed relative to the day that ticket was opened, so
loading again tomorrow, or next year, still creates nothing.

A ticket's history is written as it happened: opened, answered and moved on at its own moments
(each the "now" of its write), so its SLA clocks, and the rescue actions they raise, are those
of that history; they are then brought up to the load's ``now``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pacta.accounts import selectors as accounts_selectors
from pacta.accounts import services as accounts_services
from pacta.accounts.access import SYSTEM
from pacta.billing import selectors as billing_selectors
from pacta.billing import services as billing_services
from pacta.billing.services import costs as billing_costs
from pacta.catalog import selectors as catalog_selectors
from pacta.catalog import services as catalog_services
from pacta.contracts import selectors as contracts_selectors
from pacta.contracts import services as contracts_services
from pacta.customers import selectors as customers_selectors
from pacta.customers import services as customers_services
from pacta.demo import data
from pacta.demo.data import BusinessAgo, InYear, OnDay
from pacta.equipment import selectors as equipment_selectors
from pacta.equipment import services as equipment_services
from pacta.reports import selectors as reports_selectors
from pacta.reports import services as reports_services
from pacta.service import selectors as service_selectors
from pacta.service import services as service_services
from pacta.sla import selectors as sla_selectors
from pacta.sla import services as sla_services

R = TypeVar("R")

#: The kinds of record the demo holds, in the order the summary lists them.
KINDS: dict[str, Any] = {
    "tax_rate": _("tax rates"),
    "tax_rate_value": _("tax rate values"),
    "customer": _("customers"),
    "contact": _("contacts"),
    "site": _("sites"),
    "contractor": _("contractors"),
    "user": _("users"),
    "team": _("teams"),
    "service": _("services"),
    "checklist_step": _("checklist steps"),
    "product": _("products"),
    "product_cost": _("product costs"),
    "price_list": _("price lists"),
    "price_list_line": _("price list lines"),
    "equipment": pgettext_lazy("plural", "equipment"),
    "calendar": _("business calendars"),
    "calendar_window": _("working windows"),
    "closed_day": _("closed days"),
    "sla_policy": _("SLA policies"),
    "sla_target": _("SLA targets"),
    "contract": _("contracts"),
    "contract_version": _("contract versions"),
    "scope_line": _("scope lines"),
    "surcharge_rule": _("surcharge rules"),
    "allowance": _("allowances"),
    "ticket": _("tickets"),
    "work_order": _("work orders"),
    "time_entry": _("time entries"),
    "part_used": _("parts used"),
    "inspection_template": _("inspection templates"),
    "inspection_parameter": _("inspection parameters"),
    "report_wording": _("report wordings"),
    "redaction_rule": _("redaction rules"),
    "cost_rate": _("cost rates"),
    "sepa_creditor": _("SEPA creditor accounts"),
    "sepa_mandate": _("SEPA mandates"),
    "rating": _("ratings"),
    "billing_period": _("billing periods"),
    "invoice": _("invoices"),
    "payment": _("payments"),
}
#: Why the demo's records exist (the reason of the writes that need one).
REASON = "Demo data"
CHECKLIST_KINDS = {"safety": {"is_safety": True}, "mandatory": {"is_mandatory": True}, "": {}}


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    name: str
    password: str


@dataclass
class LoadReport:
    """What a load did: per kind of record, how many were created and how many were there."""

    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)
    users: list[DemoUser] = field(default_factory=list)
    year: int = 0

    @property
    def created_total(self) -> int:
        return sum(self.created.values())

    @property
    def existing_total(self) -> int:
        return sum(self.existing.values())

    def rows(self) -> list[tuple[str, int, int]]:
        """(kind, created, already there) for every kind, in the summary's order."""
        return [
            (str(label), self.created[kind], self.existing[kind]) for kind, label in KINDS.items()
        ]


def demo_load(*, now: dt.datetime | None = None) -> LoadReport:
    """Load the demo data set (what is missing of it) in one transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        return _Loader(now).load()


def _local(day: dt.date, at: str, zone: ZoneInfo) -> dt.datetime:
    hour, minute = (int(part) for part in at.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


class _Loader:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.report = LoadReport()
        self.year = timezone.localdate(now).year  # until the loaded demo says otherwise
        self.customers: dict[str, Any] = {}
        self.sites: dict[tuple[str, str], Any] = {}
        self.contractors: dict[str, Any] = {}
        self.users: dict[str, Any] = {}
        self.tax_rates: dict[str, Any] = {}
        self.services: dict[str, Any] = {}
        self.products: dict[str, Any] = {}
        self.price_lists: dict[str, Any] = {}
        self.equipment: dict[str, Any] = {}
        self.contracts: dict[str, Any] = {}
        self.calendars: dict[str, Any] = {}
        self.sla_policies: dict[str, Any] = {}

    # --- the one pattern: find by natural key, else create -----------------------------------
    def _find_or_create(
        self, kind: str, found: QuerySet[Any], create: Callable[[], R]
    ) -> tuple[R, bool]:
        record = found.first()
        if record is not None:
            self.report.existing[kind] += 1
            return record, False
        self.report.created[kind] += 1
        return create(), True

    def _ensure(self, kind: str, found: QuerySet[Any], create: Callable[[], R]) -> R:
        return self._find_or_create(kind, found, create)[0]

    def _day(self, when: InYear | dt.date | None) -> dt.date | None:
        if isinstance(when, InYear):
            return dt.date(self.year + when.years, when.month, when.day)
        return when

    def _name(self, template: str) -> str:
        return template.format(year=self.year)

    # --- the load ----------------------------------------------------------------------------
    def load(self) -> LoadReport:
        self.year = self._demo_year()
        self.report.year = self.year
        self._tax_rates()
        self._customers()
        self._people()
        self._teams()
        self._catalog()
        self._price_lists()
        self._calendars()
        self._sla_policies()
        self._contracts()
        self._tickets()
        self._inspection_templates()
        self._documents()
        self._finance()
        return self.report

    def _demo_year(self) -> int:
        """The year of the demo contracts already loaded; else this year."""
        numbers = [contract["number"] for contract in data.CONTRACTS]
        loaded = (
            contracts_selectors.contract_list(audience=SYSTEM)
            .filter(number__in=numbers)
            .order_by("starts_on")
            .first()
        )
        return loaded.starts_on.year if loaded is not None else timezone.localdate(self.now).year

    def _tax_rates(self) -> None:
        for given in data.TAX_RATES:
            values = {k: v for k, v in given.items() if k != "values"}
            rate = self._ensure(
                "tax_rate",
                catalog_selectors.tax_rate_list(audience=SYSTEM).filter(code=given["code"]),
                lambda values=values: catalog_services.tax_rate_create(actor=None, values=values),
            )
            self.tax_rates[given["code"]] = rate
            for effective_on, percent in given["values"]:
                self._ensure(
                    "tax_rate_value",
                    catalog_selectors.tax_rate_value_list(audience=SYSTEM).filter(
                        tax_rate=rate, effective_on=effective_on
                    ),
                    lambda rate=rate, effective_on=effective_on, percent=percent: (
                        catalog_services.tax_rate_value_create(
                            actor=None,
                            values={
                                "tax_rate": rate,
                                "effective_on": effective_on,
                                "percent": percent,
                            },
                            reason=REASON,
                            now=self.now,
                        )
                    ),
                )

    def _customers(self) -> None:
        for given in data.CUSTOMERS:
            values = dict(given["values"])
            if given.get("parent"):
                values["parent"] = self.customers[given["parent"]]
            customer = self._ensure(
                "customer",
                customers_selectors.customer_list(audience=SYSTEM).filter(
                    country=values["country"], tax_id=values["tax_id"]
                ),
                lambda values=values: customers_services.customer_create(
                    actor=None, values=values, reason=REASON
                ),
            )
            self.customers[given["ref"]] = customer
            for contact in given["contacts"]:
                self._ensure(
                    "contact",
                    customers_selectors.contact_list(audience=SYSTEM).filter(
                        customer=customer, email__iexact=contact["email"]
                    ),
                    lambda contact=contact, customer=customer: customers_services.contact_create(
                        actor=None, values={"customer": customer, **contact}, reason=REASON
                    ),
                )
            for site_given in given["sites"]:
                self._site(given["ref"], customer, site_given)

    def _site(self, ref: str, customer: Any, given: Mapping[str, Any]) -> None:
        values = {"customer": customer, **{k: v for k, v in given.items() if k != "equipment"}}
        site = self._ensure(
            "site",
            customers_selectors.site_list(audience=SYSTEM).filter(
                customer=customer, name=given["name"]
            ),
            lambda: customers_services.site_create(actor=None, values=values, reason=REASON),
        )
        self.sites[(ref, given["name"])] = site
        for unit in given["equipment"]:
            unit_values = {
                "site": site,
                **unit,
                "installed_on": self._day(unit.get("installed_on")),
                "warranty_until": self._day(unit.get("warranty_until")),
            }
            self.equipment[unit["serial_number"]] = self._ensure(
                "equipment",
                equipment_selectors.equipment_list(audience=SYSTEM).filter(
                    manufacturer=unit["manufacturer"], serial_number=unit["serial_number"]
                ),
                lambda unit_values=unit_values: equipment_services.equipment_create(
                    actor=None, values=unit_values, reason=REASON
                ),
            )

    def _people(self) -> None:
        for given in data.CONTRACTORS:
            self.contractors[given["name"]] = self._ensure(
                "contractor",
                accounts_selectors.contractor_list(audience=SYSTEM).filter(name=given["name"]),
                lambda given=given: accounts_services.contractor_create(
                    actor=None, values=given, reason=REASON
                ),
            )
        for given in data.USERS:
            values = {**given, "password": data.PASSWORD}
            if given.get("contractor"):
                values["contractor"] = self.contractors[given["contractor"]]
            if given.get("customer"):
                values["customer"] = self.customers[given["customer"]]
            user = self._ensure(
                "user",
                accounts_selectors.user_list(audience=SYSTEM).filter(username=given["username"]),
                lambda values=values: accounts_services.user_create(
                    actor=None, values=values, reason=REASON
                ),
            )
            self.users[given["username"]] = user
            self.report.users.append(
                DemoUser(
                    username=user.username,
                    role=str(user.get_role_display()),
                    name=user.get_full_name(),
                    password=data.PASSWORD,
                )
            )

    def _teams(self) -> None:
        for given in data.TEAMS:
            values = {**given, "members": [self.users[name] for name in given["members"]]}
            self._ensure(
                "team",
                accounts_selectors.team_list(audience=SYSTEM).filter(name=given["name"]),
                lambda values=values: accounts_services.team_create(
                    actor=None, values=values, reason=REASON
                ),
            )

    def _catalog(self) -> None:
        for given in data.SERVICES:
            values = {k: v for k, v in given.items() if k != "checklist"}
            values["tax_rate"] = self.tax_rates[given["tax_rate"]]
            service = self._ensure(
                "service",
                catalog_selectors.service_list(audience=SYSTEM).filter(code=given["code"]),
                lambda values=values: catalog_services.service_create(
                    actor=None, values=values, reason=REASON
                ),
            )
            self.services[given["code"]] = service
            for position, (text, kind) in enumerate(given.get("checklist", []), start=1):
                step = {"service": service, "position": position, "text": text}
                self._ensure(
                    "checklist_step",
                    catalog_selectors.checklist_step_list(audience=SYSTEM).filter(
                        service=service, position=position
                    ),
                    lambda step=step, kind=kind: catalog_services.checklist_step_create(
                        actor=None, values={**step, **CHECKLIST_KINDS[kind]}, reason=REASON
                    ),
                )
        for given in data.PRODUCTS:
            values = {**given, "tax_rate": self.tax_rates[given["tax_rate"]]}
            self.products[given["sku"]] = self._ensure(
                "product",
                catalog_selectors.product_list(audience=SYSTEM).filter(sku=given["sku"]),
                lambda values=values: catalog_services.product_create(
                    actor=None, values=values, reason=REASON
                ),
            )
        for given in data.PRODUCT_COSTS:
            product = self.products[given["product"]]
            effective_on = self._day(given["effective_on"])
            cost = {"product": product, "unit_cost": given["unit_cost"]}
            self._ensure(
                "product_cost",
                billing_selectors.product_cost_list(audience=SYSTEM).filter(
                    product=product, effective_on=effective_on
                ),
                lambda cost=cost, effective_on=effective_on: billing_costs.product_cost_create(
                    actor=None, values={**cost, "effective_on": effective_on}, reason=REASON
                ),
            )

    def _inspection_templates(self) -> None:
        for given in data.INSPECTION_TEMPLATES:
            values = {
                "code": given["code"],
                "name": given["name"],
                "service": self.services[given["service"]] if given["service"] else None,
            }
            template = self._ensure(
                "inspection_template",
                catalog_selectors.inspection_template_list(audience=SYSTEM).filter(
                    code=given["code"]
                ),
                lambda values=values: catalog_services.inspection_template_create(
                    actor=None, values=values, reason=REASON
                ),
            )
            for position, (label, kind, unit, low, high) in enumerate(given["parameters"], 1):
                parameter = {
                    "template": template,
                    "position": position,
                    "label": label,
                    "kind": kind,
                    "unit": unit,
                    "minimum": low,
                    "maximum": high,
                }
                self._ensure(
                    "inspection_parameter",
                    catalog_selectors.inspection_parameter_list(audience=SYSTEM).filter(
                        template=template, position=position
                    ),
                    lambda parameter=parameter: catalog_services.inspection_parameter_create(
                        actor=None, values=parameter, reason=REASON
                    ),
                )

    def _documents(self) -> None:
        for given in data.REPORT_WORDINGS:
            contract = self.contracts[given["contract"]] if given["contract"] else None
            values = {**given, "contract": contract}
            self._ensure(
                "report_wording",
                reports_selectors.report_wording_list(audience=SYSTEM).filter(
                    kind=given["kind"], language=given["language"], contract=contract
                ),
                lambda values=values: reports_services.report_wording_create(
                    actor=None, values=values, reason=REASON
                ),
            )
        for given in data.REDACTION_RULES:
            values = {**given, "contract": self.contracts[given["contract"]]}
            self._ensure(
                "redaction_rule",
                reports_selectors.redaction_rule_list(audience=SYSTEM).filter(
                    contract=values["contract"], label=given["label"]
                ),
                lambda values=values: reports_services.redaction_rule_create(
                    actor=None, values=values, reason=REASON
                ),
            )

    def _price_lists(self) -> None:
        for given in data.PRICE_LISTS:
            name = self._name(given["name"])
            values = {
                "name": name,
                "currency": given["currency"],
                "description": given["description"],
                "customer": self.customers[given["customer"]] if given["customer"] else None,
            }
            price_list = self._ensure(
                "price_list",
                catalog_selectors.price_list_list(audience=SYSTEM).filter(name=name),
                lambda values=values: catalog_services.price_list_create(
                    actor=None, values=values, reason=REASON
                ),
            )
            self.price_lists[given["name"]] = price_list
            for line in given["lines"]:
                item = (
                    {"service": self.services[line["service"]]}
                    if "service" in line
                    else {"product": self.products[line["product"]]}
                )
                values = {
                    "price_list": price_list,
                    **item,
                    "unit_price": line["unit_price"],
                    "effective_on": self._day(line["effective_on"]),
                    "label": line.get("label", ""),
                }
                self._ensure(
                    "price_list_line",
                    catalog_selectors.price_list_line_list(audience=SYSTEM).filter(
                        price_list=price_list, effective_on=values["effective_on"], **item
                    ),
                    lambda values=values, line=line: catalog_services.price_list_line_create(
                        actor=None,
                        values=values,
                        reason=line.get("reason", "Prices as agreed"),
                        now=self.now,
                    ),
                )
            # Before any contract uses the list, so its rules apply from the beginning.
            for rule in given.get("rules", []):
                values = {"price_list": price_list, **self._rule(rule)}
                self._ensure(
                    "surcharge_rule",
                    contracts_selectors.surcharge_rule_list(audience=SYSTEM).filter(
                        price_list=price_list, name=rule["name"]
                    ),
                    lambda values=values: contracts_services.surcharge_rule_create(
                        actor=None, values=values, reason="Surcharges per clause 7.3", now=self.now
                    ),
                )

    def _rule(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """A rule's or an allowance's values, with its services and products found by code."""
        values = dict(given)
        if "services" in values:
            values["services"] = [self.services[code] for code in values["services"]]
        if "products" in values:
            values["products"] = [self.products[sku] for sku in values["products"]]
        return values

    def _calendars(self) -> None:
        for given in data.CALENDARS:
            values = {
                **{k: v for k, v in given.items() if k not in ("hours", "closed_days")},
                "windows": [
                    {"weekday": weekday, "starts": starts, "ends": ends}
                    for weekdays, starts, ends in given["hours"]
                    for weekday in weekdays
                ],
                "closed_days": [
                    {"day": self._day(day), "name": name} for day, name in given["closed_days"]
                ],
            }
            calendar, created = self._find_or_create(
                "calendar",
                sla_selectors.calendar_list(audience=SYSTEM).filter(name=given["name"]),
                lambda values=values: sla_services.calendar_create(
                    actor=None, values=values, reason=REASON
                ),
            )
            self.calendars[given["name"]] = calendar
            # The calendar writes its rows: the windows and closed days given with it.
            counts = self.report.created if created else self.report.existing
            counts["calendar_window"] += (
                sla_selectors.calendar_window_list(audience=SYSTEM)
                .filter(calendar=calendar)
                .count()
            )
            counts["closed_day"] += (
                sla_selectors.closed_day_list(audience=SYSTEM).filter(calendar=calendar).count()
            )

    def _sla_policies(self) -> None:
        for given in data.SLA_POLICIES:
            values = {
                **{k: v for k, v in given.items() if k not in ("targets", "updates")},
                "targets": [
                    {"priority": priority, "kind": kind, "duration": duration}
                    for priority, budgets in given["targets"].items()
                    for kind, duration in zip(("response", "resolution"), budgets, strict=True)
                ]
                + [
                    {"priority": priority, "kind": "update", "duration": duration}
                    for priority, duration in given.get("updates", {}).items()
                ],
            }
            policy, created = self._find_or_create(
                "sla_policy",
                sla_selectors.sla_policy_list(audience=SYSTEM).filter(name=given["name"]),
                lambda values=values: sla_services.sla_policy_create(
                    actor=None, values=values, reason=REASON
                ),
            )
            self.sla_policies[given["name"]] = policy
            # The policy writes its targets, given with it.
            (self.report.created if created else self.report.existing)["sla_target"] += (
                sla_selectors.sla_target_list(audience=SYSTEM).filter(policy=policy).count()
            )

    def _contracts(self) -> None:
        approver = self.users["manager"]
        for given in data.CONTRACTS:
            values = {
                "number": given["number"],
                "title": given["title"],
                "customer": self.customers[given["customer"]],
                "sites": [self.sites[site] for site in given["sites"]],
                "equipment": [self.equipment[serial] for serial in given["equipment"]],
                "starts_on": self._day(given["starts_on"]),
                "ends_on": self._day(given["ends_on"]),
                "signed_on": self._day(given["signed_on"]),
                "notes": given["notes"],
            }
            contract = self._ensure(
                "contract",
                contracts_selectors.contract_list(audience=SYSTEM).filter(number=given["number"]),
                lambda values=values: contracts_services.contract_create(
                    actor=None, values=values, reason=REASON
                ),
            )
            self.contracts[given["number"]] = contract
            # Every version is given while the contract is a draft (any day within it may be
            # chosen then), and only then is the contract activated.
            for version in given["versions"]:
                self._version(contract, version, approver)
            if contract.status == "draft":
                contracts_services.contract_status_change(
                    actor=None,
                    contract=contract,
                    status="active",
                    reason="Signed by both parties",
                    now=self.now,
                )

    def _version(self, contract: Any, given: Mapping[str, Any], approver: Any) -> None:
        effective_on = self._day(given["effective_on"])
        values: dict[str, Any] = {
            "contract": contract,
            "effective_on": effective_on,
            "approved_by": approver,
        }
        for name in ("subscription_fee", "billing_period"):
            if name in given:
                values[name] = given[name]
        if "price_list" in given:
            values["price_list"] = (
                self.price_lists[given["price_list"]] if given["price_list"] else None
            )
        if "calendar" in given:
            values["calendar"] = self.calendars[given["calendar"]]
        if "sla_policy" in given:
            values["sla_policy"] = self.sla_policies[given["sla_policy"]]
        if "scope" in given:
            values["scope_lines"] = [
                {"service": self.services[code], "coverage": coverage, "period_limit": limit}
                for code, coverage, limit in given["scope"]
            ]
        for kind in ("surcharge_rules", "allowances"):
            if kind in given:
                values[kind] = [self._rule(rule) for rule in given[kind]]
        version, created = self._find_or_create(
            "contract_version",
            contracts_selectors.contract_version_list(audience=SYSTEM).filter(
                contract=contract, effective_on=effective_on
            ),
            lambda: contracts_services.contract_amend(
                actor=None, values=values, reason=given["reason"], now=self.now
            ),
        )
        # The amendment writes its scope lines (given, or copied from the terms before).
        counted = self.report.created if created else self.report.existing
        for kind, rows in (
            ("scope_line", contracts_selectors.scope_line_list),
            ("surcharge_rule", contracts_selectors.surcharge_rule_list),
            ("allowance", contracts_selectors.allowance_list),
        ):
            counted[kind] += rows(audience=SYSTEM).filter(version=version).count()

    def _tickets(self) -> None:
        for given in data.TICKETS:
            ref, site_name = given["site"]
            site = self.sites[(ref, site_name)]
            zone = ZoneInfo(site.time_zone)
            contract = self.contracts[given["contract"]]
            today = timezone.localdate(self.now, zone)
            values = {
                "site": site,
                "customer": site.customer,
                "contract": contract,
                "service": self.services[given["service"]],
                "equipment": self.equipment[given["equipment"]] if given.get("equipment") else None,
                "subject": given["subject"],
                "description": given["description"],
                "priority": given["priority"],
                "channel": given["channel"],
                "opened_at": self._moment(given["opened"], contract, today, zone),
            }
            found = service_selectors.ticket_list(audience=SYSTEM).filter(
                site=site, subject=given["subject"]
            )
            ticket, created = self._find_or_create(
                "ticket",
                found,
                lambda values=values, given=given, today=today, zone=zone: self._open_ticket(
                    values, given, today, zone
                ),
            )
            if given["work_orders"]:
                # The ticket's work is placed relative to the day it was opened from: the day
                # of the load that opened it (today, when it is opened now).
                opened = given["opened"]
                if not isinstance(opened, OnDay):
                    raise ValueError(f"{given['subject']}: a ticket with work opens on a day.")
                opened_on = timezone.localtime(ticket.opened_at, zone).date()
                base = opened_on - dt.timedelta(days=opened.days)
                for work_order in given["work_orders"]:
                    self._work_order(ticket, work_order, base, zone)
            if created:
                self._ticket_settle(ticket, given, today, zone)

    def _moment(
        self, when: OnDay | BusinessAgo, contract: Any, today: dt.date, zone: ZoneInfo
    ) -> dt.datetime:
        if isinstance(when, OnDay):
            return _local(today + dt.timedelta(days=when.days), when.at, zone)
        # Business time on the calendar of the terms in force today (wall time without one).
        ago = dt.timedelta(hours=when.hours, minutes=when.minutes)
        version = contracts_selectors.contract_version_in_force(contract, today)
        if version is None or version.calendar is None:
            return self.now - ago
        return sla_selectors.sla_calendar(version.calendar).subtract(self.now, ago)

    def _open_ticket(
        self, values: Mapping[str, Any], given: Mapping[str, Any], today: dt.date, zone: ZoneInfo
    ) -> Any:
        """Open the ticket, answer it and move it on as it happened, each at its own moment;
        the updates to the customer and a status without a moment come once its work is there
        (:meth:`_ticket_settle`)."""

        def moment(on: OnDay | BusinessAgo) -> dt.datetime:
            return self._moment(on, values["contract"], today, zone)

        opened_at = values["opened_at"]
        ticket = service_services.ticket_open(actor=None, values=values, now=opened_at)
        if given.get("responded"):
            at = moment(given["responded"])
            ticket = service_services.ticket_respond(actor=None, ticket=ticket, at=at, now=at)
        if given.get("status_since"):
            at = moment(given["status_since"])
            ticket = service_services.ticket_status_change(
                actor=None, ticket=ticket, status=given["status"], at=at, now=at
            )
        return ticket

    def _ticket_settle(
        self, ticket: Any, given: Mapping[str, Any], today: dt.date, zone: ZoneInfo
    ) -> None:
        """Once its work is there (so the rescue actions an update's clocks raise tell its
        technicians): the updates to the customer, each at its moment, then the status taken at
        the load, and the clocks as they stand at the load."""
        for when, message in given.get("updates", ()):
            at = self._moment(when, ticket.contract, today, zone)
            ticket = service_services.ticket_post_update(
                actor=None, ticket=ticket, message=message, at=at, now=at
            )
        if given["status"] != ticket.status:
            # A new status brings the clocks up to the load's now itself.
            service_services.ticket_update(
                actor=None, ticket=ticket, values={"status": given["status"]}, now=self.now
            )
        else:
            service_services.ticket_clocks_refresh(ticket=ticket, now=self.now)

    def _work_order(
        self, ticket: Any, given: Mapping[str, Any], base: dt.date, zone: ZoneInfo
    ) -> None:
        def when(moment: OnDay) -> dt.datetime:
            return _local(base + dt.timedelta(days=moment.days), moment.at, zone)

        start = when(given["start"])
        values = {
            "ticket": ticket,
            "technician": self.users[given["technician"]],
            "scheduled_start_at": start,
            "scheduled_end_at": when(given["end"]),
            "status": given["status"],
            "notes": given.get("notes", ""),
        }
        work_order = self._ensure(
            "work_order",
            service_selectors.work_order_list(audience=SYSTEM).filter(
                ticket=ticket, scheduled_start_at=start
            ),
            lambda: service_services.work_order_create(actor=None, values=values, reason=REASON),
        )
        for entry in given["time_entries"]:
            started_at = when(entry["start"])
            entry_values = {
                "work_order": work_order,
                "technician": work_order.technician,
                "kind": entry["kind"],
                "started_at": started_at,
                "ended_at": when(entry["end"]),
                "note": entry.get("note", ""),
            }
            self._ensure(
                "time_entry",
                service_selectors.time_entry_list(audience=SYSTEM).filter(
                    work_order=work_order, started_at=started_at
                ),
                lambda entry_values=entry_values: service_services.time_entry_create(
                    actor=None, values=entry_values, reason=REASON
                ),
            )
        for part in given["parts"]:
            product = self.products[part["product"]]
            part_values = {
                "work_order": work_order,
                "product": product,
                "quantity": part["quantity"],
                "note": part.get("note", ""),
            }
            self._ensure(
                "part_used",
                service_selectors.part_used_list(audience=SYSTEM).filter(
                    work_order=work_order, product=product
                ),
                lambda part_values=part_values: service_services.part_used_create(
                    actor=None, values=part_values, reason=REASON
                ),
            )

    # --- finance: cost rates, the SEPA account and mandate, invoices and their payments --------
    def _finance(self) -> None:
        first_day = dt.date(self.year, 1, 1)
        for given in data.COST_RATES:
            technician = self.users[given["technician"]]
            values = {**given, "technician": technician, "effective_on": first_day}
            self._ensure(
                "cost_rate",
                billing_selectors.cost_rate_list(audience=SYSTEM).filter(
                    technician=technician, effective_on=first_day
                ),
                lambda values=values: billing_services.cost_rate_create(
                    actor=None, values=values, reason=REASON
                ),
            )
        creditor = data.SEPA_CREDITOR
        self._ensure(
            "sepa_creditor",
            billing_selectors.sepa_creditor_list(audience=SYSTEM).filter(
                creditor_id=creditor["creditor_id"]
            ),
            lambda: billing_services.sepa_creditor_create(
                actor=None, values=creditor, reason=REASON
            ),
        )
        debiting = set()
        for given in data.SEPA_MANDATES:
            customer = self.customers[given["customer"]]
            debiting.add(customer.pk)
            values = {**given, "customer": customer, "signed_on": self._day(given["signed_on"])}
            self._ensure(
                "sepa_mandate",
                billing_selectors.sepa_mandate_list(audience=SYSTEM).filter(
                    reference=given["reference"]
                ),
                lambda values=values: billing_services.sepa_mandate_create(
                    actor=None, values=values, reason=REASON, now=self.now
                ),
            )
        ratings = billing_selectors.rating_list(audience=SYSTEM)
        if ratings.exists():
            self.report.existing["rating"] += ratings.count()
        else:
            # The completed work is rated (the phone's completion would have queued it).
            done = service_selectors.work_order_list(audience=SYSTEM).filter(
                status__in=("completed", "accepted")
            )
            billing_services.work_orders_rate(
                actor=None, work_orders=done, now=self.now, reason=REASON
            )
            self.report.created["rating"] += ratings.count()
        billed = {
            "billing_period": billing_selectors.contract_period_list(audience=SYSTEM),
            "invoice": billing_selectors.invoice_list(audience=SYSTEM),
            "payment": billing_selectors.payment_list(audience=SYSTEM),
        }
        if billed["invoice"].exists():
            # Invoiced by an earlier load (or by finance since): nothing is billed again.
            for kind, rows in billed.items():
                self.report.existing[kind] += rows.count()
            return
        self._invoices_and_payments(debiting)
        for kind, rows in billed.items():
            self.report.created[kind] += rows.count()

    def _invoices_and_payments(self, debiting: set[int]) -> None:
        """Invoice every period that ended before this month; issue all but last month's (left
        as drafts to review), each the day after its period; pay what fell due (see
        ``data.PAID_PART_OF_LATEST``)."""
        today = timezone.localdate(self.now)
        this_month = today.replace(day=1)
        last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
        if this_month - dt.timedelta(days=1) < dt.date(self.year, 1, 1):
            return  # no demo contract has a period ended yet
        billing_services.invoice_run(
            actor=None, until=this_month - dt.timedelta(days=1), now=self.now
        )
        drafts = (
            billing_selectors.invoice_list(audience=SYSTEM)
            .filter(state="draft", period__ends_on__lt=last_month)
            .select_related("period")
            .order_by("period__ends_on", "pk")
        )
        for draft in drafts:
            billing_services.invoice_issue(
                actor=None,
                invoice=draft,
                now=self.now,
                issue_date=draft.period.ends_on + dt.timedelta(days=1),
            )
        due = list(
            billing_selectors.invoice_list(audience=SYSTEM)
            .filter(state="issued", due_date__lt=today)
            .select_related("customer")
            .order_by("due_date", "pk")
        )
        latest = {invoice.customer_id: invoice for invoice in due}
        part_of = {self.customers[ref].pk: part for ref, part in data.PAID_PART_OF_LATEST.items()}
        for invoice in due:
            part = (
                part_of.get(invoice.customer_id, 1) if latest[invoice.customer_id] == invoice else 1
            )
            amount = (invoice.gross_total * part).quantize(invoice.gross_total)
            if not amount:
                continue
            billing_services.payment_record(
                actor=None,
                customer=invoice.customer,
                amount=amount,
                currency=invoice.currency,
                received_on=invoice.due_date,
                method="direct_debit" if invoice.customer_id in debiting else "transfer",
                reference=invoice.number,
                invoices=[invoice],
                now=self.now,
            )
