"""The API's limit per token: requests per minute per API token or consumer key, 429 with
Retry-After past it, counted in the cache (no database write per request), atomically."""

import json
import multiprocessing
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import caches
from django.core.cache.backends import filebased
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cityops.accounts.services import token_create
from cityops.api import api
from cityops.core import ratelimit
from cityops.core.models import RateCounter
from cityops.databrain.sharing import services as sharing

pytestmark = pytest.mark.django_db

T0 = datetime(2030, 5, 6, 9, 0, 0, tzinfo=UTC)  # the start of a minute


@pytest.fixture
def clock(monkeypatch):
    """The limits' clock, set by the test."""
    now = {"t": T0}
    monkeypatch.setattr(ratelimit, "_now", lambda: now["t"])
    return now


@pytest.fixture
def three_a_minute(settings):
    settings.CITYOPS_API_REQUESTS_PER_MINUTE = 3


def get(client, raw, url="/api/v1/accounts/me"):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_token_past_its_minute_gets_429_with_retry_after_until_the_minute_ends(
    client, users, clock, three_a_minute
):
    _, raw = token_create(user=users["officer"], name="dashboard")
    _, other = token_create(user=users["officer"], name="second program")
    clock["t"] = T0 + timedelta(seconds=20)
    assert [get(client, raw).status_code for _ in range(3)] == [200, 200, 200]
    refused = get(client, raw)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert refused["Retry-After"] == "40"  # the minute that refused it ends 40 s later
    body = refused.json()
    assert body["status"] == 429 and body["title"] == "Too many requests"
    assert "3 requests in the current minute" in body["detail"] and "40 seconds" in body["detail"]
    # the same header by X-API-Token is the same token; another token has its own minute
    assert client.get("/api/v1/accounts/me", HTTP_X_API_TOKEN=raw).status_code == 429
    assert get(client, other).status_code == 200
    # the next minute starts afresh
    clock["t"] = T0 + timedelta(seconds=60)
    assert get(client, raw).status_code == 200


def test_signed_in_pages_are_not_counted(client, users, clock, three_a_minute):
    client.force_login(users["officer"])
    assert {client.get("/api/v1/accounts/me").status_code for _ in range(6)} == {200}


def test_no_limit_when_set_to_zero(client, users, settings):
    settings.CITYOPS_API_REQUESTS_PER_MINUTE = 0
    _, raw = token_create(user=users["officer"], name="x")
    assert {get(client, raw).status_code for _ in range(5)} == {200}
    assert not caches["ratelimit"]._cache  # nothing counted at all


def test_a_consumer_key_is_limited_on_the_records_api(client, users, clock, three_a_minute):
    consumer = sharing.consumer_create(
        kind="system", code="SYS-GRID", name="网格化管理系统", contact="王工", by=users["steward"]
    )
    _, raw = sharing.key_create(consumer=consumer, name="网格系统", days=30, by=users["steward"])
    url = "/api/v1/databrain/resources/NONE/records"
    answers = [client.get(url, HTTP_AUTHORIZATION=raw).status_code for _ in range(4)]
    assert answers == [404, 404, 404, 429]


def test_counting_writes_nothing_to_the_database(client, users, clock):
    _, raw = token_create(user=users["officer"], name="x")
    assert get(client, raw).status_code == 200  # the first use records when the token was last used
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert get(client, raw).status_code == 200
    writes = [
        q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert not RateCounter.objects.exists()


def test_the_database_store_counts_in_the_table(client, users, clock, three_a_minute, settings):
    settings.CITYOPS_RATELIMIT_STORE = "database"
    _, raw = token_create(user=users["officer"], name="x")
    assert [get(client, raw).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert RateCounter.objects.get().hits == 4


def test_the_document_declares_429_with_retry_after_where_a_token_is_taken():
    paths = json.loads(json.dumps(api.get_openapi_schema()))["paths"]  # as served: keys are text
    me = paths["/api/v1/accounts/me"]["get"]["responses"]["429"]
    assert me["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert me["headers"]["Retry-After"]["required"] is True
    assert "429" in paths["/api/v1/databrain/resources/{code}/records"]["get"]["responses"]
    # the device door takes device credentials, not tokens
    assert "429" not in paths["/api/v1/iot/telemetry"]["post"]["responses"]


LIMIT = ratelimit.Limit("api", 10_000, 60)


def _hammer(n: int) -> None:
    for _ in range(n):
        ratelimit.cache_hit(LIMIT, "token", now=T0)


@pytest.fixture
def file_cache(settings, tmp_path):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "ratelimit"),
        },
    }
    return caches["ratelimit"]


def test_the_file_cache_loses_no_hit_across_threads_and_processes(file_cache):
    threads = [threading.Thread(target=_hammer, args=(50,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fork = multiprocessing.get_context("fork")
    processes = [fork.Process(target=_hammer, args=(50,)) for _ in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
        assert p.exitcode == 0
    assert ratelimit.cache_hit(LIMIT, "token", now=T0) == 401


def test_ended_windows_are_purged_from_the_file_cache(file_cache, monkeypatch):
    ratelimit.cache_hit(LIMIT, "ending", now=T0 + timedelta(seconds=59))  # its window ends in 1 s
    ratelimit.cache_hit(LIMIT, "current", now=T0)  # in 60 s
    assert len(file_cache._list_cache_files()) == 2
    real = time.time()
    monkeypatch.setattr(filebased.time, "time", lambda: real + 5)
    assert ratelimit.cache_purge() == 1
    assert len(file_cache._list_cache_files()) == 1
