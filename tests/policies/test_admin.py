import pytest

from policies.defaults import load_defaults
from policies.models import LetterTemplate, LetterTemplateVersion, PolicyVersion, School


@pytest.fixture
def defaults(school):
    load_defaults(school=school)
    return school


def _warning_template(school):
    return LetterTemplate.objects.get(school=school, purpose=LetterTemplate.Purpose.WARNING)


def test_admin_adopted_policy_version_is_read_only(client_for, superuser, defaults):
    version = PolicyVersion.objects.get()
    client = client_for(superuser)
    url = f"/admin/policies/policyversion/{version.pk}/change/"

    page = client.get(url).content.decode()
    assert "View policy version" in page
    assert 'name="_save"' not in page
    assert 'name="clauses-0-text"' not in page

    response = client.post(url, {"applies_to": "Everyone", "text": "Changed", "review_on": ""})
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.applies_to == "Parents and carers"


def test_admin_new_draft_action_makes_an_editable_copy(client_for, superuser, defaults):
    policy = PolicyVersion.objects.get().policy
    client = client_for(superuser)
    client.post("/admin/policies/policy/", {"action": "make_new_draft", "_selected_action": [policy.pk]})
    draft = policy.versions.get(number=2)
    assert draft.status == PolicyVersion.Status.DRAFT
    page = client.get(f"/admin/policies/policyversion/{draft.pk}/change/").content.decode()
    assert 'name="_save"' in page and 'name="clauses-0-text"' in page


@pytest.mark.parametrize("role", ["office", "lead", "head", "dsl", "governor", "admin"])
def test_admin_only_superusers_reach_the_policies_admin(role, cast, client_for, defaults):
    version = PolicyVersion.objects.get()
    user = cast[role]
    user.is_staff = True  # even if made staff, an administrator included
    user.save()
    client = client_for(user)
    assert client.get("/admin/policies/policy/").status_code == 403
    assert client.post(f"/admin/policies/policyversion/{version.pk}/change/", {"text": "x"}).status_code == 403
    assert client.get("/admin/policies/lettertemplateversion/add/").status_code == 403


def test_admin_editing_a_letter_template_version_saves_the_next_version(client_for, superuser, defaults):
    template = _warning_template(defaults)
    first = template.versions.get()
    client = client_for(superuser)
    response = client.post(
        f"/admin/policies/lettertemplateversion/{first.pk}/change/",
        {"subject": "Warning letter", "body": "Dear {{ parent.salutation }},\nPlease stop.", "_save": "Save"},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.subject != "Warning letter"  # version 1 is exactly as it was
    second = template.versions.get(number=2)
    assert (second.subject, second.created_by) == ("Warning letter", superuser)
    assert template.current_version == second


def test_admin_refuses_a_broken_letter_template_with_the_line(client_for, superuser, defaults):
    template = _warning_template(defaults)
    response = client_for(superuser).post(
        "/admin/policies/lettertemplateversion/add/",
        {"template": template.pk, "subject": "Warning", "body": "Dear {{ parent.salutation }},\n{% if x %}"},
    )
    assert response.status_code == 200
    assert "Line 2: Unclosed tag on line 2: &#x27;if&#x27;" in response.content.decode()
    assert template.versions.count() == 1


def test_admin_school_profile_is_editable_by_superusers(client_for, superuser, defaults):
    school = School.objects.get()
    page = client_for(superuser).get(f"/admin/policies/school/{school.pk}/change/").content.decode()
    for field in ("head_teacher_name", "chair_of_governors_name", "safeguarding_lead_name", "retention_years",
                  "representation_school_days", "evidence_max_mb", "holidays-TOTAL_FORMS"):
        assert f'name="{field}"' in page


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("head", 200), ("office", 403), ("governor", 403)])
def test_letter_preview_renders_sample_data_for_admin_and_head(role, status, cast, client_for, defaults):
    version = LetterTemplateVersion.objects.get(template__purpose=LetterTemplate.Purpose.PROVISIONAL_BAN)
    response = client_for(cast[role]).get(f"/policy/letters/{version.pk}/preview/")
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "Ms Sample" in html and "written representations" in html
        assert "<iframe" not in html and "style=" not in html and 'class="letter-sheet"' in html


def test_admin_administrator_may_delete_a_term_holiday(administrator):
    assert administrator.has_perm("policies.delete_termholiday")
    assert not administrator.has_perm("policies.delete_policyversion")


@pytest.mark.parametrize(("page", "expected"), [
    ("responsetype", "Provisional ban from the school site"),
    ("lettertemplate", "Ban from the school site confirmed"),
    ("lettertemplateversion", "Request to group moderators"),
    ("policy", "Code of conduct for parents&#x27; class groups and class lists"),
    ("policyversion", "Adopted"),
])
def test_admin_lists_show_the_schools_configuration(page, expected, client_for, superuser, defaults):
    response = client_for(superuser).get(f"/admin/policies/{page}/")
    assert response.status_code == 200
    assert expected in response.content.decode()
