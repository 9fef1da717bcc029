"""Every operation of /api/v1/, fuzzed from its OpenAPI document: whatever schemathesis generates,
sent with an API token of each role that may hold one, never gets a server error, and every answer
has a documented status code, the documented content type and a body that matches its schema.

Bounded so that it runs in both lanes of `make test` (a few examples per operation, derandomized);
`bench/fuzz.py` runs the same test with many more examples and counts what it finds.

The requests go to the Django application in-process (WSGI), inside the test's transaction; each
request runs in a savepoint that is rolled back, so a token revoked or a case created by one request
changes nothing for the next, nor for the other tests."""

import os
from collections import Counter
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.core.failures import FailureGroup

from cityops.accounts.roles import STAFF_ROLES, Role
from cityops.api import api

FUZZ_ROLES = sorted(str(r) for r in STAFF_ROLES)  # the roles that may hold an API token
# the suite: 12 examples per operation, each sent as one role in turn (every role sees every operation);
# bench/fuzz.py: more examples, the coverage phase's boundary values too, and on request each example
# sent as every role
COLLECT = bool(os.environ.get("CITYOPS_FUZZ_COLLECT"))
EVERY_ROLE = bool(os.environ.get("CITYOPS_FUZZ_EVERY_ROLE"))
EXAMPLES = int(os.environ.get("CITYOPS_FUZZ_EXAMPLES", "12"))
CHECKS = {
    # a request the schema allows may still name no existing grid or an impossible range: a 422 or 404
    # for it is right, not a failure
    "positive_data_acceptance": {"enabled": False},
    # these need a sequence of requests (the stateful phase), not single examples
    "use_after_free": {"enabled": False},
    "ensure_resource_availability": {"enabled": False},
}
CONFIG = {"checks": CHECKS, "phases": {"coverage": {"enabled": COLLECT}, "stateful": {"enabled": False}}}

# what was sent and found, for bench/fuzz.py (the test fails at the first finding unless it collects)
TALLY: Counter = Counter()
FINDINGS: Counter = Counter()
OPERATIONS: set = set()
FIRST: dict = {}  # (operation, kind) → the first report of it


class InTransactionApp:
    """The site as a WSGI application whose requests keep the test's database connection (Django
    closes a connection at the end of each request, which would end the test's transaction)."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        with _connections_kept():
            response = self.handler(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()


@contextmanager
def _connections_kept():
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def api_schema():
    schema = schemathesis.openapi.from_dict(
        api.get_openapi_schema(), config=schemathesis.Config.from_dict(CONFIG)
    )
    schema.app = InTransactionApp()
    return schema


def fuzz_town() -> dict[str, str]:
    """The small town, its two departments, and a user with an API token of each role: role → token."""
    from cityops.accounts.services import token_create, user_create
    from cityops.org.models import Department
    from tests.builders import build_small_town

    build_small_town()
    Department.objects.create(code="D-CG", name="城市管理局", in_grid=True)
    tokens = {}
    for role in FUZZ_ROLES:
        level = {"dispatcher": ("village", "V1"), "inspector": ("grid", "G1")}.get(role, ("town", None))
        user = user_create(
            username=f"fuzz_{role}",
            role=role,
            scope_level=level[0],
            scope_unit=level[1],
            password="Correct-Horse-42!",
            display_name=role,
            phone="13812345678",
            departments=["D-CG"] if role == "department_handler" else [],
        )
        tokens[role] = token_create(user=user, name="fuzz", days=30)[1]
    return tokens


def send_as(case, tokens: dict[str, str]) -> None:
    """``case`` sent with the given roles' tokens and checked; each request's writes are rolled back."""
    for raw in tokens.values():
        TALLY["requests"] += 1
        try:
            with transaction.atomic():
                case.call_and_validate(headers={"Authorization": f"Bearer {raw}"})
                transaction.set_rollback(True)
        except FailureGroup as group:
            if not COLLECT:
                raise
            for failure in group.exceptions:
                FINDINGS[(case.operation.label, failure.title)] += 1
                FIRST.setdefault((case.operation.label, failure.title), str(group))
        except Exception as exc:  # a server exception the in-process call re-raises
            if not COLLECT:
                raise
            FINDINGS[(case.operation.label, f"exception {type(exc).__name__}: {str(exc)[:80]}")] += 1


schema = api_schema()


@pytest.fixture(scope="module")
def _town_once(django_db_setup, django_db_blocker):
    """The town, users and tokens written once for the module; each test runs in a savepoint of it."""
    from tests.conftest import rows_for_the_module

    with rows_for_the_module(django_db_blocker):
        yield fuzz_town()


@pytest.fixture
def tokens(_town_once, db):
    return _town_once


def test_every_role_with_api_access_is_fuzzed(tokens):
    assert sorted(tokens) == FUZZ_ROLES
    assert "resident" not in tokens and len(tokens) == len(Role) - 1


def test_every_operation_is_fuzzed():
    ops = [result.ok() for result in schema.get_all_operations()]
    names = {f"{op.method.upper()} {op.path}" for op in ops}
    assert len(ops) == sum(len(p) for p in api.get_openapi_schema()["paths"].values())
    assert {"GET /api/v1/cases", "POST /api/v1/accounts/tokens", "PATCH /api/v1/iot/rules/{rule_id}"} <= names


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case, tokens, settings):
    settings.CITYOPS_VIDEO_WEBHOOK_KEY = "fuzz-webhook-key"  # configured, so alerts are verified (401)
    TALLY["examples"] += 1
    TALLY[case.operation.label] += 1
    OPERATIONS.add(case.operation.label)
    if not EVERY_ROLE:
        role = FUZZ_ROLES[TALLY[case.operation.label] % len(FUZZ_ROLES)]
        tokens = {role: tokens[role]}
    send_as(case, tokens)
