from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cityops.core.errors import DomainError
from cityops.demo.people import DEMO_PASSWORD, demo_login_rows
from cityops.demo.services import SEED_STEPS


class Command(BaseCommand):
    help = (
        "Create the demo town 大岭山镇 (1+6+23 workstations, 125 grids, 446 inspectors, places, "
        "departments and one login per role). Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="no progress bars, no login table")

    def handle(self, *args, quiet=False, **opts):
        def progress(iterable, **kwargs):
            return tqdm(iterable, disable=quiet, leave=False, **kwargs)

        for name, step in SEED_STEPS:
            try:
                tally = step(progress)
            except DomainError as exc:
                for err in exc.errors[:20]:
                    self.stderr.write(f"  - {err.get('message', err)}")
                raise CommandError(f"{name}: {exc.detail}") from None
            self.stdout.write(self._line(name, tally))
        if not quiet:
            self._logins()

    def _line(self, name, tally) -> str:
        if not tally.changed:
            return f"{name}: already up to date ({tally.unchanged} unchanged)"
        return self.style.SUCCESS(
            f"{name}: created {tally.created}, updated {tally.updated}, unchanged {tally.unchanged}"
        )

    def _logins(self) -> None:
        rows = demo_login_rows()
        width = max(len(u) for u, _, _ in rows) + 2
        self.stdout.write(f"\nDemo logins — password for all: {DEMO_PASSWORD}\n")
        self.stdout.write(f"{'username':<{width}}{'role':<20}scope")
        for username, role, scope in rows:
            self.stdout.write(f"{username:<{width}}{role:<20}{scope}")
