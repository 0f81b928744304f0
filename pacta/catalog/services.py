"""Writing the catalog: tax rates and their dated values, services, checklists, products,
price lists and their dated lines. A value or price that has taken effect is frozen (it priced
past work); a change is a new dated row, made with a reason."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pacta.audit.services import (
    Actor,
    RecordWriter,
    is_duplicate,
    record_create,
    record_delete,
    record_update,
    require_reason,
)
from pacta.catalog.errors import (
    KeptForHistory,
    PriceInForce,
    PriceLineItemInvalid,
    PriceListInUse,
)
from pacta.catalog.models import (
    ChecklistStep,
    InspectionParameter,
    InspectionTemplate,
    ParameterKind,
    PriceList,
    PriceListLine,
    Product,
    Service,
    TaxRate,
    TaxRateValue,
)
from pacta.catalog.selectors import price_list_is_used
from pacta.domain.currencies import is_currency
from pacta.domain.errors import FieldErrors, InvalidInput


def _upper(values: Mapping[str, Any], *names: str) -> dict[str, Any]:
    values = dict(values)
    for name in names:
        if isinstance(values.get(name), str):
            values[name] = values[name].strip().upper()
    return values


def _active(errors: FieldErrors, field: str, related: Any) -> None:
    if related is not None and not related.is_active:
        errors.add(field, _("%(record)s is no longer active.") % {"record": related})


#: Why a dated row in force is frozen, per kind of row (whole sentences, for translators).
IN_FORCE_MESSAGES = {
    "price": gettext_noop(
        "This price has been in force since %(day)s and was used to price work; add a new "
        "price with a later date instead."
    ),
    "tax": gettext_noop(
        "This tax rate value has been in force since %(day)s and has been charged; add a new "
        "value with a later date instead."
    ),
}


def _refuse_if_in_force(row: Any, *, now: datetime | None, what: str) -> None:
    today = timezone.localdate(now or timezone.now())
    if row.pk is not None and row.effective_on <= today:
        raise PriceInForce(_(IN_FORCE_MESSAGES[what]) % {"day": row.effective_on.isoformat()})


# --- tax rates ----------------------------------------------------------------------------------
def tax_rate_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> TaxRate:
    return record_create(TaxRate, actor=actor, values=_upper(values, "code"), reason=reason)


def tax_rate_update(
    *, actor: Actor, tax_rate: TaxRate, values: Mapping[str, Any], reason: str = ""
) -> TaxRate:
    return record_update(tax_rate, actor=actor, values=_upper(values, "code"), reason=reason)


def tax_rate_delete(*, actor: Actor, tax_rate: TaxRate, reason: str = "") -> None:
    if tax_rate.values.exists():
        raise KeptForHistory(
            _("A tax rate with values is kept for the history; mark it inactive instead.")
        )
    record_delete(tax_rate, actor=actor, reason=reason)


TAX_RATE = RecordWriter(
    param="tax_rate", create=tax_rate_create, update=tax_rate_update, delete=tax_rate_delete
)


def tax_rate_value_check(value: TaxRateValue, m2m: Mapping[str, list[Any]] | None = None) -> None:
    if is_duplicate(value, tax_rate_id=value.tax_rate_id, effective_on=value.effective_on):
        raise InvalidInput.on("effective_on", _("This tax rate already has a value from that day."))


def tax_rate_value_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = "", now: datetime | None = None
) -> TaxRateValue:
    return record_create(
        TaxRateValue,
        actor=actor,
        values=values,
        reason=require_reason(reason),
        check=tax_rate_value_check,
        now=now,
    )


def tax_rate_value_update(
    *,
    actor: Actor,
    tax_rate_value: TaxRateValue,
    values: Mapping[str, Any],
    reason: str = "",
    now: datetime | None = None,
) -> TaxRateValue:
    reason = require_reason(reason)
    _refuse_if_in_force(tax_rate_value, now=now, what="tax")
    return record_update(
        tax_rate_value, actor=actor, values=values, reason=reason, check=tax_rate_value_check
    )


def tax_rate_value_delete(
    *, actor: Actor, tax_rate_value: TaxRateValue, reason: str = "", now: datetime | None = None
) -> None:
    reason = require_reason(reason)
    _refuse_if_in_force(tax_rate_value, now=now, what="tax")
    record_delete(tax_rate_value, actor=actor, reason=reason)


TAX_RATE_VALUE = RecordWriter(
    param="tax_rate_value",
    create=tax_rate_value_create,
    update=tax_rate_value_update,
    delete=tax_rate_value_delete,
    check=tax_rate_value_check,
    reason_required=True,
)


# --- services (task codes) ----------------------------------------------------------------------
def service_check(service: Service, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    _active(errors, "tax_rate", service.tax_rate)
    errors.raise_if_any()


def service_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> Service:
    return record_create(
        Service, actor=actor, values=_upper(values, "code"), reason=reason, check=service_check
    )


def service_update(
    *, actor: Actor, service: Service, values: Mapping[str, Any], reason: str = ""
) -> Service:
    return record_update(
        service, actor=actor, values=_upper(values, "code"), reason=reason, check=service_check
    )


def service_delete(*, actor: Actor, service: Service, reason: str = "") -> None:
    record_delete(service, actor=actor, reason=reason)


SERVICE = RecordWriter(
    param="service",
    create=service_create,
    update=service_update,
    delete=service_delete,
    check=service_check,
)


def _safety_is_mandatory(values: Mapping[str, Any]) -> dict[str, Any]:
    # A safety step always blocks completion: it is mandatory by definition.
    values = dict(values)
    if values.get("is_safety"):
        values["is_mandatory"] = True
    return values


def checklist_step_check(step: ChecklistStep, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    if not (step.text or "").strip():
        errors.add("text", _("Describe the step."))
    if is_duplicate(step, service_id=step.service_id, position=step.position):
        errors.add("position", _("This service already has a step at this position."))
    errors.raise_if_any()


def checklist_step_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = ""
) -> ChecklistStep:
    return record_create(
        ChecklistStep,
        actor=actor,
        values=_safety_is_mandatory(values),
        reason=reason,
        check=checklist_step_check,
    )


def checklist_step_update(
    *, actor: Actor, checklist_step: ChecklistStep, values: Mapping[str, Any], reason: str = ""
) -> ChecklistStep:
    values = _safety_is_mandatory({"is_safety": checklist_step.is_safety, **values})
    return record_update(
        checklist_step, actor=actor, values=values, reason=reason, check=checklist_step_check
    )


def checklist_step_delete(*, actor: Actor, checklist_step: ChecklistStep, reason: str = "") -> None:
    record_delete(checklist_step, actor=actor, reason=reason)


CHECKLIST_STEP = RecordWriter(
    param="checklist_step",
    create=checklist_step_create,
    update=checklist_step_update,
    delete=checklist_step_delete,
    check=checklist_step_check,
)


# --- products -----------------------------------------------------------------------------------
def product_check(product: Product, m2m: Mapping[str, list[Any]] | None = None) -> None:
    errors = FieldErrors()
    _active(errors, "tax_rate", product.tax_rate)
    errors.raise_if_any()


def _sku(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if isinstance(values.get("sku"), str):
        values["sku"] = values["sku"].strip()
    return values


def product_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> Product:
    return record_create(
        Product, actor=actor, values=_sku(values), reason=reason, check=product_check
    )


def product_update(
    *, actor: Actor, product: Product, values: Mapping[str, Any], reason: str = ""
) -> Product:
    return record_update(
        product, actor=actor, values=_sku(values), reason=reason, check=product_check
    )


def product_delete(*, actor: Actor, product: Product, reason: str = "") -> None:
    record_delete(product, actor=actor, reason=reason)


PRODUCT = RecordWriter(
    param="product",
    create=product_create,
    update=product_update,
    delete=product_delete,
    check=product_check,
)


# --- price lists --------------------------------------------------------------------------------
def price_list_check(price_list: PriceList, m2m: Mapping[str, list[Any]] | None = None) -> None:
    if not is_currency(price_list.currency):
        raise InvalidInput.on(
            "currency",
            _("%(code)s is not an ISO 4217 currency code.") % {"code": price_list.currency},
        )


def price_list_create(*, actor: Actor, values: Mapping[str, Any], reason: str = "") -> PriceList:
    return record_create(
        PriceList,
        actor=actor,
        values=_upper(values, "currency"),
        reason=reason,
        check=price_list_check,
    )


def price_list_update(
    *, actor: Actor, price_list: PriceList, values: Mapping[str, Any], reason: str = ""
) -> PriceList:
    values = _upper(values, "currency")
    currency = values.get("currency", price_list.currency)
    if currency != price_list.currency and (
        price_list.lines.exists() or price_list_is_used(price_list)
    ):
        raise PriceListInUse(
            _("The prices of this list are in %(currency)s; make a new list for another currency.")
            % {"currency": price_list.currency},
            fields={"currency": [_("A price list with prices keeps its currency.")]},
        )
    return record_update(
        price_list, actor=actor, values=values, reason=reason, check=price_list_check
    )


def price_list_delete(*, actor: Actor, price_list: PriceList, reason: str = "") -> None:
    if price_list.lines.exists():
        raise KeptForHistory(
            _("A price list with prices is kept for the history; mark it inactive instead.")
        )
    record_delete(price_list, actor=actor, reason=reason)


PRICE_LIST = RecordWriter(
    param="price_list",
    create=price_list_create,
    update=price_list_update,
    delete=price_list_delete,
    check=price_list_check,
)


def price_list_line_check(line: PriceListLine, m2m: Mapping[str, list[Any]] | None = None) -> None:
    has_service, has_product = line.service_id is not None, line.product_id is not None
    if has_service == has_product:
        message = (
            _("Choose a service or a product, not both.")
            if has_service
            else _("Choose the service or the product this line prices.")
        )
        raise PriceLineItemInvalid.on("service", message)
    errors = FieldErrors()
    _active(errors, "service", line.service)
    _active(errors, "product", line.product)
    item = {"service_id": line.service_id} if has_service else {"product_id": line.product_id}
    if is_duplicate(line, price_list_id=line.price_list_id, effective_on=line.effective_on, **item):
        errors.add("effective_on", _("This item already has a price on this list from that day."))
    errors.raise_if_any()


def _label(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if not values.get("label"):
        item = values.get("service") or values.get("product")
        if item is not None and hasattr(item, "name"):
            values["label"] = item.name
    return values


def price_list_line_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = "", now: datetime | None = None
) -> PriceListLine:
    return record_create(
        PriceListLine,
        actor=actor,
        values=_label(values),
        reason=require_reason(reason),
        check=price_list_line_check,
        now=now,
    )


def price_list_line_update(
    *,
    actor: Actor,
    price_list_line: PriceListLine,
    values: Mapping[str, Any],
    reason: str = "",
    now: datetime | None = None,
) -> PriceListLine:
    reason = require_reason(reason)
    _refuse_if_in_force(price_list_line, now=now, what="price")
    return record_update(
        price_list_line, actor=actor, values=values, reason=reason, check=price_list_line_check
    )


def price_list_line_delete(
    *,
    actor: Actor,
    price_list_line: PriceListLine,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    reason = require_reason(reason)
    _refuse_if_in_force(price_list_line, now=now, what="price")
    record_delete(price_list_line, actor=actor, reason=reason)


PRICE_LIST_LINE = RecordWriter(
    param="price_list_line",
    create=price_list_line_create,
    update=price_list_line_update,
    delete=price_list_line_delete,
    check=price_list_line_check,
    reason_required=True,
)


# --- inspection templates -------------------------------------------------------------------------
def inspection_template_check(
    template: InspectionTemplate, m2m: Mapping[str, list[Any]] | None = None
) -> None:
    errors = FieldErrors()
    if not (template.name or "").strip():
        errors.add("name", _("Name the inspection."))
    _active(errors, "service", template.service)
    errors.raise_if_any()


def inspection_template_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = ""
) -> InspectionTemplate:
    return record_create(
        InspectionTemplate,
        actor=actor,
        values=_upper(values, "code"),
        reason=reason,
        check=inspection_template_check,
    )


def inspection_template_update(
    *,
    actor: Actor,
    inspection_template: InspectionTemplate,
    values: Mapping[str, Any],
    reason: str = "",
) -> InspectionTemplate:
    return record_update(
        inspection_template,
        actor=actor,
        values=_upper(values, "code"),
        reason=reason,
        check=inspection_template_check,
    )


def inspection_template_delete(
    *, actor: Actor, inspection_template: InspectionTemplate, reason: str = ""
) -> None:
    record_delete(inspection_template, actor=actor, reason=reason)


INSPECTION_TEMPLATE = RecordWriter(
    param="inspection_template",
    create=inspection_template_create,
    update=inspection_template_update,
    delete=inspection_template_delete,
    check=inspection_template_check,
)


def inspection_parameter_check(
    parameter: InspectionParameter, m2m: Mapping[str, list[Any]] | None = None
) -> None:
    """A numeric parameter has a unit and an accepted range (a minimum, a maximum or both, the
    minimum not above the maximum); a pass/fail one has neither."""
    errors = FieldErrors()
    if not (parameter.label or "").strip():
        errors.add("label", _("Say what is checked."))
    low, high = parameter.minimum, parameter.maximum
    if parameter.kind == ParameterKind.NUMERIC:
        if not (parameter.unit or "").strip():
            errors.add("unit", _("Give the unit the value is read in (e.g. bar)."))
        if low is None and high is None:
            errors.add("minimum", _("Give the accepted range: a minimum, a maximum or both."))
        elif low is not None and high is not None and low > high:
            errors.add("maximum", _("The maximum must not be below the minimum."))
    else:
        if (parameter.unit or "").strip():
            errors.add("unit", _("A pass/fail check has no unit."))
        for name, bound in (("minimum", low), ("maximum", high)):
            if bound is not None:
                errors.add(name, _("A pass/fail check has no range."))
    if is_duplicate(parameter, template_id=parameter.template_id, position=parameter.position):
        errors.add("position", _("This inspection already has a parameter at this position."))
    errors.raise_if_any()


def _unit(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if isinstance(values.get("unit"), str):
        values["unit"] = values["unit"].strip()
    return values


def inspection_parameter_create(
    *, actor: Actor, values: Mapping[str, Any], reason: str = ""
) -> InspectionParameter:
    return record_create(
        InspectionParameter,
        actor=actor,
        values=_unit(values),
        reason=reason,
        check=inspection_parameter_check,
    )


def inspection_parameter_update(
    *,
    actor: Actor,
    inspection_parameter: InspectionParameter,
    values: Mapping[str, Any],
    reason: str = "",
) -> InspectionParameter:
    return record_update(
        inspection_parameter,
        actor=actor,
        values=_unit(values),
        reason=reason,
        check=inspection_parameter_check,
    )


def inspection_parameter_delete(
    *, actor: Actor, inspection_parameter: InspectionParameter, reason: str = ""
) -> None:
    record_delete(inspection_parameter, actor=actor, reason=reason)


INSPECTION_PARAMETER = RecordWriter(
    param="inspection_parameter",
    create=inspection_parameter_create,
    update=inspection_parameter_update,
    delete=inspection_parameter_delete,
    check=inspection_parameter_check,
)
