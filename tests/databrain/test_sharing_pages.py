"""The sharing pages: a request through its page and its decision, the approvals queue with its clock,
a key shown once, the usage report and its export, and who may open what."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.databrain.models import AccessLog, ApiKey, ShareRequest
from cityops.databrain.sharing import keys, services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_pages")]


@pytest.fixture
def cg(users):
    return services.consumer_create(kind="department", code="", department="D-CG", by=users["steward"])


def test_a_handler_asks_and_the_steward_decides_on_the_pages(client, users, cg, rented):
    client.force_login(users["handler"])
    today = timezone.localdate()
    page = client.get(f"/data/sharing/new/?resource={rented.code}").content.decode()
    assert "Request sharing" in page and "id_number" in page
    bad = client.post(
        "/data/sharing/new/",
        {
            "resource": rented.code,
            "consumer": "D-CG",
            "purpose": "",
            "fields": ["name"],
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(),
        },
    ).content.decode()
    assert "purpose: say what the data is for" in bad and not ShareRequest.objects.exists()
    r = client.post(
        "/data/sharing/new/",
        {
            "resource": rented.code,
            "consumer": "D-CG",
            "purpose": "巡查",
            "fields": ["name", "phone"],
            "unmasked": ["phone"],
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(),
        },
    )
    req = ShareRequest.objects.get()
    assert r.status_code == 302 and req.fields == ["name", "phone"] and req.unmasked == ["phone"]
    mine = client.get("/data/sharing/").content.decode()
    assert f'data-request="{req.pk}"' in mine and "working days left" in mine
    # the handler's department provides the resource too: it is in their queue
    assert f'data-request="{req.pk}"' in client.get("/data/sharing/approvals/").content.decode()

    client.force_login(users["steward"])
    refused = client.post(
        f"/data/sharing/requests/{req.pk}/", {"action": "refuse", "reason": ""}
    ).content.decode()
    assert "say why the request is refused" in refused
    client.post(
        f"/data/sharing/requests/{req.pk}/", {"action": "approve", "fields": ["name"], "reason": "ok"}
    )
    req.refresh_from_db()
    assert req.status == "granted" and req.grant.fields == ["name"] and req.grant.unmasked == []


def test_a_request_of_another_scope_is_a_404(client, users, cg, rented, enterprises):
    req = services.request_submit(
        consumer=cg,
        resource=enterprises,
        purpose="x",
        fields=["name"],
        by=users["steward"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=3),
    )
    client.force_login(users["officer"])  # no databrain.share, not the requester
    assert client.get(f"/data/sharing/requests/{req.pk}/").status_code == 404
    assert client.get("/data/sharing/approvals/").status_code == 403
    client.force_login(users["handler"])
    assert client.get("/data/sharing/consumers/").status_code == 403
    assert client.get("/data/sharing/usage/").status_code == 403


def test_a_new_key_is_shown_once_and_only_its_digest_kept(client, users, cg):
    client.force_login(users["steward"])
    page = client.post(
        f"/data/sharing/consumers/{cg.code}/", {"action": "key", "name": "巡查终端", "days": "90"}
    )
    raw = page.content.decode().split('class="db-key"')[1].split(">", 1)[1].split("<", 1)[0]
    key = ApiKey.objects.get()
    assert keys.authenticate(raw) == key and key.digest == keys.digest(raw)
    assert raw not in client.get(f"/data/sharing/consumers/{cg.code}/").content.decode()


def test_the_usage_report_counts_by_resource_and_consumer_and_exports(client, users, cg, rented):
    keys.log_access(resource=rented, channel="page", fields=["name"], rows=7, user=users["officer"])
    keys.log_access(resource=rented, channel="page", fields=["name"], rows=3, user=users["officer"])
    client.force_login(users["steward"])
    page = client.get("/data/sharing/usage/").content.decode()
    assert 'data-testid="usage-by-resource"' in page and "101001-0003" in page
    by_resource = page.split('data-testid="usage-by-resource"')[1].split("</table>")[0]
    assert '<td class="num">2</td><td class="num">10</td>' in by_resource
    csv = b"".join(client.get("/data/sharing/usage.csv").streaming_content).decode("utf-8-sig")
    assert csv.count("101001-0003") == 2 and "officer" in csv
    assert AccessLog.objects.count() == 2  # the report itself reads no records


def test_the_resource_page_shows_its_grants_and_usage(client, users, cg, enterprises):
    services.request_submit(
        consumer=cg,
        resource=enterprises,
        purpose="x",
        fields=["name"],
        by=users["steward"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=3),
    )
    client.force_login(users["handler"])
    page = client.get("/data/resources/102-0001/").content.decode()
    section = page.split('data-testid="resource-sharing"')[1].split("</section>")[0]
    assert "城市管理局" in section and "Active" in section
    assert 'data-testid="request-link"' in page
