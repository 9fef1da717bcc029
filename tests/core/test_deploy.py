"""The production settings of docs/deployment.md pass Django's deployment check, and the client's
address is taken from a reverse proxy only when that proxy is trusted."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.test import RequestFactory, override_settings

from cityops.core.middleware import client_ip

ROOT = Path(__file__).resolve().parents[2]


def documented_settings() -> dict[str, str]:
    """The production values in docs/deployment.md's settings table (the names checked below)."""
    rows = re.findall(
        r"^\| `(CITYOPS_\w+|DATABASE_URL)` \| `([^`]*)`", (ROOT / "docs/deployment.md").read_text(), re.M
    )
    return dict(rows)


def test_check_deploy_is_clean_under_the_documented_production_settings(tmp_path):
    documented = documented_settings()
    assert documented["CITYOPS_HTTPS"] == "true" and documented["CITYOPS_HSTS_SECONDS"] == "31536000"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYOPS_", "DJANGO_"))}
    env.update(
        {
            key: documented[key]
            for key in ("CITYOPS_HTTPS", "CITYOPS_HSTS_SECONDS", "CITYOPS_ALLOWED_HOSTS", "CITYOPS_DEBUG")
        }
    )
    env.update(
        {
            "CITYOPS_VAR_DIR": str(tmp_path),
            "CITYOPS_SECRET_KEY": "p" * 20 + "Zq8#vL2$wN5^xR7&yT9*" + "k" * 20,
            "CITYOPS_CSRF_TRUSTED_ORIGINS": documented["CITYOPS_CSRF_TRUSTED_ORIGINS"],
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    run = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env={**env, "DJANGO_SETTINGS_MODULE": "cityops.settings", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues" in run.stdout


def test_the_client_address_comes_from_x_real_ip_only_through_a_trusted_proxy():
    factory = RequestFactory()
    through_proxy = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.9")
    spoofed = factory.get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_REAL_IP="203.0.113.9")
    junk = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.9, 10.0.0.1")
    assert client_ip(through_proxy) == "127.0.0.1"  # no proxy trusted: the socket's address
    with override_settings(CITYOPS_TRUSTED_PROXIES=["127.0.0.1"]):
        assert client_ip(through_proxy) == "203.0.113.9"
        assert client_ip(spoofed) == "198.51.100.4"  # not from the proxy: the header is ignored
        assert client_ip(junk) == "127.0.0.1"  # not one address: the proxy's own is kept
