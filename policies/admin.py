"""The school's configuration in Django's admin, for superusers (config.admin_site): the school runs
it in Casebook's own pages (/policy/versions/, /policy/templates/), where the Head Teacher adopts a policy.

Adopted and superseded policy versions are read-only here; letter template versions are never changed
in place: saving an edited version adds the next version. All writes go through policies.services.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from policies import services
from policies.forms import LetterTemplateVersionForm, SchoolForm, TermHolidayForm
from policies.models import (
    Clause,
    LetterTemplate,
    LetterTemplateVersion,
    Policy,
    PolicyVersion,
    ResponseType,
    School,
    TermHoliday,
    Trust,
)


class TermHolidayInline(admin.TabularInline):
    model = TermHoliday
    form = TermHolidayForm
    extra = 0


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    form = SchoolForm
    inlines = [TermHolidayInline]
    list_display = ("name", "trust", "head_teacher_name", "phone", "email")
    list_filter = ("trust",)
    fieldsets = (
        (None, {"fields": ("name", "trust", "address", "postcode", "phone", "email", "website", "logo")}),
        ("People", {"fields": ("head_teacher_name", "chair_of_governors_name", "safeguarding_lead_name")}),
        ("Rules", {"fields": ("nation", "retention_years", "representation_school_days", "evidence_max_mb")}),
        ("Reporting online", {"fields": ("online_reporting",)}),
    )


class TrustSchoolInline(admin.TabularInline):
    """The trust's schools, read here; a school joins or leaves a trust on its own page."""

    model = School
    fields = ("name", "code")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    list_display = ("name",)
    inlines = [TrustSchoolInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # A school leaves its trust on its own page; the trust itself, with its leaders' roles, is kept.
        return False


class PolicyVersionInline(admin.TabularInline):
    model = PolicyVersion
    fields = ("link", "status", "adopted_on", "review_on", "superseded_on")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    @admin.display(description="version")
    def link(self, version: PolicyVersion) -> str:
        url = reverse("admin:policies_policyversion_change", args=[version.pk])
        return format_html('<a href="{}">Version {}</a>', url, version.number)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("title", "school")
    inlines = [PolicyVersionInline]
    actions = ["make_new_draft"]

    @admin.action(description="Make a new draft version (copies the latest clauses)",
                  permissions=["add_version"])
    def make_new_draft(self, request, queryset) -> None:
        for policy in queryset:
            try:
                draft = services.policy_version_new_draft(policy=policy, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{policy}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{policy}: version {draft.number} is a new draft.", messages.SUCCESS)

    def has_add_version_permission(self, request) -> bool:
        return request.user.has_perm("policies.add_policyversion")


class ClauseInline(admin.TabularInline):
    model = Clause
    fields = ("position", "number", "kind", "text")
    extra = 0

    # `obj` is the policy version: clauses of adopted and superseded versions are the record.
    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and (obj is None or obj.is_editable)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_editable)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(SimpleHistoryAdmin):
    list_display = ("policy", "number", "status", "adopted_on", "review_on", "superseded_on")
    list_filter = ("status", "policy")
    fields = ("policy", "number", "status", "applies_to", "adopted_on", "review_on", "superseded_on", "text")
    readonly_fields = ("policy", "number", "status", "adopted_on", "superseded_on")
    inlines = [ClauseInline]

    def has_add_permission(self, request) -> bool:
        # Drafts are made from the latest version, or by importing pasted text.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        services.policy_version_update(
            version=obj, by=request.user, applies_to=obj.applies_to, text=obj.text, review_on=obj.review_on
        )


@admin.register(ResponseType)
class ResponseTypeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "level", "needs_letter", "has_duration", "is_referral", "is_active")
    list_editable = ("is_active",)
    filter_horizontal = ("letter_templates",)
    ordering = ("level",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cases refer to rungs of the ladder: switch one off instead


class LetterTemplateVersionInline(admin.TabularInline):
    model = LetterTemplateVersion
    fields = ("number", "subject", "created_at", "created_by", "open")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description="")
    def open(self, version: LetterTemplateVersion) -> str:
        return format_html(
            '<a href="{}">Edit as a new version</a> · <a href="{}">Preview</a>',
            reverse("admin:policies_lettertemplateversion_change", args=[version.pk]),
            reverse("policies:letter_preview", args=[version.pk]),
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "purpose", "latest_version")
    inlines = [LetterTemplateVersionInline]

    @admin.display(description="latest version")
    def latest_version(self, template: LetterTemplate) -> int | None:
        version = template.current_version
        return version.number if version else None

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LetterTemplateVersion)
class LetterTemplateVersionAdmin(admin.ModelAdmin):
    """Editing a version saves a new one: a version used by an issued letter must stay as it was."""

    form = LetterTemplateVersionForm
    list_display = ("template", "number", "subject", "created_at", "created_by")
    list_filter = ("template",)
    readonly_fields = ("number", "created_at", "created_by", "preview")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "template") if obj else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "template":
            kwargs["queryset"] = LetterTemplate.objects.filter(school=request.school)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="")
    def preview(self, version: LetterTemplateVersion) -> str:
        if not version.pk:
            return ""
        return format_html('<a href="{}">Preview with sample data</a>',
                           reverse("policies:letter_preview", args=[version.pk]))

    # "Change" here means "add the next version", so it needs the add permission only.
    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("policies.add_lettertemplateversion")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        template = obj.template
        new = services.letter_template_version_create(
            template=template, subject=obj.subject, body=obj.body, by=request.user
        )
        # The admin logs and redirects using `obj`: point it at the new version, leaving the old row as it was.
        obj.pk, obj.number, obj.created_at, obj.created_by = new.pk, new.number, new.created_at, new.created_by
        if change:
            self.message_user(request, f"Saved as version {new.number}; earlier versions are unchanged.")
