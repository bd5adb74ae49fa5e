"""Who may use Casebook, at /users/: invite a colleague with their roles, change roles, deactivate and
reactivate, send an invitation again or withdraw it, reset a lost second factor. Administrators only.
Also the page an invitation's one-time link opens, for anyone holding it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access.permissions import allowed_if, may_change_settings
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.access.schools import members
from incidents.access.twofactor import needs_two_factor
from incidents.administration import selectors, services
from incidents.administration.forms import InviteForm, RolesForm, TwoFactorResetForm
from incidents.roles import Role


def _refused(error: ValidationError | PermissionDenied) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@require_GET
@allowed_if(may_change_settings)
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "incidents/administration/users.html",
                  {"colleagues": selectors.colleagues(school=request.school)})


@require_http_methods(["GET", "POST"])
@allowed_if(may_change_settings)
def user_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_invite(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if user.has_usable_password():  # already uses Casebook at another school
                messages.success(request, f"{user.display_name} already uses Casebook at another school: they now "
                                          "work here too, with their own password, and choose the school at the top.")
            else:
                messages.success(request, f"{user.display_name} is invited: the link in their e-mail works once, "
                                          f"for {services.INVITATION_DAYS} days.")
            return redirect("incidents:user_list")
    return render(request, "incidents/administration/settings_form.html", {
        "form": form, "title": "Invite a colleague", "button": "Send the invitation", "back": "incidents:user_list",
    })


@require_http_methods(["GET", "POST"])
@allowed_if(may_change_settings)
def user_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(members(request.school), pk=pk)
    colleague = selectors.colleague_of(user)
    form = RolesForm(request.POST or None, initial={"roles": [role.value for role in Role if user.has_role(role)]})
    if request.method == "POST" and form.is_valid():
        try:
            event = services.user_roles_change(user=user, by=request.user,
                                               roles=[Role(value) for value in form.cleaned_data["roles"]])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, event.summary if event else "Nothing changed.")
            return redirect("incidents:user_detail", pk=user.pk)
    return render(request, "incidents/administration/user.html", {
        "colleague": colleague, "form": form, "is_me": user.pk == request.user.pk,
        "events": selectors.administration_events(school=request.school, about=user, limit=50),
    })


def _user_action(request: AuthenticatedHttpRequest, pk: int, action, done: str) -> HttpResponse:
    user = get_object_or_404(members(request.school), pk=pk)
    try:
        action(user=user, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _refused(error))
    else:
        messages.success(request, done.format(name=user.display_name))
    return redirect("incidents:user_detail", pk=user.pk)


@require_POST
@allowed_if(may_change_settings)
def user_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Deactivate the account, or, for someone who works elsewhere too, end their membership here (then
    they are no longer one of this school's users, and the list is where to go back to)."""
    user = get_object_or_404(members(request.school), pk=pk)
    try:
        deactivated = services.user_deactivate(user=user, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _refused(error))
        return redirect("incidents:user_detail", pk=user.pk)
    if deactivated or not user.is_active:
        messages.success(request, f"{user.display_name} is deactivated and can no longer sign in. Their name stays "
                                  "on their records.")
        return redirect("incidents:user_detail", pk=user.pk)
    messages.success(request, f"{user.display_name} no longer works at {request.school.name}. Their account stays "
                              "open for their other school or trust; their name stays on their records here.")
    return redirect("incidents:user_list")


@require_POST
@allowed_if(may_change_settings)
def user_reactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _user_action(request, pk, services.user_reactivate, "{name} can sign in again.")


@require_POST
@allowed_if(may_change_settings)
def user_invitation_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _user_action(request, pk, services.invitation_resend,
                        "A new invitation was sent to {name}; the earlier link no longer works.")


@require_POST
@allowed_if(may_change_settings)
def user_invitation_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _user_action(request, pk, services.invitation_withdraw, "The invitation of {name} no longer works.")


@require_http_methods(["GET", "POST"])
@allowed_if(may_change_settings)
def user_two_factor_reset(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(members(request.school), pk=pk)
    form = TwoFactorResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_two_factor_reset(user=user, by=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _refused(error))
        else:
            messages.success(request, f"The two-factor sign-in of {user.display_name} is reset; they were e-mailed, "
                                      "and set up their phone again at their next sign-in.")
            return redirect("incidents:user_detail", pk=user.pk)
    return render(request, "incidents/administration/settings_form.html", {
        "form": form, "title": f"Reset the two-factor sign-in of {user.display_name}", "button": "Reset it",
        "back": "incidents:user_list",
    })


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Choose a password from an invitation's one-time link. A link that does not work (made up, used,
    replaced, withdrawn, out of date) gets a plain page, whatever was posted."""
    invitation = selectors.invitation_open(token=token)
    if invitation is None:
        return render(request, "registration/invitation_invalid.html", status=404)
    form = SetPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except services.InvitationInvalid:
            return render(request, "registration/invitation_invalid.html", status=404)
        messages.success(request, "Your password is set. Sign in with your e-mail address and it"
                                  + (": you will then set up two-factor sign-in." if needs_two_factor(user)
                                     else "."))
        return redirect("login")
    return render(request, "registration/invitation_accept.html", {"form": form, "invited": invitation.user})
