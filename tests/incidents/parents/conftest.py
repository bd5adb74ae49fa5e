import pytest
from django.core.cache import cache

from tests.incidents.parents.setup import emailed_ban_letter, page_path_in


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Bad-link counts and once-only form tokens live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ban_letter(school, office, lead, head, django_capture_on_commit_callbacks, mailoutbox):
    """(case, ban, letter, path): the provisional ban's letter e-mailed to Karl Dunn, and its page's path."""
    case, ban, letter = emailed_ban_letter(school=school, office=office, lead=lead, head=head,
                                           capture=django_capture_on_commit_callbacks)
    [message] = [m for m in mailoutbox if m.to == ["karl.dunn@parents.example"]]
    return case, ban, letter, page_path_in(message.body)
