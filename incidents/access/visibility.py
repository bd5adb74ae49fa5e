"""Who may see which cases: the one definition (cases_visible_to), used by every list, search, count,
export, download and detail page.

Only cases of the school in hand (User.school_in_hand: the request's school, or the school a task works
for), by the roles held there; a case of another school is never visible, whatever one's roles there.

Office staff see the cases they logged or are assigned to, never restricted ones unless assigned;
leads see the cases they lead or are assigned to and every unrestricted one; the Head Teacher sees
everything; the safeguarding lead sees safeguarding cases; governors only cases referred to them, and
the chair of governors the ban cases they review with the Head Teacher."""

from django.db.models import BooleanField, Func, Q, QuerySet
from django.db.models.expressions import RawSQL

from incidents.models import Case, Concern, Sanction, User
from incidents.roles import Role

_Assignees = Case.assignees.through


_Governors = Case.governors.through

# A ban the chair of governors reviews with the Head Teacher: awaiting representations, awaiting the
# review, in force until its next review, or just lifted (until the case is closed, so the chair can
# record taking part in that last review). A withdrawn ban was never reviewed.
BAN_STATES_WITH_THE_CHAIR = (
    Sanction.State.PROVISIONAL, Sanction.State.REPRESENTATIONS, Sanction.State.CONFIRMED, Sanction.State.VARIED,
    Sanction.State.LIFTED,
)


def cases_visible_to(user: User, *, for_page: bool = False) -> QuerySet[Case]:
    """Every case this user may see — the one definition used by every list, search, count,
    export, download and detail page.

    - the Head Teacher: all cases;
    - anyone assigned (the lead, or an assignee): that case, even when restricted;
    - investigating leads: all unrestricted cases;
    - office staff: unrestricted cases they logged (opened, or logged a concern on);
    - the Safeguarding lead: unrestricted safeguarding cases;
    - governors: unrestricted cases referred to them;
    - the chair of governors, besides: unrestricted open cases with a ban under review
      (BAN_STATES_WITH_THE_CHAIR);
    - administrators and users without a role: none.

    Each only within the school in hand (User.school_in_hand): none without one.

    `for_page` gives the same cases in a form suited to one page of a long ordered list (see _IsTrue).
    """
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    school = user.school_in_hand
    if school is None:
        return Case.objects.none()
    of_school = Case.objects.filter(school=school)
    if sees_every_case(user):
        return of_school

    ids = _ids_visible_to(user)
    if user.has_role(Role.LEAD):
        # Nearly every case: a plain condition reads them faster than a list of ids would.
        return of_school.filter(Q(restricted=False) | Q(pk__in=ids))
    if for_page:
        return of_school.filter(_IsTrue(Q(pk__in=ids)))
    return of_school.filter(pk__in=ids)


def _ids_visible_to(user: User) -> RawSQL:
    """The ids behind cases_visible_to for anyone but the Head Teacher (an investigating lead: only
    the cases they lead or are assigned to; the rest are all unrestricted cases).

    Built as `pk IN (a UNION b UNION …)`, each part one index scan, not as an OR of conditions: an
    OR over several tables can use no index, so every count would read every case (~70 ms
    per count at 100,000 cases for office staff; the union is a few ms).

    The SQL depends only on who the user is and their roles, and reads the cases afresh each time it
    runs; so it is written out once and kept on the user object, with the roles it was written for
    (~2.5 ms of Python each time, and a page asks more than once). A user object lives for one
    request, or one task; if its roles are read again, the SQL is written again.
    """
    written_for = (user.role_names, user.is_chair_of_governors, user.school_in_hand)
    kept = getattr(user, "_visible_ids_sql", None)
    if kept is not None and kept[0] == written_for:
        return RawSQL(*kept[1])  # noqa: S611 (Django compiled it; parameters kept apart)
    parts = _led_or_assigned(user)
    if not user.has_role(Role.LEAD):
        # "Not restricted" for rows of other tables: not among the (few) restricted cases' ids, one
        # small index scan, rather than a join to every case.
        unrestricted = Case.objects.filter(restricted=False)
        restricted = Case.objects.filter(restricted=True).values("pk")
        if user.has_role(Role.OFFICE):
            parts += [
                unrestricted.filter(created_by=user).values("pk"),
                Concern.objects.filter(logged_by=user).exclude(case__in=restricted).values("case_id"),
            ]
        if user.has_role(Role.DSL):
            # The school's own: in a trust of 300 schools every school's safeguarding cases (15,000
            # ids) would otherwise be read, to be cut down to this school's by the caller.
            parts.append(unrestricted.filter(school=user.school_in_hand, safeguarding=True).values("pk"))
        if user.has_role(Role.GOVERNOR):
            parts.append(_Governors.objects.filter(user=user).exclude(case__in=restricted).values("case_id"))
        if user.is_chair:
            # Few bans at any time: the state index finds them, each joined to its one case (the
            # chair's count: ~1.6 ms at 30,000 cases with 44 bans under review, on PostgreSQL).
            parts.append(Sanction.objects.filter(
                kind=Sanction.Kind.BAN, state__in=BAN_STATES_WITH_THE_CHAIR, case__restricted=False,
            ).exclude(case__status=Case.Status.CLOSED).values("case_id"))
    ids = _union(parts)
    # Kept on this user object for the rest of its request (see above): not a field of the model.
    user._visible_ids_sql = (written_for, (ids.sql, ids.params))  # type: ignore[attr-defined]
    return ids


def _led_or_assigned(user: User) -> list[QuerySet]:
    """The ids of the cases this user leads and of those they are assigned to: two index scans."""
    return [Case.objects.filter(lead=user).values("pk"), _Assignees.objects.filter(user=user).values("case_id")]


def ids_led_or_assigned(user: User) -> RawSQL:
    """The ids of the cases this user leads or is assigned to (restricted ones included), for
    `pk__in`. An OR across the case and its assignees would join every case to its assignees and
    de-duplicate (~60 ms at 100,000 cases); the two index scans take well under 1."""
    return _union(_led_or_assigned(user))


def sees_every_case(user: User) -> bool:
    """The Head Teacher sees every case, restricted ones included (cases_visible_to)."""
    return user.is_authenticated and user.is_active and user.has_role(Role.HEAD)


class _IsTrue(Func):
    """`(condition) IS TRUE`: the same rows as the bare condition, but PostgreSQL tests each row
    against a hashed set of the union's ids instead of joining it in — so an ordered page walks its
    sort index and stops after 25 rows (7 ms instead of 23 ms for an office user's first
    page at 100,000 cases). A count still reads every visible case, and is faster joined: hence
    `for_page` only where a page of a long ordered list is read."""

    template = "(%(expressions)s) IS TRUE"
    output_field = BooleanField()


def _union(parts: list[QuerySet]) -> RawSQL:
    """The parts' ids as one UNION ALL, written out as SQL once: left as a queryset, a union is
    compiled again inside each query that uses it."""
    first, *rest = (part.order_by() for part in parts)  # a compound statement's parts may not be ordered
    union = first.union(*rest, all=True) if rest else first
    return RawSQL(*union.query.sql_with_params())  # noqa: S611 (Django compiled it; parameters kept apart)
