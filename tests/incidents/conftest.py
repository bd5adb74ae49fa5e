# Shared fixtures live in tests/conftest.py; PNG is kept importable from here.
from tests.factories import PNG  # noqa: F401
