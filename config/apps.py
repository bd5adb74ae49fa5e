"""Plain names for the apps Casebook installs, as Django's admin shows them, and Casebook's admin site.

The admin lists apps by their AppConfig's verbose_name; the packages' own are their code names
("AXES", "OTP_TOTP"). These subclasses change only the name: the label, models and migrations stay
the packages' own.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.apps import AuthConfig
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDeviceConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPDeviceConfig


class CasebookAdminConfig(AdminConfig):
    default_site = "config.admin_site.CasebookAdminSite"


class RolesConfig(AuthConfig):
    verbose_name = "Roles and permissions"


class AuthenticatorAppsConfig(TOTPDeviceConfig):
    verbose_name = "Two-factor sign-in: authenticator apps"


class RecoveryCodesConfig(StaticDeviceConfig):
    verbose_name = "Two-factor sign-in: recovery codes"


class SignInAttemptsConfig(AxesAppConfig):
    verbose_name = "Sign-in attempts and lock-outs"
