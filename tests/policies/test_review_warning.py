import datetime

import pytest

from policies.models import PolicyVersion
from policies.selectors import policy_review_warning
from tests.policies.conftest import make_version

TODAY = datetime.date.today()


@pytest.fixture
def adopted_with_review(policy):
    def make(review_on):
        return make_version(policy, number=1, status=PolicyVersion.Status.ADOPTED,
                            adopted_on=TODAY - datetime.timedelta(days=300), review_on=review_on)
    return make


def test_review_warning_when_review_is_within_30_days(adopted_with_review, school):
    adopted_with_review(datetime.date(2026, 4, 20))
    warning = policy_review_warning(school=school, today=datetime.date(2026, 3, 31))
    assert warning == "“Code of conduct for parents' groups” is due for review on 20 April 2026, in 20 days."


def test_review_warning_when_review_is_past(adopted_with_review, school):
    adopted_with_review(datetime.date(2026, 3, 1))
    warning = policy_review_warning(school=school, today=datetime.date(2026, 3, 31))
    assert "review date of “Code of conduct for parents' groups” (1 March 2026) has passed" in warning


def test_review_warning_is_none_when_review_is_far_off(adopted_with_review, school):
    adopted_with_review(datetime.date(2026, 5, 1))
    assert policy_review_warning(school=school, today=datetime.date(2026, 3, 31)) is None


def test_home_page_shows_the_review_warning(adopted_with_review, client_for, head):
    adopted_with_review(TODAY + datetime.timedelta(days=10))
    html = client_for(head).get("/").content.decode()
    assert 'data-testid="policy-review-warning"' in html
    assert "in 10 days" in html


def test_home_page_shows_past_review_warning(adopted_with_review, client_for, office):
    adopted_with_review(TODAY - datetime.timedelta(days=1))
    assert "has passed" in client_for(office).get("/").content.decode()


def test_home_page_has_no_warning_when_review_is_far_off(adopted_with_review, client_for, office):
    adopted_with_review(TODAY + datetime.timedelta(days=200))
    assert "policy-review-warning" not in client_for(office).get("/").content.decode()
