"""Writes about how a person signs in: enrolling a phone, recovery codes, an administrator's reset.

Who may set up a phone is decided by the setup view (incidents.access.twofactor): a user with no
confirmed device yet, or a session already verified by the current device or a recovery code.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.models import Notification, TwoFactorReset, User
from incidents.notifications import emails
from incidents.notifications.services import notification_queue

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"


@transaction.atomic
def recovery_codes_replace(*, user: User) -> list[str]:
    """Replace the user's recovery codes with new single-use ones, shown once.

    Writes: the user's StaticDevice (created if missing) and its StaticTokens (all replaced).
    Called by the setup view after enrolment and by the account page for a verified session.
    """
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_CODES_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def two_factor_enrol(*, user: User, key: str) -> tuple[TOTPDevice, list[str]]:
    """Make the authenticator with `key` (hex) the user's only one, and give new recovery codes.

    Writes: deletes the user's other TOTP devices (an older phone, unconfirmed leftovers), creates a
    confirmed TOTPDevice, replaces the recovery codes. Called only by the setup view, once a code from
    the new key was right and the session was allowed to enrol.
    """
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, key=key, name=AUTHENTICATOR_NAME, confirmed=True)
    return device, recovery_codes_replace(user=user)


@transaction.atomic
def two_factor_reset(*, user: User, by: User | None, reason: str, channel: str) -> TwoFactorReset:
    """An administrator's reset for a lost phone: the person enrols again with their password.

    Writes: deletes every OTP device of the user (authenticator and recovery codes), so sessions
    verified by them are no longer verified; a TwoFactorReset row (who, whom, when, why); an e-mail
    to the person through the outbox, at once, so a reset they did not ask for is noticed.
    Refuses an empty reason and an administrator resetting their own (another must do it, or the
    server's command line). Called by the admin action and `manage.py reset_two_factor`.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the two-factor sign-in is reset (for example, how the phone was lost).")
    if by is not None and by.pk == user.pk:
        raise PermissionDenied("Another administrator must reset your own two-factor sign-in.")
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed += devices.count()
        devices.delete()
    reset = TwoFactorReset.objects.create(user=user, by=by, channel=channel, reason=reason,
                                          devices_removed=removed)
    notification_queue(recipient=user, kind=Notification.Kind.TWO_FACTOR_RESET, at_once=True,
                       email=emails.two_factor_reset(link=emails.site_link(reverse("login"))))
    return reset


def password_reset_send(*, user: User, uidb64: str, token: str) -> None:
    """E-mail a link to choose a new password, through the outbox, at once.

    The link is built from SITE_URL, never from the Host header of the request that asked. It opens only
    the choice of a new password: signing in afterwards still asks for the second factor.
    Writes: one Notification (the e-mail). Called by the reset form for each active account with the
    address typed (and none for an unknown address, which the page does not reveal).
    """
    link = emails.site_link(reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token}))
    notification_queue(recipient=user, kind=Notification.Kind.PASSWORD_RESET, at_once=True,
                       email=emails.password_reset(link=link, username=user.get_username()))
