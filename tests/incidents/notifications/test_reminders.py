import datetime
import io

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.letters import services as letter_services
from incidents.models import Case, Letter, Notification
from incidents.records import services as record_services
from incidents.roles import Role
from policies.models import TermHoliday
from policies.selectors import SchoolDays, adopted_policy, school_days_after
from tests import factories
from tests.incidents.letters.letter_setup import realistic_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """run(today, dry_run=False) → the output of `manage.py send_reminders --today …`, with what it
    queues after commit carried out."""

    def send_reminders(today: datetime.date, *, dry_run: bool = False) -> str:
        out = io.StringIO()
        args = ["--today", today.isoformat()] + (["--dry-run"] if dry_run else [])
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", *args, stdout=out)
        return out.getvalue()

    return send_reminders


def _reminders_to(user):
    return Notification.objects.filter(recipient=user, kind=Notification.Kind.REMINDER)


@pytest.fixture
def waiting_case(case, lead):
    case_services.case_transition(case=case, to=Case.Status.INVESTIGATING, by=lead)
    case_services.case_transition(case=case, to=Case.Status.AWAITING_DECISION, by=lead, step="recommendation")
    return case


def test_reminders_school_days_agree_with_the_policy_calendar(school):
    TermHoliday.objects.create(school=school, name="Half term", starts_on=datetime.date(2026, 2, 16),
                               ends_on=datetime.date(2026, 2, 20))
    calendar = SchoolDays(school, datetime.date(2026, 1, 1))
    for start in [datetime.date(2026, 2, 12), datetime.date(2026, 2, 13), datetime.date(2026, 3, 6)]:
        for days in (1, 2, 5, 10):
            assert calendar.after(start, days) == school_days_after(school=school, start=start, days=days)


def test_reminders_decision_waiting_more_than_five_school_days_reminds_the_head_once(run,
        waiting_case, head, school):
    started = timezone.localdate()
    fifth = school_days_after(school=school, start=started, days=5)
    sixth = school_days_after(school=school, start=started, days=6)
    run(fifth)
    assert not _reminders_to(head).exists()
    assert "1 reminder(s)" in run(sixth)
    [message] = [m for m in mail.outbox if head.email in m.to]
    assert message.subject.startswith("Reminder: A case has been waiting for a decision")
    assert waiting_case.reference in message.subject
    assert "0 reminder(s)" in run(sixth)
    assert "0 reminder(s)" in run(sixth + datetime.timedelta(days=3))
    assert _reminders_to(head).count() == 1


def test_reminders_dry_run_prints_what_it_would_send_and_records_nothing(run, waiting_case, head, school):
    sixth = school_days_after(school=school, start=timezone.localdate(), days=6)
    output = run(sixth, dry_run=True)
    assert "would remind head: A case has been waiting for a decision" in output
    assert waiting_case.reference in output
    assert not Notification.objects.filter(kind=Notification.Kind.REMINDER).exists()
    assert not mail.outbox


def test_reminders_subject_access_request_a_week_before_and_when_overdue(run, head, parent, school):
    request = record_services.subject_access_request_record(parent=parent, received_on=datetime.date(2026, 3, 2),
                                                            by=head)
    assert request.due_on == datetime.date(2026, 4, 2)
    assert "0 reminder(s)" in run(datetime.date(2026, 3, 25))
    assert "1 reminder(s)" in run(datetime.date(2026, 3, 26))
    assert "0 reminder(s)" in run(datetime.date(2026, 4, 2))
    assert "1 reminder(s)" in run(datetime.date(2026, 4, 3))
    subjects = list(_reminders_to(head).values_list("subject", flat=True))
    assert subjects == ["Reminder: A subject access request must be answered"] * 2
    assert not [s for s in subjects if parent.last_name in s]


def test_reminders_policy_review_goes_to_the_head_and_administrators(run, school, head, administrator, lead):
    from policies.defaults import load_defaults

    load_defaults(school=school, today=datetime.date(2025, 9, 1))
    review_on = adopted_policy(school=school).review_on
    run(review_on - datetime.timedelta(days=31))
    assert not Notification.objects.exists()
    run(review_on - datetime.timedelta(days=30))
    assert _reminders_to(head).count() == 1 and _reminders_to(administrator).count() == 1
    assert not _reminders_to(lead).exists()
    run(review_on + datetime.timedelta(days=1))
    assert _reminders_to(head).count() == 2  # and again once the date has passed


def test_reminders_approved_letter_not_issued_reminds_office_staff_who_can_see_it(run, school, office, lead, head):
    case, parent = realistic_case(school=school, office=office, lead=lead)
    stranger = factories.UserFactory(username="office2", role=Role.OFFICE)
    letter = letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=parent)
    letter_services.letter_render_pdf(letter_id=letter.pk)  # approved as its PDF reads
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    approved_on = timezone.localdate()
    run(school_days_after(school=school, start=approved_on, days=2))
    assert not _reminders_to(office).exists()
    run(school_days_after(school=school, start=approved_on, days=3))
    [reminder] = _reminders_to(office)
    assert "approved letter has not been issued" in reminder.subject
    assert reminder.link.endswith(f"/letters/{letter.pk}/")
    assert not _reminders_to(stranger).exists()


def test_reminders_digest_users_get_their_reminders_in_the_daily_digest(run, waiting_case, head, school):
    head.notification_mode = "digest"
    head.save()
    run(school_days_after(school=school, start=timezone.localdate(), days=6))
    [message] = [m for m in mail.outbox if head.email in m.to]
    assert "1 notification" in message.subject and waiting_case.reference in message.body
    assert _reminders_to(head).get().state == Notification.State.SENT


def test_reminders_daily_job_is_scheduled_for_seven_in_the_morning():
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["daily-reminders"]
    assert entry["task"] == "incidents.notifications.tasks.daily_reminders"
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}
    assert settings.CELERY_TIMEZONE == "Europe/London"


def test_reminders_daily_task_runs_the_same_job(waiting_case, head, school):
    from incidents.notifications.tasks import daily_reminders

    sixth = school_days_after(school=school, start=timezone.localdate(), days=6)
    assert daily_reminders.delay(sixth.isoformat()).get() == {"reminders": 1, "digests": 0}


def test_reminders_a_bad_date_is_refused_plainly():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today must be a date"):
        call_command("send_reminders", "--today", "tomorrow")


def test_reminders_two_beats_queueing_the_daily_reminders_send_them_once(waiting_case, head, school):
    from incidents.notifications.tasks import daily_reminders

    sixth = school_days_after(school=school, start=timezone.localdate(), days=6).isoformat()
    first = daily_reminders.delay(sixth).get()
    sent = Notification.objects.count()
    second = daily_reminders.delay(sixth).get()
    assert first == {"reminders": 1, "digests": 0}
    assert second == {"skipped": f"already run for {sixth}"}
    assert Notification.objects.count() == sent


def test_reminders_the_next_day_is_a_new_slot(waiting_case, head, school):
    from incidents.notifications.tasks import daily_reminders

    sixth = school_days_after(school=school, start=timezone.localdate(), days=6)
    daily_reminders.delay(sixth.isoformat()).get()
    seventh = school_days_after(school=school, start=sixth, days=1).isoformat()
    assert "skipped" not in daily_reminders.delay(seventh).get()
