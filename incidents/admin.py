"""Django's admin: configuration and people. Case records (decisions, sanctions) are read-only here,
limited to the cases the user may see (restricted ones to the Head Teacher alone), and every look at
them is written to the case's access log. Authenticator secrets are never shown (access/device_admin)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.template.response import TemplateResponse
from simple_history.admin import SimpleHistoryAdmin

from incidents.access import device_admin  # noqa: F401  (replaces django-otp's device admins)
from incidents.access.services import two_factor_reset
from incidents.access.visibility import cases_visible_to, sees_every_case
from incidents.cases.services import case_access_record
from incidents.models import (
    Case,
    CaseAccess,
    Child,
    Decision,
    Notification,
    Parent,
    ParentGroup,
    Sanction,
    TrustMembership,
    TwoFactorReset,
    User,
)


class TrustMembershipInline(admin.TabularInline):
    model = TrustMembership
    fields = ("trust", "safeguarding_lead", "leader")
    extra = 0
    verbose_name = "trust role"
    verbose_name_plural = "Trust roles"


@admin.register(User)
class CasebookUserAdmin(UserAdmin):
    inlines = [TrustMembershipInline]
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Notifications", {"fields": ("notification_mode",)}),
                 ("Governors", {"fields": ("is_chair_of_governors",)}))
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_chair_of_governors")
    actions = ["reset_two_factor"]

    @admin.action(description="Reset two-factor sign-in (lost phone)")
    def reset_two_factor(self, request, queryset):
        """Asks why first; each reset is recorded (TwoFactorReset) and the person is told by e-mail."""
        reason = request.POST.get("reason", "").strip()
        if "apply" not in request.POST or not reason:
            return render(request, "admin/incidents/user/reset_two_factor.html", {
                **self.admin_site.each_context(request), "title": "Reset two-factor sign-in",
                "users": queryset, "missing_reason": "apply" in request.POST,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            })
        for user in queryset:
            try:
                two_factor_reset(user=user, by=request.user, reason=reason, channel=TwoFactorReset.Channel.ADMIN)
            except (PermissionDenied, ValidationError) as error:
                text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{user.username}: {text}", messages.ERROR)
            else:
                self.message_user(request, f"Two-factor sign-in of {user.username} reset; they set up a new phone "
                                           "at their next sign-in.", messages.SUCCESS)
        return None


@admin.register(TrustMembership)
class TrustMembershipAdmin(admin.ModelAdmin):
    """Who holds a trust role: the trust's safeguarding leads (Safeguarding lead in each of its schools) and
    its leaders (anonymised statistics only). Only superusers reach the admin site."""
    list_display = ("user", "trust", "safeguarding_lead", "leader")
    list_filter = ("trust", "safeguarding_lead", "leader")
    search_fields = ("user__username", "user__first_name", "user__last_name", "trust__name")
    autocomplete_fields = ("user",)


@admin.register(TwoFactorReset)
class TwoFactorResetAdmin(admin.ModelAdmin):
    """The record of resets: read-only, never edited or deleted."""
    list_display = ("created_at", "user", "by", "channel", "reason")
    readonly_fields = ("created_at", "user", "by", "channel", "reason", "devices_removed")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Parent)
class ParentAdmin(SimpleHistoryAdmin):
    list_display = ("last_name", "first_name", "email", "phone")
    search_fields = ("last_name", "first_name", "email")
    filter_horizontal = ("children",)


@admin.register(Child)
class ChildAdmin(SimpleHistoryAdmin):
    list_display = ("last_name", "first_name", "class_name")
    search_fields = ("last_name", "first_name")


@admin.register(ParentGroup)
class ParentGroupAdmin(SimpleHistoryAdmin):
    list_display = ("name", "class_name", "platform")
    filter_horizontal = ("moderators",)


# --- decisions and sanctions: read-only here; every change goes through the services ----


def admin_visible_cases(user: User) -> QuerySet[Case]:
    """The cases whose records the admin shows this user: those cases_visible_to lets them see, and
    of restricted ones only for the Head Teacher (an assignee reads a restricted case in Casebook,
    where the access log and the page's own rules apply)."""
    visible = cases_visible_to(user)
    return visible if sees_every_case(user) else visible.filter(restricted=False)


class _CaseRecordAdmin(SimpleHistoryAdmin):
    """Read-only, limited to admin_visible_cases, and logged: every list, page and history page of a
    case's record adds a line (via the admin) to that case's access log."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        user = request.user
        assert isinstance(user, User)
        return super().get_queryset(request).filter(case__in=admin_visible_cases(user).values("pk"))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _log(self, request: HttpRequest, rows, page: str) -> None:
        user = request.user
        assert isinstance(user, User)
        for row in rows:
            case_access_record(case=row.case, user=user, via=CaseAccess.Via.ADMIN,
                               what=f"{self.model._meta.verbose_name.capitalize()} {row.pk} ({page})")

    def _visible_or_404(self, request: HttpRequest, object_id: str):
        row = self.get_queryset(request).select_related("case").filter(pk=object_id).first()
        if row is None:
            raise Http404
        return row

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = response.context_data.get("cl") if isinstance(response, TemplateResponse) else None
        if changelist is not None:
            self._log(request, changelist.result_list.select_related("case"), "admin list")
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        row = self._visible_or_404(request, object_id)
        response = super().change_view(request, object_id, form_url, extra_context)
        self._log(request, [row], "admin page")
        return response

    def history_view(self, request, object_id, extra_context=None):
        # simple_history would fall back to the history rows of a record not in get_queryset.
        row = self._visible_or_404(request, object_id)
        response = super().history_view(request, object_id, extra_context)
        self._log(request, [row], "admin history")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        row = self._visible_or_404(request, object_id)
        response = super().history_form_view(request, object_id, version_id, extra_context)
        self._log(request, [row], f"admin history version {version_id}")
        return response


@admin.register(Decision)
class DecisionAdmin(_CaseRecordAdmin):
    list_display = ("case", "decided_by", "decided_at", "no_further_action", "supersedes")


@admin.register(Sanction)
class SanctionAdmin(_CaseRecordAdmin):
    list_display = ("case", "response_type", "state", "review_on")
    list_filter = ("kind", "state")


# --- the outbox and the access log: read-only records ----------------------------------------


class _ReadOnlyRecordAdmin(admin.ModelAdmin):
    """Shown to read, never added, changed or deleted here: the app writes them as things happen."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class OutboxAdmin(_ReadOnlyRecordAdmin):
    list_display = ("created_at", "kind", "recipient", "to_address", "case_reference", "state", "sent_at")
    list_filter = ("kind", "state")
    search_fields = ("case_reference", "subject", "to_address")
    date_hierarchy = "created_at"


@admin.register(CaseAccess)
class CaseAccessAdmin(_ReadOnlyRecordAdmin):
    list_display = ("at", "case", "user", "via", "what")
    list_filter = ("via",)
    search_fields = ("case__reference",)
    date_hierarchy = "at"
