"""Shared fixtures: the small town and one named user per role and scope."""

import contextlib
import os

import pytest

from tests.builders import build_small_town

PASSWORD = "Correct-Horse-42!"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    _emptying_what_holds_rows()
    os.environ.setdefault("CITYOPS_DEBUG", "0")
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


# kept by the emptying after a transactional test: what `migrate` (post_migrate) would write again
KEPT_TABLES = frozenset({"django_content_type", "auth_permission"})


def _emptying_what_holds_rows():
    """After each transactional test (the browser tests, the workers') Django empties the database
    with one TRUNCATE of every table (about 200), which costs PostgreSQL a new file for each table
    and index: seconds per test. Here it deletes the rows of the tables that hold any, with the
    triggers and the foreign keys' checks off for the transaction (session_replication_role, which
    the test database's superuser may set), and keeps the content types and permissions that
    post_migrate would write again; the database ends as empty as before. Anything else (sequences
    to reset, another user) keeps Django's TRUNCATE."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        quote = self.quote_name
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not cursor.fetchone()[0]:
                return truncate(
                    self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
                )
            probes = " UNION ALL ".join(
                f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(t)})" for t in tables if t not in KEPT_TABLES
            )
            cursor.execute(probes, [t for t in tables if t not in KEPT_TABLES])
            holding = [row[0] for row in cursor.fetchall()]
        if not holding:
            return []
        return ["SET LOCAL session_replication_role = replica"] + [f"DELETE FROM {quote(t)}" for t in holding]

    DatabaseOperations.sql_flush = sql_flush


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
        settings.PASSWORD_HASHERS = FAST_HASHERS


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
    # the screen's shared answers would hide a change a test makes between two reads of the screen
    # (tests/ops/test_screen_shared.py turns the sharing on)
    settings.CITYOPS_SCREEN_SHARED_SECONDS = 0
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


def _build_town():
    build_small_town()
    from cityops.org.models import Department

    Department.objects.create(code="D-CG", name="城市管理局", in_grid=True)
    Department.objects.create(code="D-XF", name="消防救援", in_grid=True)


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


def _build_users() -> dict:
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


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return any(name in item.fixturenames for name in ("transactional_db", "live_server"))


def _uses_db(item) -> bool:
    return item.get_closest_marker("django_db") is not None or "db" in item.fixturenames


def _module_shares(request, fixture: str) -> bool:
    """Whether ``fixture``'s rows may be written once for the whole module: no test of the module
    is transactional (rows standing around the module would be in its way), and every test of it
    that touches the database uses them (so none sees rows it did not ask for)."""
    siblings = [item for item in request.session.items if item.path == request.path]
    if any(_transactional(item) for item in siblings):
        return False
    on_db = [item for item in siblings if _uses_db(item)]
    return bool(on_db) and all(fixture in item.fixturenames for item in on_db)


@pytest.fixture(scope="module")
def _module_town(request, django_db_blocker):
    """The small town written once for the module where _module_shares allows it (most of the
    suite's time on PostgreSQL was each test building it again); False where each test builds its own."""
    if not _module_shares(request, "town"):
        yield False
        return
    request.getfixturevalue("django_db_setup")
    with rows_for_the_module(django_db_blocker):
        _build_town()
        yield True


@pytest.fixture(scope="module")
def _module_users(request, _module_town, django_db_blocker):
    """The named users written once for the module, as _module_town; their ids, or None."""
    if not (_module_town and _module_shares(request, "users")):
        yield None
        return
    from django.test.utils import override_settings

    with rows_for_the_module(django_db_blocker):
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            ids = {name: user.pk for name, user in _build_users().items()}
        yield ids


@pytest.fixture
def town(_module_town, db):
    if not _module_town:
        _build_town()
    return True


@pytest.fixture
def users(_module_users, town):
    """town officer, two dispatchers of different villages (and areas), an inspector, …: fresh
    instances for each test, so that what one test changes on them is not seen by the next."""
    if _module_users is None:
        return _build_users()
    from cityops.accounts.models import User

    found = User.objects.in_bulk(list(_module_users.values()))
    return {name: found[pk] for name, pk in _module_users.items()}


@pytest.fixture
def api_client(client):
    """A test client whose `login_as(user)` signs in with a session."""

    def login_as(user):
        client.force_login(user)
        return client

    client.login_as = login_as
    return client
