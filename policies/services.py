"""Writes to the school's configuration: policy versions, clauses, imports, letter template versions.

Only Administrators call these (through the admin site and the policy import page); seed_demo calls
them through `policies.defaults.load_defaults`.
"""

import datetime
import re
from dataclasses import dataclass

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from policies.models import Clause, LetterTemplate, LetterTemplateVersion, Policy, PolicyVersion
from policies.templating import trial_render_problems, validate_letter_template

Status = PolicyVersion.Status


def policy_version_check_editable(*, version: PolicyVersion) -> None:
    """Raise ValidationError unless the version is a draft: adopted and superseded versions are the record."""
    if not version.is_editable:
        raise ValidationError(
            f"Version {version.number} of “{version.policy.title}” is {version.get_status_display().lower()} "
            "and cannot be changed. Make a new draft version and change that instead."
        )


def _next_version_number(policy: Policy) -> int:
    return (policy.versions.aggregate(highest=Max("number"))["highest"] or 0) + 1


@transaction.atomic
def policy_version_new_draft(*, policy: Policy, by: AbstractUser | None) -> PolicyVersion:
    """Start a new draft version from the latest version, copying its text and clauses.

    Writes: one PolicyVersion (draft) and a copy of each clause. Refuses if a draft already exists,
    so there is only ever one draft to check and adopt. Administrators only.
    """
    Policy.objects.select_for_update().get(pk=policy.pk)
    existing = policy.versions.filter(status=Status.DRAFT).first()
    if existing is not None:
        raise ValidationError(
            f"Version {existing.number} is already a draft: change that one, or adopt it first."
        )
    latest = policy.versions.order_by("-number").first()
    # created_by is settings.AUTH_USER_MODEL, which policies knows only as Django's AbstractUser.
    draft = PolicyVersion.objects.create(  # type: ignore[misc]
        policy=policy,
        number=_next_version_number(policy),
        applies_to=latest.applies_to if latest else "Parents and carers",
        text=latest.text if latest else "",
        created_by=by,
    )
    if latest is not None:
        Clause.objects.bulk_create(
            Clause(version=draft, number=clause.number, kind=clause.kind, text=clause.text, position=clause.position)
            for clause in latest.clauses.all()
        )
    return draft


def _a_year_after(day: datetime.date) -> datetime.date:
    # Schools review such policies every year; 29 February falls back to the 28th.
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def policy_version_adopt(
    *, version: PolicyVersion, by: AbstractUser | None, adopted_on: datetime.date,
    review_on: datetime.date | None = None,
) -> PolicyVersion:
    """Adopt a draft: it becomes the version in force from `adopted_on`.

    Writes: the version (status adopted, adopted_on, review_on: given, or kept, or a year on) and the
    previously adopted version (status superseded, superseded_on = adopted_on), each with a history
    row naming `by`. Cases keep the version and clauses they cite. The Head Teacher, from the adopt
    page (which shows the differences first); load_defaults for a new school's first policy.
    """
    version = PolicyVersion.objects.select_for_update().select_related("policy").get(pk=version.pk)
    policy_version_check_editable(version=version)
    if not version.clauses.exists():
        raise ValidationError("A policy with no clauses cannot be adopted: add its clauses first.")
    previous = version.policy.versions.filter(status=Status.ADOPTED).exclude(pk=version.pk).first()
    if previous is not None and previous.adopted_on and adopted_on < previous.adopted_on:
        raise ValidationError(
            f"The version in force was adopted on {previous.adopted_on:%-d %B %Y}; "
            "a new version cannot be adopted before that date."
        )
    if previous is not None:
        previous._history_user = by  # type: ignore[attr-defined]  # read by simple_history
        previous.status = Status.SUPERSEDED
        previous.superseded_on = adopted_on
        # simple_history reads the reason for the change from this attribute, which the model doesn't declare.
        previous._change_reason = f"Superseded by version {version.number}"  # type: ignore[attr-defined]
        previous.save(update_fields=["status", "superseded_on"])
    version.status = Status.ADOPTED
    version.adopted_on = adopted_on
    version.review_on = review_on or version.review_on or _a_year_after(adopted_on)
    adopted_by = (by.get_full_name() or by.get_username()) if by else "the system"
    version._history_user = by  # type: ignore[attr-defined]  # read by simple_history
    version._change_reason = f"Adopted by {adopted_by}"  # type: ignore[attr-defined]  # read by simple_history
    version.save(update_fields=["status", "adopted_on", "review_on"])
    return version


@transaction.atomic
def policy_version_update(
    *, version: PolicyVersion, by: AbstractUser | None, applies_to: str | None = None, text: str | None = None,
    review_on: datetime.date | None = None,
) -> PolicyVersion:
    """Change a draft's details. Writes: the version. Refuses adopted and superseded versions."""
    policy_version_check_editable(version=version)
    for field, value in (("applies_to", applies_to), ("text", text), ("review_on", review_on)):
        if value is not None:
            setattr(version, field, value)
    version.save()
    return version


