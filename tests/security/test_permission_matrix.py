"""Every URL pattern × every role (plus an outsider and an anonymous visitor) → the expected answer.

The list of URLs comes from the URL configuration itself: a new URL with no row in EXPECTED fails
`test_every_url_has_an_expectation`. The Django admin is left to its own permission system and is
checked separately below.

The case used is an ordinary one: unrestricted, not safeguarding, logged by `office`, led by `lead`,
not referred to governors. So office staff may see it but not work on it; the Safeguarding lead,
governors, administrators and outsiders may not see it at all (404, never 403: a 403 would confirm
that the case exists).

The school belongs to a trust: its safeguarding lead (`trust_dsl`, no membership of the school) gets
what the school's Safeguarding lead gets; its leader (`trust_leader`) what an outsider gets, and the
trust's statistics.

Two governors besides: `panel`, on the panel of the parent's complaint about the case (so they see it,
read-only, and record the panel's outcome), and `chair`, the chair of governors, who sees only cases
with a ban under review — this case has none, so to the chair it does not exist.
"""

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from incidents.administration.services import user_invite
from incidents.cases import services as case_services
from incidents.chats import services as chat_services
from incidents.decisions import complaints
from incidents.decisions import services as decision_services
from incidents.evidence import services as evidence_services
from incidents.letters import services as letter_services
from incidents.models import Notification, ReportedFile, TrustMembership
from incidents.records import services as record_services
from incidents.reporting import services as reporting_services
from incidents.roles import Role
from policies.models import TermHoliday, Trust
from tests import factories

ROLES = ["office", "lead", "head", "dsl", "governor", "chair", "panel", "admin", "trust_dsl", "trust_leader",
         "outsider", "anonymous"]
PARENT_PAGE = ["incidents:parent_letter", "incidents:parent_letter_pdf", "incidents:parent_letter_acknowledge",
               "incidents:parent_letter_code", "incidents:parent_letter_verify",
               "incidents:parent_letter_representations", "incidents:parent_letter_meeting",
               "incidents:parent_letter_short"]
PARENT_PAGE_GETS = ["incidents:parent_letter", "incidents:parent_letter_pdf", "incidents:parent_letter_short"]
PUBLIC = {"healthz", "login", "password_reset", "password_reset_done", "password_reset_confirm",
          "password_reset_complete", "incidents:online_report", "incidents:online_report_at",
          "incidents:online_report_thanks",
          "invitation_accept", "favicon", *PARENT_PAGE}
LOGIN = "login"  # a redirect to the sign-in page

