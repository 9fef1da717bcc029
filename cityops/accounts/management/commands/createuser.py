import getpass

from django.core.management.base import BaseCommand, CommandError

from cityops.accounts.roles import Role
from cityops.accounts.services import user_create
from cityops.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create an account with a role and a scope, e.g. createuser li --role dispatcher --scope village:V01"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--scope", default="town", help="town, or LEVEL:CODE such as area:A1, village:V01, grid:G1"
        )
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--phone", default="")
        parser.add_argument("--department", action="append", default=[], help="department code (repeatable)")
        parser.add_argument("--password", help="omit to be asked (or set CITYOPS_NEW_PASSWORD)")

    def handle(self, *args, **opts):
        import os

        level, _, unit = opts["scope"].partition(":")
        password = opts["password"] or os.environ.get("CITYOPS_NEW_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            user = user_create(
                username=opts["username"],
                role=opts["role"],
                scope_level=level,
                scope_unit=unit or None,
                password=password,
                display_name=opts["name"],
                phone=opts["phone"],
                departments=opts["department"],
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({user.role}, {opts['scope']})."))
