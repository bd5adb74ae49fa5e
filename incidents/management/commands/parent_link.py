from django.core.management.base import BaseCommand, CommandError

from incidents.parents import selectors, services


class Command(BaseCommand):
    help = ("Print a link to the page of a case's latest letter for the parent it went to. Only a hash of each "
            "link is kept, so a link cannot be shown twice: this always issues a fresh link, and any earlier "
            "link to that letter (the one in the e-mail or on paper too) stops working. Prints the long link, "
            "then the short one to read out or write down; both open the same page. Give one to the parent.")

    def add_arguments(self, parser):
        parser.add_argument("reference", help="The case reference, e.g. CB-2026-0004")

    def handle(self, *args, reference: str, **options) -> None:
        letter = selectors.latest_parent_letter(reference.strip())
        if letter is None:
            raise CommandError(f"No issued letter to a parent on case {reference}.")
        issued = services.parent_link_issue(letter=letter)
        self.stdout.write(issued.url)
        self.stdout.write(issued.short_url)
        self.stderr.write(f"{letter.get_purpose_display()} v{letter.version} to {letter.recipient_name}; both work "
                          f"until {issued.link.expires_at:%d %B %Y}. Any earlier link to this letter no longer works.")
