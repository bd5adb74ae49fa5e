"""The school in hand: which of their schools a signed-in person is working in on this request.

Someone who works in one school always works there; someone in two chooses with the switcher in the
navigation bar, and the choice is kept in the session and checked against their memberships on every
request (a membership taken away ends it at once). A trust's safeguarding lead switches the same way
between the trust's schools (schools_open_to). Everything the request then reads — roles, the cases
the user may see (visibility.cases_visible_to), parents, settings, reports — is that school's.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Exists, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from incidents.access.requests import AuthenticatedHttpRequest
from incidents.models import Membership, TrustMembership, User
from incidents.roles import Role
from policies.models import School

SCHOOL_CHOSEN = "casebook_school"


def schools_open_to(user: User) -> QuerySet[School]:
    """The schools the user may work in: those they are a member of, and every school of a trust whose
    safeguarding lead they are (never a school outside it)."""
    trusts = TrustMembership.objects.filter(user=user, safeguarding_lead=True).values("trust_id")
    return School.objects.filter(Q(memberships__user=user) | Q(trust__in=trusts)).distinct()


def schools_of(user: User) -> list[School]:
    """The schools the user may work in (schools_open_to), by name."""
    return list(schools_open_to(user).order_by("name", "pk"))


def members(school: School, *roles: Role) -> QuerySet[User]:
    """The members of `school` holding any of `roles` (any member when none are given), each read as at
    that school: their `role_names` are their roles there (one query for all, not one per person)."""
    # One filter call, so that the roles are those of the membership of this school (one join).
    held_here: dict[str, object] = {"memberships__school": school}
    if roles:
        held_here["memberships__roles__name__in"] = [role.value for role in roles]
    found = User.objects.filter(**held_here)
    at_school = Membership.objects.filter(school=school).select_related("school").prefetch_related("roles")
    return found.distinct().prefetch_related(Prefetch("memberships", queryset=at_school), "trust_memberships")


def school_of(request: HttpRequest) -> School | None:
    """The request's school (SchoolMiddleware), for views typed with a plain HttpRequest (public pages)."""
    return getattr(request, "school", None)


def school_for(user: User, *, chosen: int | None) -> School | None:
    """The school a request works in: the chosen one if the user is still a member of it, else their
    first school by name. A user with no membership (no role anywhere) and anyone signed out get the
    installation's first school, so that public pages and an empty home page still name a school;
    they hold no role there, so see nothing of it."""
    if not user.is_authenticated:
        return School.objects.order_by("pk").first()
    # Whether they lead a trust (the navigation bar's link to its statistics) comes with the schools
    # read anyway, rather than as one more query on every page.
    leads = Exists(TrustMembership.objects.filter(user=user, leader=True))
    schools = list(schools_open_to(user).annotate(leads_a_trust=leads).order_by("name", "pk"))
    first = schools[0] if schools else School.objects.annotate(leads_a_trust=leads).order_by("pk").first()
    # Kept for the switcher and the navigation bar, this request only.
    user._schools = schools  # type: ignore[attr-defined]
    user.leads_a_trust = bool(first is not None and first.leads_a_trust)  # type: ignore[attr-defined]
    for school in schools:
        if school.pk == chosen:
            return school
    return first


class SchoolMiddleware:
    """Sets `request.school`, and the signed-in user's roles there (User.at)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        request.school = school_for(user, chosen=request.session.get(SCHOOL_CHOSEN))  # type: ignore[attr-defined,arg-type]
        if user.is_authenticated:
            user.at(request.school)  # type: ignore[attr-defined]
        return self.get_response(request)


@require_POST
def school_switch(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Work in another of one's schools: 404 for a school one may not work in (schools_open_to)."""
    school = get_object_or_404(schools_open_to(request.user), pk=request.POST.get("school"))
    request.session[SCHOOL_CHOSEN] = school.pk
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = resolve_url("incidents:home")
    # Another school's page (a case of the school left) would be a 404: its home page is the safe place.
    return HttpResponseRedirect(resolve_url("incidents:home") if "/cases/" in back else back)


class MembershipBackend(ModelBackend):
    """Django permissions from the user's roles at the school in hand (Membership.roles), not from
    `User.groups`: a role held in one school grants nothing in another."""

    def _get_group_permissions(self, user_obj):
        school = user_obj.school_in_hand
        if school is None:
            return Permission.objects.none()
        held = Q(group__memberships__user=user_obj, group__memberships__school=school)
        if Role.DSL.value in user_obj.role_names:
            # Held through a trust (TrustMembership) as well as, or instead of, a membership here.
            held |= Q(group__name=Role.DSL.value)
        return Permission.objects.filter(held).distinct()
