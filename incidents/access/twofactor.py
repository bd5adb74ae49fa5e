"""Two-factor sign-in (TOTP with recovery codes) and fresh confirmation before serious actions.

- The Head Teacher, investigating leads, the Safeguarding lead and administrators must use a
  second factor; office staff and governors may opt in. Until a signed-in user who needs it has
  verified a code, every page sends them to set up or enter their code.
- Recording a decision, approving or issuing a letter and exporting data ask for the password or
  a code again if the last confirmation is older than RECENT_CONFIRMATION_SECONDS. A POST that
  arrives without a fresh confirmation is not lost: the confirmation page carries its fields and
  sends them on once confirmed.
"""

import base64
import functools
import time
from collections.abc import Callable

import segno
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from incidents.access import services
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.models import Membership, TrustMembership
from incidents.roles import Role

ROLES_NEEDING_TWO_FACTOR = (Role.HEAD, Role.LEAD, Role.DSL, Role.ADMIN)
CONFIRMED_AT = "casebook_confirmed_at"
CHECKED_NO_DEVICE = "casebook_checked_no_device"
# The secret of a phone being set up, kept in the session until a code from it is right.
PENDING_KEY = "casebook_pending_totp_key"


def needs_two_factor(user) -> bool:
    """A role needing a second factor at any of the user's schools: one sign-in serves them all."""
    if any(user.has_role(role) for role in ROLES_NEEDING_TWO_FACTOR):
        return True
    schools = getattr(user, "_schools", None)  # their schools, when SchoolMiddleware read them
    if schools is not None and len(schools) <= 1:
        return False  # their only school is the one in hand: its roles were all there is
    return Membership.objects.filter(
        user_id=user.pk, roles__name__in=[role.value for role in ROLES_NEEDING_TWO_FACTOR]).exists() or (
        # A trust's safeguarding lead is the Safeguarding lead in each of its schools.
        TrustMembership.objects.filter(user_id=user.pk, safeguarding_lead=True).exists())


class RequireTwoFactorMiddleware:
    """Send a signed-in user who must use a second factor to set it up or to enter a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        # is_verified is added to the user by django-otp's OTPMiddleware, which the stubs don't know.
        if user.is_authenticated and not user.is_verified() and not self._exempt(request.path):  # type: ignore[attr-defined]
            required = needs_two_factor(user)
            # Office staff and governors may opt in: whether they have is looked up once per
            # sign-in, not on every page (setting up a device verifies the session anyway).
            if required or request.session.get(CHECKED_NO_DEVICE) != user.pk:
                if user_has_device(user, confirmed=True):
                    return redirect(f"{reverse('two_factor_verify')}?next={request.get_full_path()}")
                if required:
                    return redirect("two_factor_setup")
                request.session[CHECKED_NO_DEVICE] = user.pk
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        # The parent's letter page (incidents.parents) and /report/, the public form (incidents.reporting),
        # are no staff pages: they show nothing of the signed-in user's.
        return path.startswith(
            ("/accounts/two-factor/", "/accounts/logout/", "/static/", "/healthz", "/letter/", "/p/", "/report/",
             "/favicon.ico"),
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
    )


def _safe_next(request: HttpRequest, fallback: str = "incidents:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(fallback)


def _mark_confirmed(request: HttpRequest) -> None:
    request.session[CONFIRMED_AT] = time.time()


def _code_verified(request: HttpRequest, device) -> None:
    """The session is now verified by `device`: a new session key, so a key seen before the code
    (a fixed or stolen cookie) no longer opens anything."""
    request.session.cycle_key()
    otp_login(request, device)
    _mark_confirmed(request)


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].replace(" ", ""))
        if device is not None:
            _code_verified(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(request, f"You used a recovery code. {left} left: set up new ones if that is few.")
            return redirect(_safe_next(request))
        form.add_error("code", "That code is not right. Check the time on your phone, or use a recovery code.")
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _safe_next(request)})


def may_enrol(request: HttpRequest) -> bool:
    """A password alone may set up a phone only for someone who has none; replacing one needs a
    session already verified by the current phone or a recovery code."""
    # is_verified is added to the user by django-otp's OTPMiddleware, which the stubs don't know.
    return request.user.is_verified() or not user_has_device(request.user, confirmed=True)  # type: ignore[union-attr]


def _totp_code_is_right(key: str, code: str) -> bool:
    try:
        token = int(code)
    except ValueError:
        return False
    return TOTP(bytes.fromhex(key), step=30, t0=0, digits=6).verify(token, tolerance=1)


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up a phone, or move to a new one. The new secret lives in this session only until a code
    from it is right: no device row exists that a second session could confirm, and the current phone
    and recovery codes stay as they are until then."""
    if not may_enrol(request):
        messages.info(request, "To move two-factor sign-in to a new phone, first enter a code from your current "
                               "phone or one of your recovery codes. Lost both? Ask an administrator to reset it.")
        return redirect(f"{reverse('two_factor_verify')}?next={reverse('two_factor_setup')}")
    user = request.user
    key = request.session.get(PENDING_KEY) or random_hex(20)
    request.session[PENDING_KEY] = key
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _totp_code_is_right(key, form.cleaned_data["code"].replace(" ", "")):
            device, codes = services.two_factor_enrol(user=user, key=key)
            del request.session[PENDING_KEY]
            _code_verified(request, device)
            return render(request, "registration/two_factor_recovery_codes.html", {"codes": codes})
        form.add_error("code", "That code is not right. Scan the code again and enter the newest 6 digits.")
    pending = TOTPDevice(user=user, key=key, name=services.AUTHENTICATOR_NAME)
    qr = segno.make(pending.config_url, micro=False).svg_inline(scale=4, title="Scan with your authenticator app")
    return render(request, "registration/two_factor_setup.html", {
        "form": form, "qr_svg": qr, "secret": _base32(pending.bin_key), "required": needs_two_factor(user),
    })


