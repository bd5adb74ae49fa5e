"""The workflow of a case: concerns logged, cases opened, edited, restricted, and moved between
statuses through one function (case_transition) and one table of allowed moves (ALLOWED_MOVES).

Views, admin actions, management commands and tasks call these; none of them sets a case's status
or writes a timeline event itself. Each function is keyword-only, runs in a transaction, and says
in its docstring what it writes and who may call it (the caller checks permissions; the functions
check the rules of the workflow)."""

import datetime
from collections.abc import Iterable
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Field
from django.utils import timezone

from incidents.access.permissions import can_lead
from incidents.cases.timeline import case_event_record
from incidents.decisions.selectors import case_has_active_sanctions
from incidents.models import (
    Case,
    CaseAccess,
    CaseEvent,
    Concern,
    Notification,
    Parent,
    ParentGroup,
    ReferenceCounter,
    User,
)
from incidents.notifications.services import case_notify_after_commit
from incidents.roles import Role
from incidents.transitions import IllegalTransition
from policies.models import School
from policies.selectors import policy_version_in_force

Status = Case.Status

# The only moves a case's status may make. Everything else is refused.
ALLOWED_MOVES: dict[str, set[str]] = {
    Status.NEW: {Status.INVESTIGATING, Status.CLOSED},
    Status.INVESTIGATING: {Status.AWAITING_DECISION, Status.CLOSED},
    Status.AWAITING_DECISION: {Status.DECIDED, Status.INVESTIGATING},
    Status.DECIDED: {Status.SANCTION_IN_FORCE, Status.CLOSED},
    Status.SANCTION_IN_FORCE: {Status.CLOSED},
    Status.CLOSED: {Status.INVESTIGATING},  # reopening, with a reason
}


# Moves that need a written reason on the record.
MOVES_NEEDING_REASON = {(Status.CLOSED, Status.INVESTIGATING), (Status.NEW, Status.CLOSED),
                        (Status.INVESTIGATING, Status.CLOSED), (Status.AWAITING_DECISION, Status.INVESTIGATING)}


# Moves only the Head Teacher's decision makes (through the decision services).
HEAD_ONLY_MOVES = {(Status.AWAITING_DECISION, Status.DECIDED)}


# Moves made by a step of the workflow, never by the status buttons: the step's service passes `step=`.
MOVES_MADE_BY_STEP = {
    (Status.INVESTIGATING, Status.AWAITING_DECISION): "recommendation",
    (Status.AWAITING_DECISION, Status.DECIDED): "decision",
    (Status.DECIDED, Status.SANCTION_IN_FORCE): "sanction",
}


_STEP_LABELS = {"recommendation": "submitting a recommendation", "decision": "recording a decision",
                "sanction": "a sanction taking effect"}


class CaseChanged(Exception):
    """Someone else saved the case after this form was opened."""

    def __init__(self, case: Case, changes: list[dict]):
        self.case = case
        self.changes = changes
        super().__init__(f"{case.reference} was changed by someone else")


# A tsvector holds at most 1 MB, and a long text of short distinct words (or of one-character
# words in a script with multi-byte letters) makes a tsvector several times its own length. So only
# the first SEARCH_CHARACTERS characters of the summary, and of the concerns and statements together,
# are searched; the texts themselves are kept whole. 2 × 50,000 characters stay under 1 MB even so.
SEARCH_CHARACTERS = 50_000

_SEARCH_DOCUMENT_SQL = """
UPDATE incidents_case c SET search_document =
    setweight(to_tsvector('english', left(c.reference || ' ' || c.title, %(chars)s)), 'A')
    || setweight(to_tsvector('english', left(c.summary, %(chars)s)), 'B')
    || setweight(to_tsvector('english', left(
        coalesce((SELECT string_agg(left(description, %(chars)s), ' ')
                  FROM incidents_concern WHERE case_id = c.id), '')
        || ' ' || coalesce((SELECT string_agg(left(text, %(chars)s), ' ')
                            FROM incidents_statement WHERE case_id = c.id), ''),
        %(chars)s)), 'C')
WHERE c.id = ANY(%(ids)s)
"""


def case_search_document_refresh(*, case_ids: Iterable[int]) -> None:
    """Rebuild the cases' full-text search document from their title, summary, concerns and statements.

    Writes: Case.search_document (PostgreSQL only; a no-op on SQLite, which searches plainly). Called
    by the services below whenever one of those texts changes, and by bulk seeding. One UPDATE.
    """
    ids = list(case_ids)
    if ids and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_SEARCH_DOCUMENT_SQL, {"chars": SEARCH_CHARACTERS, "ids": ids})


