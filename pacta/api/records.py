"""The base of every record endpoint: rows from the app's selector, writes through its services.

A record endpoint declares three things and inherits the rest::

    class CustomerViewSet(RecordViewSet):
        serializer_class = CustomerSerializer       # shape (a RecordSerializer)
        selector = staticmethod(customer_list)      # rows: selector(audience=...) -> QuerySet
        writer = customers_services.CUSTOMER        # writes: the app's RecordWriter

so the rules of who sees what (the selector filters through pacta.accounts.access) and how a
record is written (the app's services, one transaction, an audit row) are never restated here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.relations import ManyRelatedField, RelatedField
from rest_framework.request import Request

from pacta.accounts.access import Audience, audience_of, kind_of, visible
from pacta.accounts.preferences import activate_preferences
from pacta.audit.services import RecordWriter
from pacta.domain.errors import Forbidden

REASON_HELP = gettext_lazy("Why this change is made; kept in the audit log.")


class VisibleRelationsMixin:
    """Related fields offer only the rows the reader may see: another customer's id reads as
    "does not exist" (no existence leak). Also for serializers nested in a RecordSerializer."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()  # type: ignore[misc]
        request = self.context.get("request")  # type: ignore[attr-defined]
        audience = audience_of(getattr(request, "user", None))
        for field in fields.values():
            related = field.child_relation if isinstance(field, ManyRelatedField) else field
            if isinstance(related, RelatedField) and related.queryset is not None:
                related.queryset = visible(related.queryset, audience)
        return fields


class RecordSerializer(VisibleRelationsMixin, serializers.ModelSerializer):
    """A ModelSerializer that offers only the related rows its reader may see, never writes
    itself (the viewset calls the app's services), and carries the change's ``reason``."""

    reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text=REASON_HELP
    )

    def get_validators(self) -> list[Any]:
        # Uniqueness across several fields is checked by the app's services, which name the
        # field at fault; DRF's generic "must make a unique set" is not used.
        return []

    def create(self, validated_data: dict[str, Any]) -> Model:
        raise NotImplementedError("Records are written by RecordViewSet through the services.")

    def update(self, instance: Model, validated_data: dict[str, Any]) -> Model:
        raise NotImplementedError("Records are written by RecordViewSet through the services.")


def audience(request: Request) -> Audience:
    return audience_of(request.user)


class PreferencesMixin:
    """Token-authenticated requests are authenticated in the view, not in the middleware: apply
    the user's language and time zone as soon as DRF knows who is asking."""

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)  # type: ignore[misc]
        if request.user and request.user.is_authenticated:
            activate_preferences(request.user)


@extend_schema_view(
    destroy=extend_schema(
        parameters=[OpenApiParameter("reason", str, description=str(REASON_HELP), required=False)]
    )
)
class RecordViewSet(PreferencesMixin, viewsets.ModelViewSet):
    selector: ClassVar[Callable[..., QuerySet[Any]]]
    writer: ClassVar[RecordWriter]
    #: Custom actions -> access action ("view", "add", "change", "delete").
    record_actions: ClassVar[dict[str, str]] = {}

    @property
    def record_kind(self) -> str:
        return kind_of(self.get_serializer_class().Meta.model)

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.get_serializer_class().Meta.model._default_manager.none()
        return type(self).selector(audience=audience(self.request))

    # --- writes go through the app's services -------------------------------------------------
    def _split(self, serializer: serializers.BaseSerializer[Any]) -> tuple[dict[str, Any], str]:
        values = dict(serializer.validated_data)
        reason = values.pop("reason", "") or ""
        return values, reason

    def _ensure_visible(self, instance: Model) -> None:
        """A write must leave the record where its author can see it (e.g. a customer user
        cannot create a record for another customer); otherwise it is undone."""
        if not self.get_queryset().filter(pk=instance.pk).exists():
            raise Forbidden(_("You may not create or move a record outside what you can see."))

    def written(self, instance: Model) -> None:
        """Called in the transaction of each write (the record as written, or as it was before
        it was deleted): where an adapter queues what follows from it after commit."""

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        values, reason = self._split(serializer)
        with transaction.atomic():
            instance = self.writer.create_record(
                actor=self.request.user, values=values, reason=reason
            )
            self._ensure_visible(instance)
            self.written(instance)
        serializer.instance = instance

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        values, reason = self._split(serializer)
        with transaction.atomic():
            instance = self.writer.update_record(
                serializer.instance, actor=self.request.user, values=values, reason=reason
            )
            self._ensure_visible(instance)
            self.written(instance)
        serializer.instance = instance

    def perform_destroy(self, instance: Model) -> None:
        reason = self.request.query_params.get("reason", "")
        with transaction.atomic():
            self.writer.delete_record(instance, actor=self.request.user, reason=reason)
            self.written(instance)


class ReadOnlyRecordViewSet(PreferencesMixin, viewsets.ReadOnlyModelViewSet):
    """Records the API only shows (the audit log)."""

    selector: ClassVar[Callable[..., QuerySet[Any]]]
    record_actions: ClassVar[dict[str, str]] = {}

    @property
    def record_kind(self) -> str:
        return kind_of(self.get_serializer_class().Meta.model)

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.get_serializer_class().Meta.model._default_manager.none()
        return type(self).selector(audience=audience(self.request))
