"""Letter templates in Casebook: written as paragraphs with placeholders from a list, previewed live on
a made-up sample case, and saved as a new version. A version is never changed once saved (issued letters
cite theirs); the newest is the one in force, used for new letters. Administrators only."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.access.permissions import allowed_if, may_administer_policies
from policies import services
from policies.forms import LetterTemplateEditForm
from policies.models import LetterTemplate, School
from policies.paragraphs import html_to_paragraphs
from policies.preview import letter_markup_for_page
from policies.templating import LETTER_VARIABLES, LetterRenderError, render_letter_template, sample_letter_context

# Lists a letter can repeat a part for: what to put in for each, as the placeholder list offers it.
LIST_SNIPPETS = {
    "children": "{% for child in children %}\n- {{ child.name }}, {{ child.class_name }}\n{% endfor %}",
    "clauses_breached": "{% for clause in clauses_breached %}\n- clause {{ clause.number }}: “{{ clause.text }}”\n"
    "{% endfor %}",
    "quoted_messages": "{% for message in quoted_messages %}\n- {{ message.sent_at|date:\"j F Y, H:i\" }}, "
    "{{ message.author }}: “{{ message.text }}” (clause {{ message.clause }})\n{% endfor %}",
}


def placeholders() -> list[tuple[str, str, str]]:
    """(what to put in, its name, what it holds) for each placeholder a letter may use."""
    offered = []
    for name, description in LETTER_VARIABLES.items():
        if "[]." in name:
            continue
        insert = LIST_SNIPPETS.get(name, "{{ " + name + " }}")
        offered.append((insert, name, description))
    return offered


def letter_sheet(*, school: School, subject: str, body: str) -> dict:
    """The sample letter filled in from an already checked subject and body, for `_letter_sheet.html`."""
    context = sample_letter_context(school, today=datetime.date.today())
    try:
        return {"school": school, "subject": render_letter_template(subject, context),
                # The sealed engine escapes every value; of the template's own markup, only a letter's is kept.
                "body": mark_safe(letter_markup_for_page(render_letter_template(body, context)))}
    except LetterRenderError as error:
        return {"school": school, "problems": [("Line", error.problem.line, error.problem.message, "")]}


def _sheet_for(form: LetterTemplateEditForm, school: School) -> dict:
    if not form.is_valid():
        return {"school": school, "problems": form.problems, "incomplete": not form.problems}
    return letter_sheet(school=school, subject=form.cleaned_data["subject"], body=form.cleaned_data["body"])


@require_GET
@allowed_if(may_administer_policies)
def letter_templates(request):
    school = request.school
    templates = LetterTemplate.objects.filter(school=school).prefetch_related("versions")
    return render(request, "policies/letter_templates.html", {"templates": templates})


@require_http_methods(["GET", "POST"])
@allowed_if(may_administer_policies)
def letter_template_edit(request, template_pk: int):
    school = request.school
    template = get_object_or_404(LetterTemplate, pk=template_pk, school=school)
    current = template.current_version
    dropped: list[str] = []
    if request.method == "POST":
        form = LetterTemplateEditForm(request.POST, school=school)
        if form.is_valid():
            try:
                if current is not None and (current.subject, current.body) == (
                        form.cleaned_data["subject"], form.cleaned_data["body"]):
                    raise ValidationError(f"Nothing has changed: version {current.number} stays in force.")
                new = services.letter_template_version_create(
                    template=template, subject=form.cleaned_data["subject"], body=form.cleaned_data["body"],
                    by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Saved as version {new.number}, now in force for new letters. "
                                          "Earlier versions are kept unchanged.")
                return redirect("policies:letter_template_edit", template_pk=template.pk)
    else:
        text, dropped = html_to_paragraphs(current.body) if current else ("", [])
        form = LetterTemplateEditForm({"subject": current.subject if current else "", "paragraphs": text},
                                      school=school)
    return render(request, "policies/letter_template_edit.html", {
        "template": template, "current": current, "form": form, "dropped": dropped,
        "versions": template.versions.select_related("created_by"), "placeholders": placeholders(),
        "sheet": _sheet_for(form, school),
    })


@require_POST
@allowed_if(may_administer_policies)
def letter_template_preview(request, template_pk: int):
    """The sample letter from the words on the page, unsaved: htmx swaps it in as the administrator types."""
    school = request.school
    get_object_or_404(LetterTemplate, pk=template_pk, school=school)
    form = LetterTemplateEditForm(request.POST, school=school)
    return render(request, "policies/_letter_sheet.html", {"sheet": _sheet_for(form, school)})
