from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from policies.models import School, TermHoliday


class TermHolidayInline(admin.TabularInline):
    model = TermHoliday
    extra = 0


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    inlines = [TermHolidayInline]
