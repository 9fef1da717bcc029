import logging
import signal

from django.core.management.base import BaseCommand, CommandError

from cityops.iot.mqtt import IngestWorker, WorkerConfig


class Command(BaseCommand):
    help = (
        "The MQTT ingest worker: stores device telemetry in batches and acknowledges each message only "
        "after its batch is committed. Runs until SIGTERM or SIGINT; several may share the load with --shared."
    )

    def add_arguments(self, parser):
        parser.add_argument("--client-id", help="MQTT client id (default CITYOPS_IOT_MQTT_CLIENT_ID)")
        parser.add_argument(
            "--shared",
            action="store_true",
            default=None,
            help="subscribe through the shared subscription $share/cityops/… (each worker its own --client-id)",
        )
        parser.add_argument("--host")
        parser.add_argument("--port", type=int)
        parser.add_argument("--status-seconds", type=int, dest="status_s")

    def handle(self, *args, client_id, shared, host, port, status_s, **opts):
        config = WorkerConfig.from_settings(
            client_id=client_id, shared=shared, host=host, port=port, status_s=status_s
        )
        if not config.password:
            raise CommandError("CITYOPS_IOT_MQTT_PASSWORD is empty: the worker needs its broker password")
        logging.getLogger("cityops.iot.ingest").setLevel(logging.INFO)
        worker = IngestWorker(config)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop.set())
        worker.run()
