"""The policy's versions in Casebook: administrators edit a draft's clauses; the Head Teacher compares
the draft with the version in force and adopts it. Every write goes through policies.services, which
refuses any change to an adopted or superseded version."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access.permissions import (
    allowed_if,
    may_administer_policies,
    may_adopt_policy,
    may_read_policy_drafts,
)
from incidents.cases.selectors import open_cases_citing
from policies import services
from policies.comparison import compare_versions
from policies.forms import ClauseForm, PolicyAdoptForm
from policies.models import Clause, Policy, PolicyVersion


def _version(request, pk: int) -> PolicyVersion:
    return get_object_or_404(
        PolicyVersion.objects.select_related("policy"), pk=pk, policy__school=request.school
    )


def _in_force(version: PolicyVersion) -> PolicyVersion | None:
    return version.policy.versions.filter(status=PolicyVersion.Status.ADOPTED).exclude(pk=version.pk).first()


def _refuse(request, error: ValidationError, version: PolicyVersion):
    messages.error(request, " ".join(error.messages))
    return redirect("policies:policy_version", version_pk=version.pk)


@require_GET
@allowed_if(may_read_policy_drafts)
def policy_versions(request):
    school = request.school
    policies = Policy.objects.filter(school=school).prefetch_related("versions")
    return render(request, "policies/versions.html", {
        "policies": policies, "may_edit": may_administer_policies(request.user),
    })


@require_POST
@allowed_if(may_administer_policies)
def policy_draft_new(request, policy_pk: int):
    policy = get_object_or_404(Policy, pk=policy_pk, school=request.school)
    try:
        draft = services.policy_version_new_draft(policy=policy, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("policies:policy_versions")
    messages.success(request, f"Version {draft.number} is a new draft, copied from the latest version.")
    return redirect("policies:policy_version", version_pk=draft.pk)


@require_GET
@allowed_if(may_read_policy_drafts)
def policy_version(request, version_pk: int):
    version = _version(request, version_pk)
    may_edit = may_administer_policies(request.user) and version.is_editable
    clauses = list(version.clauses.all())
    return render(request, "policies/version.html", {
        "version": version,
        "in_force": _in_force(version),
        "may_edit": may_edit,
        "may_adopt": may_adopt_policy(request.user) and version.is_editable,
        "clause_forms": [(clause, ClauseForm(instance=clause, prefix=f"c{clause.pk}")) for clause in clauses]
        if may_edit else [],
        "clauses": clauses,
        "new_clause_form": ClauseForm(prefix="new") if may_edit else None,
        "history": _changes(version),
    })


@require_POST
@allowed_if(may_administer_policies)
def clause_edit(request, version_pk: int, clause_pk: int):
    version = _version(request, version_pk)
    clause = get_object_or_404(Clause, pk=clause_pk, version=version)
    if not version.is_editable:
        return _refuse(request, ValidationError(_not_a_draft(version)), version)
    # A ModelForm writes what was typed onto its instance while validating: give it a copy, so the
    # service alone changes the clause.
    form = ClauseForm(request.POST, instance=Clause.objects.get(pk=clause.pk), prefix=f"c{clause.pk}")
    if not form.is_valid():
        messages.error(request, f"Clause {clause.number} was not saved: " + _form_errors(form))
        return redirect("policies:policy_version", version_pk=version.pk)
    try:
        services.clause_update(clause=clause, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _refuse(request, error, version)
    messages.success(request, f"Clause {clause.number} saved.")
    return redirect(reverse("policies:policy_version", kwargs={"version_pk": version.pk}) + f"#clause-{clause.pk}")


@require_POST
@allowed_if(may_administer_policies)
def clause_add(request, version_pk: int):
    version = _version(request, version_pk)
    form = ClauseForm(request.POST, prefix="new")
    if not form.is_valid():
        messages.error(request, "The clause was not added: " + _form_errors(form))
        return redirect("policies:policy_version", version_pk=version.pk)
    try:
        clause = services.clause_add(version=version, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _refuse(request, error, version)
    messages.success(request, f"Clause {clause.number} added.")
    return redirect(reverse("policies:policy_version", kwargs={"version_pk": version.pk}) + f"#clause-{clause.pk}")


@require_POST
@allowed_if(may_administer_policies)
def clause_remove(request, version_pk: int, clause_pk: int):
    version = _version(request, version_pk)
    clause = get_object_or_404(Clause, pk=clause_pk, version=version)
    try:
        services.clause_remove(clause=clause, by=request.user)
    except ValidationError as error:
        return _refuse(request, error, version)
    messages.success(request, f"Clause {clause.number} taken out of the draft.")
    return redirect("policies:policy_version", version_pk=version.pk)


@require_GET
@allowed_if(may_read_policy_drafts)
def policy_version_compare(request, version_pk: int):
    version = _version(request, version_pk)
    in_force = _in_force(version) if version.is_editable else None
    return render(request, "policies/compare.html", {
        "version": version, "comparison": compare_versions(old=in_force, new=version),
        "may_adopt": may_adopt_policy(request.user) and version.is_editable,
    })


@require_http_methods(["GET", "POST"])
@allowed_if(may_adopt_policy)
def policy_version_adopt(request, version_pk: int):
    version = _version(request, version_pk)
    if not version.is_editable:
        return _refuse(request, ValidationError(_not_a_draft(version)), version)
    in_force = _in_force(version)
    form = PolicyAdoptForm(request.POST or None, initial={"adopted_on": datetime.date.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_version_adopt(version=version, by=request.user,
                                          adopted_on=form.cleaned_data["adopted_on"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Version {version.number} of “{version.policy.title}” is adopted.")
            return redirect("policies:policy")
    citing = open_cases_citing(request.user, in_force).count() if in_force else 0
    return render(request, "policies/adopt.html", {
        "version": version, "in_force": in_force, "form": form, "citing": citing,
        "comparison": compare_versions(old=in_force, new=version),
    })


def _changes(version: PolicyVersion) -> list:
    """The version's own history and its clauses', newest first: who changed what, and when."""
    rows = [*version.history.select_related("history_user").order_by("-history_date")[:20],
            *Clause.history.filter(version_id=version.pk).select_related("history_user").order_by("-history_date")[:50]]
    return sorted(rows, key=lambda row: row.history_date, reverse=True)


def _not_a_draft(version: PolicyVersion) -> str:
    return (f"Version {version.number} is {version.get_status_display().lower()}: it is the record of what "
            "was in force and cannot be changed. Start a new draft to change the policy.")


def _form_errors(form) -> str:
    return " ".join(f"{form.fields[name].label if name in form.fields else ''} {' '.join(errors)}".strip()
                    for name, errors in form.errors.items())
