import asyncio
import logging
import signal

from django.core.management.base import BaseCommand, CommandError

from cityops.video import gbid
from cityops.video.sip.server import AccessPoint, Config


class Command(BaseCommand):
    help = (
        "The GB/T 28181 access point: SIP over UDP and TCP for device registration, keepalives and "
        "catalogs (docs/video-sip.md). Runs until SIGTERM or SIGINT."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", help="address to listen on (default CITYOPS_VIDEO_SIP_HOST)")
        parser.add_argument("--port", type=int, help="UDP and TCP port (default CITYOPS_VIDEO_SIP_PORT)")

    def handle(self, *args, host, port, **opts):
        config = Config.from_settings(host=host, port=port)
        try:
            gbid.parse(config.sip_id, types=frozenset({"200"}))
        except gbid.BadId as exc:
            raise CommandError(
                f"CITYOPS_VIDEO_SIP_ID={config.sip_id!r} is not a platform ID (type 200): {exc}"
            ) from None
        if not (
            config.domain.isdigit() and len(config.domain) == 10 and config.sip_id.startswith(config.domain)
        ):
            raise CommandError(
                f"CITYOPS_VIDEO_SIP_DOMAIN={config.domain!r} must be 10 digits, the first 10 of CITYOPS_VIDEO_SIP_ID"
            )
        logging.getLogger("cityops.video.sip").setLevel(logging.INFO)
        try:
            asyncio.run(self._run(config))
        except OSError as exc:
            raise CommandError(f"Cannot listen on {config.host}:{config.port}: {exc}") from None

    async def _run(self, config: Config) -> None:
        ap = AccessPoint(config)
        await ap.start()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, ap.stop)
        self.stdout.write(
            f"GB/T 28181 access point {config.sip_id} listening on {config.host}:{ap.port} (UDP, TCP)"
        )
        self.stdout.flush()
        await ap.serve()