def case_reference_next(*, school: School, year: int) -> str:
    """Next reference of the school's year: HIL-2026-0042 (its short code, the year, its own count).

    Writes: the school's ReferenceCounter for the year (locked, so two cases opened at once never share a
    number). Codes are unique, so references are unique across the installation as well as per school.
    """
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(school=school, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"{school.code}-{year}-{counter.last:04d}"


@transaction.atomic
def case_open(
    *,
    school: School,
    by: User,
    title: str,
    incident_date: datetime.date,
    parents: Iterable[Parent] = (),
    summary: str = "",
    safeguarding: bool = False,
    lead: User | None = None,
) -> Case:
    """Open a case. Writes: Case (status new, policy version in force on the incident date), event.

    Called by concern_log and by leads or the Head opening a case directly.
    """
    case = Case.objects.create(
        school=school,
        reference=case_reference_next(school=school, year=incident_date.year),
        title=title[:200],
        summary=summary,
        incident_date=incident_date,
        policy_version=policy_version_in_force(school=school, on=incident_date),
        safeguarding=safeguarding,
        lead=lead,
        created_by=by,
    )
    case.parents.set(parents)
    case_event_record(case=case, kind=CaseEvent.Kind.OPENED, summary=f"Case {case.reference} opened", actor=by)
    case_search_document_refresh(case_ids=[case.pk])  # search: title and summary
    return case


def _concern_title(parents: list[Parent], group: ParentGroup | None, channel_label: str) -> str:
    who = ", ".join(p.full_name for p in parents[:3]) or "unnamed parent"
    where = f" in {group.name}" if group else f" ({channel_label.lower()})"
    return f"Conduct of {who}{where}"


@transaction.atomic
def concern_log(
    *,
    school: School,
    by: User,
    received_at: datetime.datetime,
    channel: str,
    description: str,
    parents: Iterable[Parent],
    raised_by_name: str = "",
    raised_by_contact: str = "",
    raised_anonymously: bool = False,
    group: ParentGroup | None = None,
    safeguarding: bool = False,
    link_to: Case | None = None,
) -> Concern:
    """Log a concern in confidence, and open a case for it or add it to an open case.

    Writes: Concern; a new Case (see case_open) unless `link_to` is given; events on the case (see
    concern_file). A safeguarding flag marks the case as safeguarding. Office staff, leads and the Head
    may call.
    """
    parents = list(parents)
    _check_filing(parents, link_to)
    if raised_anonymously and not raised_by_name:
        raise ValidationError("Record who raised it, even when they asked to remain anonymous.")
    concern = Concern.objects.create(
        school=school, received_at=received_at, channel=channel, description=description,
        raised_by_name=raised_by_name, raised_by_contact=raised_by_contact,
        raised_anonymously=raised_anonymously, group=group, safeguarding=safeguarding, logged_by=by,
    )
    concern_file(concern=concern, by=by, parents=parents, link_to=link_to)
    return concern


def _check_filing(parents: list[Parent], link_to: Case | None) -> None:
    if not parents:
        raise ValidationError("Name at least one parent or carer the concern is about.")
    if link_to is not None and link_to.status == Status.CLOSED:
        raise ValidationError(f"{link_to.reference} is closed: reopen it first, or open a new case.")


@transaction.atomic
def concern_file(*, concern: Concern, by: User, parents: Iterable[Parent], link_to: Case | None = None) -> Case:
    """File a concern that is on no case yet: open a case for it, or add it to the open case `link_to`.

    Writes: a new Case (see case_open) unless `link_to` is given; the concern's case and parents; the
    parents (and a safeguarding flag) on a case it is added to; a "Concern received" event at the time
    the concern was received; the case's search document; notifications after commit. Called by
    concern_log, and by the office's queue of concerns reported online (incidents.reporting.services).
    """
    parents = list(parents)
    _check_filing(parents, link_to)
    if concern.case_id is not None:
        raise ValidationError("This concern is already on a case.")
    channel_label = Concern.Channel(concern.channel).label
    safeguarding = concern.safeguarding
    case = link_to or case_open(
        school=concern.school, by=by, incident_date=concern.happened_on or timezone.localdate(concern.received_at),
        title=_concern_title(parents, concern.group, channel_label), parents=parents, safeguarding=safeguarding,
    )
    concern.case = case
    concern.save(update_fields=["case"])
    concern.parents.set(parents)
    if link_to is not None:
        case.parents.add(*parents)
        if safeguarding and not case.safeguarding:
            Case.objects.filter(pk=case.pk).update(safeguarding=True, version=F("version") + 1)
    online = " reported online" if concern.source == Concern.Source.ONLINE else ""
    case_event_record(
        case=case, kind=CaseEvent.Kind.CONCERN, actor=by, at=concern.received_at,
        summary=f"Concern{online} received ({channel_label})" + (" (safeguarding)" if safeguarding else ""),
        data={"concern": concern.pk, "safeguarding": safeguarding},
    )
    case_search_document_refresh(case_ids=[case.pk])  # search: the concern's description
    case_notify_after_commit(case=case, kind=Notification.Kind.CONCERN_LOGGED, by=by)
    if safeguarding:
        case_notify_after_commit(case=case, kind=Notification.Kind.SAFEGUARDING, by=by)
    return case


def case_transition(
    *, case: Case, to: str, by: User, reason: str = "", step: str = "", lead: User | None = None,
) -> Case:
    """Move a case to another status, if the table of allowed moves permits it.

    `lead`: who leads the investigation, given when the case moves into "Investigating" (the status
    buttons ask; the view defaults it to the person pressing, if they may lead). Refused unless they
    hold the investigating lead's role.

    Writes: Case.status (and status_changed_at, closed_at, lead), a status event with the reason. Raises
    IllegalTransition for a move the table does not allow, that lacks a required reason, or that only
    a step of the workflow makes (MOVES_MADE_BY_STEP: recommendation_submit, decision_record and
    sanction_transition pass `step`); PermissionDenied when a move that only the Head Teacher's
    decision makes is attempted by anyone else.
    """
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        current = Status(locked.status)
        target = Status(to)
        if target not in ALLOWED_MOVES[current]:
            raise IllegalTransition(f"A case that is “{current.label}” cannot move to “{target.label}”.")
        if target == Status.CLOSED and case_has_active_sanctions(locked):
            raise IllegalTransition("A sanction on this case is still active: finish or lift it first.")
        if (current, target) in HEAD_ONLY_MOVES and not by.has_role(Role.HEAD):
            raise PermissionDenied("Only the Head Teacher can record a decision.")
        made_by = MOVES_MADE_BY_STEP.get((current, target))
        if made_by and step != made_by:
            raise IllegalTransition(f"A case moves to “{target.label}” by {_STEP_LABELS[made_by]}.")
        reason = reason.strip()
        if (current, target) in MOVES_NEEDING_REASON and not reason:
            raise IllegalTransition(f"Give a reason for moving the case from “{current.label}” to “{target.label}”.")
        if lead is not None and target != Status.INVESTIGATING:
            raise IllegalTransition("A lead is chosen only when the investigation starts.")
        if lead is not None and not can_lead(lead):
            raise ValidationError(f"{lead.display_name} cannot lead an investigation: choose an investigating lead.")
        now = timezone.now()
        locked.status = target
        locked.status_changed_at = now
        locked.closed_at = now if target == Status.CLOSED else None
        locked.version += 1
        fields = ["status", "status_changed_at", "closed_at", "version", "updated_at"]
        new_lead = lead is not None and lead.pk != locked.lead_id
        if new_lead:
            locked.lead = lead
            fields.append("lead")
        locked.save(update_fields=fields)
        verb = "Reopened" if current == Status.CLOSED else "Status"
        case_event_record(
            case=locked, kind=CaseEvent.Kind.STATUS, actor=by, at=now,
            summary=f"{verb}: {current.label} → {target.label}" + (f". Reason: {reason}" if reason else "")
            + (f". Led by {lead.display_name}" if lead is not None and new_lead else ""),
            data={"from": current.value, "to": target.value, "reason": reason,
                  **({"lead": lead.pk} if lead is not None and new_lead else {})},
        )
        if target == Status.AWAITING_DECISION:
            case_notify_after_commit(case=locked, kind=Notification.Kind.AWAITING_DECISION, by=by)
    case.refresh_from_db()
    return case


EDITABLE_FIELDS = ("title", "summary", "severity", "lead", "incident_date", "safeguarding")


EDITABLE_M2M = ("clauses", "assignees")


def case_changes_since(*, case: Case, version: int) -> list[dict]:
    """What changed on the case since the given version: field, old, new, who, when."""
    newest_first = case.history.order_by("-history_date", "-history_id")
    old = newest_first.filter(version=version).first()
    new = newest_first.first()
    if old is None or new is None or old.pk == new.pk:
        return []
    delta = new.diff_against(old, excluded_fields=["version", "updated_at"])
    who = new.history_user.display_name if new.history_user else "someone"
    changes = []
    for change in delta.changes:
        field = _case_field(change.field)
        changes.append({
            "field": str(field.verbose_name).capitalize(),
            "old": _display(field, change.old),
            "new": _display(field, change.new),
            "by": who,
            "at": new.history_date,
        })
    return changes


def _case_field(name: str) -> Field:
    """One of the case's own fields (edited, or in its history): get_field is typed to return relations too."""
    return cast(Field, Case._meta.get_field(name))


def _display(field, value) -> str:
    if isinstance(value, list):  # m2m: list of through-row dicts
        return f"{len(value)} selected"
    if getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value) or "—"
    if field.is_relation and value:
        return str(field.related_model.objects.filter(pk=value).first() or value)
    return "—" if value in (None, "") else str(value)