# url name → (method, {role: status}); a role left out gets `default`.
OK_FOR_CASE_READERS = {"office": 200, "lead": 200, "head": 200, "panel": 200, "default": 404}
OK_FOR_CASE_WORKERS = {"office": 403, "lead": 200, "head": 200, "panel": 403, "default": 404}
EXPECTED: dict[str, tuple[str, dict]] = {
    "healthz": ("GET", {"default": 200, "anonymous": 200}),
    "favicon": ("GET", {"default": 200, "anonymous": 200}),
    "login": ("GET", {"default": 302, "anonymous": 200}),  # signed-in users are sent home
    "logout": ("POST", {"default": 302}),
    "two_factor_verify": ("GET", {"default": 200}),
    "two_factor_setup": ("GET", {"default": 200}),
    "account_security": ("GET", {"default": 200}),
    "confirm": ("POST", {"default": 200}),  # an empty POST: asked again, with a plain message
    "password_change": ("GET", {"default": 200}),
    # Choosing another of one's schools: an empty POST names no school of theirs.
    "school_switch": ("POST", {"default": 404}),
    "password_change_done": ("GET", {"default": 200}),
    # A forgotten password is reset without signing in.
    "password_reset": ("GET", {"default": 200, "anonymous": 200}),
    "password_reset_done": ("GET", {"default": 200, "anonymous": 200}),
    "password_reset_confirm": ("GET", {"default": 200, "anonymous": 200}),  # a made-up link: "no longer works"
    "password_reset_complete": ("GET", {"default": 200, "anonymous": 200}),
    "policies:policy": ("GET", {"outsider": 403, "trust_leader": 403, "default": 200}),
    "policies:policy_pdf": ("GET", {"outsider": 403, "trust_leader": 403, "default": 200}),
    "policies:policy_import": ("GET", {"admin": 200, "default": 403}),
    "policies:letter_preview": ("GET", {"admin": 200, "head": 200, "default": 403}),
    "policies:policy_versions": ("GET", {"admin": 200, "head": 200, "default": 403}),
    "policies:policy_version": ("GET", {"admin": 200, "head": 200, "default": 403}),
    "policies:policy_version_compare": ("GET", {"admin": 200, "head": 200, "default": 403}),
    # The version is the one in force: the Head is sent back to it with "cannot be changed".
    "policies:policy_version_adopt": ("GET", {"head": 302, "default": 403}),
    "policies:policy_draft_new": ("POST", {"admin": 302, "default": 403}),  # a draft is made: sent to it
    # On the version in force: refused, with a message on the version's page.
    "policies:clause_add": ("POST", {"admin": 302, "default": 403}),
    "policies:clause_edit": ("POST", {"admin": 302, "default": 403}),
    "policies:clause_remove": ("POST", {"admin": 302, "default": 403}),
    "policies:letter_templates": ("GET", {"admin": 200, "default": 403}),
    "policies:letter_template_edit": ("GET", {"admin": 200, "default": 403}),
    "policies:letter_template_preview": ("POST", {"admin": 200, "default": 403}),  # empty: "write the letter"
    "incidents:home": ("GET", {"default": 200}),
    "incidents:deadline_list": ("GET", {"default": 200}),  # each sees only the deadlines of cases they may see
    "incidents:concern_create": ("GET", {"office": 200, "lead": 200, "head": 200, "default": 403}),
    "incidents:concern_open_cases": ("GET", {"office": 200, "lead": 200, "head": 200, "default": 403}),
    "incidents:concern_parent_search": ("GET", {"office": 200, "lead": 200, "head": 200, "default": 403}),
    "incidents:case_list": ("GET", {"default": 200}),
    "incidents:case_detail": ("GET", OK_FOR_CASE_READERS),
    "incidents:case_history": ("GET", OK_FOR_CASE_READERS),
    "incidents:evidence_download": ("GET", OK_FOR_CASE_READERS),
    "incidents:evidence_create": ("GET", {**OK_FOR_CASE_READERS, "panel": 403}),  # office staff add evidence
    "incidents:case_edit": ("GET", OK_FOR_CASE_WORKERS),
    "incidents:statement_create": ("GET", OK_FOR_CASE_WORKERS),
    "incidents:contact_create": ("GET", OK_FOR_CASE_WORKERS),
    # POST-only: an empty POST is refused or bounced back to the case (302), never carried out.
    "incidents:case_transition": ("POST", {"office": 403, "lead": 302, "head": 302, "panel": 403, "default": 404}),
    # Who opened the case: the Head Teacher's export only (asks for the password again).
    "incidents:case_access_log_csv": ("GET", {"head": 200, "office": 403, "lead": 403, "panel": 403,
                                              "default": 404}),
    "incidents:case_restrict": ("POST", {"head": 302, "office": 403, "lead": 403, "panel": 403, "default": 404}),
    "incidents:subject_access_list": ("GET", {"head": 200, "default": 403}),
    "incidents:subject_access_parent_search": ("GET", {"head": 200, "default": 403}),
    "incidents:subject_access_export": ("POST", {"head": 200, "default": 403}),
    "incidents:subject_access_complete": ("POST", {"head": 302, "default": 403}),
    "incidents:disposal_list": ("GET", {"head": 200, "default": 403}),
    # The ordinary case is open, so disposal is refused and the Head is sent back to the list.
    "incidents:case_dispose": ("POST", {"head": 302, "default": 403}),
    # Letters: the letter is a draft of the ordinary case, prepared by the lead.
    "incidents:letter_register": ("GET", {"default": 200}),  # lists only letters of visible cases
    "incidents:letter_create": ("GET", OK_FOR_CASE_WORKERS),
    "incidents:letter_detail": ("GET", OK_FOR_CASE_READERS),
    "incidents:letter_status": ("GET", OK_FOR_CASE_READERS),
    "incidents:letter_edit": ("GET", OK_FOR_CASE_WORKERS),
    "incidents:letter_render": ("POST", {"office": 403, "lead": 302, "head": 302, "panel": 403, "default": 404}),
    # Pages that ask for the password again refuse a role that may not use them first, with 403.
    "incidents:letter_approve": ("POST", {"head": 302, "default": 403}),
    # Refused with a message on the letter page (it is a draft, not approved) rather than a bare 403.
    "incidents:letter_send_back": ("POST", {"office": 302, "lead": 302, "head": 302, "panel": 302, "default": 404}),
    "incidents:letter_issue": ("POST", {"office": 302, "lead": 302, "head": 302, "default": 403}),
    "incidents:letter_acknowledge": ("POST", {"office": 302, "lead": 302, "head": 302, "panel": 302, "default": 404}),
    "incidents:letter_new_version": ("POST", {"office": 403, "lead": 302, "head": 302, "panel": 403, "default": 404}),
    "incidents:letter_pdf": ("GET", {"default": 404}),  # no PDF yet for a draft: 404 for everyone
    # The parent's letter page, with a made-up link: the same plain 404 page for everyone, signed in or not.
    **{name: ("GET" if name in PARENT_PAGE_GETS else "POST", {"default": 404}) for name in PARENT_PAGE},
    "incidents:parent_links_revoke": ("POST", {"office": 403, "lead": 302, "head": 302, "panel": 403, "default": 404}),
    # The draft was not posted or handed over: sent back to the letter with a message, no link issued.
    "incidents:letter_paper_copy": ("POST", {"office": 302, "lead": 302, "head": 302, "panel": 403, "default": 404}),
    # Chats: a zip with one photo, read, with one message marked by the lead.
    "incidents:chat_detail": ("GET", OK_FOR_CASE_READERS),
    "incidents:chat_media": ("GET", OK_FOR_CASE_READERS),
    # Already read: sent back to the chat.
    "incidents:chat_date_order": ("GET", {"office": 302, "lead": 302, "head": 302, "panel": 403, "default": 404}),
    "incidents:chat_message_mark": ("POST", {"office": 403, "lead": 302, "head": 302, "panel": 403, "default": 404}),
    "incidents:chat_mark_remove": ("POST", {"office": 403, "lead": 302, "head": 302, "panel": 403, "default": 404}),
    # Decisions: by now the case is decided (a warning) and the parent has complained.
    "incidents:recommendation_create": ("GET", {"office": 403, "lead": 403, "head": 403, "panel": 403,  # decided
                                                "default": 404}),
    "incidents:decision_create": ("GET", {"head": 200, "default": 403}),  # a correction
    "incidents:sanction_step": ("GET", {"office": 403, "lead": 200, "head": 200, "panel": 403, "default": 404}),
    "incidents:complaint_create": ("GET", {"office": 403, "lead": 200, "head": 200, "panel": 403, "default": 404}),
    "incidents:complaint_refer": ("GET", {"office": 403, "lead": 403, "head": 200, "panel": 403, "default": 404}),
    # The panel records its own outcome: not the Head Teacher whose decision is contested, nor the lead.
    "incidents:complaint_outcome": ("GET", {"office": 403, "lead": 403, "head": 403, "panel": 200, "default": 404}),
    # Only the chair of governors records taking part in a ban's review; this case has no ban, so the
    # chair cannot see it (404); anyone who sees it but is not the chair is refused (403).
    "incidents:ban_review_participation": ("POST", {"office": 403, "lead": 403, "head": 403, "panel": 403,
                                                    "default": 404}),
    # Reports: the Head Teacher and governors only (governors: anonymised statistics).
    "incidents:reports": ("GET", {"head": 200, "governor": 200, "chair": 200, "panel": 200, "default": 403}),
    "incidents:report_cases_csv": ("GET", {"head": 200, "governor": 200, "chair": 200, "panel": 200,
                                           "default": 403}),
    "incidents:report_termly_pdf": ("GET", {"head": 200, "governor": 200, "chair": 200, "panel": 200,
                                            "default": 403}),
    # Anonymised statistics across the trust's schools: its leaders only.
    "incidents:trust_statistics": ("GET", {"trust_leader": 200, "default": 403}),
    "incidents:notification_settings": ("GET", {"default": 200}),
    # The e-mails not sent (one failed e-mail to the lead about the ordinary case): the office and the Head.
    "incidents:emails_not_sent": ("GET", {"office": 200, "head": 200, "default": 403}),
    # The public report form (no sign-in) and the office's queue of what it brings in.
    "incidents:online_report": ("GET", {"default": 200, "anonymous": 200}),
    "incidents:online_report_at": ("GET", {"default": 200, "anonymous": 200}),  # the school's own form
    "incidents:online_report_thanks": ("GET", {"default": 302, "anonymous": 302}),  # no report sent: to the form
    "incidents:reported_list": ("GET", {"office": 200, "lead": 200, "head": 200, "default": 403}),
    "incidents:reported_detail": ("GET", {"office": 200, "lead": 200, "head": 200, "default": 403}),
    "incidents:reported_file_download": ("GET", {"office": 200, "lead": 200, "head": 200, "default": 403}),
    # An empty POST: the form again with its errors, nothing done.
    "incidents:reported_file": ("POST", {"office": 200, "lead": 200, "head": 200, "default": 403}),
    "incidents:reported_dismiss": ("POST", {"office": 200, "lead": 200, "head": 200, "default": 403}),
    "incidents:email_retry": ("POST", {"office": 302, "head": 302, "default": 403}),
    "incidents:parent_detail": ("GET", {"office": 200, "lead": 200, "head": 200, "dsl": 200, "trust_dsl": 200,
                                        "default": 403}),
    # Importing people: administrators only. With no file waiting, preview and confirm send them back to upload.
    "incidents:people_import": ("GET", {"admin": 200, "default": 403}),
    "incidents:people_import_preview": ("GET", {"admin": 302, "default": 403}),
    "incidents:people_import_confirm": ("POST", {"admin": 302, "default": 403}),
    # An invitation's link opens without signing in; a made-up one is a plain "no longer works" page.
    "invitation_accept": ("GET", {"default": 404, "anonymous": 404}),
    # The school's settings: administrators change them, the Head Teacher reads them.
    "incidents:settings": ("GET", {"admin": 200, "head": 200, "default": 403}),
    "incidents:settings_history": ("GET", {"admin": 200, "head": 200, "default": 403}),
    "incidents:settings_sample_letter": ("GET", {"admin": 200, "head": 200, "default": 403}),
    "incidents:settings_logo": ("GET", {"admin": 404, "head": 404, "default": 403}),  # no logo yet
    "incidents:settings_profile": ("GET", {"admin": 200, "default": 403}),
    "incidents:settings_rules": ("GET", {"admin": 200, "default": 403}),
    "incidents:settings_reporting": ("GET", {"admin": 200, "default": 403}),
    "incidents:settings_terms": ("GET", {"admin": 200, "default": 403}),
    "incidents:settings_term_remove": ("POST", {"admin": 302, "default": 403}),
    # Users: administrators only. The user is a colleague invited by the administrator.
    "incidents:user_list": ("GET", {"admin": 200, "default": 403}),
    "incidents:user_invite": ("GET", {"admin": 200, "default": 403}),
    "incidents:user_detail": ("GET", {"admin": 200, "default": 403}),
    "incidents:user_two_factor_reset": ("GET", {"admin": 200, "default": 403}),
    "incidents:user_deactivate": ("POST", {"admin": 302, "default": 403}),
    "incidents:user_reactivate": ("POST", {"admin": 302, "default": 403}),
    "incidents:user_invitation_resend": ("POST", {"admin": 302, "default": 403}),
    "incidents:user_invitation_withdraw": ("POST", {"admin": 302, "default": 403}),
    # Last: rebuilding makes new message rows, so it must follow the mark URLs.
    "incidents:chat_rebuild": ("POST", {"office": 403, "lead": 302, "head": 302, "panel": 403, "default": 404}),
}


