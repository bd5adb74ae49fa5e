"""Reads. Who may see a case is decided here, once, and every page starts from it."""

import datetime
import re

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import BooleanField, Count, Exists, Func, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
from django.shortcuts import get_object_or_404
from django.utils import timezone

from incidents.models import Case, CaseEvent, ChatImport, Concern, Evidence, Parent, Statement, User
from incidents.roles import Role
from policies.models import School

_Assignees = Case.assignees.through
_Governors = Case.governors.through


def cases_visible_to(user: User, *, for_page: bool = False) -> QuerySet[Case]:
    """Every case this user may see — the one definition used by every list, search, count,
    export, download and detail page.

    - the Head Teacher: all cases;
    - anyone assigned (the lead, or an assignee): that case, even when restricted;
    - investigating leads: all unrestricted cases;
    - office staff: unrestricted cases they logged (opened, or logged a concern on);
    - the Safeguarding lead: unrestricted safeguarding cases;
    - governors: unrestricted cases referred to them;
    - administrators and users without a role: none.

    `for_page` gives the same cases in a form suited to one page of a long ordered list (see _IsTrue).
    """
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if sees_every_case(user):
        return Case.objects.all()

    ids = _ids_visible_to(user)
    if user.has_role(Role.LEAD):
        # Nearly every case: a plain condition reads them faster than a list of ids would.
        return Case.objects.filter(Q(restricted=False) | Q(pk__in=ids))
    if for_page:
        return Case.objects.filter(_IsTrue(Q(pk__in=ids)))
    return Case.objects.filter(pk__in=ids)


