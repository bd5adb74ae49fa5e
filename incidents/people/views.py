"""The administrators' import of parents, children and classes: upload, preview, confirm.

The uploaded text waits in the (server-side) session between the preview and the confirmation; the
import itself is the same service the `import_people` command calls.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access.permissions import allowed_if, may_import_people
from incidents.access.requests import AuthenticatedHttpRequest
from incidents.people.forms import PeopleImportForm
from incidents.people.reading import UnreadableFile
from incidents.people.services import PlanChanged, people_import

PENDING = "people_import"


@require_http_methods(["GET", "POST"])
@allowed_if(may_import_people)
def people_import_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PeopleImportForm(request.POST or None, request.FILES or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        request.session[PENDING] = {"name": form.cleaned_data["file"].name[-100:], "text": form.cleaned_data["text"]}
        return redirect("incidents:people_import_preview")
    return render(request, "incidents/people/import.html", {"form": form})


@require_GET
@allowed_if(may_import_people)
def people_import_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending:
        messages.info(request, "Choose the file to import first.")
        return redirect("incidents:people_import")
    try:
        plan = people_import(school=request.school, data=pending["text"].encode(), by=request.user,
                             source=pending["name"], dry_run=True)
    except UnreadableFile as error:
        request.session.pop(PENDING, None)
        messages.error(request, str(error))
        return redirect("incidents:people_import")
    return render(request, "incidents/people/preview.html", {"plan": plan, "name": pending["name"]})


@require_POST
@allowed_if(may_import_people)
def people_import_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending:
        messages.info(request, "There is nothing waiting to be imported: choose the file again.")
        return redirect("incidents:people_import")
    try:
        plan = people_import(school=request.school, data=pending["text"].encode(), by=request.user,
                             source=pending["name"], expected_digest=request.POST.get("digest", ""))
    except PlanChanged:
        messages.warning(request, "Parents or children in Casebook changed since this preview was made. "
                                  "Read the preview again, then confirm.")
        return redirect("incidents:people_import_preview")
    except UnreadableFile as error:
        messages.error(request, str(error))
        return redirect("incidents:people_import")
    request.session.pop(PENDING, None)
    messages.success(request, (
        f"Imported {pending['name']}: {len(plan.parents_added)} parents and {len(plan.children_added)} children "
        f"added, {len(plan.parents_changed) + len(plan.children_changed)} changed, {len(plan.new_links)} links "
        f"between parent and child added" + (f"; {len(plan.refused)} rows refused" if plan.refused else "") + "."))
    return redirect("incidents:people_import")
