import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cityops.iot.credentials import BrokerConfig, write_broker_files


class Command(BaseCommand):
    help = (
        "Write mosquitto.conf, passwd and acl for the project's broker into --out. Run it again (and "
        "reload the broker with SIGHUP) whenever a device's secret is issued or a device is retired."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--bind", default=settings.CITYOPS_IOT_MQTT_HOST)
        parser.add_argument("--port", type=int, default=settings.CITYOPS_IOT_MQTT_PORT)
        parser.add_argument("--run-as", default="mosquitto", help="the user the broker drops privileges to")
        parser.add_argument(
            "--gateway",
            action="append",
            default=[],
            metavar="NAME",
            help="a gateway account that may publish for every device; its password is read from the "
            "environment variable CITYOPS_IOT_GATEWAY_PASSWORD_<NAME> (upper case, '-' as '_')",
        )
        parser.add_argument(
            "--sta-reader",
            action="append",
            default=[],
            metavar="NAME",
            help="an account that may subscribe to the SensorThings notifications (v1.1/…) of the whole "
            "town; its password is read from CITYOPS_IOT_STA_READER_PASSWORD_<NAME>",
        )

    def handle(self, *args, out, bind, port, run_as, gateway, sta_reader, **opts):
        config = BrokerConfig(bind=bind, port=port, run_as=run_as)
        gateways = _passwords("gateway", "CITYOPS_IOT_GATEWAY_PASSWORD_", gateway)
        sta_readers = _passwords("SensorThings reader", "CITYOPS_IOT_STA_READER_PASSWORD_", sta_reader)
        try:
            write_broker_files(
                out=out.resolve(),
                config=config,
                worker_user=settings.CITYOPS_IOT_MQTT_USER,
                worker_password=settings.CITYOPS_IOT_MQTT_PASSWORD,
                gateways=gateways,
                sta_readers=sta_readers,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"wrote {out}/mosquitto.conf, passwd and acl; start: mosquitto -c {out}/mosquitto.conf"
        )


def _passwords(kind: str, prefix: str, names: list[str]) -> dict[str, str]:
    """Each named account's password from its environment variable; an error names the one missing."""
    found = {}
    for name in names:
        var = prefix + name.upper().replace("-", "_")
        if not os.environ.get(var):
            raise CommandError(f"{kind} {name!r}: set its password in {var}")
        found[name] = os.environ[var]
    return found
