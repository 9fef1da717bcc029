"""A consumer key revoked with its reason, kept in the key's history and the audit trail; a consumer
edited, switched off (its keys refused at once on the API and the CKAN API, saying so; its requests
kept) and back on (its keys that are neither expired nor revoked work again); who may do it."""

from datetime import datetime, timedelta

import pytest

from cityops.audit.models import AuditRecord
from cityops.core.errors import Conflict, Forbidden, ValidationFailed
from cityops.databrain.models import ApiKey, Consumer, ShareRequest
from cityops.databrain.sharing import keys, services
from tests.databrain.test_sharing import TZ, consumers, granted_key, submit  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

RECORDS = "/api/v1/databrain/resources/101001-0003/records"
CKAN = "/ckan/api/3/action/datastore_search"


def test_revoking_a_key_needs_a_reason_which_is_kept_with_who_and_when(users, granted_key):  # noqa: F811
    key, raw = granted_key
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed, match="say why the key is revoked"):
            services.key_revoke(key=key, by=users["steward"], reason=reason)
    key.refresh_from_db()
    assert key.revoked_at is None and keys.authenticate(raw) == key  # nothing changed
    with pytest.raises(Forbidden):
        services.key_revoke(key=key, by=users["handler"], reason="泄露")
    services.key_revoke(key=key, by=users["steward"], reason="  密钥随邮件外泄  ")
    key.refresh_from_db()
    assert (key.revoked_reason, key.revoked_by) == ("密钥随邮件外泄", "steward") and key.revoked_at
    audit = AuditRecord.objects.get(action="databrain.key.revoke")
    assert audit.after == {"consumer": "SYS-GRID", "prefix": key.prefix, "reason": "密钥随邮件外泄"}
    assert audit.actor == "steward" and audit.object_id == str(key.pk)
    with pytest.raises(Conflict):
        services.key_revoke(key=key, by=users["steward"], reason="again")


def test_the_consumer_page_revokes_with_a_reason_and_shows_it_in_the_keys_history(
    english_pages,
    users,
    granted_key,  # noqa: F811
):
    client = english_pages
    key, _raw = granted_key
    client.force_login(users["steward"])
    page = client.post(
        "/data/sharing/consumers/SYS-GRID/", {"action": "revoke_key", "key": key.pk, "reason": ""}
    )
    assert "say why the key is revoked" in page.content.decode()
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
    r = client.post(
        "/data/sharing/consumers/SYS-GRID/", {"action": "revoke_key", "key": key.pk, "reason": "系统下线"}
    )
    assert r.status_code == 302
    page = client.get("/data/sharing/consumers/SYS-GRID/").content.decode()
    assert 'data-testid="key-revoked"' in page and "系统下线" in page
    assert 'data-history="revoke"' in page and 'data-history="create"' in page
    assert f"cdk_{key.prefix}…" in page and "Key revoked" in page and "Key issued" in page


