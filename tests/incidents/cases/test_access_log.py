"""Who opened a restricted case: shown on the case page to the Head Teacher only, who can export it as
CSV. Nobody else sees it or exports it, not even staff assigned to the case."""

import csv
import io

import pytest

from incidents.cases import services as case_services
from incidents.models import CaseAccess

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(log_concern, head, lead, office):
    case = log_concern().case
    case.lead = lead
    case.save()
    case.assignees.add(office)
    case_services.case_set_restricted(case=case, by=head, restricted=True, reason="Concerns a governor's child.")
    return case


def test_the_head_sees_who_opened_a_restricted_case_and_when(restricted, lead, head, client_for):
    client_for(lead).get(restricted.get_absolute_url())
    page = client_for(head).get(restricted.get_absolute_url()).content.decode()
    log = page.split('data-testid="access-log"', 1)[1].split("</ul>", 1)[0]
    assert "Liam Lewis (Investigating lead)" in log and "Helen Hart (Head Teacher)" in log
    opened = CaseAccess.objects.get(case=restricted, user=lead).at
    assert f'datetime="{opened.isoformat()}"' in log or opened.strftime("%Y-%m-%dT%H:%M") in log
    assert "Export the whole log (CSV)" in page


@pytest.mark.parametrize("who", ["lead", "office"])
def test_assigned_staff_who_see_the_case_do_not_see_its_access_log(who, restricted, head, client_for, request):
    client_for(head).get(restricted.get_absolute_url())
    page = client_for(request.getfixturevalue(who)).get(restricted.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="access-log"' not in body and "Who opened this restricted case" not in body
    assert "access-log.csv" not in body


def test_the_head_exports_the_log_as_csv(restricted, lead, head, client_for):
    client_for(lead).get(restricted.get_absolute_url())
    lead.first_name = "=HYPERLINK(\"http://evil\")"
    lead.save()
    response = client_for(head).get(f"/cases/{restricted.reference}/access-log.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f'filename="{restricted.reference}-access-log.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Case", "Opened at", "Who", "Username", "Where", "What"]
    assert len(rows) == 2 and rows[1][0] == restricted.reference and rows[1][3] == "lead"
    assert rows[1][2].startswith("'=HYPERLINK")  # kept as text: a spreadsheet does not run it


@pytest.mark.parametrize("who", ["lead", "office", "dsl", "governor", "admin", "outsider"])
def test_nobody_but_the_head_exports_the_log(who, restricted, cast, client_for):
    response = client_for(cast[who]).get(f"/cases/{restricted.reference}/access-log.csv")
    # Those who see the case are refused; to anyone else it does not exist.
    assert response.status_code == (403 if who in ("lead", "office") else 404)
    assert "text/csv" not in response.get("Content-Type", "")
