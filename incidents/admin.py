from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import Child, Decision, Parent, ParentGroup, Sanction, User


@admin.register(User)
class CasebookUserAdmin(UserAdmin):
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Notifications", {"fields": ("notification_mode",)}))
    list_display = ("username", "first_name", "last_name", "email", "is_active")


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
