from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incidents.demo import school as demo_school
from incidents.demo import seed as demo


class Command(BaseCommand):
    help = ("Load demo users and a demo school, on a development machine (DEBUG on) only. Safe to run again: "
            "it changes nothing the second time.")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            # Its users share one known password: never on a server that real people can reach.
            raise CommandError("seed_demo creates demo users with a known password, so it runs only on a development "
                               "machine (DEBUG on). To prepare a real school, run `manage.py setup_school`.")
        try:
            demo.validate_demo_password(settings.DEMO_PASSWORD)
        except ValidationError as error:
            raise CommandError(f"DEMO_PASSWORD is too weak: {' '.join(error.messages)}") from None
        school, school_created = demo_school.seed_school()
        created = [name for name, was_created in demo.seed_users() if was_created]
        if demo.seed_demo_devices():
            created.append("demo two-factor devices")
        if school_created:
            created.append(f"school profile '{school.name}'")
        created += demo_school.seed_policies(school)
        created += demo_school.seed_term_dates(school)
        if demo.seed_school_data():
            created.append("parents, groups and cases")
        if demo.seed_demo_chat():
            created.append("an imported chat with marked messages")
        if demo.seed_decisions():
            created.append("cases at each step of decisions, sanctions and site bans")
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created: {', '.join(created)}"))
        else:
            self.stdout.write("Demo data already loaded; nothing changed.")
        self.stdout.write(
            "Demo sign-ins (password from DEMO_PASSWORD, default 'casebook-demo'): "
            + ", ".join(username for username, *_ in demo.DEMO_USERS)
        )
        if settings.DEMO_PASSWORD == "casebook-demo":
            self.stdout.write("Password: casebook-demo")
        self.stdout.write("head, lead, dsl and admin also enter a two-factor code: "
                          "run `.venv/bin/python manage.py demo_code head` (or lead, dsl, admin) to see it.")
