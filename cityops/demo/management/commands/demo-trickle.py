import random
import time

from django.core.management.base import BaseCommand, CommandError

from cityops.demo.trickle import load_refs, trickle


class Command(BaseCommand):
    help = (
        "Report --count realistic new cases through the normal intake, --interval seconds apart. The "
        "live trickle of `make demo` is the worker's job demo.trickle (CITYOPS_DEMO_TRICKLE_SECONDS)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1, help="how many cases (default 1)")
        parser.add_argument("--interval", type=float, default=20.0, help="seconds between two (default 20)")

    def handle(self, *args, count, interval, **opts):
        if count < 1:
            raise CommandError(
                "--count must be at least 1; for a trickle that runs until stopped, set "
                "CITYOPS_DEMO_TRICKLE_SECONDS and run `cityops worker`"
            )
        refs = load_refs(random.randrange(1 << 30))
        for n in range(count):
            for result in trickle(1, refs=refs):
                self.stdout.write(f"{result.case.number} {result.case.item.name} ({result.case.channel})")
            if n + 1 < count:
                time.sleep(interval)