def _ids_visible_to(user: User) -> RawSQL:
    """The ids behind cases_visible_to for anyone but the Head Teacher (an investigating lead: only
    the cases they lead or are assigned to; the rest are all unrestricted cases).

    Built as `pk IN (a UNION b UNION …)`, each part one index scan, not as an OR of conditions: an
    OR over several tables can use no index, so every count would read every case (issue 10: ~70 ms
    per count at 100,000 cases for office staff; the union is a few ms).

    The SQL depends only on who the user is and their roles, and reads the cases afresh each time it
    runs; so it is written out once and kept on the user object, with the roles it was written for
    (~2.5 ms of Python each time, and a page asks more than once). A user object lives for one
    request, or one task; if its roles are read again, the SQL is written again.
    """
    kept = getattr(user, "_visible_ids_sql", None)
    if kept is not None and kept[0] == user.role_names:
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
            parts.append(unrestricted.filter(safeguarding=True).values("pk"))
        if user.has_role(Role.GOVERNOR):
            parts.append(_Governors.objects.filter(user=user).exclude(case__in=restricted).values("case_id"))
    ids = _union(parts)
    user._visible_ids_sql = (user.role_names, (ids.sql, ids.params))
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
    sort index and stops after 25 rows (issue 10: 7 ms instead of 23 ms for an office user's first
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


def case_for(user: User, reference: str) -> Case:
    """The case with this reference if the user may see it; 404 otherwise (never 403: a 403 would
    tell them the case exists)."""
    visible = cases_visible_to(user).select_related("lead", "policy_version__policy")
    # Matched by id, found from the reference in a subquery: with `id = …` PostgreSQL checks each
    # part of the visibility rule for this one case; with `reference = …` it would first list every
    # case the user may see (issue 10: 14 ms → 0.2 ms per case page for office staff at 100,000 cases).
    case_id = Case.objects.filter(reference=reference).order_by().values("pk")[:1]
    return get_object_or_404(visible, pk=Subquery(case_id))


def case_timeline(case: Case) -> QuerySet[CaseEvent]:
    """The case's one chronology, in time order."""
    return case.events.select_related("actor").order_by("at", "id")


def case_evidence(case: Case) -> list[Evidence]:
    """The case's evidence, oldest first, each with who uploaded it and, if it was read as a chat,
    its chat (one query for both: see chat_imports_among)."""
    return list(case.evidence.select_related("uploaded_by", "chat_import"))


def chat_imports_among(evidence: list[Evidence]) -> list[ChatImport]:
    """The chats read from these pieces of evidence (from case_evidence), oldest first, as
    chat_imports_for orders them."""
    chats = [item.chat_import for item in evidence if hasattr(item, "chat_import")]
    return sorted(chats, key=lambda chat: (chat.created_at, chat.pk))


def _search_words(text: str) -> list[str]:
    # Letters and digits only: nothing the user types can be read as tsquery syntax.
    return re.findall(r"[^\W_]+", text)


def case_search(queryset: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Cases whose reference is the text, or whose title, summary, concerns or statements mention
    every word of it.

    PostgreSQL: full-text search on Case.search_document (GIN index; English stemming, so "threats"
    finds "threatened"), the last word matching as a prefix, so results appear while a word is half typed.
    SQLite: the plain fallback, each word anywhere in those texts.
    """
    text = text.strip()
    words = _search_words(text)
    if not words:
        return queryset.filter(reference=text.upper()) if text else queryset
    # References are stored upper-case; an exact match keeps the unique index usable.
    by_reference = Q(reference=text.upper())
    if connection.vendor == "postgresql":
        terms = words[:-1] + [words[-1] + ":*"]
        query = SearchQuery(" & ".join(terms), search_type="raw", config="english")
        return queryset.filter(by_reference | Q(search_document=query))
    matches_all = Q()
    for word in words:
        matches_all &= (
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(Exists(Concern.objects.filter(case=OuterRef("pk"), description__icontains=word)))
            | Q(Exists(Statement.objects.filter(case=OuterRef("pk"), text__icontains=word)))
        )
    return queryset.filter(by_reference | matches_all)


def status_counts(queryset: QuerySet[Case]) -> dict[str, int]:
    # count(*), not count(id): PostgreSQL can then answer from the status index alone (an index-only
    # scan: 12 ms instead of 55 ms over 100,000 cases).
    rows = queryset.order_by().values("status").annotate(n=Count("*"))
    counts = {status: 0 for status in Case.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def open_cases_for_parents(user: User, parent_ids: list[int]) -> QuerySet[Case]:
    """Open cases the user may see about any of these parents (offered when logging a concern)."""
    if not parent_ids:
        return Case.objects.none()
    return (
        cases_visible_to(user)
        .filter(parents__in=parent_ids)
        .exclude(status=Case.Status.CLOSED)
        .distinct()
        .order_by("-opened_at")
    )


NAME_WORDS_MAX = 4


def parents_matching(text: str, *, school: School | None = None) -> QuerySet[Parent]:
    """Parents whose name matches what was typed, in name order (first name, last name or both:
    "karl", "dunn", "karl dunn" and "dun" all find Karl Dunn). Case does not matter.

    Every word must appear in the first or the last name. On PostgreSQL each word is an
    `UPPER(name) LIKE '%WORD%'`, which the trigram indexes on UPPER(first_name) and UPPER(last_name)
    answer (migration 0011); a word of one or two letters holds no trigram, so it must be a whole
    first or last name ("Li", "Ng"), which the same indexes answer by equality. Nothing typed:
    no parents.
    """
    # A name has few words; each is two more index searches, so a long paste counts only its first few.
    # Split at spaces only: "O'Brien" and "Smith-Jones" are one word each (Django escapes % and _).
    words = text.split()[:NAME_WORDS_MAX]
    if not words:
        return Parent.objects.none()
    matching = Parent.objects.all() if school is None else Parent.objects.filter(school=school)
    for word in words:
        if len(word) < 3:
            matching = matching.filter(Q(first_name__iexact=word) | Q(last_name__iexact=word))
        else:
            matching = matching.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    # Ordered by the upper-cased names: the planner, misjudging how many rows a LIKE matches, would
    # otherwise walk the (last_name, first_name) index filtering every parent (~140 ms at 100,000)
    # instead of asking the trigram indexes (a few ms).
    return matching.order_by(Upper("last_name"), Upper("first_name"), "pk")


def earlier_cases_of_parent(parent_id: int, *, exclude: Case | None = None) -> QuerySet[Case]:
    qs = Case.objects.filter(parents=parent_id).order_by("-opened_at")
    return qs.exclude(pk=exclude.pk) if exclude else qs



def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def disposal_due_on(case: Case) -> datetime.date | None:
    """The day a closed case's retention period ends (None while it is open)."""
    if case.status != Case.Status.CLOSED or case.closed_at is None:
        return None
    return _add_years(timezone.localdate(case.closed_at), case.school.retention_years)


def cases_due_for_disposal(*, school, today: datetime.date) -> QuerySet[Case]:
    """Closed cases whose retention period has ended, for the Head Teacher to confirm."""
    closed_by = _add_years(today, -school.retention_years)
    return Case.objects.filter(
        school=school, status=Case.Status.CLOSED, closed_at__date__lte=closed_by
    ).order_by("closed_at")


# --- letters ------------------------------------------------------------------------------------

def letters_visible_to(user: User, *, for_page: bool = False):
    """Letters of the cases this user may see (and no others): the register and every letter page start here.

    `for_page`: the same letters, for one page of the ordered register (see cases_visible_to).
    """
    from incidents.models import Letter

    of_visible_cases = Q(case__in=cases_visible_to(user))
    if for_page and not sees_every_case(user):  # all cases: nothing to test each letter against
        return Letter.objects.filter(_IsTrue(of_visible_cases)).select_related(*LETTER_RELATED)
    return Letter.objects.filter(of_visible_cases).select_related(*LETTER_RELATED)


# What a letter's row in a list shows besides the letter.
LETTER_RELATED = ("case", "template_version__template", "issued_by", "approved_by", "created_by")


def case_letters(case: Case):
    """The case's letters, newest first, each with its template (the case page names it)."""
    return list(case.letters.select_related("template_version__template"))


def letter_for(user: User, pk: int):
    """The letter if the user may see its case; 404 otherwise, as for the case itself."""
    return get_object_or_404(letters_visible_to(user), pk=pk)

# =================================================================================================
# --- chats exported from WhatsApp (issue 7) ------------------------------------------------------
# =================================================================================================
# Every read below takes a case the caller already got from `case_for`; none of them widens who
# may see what.

from django.core.paginator import Page, Paginator  # noqa: E402

from incidents.chat.redaction import redact_chat_text  # noqa: E402
from incidents.models import ChatMark, ChatMedia, ChatMessage  # noqa: E402

CHAT_PAGE_SIZE = 200


def chat_imports_for(case: Case) -> QuerySet[ChatImport]:
    return ChatImport.objects.filter(evidence__case=case).select_related("evidence").order_by("created_at", "id")


def chat_import_for(case: Case, pk: int) -> ChatImport:
    """A chat of this case, or 404."""
    return get_object_or_404(chat_imports_for(case), pk=pk)


def chat_media_for(chat_import: ChatImport, pk: int) -> ChatMedia:
    return get_object_or_404(chat_import.media.all(), pk=pk)


def chat_messages_page(chat_import: ChatImport, *, query: str = "", page: str | int | None = 1) -> Page:
    """One page of the conversation (CHAT_PAGE_SIZE entries), optionally only entries whose text or
    author contains `query`. A big chat is never rendered whole."""
    messages = chat_import.messages.order_by("position")
    query = query.strip()
    if query:
        messages = messages.filter(Q(text__icontains=query) | Q(author__icontains=query))
    return Paginator(messages, CHAT_PAGE_SIZE).get_page(page)


def chat_page_of(message: ChatMessage) -> int:
    """The page of the unfiltered conversation a message is on (to jump from a search result)."""
    # Positions run 0, 1, 2, … without gaps: each read numbers the entries afresh.
    return message.position // CHAT_PAGE_SIZE + 1


def chat_active_marks(chat_import: ChatImport, keys: list[str] | None = None) -> dict[str, list[ChatMark]]:
    """Marks not removed, by message key."""
    marks = chat_import.marks.filter(removed_at__isnull=True).select_related("clause", "marked_by")
    if keys is not None:
        marks = marks.filter(message_key__in=keys)
    found: dict[str, list[ChatMark]] = {}
    for mark in marks:
        found.setdefault(mark.message_key, []).append(mark)
    return found


def chat_imports_awaiting_date_order(case: Case) -> QuerySet[ChatImport]:
    return chat_imports_for(case).filter(status=ChatImport.Status.AWAITING_DATE_ORDER)


def marked_messages_for(case: Case, *, redact_others: bool, keep: set[str] | None = None) -> list[dict]:
    """The messages marked on this case's chats, in chat order, as plain dicts for letters and exports:
    {"author", "sent_at" (naive, as written), "text", "clause" (its number)}.

    With `redact_others`, the names of other chat members and all phone numbers are replaced
    (see chat.redaction). `keep` names the people not to redact; by default the parents concerned,
    by their full names as recorded on the case. A message marked under two clauses appears twice.
    """
    if redact_others and keep is None:
        keep = {parent.full_name for parent in case.parents.all()}
    marks = (
        ChatMark.objects.filter(chat_import__evidence__case=case, removed_at__isnull=True)
        .select_related("clause", "chat_import")
        .order_by("chat_import__created_at", "chat_import_id", "id")
    )
    marks = list(marks)
    messages = {
        (message.chat_import_id, message.key): message
        for message in ChatMessage.objects.filter(
            chat_import__in={mark.chat_import_id for mark in marks}, key__in={mark.message_key for mark in marks}
        )
    }
    quoted = []
    for mark in marks:
        message = messages.get((mark.chat_import_id, mark.message_key))
        if message is None:
            continue  # its chat was rebuilt and the message is no longer read the same way
        author, text = message.author, message.text
        if redact_others:
            names = set(mark.chat_import.authors)
            author = redact_chat_text(author, keep=keep, names=names) if author else author
            text = redact_chat_text(text, keep=keep, names=names)
        quoted.append({
            "author": author, "sent_at": message.sent_at, "text": text, "clause": mark.clause.number,
            "_order": (mark.chat_import.created_at, mark.chat_import_id, message.position, mark.clause.number),
        })
    quoted.sort(key=lambda item: item["_order"])
    for item in quoted:
        del item["_order"]
    return quoted

# --- recommendations, decisions, sanctions (issue 5) ----------------------------------------------

from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from incidents.models import Complaint, Decision, Recommendation, Sanction, SanctionStep  # noqa: E402
from policies.models import ResponseType  # noqa: E402


def decisions_in_force() -> QuerySet[Decision]:
    """Decisions that no later decision supersedes: the one in force on each decided case."""
    return Decision.objects.filter(superseded_by__isnull=True)


def current_decision(case: Case) -> Decision | None:
    """The decision in force on the case, if it has been decided."""
    return _decisions_in_force([case.pk]).get(case.pk)


def latest_recommendation(case: Case) -> Recommendation | None:
    return case.recommendations.select_related("recommended_by").prefetch_related("responses", "clauses").first()


def case_decisions(case: Case) -> list[Decision]:
    """Every decision on the case, oldest first, the superseded ones included."""
    # superseded_by too: Decision.is_current asks for it, once per decision otherwise.
    return list(case.decisions.select_related("decided_by", "supersedes", "superseded_by")
                .prefetch_related("responses"))


def case_sanctions(case: Case) -> list[Sanction]:
    steps = Prefetch("steps", queryset=SanctionStep.objects.select_related("by"))
    return list(case.sanctions.select_related("response_type").prefetch_related(steps, "representations__files"))


def case_complaints(case: Case) -> list[Complaint]:
    return list(case.complaints.prefetch_related("panel"))


def _outcome_names(decision: Decision) -> list[str]:
    return [r.name for r in decision.responses.all()] or ["No further action"]


@dataclass
class Proportionality:
    categories: list[str]
    earlier_cases: list[tuple[Case, str]] = field(default_factory=list)
    response_counts: list[tuple[str, int]] = field(default_factory=list)
    first_cases_counted: int = 0
    usual_level: int = 0
    usual_label: str = ""


def proportionality_for(case: Case) -> Proportionality:
    """What the Head Teacher weighs beside the decision form. Advice only: it decides nothing.

    - the parents' earlier cases and their outcomes;
    - how the school responded to earlier decided cases sharing a breach category (a clause
      number, of the case or of its recommendation, so it holds across policy versions) — counts
      per response;
    - "usually": the most common highest rung among those cases that were the parent's first
      case (ties go to the lower rung); with no such history, the ladder's warning rung.

    A fixed number of queries however many cases the school has (issue 10: at 100,000 cases the
    case-by-case version took 9,000+ queries and 30 s): the counts are made by the database.
    """
    recommendation = latest_recommendation(case)
    clauses = list(case.clauses.all()) + (list(recommendation.clauses.all()) if recommendation else [])
    numbers = {c.number for c in clauses}
    ladder = {r.code: r for r in ResponseType.objects.filter(school=case.school_id)}
    nfa = ladder.get(ResponseType.Code.NO_FURTHER_ACTION)
    nfa_level = nfa.level if nfa else 0
    warning = ladder.get(ResponseType.Code.WARNING)
    result = Proportionality(categories=sorted(numbers))

    earlier = list(Case.objects.filter(parents__in=case.parents.all(), opened_at__lt=case.opened_at)
                   .exclude(pk=case.pk).distinct().order_by("-opened_at"))
    in_force = _decisions_in_force([other.pk for other in earlier])
    for other in earlier:
        decision = in_force.get(other.pk)
        result.earlier_cases.append((other, ", ".join(_outcome_names(decision)) if decision else
                                     other.get_status_display()))

    first_levels: Counter[int] = Counter()
    if numbers:
        # A union of two index scans, not an OR across two joins (which reads every case).
        about_these = _union([
            Case.clauses.through.objects.filter(clause__number__in=numbers).values("case_id"),
            Recommendation.clauses.through.objects.filter(clause__number__in=numbers)
            .values("recommendation__case_id"),
        ])
        similar = Case.objects.filter(pk__in=about_these, school=case.school_id).exclude(pk=case.pk).values("pk")
        decided = decisions_in_force().filter(case__in=similar)
        # Each response counted once per case, "No further action" for a decision without one.
        per_response = (decided.values("responses__name").annotate(n=Count("case", distinct=True))
                        .order_by("-n", "responses__name"))
        result.response_counts = [(row["responses__name"] or "No further action", row["n"]) for row in per_response]
        # A parent's first case: no case about any of its parents opened before it.
        before = Case.objects.filter(parents__cases=OuterRef("case"), opened_at__lt=OuterRef("case__opened_at"))
        firsts = (decided.filter(~Exists(before)).values("case").annotate(level=Max("responses__level"))
                  .values_list("level", flat=True))
        first_levels.update(nfa_level if level is None else level for level in firsts)
    result.first_cases_counted = sum(first_levels.values())
    if first_levels:
        top = max(first_levels.values())
        result.usual_level = min(level for level, n in first_levels.items() if n == top)
        named = [r.name for r in ladder.values() if r.level == result.usual_level]
        result.usual_label = named[0] if named else f"rung {result.usual_level}"
    else:
        result.usual_level = warning.level if warning else 1
        result.usual_label = (warning.name if warning else "a warning") + " (no earlier first cases to compare)"
    return result


def _decisions_in_force(case_ids: list[int]) -> dict[int, Decision]:
    """The decision in force on each of these cases that has one, with its responses, by case id."""
    in_force: dict[int, Decision] = {}
    for decision in decisions_in_force().filter(case__in=case_ids).prefetch_related("responses"):
        in_force.setdefault(decision.case_id, decision)  # oldest first (Decision's order), as ever
    return in_force


def governors_for_panel() -> list:
    from incidents.roles import Role

    return list(User.objects.filter(groups__name=Role.GOVERNOR.value, is_active=True).order_by("last_name"))


def bans_due_for_review(user: User, *, on, limit: int | None = None) -> list[Sanction]:
    """Confirmed or varied bans whose review date has come, on cases this user may see, the
    earliest first (only the first `limit`, when given)."""
    bans = (Sanction.objects.filter(case__in=cases_visible_to(user), kind=Sanction.Kind.BAN, review_on__lte=on,
                                    state__in=[Sanction.State.CONFIRMED, Sanction.State.VARIED])
            .select_related("case", "response_type").order_by("review_on", "pk"))
    return list(bans[:limit] if limit is not None else bans)
