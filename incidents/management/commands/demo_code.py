from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.demo.seed import DEMO_DEVICE_NAME


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo user's demo device (made by seed_demo). Demo only."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        device = TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE_NAME, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no demo device (only seed_demo's demo users have one).")
        code = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits).token()
        self.stdout.write(f"{code:0{device.digits}d}")
