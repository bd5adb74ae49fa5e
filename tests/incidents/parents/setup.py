"""A provisional ban whose letter was e-mailed to the parent, and the link that e-mail carries."""

import datetime
import re

from django.db import transaction
from django.utils import timezone

from incidents.decisions import sanctions
from incidents.letters import services as letter_services
from incidents.models import Letter, Sanction
from tests.incidents.letters.letter_setup import decided_sanction, realistic_case

LINK = re.compile(r"https?://[^\s]+/letter/([^/\s]+)/")


def page_path_in(body: str) -> str:
    """The path of the letter's page in an e-mail's text."""
    match = LINK.search(body)
    assert match, f"No link to the letter's page in: {body!r}"
    return f"/letter/{match.group(1)}/"


def issue_by_email(letter: Letter, *, head, by, capture) -> Letter:
    return issue_on_paper(letter, head=head, by=by, capture=capture, method="email")


def issue_on_paper(letter: Letter, *, head, by, capture, method: str = "hand") -> Letter:
    """Prepare the PDF, approve and issue the letter (by hand, post, or e-mail)."""
    with capture(execute=True), transaction.atomic():
        letter_services.letter_request_pdf(letter=letter)
    letter.refresh_from_db()
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=head)
    with capture(execute=True):
        letter_services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=by, method=method)
    letter.refresh_from_db()
    return letter


def emailed_ban_letter(*, school, office, lead, head, capture, due_in_days: int = 14, method: str = "email"):
    """(case, ban, letter): a provisional ban on Karl Dunn, its letter e-mailed to him (or, with
    `method` "hand" or "post", handed over or posted)."""
    school.phone, school.email = "01632 960000", "office@hollybank.example"
    school.save()
    case, parent = realistic_case(school=school, office=office, lead=lead)
    ban = decided_sanction(case, lead=lead, head=head, code="provisional_ban")
    today = timezone.localdate()
    step = sanctions.sanction_transition(
        sanction=ban, to=Sanction.State.PROVISIONAL, by=head, on=today,
        details={"reasons": "Shouted at the deputy head at the gate.", "starts_on": today,
                 "representations_due": today + datetime.timedelta(days=due_in_days),
                 "conditions": "Grandmother drops off and collects at the side gate."})
    letter = letter_services.letter_start(case=case, purpose="provisional_ban", by=lead, recipient=parent, step=step)
    if method == "email":
        letter = issue_by_email(letter, head=head, by=office, capture=capture)
    else:
        letter = issue_on_paper(letter, head=head, by=office, capture=capture, method=method)
    ban.refresh_from_db()
    return case, ban, letter
