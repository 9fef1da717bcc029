"""Fixtures of the ingest and storage-tier tests: a clean per-process cache, a recorder in place of the
rules engine, and helpers that send messages the way the worker and the HTTP endpoint do."""

import json
from datetime import UTC, datetime

import pytest

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 in the town


@pytest.fixture(autouse=True)
def _fresh_ingest_cache():
    from cityops.iot import hooks
    from cityops.iot.ingest import catalogue

    catalogue.invalidate()
    hooks.reset()
    yield
    catalogue.invalidate()
    hooks.reset()


@pytest.fixture
def rules_calls(monkeypatch):
    """Record what the rules hook receives instead of running the rules engine."""
    from cityops.iot import hooks

    calls = []
    monkeypatch.setattr(hooks, "_load", lambda: lambda stored, now: calls.append((list(stored), now)))
    return calls


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def payload(body) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()


@pytest.fixture
def send(rules_calls):
    """send(code, body, topic=None, now=NOW) → the BatchResult of one MQTT message received at ``now``."""
    from cityops.iot.ingest import telemetry_topic
    from cityops.iot.store import Message, ingest_messages

    def _send(code, body, *, topic=None, now=NOW):
        message = Message(payload=payload(body), topic=topic or telemetry_topic(code), received_ms=ms(now))
        return ingest_messages(messages=[message], now=now)

    return _send
