import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from incidents.records.backup import backup_write
from incidents.records.seal import seal_write


class Command(BaseCommand):
    help = "Write the database and the private files to one .tar.gz archive (see README: Backup and restore)."

    def add_arguments(self, parser):
        stamp = f"{datetime.datetime.now():%Y%m%d-%H%M%S}"
        default = Path(settings.BASE_DIR) / "var" / "backups" / f"casebook-{stamp}.tar.gz"
        parser.add_argument("--output", type=Path, default=default)

    def handle(self, *args, output: Path, **options) -> None:
        manifest = backup_write(destination=output)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {output} ({len(manifest['files'])} files)."))
        # A seal beside each backup: what the restored records must match, kept apart from the archive.
        seal = seal_write()
        self.stdout.write(f"Records sealed in {seal.path} (fingerprint {seal.fingerprint}).")
