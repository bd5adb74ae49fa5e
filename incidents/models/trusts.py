"""What the worker works out for a trust's leaders, so that /trust/ reads it rather than the cases."""

from django.db import models

from policies.models import Trust


class TrustStatisticsSnapshot(models.Model):
    """A trust's anonymised statistics as last worked out (incidents.trusts.services.trust_statistics_refresh).

    Derived data: one row a trust, overwritten by each refresh (hourly, by the worker), no history kept;
    deleting it loses nothing but the time to work it out again. `figures` holds all the page shows,
    as incidents.trusts.selectors.figures_as_json writes it: the trust term by term and all terms, and
    each school in each term and in all terms. Counts only, like the page: no name but the schools'.
    """

    trust = models.OneToOneField(Trust, on_delete=models.CASCADE, related_name="statistics_snapshot")
    computed_at = models.DateTimeField(help_text="When the figures were worked out.")
    figures = models.JSONField()

    def __str__(self) -> str:
        return f"{self.trust} statistics as at {self.computed_at:%Y-%m-%d %H:%M}"
