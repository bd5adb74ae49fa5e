"""`manage.py import_people FILE [--dry-run]`: parents, children and classes from a CSV export.

Exit status: 0 when every row was good; 1 when some rows were refused (each named by its line; the good
rows are imported all the same); 2 when the file cannot be used at all, or there is no school yet.
The columns each information system exports are listed in docs/people-import.md.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from incidents.people.reading import FIELD_LABELS, UnreadableFile
from incidents.people.selectors import ImportPlan
from incidents.people.services import people_import
from policies.models import School

EXIT_REFUSED_ROWS = 1
EXIT_UNUSABLE = 2


class Command(BaseCommand):
    help = "Import parents, children and classes from a CSV export of the school's information system."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the CSV file (UTF-8), one row per child and parent")
        parser.add_argument("--dry-run", action="store_true", help="show what would change; save nothing")
        parser.add_argument("--school", default="", help="the school's short code (HIL); needed when the "
                                                         "installation serves more than one school")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        school = _school_named(options["school"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.", returncode=EXIT_UNUSABLE) from None
        try:
            plan = people_import(school=school, data=data, by=None, source=f"{path.name} (import_people)",
                                 dry_run=options["dry_run"])
        except UnreadableFile as error:
            raise CommandError(f"{path.name}: {error}", returncode=EXIT_UNUSABLE) from None

        self.stdout.write(report(plan, name=path.name, dry_run=options["dry_run"]))
        if plan.refused:
            raise CommandError(
                f"{len(plan.refused)} of {plan.rows_read} rows refused (lines "
                + ", ".join(str(row.line) for row in plan.refused) + ").", returncode=EXIT_REFUSED_ROWS)


def report(plan: ImportPlan, *, name: str, dry_run: bool) -> str:
    will = "would be" if dry_run else "were"
    lines = [f"{name}: {plan.rows_read} rows read, {plan.rows_read - len(plan.refused)} good, "
             f"{len(plan.refused)} refused."]
    lines.append("Columns: " + ", ".join(f"{FIELD_LABELS[field]} ← '{header}'"
                                          for field, header in plan.columns.items()))
    if plan.ignored_columns:
        lines.append("Columns not used: " + ", ".join(plan.ignored_columns))
    lines.append(f"Parents: {len(plan.parents_added)} {will} added, {len(plan.parents_changed)} {will} changed, "
                 f"{len(plan.parents_unchanged)} left as they are.")
    lines.append(f"Children: {len(plan.children_added)} {will} added, {len(plan.children_changed)} {will} changed, "
                 f"{len(plan.children_unchanged)} left as they are.")
    lines.append(f"Links between parent and child: {len(plan.new_links)} {will} added.")
    if plan.new_classes:
        lines.append("Classes new to Casebook: " + ", ".join(plan.new_classes))
    for parent in plan.parents_changed:
        lines.append(f"  changed: {parent.full_name} (line {parent.line}): "
                     + ", ".join(f"{field} → {value}" for field, value in parent.changes.items()))
    for child in plan.children_changed:
        lines.append(f"  changed: {child.full_name} (line {child.line}): class → {child.class_name}")
    if plan.refused:
        lines.append("Refused:")
        lines += [f"  line {row.line}: {row.reason}" for row in plan.refused]
    if dry_run:
        lines.append("Nothing was saved (--dry-run).")
    elif not plan.has_changes:
        lines.append("Nothing to change: Casebook already holds everything in this file.")
    return "\n".join(lines)


def _school_named(code: str) -> School:
    """The school of this code; without one, the installation's only school."""
    schools = School.objects.filter(code=code.upper()) if code else School.objects.all()
    found = list(schools.order_by("pk")[:2])
    if not found:
        raise CommandError(f"No school has the code {code}." if code else
                           "There is no school yet: run `manage.py setup_school` first.", returncode=EXIT_UNUSABLE)
    if len(found) > 1:
        raise CommandError("This installation serves several schools: name one with --school CODE.",
                           returncode=EXIT_UNUSABLE)
    return found[0]
