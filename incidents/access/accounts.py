"""A person's own password: change it when signed in, or reset a forgotten one by e-mail.

Django's auth views with the school's templates. Changing needs a session that passed the second
factor where the role needs one (RequireTwoFactorMiddleware covers these pages like any other). A
reset only sets the password: the person then signs in as usual, code included, and the reset never
marks a session verified. The current password typed to change it goes through authenticate(), so
wrong ones count towards the sign-in lockout.
"""

from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import path, reverse_lazy

from incidents.access import services


class CheckedPasswordChangeForm(PasswordChangeForm):
    def __init__(self, user, *args, request: HttpRequest, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if authenticate(request=self.request, username=self.user.get_username(), password=old_password) is None:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class OutboxPasswordResetForm(PasswordResetForm):
    """Sends the link through Casebook's outbox, like every other e-mail."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None) -> None:
        services.password_reset_send(user=context["user"], uidb64=context["uid"], token=context["token"])


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = CheckedPasswordChangeForm
    template_name = "registration/account_password_change.html"
    success_url = reverse_lazy("password_change_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


urlpatterns = [
    path("password_change/", PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="registration/account_password_change_done.html"), name="password_change_done"),
    path("password_reset/", auth_views.PasswordResetView.as_view(
        form_class=OutboxPasswordResetForm, template_name="registration/account_password_reset.html",
        success_url=reverse_lazy("password_reset_done")), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(
        template_name="registration/account_password_reset_done.html"), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="registration/account_password_reset_confirm.html",
        success_url=reverse_lazy("password_reset_complete")), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="registration/account_password_reset_complete.html"), name="password_reset_complete"),
]
