"""Once an e-mail has gone, the outbox keeps its body without the links that open a page by their token
alone: whoever reads the outbox (an administrator, a superuser in Django's admin) cannot use a colleague's
invitation, a password reset or a parent's letter page. The recipient's e-mail keeps its working link."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from incidents.access import services as access_services
from incidents.administration import services as administration_services
from incidents.models import Notification
from incidents.notifications.redaction import NOT_KEPT, without_secret_links
from incidents.roles import Role
from tests.incidents.parents.setup import emailed_ban_letter, page_path_in

pytestmark = pytest.mark.django_db

ANY_LINK = re.compile(r"https?://\S+")


def _links_in(text: str) -> list[str]:
    return ANY_LINK.findall(text)


def test_an_invitations_link_reaches_the_colleague_but_is_not_kept(administrator, school,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dana = administration_services.user_invite(email="dana@school.example", first_name="Dana",
                                                   last_name="Deputy", roles=[Role.LEAD], by=administrator)
    [message] = [m for m in mail.outbox if m.to == ["dana@school.example"]]
    [link] = [link for link in _links_in(message.body) if "/accounts/invitation/" in link]

    kept = Notification.objects.get(recipient=dana, kind=Notification.Kind.INVITATION)
    assert kept.state == Notification.State.SENT
    assert "/accounts/invitation/" not in kept.body and NOT_KEPT in kept.body
    assert Client().get(urlsplit(link).path).status_code == 200


def test_a_password_resets_link_reaches_its_owner_but_is_not_kept(lead, django_capture_on_commit_callbacks):
    uidb64 = urlsafe_base64_encode(force_bytes(lead.pk))
    token = default_token_generator.make_token(lead)
    with django_capture_on_commit_callbacks(execute=True):
        access_services.password_reset_send(user=lead, uidb64=uidb64, token=token)
    [message] = mail.outbox
    assert token in message.body

    kept = Notification.objects.get(recipient=lead, kind=Notification.Kind.PASSWORD_RESET)
    assert kept.state == Notification.State.SENT
    assert token not in kept.body and uidb64 not in kept.body and NOT_KEPT in kept.body


def test_a_parents_letter_page_link_reaches_the_parent_but_is_not_kept(school, office, lead, head,
                                                                       django_capture_on_commit_callbacks):
    _case, _ban, letter = emailed_ban_letter(school=school, office=office, lead=lead, head=head,
                                             capture=django_capture_on_commit_callbacks)
    [message] = [m for m in mail.outbox if m.to == [letter.recipient_email]]
    path = page_path_in(message.body)

    kept = Notification.objects.get(letter=letter)
    assert kept.state == Notification.State.SENT
    assert path not in kept.body and "/letter/" not in kept.body and NOT_KEPT in kept.body
    assert Client().get(path).status_code == 200


def test_ordinary_links_and_the_sentence_around_a_token_link_are_kept_as_they_were(settings):
    body = ("Case CB-2026-0001: https://casebook.example/cases/CB-2026-0001/.\n"
            "Choose a password: https://casebook.example/accounts/invitation/abc.def-123/.\n"
            "Sign in: https://casebook.example/accounts/login/")
    kept = without_secret_links(body)
    assert kept == ("Case CB-2026-0001: https://casebook.example/cases/CB-2026-0001/.\n"
                    f"Choose a password: {NOT_KEPT}.\n"
                    "Sign in: https://casebook.example/accounts/login/")
