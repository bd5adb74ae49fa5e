# Shared fixtures live in tests/conftest.py; PNG is kept importable from here.
import pytest

from incidents.decisions.selectors import cases_with_stale_response
from tests.factories import PNG  # noqa: F401


@pytest.fixture(autouse=True)
def _response_in_force_kept(request):
    """After every test that uses the database: each case's response in force (the column the case
    list reads) still says what its sanctions do, whatever services the test went through. A code
    path that changes a sanction without sanctions.case_response_refresh fails the test that takes it."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if "transactional_db" in names or "live_server" in names or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
    elif marker or "db" in names:
        request.getfixturevalue("db")
    else:
        yield
        return
    yield
    stale = cases_with_stale_response()
    assert not stale, f"the response in force was not kept up to date on {stale}"
