"""Each person's own choice of Casebook's e-mails; the e-mails that were not sent, and sending one again."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access.permissions import can_resend_email
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.notifications import selectors, services
from incidents.notifications.forms import NotificationModeForm


@require_http_methods(["GET", "POST"])
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A person's own choice: Casebook's e-mails at once, or one daily digest."""
    form = NotificationModeForm(request.POST or None, initial={"notification_mode": request.user.notification_mode})
    if request.method == "POST" and form.is_valid():
        services.user_set_notification_mode(user=request.user, mode=form.cleaned_data["notification_mode"])
        messages.success(request, "Your choice of e-mails is saved.")
        return redirect("incidents:notification_settings")
    return render(request, "incidents/notifications/settings.html", {"form": form})


@require_GET
def emails_not_sent(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The office's list of e-mails that have not gone, each with its reason and a button to try again."""
    if not can_resend_email(request.user):
        raise PermissionDenied
    return render(request, "incidents/notifications/not_sent.html", {
        "emails": selectors.emails_not_sent(request.user)[:200],
    })


@require_POST
def email_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send a failed e-mail again; back to the page the button was on."""
    if not can_resend_email(request.user):
        raise PermissionDenied
    notification = selectors.email_not_sent_for(request.user, pk)
    try:
        services.notification_retry(notification=notification, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The e-mail to {notification.addressee} is being sent again.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("incidents:emails_not_sent")
    return redirect(back)
