"""The back office's pages as a signed-in manager (a real session through Django's client)."""

import pytest
from django.test import Client

from tests.support import make


@pytest.fixture
def manager():
    return make.user("manager")


@pytest.fixture
def client(manager):
    signed_in = Client()
    signed_in.force_login(manager)
    return signed_in
