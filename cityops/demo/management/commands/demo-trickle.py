import random
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from cityops.demo.trickle import load_refs, trickle


class Command(BaseCommand):
    help = (
        "The demo's live trickle: a new realistic case every --interval seconds, through the normal intake."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=20.0)
        parser.add_argument(
            "--count", type=int, default=0, help="stop after this many (0: run until stopped)"
        )

    def handle(self, *args, interval, count, **opts):
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
        refs = load_refs(random.randrange(1 << 30))
        made = 0
        while not stop["now"] and (count == 0 or made < count):
            if not connection.in_atomic_block:  # a caller's transaction (a test) keeps its connection
                close_old_connections()
            try:
                for result in trickle(1, refs=refs):
                    self.stdout.write(f"{result.case.number} {result.case.item.name} ({result.case.channel})")
                made += 1
            except Exception as exc:  # noqa: BLE001 - a bad round must not end the demo
                self.stderr.write(f"trickle failed: {exc!r}")
            if count == 0 or made < count:
                time.sleep(interval)
