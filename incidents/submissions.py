"""One submission, one record: a form carries a one-use token, so a double click, a resend or a
second tab saves once and the second request is shown the first one's result."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from django import forms
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from incidents import submissions
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.inputs import DatesInRange
from incidents.models import (
    Submission,
    User,
)


@dataclass(frozen=True)
class SubmissionClaim:
    first: bool
    result_url: str


def submission_claim(*, token: str, user: User, result_url: str) -> SubmissionClaim:
    """Record that the form with this token was handled, unless it already was.

    Call inside the same transaction as the write, before it: a second POST of the same form
    (a double-click, a resend) finds the first one's result and must not write again.
    """
    try:
        with transaction.atomic():
            Submission.objects.create(token=token, user=user, result_url=result_url)
    except IntegrityError:
        existing = Submission.objects.get(token=token)
        return SubmissionClaim(first=False, result_url=existing.result_url)
    return SubmissionClaim(first=True, result_url=result_url)


def submission_seen(*, token: str) -> str | None:
    """The result of an already handled submission, or None."""
    return Submission.objects.filter(token=token).values_list("result_url", flat=True).first()


class OncePerSubmissionForm(DatesInRange, forms.Form):
    """Carries a random token so a double-clicked or resent form is handled once."""

    submission_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", secrets.token_urlsafe(24))
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_submission_token(self) -> str:
        return self.cleaned_data.get("submission_token") or secrets.token_urlsafe(24)


def already_handled(request: HttpRequest) -> HttpResponse | None:
    """A form submitted again (double-click, resend) goes to the first submission's result."""
    if request.method != "POST":
        return None
    seen = submissions.submission_seen(token=request.POST.get("submission_token", ""))
    return redirect(seen) if seen else None


def once_per_submission(request: AuthenticatedHttpRequest, token: str, write: Callable[[], str]) -> HttpResponse:
    """Run `write` (which returns the URL to go to) once per form submission token.

    A second POST of the same form — a double-click, a resend after a slow response — is sent
    to the first one's result and writes nothing. The token is claimed before `write` runs, in the
    same transaction: a second copy arriving while the first is still saving waits on the token's
    unique index until the first commits, then finds it, so it never stores a file of its own that
    its rollback would leave behind. If `write` fails, the claim goes with it and the form can be sent again.
    """
    seen = submissions.submission_seen(token=token)
    if seen:
        return redirect(seen)
    with transaction.atomic():
        claim = submissions.submission_claim(token=token, user=request.user, result_url="")
        if not claim.first:
            return redirect(claim.result_url)
        url = write()
        Submission.objects.filter(token=token).update(result_url=url)
    return redirect(url)
