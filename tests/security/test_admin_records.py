"""Django's admin: no restricted case's records for anyone but the Head Teacher, no authenticator
secrets for anyone, and every look at a case's records written to that case's access log."""

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.cases import services as case_services
from incidents.models import CaseAccess, Sanction
from tests import factories

pytestmark = pytest.mark.django_db

REASONS = "The posts named a teacher."


@pytest.fixture
def decided(school, lead, head):
    case, decision = factories.decided_case(school=school, lead=lead, head=head)
    return case, decision


@pytest.fixture
def restricted(decided, head):
    case, decision = decided
    case_services.case_set_restricted(case=case, by=head, restricted=True, reason="A relative of staff")
    return case, decision


@pytest.fixture
def staff_head(head):
    """A Head Teacher who is also a superuser: the admin is for superusers only."""
    head.is_staff = head.is_superuser = True
    head.save()
    return head


def _pages(decision) -> list[str]:
    sanction = Sanction.objects.filter(decision=decision).first()
    pages = [
        "/admin/incidents/decision/", f"/admin/incidents/decision/{decision.pk}/change/",
        f"/admin/incidents/decision/{decision.pk}/history/",
        f"/admin/incidents/decision/{decision.pk}/history/{decision.history.first().history_id}/",
    ]
    if sanction:
        pages += ["/admin/incidents/sanction/", f"/admin/incidents/sanction/{sanction.pk}/change/",
                  f"/admin/incidents/sanction/{sanction.pk}/history/"]
    return pages


@pytest.mark.parametrize("who", ["superuser", "administrator"])
def test_no_admin_but_the_head_sees_a_restricted_case_records(restricted, who, request, client_for):
    case, decision = restricted
    client = client_for(request.getfixturevalue(who))
    for url in _pages(decision):
        response = client.get(url)
        assert response.status_code in (200, 403, 404), url
        assert REASONS not in response.content.decode(), url
        assert case.reference not in response.content.decode(), url
    listed = client.get("/admin/incidents/decision/")
    if listed.status_code == 200:
        assert "0 decisions" in listed.content.decode()


def test_an_assigned_lead_with_admin_access_does_not_read_a_restricted_case_there(restricted, lead, client_for):
    _, decision = restricted
    lead.is_staff = True
    lead.save()
    client = client_for(lead)
    assert client.get(f"/admin/incidents/decision/{decision.pk}/change/").status_code in (403, 404)


def test_the_head_reads_a_restricted_case_records_and_each_look_is_logged(restricted, staff_head, client_for):
    case, decision = restricted
    client = client_for(staff_head)
    response = client.get(f"/admin/incidents/decision/{decision.pk}/change/")
    assert response.status_code == 200 and REASONS in response.content.decode()
    assert client.get("/admin/incidents/decision/").status_code == 200
    assert client.get(f"/admin/incidents/decision/{decision.pk}/history/").status_code == 200
    logged = CaseAccess.objects.filter(case=case, user=staff_head, via=CaseAccess.Via.ADMIN)
    assert sorted(logged.values_list("what", flat=True)) == [
        f"Decision {decision.pk} (admin history)", f"Decision {decision.pk} (admin list)",
        f"Decision {decision.pk} (admin page)"]


def test_an_admin_look_at_an_unrestricted_case_is_logged_and_shown_on_the_case(decided, staff_head, client_for):
    case, decision = decided
    client = client_for(staff_head)
    assert client.get(f"/admin/incidents/decision/{decision.pk}/change/").status_code == 200
    assert CaseAccess.objects.filter(case=case, via=CaseAccess.Via.ADMIN).count() == 1
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Who looked at this case through the admin" in page and f"Decision {decision.pk} (admin page)" in page


def test_opening_a_case_in_the_app_is_logged_only_when_restricted(decided, head, client_for):
    case, _ = decided
    client_for(head).get(case.get_absolute_url())
    assert not CaseAccess.objects.filter(case=case).exists()


def test_the_admin_never_shows_an_authenticator_secret_or_recovery_code(head, superuser, client_for):
    totp = TOTPDevice.objects.create(user=head, name="Head's phone", confirmed=True)
    static = StaticDevice.objects.create(user=head, name="backup", confirmed=True)
    StaticToken.objects.create(device=static, token="rcv7code")
    client = client_for(superuser)
    pages = ["/admin/otp_totp/totpdevice/", f"/admin/otp_totp/totpdevice/{totp.pk}/change/",
             "/admin/otp_static/staticdevice/", f"/admin/otp_static/staticdevice/{static.pk}/change/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert totp.key not in body and totp.key.upper() not in body and "rcv7code" not in body, url
        assert "qrcode" not in body.lower(), url
    assert "Head&#x27;s phone" in client.get(pages[0]).content.decode() or "Head's phone" in client.get(
        pages[0]).content.decode()


def test_the_admin_cannot_add_an_authenticator_whose_key_it_would_know(head, superuser, client_for):
    totp = TOTPDevice.objects.create(user=head, name="Head's phone", confirmed=True)
    client = client_for(superuser)
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    assert client.get("/admin/otp_static/staticdevice/add/").status_code == 403
    for url in (f"/admin/otp_totp/totpdevice/{totp.pk}/config/", f"/admin/otp_totp/totpdevice/{totp.pk}/qrcode/"):
        response = client.get(url, follow=True)
        assert totp.key not in response.content.decode() and response.get("Content-Type", "").startswith("text/html")
