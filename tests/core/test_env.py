"""Settings fail loudly on bad values, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cityops.core.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def test_booleans(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        env_bool("X_FLAG")


def test_integers(monkeypatch):
    monkeypatch.setenv("X_N", "12")
    assert env_int("X_N", 3) == 12
    monkeypatch.setenv("X_N", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_N='twelve' is not a whole number"):
        env_int("X_N", 3)
    monkeypatch.setenv("X_N", "4")
    with pytest.raises(ImproperlyConfigured, match="X_N=4 is below the minimum of 12"):
        env_int("X_N", 12, minimum=12)
    monkeypatch.delenv("X_N")
    assert env_int("X_N", 7) == 7


def test_lists(monkeypatch):
    monkeypatch.setenv("X_HOSTS", " a.example, ,b.example ")
    assert env_list("X_HOSTS") == ["a.example", "b.example"]


def test_secure_defaults():
    from cityops import settings as module

    assert module.DEBUG is False
    assert module.ALLOWED_HOSTS == ["127.0.0.1", "localhost"]
    assert module.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert module.SESSION_COOKIE_HTTPONLY and module.X_FRAME_OPTIONS == "DENY"
    assert module.SESSION_COOKIE_AGE == 30 * 60 and module.SESSION_SAVE_EVERY_REQUEST


def _settings_in_a_process(tmp_path, **env) -> subprocess.CompletedProcess:
    """Read the settings afresh in a process of their own, with ``env`` added."""
    script = (
        "from django.conf import settings; d = settings.DATABASES; print(sorted(d), d.get('replica', {}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CITYOPS_", "DATABASE_"))}
    clean |= {"CITYOPS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "cityops.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", script], env={**clean, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True
    )


def test_a_replica_url_adds_the_replica_alias_and_a_bad_one_is_named(tmp_path):
    primary = "postgres://cityops@db:5432/cityops"
    none = _settings_in_a_process(tmp_path, DATABASE_URL=primary)
    assert none.returncode == 0, none.stderr
    assert none.stdout.startswith("['default'] {}")
    run = _settings_in_a_process(
        tmp_path, DATABASE_URL=primary, DATABASE_REPLICA_URL="postgres://reader@db-replica:5432/cityops"
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("['default', 'replica']")
    assert "'HOST': 'db-replica'" in run.stdout and "'MIRROR': 'default'" in run.stdout
    bad = _settings_in_a_process(tmp_path, DATABASE_URL=primary, DATABASE_REPLICA_URL="db-replica:5432")
    assert bad.returncode != 0
    assert "DATABASE_REPLICA_URL is not a database URL" in bad.stderr
