import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from incidents.records.sweep import unrecorded_files, unrecorded_files_quarantine


class Command(BaseCommand):
    help = ("Find files in private storage that no record points to, and report them. With --quarantine, "
            "move them to a quarantine folder with a log. Nothing is ever deleted.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quarantine", action="store_true",
                            help="Move the files found to var/quarantine/<time>/, with quarantine.json saying "
                                 "where each came from.")
        parser.add_argument("--min-age-minutes", type=int, default=60,
                            help="Leave files younger than this (an upload may still be saving). Default 60.")

    def handle(self, *args, quarantine: bool, min_age_minutes: int, **options) -> None:
        if settings.CASEBOOK_STORAGE != "filesystem":
            raise CommandError("The private files are in object storage (CASEBOOK_STORAGE=s3), not under MEDIA_ROOT: "
                               "this sweep reads only the file system, so it would wrongly find nothing.")
        found = unrecorded_files(older_than=datetime.timedelta(minutes=max(min_age_minutes, 0)))
        if not found:
            self.stdout.write(self.style.SUCCESS("Every stored file belongs to a record."))
            return
        for item in found:
            self.stdout.write(f"NO RECORD {item.name} ({filesizeformat(item.size)}, "
                              f"last changed {item.modified:%Y-%m-%d %H:%M} UTC)")
        if quarantine:
            folder = unrecorded_files_quarantine(files=found)
            self.stdout.write(self.style.WARNING(
                f"{len(found)} file(s) with no record moved to {folder} (see quarantine.json there)."))
        else:
            self.stdout.write(self.style.WARNING(
                f"{len(found)} file(s) with no record. Nothing was changed; run with --quarantine to move them aside."))
