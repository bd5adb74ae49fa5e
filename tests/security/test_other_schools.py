"""Two schools in one installation: a school's staff get 404 on every URL of another school's case and
records (issue 25.1), whatever their roles at their own school (issue 25.3's matrix, for two schools).

The world is the permission matrix's (a case of Hillside with evidence, a chat, a letter, a decision, a
complaint, a reported concern, a colleague…); Oakfield's staff hold each role at Oakfield only.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse

from incidents.access.schools import SCHOOL_CHOSEN
from incidents.roles import Role
from tests import factories
from tests.security.test_permission_matrix import ALL_URLS, EXPECTED, PARENT_PAGE, _kwargs
from tests.security.test_permission_matrix import cast as cast  # noqa: F401 (fixtures used by `world`)
from tests.security.test_permission_matrix import world as world  # noqa: F401

ROLES = {"office": Role.OFFICE, "lead": Role.LEAD, "head": Role.HEAD, "dsl": Role.DSL, "governor": Role.GOVERNOR,
         "admin": Role.ADMIN}
# Addresses that name one of Hillside's objects (its case, or a record by its id); tokens and reset links
# name no school's object.
OBJECT_ARGUMENTS = {"reference", "pk", "file_pk", "version_pk", "policy_pk", "template_pk", "clause_pk"}
SCHOOL_OBJECT_URLS = [name for name, pattern in ALL_URLS.items()
                      if OBJECT_ARGUMENTS & set(pattern.pattern.converters)
                      and name not in {*PARENT_PAGE, "invitation_accept", "password_reset_confirm"}]


@pytest.fixture
def oakfield(world):
    """The second school (made after Hillside's world, so Hillside stays the installation's first)."""
    return factories.SchoolFactory(name="Oakfield Academy", code="OAK")


def _member_of(school, username: str, *roles: Role):
    user = factories.UserFactory(username=username, first_name="Otto", last_name=username.title())
    for role in roles:
        factories.give_role(user, role, school=school)
    return user


def test_the_walk_covers_every_case_url():
    case_urls = {name for name, pattern in ALL_URLS.items() if "reference" in pattern.pattern.converters}
    assert {"incidents:case_detail", "incidents:evidence_download", "incidents:chat_media",
            "incidents:case_access_log_csv"} <= case_urls <= set(SCHOOL_OBJECT_URLS)
    assert {"incidents:letter_pdf", "incidents:parent_detail", "incidents:user_detail",
            "incidents:reported_file_download", "policies:policy_version"} <= set(SCHOOL_OBJECT_URLS)


@pytest.mark.parametrize("role", ROLES)
def test_another_schools_staff_get_404_on_every_url_of_its_cases_and_records(role, oakfield, world, client):
    """What the same role gets on Hillside's own objects is in EXPECTED: where that is a 403 (the role may
    not use the page at all) a 403 is as good, since it tells nothing about the object; anything else
    must be a 404 for Oakfield's staff."""
    cache.clear()
    client.force_login(_member_of(oakfield, f"oak-{role}", ROLES[role]))
    wrong = []
    for name in SCHOOL_OBJECT_URLS:
        method, answers = EXPECTED[name]
        url = reverse(name, kwargs=_kwargs(ALL_URLS[name], world))
        response = client.get(url) if method == "GET" else client.post(url, {})
        allowed = {403, 404} if answers.get(role, answers["default"]) == 403 else {404}
        if response.status_code not in allowed:
            wrong.append(f"{method} {url}: expected {' or '.join(map(str, sorted(allowed)))}, "
                         f"got {response.status_code}")
    assert not wrong, f"Oakfield's {role}:\n" + "\n".join(wrong)


def test_someone_in_both_schools_sees_a_case_only_with_its_school_in_hand(oakfield, world, cast, client):
    """The Head Teacher of Hillside who is also office staff at Oakfield: with Oakfield in hand, Hillside's
    case is a 404 and their Head's powers are gone; switched back, it opens again."""
    head = cast["head"]
    factories.give_role(head, Role.OFFICE, school=oakfield)
    client.force_login(head)
    case_url = reverse("incidents:case_detail", args=[world["reference"]])
    assert client.get(case_url).status_code == 200
    page = client.get(reverse("incidents:home")).content.decode()
    assert 'data-testid="school-switcher"' in page and "Oakfield Academy" in page

    response = client.post(reverse("school_switch"), {"school": oakfield.pk, "next": case_url})
    assert response.status_code == 302 and response["Location"] == reverse("incidents:home")
    assert client.session[SCHOOL_CHOSEN] == oakfield.pk
    assert client.get(case_url).status_code == 404
    assert client.get(reverse("incidents:decision_create", args=[world["reference"]])).status_code == 403
    assert world["reference"] not in client.get(reverse("incidents:case_list")).content.decode()

    hillside = factories.SchoolFactory(name="Hillside Primary School")
    client.post(reverse("school_switch"), {"school": hillside.pk})
    assert client.get(case_url).status_code == 200


def test_a_school_one_is_not_a_member_of_cannot_be_chosen(oakfield, world, cast, client):
    client.force_login(cast["head"])
    assert client.post(reverse("school_switch"), {"school": oakfield.pk}).status_code == 404
    # Nor kept from an earlier membership: the session's choice is checked again on every request.
    factories.give_role(cast["head"], Role.OFFICE, school=oakfield)
    client.post(reverse("school_switch"), {"school": oakfield.pk})
    cast["head"].memberships.filter(school=oakfield).delete()
    assert client.get(reverse("incidents:case_detail", args=[world["reference"]])).status_code == 200


def test_one_school_shows_no_switcher(world, cast, client):
    client.force_login(cast["head"])
    assert 'data-testid="school-switcher"' not in client.get(reverse("incidents:home")).content.decode()
