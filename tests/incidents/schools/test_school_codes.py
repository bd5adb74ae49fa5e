"""Each school's short code begins its case references, and two schools number their cases apart."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from incidents.administration.forms import SchoolProfileForm
from incidents.administration.services import school_settings_change, school_setup
from incidents.cases import services as case_services
from incidents.models import Case
from policies.models import School
from policies.selectors import school_code_suggested
from tests import factories

YEAR = 2026


def _open(school: School, by) -> Case:
    return case_services.case_open(school=school, by=by, title="Messages about a teacher",
                                   incident_date=datetime.date(YEAR, 10, 12))


@pytest.mark.django_db
def test_reference_carries_the_school_code_and_its_own_count(lead):
    hillside = factories.SchoolFactory(name="Hillside Primary School", code="HIL")
    oakfield = factories.SchoolFactory(name="Oakfield Academy", code="OAK")
    references = [_open(school, lead).reference for school in (hillside, oakfield, hillside, oakfield, oakfield)]
    assert references == [f"HIL-{YEAR}-0001", f"OAK-{YEAR}-0001", f"HIL-{YEAR}-0002", f"OAK-{YEAR}-0002",
                          f"OAK-{YEAR}-0003"]


@pytest.mark.django_db(transaction=True)
def test_two_schools_numbering_at_once_never_collide(needs_postgresql):
    """Four people opening cases at once in two schools (on PostgreSQL: SQLite lets one writer in at a time)."""
    schools = [factories.SchoolFactory(name="Hillside Primary School", code="HIL"),
               factories.SchoolFactory(name="Oakfield Academy", code="OAK")]
    by = factories.UserFactory()
    errors: list[Exception] = []
    start = threading.Barrier(4)

    def open_cases(school: School) -> None:
        try:
            start.wait(5)
            for _ in range(5):
                _open(school, by)
        except Exception as error:  # a clash would surface as an IntegrityError here
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_cases, args=(school,)) for school in schools * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    for school in schools:
        numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in
                         Case.objects.filter(school=school).values_list("reference", flat=True))
        assert numbers == list(range(1, 11))
        assert set(Case.objects.filter(school=school).values_list("reference", flat=True)) == {
            f"{school.code}-{YEAR}-{n:04d}" for n in range(1, 11)}


@pytest.mark.django_db
def test_suggested_code_comes_from_the_name_and_is_free():
    assert school_code_suggested(name="Hillside Primary") == "HIL"
    factories.SchoolFactory(name="Hillside Primary", code="HIL")
    assert school_code_suggested(name="Hill Top Academy") == "HIL2"
    assert school_code_suggested(name="3 Rivers School") == "RIV"


@pytest.mark.django_db
def test_setup_school_sets_the_code_it_is_given(capsys):
    call_command("setup_school", "--name", "Oakfield Academy", "--code", "oak", "--admin-email", "a@oak.example",
                 "--no-input")
    assert School.objects.get().code == "OAK"
    assert "OAK-" in capsys.readouterr().out


@pytest.mark.django_db
def test_setup_school_refuses_a_bad_code():
    with pytest.raises(ValidationError):
        school_setup(name="Elm School", admin_email="a@elm.example", code="1-bad")
    assert not School.objects.exists()


@pytest.mark.django_db
def test_code_cannot_change_once_the_school_has_cases(school, lead, administrator):
    assert school_settings_change(school=school, by=administrator, changes={"code": "HPS"}) is not None
    school.refresh_from_db()
    _open(school, lead)
    with pytest.raises(ValidationError):
        school_settings_change(school=school, by=administrator, changes={"code": "HPX"})
    school.refresh_from_db()
    assert school.code == "HPS" and Case.objects.get().reference.startswith("HPS-")


@pytest.mark.django_db
def test_profile_form_offers_the_code_until_the_school_has_cases(school, lead, administrator, client_for):
    assert not SchoolProfileForm(instance=school).fields["code"].disabled
    _open(school, lead)
    assert SchoolProfileForm(instance=school).fields["code"].disabled
    page = client_for(administrator).get("/settings/").content.decode()
    assert f"case references begin {school.code}-" in page
