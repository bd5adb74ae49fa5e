import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from incidents.demo import bulk


class Command(BaseCommand):
    help = ("Fill the database with N realistic bulk cases over one or --schools N schools, each with its own "
            "staff, parents and references (BPS7-2024-0042), to measure Casebook at scale. "
            "Run seed_demo first. Refuses to run again without --force. Never for a live school's database.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, required=True)
        parser.add_argument("--schools", type=int, default=1, help="Spread the cases unevenly over this many schools "
                            "(the first is the installation's own; the others are made).")
        parser.add_argument("--force", action="store_true", help="Add more even if bulk cases are there.")
        parser.add_argument("--seed", type=int, default=10, help="Random seed (the same seed, the same data).")
        parser.add_argument("--jobs", type=int, default=None, help="Processes writing at once, each its own "
                            "schools (default: one per CPU on PostgreSQL, up to 4; 1 on SQLite).")

    def handle(self, *args, cases: int, schools: int, force: bool, seed: int, jobs: int | None, **options) -> None:
        if cases < 1 or schools < 1:
            raise CommandError("--cases and --schools must be at least 1.")
        # Other processes see only committed rows: inside a transaction (a test's) one process does it all.
        may_share = connection.vendor == "postgresql" and not connection.in_atomic_block
        if jobs is None:
            jobs = min(4, os.cpu_count() or 1) if may_share else 1
        elif jobs < 1 or (jobs > 1 and not may_share):
            raise CommandError("--jobs must be at least 1, and more than 1 needs PostgreSQL, outside a transaction.")
        started = time.perf_counter()
        try:
            totals = bulk.seed_bulk(cases=cases, schools=schools, force=force, seed=seed, jobs=jobs,
                                    progress=lambda line: self.stdout.write(line) if options["verbosity"] > 1 else None)
        except bulk.AlreadySeeded as refused:
            raise CommandError(str(refused)) from refused
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"Added in {elapsed:.1f} s: " + ", ".join(f"{n} {kind}" for kind, n in totals.items())))
