from django.core.management.base import BaseCommand

from cityops.iot.profiles import profiles_install


class Command(BaseCommand):
    help = "Create or update the standard IoT quantities, device types and their default rules (idempotent)."

    def handle(self, *args, **opts):
        counts = profiles_install(actor_name="cli")
        self.stdout.write(
            self.style.SUCCESS(
                f"Quantities created {counts['quantities_created']}, updated {counts['quantities_updated']}; "
                f"device types created {counts['types_created']}, updated {counts['types_updated']}; "
                f"rules created {counts['rules_created']}, updated {counts['rules_updated']}."
            )
        )
