"""Who may do what, and who sees which rows: the one place these rules live.

Two questions, answered from one table (:data:`RECORDS`):

* **May this role do this action on this kind of record?** — ``view``, ``add``, ``change``,
  ``delete`` per role. The API's permission class and the back office both ask :func:`may`.
* **Which rows does this user see?** — people of the office (admin, manager, dispatcher,
  finance) see every row of what they may view; a technician sees every row unless the record
  names a path to "its own" (its work orders); a contractor or customer user sees only rows
  reached through the path the record names (its company's work orders, its customer's records,
  and those of the customer's children). No path, no rows. Every selector filters through
  :func:`visible`, so a row another customer owns is simply not there (the API answers 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet

from pacta.accounts.roles import EXTERNAL_ROLES, OFFICE_ROLES, Role

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ACTIONS = (VIEW, ADD, CHANGE, DELETE)
ALL = "*"  # a row path meaning: every row

_LETTERS = {"v": VIEW, "a": ADD, "c": CHANGE, "d": DELETE}

A, M, D, F, T, C, U = (
    Role.ADMIN,
    Role.MANAGER,
    Role.DISPATCHER,
    Role.FINANCE,
    Role.TECHNICIAN,
    Role.CONTRACTOR,
    Role.CUSTOMER,
)


@dataclass(frozen=True)
class RecordAccess:
    """What each role may do with one kind of record, and how its rows reach their owner."""

    can: Mapping[Role, frozenset[str]]
    #: role -> the path from a row to its owner; a tuple of paths: a row reached by any of them.
    rows: Mapping[Role, str | tuple[str, ...]] = field(default_factory=dict)


def _access(
    can: Mapping[Role, str], rows: Mapping[Role, str | tuple[str, ...]] | None = None
) -> RecordAccess:
    return RecordAccess(
        can={role: frozenset(_LETTERS[ch] for ch in letters) for role, letters in can.items()},
        rows=dict(rows or {}),
    )


FULL = "vacd"

#: How a rule of rating reaches a customer: on a version of its contract, or on a price list
#: one of its contract versions uses.
RULE_OWNERS = ("version__contract__customer", "price_list__contract_versions__contract__customer")

#: kind ("app_label.model") -> access. A role missing from ``can`` may do nothing with the kind.
RECORDS: dict[str, RecordAccess] = {
    # Technicians see themselves, contractors their company's people: enough to log their time.
    "accounts.user": _access(
        {A: FULL, M: "vac", D: "v", F: "v", T: "v", C: "v"}, {T: "id", C: "contractor"}
    ),
    "accounts.contractor": _access({A: FULL, M: FULL, D: "v", F: "v", C: "v"}, {C: "id"}),
    "customers.customer": _access({A: FULL, M: FULL, D: "v", F: "vc", T: "v", U: "v"}, {U: "id"}),
    "customers.contact": _access(
        {A: FULL, M: FULL, D: "vac", F: "vac", T: "v", U: FULL}, {U: "customer"}
    ),
    "customers.site": _access({A: FULL, M: FULL, D: "v", F: "v", T: "v", U: "v"}, {U: "customer"}),
    "equipment.equipment": _access(
        {A: FULL, M: FULL, D: "vac", F: "v", T: "v", U: "v"}, {U: "site__customer"}
    ),
    "catalog.taxrate": _access({A: FULL, M: FULL, D: "v", F: FULL}),
    "catalog.taxratevalue": _access({A: FULL, M: FULL, D: "v", F: FULL}),
    "catalog.service": _access(
        {A: FULL, M: FULL, D: "v", F: "v", T: "v", C: "v", U: "v"}, {C: ALL, U: ALL}
    ),
    "catalog.checkliststep": _access({A: FULL, M: FULL, D: "v", F: "v", T: "v", C: "v"}, {C: ALL}),
    "catalog.product": _access({A: FULL, M: FULL, D: "v", F: "v", T: "v", C: "v"}, {C: ALL}),
    "catalog.pricelist": _access({A: FULL, M: FULL, D: "v", F: FULL, U: "v"}, {U: "customer"}),
    "catalog.pricelistline": _access(
        {A: FULL, M: FULL, D: "v", F: FULL, U: "v"}, {U: "price_list__customer"}
    ),
    "contracts.contract": _access({A: FULL, M: FULL, D: "v", F: "v", U: "v"}, {U: "customer"}),
    "contracts.contractversion": _access(
        {A: FULL, M: FULL, D: "v", F: "v", U: "v"}, {U: "contract__customer"}
    ),
    "contracts.scopeline": _access(
        {A: FULL, M: FULL, D: "v", F: "v", U: "v"}, {U: "version__contract__customer"}
    ),
    # The rules of rating (issue 4): terms the office writes; read by whoever reads terms there.
    # A customer reads those of its contracts' versions and of the price lists they use.
    "contracts.surchargerule": _access(
        {A: FULL, M: FULL, D: "v", F: "v", U: "v"}, {U: RULE_OWNERS}
    ),
    "contracts.travelrule": _access({A: FULL, M: FULL, D: "v", F: "v", U: "v"}, {U: RULE_OWNERS}),
    "contracts.allowance": _access(
        {A: FULL, M: FULL, D: "v", F: "v", U: "v"}, {U: "version__contract__customer"}
    ),
    # Intake (issue 5): the office reads where a contract's tickets are routed.
    "contracts.routingrule": _access({A: FULL, M: FULL, D: "v", F: "v"}),
    "service.ticket": _access(
        {A: FULL, M: FULL, D: FULL, F: "v", T: "v", U: "va"},
        {T: "work_orders__technician", U: "customer"},
    ),
    "service.workorder": _access(
        {A: FULL, M: FULL, D: FULL, F: "v", T: "vc", C: "vc", U: "v"},
        {T: "technician", C: "contractor", U: "ticket__customer"},
    ),
    "service.timeentry": _access(
        {A: FULL, M: FULL, D: FULL, F: "v", T: FULL, C: FULL, U: "v"},
        {
            T: "work_order__technician",
            C: "work_order__contractor",
            U: "work_order__ticket__customer",
        },
    ),
    "service.partused": _access(
        {A: FULL, M: FULL, D: FULL, F: "v", T: FULL, C: FULL, U: "v"},
        {
            T: "work_order__technician",
            C: "work_order__contractor",
            U: "work_order__ticket__customer",
        },
    ),
    # Inspections (issue 5): templates are catalog (the office writes them, the field reads
    # them); inspections and readings are done by the work order's technician or contractor.
    "catalog.inspectiontemplate": _access(
        {A: FULL, M: FULL, D: "v", F: "v", T: "v", C: "v"}, {C: ALL}
    ),
    "catalog.inspectionparameter": _access(
        {A: FULL, M: FULL, D: "v", F: "v", T: "v", C: "v"}, {C: ALL}
    ),
    "service.inspection": _access(
        {A: FULL, M: FULL, D: FULL, F: "v", T: "vac", C: "vac", U: "v"},
        {
            T: "work_order__technician",
            C: "work_order__contractor",
            U: "work_order__ticket__customer",
        },
    ),
    "service.inspectionreading": _access(
        {A: FULL, M: FULL, D: FULL, F: "v", T: "vac", C: "vac", U: "v"},
        {
            T: "inspection__work_order__technician",
            C: "inspection__work_order__contractor",
            U: "inspection__work_order__ticket__customer",
        },
    ),
    # The visit on the phone (issue 5): the work order's technician or contractor records it,
    # the customer sees what was done (not the expenses, which are our costs); a manager
    # decides on out-of-scope steps (a "change" of the checklist item).
    "service.checklistitem": _access(
        {A: FULL, M: FULL, D: "v", F: "v", T: "vc", C: "vc", U: "v"},
        {
            T: "work_order__technician",
            C: "work_order__contractor",
            U: "work_order__ticket__customer",
        },
    ),
    "service.photo": _access(
        {A: FULL, M: FULL, D: "v", F: "v", T: "va", C: "va", U: "v"},
        {
            T: "work_order__technician",
            C: "work_order__contractor",
            U: "work_order__ticket__customer",
        },
    ),
    "service.signature": _access(
        {A: FULL, M: FULL, D: "v", F: "v", T: "va", C: "va", U: "v"},
        {
            T: "work_order__technician",
            C: "work_order__contractor",
            U: "work_order__ticket__customer",
        },
    ),
    "service.expense": _access(
        {A: FULL, M: FULL, D: "v", F: "v", T: "va", C: "va"},
        {T: "work_order__technician", C: "work_order__contractor"},
    ),
    "service.syncoperation": _access(
        {A: "v", M: "v", T: "v", C: "v"}, {T: "user", C: "user__contractor"}
    ),
    # Documents: how they read is the office's; a report issued is read by the office and by
    # the customer it was issued to.
    "reports.reportwording": _access({A: FULL, M: FULL, D: "v"}),
    "reports.redactionrule": _access({A: FULL, M: FULL, D: "v"}),
    "reports.issuedreport": _access(
        {A: "v", M: "v", D: "v", F: "v", U: "v"}, {U: "work_order__ticket__customer"}
    ),
    # Ratings and their charge lines (issue 4): read by the office, by the customer whose work
    # they price, and by the technician of the work order; written only by rating.
    "billing.rating": _access(
        {A: "v", M: "v", D: "v", F: "v", T: "v", U: "v"},
        {T: "work_order__technician", U: "work_order__ticket__customer"},
    ),
    "billing.chargeline": _access(
        {A: "v", M: "v", D: "v", F: "v", T: "v", U: "v"},
        {T: "rating__work_order__technician", U: "rating__work_order__ticket__customer"},
    ),
    "audit.auditentry": _access({A: "v", M: "v", F: "v"}),
    "audit.periodicrun": _access({A: "v", M: "v"}),
    "django_tasks_database.dbtaskresult": _access({A: "v", M: "v"}),
    "accounts.team": _access({A: FULL, M: FULL, D: "v", F: "v", T: "v"}),
    # The outbox is read by the office that dispatches; "change" is starting a given-up message.
    "comms.outboundmessage": _access({A: "vc", M: "vc", D: "vc"}),
    "comms.messagetemplate": _access({A: FULL, M: FULL, D: "v"}),
    "sla.businesscalendar": _access({A: FULL, M: FULL, D: "v", F: "v"}),
    "sla.calendarwindow": _access({A: FULL, M: FULL, D: "v", F: "v"}),
    "sla.closedday": _access({A: FULL, M: FULL, D: "v", F: "v"}),
    "sla.slapolicy": _access({A: FULL, M: FULL, D: "v", F: "v"}),
    "sla.slatarget": _access({A: FULL, M: FULL, D: "v", F: "v"}),
    "sla.ticketclock": _access(
        {A: "v", M: "v", D: "v", F: "v", T: "v", U: "v"},
        {T: "ticket__work_orders__technician", U: "ticket__customer"},
    ),
    "service.ticketevent": _access(
        {A: "v", M: "v", D: "v", F: "v", T: "v", U: "v"},
        {T: "ticket__work_orders__technician", U: "ticket__customer"},
    ),
    "service.rescueaction": _access({A: "vc", M: "vc", D: "vc", F: "v"}),
    # Credits are appended (goodwill needs a manager's approval; "add" also reverses one) and
    # read by the office and by the customer they are owed to.
    "entitlements.credit": _access(
        {A: "va", M: "va", D: "v", F: "va", U: "v"}, {U: "contract__customer"}
    ),
    # Invoicing (billing-core): finance runs, reviews and issues; a customer sees its own
    # issued invoices (drafts are filtered out by the selectors), pays and disputes them.
    "billing.billingterms": _access({A: FULL, M: FULL, F: FULL}),
    "billing.contractperiod": _access({A: "v", M: "v", F: "v"}),
    "billing.invoiceseries": _access({A: FULL, M: "v", F: FULL}),
    "billing.invoice": _access({A: "vcd", M: "v", F: "vcd", U: "v"}, {U: "customer"}),
    "billing.invoiceline": _access({A: "v", M: "v", F: "v", U: "v"}, {U: "invoice__customer"}),
    "billing.invoicetaxtotal": _access({A: "v", M: "v", F: "v", U: "v"}, {U: "invoice__customer"}),
    "billing.invoicerun": _access({A: "va", M: "v", F: "va"}),
    "billing.payment": _access({A: "va", M: "v", F: "va", U: "v"}, {U: "customer"}),
    "billing.paymentallocation": _access(
        {A: "va", M: "v", F: "va", U: "v"}, {U: "payment__customer"}
    ),
    "billing.bankstatement": _access({A: "va", M: "v", F: "va"}),
    "billing.bankstatementline": _access({A: "vc", M: "v", F: "vc"}),
    "billing.dispute": _access(
        {A: "vc", M: "vc", F: "vc", U: "va"}, {U: "line__invoice__customer"}
    ),
    # SEPA direct debit (sepa): finance keeps the creditor accounts and mandates (revoked, never
    # deleted) and makes the batches; a batch and its debits are never changed afterwards.
    "billing.sepacreditor": _access({A: "vac", M: "v", F: "vac"}),
    "billing.sepamandate": _access({A: "vac", M: "v", F: "vac"}),
    "billing.sepabatch": _access({A: "va", M: "v", F: "va"}),
    "billing.sepadebit": _access({A: "v", M: "v", F: "v"}),
    # Accounting exports (issue 6): not a table, a file of the issued invoices and receipts of a
    # range; finance (and the admin) may fetch it.
    "billing.accountingexport": _access({A: "v", F: "v"}),
    # Quotes and preventive plans (issue 5): the office writes quotes; the customer sees those
    # sent to it (drafts are filtered out by the selectors) and accepts or rejects them (a
    # decision its view allows, judged by the service); plans are the office's.
    "service.quote": _access({A: FULL, M: FULL, D: FULL, F: "v", U: "v"}, {U: "customer"}),
    "service.quoteline": _access(
        {A: FULL, M: FULL, D: FULL, F: "v", U: "v"}, {U: "quote__customer"}
    ),
    "service.preventiveplan": _access({A: FULL, M: FULL, D: FULL, F: "v"}),
    "service.planoccurrence": _access({A: "v", M: "v", D: "v", F: "v"}),
    # The customer portal (issue 5): the conversation on a ticket. The office writes (public
    # comments and internal notes); a customer's users read and add the public ones of their
    # tickets (the selector keeps internal notes from them); a technician reads its tickets'.
    "service.ticketcomment": _access(
        {A: FULL, M: FULL, D: FULL, F: "v", T: "v", U: "va"},
        {T: "ticket__work_orders__technician", U: "ticket__customer"},
    ),
    # Contractor statements (issue 6): finance makes and issues them; a contractor's users see
    # their company's.
    "billing.contractorstatement": _access({A: "va", M: "v", F: "vac", C: "v"}, {C: "contractor"}),
    "billing.contractorstatementline": _access(
        {A: "v", M: "v", F: "v", C: "v"}, {C: "statement__contractor"}
    ),
    # Costs (issue 6): the office's own figures, kept by finance; managers read them.
    "billing.costrate": _access({A: FULL, M: "v", F: FULL}),
    "billing.productcost": _access({A: FULL, M: "v", F: FULL}),
    # The margins report (issue 6): not a table, figures read from ratings, time, parts and
    # expenses against the costs above; whoever reads the costs reads the report.
    "billing.margin": _access({A: "v", M: "v", F: "v"}),
}


def kind_of(model: type[Model] | Model) -> str:
    return model._meta.label_lower


# --- the audience: who is asking --------------------------------------------------------------
@dataclass(frozen=True)
class Audience:
    """The facts about a user that decide what it sees."""

    user_id: int | None
    role: Role | None
    customer_ids: frozenset[int] = frozenset()
    contractor_id: int | None = None

    @property
    def is_office(self) -> bool:
        return self.role in OFFICE_ROLES


NOBODY = Audience(user_id=None, role=None)
#: The system's own jobs (the demo loader, periodic runs) read every row.
SYSTEM = Audience(user_id=None, role=Role.ADMIN)


def _customer_and_descendants(user: Any) -> frozenset[int]:
    """The user's customer and every customer below it (a parent pays for and sees its children)."""
    if user.customer_id is None:
        return frozenset()
    customer_model = user._meta.get_field("customer").related_model
    found = {user.customer_id}
    frontier = {user.customer_id}
    while frontier:
        children = set(
            customer_model.objects.filter(parent_id__in=frontier).values_list("id", flat=True)
        )
        frontier = children - found
        found |= frontier
    return frozenset(found)


