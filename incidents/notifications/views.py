"""Each person's own choice of Casebook's e-mails."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from incidents.access.requests import AuthenticatedHttpRequest
from incidents.notifications import services
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
