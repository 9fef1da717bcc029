import logging
import signal

from django.core.management.base import BaseCommand, CommandError

from cityops.iot.mqtt import IngestWorker, RetireError, WorkerConfig


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
        parser.add_argument(
            "--retire",
            action="store_true",
            help="for a --shared worker taken away for good: resume its session (its --client-id), leave the "
            "group, store and acknowledge what the broker still holds for it, end the session, and exit",
        )
        parser.add_argument("--host")
        parser.add_argument("--port", type=int)
        parser.add_argument("--status-seconds", type=int, dest="status_s")

    def handle(self, *args, client_id, shared, retire, host, port, status_s, **opts):
        if retire and not client_id:
            raise CommandError("--retire needs the --client-id of the worker taken away")
        if retire:
            shared = True  # only a member of the shared group has anything to leave
        config = WorkerConfig.from_settings(
            client_id=client_id, shared=shared, host=host, port=port, status_s=status_s, retire=retire
        )
        if not config.password:
            raise CommandError("CITYOPS_IOT_MQTT_PASSWORD is empty: the worker needs its broker password")
        logging.getLogger("cityops.iot.ingest").setLevel(logging.INFO)
        worker = IngestWorker(config)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: worker.stop.set())
        try:
            worker.run()
        except RetireError as exc:
            raise CommandError(str(exc)) from None
