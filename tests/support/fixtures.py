"""Pytest fixtures for tests that run Django: a real HTTP client against a live server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from rest_framework.authtoken.models import Token


class Api:
    """An HTTP client for /api/v1/ as one user (or anonymous), over a real socket."""

    def __init__(self, base_url: str, token: str | None, headers: dict[str, str]) -> None:
        all_headers = {"Accept": "application/json", **headers}
        if token:
            all_headers["Authorization"] = f"Token {token}"
        self.client = httpx.Client(base_url=base_url, headers=all_headers, timeout=30)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.client.patch(path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.client.put(path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.delete(path, **kwargs)

    def close(self) -> None:
        self.client.close()


ApiFactory = Callable[..., Api]


@pytest.fixture
def api(live_server: Any) -> Iterator[ApiFactory]:
    """``api(user)`` -> a client authenticated with the user's token; ``api()`` -> anonymous."""
    clients: list[Api] = []

    def for_user(user: Any = None, **headers: str) -> Api:
        token = Token.objects.get_or_create(user=user)[0].key if user is not None else None
        client = Api(f"{live_server.url}/api/v1", token, headers)
        clients.append(client)
        return client

    yield for_user
    for client in clients:
        client.close()


def results(response: httpx.Response) -> list[dict[str, Any]]:
    """The rows of a paginated list response (asserting it succeeded)."""
    assert response.status_code == 200, response.text
    return response.json()["results"]


def ids_of(response: httpx.Response) -> set[int]:
    return {row["id"] for row in results(response)}
