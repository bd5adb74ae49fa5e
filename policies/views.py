from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods

from incidents.access.permissions import (
    allowed_if,
    holds_a_staff_role,
    may_administer_policies,
    may_adopt_policy,
    may_preview_letters,
    may_read_policy_drafts,
)
from policies import selectors, services
from policies.forms import PolicyImportForm
from policies.models import LetterTemplateVersion, Policy, PolicyVersion
from policies.pdf import html_to_pdf
from policies.template_views import letter_sheet
from policies.templating import LETTER_VARIABLES


def _policy_context(request) -> dict:
    school = request.school
    version = selectors.adopted_policy(school=school)
    return {
        "school": school,
        "version": version,
        "parts": selectors.clauses_by_kind(version=version) if version else [],
    }


@require_GET
@allowed_if(holds_a_staff_role)
def policy_read(request):
    may_read_drafts = may_read_policy_drafts(request.user)
    drafts = PolicyVersion.objects.filter(policy__school=request.school,
                                          status=PolicyVersion.Status.DRAFT).select_related("policy")
    return render(request, "policies/policy.html", {
        **_policy_context(request), "may_administer": may_administer_policies(request.user),
        "may_read_drafts": may_read_drafts, "drafts": drafts if may_read_drafts else [],
        "may_adopt": may_adopt_policy(request.user),
    })


@require_GET
@allowed_if(holds_a_staff_role)
def policy_pdf(request):
    context = _policy_context(request)
    html = render_to_string("policies/policy_pdf.html", context, request=request)
    pdf = html_to_pdf(html)  # fetches nothing from the network
    version = context["version"]
    name = f"policy-v{version.number}.pdf" if version else "policy.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
@allowed_if(may_administer_policies)
def policy_import(request):
    school = request.school
    form = PolicyImportForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        policy = form.cleaned_data["policy"]
        try:
            if policy is None:
                policy = Policy.objects.create(school=school, title=form.cleaned_data["title"])
            version = services.policy_import_text(policy=policy, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            url = reverse("policies:policy_version", kwargs={"version_pk": version.pk})
            messages.success(request, format_html(
                "Draft version {} made with {} clauses. <a href=\"{}\">Check each clause and its kind</a>, "
                "then adopt it.", version.number, version.clauses.count(), url,
            ))
            return redirect(url)
    return render(request, "policies/import.html", {"form": form})


@require_GET
@allowed_if(may_preview_letters)
def letter_preview(request, pk: int):
    school = request.school
    version = get_object_or_404(LetterTemplateVersion.objects.select_related("template"), pk=pk,
                                template__school=school)
    return render(request, "policies/letter_preview.html", {
        "version": version, "variables": LETTER_VARIABLES,
        "sheet": letter_sheet(school=school, subject=version.subject, body=version.body),
    })
