from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.favicon import favicon
from config.health import healthz
from incidents.access import accounts, schools, twofactor
from incidents.administration import users as administration_users

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", twofactor.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", twofactor.two_factor_setup, name="two_factor_setup"),
    path("accounts/security/", twofactor.account_security, name="account_security"),
    path("accounts/confirm/", twofactor.confirm, name="confirm"),
    path("accounts/invitation/<str:token>/", administration_users.invitation_accept, name="invitation_accept"),
    path("accounts/", include(accounts.urlpatterns)),
    path("school/", schools.school_switch, name="school_switch"),
    path("admin/", admin.site.urls),
    path("", include("policies.urls")),
    path("", include("incidents.urls")),
]
