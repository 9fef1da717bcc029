"""The CKAN subset driven by the real CKAN client (ckanapi) over HTTP, as a CKAN site is driven."""

import pytest

from cityops.accounts.services import token_create
from cityops.databrain import datastore
from tests.databrain.test_ckan import FIRMS, _fill

ckanapi = pytest.importorskip("ckanapi")


@pytest.fixture
def served(live_server, users, enterprises, rented):
    _fill(enterprises, FIRMS)
    datastore.ensure_table(rented, list(rented.fields.all()))
    yield live_server.url + "/ckan"
    for resource in (enterprises, rented):  # record tables are not models: the flush leaves them
        datastore.drop_table(resource)


def test_ckanapi_reads_the_catalogue_and_records(served, users):
    public = ckanapi.RemoteCKAN(served, user_agent="cityops-test")
    assert public.action.package_list() == ["102-0001"]
    with pytest.raises(ckanapi.NotFound):
        public.action.package_show(id="101001-0003")
    with pytest.raises(ckanapi.ValidationError) as refused:
        public.action.datastore_search(resource_id="102-0001", filters={"colour": "red"})
    assert refused.value.error_dict["filters"] == ["表中没有字段“colour”"]  # Chinese: the default language
    with pytest.raises(ckanapi.NotAuthorized):
        ckanapi.RemoteCKAN(served, apikey="cto_revoked").action.package_list()

    _token, raw = token_create(user=users["officer"], name="ckanapi", by=users["officer"])
    staff = ckanapi.RemoteCKAN(served, apikey=raw, user_agent="cityops-test")
    assert staff.action.package_show(id="101001-0003")["private"] is True
    out = staff.action.datastore_search(
        resource_id="102-0001", filters={"name": "华兴五金厂"}, fields=["name"]
    )
    assert out["records"] == [{"name": "华兴五金厂"}] and out["total"] == 1
    by_get = ckanapi.RemoteCKAN(served, apikey=raw, get_only=True, user_agent="cityops-test")
    found = by_get.action.package_search(q="企业", rows=5)
    assert [p["name"] for p in found["results"]] == ["102-0001"]
