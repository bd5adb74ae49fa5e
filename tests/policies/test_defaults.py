import pytest
from django.core.management import call_command

from policies.defaults import load_defaults
from policies.models import Clause, LetterTemplate, LetterTemplateVersion, Policy, PolicyVersion, ResponseType, School


def test_load_defaults_gives_a_school_a_ladder_letters_and_adopted_policy(school):
    load_defaults(school=school)

    ladder = list(ResponseType.objects.filter(school=school).order_by("level"))
    assert [response.code for response in ladder] == [
        "nfa", "moderator_request", "warning", "meeting", "authorities", "legal_advice",
        "provisional_ban", "confirmed_ban", "ban_lifted",
    ]
    by_code = {response.code: response for response in ladder}
    assert by_code["confirmed_ban"].has_duration and not by_code["provisional_ban"].has_duration
    assert {code for code, r in by_code.items() if r.is_referral} == {"authorities", "legal_advice"}
    assert {code for code, r in by_code.items() if not r.needs_letter} == {"authorities", "legal_advice"}
    assert list(by_code["provisional_ban"].letter_templates.values_list("purpose", flat=True)) == ["provisional_ban"]

    assert set(LetterTemplate.objects.filter(school=school).values_list("purpose", flat=True)) == set(
        LetterTemplate.Purpose.values
    )
    assert LetterTemplateVersion.objects.filter(template__school=school, number=1).count() == 9

    version = PolicyVersion.objects.get(policy__school=school)
    assert version.status == PolicyVersion.Status.ADOPTED
    kinds = {kind: version.clauses.filter(kind=kind).count() for kind in Clause.Kind.values}
    assert kinds == {"guideline": 8, "expectation": 6, "inappropriate": 7}


def test_load_defaults_twice_changes_nothing(school):
    load_defaults(school=school)
    school.responses.filter(code="warning").update(name="Warning letter")
    assert load_defaults(school=school) == []
    assert school.responses.get(code="warning").name == "Warning letter"
    assert PolicyVersion.objects.count() == 1 and LetterTemplateVersion.objects.count() == 9


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_allowed")
def test_seed_demo_loads_the_default_policy_once(capsys):
    call_command("seed_demo")
    school = School.objects.get()
    assert Policy.objects.get(school=school).versions.get().status == PolicyVersion.Status.ADOPTED
    assert school.responses.count() == 9
    counts = (PolicyVersion.objects.count(), Clause.objects.count(), LetterTemplateVersion.objects.count())
    call_command("seed_demo")
    assert (PolicyVersion.objects.count(), Clause.objects.count(), LetterTemplateVersion.objects.count()) == counts
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_allowed")
def test_seed_demo_says_briefly_what_policy_data_it_created(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "9 letter templates, 9 rungs of the ladder, policy 'Code of conduct for parents' class groups" in out
