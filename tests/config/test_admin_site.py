"""Django's admin: superusers only, plain names, no delete of kept records, and read-only records."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from config.admin_site import KEPT_RECORDS
from incidents.models import CaseAccess, Notification
from policies.defaults import load_defaults
from policies.models import PolicyVersion, School
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["admin", "head", "office", "lead", "dsl", "governor", "outsider"])
def test_staff_who_are_not_superusers_get_no_admin(role, cast, client_for, school):
    user = cast[role]
    user.is_staff = True
    user.save()
    client = client_for(user)
    for url in ("/admin/", "/admin/login/", "/admin/policies/school/", f"/admin/policies/school/{school.pk}/change/",
                "/admin/incidents/user/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/policies/school/{school.pk}/change/", {"name": "Renamed"}).status_code == 403
    school.refresh_from_db()
    assert school.name != "Renamed"


def test_signed_out_visitors_are_sent_to_sign_in(plain_client, db):
    response = plain_client.get("/admin/policies/school/")
    assert response.status_code == 302


def test_the_admin_speaks_plain_words(client_for, superuser):
    page = client_for(superuser).get("/admin/").content.decode()
    for code_name in ("AXES", "Axes", "OTP_TOTP", "Otp_Totp", "OTP_STATIC", "Otp_Static", "TOTP device",
                      "Authentication and Authorization"):
        assert code_name not in page, code_name
    for plain in ("Sign-in attempts and lock-outs", "Two-factor sign-in: authenticator apps", "Recovery codes",
                  "E-mail outbox", "Restricted-case access log", "Roles and permissions"):
        assert plain in page, plain


def test_no_admin_deletes_a_kept_record_not_even_a_superuser(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    registered = {model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()}
    kept = KEPT_RECORDS & set(registered)
    # The records the law says to keep that the admin shows at all.
    assert {"policies.school", "policies.policyversion", "incidents.decision", "incidents.notification",
            "incidents.caseaccess", "incidents.user", "incidents.parent"} <= kept
    for label in kept:
        assert registered[label].has_delete_permission(request) is False, label
        assert "delete_selected" not in registered[label].get_actions(request), label


def test_the_delete_page_of_the_school_and_a_policy_version_refuses(client_for, superuser, school):
    load_defaults(school=school)
    client = client_for(superuser)
    version = PolicyVersion.objects.get()
    assert client.get(f"/admin/policies/school/{school.pk}/delete/").status_code == 403
    assert client.post(f"/admin/policies/school/{school.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/policies/policyversion/{version.pk}/delete/", {"post": "yes"}).status_code == 403
    assert School.objects.filter(pk=school.pk).exists() and PolicyVersion.objects.filter(pk=version.pk).exists()
    assert "deletelink" not in client.get(f"/admin/policies/school/{school.pk}/change/").content.decode()


def test_the_outbox_and_the_access_log_are_read_only(client_for, superuser, school, office, lead):
    email = Notification.objects.create(recipient=lead, kind=Notification.Kind.CONCERN_LOGGED,
                                        subject="A new concern was logged", body="…", case_reference="CB-2026-0001")
    case = factories.CaseFactory(school=school, created_by=office)
    access = CaseAccess.objects.create(case=case, user=lead, what="Case page")
    client = client_for(superuser)
    for url, data in ((f"/admin/incidents/notification/{email.pk}/change/", {"subject": "Forged", "body": "x"}),
                      (f"/admin/incidents/caseaccess/{access.pk}/change/", {"what": "Nothing", "user": lead.pk})):
        page = client.get(url)
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode(), url
        assert client.post(url, data).status_code == 403, url
        assert client.post(url.replace("/change/", "/delete/"), {"post": "yes"}).status_code == 403, url
    assert client.get("/admin/incidents/notification/add/").status_code == 403
    assert client.get("/admin/incidents/caseaccess/add/").status_code == 403
    email.refresh_from_db()
    access.refresh_from_db()
    assert (email.subject, access.what) == ("A new concern was logged", "Case page")


def test_the_navigation_offers_the_admin_to_superusers_only(client_for, administrator, superuser, school):
    load_defaults(school=school)
    administrator_page = client_for(administrator).get("/policy/").content.decode()
    assert 'href="/admin/"' not in administrator_page
    assert 'href="/policy/versions/"' in administrator_page
    assert 'href="/admin/"' in client_for(superuser).get("/policy/").content.decode()
