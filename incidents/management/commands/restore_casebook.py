import gzip
import io
import tarfile
import zlib
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from incidents.records.backup import RestoreError, backup_restore
from incidents.records.pgbackup import BackupError, database_backup_restore, is_database_backup


class Command(BaseCommand):
    help = ("Restore a backup. An encrypted database backup (`make backup` on PostgreSQL) goes into an empty "
            "PostgreSQL database with BACKUP_PASSPHRASE, then verify_integrity runs. A portable export goes into "
            "an empty installation (run `migrate` first).")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--replace-existing-data", action="store_true",
                            help="database backups only: replace the data already in the database and MEDIA_ROOT")

    def handle(self, *args, archive: Path, replace_existing_data: bool, **options) -> None:
        if not archive.exists():
            raise CommandError(f"No such file: {archive}")
        if is_database_backup(archive):
            self._restore_database_backup(archive, replace_existing_data=replace_existing_data)
            return
        if replace_existing_data:
            raise CommandError("--replace-existing-data is for encrypted database backups only.")
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

    def _restore_database_backup(self, archive: Path, *, replace_existing_data: bool) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("This is a PostgreSQL backup: set DATABASE_URL to an empty PostgreSQL database.")
        try:
            manifest = database_backup_restore(
                source=archive, database=connection.settings_dict, media_root=Path(settings.MEDIA_ROOT),
                passphrase=settings.BACKUP_PASSPHRASE, replace_existing_data=replace_existing_data)
        except BackupError as error:
            raise CommandError(str(error)) from None
        connection.close()  # the restored tables replace what this connection may have seen
        self.stdout.write(self.style.SUCCESS(
            f"Restored the backup of {manifest['created_at']} into {connection.settings_dict['NAME']} "
            f"({len(manifest['files'])} files; the dump and every file matched the manifest before and after)."))
        report = io.StringIO()
        try:
            call_command("verify_integrity", stdout=report, stderr=report)
        except SystemExit:
            self.stdout.write(report.getvalue())
            raise CommandError("Restored, but verify_integrity found mismatches (listed above).") from None
        self.stdout.write(f"verify_integrity:\n{report.getvalue()}")
