"""`manage.py setup_school` prepares a new installation; `seed_demo` stays on development machines."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from incidents.administration.services import school_setup
from incidents.models import Case, Child, Parent, ParentGroup, User
from incidents.roles import Role
from policies.models import LetterTemplateVersion, PolicyVersion, ResponseType, School
from policies.selectors import policy_version_in_force

pytestmark = pytest.mark.django_db


def setup(*args) -> str:
    out = io.StringIO()
    call_command("setup_school", *args, stdout=out)
    return out.getvalue()


def test_setup_school_creates_the_school_its_defaults_and_an_administrator_and_no_demo_data():
    out = setup("--name", "St Anne's C of E Primary", "--admin-email", "Office@StAnnes.example", "--no-input")

    school = School.objects.get()
    assert school.name == "St Anne's C of E Primary"
    assert ResponseType.objects.filter(school=school).count() == 9
    assert LetterTemplateVersion.objects.filter(template__school=school).count() == 9
    version = PolicyVersion.objects.get(policy__school=school)
    assert version.status == PolicyVersion.Status.ADOPTED and version.clauses.exists()
    admin = User.objects.get()
    assert (admin.username, admin.email, admin.is_staff, admin.is_superuser) == (
        "office@stannes.example", "office@stannes.example", True, False)
    assert admin.has_role(Role.ADMIN) and not admin.has_usable_password()
    assert not (Case.objects.exists() or Parent.objects.exists() or Child.objects.exists()
                or ParentGroup.objects.exists())
    assert "No demo data was loaded." in out
    assert "changepassword" not in out and "/accounts/invitation/" in out


def test_setup_school_prints_a_one_time_link_that_lets_the_first_administrator_in():
    """Issue 22.6: the first administrator's way in is a one-time link, never a known password; run again,
    it prints a new link and the earlier one stops working."""
    first = re.search(r"https?://\S+(/accounts/invitation/\S+/)", setup(
        "--name", "Hillside Primary", "--admin-email", "head@hillside.example", "--no-input")).group(1)
    second = re.search(r"https?://\S+(/accounts/invitation/\S+/)", setup(
        "--name", "Hillside Primary", "--admin-email", "head@hillside.example", "--no-input")).group(1)
    assert first != second
    password = {"new_password1": "kettle-harbour-violet-7", "new_password2": "kettle-harbour-violet-7"}
    assert Client().post(first, password).status_code == 404
    assert Client().post(second, password)["Location"] == "/accounts/login/"
    admin = User.objects.get()
    assert admin.check_password("kettle-harbour-violet-7")
    assert Client().post(second, {**password, "new_password1": "x-other-password-8",
                                  "new_password2": "x-other-password-8"}).status_code == 404
    out = setup("--name", "Hillside Primary", "--admin-email", "head@hillside.example", "--no-input")
    assert "/accounts/invitation/" not in out  # they have a password now: no link to print
    browser = Client()
    browser.post("/accounts/login/", {"username": "head@hillside.example", "password": "kettle-harbour-violet-7"})
    assert browser.get("/settings/")["Location"] == "/accounts/two-factor/setup/"


def test_the_default_policy_is_in_force_for_incidents_earlier_in_the_school_year():
    setup_result = school_setup(name="Hillside", admin_email="a@b.example", today=datetime.date(2027, 2, 3))
    assert setup_result.policy_in_force_from == datetime.date(2026, 9, 1)
    assert policy_version_in_force(school=setup_result.school, on=datetime.date(2026, 10, 12)) is not None


def test_setup_school_asks_for_what_it_is_not_given(monkeypatch):
    answers = iter(["  Hillside   Primary ", "head@hillside.example"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    setup()
    assert School.objects.get().name == "Hillside Primary"
    assert User.objects.get().email == "head@hillside.example"


def test_setup_school_run_again_with_the_same_answers_changes_nothing():
    setup("--name", "Hillside Primary", "--admin-email", "head@hillside.example")
    counts = (School.objects.count(), User.objects.count(), PolicyVersion.objects.count(),
              LetterTemplateVersion.objects.count(), ResponseType.objects.count(), School.history.count())
    out = setup("--name", "hillside primary", "--admin-email", "HEAD@hillside.example")
    assert "already set up" in out and "nothing changed" in out
    assert (School.objects.count(), User.objects.count(), PolicyVersion.objects.count(),
            LetterTemplateVersion.objects.count(), ResponseType.objects.count(), School.history.count()) == counts


@pytest.mark.parametrize("name, email", [("Another School", "head@hillside.example"),
                                         ("Hillside Primary", "someone.else@hillside.example")])
def test_setup_school_refuses_an_installation_that_already_has_a_school(name, email):
    setup("--name", "Hillside Primary", "--admin-email", "head@hillside.example")
    with pytest.raises(CommandError, match="already has a school, 'Hillside Primary'"):
        setup("--name", name, "--admin-email", email)
    assert School.objects.get().name == "Hillside Primary" and User.objects.count() == 1


def test_setup_school_refuses_after_the_demo_school_was_loaded(demo_allowed):
    call_command("seed_demo", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already has a school"):
        setup("--name", "Hillside Primary School", "--admin-email", "new.admin@hillside.example")


@pytest.mark.parametrize("args, words", [
    (["--name", "  ", "--admin-email", "a@b.example"], "The school's name is empty."),
    (["--name", "Hillside", "--admin-email", "not an address"], "'not an address' is not an e-mail address."),
    (["--name", "x" * 201, "--admin-email", "a@b.example"], "longer than 200 characters"),
    (["--admin-email", "a@b.example", "--no-input"], "--name is needed with --no-input."),
])
def test_setup_school_refuses_bad_answers_plainly_and_creates_nothing(args, words):
    with pytest.raises(CommandError) as refused:
        setup(*args)
    assert words in str(refused.value)
    assert not School.objects.exists() and not User.objects.exists()


def test_an_existing_user_with_that_email_becomes_the_administrator_and_keeps_their_password():
    user = User.objects.create_user("mo", email="mo@hillside.example", password="their-own-password")
    out = setup("--name", "Hillside", "--admin-email", "mo@hillside.example")
    user.refresh_from_db()
    assert user.has_role(Role.ADMIN) and user.check_password("their-own-password")
    assert "changepassword" not in out


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only on a development machine"):
        call_command("seed_demo")
    assert not School.objects.exists() and not User.objects.exists()


def test_the_new_administrator_can_complete_the_profile_and_import_people(client_for):
    setup("--name", "Hillside", "--admin-email", "head@hillside.example")
    administrator = User.objects.get()
    school = School.objects.get()
    client = client_for(administrator)
    assert school.name == "Hillside"
    assert client.get("/policy/versions/").status_code == 200
    assert client.get("/people/import/").status_code == 200
    assert client.get("/policy/").status_code == 200


def test_setup_school_add_school_adds_a_second_school_with_its_own_defaults_and_administrator():
    setup("--name", "Hillside Primary", "--code", "HIL", "--admin-email", "head@hillside.example")
    out = setup("--name", "Oakfield Academy", "--code", "OAK", "--admin-email", "admin@oakfield.example",
                "--add-school")
    assert "OAK-" in out
    oak = School.objects.get(code="OAK")
    hil = School.objects.get(code="HIL")
    # Its own policy, ladder and letters, not a share of the first school's.
    assert PolicyVersion.objects.filter(policy__school=oak).exists()
    assert ResponseType.objects.filter(school=oak).count() == ResponseType.objects.filter(school=hil).count() > 0
    assert LetterTemplateVersion.objects.filter(template__school=oak).exists()
    # Its administrator is a member there only, and the first school's administrator gains nothing there.
    oak_admin = User.objects.get(username="admin@oakfield.example")
    assert set(oak_admin.memberships.values_list("school__code", flat=True)) == {"OAK"}
    assert set(User.objects.get(username="head@hillside.example").memberships
               .values_list("school__code", flat=True)) == {"HIL"}
    assert oak_admin.at(oak).has_role(Role.ADMIN) and not oak_admin.at(hil).has_role(Role.ADMIN)


def test_setup_school_add_school_run_again_changes_nothing_and_refuses_another_administrator():
    setup("--name", "Hillside Primary", "--admin-email", "head@hillside.example")
    setup("--name", "Oakfield Academy", "--admin-email", "admin@oakfield.example", "--add-school")
    counts = (School.objects.count(), User.objects.count(), PolicyVersion.objects.count())
    assert "nothing changed" in setup("--name", "oakfield academy", "--admin-email", "admin@oakfield.example",
                                      "--add-school")
    with pytest.raises(CommandError, match="already has a school called 'Oakfield Academy'"):
        setup("--name", "Oakfield Academy", "--admin-email", "someone@else.example", "--add-school")
    assert (School.objects.count(), User.objects.count(), PolicyVersion.objects.count()) == counts


def test_setup_school_add_school_gives_an_existing_user_a_second_school_and_keeps_their_password():
    setup("--name", "Hillside Primary", "--admin-email", "head@hillside.example")
    user = User.objects.get(username="head@hillside.example")
    user.set_password("a long enough passphrase")
    user.save()
    setup("--name", "Oakfield Academy", "--code", "OAK", "--admin-email", "head@hillside.example", "--add-school")
    user.refresh_from_db()
    assert user.check_password("a long enough passphrase")
    assert set(user.memberships.values_list("school__code", flat=True)) == {"HIL", "OAK"}


def test_setup_school_add_school_refuses_a_code_another_school_has():
    setup("--name", "Hillside Primary", "--code", "HIL", "--admin-email", "head@hillside.example")
    with pytest.raises(CommandError):
        setup("--name", "Hilltop Primary", "--code", "HIL", "--admin-email", "admin@hilltop.example", "--add-school")
    assert School.objects.count() == 1
