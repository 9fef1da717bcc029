import asyncio
import os
import random
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cityops.video import simulator
from cityops.video.simulator import Mix, Responder


class Command(BaseCommand):
    help = (
        "Simulated cameras on loopback: RTSP responders for the registry's channels in service (a few "
        "percent down, some flapping, some asking for Digest credentials), and now and then an AI alert "
        "posted to a webhook. Ctrl-C or TERM stops it."
    )

    def add_arguments(self, parser):
        port = int(os.environ.get("CITYOPS_DEMO_RTSP_PORT", "18554"))
        parser.add_argument(
            "--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)"
        )
        parser.add_argument("--port", type=int, default=port, help=f"the port to listen on (default {port})")
        parser.add_argument(
            "--rewrite-urls",
            action="store_true",
            help="point the channels' main streams at this simulator (rtsp://HOST:PORT/<gb_id>) and set the "
            "credentials of those that ask for them; without it, listen on the loopback ports their "
            "addresses name",
        )
        parser.add_argument("--down", type=float, default=3.0, help="percent of channels down (default 3)")
        parser.add_argument("--flapping", type=float, default=5.0, help="percent flapping (default 5)")
        parser.add_argument("--auth", type=float, default=10.0, help="percent asking for Digest (default 10)")
        parser.add_argument("--flap-seconds", type=float, default=300.0, help="a flapping channel's period")
        parser.add_argument("--seed", default="cityops", help="the seed of who is down, flapping or locked")
        parser.add_argument("--alerts-url", default="", help="the AI-alert webhook to post to (optional)")
        parser.add_argument("--alerts-every", type=float, default=120.0, help="seconds between alerts")
        parser.add_argument(
            "--for", dest="duration", type=float, default=0, help="stop after this many seconds"
        )

    def handle(self, *args, **o):
        mix = Mix(o["down"], o["flapping"], o["auth"], o["flap_seconds"], o["seed"])
        if o["rewrite_urls"]:
            n = simulator.rewrite_urls(o["host"], o["port"], mix)
            self.stdout.write(f"{n:,} channels now point at rtsp://{o['host']}:{o['port']}/<gb_id>")
            endpoints = [(o["host"], o["port"])]
        else:
            endpoints = simulator.loopback_endpoints() or [(o["host"], o["port"])]
        key = settings.CITYOPS_VIDEO_WEBHOOK_KEY
        if o["alerts_url"] and not key:
            self.stderr.write("no CITYOPS_VIDEO_WEBHOOK_KEY: no alerts will be posted")
        try:
            asyncio.run(self._run(endpoints, mix, o, key))
        except OSError as exc:
            raise CommandError(f"cannot listen: {exc}") from None

    async def _run(self, endpoints, mix, o, key):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        responder = Responder(mix)
        servers = await simulator.serve(endpoints, responder)
        where = ", ".join(f"{h}:{p}" for h, p in endpoints[:5]) + (" …" if len(endpoints) > 5 else "")
        self.stdout.write(
            f"simulated cameras listening on {where} (down {mix.down} %, flapping {mix.flapping} %)"
        )
        alerts = None
        if o["alerts_url"] and key:
            alerts = asyncio.create_task(self._alerts(o["alerts_url"], key, mix, o["alerts_every"], stop))
        try:
            await asyncio.wait_for(stop.wait(), o["duration"] or None)
        except TimeoutError:
            pass
        finally:
            for s in servers:
                s.close()
            if alerts:
                alerts.cancel()
        self.stdout.write(f"simulated cameras stopped after {responder.served:,} answers")

    async def _alerts(self, url, key, mix, every, stop):
        rng = random.Random()  # noqa: S311 - demo traffic
        pairs = await asyncio.to_thread(simulator.alert_candidates)
        while not stop.is_set() and pairs:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * every)
            gb_id, kind = rng.choice(pairs)
            if simulator.mode_of(gb_id, mix) == "down":
                continue
            body = simulator.alert_body(gb_id, kind, rng)
            try:
                status = await asyncio.to_thread(simulator.post_alert, url, key, body)
            except OSError as exc:
                self.stderr.write(f"alert not posted: {exc}")
                continue
            self.stdout.write(f"alert on {gb_id}: HTTP {status}")
