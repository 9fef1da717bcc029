"""Shared fixtures: the small town and one named user per role and scope."""

import contextlib
import os

import pytest

from tests.builders import build_small_town

PASSWORD = "Correct-Horse-42!"


def pytest_configure(config):
    os.environ.setdefault("CITYOPS_DEBUG", "0")
    # the screen's shared answers would hide a change a test makes between two reads of the screen
    # (tests/ops/test_screen_shared.py turns the sharing on)
    os.environ.setdefault("CITYOPS_SCREEN_SHARED_SECONDS", "0")
    _replica_mirror()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        # On SQLite the live server shares the tests' in-memory database connection: two requests at
        # once (a page's parallel fetches) would interleave their transactions on it, so there it
        # serves one request at a time (and closes each connection, so none waits on another).
        from django.test import testcases

        testcases.LiveServerThread.server_class = _serial_server_class()


def _replica_mirror():
    """A ``replica`` alias that mirrors the test database (through a connection of its own), as
    DATABASE_REPLICA_URL makes one. Reads go to it only where a test turns them on
    (tests/ops/test_replica_reads.py): the other tests allow queries on the default alias only."""
    from django.conf import settings
    from django.db import connections

    if "replica" not in settings.DATABASES:
        settings.DATABASES["replica"] = {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}
        connections.settings = connections.configure_settings(settings.DATABASES)
    settings.CITYOPS_REPLICA_READS = False


def pytest_itemcollected(item):
    """Every test under tests/e2e is a browser test (`-m e2e` selects them, `-m "not e2e"` leaves them)."""
    if "e2e" in item.path.parts:
        item.add_marker(pytest.mark.e2e)


# scripts/test.sh shares the browser tests between its two lanes: CITYOPS_E2E_PART=1 keeps the browser
# test files not named here, CITYOPS_E2E_PART=2 those named (the slowest, about a third of the time).
E2E_PART_2 = {
    "test_navigation.py",
    "test_ops_screen.py",
    "test_ops_insight.py",
    "test_ops_incident.py",
    "test_ops_duty.py",
    "test_english.py",
}


def pytest_collection_modifyitems(config, items):
    """Browser tests run last. Playwright's sync API keeps an event loop running in the main thread
    from the first browser test to the end of the session, and asyncio.run() (the camera prober's
    tests) cannot start under it; the slow tests last also report the fast failures first."""
    part = os.environ.get("CITYOPS_E2E_PART")
    if part in ("1", "2"):
        elsewhere = [
            item
            for item in items
            if "e2e" in item.path.parts and (item.path.name in E2E_PART_2) != (part == "2")
        ]
        if elsewhere:
            config.hook.pytest_deselected(items=elsewhere)
            gone = set(map(id, elsewhere))
            items[:] = [item for item in items if id(item) not in gone]
    items.sort(key=lambda item: "e2e" in item.path.parts)


def _serial_server_class():
    from django.core.servers.basehttp import WSGIServer

    class SerialWSGIServer(WSGIServer):
        """Django's live server without a thread per request (it runs in the live server's thread,
        which already holds the tests' connections)."""

        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    return SerialWSGIServer


@pytest.fixture(autouse=True)
def _fast_hashing(settings, request):
    """Argon2 is the production hasher; most tests use a fast one (tests marked argon2 keep it)."""
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _coarse_locate_raster(settings):
    """Most tests build a town and its locate index; a coarse raster builds in a few milliseconds
    instead of half a second and answers the same (more points take the exact polygon test).
    tests/geo/test_locate.py and bench/locate.py measure the production raster."""
    settings.CITYOPS_GEO_LOCATE_CELLS = 32


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Each test starts with an empty in-memory cache (rate limits must not leak between tests)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"},
    }
    from django.core.cache import cache, caches

    cache.clear()
    caches["ratelimit"].clear()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render pages without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _audit_triggers(request):
    """The append-only triggers stand during every test; a transactional test drops them at its end,
    because the database is then emptied for the next test (a rollback test needs nothing)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("_django_db_helper")  # the database is set up before, emptied after
    from django.db import connection

    from cityops.audit import triggers

    triggers.install(connection)
    yield
    triggers.remove(connection)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """The locate index, the working calendar and the catalogue are per-process caches: none survives a test."""
    from cityops.core.cache import invalidate_all

    invalidate_all()
    yield
    invalidate_all()


@contextlib.contextmanager
def rows_for_the_module(django_db_blocker):
    """Rows written once and read by every test of a module: written in a transaction that stands
    around the module and is rolled back at its end. Each test's own transaction nests inside it (a
    savepoint), so what a test writes is still undone after it. For read-mostly modules whose setup
    is costly (a whole demo step); a transactional test must not share the module."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def town(db):
    build_small_town()
    from cityops.org.models import Department

    Department.objects.create(code="D-CG", name="城市管理局", in_grid=True)
    Department.objects.create(code="D-XF", name="消防救援", in_grid=True)
    return True


def _user(username, role, level="town", unit=None, departments=(), password=PASSWORD):
    from cityops.accounts.services import user_create

    return user_create(
        username=username,
        role=role,
        scope_level=level,
        scope_unit=unit,
        password=password,
        display_name=username,
        phone="13812345678",
        departments=list(departments),
    )


@pytest.fixture
def users(town):
    """town officer, two dispatchers of different villages (and areas), an inspector, …"""
    return {
        "officer": _user("officer", "duty_officer"),
        "area_dispatcher": _user("area_dispatcher", "dispatcher", "area", "A1"),
        "dispatcher_v1": _user("dispatcher_v1", "dispatcher", "village", "V1"),
        "dispatcher_v4": _user("dispatcher_v4", "dispatcher", "village", "V4"),
        "inspector_g1": _user("inspector_g1", "inspector", "grid", "G1"),
        "handler": _user("handler", "department_handler", departments=["D-CG"]),
        "resident": _user("resident", "resident"),
        "steward": _user("steward", "data_steward"),
        "auditor": _user("auditor", "auditor"),
        "admin": _user("admin", "sysadmin"),
    }


@pytest.fixture
def api_client(client):
    """A test client whose `login_as(user)` signs in with a session."""

    def login_as(user):
        client.force_login(user)
        return client

    client.login_as = login_as
    return client
