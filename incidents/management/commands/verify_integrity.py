from django.core.management.base import BaseCommand

from incidents.records.integrity import CHECKS
from incidents.records.seal import seal_latest


class Command(BaseCommand):
    help = ("Check the hash chain of every case timeline, every stored file's SHA-256, and both against the "
            "newest seal in CASEBOOK_SEAL_DIR. Exits 1 on any mismatch.")

    def handle(self, *args, **options) -> None:
        seal = seal_latest()
        if seal is None:
            self.stdout.write("No seal found: the records are checked against themselves only (run seal_records).")
        else:
            self.stdout.write(f"Checking against the seal {seal.path.name}, fingerprint {seal.fingerprint}.")
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
