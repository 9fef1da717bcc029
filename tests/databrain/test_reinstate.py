"""A withdrawn resource leaves the catalogue's lists (the staff page by default, CKAN's lists and
search for everyone, CKAN's show for all but staff, who see it as a deleted dataset), and can be
put back with a reason: listed and loadable again, the city told, its records loaded anew."""

import pytest

from cityops.audit.models import AuditRecord
from cityops.core.errors import Forbidden, ValidationFailed
from cityops.databrain.ckan.catalogue import make_id
from cityops.databrain.services import resource_reinstate, resource_withdraw
from tests.databrain.test_ckan import get, result
from tests.databrain.test_sync import people, push, receiver  # noqa: F401 - fixture
from tests.databrain.test_sync_deletions import load

pytestmark = pytest.mark.django_db


@pytest.fixture
def withdrawn(rented, enterprises, users):
    load(rented, people(3))
    resource_withdraw(code=rented.code, reason="合并到户籍人口", by=users["steward"])
    resource_withdraw(code=enterprises.code, reason="停止维护", by=users["steward"])
    rented.refresh_from_db()
    return rented


def codes(page) -> list[str]:
    return [r.code for r in page.context["page"].object_list]


def test_the_catalogue_page_lists_withdrawn_resources_only_when_asked(client, withdrawn, categories, users):
    client.force_login(users["steward"])
    url = "/data/"
    assert withdrawn.code not in codes(client.get(url))
    shown = client.get(url, {"state": "withdrawn"})
    assert withdrawn.code in codes(shown) and 'data-testid="withdrawn-badge"' in shown.content.decode()
    assert withdrawn.code in codes(client.get(url, {"state": "all"}))
    tree = client.get(url).context["tree"]
    assert sum(node["count"] for node in tree) == 0  # the counts beside the tree are of listed ones


def test_ckan_lists_no_withdrawn_dataset_and_shows_it_as_deleted_to_staff_only(client, withdrawn, users):
    package = make_id("package", withdrawn.pk)
    assert result(get(client, "package_list", include_private="true")) == []
    assert get(client, "package_show", id=withdrawn.code).status_code == 404
    client.force_login(users["officer"])
    assert result(get(client, "package_list", include_private="true")) == []
    assert result(get(client, "package_search", include_private="true"))["count"] == 0
    found = result(get(client, "package_search", include_private="true", include_deleted="true"))
    assert withdrawn.code.lower() in [p["name"] for p in found["results"]]
    shown = result(get(client, "package_show", id=package))
    assert shown["state"] == "deleted" and shown["resources"][0]["state"] == "deleted"


def test_a_withdrawn_resource_is_put_back_with_a_reason_and_the_city_receives_its_entry(
    receiver,  # noqa: F811
    withdrawn,
    users,
    client,
):
    push()
    assert withdrawn.code in receiver.withdrawn and withdrawn.code not in receiver.catalogue
    with pytest.raises(ValidationFailed, match="say why"):
        resource_reinstate(code=withdrawn.code, reason=" ", by=users["steward"])
    with pytest.raises(Forbidden):
        resource_reinstate(code=withdrawn.code, reason="恢复", by=users["handler"])
    resource_reinstate(code=withdrawn.code, reason="户籍数据另行维护，恢复本资源", by=users["steward"])
    withdrawn.refresh_from_db()
    assert withdrawn.withdrawn_at is None and withdrawn.record_count == 0  # the records stay deleted
    audit = AuditRecord.objects.get(action="databrain.resource.reinstate")
    assert audit.before["reason"] == "合并到户籍人口" and audit.after == {
        "reason": "户籍数据另行维护，恢复本资源"
    }
    with pytest.raises(ValidationFailed, match="nothing to put back"):
        resource_reinstate(code=withdrawn.code, reason="again", by=users["steward"])
    push()
    assert withdrawn.code in receiver.catalogue and withdrawn.code not in receiver.withdrawn
    done = load(withdrawn, people(2))  # loadable again
    assert done.inserted == 2
    client.force_login(users["officer"])
    assert withdrawn.code.lower() in result(get(client, "package_list", include_private="true"))


def test_the_resource_page_offers_putting_back_to_stewards(client, withdrawn, users):
    client.force_login(users["steward"])
    page = client.get(f"/data/resources/{withdrawn.code}/").content.decode()
    assert 'data-testid="reinstate"' in page and 'data-testid="withdraw"' not in page
    done = client.post(f"/data/resources/{withdrawn.code}/reinstate/", {"reason": "恢复"}, follow=True)
    assert done.status_code == 200
    withdrawn.refresh_from_db()
    assert withdrawn.withdrawn_at is None
    assert 'data-testid="withdraw"' in client.get(f"/data/resources/{withdrawn.code}/").content.decode()