def test_a_switched_off_consumer_is_refused_at_once_everywhere_and_its_requests_are_kept(
    english_pages,
    users,
    consumers,  # noqa: F811
    granted_key,  # noqa: F811
    people,
):
    client = english_pages
    key, raw = granted_key
    now = datetime.now(TZ)
    pending = submit(consumers["sys"], people, users["steward"], now=now, fields=["name"], unmasked=[])
    assert pending.status == "pending"
    spare, spare_raw = services.key_create(
        consumer=consumers["sys"], name="备用", days=30, by=users["steward"]
    )
    services.key_revoke(key=spare, by=users["steward"], reason="不再需要")
    assert client.get(RECORDS, HTTP_AUTHORIZATION=raw).status_code == 200

    with pytest.raises(ValidationFailed, match="say why"):
        services.consumer_switch(consumer=consumers["sys"], active=False, reason="", by=users["steward"])
    assert Consumer.objects.get(code="SYS-GRID").active
    services.consumer_switch(consumer=consumers["sys"], active=False, reason="合同到期", by=users["steward"])
    off = Consumer.objects.get(code="SYS-GRID")
    assert not off.active and off.switched_off_at

    with pytest.raises(keys.KeyRejected) as exc:
        keys.authenticate(raw)
    assert (
        exc.value.reason == "switched_off" and "SYS-GRID of this key was switched off on" in exc.value.detail
    )
    r = client.get(RECORDS, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 401 and "SYS-GRID of this key was switched off on" in r.json()["detail"]
    ckan = client.get(CKAN, {"resource_id": "101001-0003"}, HTTP_AUTHORIZATION=raw)
    error = ckan.json()
    assert ckan.status_code == 403 and error["success"] is False
    assert error["error"]["__type"] == "Authorization Error"
    assert "SYS-GRID of this key was switched off on" in error["error"]["message"]
    assert ShareRequest.objects.get(pk=pending.pk).status == "pending"  # kept, still to be decided
    assert key.consumer.grants.get().revoked_at is None  # grants kept too
    with pytest.raises(ValidationFailed, match="switched off"):
        services.key_create(consumer=off, name="新", days=30, by=users["steward"])
    with pytest.raises(Conflict, match="switched off already"):
        services.consumer_switch(consumer=off, active=False, reason="again", by=users["steward"])

    services.consumer_switch(consumer=off, active=True, reason="续签合同", by=users["steward"])
    assert keys.authenticate(raw) == key  # restored
    assert client.get(RECORDS, HTTP_AUTHORIZATION=raw).status_code == 200
    with pytest.raises(keys.KeyRejected) as exc:  # revoked before: stays revoked
        keys.authenticate(spare_raw)
    assert exc.value.reason == "revoked"
    ApiKey.objects.filter(pk=key.pk).update(expires_at=datetime.now(TZ) - timedelta(seconds=1))
    with pytest.raises(keys.KeyRejected) as exc:  # expiry is its own
        keys.authenticate(raw)
    assert exc.value.reason == "expired"

    trail = list(
        AuditRecord.objects.filter(action__startswith="databrain.consumer.switch")
        .order_by("id")
        .values_list("action", "after")
    )
    assert trail == [
        ("databrain.consumer.switch_off", {"active": False, "reason": "合同到期"}),
        ("databrain.consumer.switch_on", {"active": True, "reason": "续签合同"}),
    ]


def test_the_edit_page_changes_details_and_switches_off_and_on(
    english_pages,
    users,
    consumers,  # noqa: F811
    granted_key,  # noqa: F811
):
    client = english_pages
    _key, raw = granted_key
    client.force_login(users["steward"])
    page = client.get("/data/sharing/consumers/SYS-GRID/edit/").content.decode()
    assert "Switch off" in page and "1 working key stops at once" in page
    bad = client.post(
        "/data/sharing/consumers/SYS-GRID/edit/", {"action": "save", "name": "网格系统二期", "contact": ""}
    ).content.decode()
    assert "an outside system needs a contact person" in bad and "网格系统二期" in bad
    assert Consumer.objects.get(code="SYS-GRID").name == "网格化管理系统"  # nothing saved
    r = client.post(
        "/data/sharing/consumers/SYS-GRID/edit/",
        {"action": "save", "name": "网格系统二期", "contact": "李工 13900000000"},
    )
    assert r.status_code == 302
    c = Consumer.objects.get(code="SYS-GRID")
    assert (c.name, c.contact) == ("网格系统二期", "李工 13900000000")
    update = AuditRecord.objects.get(action="databrain.consumer.update")
    assert update.before == {"name": "网格化管理系统", "contact": "王工 13800000000"}
    assert update.after == {"name": "网格系统二期", "contact": "李工 13900000000"}
    client.post(
        "/data/sharing/consumers/SYS-GRID/edit/",
        {"action": "save", "name": "网格系统二期", "contact": "李工 13900000000"},
    )
    assert AuditRecord.objects.filter(action="databrain.consumer.update").count() == 1  # no change, no record

    no_reason = client.post("/data/sharing/consumers/SYS-GRID/edit/", {"action": "switch_off", "reason": ""})
    assert "say why" in no_reason.content.decode() and Consumer.objects.get(code="SYS-GRID").active
    client.post("/data/sharing/consumers/SYS-GRID/edit/", {"action": "switch_off", "reason": "安全检查"})
    assert not Consumer.objects.get(code="SYS-GRID").active
    detail = client.get("/data/sharing/consumers/SYS-GRID/").content.decode()
    assert 'data-testid="switched-off"' in detail and "Consumer switched off" in detail
    assert 'data-history="switch_off"' in detail and "安全检查" in detail
    assert 'data-history="update"' in detail and "网格化管理系统 → 网格系统二期" in detail
    listed = client.get("/data/sharing/consumers/").content.decode()
    assert "Switched off" in listed
    assert client.get(RECORDS, HTTP_AUTHORIZATION=raw).status_code == 401
    client.post("/data/sharing/consumers/SYS-GRID/edit/", {"action": "switch_on", "reason": "检查完毕"})
    assert Consumer.objects.get(code="SYS-GRID").active
    assert client.get(RECORDS, HTTP_AUTHORIZATION=raw).status_code == 200


def test_only_the_data_steward_edits_or_switches_a_consumer(
    client,
    users,
    consumers,  # noqa: F811
):
    cg = consumers["cg"]
    for role in ("handler", "officer"):
        client.force_login(users[role])
        assert client.get(f"/data/sharing/consumers/{cg.code}/edit/").status_code == 403
        r = client.post(f"/data/sharing/consumers/{cg.code}/edit/", {"action": "switch_off", "reason": "x"})
        assert r.status_code == 403
    with pytest.raises(Forbidden):
        services.consumer_switch(consumer=cg, active=False, reason="x", by=users["handler"])
    with pytest.raises(Forbidden):
        services.consumer_update(consumer=cg, name="改名", contact="", by=users["handler"])
    assert (
        Consumer.objects.get(pk=cg.pk).active
        and not AuditRecord.objects.filter(action__startswith="databrain.consumer.switch").exists()
    )
    client.force_login(users["steward"])
    assert client.get("/data/sharing/consumers/NOPE/edit/").status_code == 404


def test_a_withdrawn_resource_cannot_be_asked_for(users, consumers, people):  # noqa: F811
    from cityops.databrain.services import resource_withdraw

    resource_withdraw(code=people.code, reason="并入户籍人口", by=users["steward"])
    people.refresh_from_db()
    now = datetime.now(TZ)
    with pytest.raises(ValidationFailed, match="101001-0003 was withdrawn from the catalogue"):
        submit(consumers["sys"], people, users["steward"], now=now, starts_on=now.date())
    assert not ShareRequest.objects.exists()
