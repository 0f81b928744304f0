"""The base of every back-office page: the role decides, the app's services write.

* Permissions come from :mod:`pacta.accounts.access` (the same table the API uses).
* A form is validated by *rehearsing* the app's service inside a transaction that is rolled
  back: the back office refuses exactly what the API refuses, with the error on the field.
* Saving calls the service for real (one transaction, an audit row); inlines go through the
  services of their own records. Nothing reaches the database any other way.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from pacta.accounts.access import ADD, CHANGE, DELETE, VIEW, audience_of, kind_of, may, visible
from pacta.audit.services import NON_FIELD, RecordWriter
from pacta.domain.errors import PactaError


class _Rehearsal(Exception):
    """Raised to roll back a rehearsed write."""


def add_refusal(form: forms.BaseForm, error: PactaError) -> None:
    """Put a service's refusal on the fields it names (others above the form, named)."""
    placed = False
    for name, messages_ in error.fields.items():
        target = name if name in form.fields else None
        for message in messages_:
            form.add_error(target, message if target else f"{name}: {message}")
            placed = True
    if not placed:
        form.add_error(None, error.message_in(gettext))


def _values(form: forms.BaseForm, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name not in ("reason", "id", "DELETE", *skip)
    }


def _rehearse(
    form: forms.BaseModelForm[Any],
    writer: RecordWriter,
    actor: Any,
    values: dict[str, Any],
    reason: str,
) -> None:
    """Run the write the form would make, then roll it back; put any refusal on the form."""
    try:
        with transaction.atomic():
            instance = form.instance
            if instance.pk is not None and not instance._state.adding:
                current = type(instance)._default_manager.get(pk=instance.pk)
                writer.update_record(current, actor=actor, values=values, reason=reason)
            else:
                writer.create_record(actor=actor, values=values, reason=reason)
            raise _Rehearsal
    except _Rehearsal:
        pass
    except PactaError as error:
        add_refusal(form, error)


def _no_constraints(*args: Any, **kwargs: Any) -> None:
    return None


class ConstraintsLeftToService:
    """Django's form checks the model's constraints before anything else, and a many-field
    constraint reports on no field. The rehearsed service checks them too, after its own rules
    that name the field at fault; so the form leaves them to it."""

    instance: Model

    def _post_clean(self) -> None:
        instance = self.instance
        instance.validate_constraints = _no_constraints  # type: ignore[method-assign]
        try:
            super()._post_clean()  # type: ignore[misc]
        finally:
            del instance.validate_constraints


def _unsaved_values(instance: Model) -> dict[str, Any]:
    """The editable values of a record not saved yet (the parent on an add page)."""
    return {
        field.name: getattr(instance, field.name)
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key
    }


def _rehearse_under_new_parent(
    form: forms.BaseModelForm[Any],
    parent: Model,
    parent_writer: RecordWriter,
    writer: RecordWriter,
    actor: Any,
    values: dict[str, Any],
    fk_name: str,
    reason: str,
) -> None:
    """On an add page: rehearse creating the parent, then this row under it; roll both back."""
    try:
        with transaction.atomic():
            try:
                rehearsed_parent = parent_writer.create_record(
                    actor=actor, values=_unsaved_values(parent), reason=reason
                )
            except PactaError:
                raise _Rehearsal from None  # the parent's own form reports those errors
            writer.create_record(
                actor=actor, values={**values, fk_name: rehearsed_parent}, reason=reason
            )
            raise _Rehearsal
    except _Rehearsal:
        pass
    except PactaError as error:
        add_refusal(form, error)


class RecordAdminForm(ConstraintsLeftToService, forms.ModelForm):  # type: ignore[type-arg]
    reason = forms.CharField(
        label=_("Reason for this change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit log with who and when."),
    )


class _AccessMixin:
    """Role-based permissions for a model admin or an inline."""

    model: type[Model]

    def _may(self, request: HttpRequest, action: str) -> bool:
        return may(audience_of(request.user), kind_of(self.model), action)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, VIEW)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._may(request, ADD)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, CHANGE)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, DELETE)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request, VIEW)


