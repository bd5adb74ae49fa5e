"""Run the daily job: reminders of deadlines, then the daily digests.

In production Celery beat runs it each morning (incidents.notifications.tasks.daily_reminders). With the
embedded default (no beat), run this from cron. Safe to run more than once a day: each reminder
goes once per event and person.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from incidents.notifications import reminders


class Command(BaseCommand):
    help = "Send today's reminders and daily digests (--dry-run: only say what would be sent)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send and record nothing.")
        parser.add_argument("--today", help="Run as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, dry_run: bool = False, today: str | None = None, **options):
        try:
            day = datetime.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError(f"--today must be a date like 2026-03-02, not {today!r}") from None
        run = reminders.daily_job(today=day, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"Dry run for {day:%d %b %Y}: nothing sent or recorded.")
            for plan in run.reminders:
                self.stdout.write(f"  would remind {plan}")
            for username in run.digests:
                self.stdout.write(f"  would send a daily digest to {username}")
        self.stdout.write(f"{len(run.reminders)} reminder(s), {len(run.digests)} digest(s)"
                          + (" would be sent." if dry_run else " sent."))
