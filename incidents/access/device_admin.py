"""The admin's view of authenticators, in place of django-otp's own: who has which device and when it
was last used, never its secret (a TOTP key, the recovery codes), and no adding or editing here. With
a device's key anyone can make its codes; an administrator who could add one could sign in as the
Head Teacher. Devices are set up by their owner; a lost one is replaced through the recorded reset."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class _DeviceAdmin(admin.ModelAdmin):
    list_filter = ("confirmed",)
    search_fields = ("user__username", "user__first_name", "user__last_name")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TOTPDeviceAdmin(_DeviceAdmin):
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    fields = readonly_fields = ("user", "name", "confirmed", "created_at", "last_used_at")


class StaticDeviceAdmin(_DeviceAdmin):
    """Recovery codes: how many are left, never what they are."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at", "codes_left")
    fields = readonly_fields = ("user", "name", "confirmed", "created_at", "last_used_at", "codes_left")

    @admin.display(description="recovery codes left")
    def codes_left(self, device: StaticDevice) -> int:
        return device.token_set.count()


for model, model_admin in ((TOTPDevice, TOTPDeviceAdmin), (StaticDevice, StaticDeviceAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
