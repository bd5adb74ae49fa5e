"""Queries per page stay fixed as the data grows: no N+1 anywhere on the busy pages.

Each page is one entry in PAGES (name → URL maker), so a page that moves or a new page (per-role
dashboards) is re-pointed here in one line. The data is bulk-seeded (incidents.bulk): cases with
concerns, evidence, statements, contacts, decisions, sanctions and letters, as at scale.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.chats import services as chat_services
from incidents.decisions import services as decision_services
from incidents.demo import bulk
from incidents.demo.seed import DEMO_CHAT_PATH
from incidents.evidence import services as evidence_services
from incidents.letters import services as letter_services
from incidents.models import Case, ChatMessage, Letter
from policies.models import Clause
from tests import factories

pytestmark = pytest.mark.django_db


def _rich_case() -> Case:
    """A decided bulk case with letters: the case page's busiest kind. (Every case here is a bulk one; not
    read through bulk.bulk_cases(), which goes by the opener the office test below changes.)"""
    return Case.objects.filter(letters__isnull=False).order_by("pk").first()


PAGES = {
    "home": lambda: reverse("incidents:home"),
    "case list": lambda: reverse("incidents:case_list"),
    "case list filtered": lambda: reverse("incidents:case_list") + "?status=closed&severity=low&sort=-opened",
    "search": lambda: reverse("incidents:case_list") + "?q=teacher",
    "case page": lambda: _rich_case().get_absolute_url(),
    "letter register": lambda: reverse("incidents:letter_register"),
    "letter": lambda: reverse("incidents:letter_detail", args=[Letter.objects.order_by("pk").first().pk]),
}
# The most any page may take, whatever the data: sessions, the user and their roles, the page's
# reads, the counts. Measured at the time of writing, with a little room. The case page reads its
# access log even when unrestricted (looks through the admin are shown on every case), and the
# school's letter names, for "Prepare the cautionary notice" next to a decision (once decided), and
# which letters have a parent's link staff may stop. Every page reads the user's schools (the school
# in hand), and a picker of people reads their roles at the school through its memberships.
MAX_QUERIES = {"home": 30, "case list": 15, "case list filtered": 15, "search": 15, "case page": 27,
               "letter register": 13, "letter": 15}


@pytest.fixture
def seeded(school, office, lead, head, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bulk.seed_bulk(cases=5)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ["head", "office"])
def test_query_counts_page_within_its_budget(page, role, seeded, client_for, request,
                                             django_assert_max_num_queries):
    user = request.getfixturevalue(role)
    client = client_for(user)
    if page in ("case page", "letter") and role == "office":
        # Office staff see the cases they logged: give them one of the rich ones.
        Case.objects.filter(pk=_rich_case().pk).update(created_by=user, restricted=False)
    url = PAGES[page]()
    client.get(url)  # warm: first-request work (session, caches) is not the page's
    with django_assert_max_num_queries(MAX_QUERIES[page]):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("page", [name for name in PAGES if name not in ("case page", "letter")])
def test_query_counts_list_pages_do_not_grow_with_the_number_of_cases(page, seeded, client_for, head):
    client = client_for(head)
    # Random data may leave the filtered page empty, and an empty page skips its rows' query.
    Case.objects.filter(pk=Case.objects.order_by("pk").first().pk).update(status="closed", severity="low")
    client.get(PAGES[page]())
    with_5 = _queries(client, PAGES[page]())
    bulk.seed_bulk(cases=25, force=True)
    assert bulk.bulk_cases().count() == 30
    assert _queries(client, PAGES[page]()) == with_5


def test_query_counts_case_page_does_not_grow_with_what_the_case_gathers(seeded, client_for, head, lead):
    client = client_for(head)
    case = _rich_case()
    Case.objects.filter(pk=case.pk).update(status="decided")  # a closed case takes no new concerns
    case.refresh_from_db()
    client.get(case.get_absolute_url())
    before = _queries(client, case.get_absolute_url())
    when = timezone.now() - datetime.timedelta(hours=1)
    parent = case.parents.first()
    for n in range(5):
        evidence_services.statement_add(case=case, by=lead, given_by=f"Witness {n}", given_on=datetime.date(2026, 10,
                                        1),
                                        text="I saw the posts.")
        evidence_services.contact_record(case=case, by=lead, happened_at=when, with_whom=parent.full_name,
                                         method="phone",
                                         summary="Spoke to the parent.", parent=parent)
        case_services.concern_log(school=case.school, by=lead, received_at=when, channel="whatsapp",
                                  description="Posted again.", parents=[parent], link_to=case)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Witness 4" in page
    assert _queries(client, case.get_absolute_url()) == before


DEMO_CHAT = DEMO_CHAT_PATH.read_bytes()


def _gather_more(case: Case, *, n: int, lead, head) -> None:
    """A screenshot, a chat with a marked message and a letter; and a correction of the decision."""
    when = timezone.now() - datetime.timedelta(hours=1)
    clause = Clause.objects.filter(version=case.policy_version).order_by("position").first()
    evidence_services.evidence_add(case=case, by=lead, data=factories.PNG, file_name=f"screenshot-{n}.png",
                                   provided_by="Ruth Adeyemi", provided_at=when)
    chat = chat_services.evidence_add_chat(case=case, by=lead, data=DEMO_CHAT, file_name=f"chat-{n}.txt",
                                           provided_by="Ruth Adeyemi", provided_at=when).chat_import
    message = chat.messages.filter(kind=ChatMessage.Kind.MESSAGE).order_by("position").first()
    chat_services.chat_message_mark(message=message, clause=clause, by=lead, note=f"Mark {n}")
    letter_services.letter_start(case=case, purpose="warning", by=lead, recipient=case.parents.first())
    current = case.decisions.filter(superseded_by__isnull=True).get()
    decision_services.decision_record(case=case, by=head, reasons=f"Corrected on review {n}.", no_further_action=True,
                                      supersedes=current)


@pytest.mark.parametrize("role", ["head", "office"])
def test_query_counts_case_page_does_not_grow_with_evidence_chats_letters_or_decisions(
        role, seeded, client_for, request, head, lead):
    user = request.getfixturevalue(role)
    case = _rich_case()
    Case.objects.filter(pk=case.pk).update(status="decided", created_by=user, restricted=False)
    case.refresh_from_db()
    client = client_for(user)
    _gather_more(case, n=0, lead=lead, head=head)
    client.get(case.get_absolute_url())
    with_one = _queries(client, case.get_absolute_url())

    for n in range(1, 4):
        _gather_more(case, n=n, lead=lead, head=head)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "screenshot-3.png" in page and "chat-3.txt" in page
    assert page.count('data-testid="decision"') == 5 and page.count(">Superseded<") == 4
    assert page.count("Cautionary notice") + page.count("Warning") >= 4  # the letters
    assert _queries(client, case.get_absolute_url()) == with_one
