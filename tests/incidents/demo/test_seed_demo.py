import pytest
from django.core.management import call_command

from incidents.chats import selectors as chat_selectors
from incidents.models import User
from incidents.roles import Role

EXPECTED = {
    "office": Role.OFFICE, "lead": Role.LEAD, "head": Role.HEAD,
    "dsl": Role.DSL, "governor": Role.GOVERNOR, "panel": Role.GOVERNOR, "admin": Role.ADMIN,
}


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_allowed")
def test_seed_demo_creates_one_user_per_role_with_the_demo_password(settings, capsys):
    settings.DEMO_PASSWORD = "a-demo-password"
    call_command("seed_demo")
    for username, role in EXPECTED.items():
        user = User.objects.get(username=username)
        assert user.check_password("a-demo-password"), username
        assert user.has_role(role)
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="head").is_superuser
    assert User.objects.get(username="governor").is_chair  # the chair the demo school's letters name
    assert not User.objects.get(username="panel").is_chair_of_governors
    assert "office" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_allowed")
def test_seed_demo_twice_changes_nothing(capsys):
    call_command("seed_demo")
    users_before = list(User.objects.order_by("pk").values_list("pk", "password"))
    call_command("seed_demo")
    assert list(User.objects.order_by("pk").values_list("pk", "password")) == users_before
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_allowed")
def test_seed_demo_imports_a_chat_with_two_marked_messages(capsys):
    from incidents.models import Case, ChatImport

    call_command("seed_demo")
    chat = ChatImport.objects.get()
    assert chat.status == "read" and "Karl Dunn" in chat.authors
    case = Case.objects.get(title="Abusive comments about a class teacher")
    quoted = chat_selectors.marked_messages_for(case, redact_others=True)
    assert [q["author"] for q in quoted] == ["Karl Dunn", "Karl Dunn"]
    assert quoted[1]["text"].startswith("[group member")
    call_command("seed_demo")
    assert ChatImport.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_allowed")
def test_demo_senior_users_can_sign_in_with_the_demo_code(capsys, plain_client):
    call_command("seed_demo")
    capsys.readouterr()
    head = User.objects.get(username="head")
    head.set_password("pw")
    head.save()
    plain_client.post("/accounts/login/", {"username": "head", "password": "pw"})
    call_command("demo_code", "head")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6
    assert plain_client.post("/accounts/two-factor/", {"code": code})["Location"] == "/"
    assert plain_client.get("/cases/").status_code == 200


@pytest.mark.django_db
def test_demo_code_refuses_a_user_without_a_demo_device(office):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no demo device"):
        call_command("demo_code", "office")


@pytest.mark.django_db
def test_seed_demo_gives_the_school_english_term_dates_for_two_years(capsys, demo_allowed):
    import datetime

    from policies.models import School
    from policies.selectors import school_days_after

    call_command("seed_demo")
    school = School.objects.get()
    assert school.nation == School.Nation.ENGLAND_AND_WALES
    names = set(school.holidays.values_list("name", flat=True))
    assert {"October half term 2026", "Christmas holiday 2026", "Easter holiday 2027", "Summer holiday 2028"} <= names
    assert school_days_after(school=school, start=datetime.date(2026, 12, 18), days=10) == datetime.date(2027, 1, 15)
    assert "term dates" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_allowed")
def test_seed_demo_spreads_cases_over_two_school_years_like_a_real_school(capsys):
    """Opened over more than 300 days, decided days or weeks later (a median above 0), some open and
    some closed, a provisional ban whose deadline is to come; every record's own timestamps agree
    with the story (the case's first history entry and first event on the day it was opened, no event
    after now, none before the case began)."""
    import datetime

    from django.utils import timezone

    from incidents.models import Case, Sanction
    from incidents.reports import statistics

    call_command("seed_demo")
    now = timezone.now()
    cases = Case.objects.all()
    opened = sorted(cases.values_list("opened_at", flat=True))
    assert (opened[-1] - opened[0]).days > 300
    months = [count for _, count in statistics.cases_per_month(cases, today=timezone.localdate(), months=24) if count]
    assert len(months) >= 10, "cases fall in many months, not one"
    assert statistics.median_days_to_decision(cases) > 0
    statuses = set(cases.values_list("status", flat=True))
    Status = Case.Status
    assert {Status.NEW, Status.CLOSED, Status.AWAITING_DECISION, Status.SANCTION_IN_FORCE} <= statuses
    provisional = Sanction.objects.get(kind=Sanction.Kind.BAN, state=Sanction.State.PROVISIONAL)
    assert provisional.representations_due > timezone.localdate()
    for case in cases:
        first_history = case.history.order_by("history_date").first().history_date
        assert abs(first_history - case.opened_at) < datetime.timedelta(minutes=1), case.reference
        began = min([case.opened_at, *case.concerns.values_list("received_at", flat=True)])
        events = list(case.events.values_list("at", flat=True))
        assert all(began - datetime.timedelta(minutes=1) <= at <= now for at in events), case.reference
        for decision in case.decisions.all():
            assert case.opened_at < decision.decided_at <= now
    # Idempotent: a second run adds nothing and moves nothing.
    before = list(cases.order_by("pk").values_list("pk", "opened_at", "status"))
    call_command("seed_demo")
    assert list(Case.objects.order_by("pk").values_list("pk", "opened_at", "status")) == before


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_allowed")
def test_seed_demo_has_an_anonymous_raiser_on_a_case_with_issued_letters(capsys, client_for):
    from incidents.models import Concern, Letter

    call_command("seed_demo")
    concern = Concern.objects.get(raised_anonymously=True, raised_by_name="Joanna Pryce")
    assert concern.raised_by_contact == "07700 900461"
    letters = Letter.objects.filter(case=concern.case, status=Letter.Status.ISSUED)
    assert letters.exists()
    for letter in letters:
        assert "Pryce" not in letter.html and "900461" not in letter.html
    page = client_for(User.objects.get(username="lead")).get(concern.case.get_absolute_url()).content.decode()
    assert "Joanna Pryce" in page and "07700 900461" in page
    assert "Confidential: not to be disclosed to the parent" in page
