from django.core.management.base import BaseCommand, CommandError

from cityops.audit.selectors import audit_verify
from cityops.audit.services import unchained_count


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and report the first broken link."

    def handle(self, *args, **opts):
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"The audit trail is broken at record #{result.broken_seq}: {result.reason} "
                f"({result.checked} records before it are intact)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"The audit trail is intact: {result.checked} records verified.")
        )
        waiting = unchained_count()
        if waiting:
            self.stdout.write(
                f"{waiting} records just written are not chained yet; the worker chains them within a second."
            )