def _base32(key: bytes) -> str:
    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


@require_http_methods(["GET", "POST"])
@login_required
def account_security(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own sign-in settings: two-factor status, new recovery codes."""
    wants_codes = request.method == "POST" and request.POST.get("action") == "recovery-codes"
    if wants_codes and request.user.is_verified():  # type: ignore[attr-defined]  # added by OTPMiddleware
        return render(request, "registration/two_factor_recovery_codes.html",
                      {"codes": services.recovery_codes_replace(user=request.user)})
    devices = [d for d in devices_for_user(request.user) if isinstance(d, TOTPDevice)]
    return render(request, "registration/account_security.html", {
        "has_two_factor": bool(devices), "required": needs_two_factor(request.user),
    })


# --- fresh confirmation before serious actions ---------------------------------------------------

def is_recently_confirmed(request: HttpRequest) -> bool:
    confirmed_at = request.session.get(CONFIRMED_AT, 0)
    return time.time() - confirmed_at < settings.RECENT_CONFIRMATION_SECONDS


def _check_secret(request: HttpRequest, secret: str) -> bool:
    """A code from the phone, a recovery code, or the password. The password goes through
    authenticate(), so django-axes counts a wrong one (or a wrong code, which is tried as a password
    too) with the failed sign-ins of that username from that address, and locks the same way; once
    locked, nothing is accepted until the lock ends."""
    secret = secret.strip()
    if not secret:
        return False
    username = request.user.get_username()
    if not AxesProxyHandler.is_allowed(request, {"username": username}):
        request.axes_locked_out = True  # type: ignore[attr-defined]  # AxesMiddleware answers with the lock page
        return False
    if match_token(request.user, secret.replace(" ", "")) is not None:
        return True
    user = authenticate(request=request, username=username, password=secret)
    return user is not None and user.pk == request.user.pk


def recent_confirmation_required(*, guard: Callable[..., object]):
    """Ask for the password or a code again unless confirmed within the last few minutes.

    `guard(request, *args, **kwargs)` runs first and raises PermissionDenied or Http404 for anyone
    who may not use the page at all, so they are refused outright, never asked for a password.
    A GET (an export, a download) shows the confirmation page, which confirms at /accounts/confirm/
    and comes back to the same address. A POST (a decision, an approval) shows it with the form's
    fields carried, and is carried out once confirmed.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            guard(request, *args, **kwargs)
            if is_recently_confirmed(request):
                return view(request, *args, **kwargs)
            if request.method != "POST":
                return render(request, "registration/confirm.html", {
                    "carried": [("next", request.get_full_path())], "error": "", "action": reverse("confirm"),
                })
            if "_confirm_secret" in request.POST:
                if _check_secret(request, request.POST["_confirm_secret"]):
                    _mark_confirmed(request)
                    fields = request.POST.copy()
                    fields.pop("_confirm_secret")
                    # The stubs call request.POST immutable, but Django lets a view replace it.
                    request.POST = fields  # type: ignore[assignment]
                    return view(request, *args, **kwargs)
                error = "That password or code is not right."
            else:
                error = ""
            carried = [(key, value) for key, values in request.POST.lists() if key not in {"csrfmiddlewaretoken",
                                                                                          "_confirm_secret"}
                       for value in values]
            return render(request, "registration/confirm.html", {
                "carried": carried, "error": error, "action": request.get_full_path(),
            })

        # Lets the test of every role against these pages find each one (tests/security).
        wrapper.__dict__["asks_for_confirmation"] = True
        return wrapper

    return decorator


@require_http_methods(["POST"])
@login_required
def confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Confirm it is you, then go back to the page that asked (used by GET pages such as exports)."""
    target = _safe_next(request)
    if _check_secret(request, request.POST.get("_confirm_secret", "")):
        _mark_confirmed(request)
        return redirect(target)
    return render(request, "registration/confirm.html", {
        "carried": [("next", target)], "error": "That password or code is not right.", "action": reverse("confirm"),
    })
