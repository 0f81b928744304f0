"""The OpenAPI document: valid, public, and describing every endpoint the router serves."""

from __future__ import annotations

import re

import httpx
import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

from pacta.api import accounts, comments, comms, exports, fieldwork, margins
from pacta.api.urls import router

PREFIX = "/api/v1/"


def _openapi_path(regex: str) -> str:
    """``^customers/(?P<pk>[^/.]+)/$`` -> ``/api/v1/customers/{id}/`` (drf-spectacular's form)."""
    path = regex.lstrip("^").rstrip("$")
    path = re.sub(
        r"\(\?P<(\w+)>[^)]*\)", lambda m: "{id}" if m[1] == "pk" else "{" + m[1] + "}", path
    )
    return PREFIX + path


def _router_paths() -> set[str]:
    paths = set()
    for pattern in router.urls:
        regex = str(pattern.pattern)
        if "format" in regex or pattern.name == "api-root":
            continue  # ".json" suffixes and the browsable root are not endpoints of their own
        paths.add(_openapi_path(regex))
    return paths


def _extra_paths() -> set[str]:
    patterns = [*accounts.urlpatterns, *fieldwork.urlpatterns, *comms.urlpatterns]
    patterns += exports.urlpatterns  # accounting exports (issue 6)
    patterns += margins.urlpatterns  # costs and margins (issue 6)
    patterns += comments.urlpatterns
    # "<int:pk>" in a path is "{id}" in the schema (drf-spectacular calls a pk "id")
    return {PREFIX + re.sub(r"<(?:\w+:)?pk>", "{id}", str(p.pattern)) for p in patterns}


def test_the_router_paths_are_read_correctly():
    paths = _router_paths()
    assert {"/api/v1/customers/", "/api/v1/customers/{id}/", "/api/v1/users/{id}/"} <= paths
    assert all(p.startswith(PREFIX) and p.endswith("/") and "(" not in p for p in paths)
    assert _extra_paths() == {
        "/api/v1/me/",
        "/api/v1/auth/token/",
        "/api/v1/sync/",
        "/api/v1/inbound-email/",
        "/api/v1/work-orders/{id}/accept/",
        "/api/v1/work-orders/{id}/dispute/",
        "/api/v1/accounting-exports/",
        "/api/v1/margins/",
        "/api/v1/tickets/{id}/comments/",
    }


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    GENERATOR_STATS.reset()  # warnings are counted per process; count this generation only
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "pacta API"
    assert set(schema["paths"]) == _router_paths() | _extra_paths()


@pytest.mark.django_db(transaction=True)
def test_the_schema_is_public_and_lists_every_endpoint(live_server):
    response = httpx.get(f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
    paths = response.json()["paths"]

    missing = (_router_paths() | _extra_paths()) - set(paths)
    assert not missing, f"endpoints missing from the schema: {sorted(missing)}"
    assert set(paths) == _router_paths() | _extra_paths()
    assert {
        "/api/v1/customers/",
        "/api/v1/customers/{id}/",
        "/api/v1/users/",
        "/api/v1/contractors/{id}/",
        "/api/v1/me/",
        "/api/v1/auth/token/",
    } <= set(paths)
    assert set(paths["/api/v1/customers/{id}/"]) == {"get", "put", "patch", "delete"}
    assert set(paths["/api/v1/customers/"]) == {"get", "post"}
    assert set(paths["/api/v1/me/"]) == {"get", "patch"}
    assert set(paths["/api/v1/auth/token/"]) == {"post"}
    assert set(paths["/api/v1/audit-entries/{id}/"]) == {"get"}


@pytest.mark.django_db(transaction=True)
def test_the_schema_never_shows_a_password(live_server):
    schema = httpx.get(
        f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=60
    ).json()
    components = schema["components"]["schemas"]
    assert "password" not in components["User"]["properties"]
    assert components["UserRequest"]["properties"]["password"]["writeOnly"] is True


@pytest.mark.django_db(transaction=True)
def test_the_docs_page_is_public_html(live_server):
    response = httpx.get(f"{live_server.url}/api/docs/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "swagger-ui" in response.text
    assert "/api/schema/" in response.text