@transaction.atomic
def clause_update(*, clause: Clause, by: AbstractUser | None, number: str, kind: str, text: str) -> Clause:
    """Change a clause of a draft. Writes: the clause (and its history row, naming `by`). Refuses
    clauses of adopted or superseded versions, read afresh under a lock. Administrators only."""
    version = PolicyVersion.objects.select_for_update().get(pk=clause.version_id)
    policy_version_check_editable(version=version)
    clause.number, clause.kind, clause.text = number.strip(), kind, text.strip()
    clause.full_clean()
    _attribute(clause, by, f"Clause {clause.number} changed")
    clause.save()
    return clause


@transaction.atomic
def clause_add(*, version: PolicyVersion, by: AbstractUser | None, number: str, kind: str, text: str) -> Clause:
    """Add a clause at the end of a draft. Writes: the clause and its history row. Refuses adopted and
    superseded versions. Administrators only."""
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    policy_version_check_editable(version=version)
    position = (version.clauses.aggregate(highest=Max("position"))["highest"] or 0) + 1
    clause = Clause(version=version, number=number.strip(), kind=kind, text=text.strip(), position=position)
    clause.full_clean()
    _attribute(clause, by, f"Clause {clause.number} added")
    clause.save()
    return clause


@transaction.atomic
def clause_remove(*, clause: Clause, by: AbstractUser | None) -> None:
    """Take a clause out of a draft. Writes: the clause's deletion, kept in its history with who and why.
    Refuses clauses of adopted or superseded versions (cases and decisions cite those). Administrators only."""
    version = PolicyVersion.objects.select_for_update().get(pk=clause.version_id)
    policy_version_check_editable(version=version)
    _attribute(clause, by, f"Clause {clause.number} removed from the draft")
    clause.delete()


def _attribute(row, by: AbstractUser | None, reason: str) -> None:
    # simple_history reads who and why from these attributes, which the models don't declare.
    row._history_user = by
    row._change_reason = reason


# --- import -----------------------------------------------------------------------------------

HEADING_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (Clause.Kind.INAPPROPRIATE, ("inappropriate", "unacceptable", "not acceptable", "not tolerate",
                                 "not be tolerated", "prohibited", "must not", "will not accept")),
    (Clause.Kind.GUIDELINE, ("guideline", "group member", "members of the group", "group rules", "ground rules",
                             "whatsapp", "class list", "social media", "online group", "etiquette", "using the group")),
    (Clause.Kind.EXPECTATION, ("expect", "all parents", "parents and carers", "we ask", "code of conduct",
                               "behaviour", "standards")),
]
# Headings of parts that list what the school may do, or how to raise a concern: not clauses.
NOT_CLAUSE_HEADING_WORDS = ("the school may", "the school will", "what will happen", "what happens", "response",
                            "responding", "will respond", "consequence", "sanction", "actions", "further action",
                            "how to raise", "raising a concern", "reporting", "contact us", "policy review",
                            "monitoring", "introduction", "purpose", "scope", "aims")
KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    (Clause.Kind.INAPPROPRIATE, ("abusive", "abuse", "swear", "offensive", "threat", "intimidat", "defamat",
                                 "libel", "slander", "disrepute", "aggressive", "anger", "angry", "harass",
                                 "insult", "personal comment", "discriminat", "racist", "violent")),
    (Clause.Kind.GUIDELINE, ("group", "post", "message", "screenshot", "link", "reply", "respond",
                             "private conversation", "politic", "grievance", "admin", "moderator", "chat")),
    (Clause.Kind.EXPECTATION, ("respect", "courteous", "courtesy", "polite", "example", "partnership",
                               "support the school", "raise", "concern", "calm", "considerate", "sensitiv")),
]
BULLET = re.compile(r"^\s*(?:[-–—•*·▪●◦‣]|\(?\d{1,2}(?:\.\d{1,2})*[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}\))\s+(?P<text>\S.*)$")
MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s*")


@dataclass
class _Section:
    kind: str | None  # a Clause.Kind, or None: not a part of the policy that holds clauses
    known: bool  # the heading said so, rather than keywords having to guess


def _heading_kind(line: str) -> str | None:
    lowered = line.lower()
    for kind, words in HEADING_WORDS:
        if any(word in lowered for word in words):
            return kind
    return None


def _keyword_kind(text: str) -> str | None:
    lowered = text.lower()
    for kind, words in KEYWORDS:
        if any(word in lowered for word in words):
            return kind
    return None


def _looks_like_heading(line: str) -> bool:
    words = line.rstrip(":").split()
    return bool(words) and (
        line.endswith(":") or (len(words) <= 8 and not line.endswith((".", ";", ",")))
    )


