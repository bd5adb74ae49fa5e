import time

from django.core.management.base import BaseCommand, CommandError

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

    def handle(self, *args, cases: int, schools: int, force: bool, seed: int, **options) -> None:
        if cases < 1 or schools < 1:
            raise CommandError("--cases and --schools must be at least 1.")
        started = time.perf_counter()
        try:
            totals = bulk.seed_bulk(cases=cases, schools=schools, force=force, seed=seed,
                                    progress=lambda line: self.stdout.write(line) if options["verbosity"] > 1 else None)
        except bulk.AlreadySeeded as refused:
            raise CommandError(str(refused)) from refused
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"Added in {elapsed:.1f} s: " + ", ".join(f"{n} {kind}" for kind, n in totals.items())))
