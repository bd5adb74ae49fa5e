"""Every page but sign-in is for a signed-in user (LoginRequiredMiddleware), so its request says so."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from incidents.models import User
from policies.models import School


class AuthenticatedHttpRequest(HttpRequest):
    user: User
    school: School  # the school in hand (access.schools.SchoolMiddleware)
    htmx: HtmxDetails  # set on every request by django_htmx's HtmxMiddleware
