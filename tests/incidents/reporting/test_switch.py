"""The school switches the public report form off and on from its settings page: administrators only,
each change recorded with who made it."""

import pytest
from django.test import Client

from incidents.models import AdministrationEvent, Concern

pytestmark = pytest.mark.django_db


def test_an_administrator_switches_the_form_off_and_the_change_is_recorded(client_for, administrator, school,
                                                                           post_report):
    client = client_for(administrator)
    assert "is\n      <strong>on" in client.get("/settings/").content.decode()
    # The box unticked (a browser sends the form's CSRF token, so the POST is never empty).
    response = client.post("/settings/reporting/", {"csrfmiddlewaretoken": "x"})
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.online_reporting is False
    event = AdministrationEvent.objects.get(action="rules_changed")
    assert event.by == administrator and event.data["changed"] == {"online_reporting": ["on", "off"]}
    assert school.history.first().history_user == administrator
    page = Client().get("/report/").content.decode()
    assert "<form" not in page and "Contact the school" in page
    post_report()
    assert not Concern.objects.exists()
    client.post("/settings/reporting/", {"online_reporting": "on"})
    school.refresh_from_db()
    assert school.online_reporting is True
    assert "<form" in Client().get("/report/").content.decode()


@pytest.mark.parametrize("role", ["office", "head", "lead", "governor"])
def test_only_an_administrator_may_switch_it(request, client_for, school, role):
    response = client_for(request.getfixturevalue(role)).post("/settings/reporting/", {"csrfmiddlewaretoken": "x"})
    assert response.status_code == 403
    school.refresh_from_db()
    assert school.online_reporting is True
