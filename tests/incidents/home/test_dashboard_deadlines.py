"""The home page's deadlines at any number of cases: the nearest ten a person may see,
soonest first, "And N more" linking to the full list; the daily reminders still find every one."""

import datetime
import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.home import dashboard
from incidents.models import Case, CaseEvent
from incidents.notifications import deadlines, reminders
from incidents.records import services as record_services
from incidents.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db
Status = Case.Status


def _waiting(case, lead, *, weeks_ago=0):
    """The case awaits a decision, since `weeks_ago` weeks (same weekday: each its own due date)."""
    case_services.case_transition(case=case, to=Status.INVESTIGATING, by=lead)
    case_services.case_transition(case=case, to=Status.AWAITING_DECISION, by=lead, step="recommendation")
    if weeks_ago:
        since = timezone.now() - datetime.timedelta(weeks=weeks_ago)
        Case.objects.filter(pk=case.pk).update(status_changed_at=since)
    return case


def _deadline_links(page: str) -> list[str]:
    """The links of the deadlines list, top to bottom."""
    listed = page.split('data-testid="deadlines"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="([^"]+)">', listed)


def _more(page: str) -> str:
    found = re.search(r'data-testid="deadlines-more">(.*?)</p>', page, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def test_home_shows_the_ten_nearest_deadlines_and_how_many_more(client_for, log_concern, lead, head):
    cases = [_waiting(log_concern().case, lead, weeks_ago=weeks) for weeks in range(1, 13)]
    client = client_for(head)
    page = client.get("/").content.decode()
    links = _deadline_links(page)
    longest_waiting_first = [case.get_absolute_url() for case in reversed(cases)]
    assert links == longest_waiting_first[:dashboard.DEADLINES_SHOWN]
    assert _more(page) == "And 2 more"
    assert 'href="/deadlines/">And 2 more' in page

    full = client.get("/deadlines/").content.decode()
    assert _deadline_links(full) == longest_waiting_first
    assert _more(full) == ""


def test_home_counts_the_rest_only_up_to_a_cap(client_for, log_concern, lead, head, monkeypatch):
    monkeypatch.setattr(deadlines, "COUNT_CAP", 1)
    for weeks in range(1, 13):
        _waiting(log_concern().case, lead, weeks_ago=weeks)
    page = client_for(head).get("/").content.decode()
    assert len(_deadline_links(page)) == dashboard.DEADLINES_SHOWN
    assert _more(page) == "And 1+ more"


def test_home_deadlines_are_soonest_first_across_sources(client_for, log_concern, lead, head, parent):
    overdue = _waiting(log_concern().case, lead, weeks_ago=3)
    recent = _waiting(log_concern().case, lead)  # due in five school days
    today = timezone.localdate()
    record_services.subject_access_request_record(parent=parent, received_on=today - datetime.timedelta(days=29),
                                                  by=head)
    links = _deadline_links(client_for(head).get("/").content.decode())
    assert links == [overdue.get_absolute_url(), "/privacy/requests/", recent.get_absolute_url()]


def test_office_never_sees_a_deadline_or_a_count_of_a_case_they_cannot_see(client_for, log_concern, lead, office):
    theirs = [_waiting(log_concern().case, lead, weeks_ago=weeks) for weeks in range(1, 13)]
    colleague = factories.UserFactory(username="office2", role=Role.OFFICE)
    own = _waiting(log_concern(by=colleague).case, lead, weeks_ago=20)  # the longest waiting of all

    page = client_for(colleague).get("/").content.decode()
    assert _deadline_links(page) == [own.get_absolute_url()]
    assert _more(page) == ""
    assert _deadline_links(client_for(colleague).get("/deadlines/").content.decode()) == [own.get_absolute_url()]

    page = client_for(office).get("/").content.decode()
    assert own.get_absolute_url() not in page
    assert _deadline_links(page) == [case.get_absolute_url() for case in reversed(theirs)][:10]
    assert _more(page) == "And 2 more"


def test_the_daily_reminders_still_find_every_decision_waiting(school, log_concern, lead, head):
    cases = [_waiting(log_concern().case, lead, weeks_ago=2) for _ in range(dashboard.DEADLINES_SHOWN + 3)]
    planned = reminders.reminders_due(school=school, today=timezone.localdate())
    reminded = {plan.deadline.case.pk for plan in planned
                if plan.recipient == head and plan.key.startswith("decision:")}
    assert reminded == {case.pk for case in cases}


def test_a_status_change_records_when_the_case_entered_its_status(case, lead):
    case_services.case_transition(case=case, to=Status.INVESTIGATING, by=lead)
    event = case.events.filter(kind=CaseEvent.Kind.STATUS).latest("id")
    assert case.status_changed_at == event.at


def test_the_migration_dates_each_case_by_its_last_status_event_or_its_opening(case, lead, log_concern):
    case_services.case_transition(case=case, to=Status.INVESTIGATING, by=lead)
    last = case.events.filter(kind=CaseEvent.Kind.STATUS).latest("id").at
    untouched = log_concern().case
    Case.objects.update(status_changed_at=timezone.now() + datetime.timedelta(days=1))

    migration = importlib.import_module("incidents.migrations.0013_home_page_reads")
    migration.backfill_from_the_timeline(apps, None)

    assert Case.objects.get(pk=case.pk).status_changed_at == last
    untouched.refresh_from_db()
    assert untouched.status_changed_at == untouched.opened_at
