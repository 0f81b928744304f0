"""/api/v1/users/, /contractors/, /teams/, the caller's own profile (/me/) and API tokens."""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from pacta.accounts import selectors, services
from pacta.accounts.models import Contractor, Team, User
from pacta.api.records import PreferencesMixin, RecordSerializer, RecordViewSet


class UserSerializer(RecordSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=False,
        style={"input_type": "password"},
        help_text="Set or change the password (checked against the password rules).",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "role",
            "customer",
            "contractor",
            "language",
            "time_zone",
            "is_active",
            "last_login",
            "password",
            "reason",
        ]
        read_only_fields = ["last_login"]


class ContractorSerializer(RecordSerializer):
    class Meta:
        model = Contractor
        fields = ["id", "name", "tax_id", "email", "phone", "country", "is_active", "reason"]


class TeamSerializer(RecordSerializer):
    """Technicians who cover some dispatch regions (site zone codes)."""

    zone_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy(
            "The site region / zone codes the team covers (at least one), e.g. MAD-NORTE; "
            "stored upper-cased."
        ),
    )

    class Meta:
        model = Team
        fields = ["id", "name", "zone_codes", "members", "is_active", "reason"]
        extra_kwargs = {
            "members": {
                "required": False,
                "help_text": gettext_lazy("Users of the team: active technicians."),
            }
        }


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "role",
            "customer",
            "contractor",
            "language",
            "time_zone",
        ]
        read_only_fields = ["id", "username", "role", "customer", "contractor"]


class UserViewSet(RecordViewSet):
    serializer_class = UserSerializer
    selector = staticmethod(selectors.user_list)
    writer = services.USER
    filterset_fields = ["role", "customer", "contractor", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "id"]


class ContractorViewSet(RecordViewSet):
    serializer_class = ContractorSerializer
    selector = staticmethod(selectors.contractor_list)
    writer = services.CONTRACTOR
    filterset_fields = ["country", "is_active"]
    search_fields = ["name", "tax_id", "email"]
    ordering_fields = ["name", "id"]


class TeamViewSet(RecordViewSet):
    serializer_class = TeamSerializer
    selector = staticmethod(selectors.team_list)
    writer = services.TEAM
    filterset_fields = ["is_active", "members"]
    search_fields = ["name"]
    ordering_fields = ["name", "id"]


class MeView(PreferencesMixin, APIView):
    """The signed-in user's own profile: language and time zone apply to every page and error."""

    serializer_class = MeSerializer

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request: Request) -> Response:
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_set_preferences(
            actor=request.user, user=request.user, values=dict(serializer.validated_data)
        )
        return Response(MeSerializer(user).data)


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token (send it as ``Authorization: Token …``)."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
]


def register(router: DefaultRouter) -> None:
    router.register("users", UserViewSet, basename="user")
    router.register("contractors", ContractorViewSet, basename="contractor")
    router.register("teams", TeamViewSet, basename="team")
