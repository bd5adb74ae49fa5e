import csv
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from incidents.cases import services as case_services
from incidents.demo.seed import DEMO_USERS
from incidents.models import Case, Child, Parent
from incidents.reports import statistics as reports

pytestmark = pytest.mark.django_db


def _decided(case, lead, head):
    case_services.case_transition(case=case, to="investigating", by=lead)
    case_services.case_transition(case=case, to="awaiting_decision", by=lead, step="recommendation")
    case_services.case_transition(case=case, to="decided", by=head, step="decision")
    return case


def test_reports_head_sees_charts_drawn_as_accessible_svg(client_for, case, lead, head):
    _decided(case, lead, head)
    response = client_for(head).get("/reports/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<svg") >= 2 and '<title id="chart-month">Cases opened per month' in page
    assert "<script" not in page.split("</head>")[1]  # no inline script: the CSP would refuse it
    assert " style=" not in page
    assert "Shown here after decisions are recorded" in page
    assert "Median days from concern to decision" in page and "1 decided case" in page


def test_reports_are_refused_to_everyone_but_the_head_and_governors(client_for, cast):
    for role in ["office", "lead", "dsl", "admin", "outsider"]:
        assert client_for(cast[role]).get("/reports/").status_code == 403, role


def test_reports_governors_see_anonymised_statistics_of_all_cases_without_names(client_for, case, governor, parent):
    page = client_for(governor).get("/reports/").content.decode()
    assert "anonymised statistics over all of the school" in page
    assert '<dd class="col-sm-6 col-md-8" data-testid="total">1</dd>' in page  # counted, though not referred
    assert case.reference not in page and parent.last_name not in page


def test_reports_median_days_from_concern_to_decision(log_concern, lead, head):
    import datetime

    now = timezone.now()
    for days in (2, 6, 30):
        case = log_concern(received_at=now - datetime.timedelta(days=days, hours=1)).case
        _decided(case, lead, head)
    assert reports.median_days_to_decision(Case.objects.all()) == 6


def test_reports_repeat_cases_count_parents_not_names(log_concern, parent):
    log_concern(parents=[parent])
    log_concern(parents=[parent])
    log_concern()
    assert reports.repeat_cases(Case.objects.all()) == [("2 cases", 1), ("3 cases", 0), ("4 or more cases", 0)]


def test_reports_chart_labels_are_escaped():
    svg = str(reports.bar_chart(title="<b>x</b>", rows=[("<script>alert(1)</script>", 3)], chart_id="c"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg


def test_reports_csv_for_the_head_has_references_but_no_names(client_for, case, head, parent):
    response = client_for(head).get("/reports/cases.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Reference" and rows[1][0] == case.reference
    assert parent.last_name not in response.content.decode()


def test_reports_csv_for_governors_has_no_references(client_for, case, governor):
    rows = list(csv.reader(io.StringIO(client_for(governor).get("/reports/cases.csv").content.decode())))
    assert rows[0][0] == "Opened" and len(rows) == 2
    assert case.reference not in ",".join(rows[1])


def test_reports_csv_asks_for_a_fresh_confirmation(plain_client, head):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    head.set_password("pw")
    head.save()
    plain_client.force_login(head)
    device = TOTPDevice.objects.create(user=head, name="phone", confirmed=True)
    session = plain_client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = plain_client.get("/reports/cases.csv")
    assert response["Content-Type"].startswith("text/html")
    assert "Confirm it is you" in response.content.decode()
    confirmed = plain_client.post("/accounts/confirm/", {"_confirm_secret": "pw", "next": "/reports/cases.csv"})
    assert confirmed["Location"] == "/reports/cases.csv"
    assert plain_client.get("/reports/cases.csv")["Content-Type"].startswith("text/csv")


@pytest.mark.usefixtures("demo_allowed")
def test_reports_termly_pdf_names_no_parent_child_or_member_of_staff(client_for, capsys):
    call_command("seed_demo")
    from incidents.models import User

    governor = User.objects.get(username="governor")
    response = client_for(governor).get("/reports/termly.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    total = reports.termly_report(term=reports.term_of(timezone.localdate()), school=governor.school_in_hand).total
    assert total > 0 and f"Cases opened this term {total}" in text
    names = {p.last_name for p in Parent.objects.all()} | {c.first_name for c in Child.objects.all()}
    names |= {last for _, _, last, _ in DEMO_USERS} | {f"{first} {last}" for _, first, last, _ in DEMO_USERS}
    assert Case.objects.exists() and names
    found = sorted(name for name in names if name in text)
    assert not found, found


def test_reports_chart_labels_are_whole_and_inside_the_chart():
    long = "Publicly challenging school policy or discussing individual children in a class group chat"
    svg = str(reports.bar_chart(title="Breaches", rows=[(long, 4), ("Abusive emails", 1)], chart_id="c"))
    shown = " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg))
    assert shown == f"{long} Abusive emails"  # every word of every label, nothing cut to "…"
    assert "…" not in svg and 'text-anchor="end"' not in svg
    for line in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg):
        assert len(line) <= reports.LABEL_LINE_CHARS  # a line fits the chart's width
    height = int(re.search(r'viewBox="0 0 \d+ (\d+)"', svg).group(1))
    bottoms = [int(y) + int(h) for y, h in re.findall(r'<rect x="0" y="(\d+)" width="\d+" height="(\d+)"', svg)]
    assert max(bottoms) <= height
