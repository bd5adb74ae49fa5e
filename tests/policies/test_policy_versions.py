import datetime

import pytest
from django.core.exceptions import ValidationError

from policies.models import Clause, PolicyVersion
from policies.selectors import adopted_policy, policy_version_in_force
from policies.services import clause_update, policy_version_adopt, policy_version_new_draft, policy_version_update
from tests.policies.conftest import make_version

Status = PolicyVersion.Status


def test_policy_version_adopted_cannot_be_edited(adopted_version, administrator):
    with pytest.raises(ValidationError, match="is adopted and cannot be changed"):
        policy_version_update(version=adopted_version, by=administrator, text="Something else")
    clause = adopted_version.clauses.first()
    with pytest.raises(ValidationError, match="Make a new draft version"):
        clause_update(clause=clause, by=administrator, number="1.1", kind=Clause.Kind.GUIDELINE, text="Changed")
    clause.refresh_from_db()
    assert clause.text == "Do not raise grievances about named staff in the group."


def test_policy_version_new_draft_copies_clauses_and_can_be_changed(adopted_version, policy, administrator):
    draft = policy_version_new_draft(policy=policy, by=administrator)

    assert (draft.number, draft.status) == (2, Status.DRAFT)
    assert list(draft.clauses.values_list("number", "text")) == list(
        adopted_version.clauses.values_list("number", "text")
    )
    clause_update(clause=draft.clauses.first(), by=administrator, number="1.1", kind=Clause.Kind.GUIDELINE,
                  text="Do not complain about named staff in the group.")
    # The adopted version is untouched by changes to the draft.
    assert adopted_version.clauses.first().text == "Do not raise grievances about named staff in the group."


def test_policy_version_new_draft_refused_while_a_draft_exists(adopted_version, policy):
    policy_version_new_draft(policy=policy, by=None)
    with pytest.raises(ValidationError, match="already a draft"):
        policy_version_new_draft(policy=policy, by=None)


def test_policy_version_adopt_supersedes_the_previous_version(adopted_version, policy, administrator):
    draft = policy_version_new_draft(policy=policy, by=administrator)
    policy_version_adopt(version=draft, by=administrator, adopted_on=datetime.date(2026, 9, 1))

    adopted_version.refresh_from_db()
    draft.refresh_from_db()
    assert (adopted_version.status, adopted_version.superseded_on) == (Status.SUPERSEDED, datetime.date(2026, 9, 1))
    assert (draft.status, draft.adopted_on, draft.review_on) == (
        Status.ADOPTED, datetime.date(2026, 9, 1), datetime.date(2027, 9, 1)
    )
    assert adopted_policy(school=policy.school) == draft
    with pytest.raises(ValidationError):
        policy_version_adopt(version=draft, by=administrator, adopted_on=datetime.date(2026, 10, 1))


def test_policy_version_adopt_refuses_a_date_before_the_version_in_force(adopted_version, policy):
    draft = policy_version_new_draft(policy=policy, by=None)
    with pytest.raises(ValidationError, match="cannot be adopted before"):
        policy_version_adopt(version=draft, by=None, adopted_on=datetime.date(2025, 1, 1))


def test_policy_version_in_force_picks_the_version_by_date(policy):
    first = make_version(policy, number=1, status=Status.SUPERSEDED, adopted_on=datetime.date(2024, 9, 1),
                         superseded_on=datetime.date(2025, 9, 1))
    second = make_version(policy, number=2, status=Status.ADOPTED, adopted_on=datetime.date(2025, 9, 1))
    make_version(policy, number=3)  # a draft is never in force
    school = policy.school

    assert policy_version_in_force(school=school, on=datetime.date(2024, 8, 31)) is None
    assert policy_version_in_force(school=school, on=datetime.date(2024, 9, 1)) == first
    assert policy_version_in_force(school=school, on=datetime.date(2025, 8, 31)) == first
    assert policy_version_in_force(school=school, on=datetime.date(2025, 9, 1)) == second
    assert policy_version_in_force(school=school, on=datetime.date(2030, 1, 1)) == second


def test_policy_version_adopted_on_29_february_is_reviewed_a_year_later(policy):
    draft = make_version(policy, number=1)
    policy_version_adopt(version=draft, by=None, adopted_on=datetime.date(2028, 2, 29))
    draft.refresh_from_db()
    assert draft.review_on == datetime.date(2029, 2, 28)
