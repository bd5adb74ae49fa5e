"""Running the school in Casebook: invitations to join it, and the record of every administrative change."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Invitation(models.Model):
    """A one-time link for a new colleague (or the first administrator) to choose a password.

    Only the SHA-256 of the token is kept: whoever reads the database cannot open the link. A link is
    good once, until `expires_at`, and stops working when used, sent again or withdrawn.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations")
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty when made on the server's command line (setup_school).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True, help_text="Sent again or withdrawn.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Invitation of {self.user} on {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.withdrawn_at is None and self.expires_at > timezone.now()


class AdministrationEvent(models.Model):
    """One change to the school's settings or to who may use Casebook: who, what, when, in words.

    Field-by-field history of the school profile is kept by django-simple-history as well; this is the
    record people read, at /settings/history/. Rows are only ever added.
    """

    class Action(models.TextChoices):
        PROFILE_CHANGED = "profile_changed", "School profile changed"
        RULES_CHANGED = "rules_changed", "Rules changed"
        TERM_DATES_ADDED = "term_dates_added", "Closure added to the term dates"
        TERM_DATES_REMOVED = "term_dates_removed", "Closure removed from the term dates"
        USER_INVITED = "user_invited", "Colleague invited"
        INVITATION_RESENT = "invitation_resent", "Invitation sent again"
        INVITATION_WITHDRAWN = "invitation_withdrawn", "Invitation withdrawn"
        INVITATION_ACCEPTED = "invitation_accepted", "Password chosen from an invitation"
        ROLES_CHANGED = "roles_changed", "Roles changed"
        USER_DEACTIVATED = "user_deactivated", "Account deactivated"
        MEMBERSHIP_ENDED = "membership_ended", "Membership of the school ended"
        USER_REACTIVATED = "user_reactivated", "Account reactivated"
        TWO_FACTOR_RESET = "two_factor_reset", "Two-factor sign-in reset"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+", help_text="Empty when done on the server's command line.")
    action = models.CharField(max_length=24, choices=Action)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="administration_events", help_text="The colleague it was about, if any.")
    school = models.ForeignKey(
        "policies.School", null=True, blank=True, on_delete=models.PROTECT, related_name="administration_events",
        help_text="The school it was done at; empty for what concerns only the colleague's own account.")
    summary = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} on {self.at:%Y-%m-%d %H:%M}"