def _patterns(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner != "admin":
                yield from _patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern


ALL_URLS = dict(_patterns(get_resolver().url_patterns))


def test_every_url_has_an_expectation():
    missing = sorted(set(ALL_URLS) - set(EXPECTED))
    assert not missing, f"URLs without an expected answer per role: {missing}"
    assert not sorted(set(EXPECTED) - set(ALL_URLS)), "expectations for URLs that no longer exist"


@pytest.fixture
def cast(cast, chair, panel_member, school):
    """The standing cast, with the chair of governors, a governor who sits on the complaint's panel, and
    the trust's safeguarding lead and leader (the school belongs to the trust)."""
    trust = Trust.objects.create(name="Northern Trust")
    school.trust = trust
    school.save()
    trust_roles = {}
    for name, roles in (("trust_dsl", {"safeguarding_lead": True}), ("trust_leader", {"leader": True})):
        trust_roles[name] = factories.UserFactory(username=name, first_name="Tess", last_name=name.title())
        TrustMembership.objects.create(user=trust_roles[name], trust=trust, **roles)
    return {**cast, "chair": chair, "panel": panel_member, **trust_roles}


@pytest.fixture
def world(cast, school, log_concern, parent):
    from policies.defaults import load_defaults

    load_defaults(school=school)
    case = log_concern(by=cast["office"], parents=[parent]).case
    case.lead = cast["lead"]
    case.save()
    evidence = evidence_services.evidence_add(case=case, by=cast["office"], data=factories.PNG, file_name="a.png",
                                              provided_by="x", provided_at=timezone.now())
    from policies.models import Clause, LetterTemplateVersion, PolicyVersion
    from tests.incidents.chats.conftest import DEMO_CHAT, JPEG, make_zip

    chat = chat_services.evidence_add_chat(
        case=case, by=cast["office"], data=make_zip({"WhatsApp Chat with Year 4 Kestrels.txt": DEMO_CHAT,
                                                     "IMG-20261013-WA0001.jpg": JPEG}),
        file_name="chat.zip", provided_by="x", provided_at=timezone.now(),
    ).chat_import
    message = chat.messages.filter(kind="message").first()
    mark = chat_services.chat_message_mark(message=message, clause=Clause.objects.filter(kind="inappropriate").first(),
                                           by=cast["lead"])

    # A decision with one sanction (a warning) and a complaint about it.
    from policies.models import ResponseType

    warning = ResponseType.objects.get(school=school, code="warning")
    case_services.case_transition(case=case, to="investigating", by=cast["lead"])
    decision_services.recommendation_submit(case=case, by=cast["lead"], responses=[warning], clauses=[],
                                            facts_found="Posted abuse.", reasons="First time.")
    decision = decision_services.decision_record(case=case, by=cast["head"], reasons="Proportionate.",
                                                 responses=[warning])
    sanction = decision.sanctions.get()
    complaint = complaints.complaint_record(case=case, by=cast["lead"], received_on=timezone.localdate(),
                                            summary="The parent contests the warning.")
    complaints.complaint_refer(complaint=complaint, by=cast["head"], governors=[cast["panel"]],
                               on=timezone.localdate())

    return {
        "sanction": sanction.pk, "complaint": complaint.pk,
        "chat": chat.pk, "message": message.pk, "mark": mark.pk, "media": chat.media.first().pk,
        "reference": case.reference,
        "evidence": evidence.pk,
        "parent": parent.pk,
        "template_version": LetterTemplateVersion.objects.filter(template__school=school).first().pk,
        "policy_version": PolicyVersion.objects.get(policy__school=school, status="adopted"),
        "template": LetterTemplateVersion.objects.filter(template__school=school).first().template_id,
        "letter": letter_services.letter_start(case=case, purpose="warning", by=cast["lead"], recipient=parent).pk,
        "access_request": record_services.subject_access_request_record(
            parent=parent, received_on=timezone.localdate(), by=cast["head"]).pk,
        "closure": TermHoliday.objects.create(school=school, name="Half term", starts_on=timezone.localdate(),
                                              ends_on=timezone.localdate()).pk,
        "colleague": user_invite(email="new.colleague@school.example", first_name="Nina", last_name="New",
                                 roles=[Role.OFFICE], by=cast["admin"]).pk,
        "reported": reporting_services.concern_report(
            school=school, description="…", channel="whatsapp", where_detail="", happened_on=None, about="",
            reporter_is="parent", name="", contact="", anonymous_to_parent=False,
            files=[reporting_services.SentFile("a.png", factories.PNG)]).pk,
        "email": Notification.objects.create(
            recipient=cast["lead"], kind=Notification.Kind.CONCERN_LOGGED, subject="A new concern was logged",
            body="…", case_reference=case.reference, state=Notification.State.FAILED, error="Refused").pk,
    }


def _kwargs(pattern, world) -> dict:
    values = {"reference": world["reference"], "filename": f"{world['reference']}-v1.pdf", "uidb64": "MQ",
              "token": "made-up-token", "code": world["reference"].split("-")[0]}
    names = set(pattern.pattern.converters)
    if "pk" in names:
        route = str(pattern.pattern)
        if "evidence" in route:
            values["pk"] = world["evidence"]
        elif route.startswith("parents/"):
            values["pk"] = world["parent"]
        elif route.startswith("policy/letters/"):
            values["pk"] = world["template_version"]
        elif "/sanctions/" in route:
            values["pk"] = world["sanction"]
        elif "/complaints/" in route:
            values["pk"] = world["complaint"]
        elif "/chats/" in route:
            values["pk"] = world["chat"]
        elif route.startswith("letters/"):
            values["pk"] = world["letter"]
        elif route.startswith("privacy/requests/"):
            values["pk"] = world["access_request"]
        elif route.startswith("emails/"):
            values["pk"] = world["email"]
        elif route.startswith("settings/terms/"):
            values["pk"] = world["closure"]
        elif route.startswith("users/"):
            values["pk"] = world["colleague"]
        elif route.startswith("reported/"):
            values["pk"] = world["reported"]
    if "file_pk" in names:
        values["file_pk"] = ReportedFile.objects.get(concern_id=world["reported"]).pk
    values.update(to="issued", message_pk=world["message"], mark_pk=world["mark"], media_pk=world["media"],
                  policy_pk=world["policy_version"].policy_id, version_pk=world["policy_version"].pk,
                  clause_pk=world["policy_version"].clauses.first().pk, template_pk=world["template"])
    return {name: values[name] for name in names}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_expected_answer_from_every_url(role, cast, world, client, plain_client):
    cache.clear()  # the parent page's count of bad links, per address, would carry over from the last role
    http = plain_client if role == "anonymous" else client
    if role != "anonymous":
        http.force_login(cast[role])
    wrong = []
    for name, (method, answers) in EXPECTED.items():
        url = reverse(name, kwargs=_kwargs(ALL_URLS[name], world))
        expected = answers.get(role, answers["default"])
        if role == "anonymous" and name not in PUBLIC:
            expected = LOGIN
        response = http.get(url) if method == "GET" else http.post(url, {})
        got = response.status_code
        if expected == LOGIN:
            if not (got == 302 and response["Location"].startswith("/accounts/login/")):
                wrong.append(f"{method} {url}: expected sign-in redirect, got {got}")
        elif got != expected:
            wrong.append(f"{method} {url}: expected {expected}, got {got}")
        if role != "anonymous" and name == "logout":
            http.force_login(cast[role])  # signed out by the request: sign back in
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ["admin", "head", "office", "outsider"])
def test_only_superusers_reach_the_admin_site(role, cast, client, superuser):
    user = cast[role]
    user.is_staff = True  # even made staff: an administrator runs the school in Casebook's own pages
    user.save()
    client.force_login(user)
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/login/").status_code == 403
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200


