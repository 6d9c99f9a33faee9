from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from highland.core.models import Role
from highland.demo import DEMO_PASSWORD, DEMO_PEOPLE, PLATFORM_ADMIN, load_demo_county


class Command(BaseCommand):
    help = "Load the demo county (Litang). Safe to run again: it only adds what is missing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the demo logins."
        )
        parser.add_argument(
            "--without-cooperatives",
            action="store_true",
            help="Leave out the cooperatives' members, intakes and settlement.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("The demo county is not loaded in the production profile.")
        created = load_demo_county(with_cooperatives=not options["without_cooperatives"])
        summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo county ready (created now: {summary})."))
        if options["quiet_logins"]:
            return
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write(f"  {PLATFORM_ADMIN:<16} platform administrator (/admin/)")
        role_names = dict(Role.choices)
        for person in DEMO_PEOPLE:
            # The role's name in the terminal's language, as the pages show it.
            self.stdout.write(f"  {person.username:<16} {role_names.get(person.role, person.role)}")
        if not options["without_cooperatives"]:
            self.stdout.write(
                f"  {'mt_manager':<16} {role_names[Role.COOPERATIVE_MANAGER]} (matsutake)"
            )
            self.stdout.write(
                f"  {'mt_accountant':<16} {role_names[Role.COOPERATIVE_ACCOUNTANT]} (matsutake)"
            )