def audience_of(user: Any) -> Audience:
    """The audience of ``user`` (cached on the user object for the rest of the request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_pacta_audience", None)
    if cached is not None:
        return cached
    role = Role(user.role)
    audience = Audience(
        user_id=user.pk,
        role=role,
        customer_ids=_customer_and_descendants(user) if role is Role.CUSTOMER else frozenset(),
        contractor_id=user.contractor_id,
    )
    user._pacta_audience = audience
    return audience


# --- the two questions ------------------------------------------------------------------------
def may(audience: Audience, kind: str, action: str) -> bool:
    """Whether the audience's role may ``action`` records of ``kind`` at all."""
    if audience.role is None:
        return False
    access = RECORDS.get(kind)
    return access is not None and action in access.can.get(audience.role, frozenset())


def actions_for(audience: Audience, kind: str) -> frozenset[str]:
    if audience.role is None or kind not in RECORDS:
        return frozenset()
    return RECORDS[kind].can.get(audience.role, frozenset())


def visible(queryset: QuerySet[Any], audience: Audience) -> QuerySet[Any]:
    """The rows of ``queryset`` this audience may see (none if it may not view the kind)."""
    kind = kind_of(queryset.model)
    if not may(audience, kind, VIEW):
        return queryset.none()
    if audience.is_office:
        return queryset
    role = audience.role
    assert role is not None
    path = RECORDS[kind].rows.get(role, ALL if role not in EXTERNAL_ROLES else None)
    if path is None:
        return queryset.none()
    if path == ALL:
        return queryset
    if role is Role.CONTRACTOR and audience.contractor_id is None:
        return queryset.none()
    paths = (path,) if isinstance(path, str) else path
    condition = Q()
    for each in paths:
        if role is Role.CUSTOMER:
            condition |= Q(**{f"{each}__in": audience.customer_ids})
        elif role is Role.CONTRACTOR:
            condition |= Q(**{each: audience.contractor_id})
        else:  # technician
            condition |= Q(**{each: audience.user_id})
    if len(paths) > 1 or "__" in paths[0]:
        # A path through a one-to-many relation would repeat rows; filter by id instead.
        owned = queryset.model._default_manager.filter(condition).values("pk")
        return queryset.filter(pk__in=owned)
    return queryset.filter(condition)


# --- the table, for people ------------------------------------------------------------------------
def access_table_markdown() -> str:
    """RECORDS as a Markdown table (docs/access.md is this, checked by a test)."""
    roles = list(Role)
    header = "| record | " + " | ".join(role.value for role in roles) + " |"
    lines = [header, "|" + "---|" * (len(roles) + 1)]
    for kind, access in sorted(RECORDS.items()):
        cells = []
        for role in roles:
            letters = "".join(
                letter for letter, action in _LETTERS.items() if action in access.can.get(role, ())
            )
            path = access.rows.get(role)
            if letters and path and path != ALL:
                paths = (path,) if isinstance(path, str) else path
                letters += " (own: " + " or ".join(f"`{each}`" for each in paths) + ")"
            cells.append(letters or "—")
        lines.append(f"| `{kind}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