CONFIRMATION_URLS = sorted(name for name, pattern in ALL_URLS.items()
                           if getattr(pattern.callback, "asks_for_confirmation", False))


def test_the_pages_that_ask_for_the_password_again_are_known():
    assert CONFIRMATION_URLS == [
        "incidents:case_access_log_csv", "incidents:case_dispose", "incidents:decision_create",
        "incidents:letter_approve", "incidents:letter_issue",
        "incidents:report_cases_csv", "incidents:report_termly_pdf", "incidents:subject_access_export",
    ]


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_a_role_that_may_not_use_a_page_is_refused_before_being_asked_for_its_password(role, cast, world, client):
    """Issue 17.9: with no recent confirmation, a role that may not use the page gets its 403 or 404;
    only a role that may use it is asked for its password."""
    from incidents.access.twofactor import CONFIRMED_AT

    client.force_login(cast[role])
    session = client.session
    session[CONFIRMED_AT] = 0
    session.save()
    wrong = []
    for name in CONFIRMATION_URLS:
        method, answers = EXPECTED[name]
        url = reverse(name, kwargs=_kwargs(ALL_URLS[name], world))
        response = client.get(url) if method == "GET" else client.post(url, {})
        asked = response.status_code == 200 and "Confirm it is you" in response.content.decode()
        refused_with = answers.get(role, answers["default"])
        if refused_with in (403, 404) and response.status_code != refused_with:
            wrong.append(f"{method} {url}: expected {refused_with}, got {response.status_code}"
                         f"{' (the password page)' if asked else ''}")
        elif refused_with not in (403, 404) and not asked:
            wrong.append(f"{method} {url}: expected the password page, got {response.status_code}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
