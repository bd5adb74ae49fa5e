from django.core.management.base import BaseCommand

from incidents.records.integrity import CHECKS


class Command(BaseCommand):
    help = "Check the hash chain of every case timeline and every stored file's SHA-256. Exits 1 on any mismatch."

    def handle(self, *args, **options) -> None:
        problems = 0
        for name, check in CHECKS:
            found = list(check())
            problems += len(found)
            for mismatch in found:
                self.stdout.write(self.style.ERROR(f"MISMATCH {mismatch}"))
            self.stdout.write(f"{name}: {'ok' if not found else f'{len(found)} mismatch(es)'}")
        if problems:
            self.stderr.write(f"{problems} mismatch(es) found.")
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Everything matches."))
