"""Build a letter's context from a case, as plain data only.

The sealed template engine (policies.templating) takes dicts, lists, strings and dates, never model
instances; everything a template may reach is copied here. What the author types (the letter's
parts) goes in as data: the engine autoescapes it and never parses it as template code.
"""

import datetime
from dataclasses import dataclass

from incidents.chats.selectors import marked_messages_for
from incidents.models import Case, ChatMark, Parent
from incidents.people.confidentiality import parent_facing
from policies.models import Clause
from policies.selectors import deadline_in_words
from policies.templating import school_context


@dataclass(frozen=True)
class Part:
    """A value the author supplies for one letter because the case cannot."""

    name: str
    label: str
    kind: str  # "text" (several lines), "line", "date", "datetime", "number", "choice" (GROUP_MEMBER_CHOICES)
    help: str = ""


PARTS: tuple[Part, ...] = (
    Part("conduct_summary", "Summary of the conduct", "text",
         "Facts, not opinions. Starts as the facts the investigation found."),
    Part("decision_reasons", "Reasons for the decision", "text"),
    Part("group_name", "Parents' group concerned", "line"),
    Part("meeting_at", "Meeting date and time", "datetime"),
    Part("meeting_place", "Meeting place", "line"),
    Part("representations_deadline", "Last day for written representations", "date"),
    Part("ban_start", "Ban starts on", "date"),
    Part("ban_length", "Length of the ban, in words", "line"),
    Part("ban_review_on", "Ban review date", "date"),
    Part("ban_conditions", "What the ban covers, and conditions", "text"),
    Part("ban_changes", "How the ban has changed", "text"),
    Part("effective_on", "Takes effect on", "date"),
    Part("child_arrangements", "Arrangements for the children", "text"),
    Part("free_text", "Additional paragraph", "text", "Added to this letter only."),
    Part("group_member_names", "Names of other group members in quoted messages", "choice",
         "Chosen now, for this letter: it leaves the school."),
)
PARTS_BY_NAME = {part.name: part for part in PARTS}
GROUP_MEMBER_CHOICES = [("withhold", "Withhold them (and all phone numbers)"), ("show", "Show them")]


def parts_used_by(body: str) -> list[Part]:
    """The parts a template body refers to (conduct_summary and free_text always: every letter may use them)."""
    always = {"conduct_summary", "free_text"} | ({"group_member_names"} if "quoted_messages" in body else set())
    return [part for part in PARTS if part.name in body or part.name in always]


def person_context(parent: Parent | None) -> dict:
    if parent is None:
        return {"full_name": "", "salutation": "", "address": "", "postcode": ""}
    return {"full_name": parent.full_name, "salutation": parent.salutation,
            "address": parent.address, "postcode": parent.postcode}


def default_parts(case: Case) -> dict[str, str]:
    """Starting values for the parts the case itself holds (as text, as a form holds them).

    The conduct is summarised as the investigation found it (the recommendation's facts found), or
    as the case summary says before there is one. Dates are never guessed here: they come from the
    step the letter belongs to, or are asked for.
    """
    first_concern = case.concerns.select_related("group").order_by("received_at").first()
    recommendation = case.recommendations.first()  # the newest: what the investigation established
    return {
        "conduct_summary": recommendation.facts_found if recommendation else case.summary,
        "group_name": first_concern.group.name if first_concern and first_concern.group else "",
    }


def as_sentences(text: str) -> str:
    """Text that ends as a sentence does, so the letter's next sentence never runs on from a fragment."""
    text = (text or "").strip()
    return text if not text or text[-1] in ".!?…)”\"'" else text + "."


def clauses_breached(case: Case) -> list[dict]:
    """The clauses breached, quoted: those on the case, those the recommendation names, and those
    the marked chat messages were marked against, in the policy's order."""
    clauses = {clause.pk: clause for clause in case.clauses.all()}
    recommendation = case.recommendations.first()
    if recommendation is not None:
        clauses.update({clause.pk: clause for clause in recommendation.clauses.all()})
    marked = ChatMark.objects.filter(chat_import__evidence__case=case, removed_at__isnull=True)
    clauses.update({clause.pk: clause for clause in Clause.objects.filter(pk__in=marked.values("clause_id"))})
    return [{"number": clause.number, "text": clause.text, "kind": clause.get_kind_display()}
            for clause in sorted(clauses.values(), key=lambda clause: (clause.position, clause.pk))]


def _parse(part: Part, text: str):
    text = (text or "").strip()
    if not text:
        return "" if part.kind in ("text", "line") else None
    try:
        if part.kind == "date":
            return datetime.date.fromisoformat(text)
        if part.kind == "datetime":
            return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return text


def letter_context(
    *,
    case: Case,
    parent: Parent | None,
    recipient: dict,
    parts: dict[str, str],
    today: datetime.date,
) -> dict:
    """Every documented letter variable, filled from the case, the recipient and the typed parts.

    `recipient` holds full_name, salutation, address, postcode as strings. Everything else passes
    through the parent-facing view of people (incidents.people.confidentiality).
    """
    school = case.school
    children = []
    if parent is not None:
        children = [{"name": f"{child.first_name} {child.last_name}", "class_name": child.class_name}
                    for child in parent.children.all()]
    first_concern = case.concerns.order_by("received_at").first()
    policy_version = case.policy_version
    context = {
        "school": school_context(school),
        "recipient": {key: str(recipient.get(key, "")) for key in ("full_name", "salutation", "address", "postcode")},
        "parent": person_context(parent),
        "children": children,
        "child_names": " and ".join(child["name"] for child in children),
        "case_reference": case.reference,
        "incident_date": case.incident_date,
        "concern_received_on": first_concern.received_at.date() if first_concern else None,
        "policy_title": policy_version.policy.title if policy_version else "code of conduct for parents",
        "policy_adopted_on": policy_version.adopted_on if policy_version else None,
        "clauses_breached": clauses_breached(case),
        "today": today,
        "representations_school_days": school.representation_school_days,
        "signatory": {"name": school.head_teacher_name, "role": "Head Teacher"},
    }
    for part in PARTS:
        context[part.name] = _parse(part, parts.get(part.name, ""))
    deadline = context["representations_deadline"]
    context["representations_deadline_in_words"] = (
        deadline_in_words(deadline) if isinstance(deadline, datetime.date) else "")
    context["conduct_summary"] = as_sentences(str(context["conduct_summary"] or ""))
    # Marked chat messages: other members' names and all phone numbers withheld unless chosen.
    context["quoted_messages"] = marked_messages_for(
        case, redact_others=parts.get("group_member_names", "withhold") != "show")
    # A letter can reach the parent: an anonymous raiser's name or contact details typed anywhere in
    # it (the conduct, the reasons, a quoted message) become "the person who raised the concern".
    return parent_facing(case).data(context, keep=_ADDRESSED)


# Who the letter is addressed to and from stays as written, even if that is the raiser themselves.
_ADDRESSED = frozenset({"recipient", "school", "signatory"})
