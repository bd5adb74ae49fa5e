"""A person in two schools: added by the second school's administrator, with roles per school; e-mails and
reminders go only to the staff of the case's own school."""

import pytest
from django.utils import timezone

from incidents.access.schools import members
from incidents.administration.services import user_invite
from incidents.cases import services as case_services
from incidents.models import Concern, Invitation, Notification
from incidents.notifications.deadlines import DeadlineContext
from incidents.notifications.services import case_notify
from incidents.roles import Role
from tests import factories
from tests.incidents.reporting.conftest import report_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def oakfield(school):
    return factories.SchoolFactory(name="Oakfield Academy", code="OAK")


def _staff(school, username: str, *roles: Role):
    user = factories.UserFactory(username=username)
    for role in roles:
        factories.give_role(user, role, school=school)
    return user


def test_inviting_a_colleague_from_another_school_adds_this_school_and_keeps_their_password(school, oakfield, office):
    oak_admin = _staff(oakfield, "oak-admin", Role.ADMIN)
    user = user_invite(email=office.email, first_name="Olivia", last_name="Okafor", roles=[Role.LEAD],
                       by=oak_admin.at(oakfield))
    assert user.pk == office.pk and user.check_password("pw")
    assert not Invitation.objects.filter(user=office).exists()  # no link: they sign in as ever
    assert office.at(school).role_names == {Role.OFFICE.value}
    assert office.at(oakfield).role_names == {Role.LEAD.value}
    assert list(members(oakfield, Role.LEAD)) == [office]


def test_a_concern_at_one_school_tells_only_that_schools_leads(school, oakfield, lead, office):
    oak_lead = _staff(oakfield, "oak-lead", Role.LEAD)
    oak_office = _staff(oakfield, "oak-office", Role.OFFICE)
    both = _staff(school, "both-lead", Role.LEAD)
    factories.give_role(both, Role.OFFICE, school=oakfield)  # a lead at Hillside, office staff at Oakfield
    concern = case_services.concern_log(
        school=oakfield, by=oak_office, received_at=timezone.now(), channel="whatsapp", description="A post.",
        parents=[factories.ParentFactory(school=oakfield)])
    Notification.objects.all().delete()
    sent = case_notify(case_id=concern.case_id, kind=Notification.Kind.CONCERN_LOGGED)
    assert {notification.recipient for notification in sent} == {oak_lead}


def test_reminders_of_a_school_go_to_its_own_staff(school, oakfield, head):
    oak_head = _staff(oakfield, "oak-head", Role.HEAD)
    today = timezone.localdate()
    assert DeadlineContext(school=oakfield, today=today).users(Role.HEAD) == (oak_head,)
    assert DeadlineContext(school=school, today=today).users(Role.HEAD) == (head,)


def test_each_school_has_its_own_report_form(school, oakfield, plain_client):
    response = plain_client.post(f"/report/{oakfield.code}/", report_data())
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.school == oakfield
    assert plain_client.get("/report/NOPE/").status_code == 404
    assert "Oakfield Academy" in plain_client.get(f"/report/{oakfield.code}/").content.decode()
