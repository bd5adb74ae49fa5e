"""The parent's own page for a letter: reached by a link that is the only key to it, and the one-time
codes that show it is the parent before anything they send is recorded.

Only a hash of a link's token (and of a code) is kept: a copy of the database opens no page."""

from django.conf import settings
from django.db import models

from .letters import Letter
from .people import Parent


class ParentLink(models.Model):
    """One parent's key to one letter's page. Live until it expires, is revoked (by staff, by a new
    link for the same letter, when the letter is replaced or its step closes)."""

    class Purpose(models.TextChoices):
        LETTER = "letter", "Read and answer a letter"

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="parent_links")
    parent = models.ForeignKey(Parent, on_delete=models.PROTECT, related_name="links")
    purpose = models.CharField(max_length=16, choices=Purpose, default=Purpose.LETTER)
    token_hash = models.CharField(max_length=64, unique=True)
    # The short code a paper letter prints (/p/<code>/), kept as a hash like the token: the same key
    # to the same page, live and revoked together with it. Empty for a link that went only by e-mail.
    short_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", help_text="Empty when issued with the letter's e-mail.")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Link for {self.letter} ({'revoked' if self.revoked_at else 'issued'})"


class ParentCode(models.Model):
    """A six-digit code e-mailed to the parent to show it is them: used once, within minutes, with few tries."""

    link = models.ForeignKey(ParentLink, on_delete=models.PROTECT, related_name="codes")
    code_hash = models.CharField(max_length=64)
    sent_to = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Code for link {self.link_id}"
