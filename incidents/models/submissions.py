from django.conf import settings
from django.db import models


class Submission(models.Model):
    """A form submission already handled: a double-click or a resent form does nothing twice.

    Each form carries a fresh random token; the first POST with it records the result here,
    and any later POST with the same token is sent to that result instead of creating again.
    """

    token = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    result_url = models.CharField(max_length=300)

    def __str__(self) -> str:
        return f"{self.token} → {self.result_url}"
