"""`cityops serve` runs a production server (gunicorn), never Django's development server."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_runs_gunicorn_and_answers(tmp_path):
    port = free_port()
    env = {**os.environ, "CITYOPS_VAR_DIR": str(tmp_path), "DATABASE_URL": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cityops.cli", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        started = time.monotonic()
        while time.monotonic() - started < 60:  # a loaded machine takes 20 s to import Django
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                    body = resp.read().decode()
                    server = resp.headers.get("Server", "")
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        assert body == '{"status": "ok"}', proc.stdout.read() if proc.poll() is not None else "no answer"
        assert "gunicorn" in server.lower()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert "Booting worker" in out
    assert "runserver" not in out and "development server" not in out.lower()
    assert (tmp_path / "secret_key").exists() and (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_serve_help_names_the_options():
    out = subprocess.run(
        [sys.executable, "-m", "cityops.cli", "serve", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--host" in out and "--port" in out and "CITYOPS_SCREEN_STREAMS" in out


@pytest.mark.django_db
def test_other_commands_are_management_commands(capsys):
    from cityops.cli import main

    main(["audit-verify"])
    assert "The audit trail is intact" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("command", "args", "says"),
    [
        ("kpi-rollup", ["--start", "9999-12-31"], "outside the years 1970–2199"),
        ("kpi-rollup", ["--start", "0001-01-01"], "outside the years 1970–2199"),
        ("kpi-rollup", ["--days", "99999999999999999999"], "is not a whole number from 1 to 36600"),
        ("patrol-coverage", ["--since", "0001-01-01"], "outside the years 1970–2199"),
        ("patrol-coverage", ["--days", "1000000000"], "is not a whole number from 1 to 36600"),
    ],
)
def test_out_of_range_command_arguments_are_usage_errors(command, args, says):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=says):
        call_command(command, *args)
