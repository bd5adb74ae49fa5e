"""Django's admin site, kept for superusers: the technical back room, not where a school is run.

Administrators and every other member of staff run the school in Casebook's own pages; here they get
a 403 (signed in) or the sign-in page (signed out). Records the law says to keep (cases and all that
hangs off them, letters, the outbox, access logs, the school, policy versions) can never be deleted
from here, whoever registers their admin: `register` adds `KeptRecordAdmin` to it.
"""

import functools

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models.base import ModelBase

# app_label.model_name of every record kept for the school's retention period or for ever.
KEPT_RECORDS = frozenset({
    "incidents.case", "incidents.concern", "incidents.caseevent", "incidents.caseaccess",
    "incidents.evidence", "incidents.statement", "incidents.contact",
    "incidents.chatimport", "incidents.chatmessage", "incidents.chatmedia", "incidents.chatmark",
    "incidents.recommendation", "incidents.decision", "incidents.sanction", "incidents.sanctionstep",
    "incidents.representation", "incidents.complaint", "incidents.letter", "incidents.notification",
    "incidents.subjectaccessrequest", "incidents.casetombstone", "incidents.twofactorreset",
    "incidents.parent", "incidents.child", "incidents.user",
    "policies.school", "policies.policy", "policies.policyversion", "policies.lettertemplate",
    "policies.lettertemplateversion", "policies.responsetype",
})

# Model names of the installed packages, in words (their own Meta cannot change without a migration).
PLAIN_MODEL_NAMES = {
    "otp_totp.totpdevice": "Authenticator apps",
    "otp_static.staticdevice": "Recovery codes",
    "axes.accessattempt": "Sign-in attempts (delete one to lift a lock-out)",
    "axes.accesslog": "Sign-ins",
    "axes.accessfailurelog": "Failed sign-ins",
    "axes.accessattemptexpiration": "When lock-outs expire",
    "auth.group": "Roles",
    "incidents.notification": "E-mail outbox",
    "incidents.caseaccess": "Restricted-case access log",
}


class KeptRecordAdmin:
    """Mixed into the admin of every model in KEPT_RECORDS: no delete, for anyone."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CasebookAdminSite(admin.AdminSite):
    site_header = "Casebook: technical administration"
    site_title = "Casebook technical administration"
    index_title = "For superusers only. Run the school in Casebook itself."

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @functools.wraps(view)
        def superusers_only(request, *args, **kwargs):
            # Signed in but not a superuser: a plain refusal, not an invitation to sign in as someone else.
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return superusers_only

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        return super().login(request, extra_context)

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        for model in models:
            model_admin = admin_class or admin.ModelAdmin
            if model._meta.label_lower in KEPT_RECORDS and not issubclass(model_admin, KeptRecordAdmin):
                model_admin = type(model_admin.__name__, (KeptRecordAdmin, model_admin), {})
            super().register(model, model_admin, **options)

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            for model in app["models"]:
                label = f"{app['app_label']}.{model['object_name'].lower()}"
                model["name"] = PLAIN_MODEL_NAMES.get(label, model["name"])
        return app_list
