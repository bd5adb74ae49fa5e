from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from incidents.access.services import two_factor_reset
from incidents.models import TwoFactorReset, User


class Command(BaseCommand):
    help = ("Reset a person's two-factor sign-in after a lost phone with no recovery codes left, so they set "
            "up a new phone at their next sign-in. The reset is recorded with the reason, and the person is "
            "told by e-mail.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="Why: how the phone was lost, who asked, how you checked.")
        parser.add_argument("--by", default="", help="The username of the administrator doing it, to record.")

    def handle(self, *args, username: str, reason: str, by: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        administrator = None
        if by:
            administrator = User.objects.filter(username=by).first()
            if administrator is None:
                raise CommandError(f"No user is called {by!r} (--by).")
        try:
            reset = two_factor_reset(user=user, by=administrator, reason=reason, channel=TwoFactorReset.Channel.COMMAND)
        except (ValidationError, PermissionDenied) as error:
            message = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            raise CommandError(message) from None
        self.stdout.write(f"Two-factor sign-in of {username} reset ({reset.devices_removed} devices removed); "
                          "they set up a new phone at their next sign-in.")
