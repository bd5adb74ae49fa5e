import datetime

import pytest

from policies.models import Clause, Policy, PolicyVersion


@pytest.fixture
def policy(school):
    return Policy.objects.create(school=school, title="Code of conduct for parents' groups")


def make_version(policy, *, number, status=PolicyVersion.Status.DRAFT, adopted_on=None, superseded_on=None,
                 review_on=None, clauses=("Be kind in the group.",)):
    version = PolicyVersion.objects.create(
        policy=policy, number=number, status=status, adopted_on=adopted_on, superseded_on=superseded_on,
        review_on=review_on,
    )
    for position, text in enumerate(clauses, start=1):
        Clause.objects.create(version=version, number=f"1.{position}", kind=Clause.Kind.GUIDELINE, text=text,
                              position=position)
    return version


@pytest.fixture
def adopted_version(policy):
    return make_version(
        policy, number=1, status=PolicyVersion.Status.ADOPTED, adopted_on=datetime.date(2025, 9, 1),
        review_on=datetime.date(2026, 9, 1),
        clauses=("Do not raise grievances about named staff in the group.", "No politics, please."),
    )
