"""Sharing: requests by sharing type, the 10-working-day clock and its sweeper, decisions and their
scope, grants, consumer keys on the records API, masking and the usage log."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cityops.accounts.services import user_create
from cityops.audit.models import AuditRecord
from cityops.cases.models import Notification
from cityops.core import workcalendar
from cityops.core.errors import Conflict, Forbidden, ValidationFailed
from cityops.core.models import CalendarDay
from cityops.databrain.models import AccessLog, Grant, ShareEvent, ShareRequest
from cityops.databrain.services import resource_create
from cityops.databrain.sharing import keys, services, sweeper
from tests.databrain.conftest import resource_data

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
FRIDAY = datetime(2030, 6, 7, 10, 0, tzinfo=TZ)  # submitted on a Friday morning
HOLIDAY = date(2030, 6, 12)  # a Wednesday off
DUE = datetime(2030, 6, 24, 10, 0, tzinfo=TZ)  # 10 working days on: two weekends and the holiday skipped


@pytest.fixture
def holiday(db):
    CalendarDay.objects.create(date=HOLIDAY, kind="holiday", name="端午节")
    workcalendar.invalidate()
    yield
    workcalendar.invalidate()


@pytest.fixture
def consumers(users):
    steward = users["steward"]
    return {
        "cg": services.consumer_create(kind="department", code="", department="D-CG", by=steward),
        "xf": services.consumer_create(kind="department", code="", department="D-XF", by=steward),
        "sys": services.consumer_create(
            kind="system", code="SYS-GRID", name="网格化管理系统", contact="王工 13800000000", by=steward
        ),
    }


@pytest.fixture
def xf_handler(users):
    return user_create(
        username="xf_handler",
        role="department_handler",
        scope_level="town",
        scope_unit=None,
        password="Correct-Horse-42!",
        display_name="xf",
        departments=["D-XF"],
    )


def submit(consumer, resource, by, *, now=FRIDAY, **changes):
    data = {
        "purpose": "出租屋消防检查",
        "fields": ["id_number", "name", "phone", "rooms"],
        "unmasked": ["name"],
        "starts_on": date(2030, 7, 1),
        "ends_on": date(2030, 12, 31),
    }
    data.update(changes)
    return services.request_submit(consumer=consumer, resource=resource, by=by, now=now, **data)


# ---- requests by sharing type ----------------------------------------------------------------------


def test_a_conditional_request_waits_ten_working_days_skipping_weekends_and_holidays(
    users, consumers, rented, xf_handler, holiday
):
    req = submit(consumers["xf"], rented, xf_handler)
    assert req.status == "pending" and req.due_at == DUE
    assert [e.action for e in req.events.all()] == ["submit"]
    assert AuditRecord.objects.filter(action="databrain.share.request", object_id=str(req.pk)).exists()
    assert not Grant.objects.exists()
    # the provider's deciders are told at once, with the due time
    told = Notification.objects.get(user=users["handler"], kind="databrain.share")
    assert f"#{req.pk}" in told.text and "2030-06-24 10:00" in told.text


def test_an_unconditional_resource_is_granted_at_once(users, consumers, enterprises):
    req = submit(consumers["cg"], enterprises, users["handler"], fields=["name", "capital"], unmasked=[])
    assert req.status == "granted" and req.due_at is None
    grant = req.grant
    assert grant.fields == ["name", "capital"] and grant.expires_on == date(2030, 12, 31)
    assert [e.action for e in req.events.all()] == ["submit", "grant"]


def test_a_resource_not_shared_is_refused_at_once_naming_its_basis(users, consumers, categories):
    closed = resource_create(
        data=resource_data(
            code="101001-0009", share_type="none", share_condition="《个人信息保护法》第十三条"
        ),
        actor_name="test",
    )
    req = submit(consumers["sys"], closed, users["steward"])
    assert req.status == "refused" and "《个人信息保护法》第十三条" in req.reason
    assert not Grant.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"purpose": " "}, "purpose", "say what the data is for"),
        ({"fields": []}, "fields", "choose at least one field"),
        ({"fields": ["name", "salary"]}, "fields", "101001-0003 has no field 'salary'"),
        ({"unmasked": ["rooms"]}, "unmasked", "rooms is not personal data; it is never masked"),
        ({"ends_on": date(2030, 6, 30)}, "ends_on", "ends before it starts (2030-07-01)"),
        (
            {"starts_on": date(2030, 1, 1), "ends_on": date(2030, 6, 1)},
            "ends_on",
            "2030-06-01 is in the past",
        ),
    ],
)
def test_bad_requests_are_refused_naming_the_problem(users, consumers, rented, changes, field, message):
    with pytest.raises(ValidationFailed) as exc:
        submit(consumers["cg"], rented, users["handler"], **changes)
    assert {"field": field, "message": message} in exc.value.errors
    assert not ShareRequest.objects.exists()


def test_a_department_may_ask_only_for_itself(users, consumers, rented):
    with pytest.raises(Forbidden):
        submit(consumers["xf"], rented, users["handler"])  # handler is of D-CG
    with pytest.raises(Forbidden):
        submit(consumers["cg"], rented, users["officer"])  # no databrain.share
    assert not ShareRequest.objects.exists()


def test_only_the_steward_manages_consumers_and_keys(users, consumers):
    with pytest.raises(Forbidden):
        services.consumer_create(kind="system", code="X", name="x", contact="y", by=users["handler"])
    with pytest.raises(Forbidden):
        services.key_create(consumer=consumers["cg"], name="k", days=30, by=users["handler"])
    with pytest.raises(ValidationFailed) as exc:
        services.consumer_create(kind="system", code="SYS-GRID", name="x", contact="", by=users["steward"])
    assert {f["field"] for f in exc.value.errors} == {"code", "contact"}


# ---- decisions -------------------------------------------------------------------------------------


def test_the_provider_grants_fewer_fields_and_a_shorter_period(users, consumers, rented, xf_handler):
    req = submit(consumers["xf"], rented, xf_handler)
    grant = services.request_approve(
        request=req,
        by=users["handler"],
        fields=["name", "rooms"],
        unmasked=[],
        ends_on=date(2030, 9, 30),
        now=FRIDAY + timedelta(days=3),
    )
    req.refresh_from_db()
    assert req.status == "granted" and req.decided_by == users["handler"]
    assert (grant.fields, grant.unmasked, grant.expires_on) == (["name", "rooms"], [], date(2030, 9, 30))
    assert Notification.objects.filter(user=xf_handler, kind="databrain.share").count() == 1
    with pytest.raises(Conflict):
        services.request_refuse(request=req, by=users["handler"], reason="late")


def test_a_grant_cannot_widen_the_request(users, consumers, rented, xf_handler):
    req = submit(consumers["xf"], rented, xf_handler, fields=["name"], unmasked=[])
    with pytest.raises(ValidationFailed) as exc:
        services.request_approve(
            request=req, by=users["steward"], fields=["name", "phone"], ends_on=date(2031, 6, 1)
        )
    messages = {e["message"] for e in exc.value.errors}
    assert "phone was not asked for; a grant may only narrow the request" in messages
    assert "the period may only be shortened, within 2030-07-01 – 2030-12-31" in messages
    assert ShareRequest.objects.get().status == "pending"


def test_a_refusal_needs_a_reason(users, consumers, rented, xf_handler):
    req = submit(consumers["xf"], rented, xf_handler)
    with pytest.raises(ValidationFailed, match="say why the request is refused"):
        services.request_refuse(request=req, by=users["handler"], reason="  ")
    services.request_refuse(
        request=req, by=users["handler"], reason="用途与出租屋管理无关", now=FRIDAY + timedelta(hours=1)
    )
    req.refresh_from_db()
    assert req.status == "refused" and req.reason == "用途与出租屋管理无关"
    assert [e.action for e in ShareEvent.objects.filter(request=req)] == ["submit", "refuse"]


def test_a_provider_of_another_department_cannot_decide(users, consumers, rented, xf_handler):
    req = submit(consumers["sys"], rented, users["steward"])
    for who in (xf_handler, users["officer"], users["auditor"]):
        with pytest.raises(Forbidden):
            services.request_approve(request=req, by=who)
        with pytest.raises(Forbidden):
            services.request_refuse(request=req, by=who, reason="no")
    assert ShareRequest.objects.get().status == "pending"


def test_the_requester_withdraws_before_a_decision_only(users, consumers, rented, xf_handler):
    req = submit(consumers["xf"], rented, xf_handler)
    with pytest.raises(Forbidden):
        services.request_withdraw(request=req, by=users["handler"])
    services.request_withdraw(request=req, by=xf_handler)
    assert ShareRequest.objects.get().status == "withdrawn"
    with pytest.raises(Conflict):
        services.request_approve(request=req, by=users["steward"])


# ---- the clock -------------------------------------------------------------------------------------


def test_the_sweeper_warns_the_day_before_and_escalates_once_after_due(
    users, consumers, rented, xf_handler, holiday
):
    req = submit(consumers["xf"], rented, xf_handler)
    assert sweeper.sweep(now=datetime(2030, 6, 21, 9, 59, tzinfo=TZ)) == sweeper.SweepResult(0, 0)
    # one working day before due (Friday 21 June 10:00): the provider is warned, once
    assert sweeper.sweep(now=datetime(2030, 6, 21, 10, 0, tzinfo=TZ)) == sweeper.SweepResult(1, 0)
    assert sweeper.sweep(now=datetime(2030, 6, 21, 16, 0, tzinfo=TZ)) == sweeper.SweepResult(0, 0)
    assert Notification.objects.filter(user=users["handler"], kind="databrain.share").count() == 2  # new, due
    # due itself is not overdue; the day after is
    assert sweeper.sweep(now=DUE) == sweeper.SweepResult(0, 0)
    assert sweeper.sweep(now=DUE + timedelta(days=1)) == sweeper.SweepResult(0, 1)
    assert sweeper.sweep(now=DUE + timedelta(days=2)) == sweeper.SweepResult(0, 0)
    req.refresh_from_db()
    assert req.escalated_at == DUE + timedelta(days=1) and req.status == "pending"
    assert Notification.objects.filter(user=users["steward"], kind="databrain.share").count() == 1
    assert [e.action for e in req.events.all()] == ["submit", "warn", "escalate"]
    assert AuditRecord.objects.filter(action="databrain.share.escalate").count() == 1


def test_a_decided_request_is_never_escalated(users, consumers, rented, xf_handler):
    req = submit(consumers["xf"], rented, xf_handler)
    services.request_refuse(request=req, by=users["steward"], reason="no")
    assert sweeper.sweep(now=FRIDAY + timedelta(days=60)) == sweeper.SweepResult(0, 0)


# ---- keys ------------------------------------------------------------------------------------------


@pytest.fixture
def granted_key(users, consumers, people):
    """The grid system holds name (in clear), phone (masked) and rooms of the rented-room records."""
    now = datetime.now(TZ)
    req = submit(
        consumers["sys"],
        people,
        users["steward"],
        now=now,
        fields=["name", "phone", "rooms"],
        unmasked=["name"],
        starts_on=now.date(),
        ends_on=now.date() + timedelta(days=30),
    )
    services.request_approve(request=req, by=users["steward"], now=now)
    key, raw = services.key_create(consumer=consumers["sys"], name="网格系统", days=30, by=users["steward"])
    return key, raw


def test_a_key_is_stored_as_a_digest_and_authenticates(granted_key):
    key, raw = granted_key
    assert raw.startswith("cdk_") and key.digest == keys.digest(raw) and raw not in key.digest
    assert keys.authenticate(raw) == key
    assert keys.granted_fields(key=key, resource=key.consumer.grants.get().resource) == [
        "name",
        "phone",
        "rooms",
    ]


@pytest.mark.parametrize("reason", ["unknown", "expired", "revoked"])
def test_each_key_error_says_which(users, granted_key, reason):
    key, raw = granted_key
    if reason == "unknown":
        raw = raw[:-2] + "xx"
    elif reason == "expired":
        key.expires_at = datetime.now(TZ) - timedelta(seconds=1)
        key.save()
    else:
        services.key_revoke(key=key, by=users["steward"], reason="leaked")
    with pytest.raises(keys.KeyRejected) as exc:
        keys.authenticate(raw)
    assert exc.value.reason == reason and exc.value.status == 401


def records_url(code="101001-0003", query=""):
    return f"/api/v1/databrain/resources/{code}/records{query}"


def test_the_api_reads_only_granted_fields_personal_ones_masked_unless_granted(client, granted_key):
    key, raw = granted_key
    for header in (raw, f"Bearer {raw}"):
        body = client.get(records_url(query="?sort=rooms"), HTTP_AUTHORIZATION=header).json()
        assert [f["name"] for f in body["fields"]] == ["name", "phone", "rooms"]
        first = body["records"][0]
        assert first["name"] == "李小明" and first["phone"] == "139****4321"  # name granted in clear
        assert "id_number" not in first
    log = AccessLog.objects.order_by("id").last()
    assert (log.channel, log.consumer, log.key, log.rows, log.fields) == (
        "key",
        key.consumer,
        key,
        3,
        ["name", "phone", "rooms"],
    )
    assert AccessLog.objects.count() == 2


@pytest.mark.parametrize("query", ["?fields=name,id_number", "?id_number=1", "?sort=-id_number"])
def test_a_field_outside_the_grant_is_a_403_naming_it(client, granted_key, query):
    _key, raw = granted_key
    r = client.get(records_url(query=query), HTTP_AUTHORIZATION=raw)
    assert (
        r.status_code == 403
        and "The field id_number of 101001-0003 is outside the grant" in r.json()["detail"]
    )
    assert not AccessLog.objects.exists()


def test_a_resource_without_a_grant_is_a_404(client, granted_key, enterprises):
    _key, raw = granted_key
    r = client.get(records_url("102-0001"), HTTP_AUTHORIZATION=raw)
    assert r.status_code == 404 and "No resource 102-0001 is granted to SYS-GRID" in r.json()["detail"]


def test_a_bad_key_on_the_api_is_a_401_saying_which(english_pages, users, granted_key):
    client = english_pages
    key, raw = granted_key
    unknown = client.get(records_url(), HTTP_AUTHORIZATION="cdk_nope")
    assert unknown.status_code == 401 and "not known" in unknown.json()["detail"]
    services.key_revoke(key=key, by=users["steward"], reason="交接后停用")
    r = client.get(records_url(), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 401 and "was revoked on" in r.json()["detail"]
    assert client.get(records_url()).status_code == 401


def test_a_revoked_or_expired_grant_reads_nothing(client, users, granted_key):
    key, raw = granted_key
    grant = key.consumer.grants.get()
    services.grant_revoke(grant=grant, by=users["steward"], reason="用途已结束")
    assert client.get(records_url(), HTTP_AUTHORIZATION=raw).status_code == 404


def test_staff_reads_are_logged_too(client, users, people):
    client.force_login(users["officer"])
    assert client.get(records_url(query="?fields=name")).status_code == 200
    client.get("/data/resources/101001-0003/records/")
    b"".join(client.get("/data/resources/101001-0003/records.csv").streaming_content)
    rows = list(AccessLog.objects.order_by("id").values_list("channel", "user__username", "rows", "consumer"))
    assert rows == [("api", "officer", 3, None), ("page", "officer", 3, None), ("export", "officer", 3, None)]


def test_the_ckan_api_takes_a_consumer_key_as_ckan_clients_send_it(
    english_pages, users, granted_key, enterprises
):
    """CKAN clients put the key in Authorization: the private resource granted to it shows, with the
    granted fields only and the personal ones masked unless granted; the read is logged; a revoked key
    is CKAN's Authorization Error saying it was revoked."""
    client = english_pages
    key, raw = granted_key
    url = "/ckan/api/3/action/datastore_search"
    anonymous = client.get(url, {"resource_id": "101001-0003"}).json()
    assert anonymous["success"] is False and anonymous["error"]["__type"] == "Not Found Error"

    body = client.get(url, {"resource_id": "101001-0003", "sort": "rooms asc"}, HTTP_AUTHORIZATION=raw).json()
    assert body["success"] is True
    result = body["result"]
    assert [f["id"] for f in result["fields"]] == ["_id", "name", "phone", "rooms"]
    assert (result["records"][0]["name"], result["records"][0]["phone"]) == ("李小明", "139****4321")
    log = AccessLog.objects.order_by("id").last()
    assert (log.channel, log.key_id, log.consumer_id, log.rows) == ("ckan", key.pk, key.consumer_id, 3)
    assert log.fields == ["name", "phone", "rooms"]
    listed = "/ckan/api/3/action/package_list"
    assert "101001-0003" not in client.get(listed, HTTP_AUTHORIZATION=raw).json()["result"]  # as CKAN
    private = client.get(listed, {"include_private": "true"}, HTTP_AUTHORIZATION=raw).json()["result"]
    assert "101001-0003" in private

    services.key_revoke(key=key, by=users["steward"], reason="leaked")
    refused = client.get(
        url, {"resource_id": "101001-0003"}, HTTP_AUTHORIZATION=raw, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["__type"] == "Authorization Error" and "revoked" in error["message"]
