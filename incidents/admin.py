from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from simple_history.admin import SimpleHistoryAdmin

from incidents.access.services import two_factor_reset
from incidents.models import Child, Decision, Parent, ParentGroup, Sanction, TwoFactorReset, User


@admin.register(User)
class CasebookUserAdmin(UserAdmin):
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Notifications", {"fields": ("notification_mode",)}))
    list_display = ("username", "first_name", "last_name", "email", "is_active")
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


class _ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Decision)
class DecisionAdmin(_ReadOnlyAdmin):
    list_display = ("case", "decided_by", "decided_at", "no_further_action", "supersedes")


@admin.register(Sanction)
class SanctionAdmin(_ReadOnlyAdmin):
    list_display = ("case", "response_type", "state", "review_on")
    list_filter = ("kind", "state")
