import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cityops.iot.simulator import Options, simulate


class Command(BaseCommand):
    help = (
        "Publish realistic telemetry for the demo devices over MQTT (default, to the broker of "
        "CITYOPS_IOT_MQTT_HOST/PORT) or HTTP: daily rhythms, faulty devices, random events, and with "
        "--rain-in a rain event that lifts the water levels past their warning levels."
    )

    def add_arguments(self, parser):
        parser.add_argument("--transport", choices=["mqtt", "http"], default="mqtt")
        parser.add_argument("--host", default=settings.CITYOPS_IOT_MQTT_HOST, help="MQTT broker host")
        parser.add_argument(
            "--port", type=int, default=settings.CITYOPS_IOT_MQTT_PORT, help="MQTT broker port"
        )
        parser.add_argument("--username", default="", help="MQTT user allowed to publish for every device")
        parser.add_argument("--password", default="")
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="cityops base URL (HTTP transport)"
        )
        parser.add_argument(
            "--speed", type=float, default=1.0, help="report this many times faster than real devices"
        )
        parser.add_argument(
            "--duration", type=float, default=0, help="seconds to run (default: until stopped)"
        )
        parser.add_argument("--devices", type=int, default=0, help="simulate only the first N devices")
        parser.add_argument("--types", default="", help="comma-separated device type codes")
        parser.add_argument(
            "--rain-in", type=float, default=None, help="start a rain event in this many seconds"
        )
        parser.add_argument("--haze-area", default=None, help="area code with a haze episode (high PM2.5)")
        parser.add_argument(
            "--backfill-hours", type=float, default=0, help="first send this many hours of history"
        )
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **o):
        if o["speed"] <= 0:
            raise CommandError("--speed must be greater than 0")
        if o["backfill_hours"] < 0 or o["backfill_hours"] > 24 * settings.CITYOPS_IOT_MAX_PAST_DAYS:
            raise CommandError(
                f"--backfill-hours must be between 0 and {24 * settings.CITYOPS_IOT_MAX_PAST_DAYS} "
                "(older readings are refused by the ingest)"
            )
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        opts = Options(
            transport=o["transport"],
            host=o["host"],
            port=o["port"],
            username=o["username"],
            password=o["password"],
            url=o["url"],
            speed=o["speed"],
            duration=o["duration"],
            limit=o["devices"],
            types=tuple(t for t in o["types"].split(",") if t),
            rain_in=o["rain_in"],
            haze_area=o["haze_area"],
            backfill_hours=o["backfill_hours"],
            seed=o["seed"],
        )
        try:
            sent = simulate(opts)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from None
        except KeyboardInterrupt:
            return
        self.stdout.write(f"{sent} readings sent")
