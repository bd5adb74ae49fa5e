"""The chair of governors sees the ban cases under review with the Head Teacher, and records taking
part in a review; other governors see only what is referred to them. Every other case is a 404 with
the school's own page."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.access.visibility import cases_visible_to
from incidents.cases import services as case_services
from incidents.decisions import ban as ban_process
from incidents.decisions import sanctions
from incidents.models import Case, CaseEvent, ReviewParticipation, Sanction
from policies.models import ResponseType
from tests import factories

pytestmark = pytest.mark.django_db
State = Sanction.State
TODAY = timezone.localdate()
NOT_FOUND_PAGE = "There is nothing here"  # templates/404.html: the school's page, not Django's debug page


@pytest.fixture
def ban(school, lead, head):
    case, _ = factories.decided_case(school=school, lead=lead, head=head, codes=[ResponseType.Code.PROVISIONAL_BAN])
    return case.sanctions.get()


def _provisional(ban, by):
    return sanctions.sanction_transition(sanction=ban, to=State.PROVISIONAL, by=by, details={
        "reasons": "Threatened the deputy head at the gate.", "conditions": "Side gate only.", "starts_on": TODAY})


def _confirmed(ban, lead, head):
    _provisional(ban, lead)
    ban_process.representation_record(sanction=ban, by=lead, received_on=TODAY, text="I am sorry.")
    return sanctions.sanction_transition(sanction=ban, to=State.CONFIRMED, by=head, details={
        "ends_on": TODAY + datetime.timedelta(days=90), "review_on": TODAY + datetime.timedelta(days=30),
        "with_chair": True})


def _sees(user, case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def test_chair_sees_a_ban_case_only_while_the_ban_is_under_review(ban, lead, head, chair, governor):
    case = ban.case
    assert not _sees(chair, case)  # decided, but no ban issued yet
    _provisional(ban, lead)
    assert _sees(chair, case) and not _sees(governor, case)  # an ordinary governor: not referred
    ban_process.representation_record(sanction=ban, by=lead, received_on=TODAY, text="I am sorry.")
    assert _sees(chair, case)
    sanctions.sanction_transition(sanction=ban, to=State.LIFTED, by=head, details={"reasons": "No repeat."})
    assert _sees(chair, case)  # until closed: the chair may record taking part in that last review
    case_services.case_transition(case=case, to=Case.Status.CLOSED, by=head, reason="Ban lifted.")
    assert not _sees(chair, case)


def test_chair_flag_without_the_governor_role_shows_nothing(ban, lead, office):
    _provisional(ban, lead)
    office.is_chair_of_governors = True
    office.save()
    assert not _sees(office, ban.case)


def test_chair_does_not_see_a_restricted_or_a_non_ban_case(ban, lead, head, chair, school):
    _provisional(ban, lead)
    case_services.case_set_restricted(case=ban.case, by=head, restricted=True, reason="A member of staff's family.")
    assert not _sees(chair, ban.case)
    warning_case, _ = factories.decided_case(school=school, lead=lead, head=head)
    assert not _sees(chair, warning_case)


def test_chair_sees_the_ban_case_page_and_the_list(ban, lead, chair, client_for):
    _provisional(ban, lead)
    client = client_for(chair)
    page = client.get(ban.case.get_absolute_url())
    assert page.status_code == 200 and "Threatened the deputy head" in page.content.decode()
    assert ban.case.reference in client.get("/cases/").content.decode()
    home = client.get("/").content.decode()
    assert "Bans you review with the Head Teacher" in home and ban.case.reference in home


@pytest.mark.parametrize("how", ["warning", "closed", "guessed"])
def test_chair_and_governors_get_the_schools_404_for_any_other_case(how, ban, lead, head, chair, governor, school,
                                                                    client_for, log_concern):
    _provisional(ban, lead)
    if how == "warning":
        reference = factories.decided_case(school=school, lead=lead, head=head)[0].reference
    elif how == "closed":
        sanctions.sanction_transition(sanction=ban, to=State.LIFTED, by=head, details={"reasons": "No repeat."})
        case_services.case_transition(case=ban.case, to=Case.Status.CLOSED, by=head, reason="Ban lifted.")
        reference = ban.case.reference
    else:  # a new case, whose reference follows the ban case's: as someone guessing would try
        reference = log_concern().case.reference
    for user in (chair, governor):
        response = client_for(user).get(f"/cases/{reference}/")
        assert response.status_code == 404, (how, user)
        body = response.content.decode()
        assert NOT_FOUND_PAGE in body and "Traceback" not in body and "URLconf" not in body


def test_chair_records_taking_part_in_the_review(ban, lead, head, chair, client_for):
    step = _confirmed(ban, lead, head)
    client = client_for(chair)
    assert "I took part in this review" in client.get(ban.case.get_absolute_url()).content.decode()
    response = client.post(f"/cases/{ban.case.reference}/sanctions/{ban.pk}/review-attended/",
                           {"step": step.pk, "note": "Read the representations with the Head."})
    assert response.status_code == 302
    took_part = ReviewParticipation.objects.get()
    assert (took_part.step, took_part.user, took_part.note) == (step, chair, "Read the representations with the Head.")
    assert ban.case.events.filter(kind=CaseEvent.Kind.SANCTION, actor=chair,
                                  summary__contains="took part in the review").exists()
    page = client.get(ban.case.get_absolute_url()).content.decode()
    assert "recorded taking part in this review" in page and "I took part in this review" not in page
    with pytest.raises(ValidationError, match="already recorded"):
        ban_process.ban_review_participation_record(step=step, by=chair)


def test_only_the_chair_records_taking_part_and_only_in_a_review(ban, lead, head, chair, governor, client_for):
    step = _confirmed(ban, lead, head)
    provisional_step = ban.steps.get(to_state=State.PROVISIONAL)
    for someone in (head, lead, governor):
        with pytest.raises(PermissionDenied):
            ban_process.ban_review_participation_record(step=step, by=someone)
    with pytest.raises(PermissionDenied):  # issuing the provisional ban is not a review
        ban_process.ban_review_participation_record(step=provisional_step, by=chair)
    url = f"/cases/{ban.case.reference}/sanctions/{ban.pk}/review-attended/"
    assert client_for(head).post(url, {"step": step.pk}).status_code == 403
    assert client_for(governor).post(url, {"step": step.pk}).status_code == 404  # not referred: unseen
    assert not ReviewParticipation.objects.exists()


def test_chair_cannot_take_the_heads_review_steps(ban, lead, chair, client_for):
    _provisional(ban, lead)
    ban_process.representation_record(sanction=ban, by=lead, received_on=TODAY, text="I am sorry.")
    client = client_for(chair)
    for to in ("confirmed", "lifted", "varied"):
        assert client.get(f"/cases/{ban.case.reference}/sanctions/{ban.pk}/{to}/").status_code == 403
    ban.refresh_from_db()
    assert ban.state == State.REPRESENTATIONS
