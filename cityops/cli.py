"""The `cityops` command: `cityops serve` runs gunicorn; everything else is a management command."""

import os
import sys

SERVE_HELP = """usage: cityops serve [--host HOST] [--port PORT] [--workers N] [--threads N]

Serve cityops with gunicorn (static files by WhiteNoise). Defaults: 127.0.0.1, port 8000 or $PORT,
workers $CITYOPS_WORKERS or 3, threads per worker $CITYOPS_THREADS or 4 for requests, and
$CITYOPS_SCREEN_STREAMS (64) more per worker for the big screens' event streams, which take no
more than that: open screens never hold the threads that requests need."""


def _serve(argv: list[str]) -> int:
    import argparse

    from gunicorn.app.base import BaseApplication

    parser = argparse.ArgumentParser(prog="cityops serve", description=SERVE_HELP)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("CITYOPS_WORKERS", "3")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("CITYOPS_THREADS", "4")))
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings

    from cityops.wsgi import application

    threads = args.threads + settings.CITYOPS_SCREEN_STREAMS

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", "-")
            self.cfg.set("proc_name", "cityops")

        def load(self):
            return application

    print(f"cityops is serving on http://{args.host}:{args.port}/", flush=True)
    Server().run()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    if argv and argv[0] == "serve":
        return _serve(argv[1:])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cityops", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