@transaction.atomic
def case_update(*, case: Case, by: User, expected_version: int, **changes) -> Case:
    """Save edits to a case, refusing to overwrite someone else's newer save.

    Writes: Case fields and M2M (clauses must belong to the case's policy version), version + 1,
    an "updated" event naming the fields. Raises CaseChanged (with what changed) when the case's
    version is no longer `expected_version`. Leads, the Head and assigned staff may call.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS) - set(EDITABLE_M2M)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.version != expected_version:
        raise CaseChanged(locked, case_changes_since(case=locked, version=expected_version))
    clauses = changes.get("clauses")
    if clauses is not None and locked.policy_version_id:
        stray = [c for c in clauses if c.version_id != locked.policy_version_id]
        if stray:
            raise ValidationError("Clauses must come from the policy in force when the incident happened.")
    changed = []
    for name in EDITABLE_FIELDS:
        if name in changes and getattr(locked, name) != changes[name]:
            setattr(locked, name, changes[name])
            changed.append(name)
    for name in EDITABLE_M2M:
        if name in changes:
            before = set(getattr(locked, name).values_list("pk", flat=True))
            after = {obj.pk for obj in changes[name]}
            if before != after:
                getattr(locked, name).set(changes[name])
                changed.append(name)
    if not changed:
        return locked
    locked.version += 1
    locked.save()
    if {"title", "summary"} & set(changed):
        case_search_document_refresh(case_ids=[locked.pk])  # search: new title or summary
    labels = [str(_case_field(name).verbose_name) for name in changed]
    case_event_record(
        case=locked, kind=CaseEvent.Kind.UPDATED, actor=by,
        summary="Updated: " + ", ".join(labels), data={"fields": changed},
    )
    if "safeguarding" in changed and locked.safeguarding:
        case_notify_after_commit(case=locked, kind=Notification.Kind.SAFEGUARDING, by=by)
    return locked


@transaction.atomic
def case_set_restricted(*, case: Case, by: User, restricted: bool, reason: str) -> Case:
    """Restrict a case to the Head Teacher and those assigned, or lift that. Head Teacher only.

    Writes: Case.restricted, version + 1, an event with the reason.
    """
    if not by.has_role(Role.HEAD):
        raise PermissionDenied("Only the Head Teacher can restrict a case.")
    if not reason.strip():
        raise ValidationError("Give a reason.")
    Case.objects.filter(pk=case.pk).update(restricted=restricted, version=F("version") + 1)
    case.refresh_from_db()
    case_event_record(
        case=case, kind=CaseEvent.Kind.UPDATED, actor=by,
        summary=("Restricted" if restricted else "Restriction lifted") + f". Reason: {reason.strip()}",
        data={"restricted": restricted},
    )
    return case


def case_access_record(*, case: Case, user: User, via: str = CaseAccess.Via.APP, what: str = "") -> None:
    """Log that a user opened a case's records: a restricted case in Casebook, any case through the
    admin. Writes: CaseAccess (in the app, restricted cases only). Called by the case page and the
    admin's case-record pages."""
    if case.restricted or via == CaseAccess.Via.ADMIN:
        CaseAccess.objects.create(case=case, user=user, via=via, what=what[:120])
