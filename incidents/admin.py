from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import Child, Parent, ParentGroup, User


@admin.register(User)
class CasebookUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Notifications", {"fields": ("notification_mode",)}),)
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
