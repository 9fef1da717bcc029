"""Every operation of /api/v1/, fuzzed from its OpenAPI document: whatever schemathesis generates,
sent with an API token of each role that may hold one (the two doors that take no token — device
telemetry and the video webhook — with a device's secret and a signature instead), never gets a server error, and every answer
has a documented status code, the documented content type and a body that matches its schema.

Bounded so that it runs in both lanes of `make test` (a few examples per operation, derandomized);
`bench/fuzz.py` runs the same test with many more examples and counts what it finds.

The requests go to the Django application in-process (WSGI), inside the test's transaction; each
request runs in a savepoint that is rolled back, so a token revoked or a case created by one request
changes nothing for the next, nor for the other tests."""

import base64
import io
import os
import time
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
from cityops.video import signing

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


WEBHOOK_KEY = "fuzz-webhook-key"
# the two doors that take no token: each request signed, or authenticated as a device, as a real
# sender's would be, so that the fuzzing reaches the body behind the door (its refusals of bad
# credentials are tested in tests/iot and tests/video)
SENDERS = {"/api/v1/iot/telemetry": "device", "/api/v1/video/alerts": "webhook"}
DEVICE: dict[str, str] = {}  # code and secret of the fuzz town's device


class InTransactionApp:
    """The site as a WSGI application whose requests keep the test's database connection (Django
    closes a connection at the end of each request, which would end the test's transaction)."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        sender = SENDERS.get(environ.get("PATH_INFO", ""))
        if sender == "device" and DEVICE:
            pair = base64.b64encode(f"{DEVICE['code']}:{DEVICE['secret']}".encode()).decode()
            environ["HTTP_AUTHORIZATION"] = f"Basic {pair}"
        elif sender == "webhook":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            environ["HTTP_X_CITYOPS_SIGNATURE"] = signing.sign(WEBHOOK_KEY, body, int(time.time()))
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
    DEVICE.update(fuzz_device())
    return tokens


def fuzz_device() -> dict[str, str]:
    """An air-quality device (PM2.5) in grid 1 with its secret, to send telemetry as."""
    from cityops.iot.credentials import device_secret_issue
    from cityops.iot.models import Datastream, DeviceType, DeviceTypeQuantity, Quantity
    from tests.builders import place_device

    pm25 = Quantity.objects.create(code="pm25", name="PM2.5", unit_name="µg/m³", unit_symbol="µg/m³")
    air = DeviceType.objects.create(
        code="air", name="空气质量监测仪", report_interval_s=60, offline_after_s=600
    )
    DeviceTypeQuantity.objects.create(device_type=air, quantity=pm25, min_valid=0, max_valid=1000)
    device = place_device("AIR-FUZZ", air, 1)
    Datastream.objects.create(device=device, quantity=pm25)
    return {"code": device.code, "secret": device_secret_issue(device=device)}


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


def test_the_doors_without_tokens_are_passed_so_their_bodies_are_fuzzed(tokens, settings):
    """A real sender's credentials go with every fuzzed request to the two doors that take no token:
    a reading is stored (202), and a signed alert for an unknown channel is read and refused (422),
    where a request without them would stop at 401."""
    settings.CITYOPS_VIDEO_WEBHOOK_KEY = WEBHOOK_KEY
    with transaction.atomic():
        telemetry = schema["/api/v1/iot/telemetry"]["POST"].Case(body={"values": {"pm25": 35.2}})
        assert telemetry.call().status_code == 202
        alert = {
            "source": "fuzz",
            "event_id": "e1",
            "kind": "no_hat",
            "channel": "1" * 20,
            "at": "2026-12-01T08:00:00+08:00",
            "confidence": 0.9,
        }
        response = schema["/api/v1/video/alerts"]["POST"].Case(body=alert).call()
        assert response.status_code == 422 and "channel" in response.text
        transaction.set_rollback(True)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case, tokens, settings):
    settings.CITYOPS_VIDEO_WEBHOOK_KEY = WEBHOOK_KEY  # configured: alerts are verified, and signed here
    TALLY["examples"] += 1
    TALLY[case.operation.label] += 1
    OPERATIONS.add(case.operation.label)
    if not EVERY_ROLE:
        role = FUZZ_ROLES[TALLY[case.operation.label] % len(FUZZ_ROLES)]
        tokens = {role: tokens[role]}
    send_as(case, tokens)
