"""Push the data brain's changes upstream: cityops databrain-sync [--loop] [--every SECONDS]."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cityops.core.jobs import worker_id
from cityops.databrain.sync.pusher import push


class Command(BaseCommand):
    help = (
        "Push catalogue and record changes to CITYOPS_DATABRAIN_SYNC_URL from each resource's "
        "acknowledged position: one run, or runs without end with --loop."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="run again and again until interrupted")
        parser.add_argument(
            "--every",
            type=int,
            default=None,
            help="seconds between runs with --loop (default CITYOPS_DATABRAIN_SYNC_INTERVAL or 60)",
        )

    def handle(self, *args, loop, every, **options):
        if not settings.CITYOPS_DATABRAIN_SYNC_URL:
            raise CommandError(
                "Set CITYOPS_DATABRAIN_SYNC_URL to the city-level platform's receiving address."
            )
        worker = worker_id()
        pause = every if every is not None else (settings.CITYOPS_DATABRAIN_SYNC_INTERVAL or 60)
        try:
            while True:
                result = push(worker=worker)
                self.stdout.write(result.summary() or "nothing to push")
                if not loop:
                    return
                time.sleep(pause)
        except KeyboardInterrupt:
            self.stdout.write("stopped")
