import gzip
import tarfile
import zlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.records.backup import RestoreError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup archive into an empty installation (run `migrate` first)."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive: Path, **options) -> None:
        if not archive.exists():
            raise CommandError(f"No such file: {archive}")
        try:
            manifest = backup_restore(source=archive)
        except RestoreError as error:
            raise CommandError(str(error)) from None
        except (EOFError, tarfile.TarError, zlib.error, gzip.BadGzipFile):
            # What a copy cut short, or a file that is not a backup, raises while it is read.
            raise CommandError(
                f"{archive} is damaged or incomplete (perhaps cut short while copying) or is not a Casebook "
                "backup. Nothing was restored: use another copy of the backup."
            ) from None
        self.stdout.write(self.style.SUCCESS(
            f"Restored the backup of {manifest['created_at']} ({len(manifest['files'])} files)."))
