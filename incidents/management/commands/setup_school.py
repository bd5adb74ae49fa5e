"""`manage.py setup_school [--name NAME --code HIL --admin-email EMAIL] [--add-school] [--no-input]`: prepare a
new installation, or (--add-school) add a school to one that serves others.

Asks for what it is not given. Loads Casebook's default policy, ladder and letters for the school, with no
demo data, and creates the first administrator without a password: it prints a one-time link (good for a
week) for them to choose one, never a password. Running it again with the same answers changes nothing but
that link: while the administrator has no password, it prints a new one (the earlier one stops working).
Without --add-school it refuses an installation that already serves another school.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from incidents.administration.services import INVITATION_DAYS, SetupRefused, administrator_first_link, school_setup


class Command(BaseCommand):
    help = "Set up Casebook for a school: its name, the default policy, ladder and letters, the first administrator."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", help="the school's name, as on its letterhead")
        parser.add_argument("--code", default="",
                            help="the school's short code, which begins its case references (HIL-2026-0042); "
                                 "made from the name when not given")
        parser.add_argument("--admin-email", help="the first administrator's e-mail address (also their username)")
        parser.add_argument("--add-school", action="store_true",
                            help="add this school to an installation that already serves others (a trust's): "
                                 "its own profile, policy, ladder, letters, cases and administrator")
        parser.add_argument("--no-input", action="store_false", dest="interactive",
                            help="ask nothing: fail if --name or --admin-email is missing")

    def handle(self, *args, **options) -> None:
        name = options["name"] or self._ask(options, "name", "The school's name: ")
        email = options["admin_email"] or self._ask(options, "admin-email", "The first administrator's e-mail: ")
        try:
            setup = school_setup(name=name, admin_email=email, code=options["code"], another=options["add_school"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except SetupRefused as error:
            raise CommandError(str(error)) from None

        username = setup.administrator.get_username()
        if not setup.created:
            self.stdout.write(f"{setup.school.name} is already set up with administrator {username}; "
                              "nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS("Created: " + "; ".join(setup.created) + "."))
            first = f"{setup.school.code}-{datetime.date.today().year}-0001"
            self.stdout.write(f"Its case references begin {setup.school.code}: the first is {first}.")
            self.stdout.write("No demo data was loaded.")
        steps = []
        link = administrator_first_link(administrator=setup.administrator)
        if link:
            steps.append(f"Give the administrator this one-time link to choose their password (it works once, "
                         f"for {INVITATION_DAYS} days; running setup_school again makes a new one):\n     {link}")
        steps += [
            f"They sign in at {settings.SITE_URL}/accounts/login/ as {username} and set up two-factor sign-in "
            "with their phone.",
            f"They complete the school's profile, letterhead and term dates at {settings.SITE_URL}/settings/, "
            "invite colleagues at /users/, and read the default code of conduct, ladder of responses and "
            "letters at /policy/.",
            "Import parents, children and classes: .venv/bin/python manage.py import_people FILE --dry-run "
            "(see docs/people-import.md), or at /people/import/.",
        ]
        self.stdout.write("\nNext:\n" + "\n".join(f"  {n}. {step}" for n, step in enumerate(steps, start=1)))

    def _ask(self, options, option: str, prompt: str) -> str:
        if not options["interactive"]:
            raise CommandError(f"--{option} is needed with --no-input.")
        try:
            return input(prompt)
        except EOFError:
            raise CommandError(f"No answer given: pass --{option}.") from None
