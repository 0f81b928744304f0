from tests.support.fixtures import api  # noqa: F401