def _clean_clause_text(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"(?:[;,]\s*(?:and|or)?|\s+(?:and|or))$", "", text).strip()
    return text[:1].upper() + text[1:]


def parse_policy_text(text: str) -> list[tuple[str, str]]:
    """Split pasted policy text into (kind, clause text) pairs, in reading order.

    The kind comes from the nearest heading ("Guidelines for group members", "Expectations",
    "Inappropriate activity" or similar wording); under an unrecognised heading, from keywords in the
    clause; items under headings about the school's responses are not clauses.
    """
    section = _Section(kind=None, known=False)
    clauses: list[list[str]] = []  # [kind, text]
    last_was_item = False
    after_prose = False  # a short line in the middle of a paragraph is not a heading
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = MARKDOWN_HEADING.sub("", raw).strip()
        if not line:
            last_was_item = after_prose = False
            continue
        item = BULLET.match(raw)
        if item:
            body = item.group("text").strip()
            kind = section.kind if section.known else (_keyword_kind(body) if section.kind != "skip" else None)
            if kind and kind != "skip":
                clauses.append([kind, body])
                last_was_item = True
            else:
                last_was_item = False
            after_prose = False
            continue
        if last_was_item and (raw[:1].isspace() or line[:1].islower()):
            clauses[-1][1] += " " + line  # an item wrapped onto the next line
            continue
        last_was_item = False
        if _looks_like_heading(line) and (line.endswith(":") or not after_prose):
            lowered = line.lower()
            kind = _heading_kind(line)
            if any(word in lowered for word in NOT_CLAUSE_HEADING_WORDS):
                section = _Section(kind="skip", known=False)
            elif kind is not None:
                section = _Section(kind=kind, known=True)
            elif not line.endswith(":"):
                section = _Section(kind=None, known=False)
            # A lead-in such as "Please:" keeps the section it is in.
            continue
        after_prose = True
    return [(kind, _clean_clause_text(body)) for kind, body in clauses if _clean_clause_text(body)]


@transaction.atomic
def policy_import_text(*, policy: Policy, text: str, by: AbstractUser | None) -> PolicyVersion:
    """Make a draft version from pasted policy text, with its clauses split out, numbered and classified.

    Clauses are numbered by part, in the order the parts first appear (1.1, 1.2, 2.1…). Writes: one
    PolicyVersion (draft, holding the pasted text) and its clauses. Refuses text with no clauses found,
    and refuses while another draft exists. Administrators only; they check the result and adopt it.
    """
    parsed = parse_policy_text(text)
    if not parsed:
        raise ValidationError(
            "No clauses were found. Paste the policy with its headings and its bulleted or numbered lists."
        )
    Policy.objects.select_for_update().get(pk=policy.pk)
    existing = policy.versions.filter(status=Status.DRAFT).first()
    if existing is not None:
        raise ValidationError(f"Version {existing.number} is already a draft: adopt or change that one first.")
    # created_by is settings.AUTH_USER_MODEL, which policies knows only as Django's AbstractUser.
    version = PolicyVersion.objects.create(  # type: ignore[misc]
        policy=policy, number=_next_version_number(policy), text=text.strip(), created_by=by
    )
    part_numbers: dict[str, int] = {}
    counts: dict[str, int] = {}
    for position, (kind, clause_text) in enumerate(parsed, start=1):
        part = part_numbers.setdefault(kind, len(part_numbers) + 1)
        counts[kind] = counts.get(kind, 0) + 1
        Clause.objects.create(
            version=version, number=f"{part}.{counts[kind]}", kind=kind, text=clause_text, position=position
        )
    return version


# --- letter templates -------------------------------------------------------------------------

@transaction.atomic
def letter_template_version_create(
    *, template: LetterTemplate, subject: str, body: str, by: AbstractUser | None
) -> LetterTemplateVersion:
    """Add version N+1 of a letter template. Existing versions are never changed: issued letters cite them.

    Refuses a body with any template problem (syntax, unknown variable, tag or filter, a reference to
    anything outside the letter, a filter that fails on the sample letter), naming the line.
    Writes: one LetterTemplateVersion. Administrators only.
    """
    problems = validate_letter_template(body) + validate_letter_template(subject)
    if not problems:
        problems = trial_render_problems(body, template.school) + trial_render_problems(subject, template.school)
    if problems:
        raise ValidationError([str(problem) for problem in problems])
    LetterTemplate.objects.select_for_update().get(pk=template.pk)
    number = (template.versions.aggregate(highest=Max("number"))["highest"] or 0) + 1
    # created_by is settings.AUTH_USER_MODEL, which policies knows only as Django's AbstractUser.
    return LetterTemplateVersion.objects.create(  # type: ignore[misc]
        template=template, number=number, subject=subject, body=body, created_by=by
    )
