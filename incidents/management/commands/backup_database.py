import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from incidents.records.pgbackup import BackupError, database_backup_write
from incidents.records.rotation import backup_file_name, backup_rotate


class Command(BaseCommand):
    help = ("Back up this installation (`make backup`). On PostgreSQL: pg_dump, the private files and a manifest "
            "of their SHA-256 digests, encrypted with BACKUP_PASSPHRASE, into BACKUP_DIR, then keep "
            "BACKUP_KEEP_DAILY daily and BACKUP_KEEP_WEEKLY weekly backups. On SQLite (development): the "
            "portable export of backup_casebook.")

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=None, help="where backups go (default: BACKUP_DIR)")

    def handle(self, *args, dir: Path | None, **options) -> None:
        directory = Path(dir or settings.BACKUP_DIR)
        if settings.CASEBOOK_STORAGE != "filesystem":
            self.stdout.write(self.style.WARNING(
                "The private files are in object storage (CASEBOOK_STORAGE=s3): this backup holds the database only. "
                "Back up the bucket itself (versioning, or a copy to another bucket): see the README."))
        if connection.vendor != "postgresql":
            self.stdout.write("The database is not PostgreSQL: writing the portable export instead.")
            output = directory / f"casebook-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
            call_command("backup_casebook", output=output, stdout=self.stdout, stderr=self.stderr)
            return
        destination = directory / backup_file_name(timezone.localtime())
        started = time.monotonic()
        try:
            result = database_backup_write(database=connection.settings_dict, media_root=Path(settings.MEDIA_ROOT),
                                           destination=destination, passphrase=settings.BACKUP_PASSPHRASE)
        except BackupError as error:
            raise CommandError(str(error)) from None
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {result.path} ({result.size / 1e6:.1f} MB, {len(result.manifest['files'])} files, "
            f"{seconds:.1f} s)."))
        deleted = backup_rotate(directory=directory, keep_daily=settings.BACKUP_KEEP_DAILY,
                                keep_weekly=settings.BACKUP_KEEP_WEEKLY, just_made=result.path)
        for path in deleted:
            self.stdout.write(f"Rotated out {path.name}.")
