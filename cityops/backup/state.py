"""What the manifest says about the database it holds, read inside the backup's snapshot, and the
same read again from a restored copy: the migration state, the `stats` counts and the audit
trail's head; and the keys and secrets the copy needs, by reference only."""

import contextlib
import hashlib
import io
import json
import os
from importlib.metadata import PackageNotFoundError, version

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.utils import load_backend

from cityops.audit.models import AuditHead

# Settings that hold secrets cityops needs and the archive never holds: what each one opens.
SECRETS = (
    ("DATABASE_URL", "the database password, if any"),
    ("CITYOPS_IOT_MQTT_PASSWORD", "the ingest worker's broker account"),
    ("CITYOPS_VIDEO_WEBHOOK_KEY", "the AI-alert webhook's HMAC key"),
    ("CITYOPS_VIDEO_SIP_PASSWORD", "the GB/T 28181 devices' shared password"),
    ("CITYOPS_DATABRAIN_SYNC_TOKEN", "the city-level platform's bearer token"),
)
FINGERPRINT_LABEL = b"cityops backup key fingerprint v1\x00"


def cityops_version() -> str:
    try:
        return version("cityops")
    except PackageNotFoundError:
        return "unknown"


@contextlib.contextmanager
def using_database(db: dict):
    """Run the ORM (and `stats`, `audit-verify`) against the database ``db`` instead of the default
    one, in this thread, for the duration of the block."""
    current = connections["default"]
    merged = {**current.settings_dict, **db}
    wrapper = load_backend(merged["ENGINE"]).DatabaseWrapper(merged, "default")
    connections["default"] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        connections["default"] = current


def applied_migrations(connection) -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cur.fetchall()]


def code_migrations() -> list[str]:
    """The migrations of this cityops: what `migrate` leaves applied in a database."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in loader.graph.nodes)


def stats() -> dict:
    """`cityops stats --json` on the default connection, as the command prints it."""
    out = io.StringIO()
    call_command("stats", "--json", stdout=out)
    return json.loads(out.getvalue())


def audit_head() -> dict:
    head = AuditHead.objects.filter(id=1).first()
    return {"seq": head.seq if head else 0, "hash": head.hash if head else ""}


def database_state(connection) -> dict:
    """The migration state, the counts and the audit head of the database ``connection`` reads."""
    return {"migrations": applied_migrations(connection), "stats": stats(), "audit_head": audit_head()}


def fingerprint(secret: str) -> str:
    """A one-way tag of a key, enough to tell whether two machines have the same one."""
    return hashlib.sha256(FINGERPRINT_LABEL + secret.encode()).hexdigest()[:16]


def sealing_keys() -> list[str]:
    raw = getattr(settings, "CITYOPS_SEAL_KEY", "") or settings.SECRET_KEY
    return [fingerprint(k.strip()) for k in raw.split(",") if k.strip()]


def secret_references() -> dict:
    """Where each key and secret lives (never its value), and fingerprints of the sealing keys."""
    if os.environ.get("CITYOPS_SECRET_KEY"):
        secret_key = "environment variable CITYOPS_SECRET_KEY"
    else:
        secret_key = f"file {settings.VAR_DIR / 'secret_key'}"
    seal = (
        "environment variable CITYOPS_SEAL_KEY"
        if getattr(settings, "CITYOPS_SEAL_KEY", "")
        else "not set: derived from SECRET_KEY"
    )
    others = [
        {
            "setting": name,
            "opens": what,
            "kept_in": f"environment variable {name}" if os.environ.get(name) else "not set",
        }
        for name, what in SECRETS
    ]
    return {
        "secret_key": {
            "setting": "SECRET_KEY",
            "kept_in": secret_key,
            "fingerprint": fingerprint(settings.SECRET_KEY),
        },
        "sealing": {
            "setting": "CITYOPS_SEAL_KEY",
            "kept_in": seal,
            "fingerprints": sealing_keys(),
            "opens": "camera stream, SIP device and pull-source passwords sealed in the database",
        },
        "others": others,
    }
