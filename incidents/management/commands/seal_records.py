from django.core.management.base import BaseCommand

from incidents.records.seal import seal_daily, seal_write


class Command(BaseCommand):
    help = ("Seal every case timeline's newest event and every stored file's SHA-256 in CASEBOOK_SEAL_DIR, "
            "and e-mail the fingerprint to the Head Teacher (Celery beat does this daily).")

    def add_arguments(self, parser):
        parser.add_argument("--no-email", action="store_true", help="Write the seal without e-mailing it.")

    def handle(self, *args, no_email: bool, **options) -> None:
        seal = seal_write() if no_email else seal_daily()
        self.stdout.write(self.style.SUCCESS(
            f"Sealed {len(seal.body['chains'])} timelines and {len(seal.body['files'])} files in {seal.path}. "
            f"Fingerprint: {seal.fingerprint}"))
