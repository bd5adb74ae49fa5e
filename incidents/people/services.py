"""Importing parents, children and classes from the school's information system."""

from django.db import transaction

from incidents.models import Child, Parent, User
from incidents.people.reading import read_people_csv
from incidents.people.selectors import ImportPlan, people_import_plan
from policies.models import School


class PlanChanged(Exception):
    """What Casebook holds changed between the preview and its confirmation: the preview is out of date."""


# django-simple-history keeps the reason in a 100-character column.
_REASON_LENGTH = 100


def _audited(instance: Parent | Child, *, by: User | None, reason: str) -> None:
    # Read by django-simple-history when it writes the history row for the next save or link.
    instance._history_user = by  # type: ignore[union-attr]
    instance._change_reason = reason  # type: ignore[union-attr]


@transaction.atomic
def people_import(
    *, school: School, data: bytes, by: User | None, source: str, dry_run: bool = False,
    expected_digest: str | None = None,
) -> ImportPlan:
    """Read a people CSV, plan it and, unless `dry_run`, save the good rows. Returns the plan.

    Raises reading.UnreadableFile when the file cannot be used at all (nothing is saved). Rows the plan
    refuses are left out; everything else is written in this one transaction: new parents and children,
    changed e-mails, phones, relationships and classes, and new parent-child links. Nothing is ever
    deleted, and an empty cell never clears a stored value. Each write leaves a django-simple-history row
    naming `by` and `source`; rows that would not change are not saved, so importing the same file again
    writes nothing. The plan is worked out here, inside the transaction, so a preview that has gone stale
    is never applied: with `expected_digest` (the digest of the preview the user read) it raises
    PlanChanged, writing nothing, when the plan now differs. Callers: the `import_people` command and
    the administrators' import page (incidents.access.permissions.may_import_people).
    """
    plan = people_import_plan(school=school, table=read_people_csv(data))
    if expected_digest is not None and plan.digest != expected_digest:
        raise PlanChanged("Casebook's parents and children changed since the preview was made.")
    if dry_run or not plan.has_changes:
        return plan
    reason = f"Imported from {source}"[:_REASON_LENGTH]

    parents: dict[int, Parent] = {}
    for planned in plan.parents:
        parent = planned.existing
        if parent is None:
            parent = Parent(school=school, first_name=planned.first_name, last_name=planned.last_name,
                            email=planned.email, phone=planned.phone, relationship=planned.relationship)
        elif planned.changes:
            for name, value in planned.changes.items():
                setattr(parent, name, value)
        else:
            parents[id(planned)] = parent
            continue
        _audited(parent, by=by, reason=reason)
        parent.save()
        parents[id(planned)] = parent

    children: dict[int, Child] = {}
    for planned_child in plan.children:
        child = planned_child.existing
        if child is None:
            child = Child(school=school, first_name=planned_child.first_name, last_name=planned_child.last_name,
                          class_name=planned_child.class_name)
        elif planned_child.changes:
            child.class_name = planned_child.changes["class_name"]
        else:
            children[id(planned_child)] = child
            continue
        _audited(child, by=by, reason=reason)
        child.save()
        children[id(planned_child)] = child

    # One link write per parent, so each parent's history gains one row for all their new children.
    new_children: dict[int, list[Child]] = {}
    for planned, planned_child in plan.new_links:
        new_children.setdefault(id(planned), []).append(children[id(planned_child)])
    for planned in plan.parents:
        if id(planned) in new_children:
            parent = parents[id(planned)]
            _audited(parent, by=by, reason=reason)
            parent.children.add(*new_children[id(planned)])
    return plan