class RecordInline(_AccessMixin, admin.TabularInline):  # type: ignore[type-arg]
    """An inline whose rows are written through their own app's services."""

    writer: ClassVar[RecordWriter]
    extra = 0

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        writer, actor = self.writer, request.user
        # Inline rows are saved with the reason typed on the page's main form.
        reason = request.POST.get("reason", "") if request.method == "POST" else ""
        fk_name = formset.fk.name

        parent_admin = self.admin_site._registry.get(self.parent_model)
        parent_writer: RecordWriter | None = getattr(parent_admin, "writer", None)

        class RehearsedForm(ConstraintsLeftToService, formset.form):  # type: ignore[name-defined,misc]
            def _post_clean(self) -> None:
                super()._post_clean()
                parent = getattr(self.instance, fk_name, None) if self.instance else None
                if self._errors or not self.has_changed() or parent is None:
                    return
                if self.cleaned_data.get("DELETE"):
                    return
                values = _values(self)
                if parent.pk is not None:
                    _rehearse(self, writer, actor, {**values, fk_name: parent}, reason)
                elif parent_writer is not None:
                    _rehearse_under_new_parent(
                        self, parent, parent_writer, writer, actor, values, fk_name, reason
                    )

        formset.form = RehearsedForm
        return formset


class RecordAdmin(_AccessMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    writer: ClassVar[RecordWriter]
    form = RecordAdminForm
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return visible(super().get_queryset(request), audience_of(request.user))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        writer, actor = self.writer, request.user
        # The reason is required when the record or any of its inline rows is a term or a rate.
        reason_required = writer.reason_required or any(
            getattr(inline, "writer", None) is not None and inline.writer.reason_required
            for inline in self.get_inline_instances(request, obj)
        )

        class RehearsedForm(form_class):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                if "reason" in self.fields:  # per-form copy: the declared field stays shared
                    self.fields["reason"].required = reason_required

            def _post_clean(self) -> None:
                super()._post_clean()
                if not self._errors:
                    reason = self.cleaned_data.get("reason", "") or ""
                    _rehearse(self, writer, actor, _values(self), reason)

        return RehearsedForm

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        named = {f for _title, opts in fieldsets for f in opts.get("fields", ())}
        if "reason" not in named and (self.has_change_permission(request, obj) or obj is None):
            fieldsets.append((pgettext_lazy("form section", "Change"), {"fields": ["reason"]}))
        return fieldsets

    # --- writes -----------------------------------------------------------------------------
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        values = _values(form)
        reason = form.cleaned_data.get("reason", "") or ""
        if change:
            current = type(obj)._default_manager.get(pk=obj.pk)
            saved = self.writer.update_record(
                current, actor=request.user, values=values, reason=reason
            )
        else:
            saved = self.writer.create_record(actor=request.user, values=values, reason=reason)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Many-to-many values were set by the service with the record; only inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # What formset.save() would record, for the admin's own history message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        inline = next(
            (
                i
                for i in self.get_inline_instances(request, form.instance)
                if i.model is formset.model
            ),
            None,
        )
        writer: RecordWriter | None = getattr(inline, "writer", None)
        if writer is None:  # a read-only inline
            return
        reason = form.cleaned_data.get("reason", "") or ""
        fk_name = formset.fk.name
        for inline_form in formset.forms:
            instance = inline_form.instance
            if not getattr(inline_form, "cleaned_data", None):
                continue
            if inline_form.cleaned_data.get("DELETE"):
                if instance.pk is not None:
                    writer.delete_record(instance, actor=request.user, reason=reason)
                    formset.deleted_objects.append(instance)
                continue
            if not inline_form.has_changed():
                continue
            values = _values(inline_form)
            values[fk_name] = form.instance
            if instance.pk is not None:
                current = type(instance)._default_manager.get(pk=instance.pk)
                saved = writer.update_record(
                    current, actor=request.user, values=values, reason=reason
                )
                formset.changed_objects.append((saved, inline_form.changed_data))
            else:
                saved = writer.create_record(actor=request.user, values=values, reason=reason)
                formset.new_objects.append(saved)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.writer.delete_record(obj, actor=request.user, reason="")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    # --- a refusal the form could not foresee: nothing was written; say why -----------------
    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except PactaError as error:
            return self._refused(request, error)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return super().delete_view(request, *args, **kwargs)
        except PactaError as error:
            return self._refused(request, error)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        try:
            return super().changelist_view(request, extra_context)
        except PactaError as error:
            return self._refused(request, error)

    def _refused(self, request: HttpRequest, error: PactaError) -> HttpResponse:
        summary = error.message_in(gettext)
        details = [summary]
        details += [
            f"{name}: {message}"
            for name, messages_ in error.fields.items()
            for message in messages_
            if name != NON_FIELD and message != summary
        ]
        self.message_user(request, " ".join(details), level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdmin(_AccessMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """A page that only shows records (the audit log)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    """Rows shown under their record and never edited there (readings, quote lines)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
