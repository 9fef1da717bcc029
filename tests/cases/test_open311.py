"""Open311 GeoReport v2: discovery, services, posting (every bad input changes nothing), queries, tokens."""

import io
import json
import re
from datetime import timedelta
from unittest import mock
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cityops.audit.models import AuditRecord
from cityops.cases.choices import Channel, Status
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.cases.models import Attachment, Case, CaseEvent, CaseReport, Open311Client, PatrolItem
from cityops.cases.open311.keys import client_authenticate, client_issue, client_revoke
from cityops.cases.public import STATUS_NOTES
from cityops.cases.services import ActionIn, case_transition
from cityops.core.errors import Forbidden
from tests.builders import grid_centre
from tests.cases.test_intake import exif_jpeg

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cases.open311_urls")]
URL = "/open311/v2/"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
METRE_LON = 1 / (111_320.0 * 0.921)  # about one metre of longitude at 22.9°N


@pytest.fixture
def key(catalogue):
    return client_issue(name="street-app", contact="dev@example.org")[1]


def fields(key, grid=1, dx=0.0, **kw) -> dict:
    lon, lat = grid_centre(grid)
    data = {
        "api_key": key,
        "service_code": "E-GARBAGE",
        "lat": f"{lat:.7f}",
        "long": f"{lon + dx:.7f}",
        "description": "垃圾堆在路边",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data, fmt="json"):
    body = data if isinstance(data, str) else urlencode(data, doseq=True)
    return client.post(
        f"{URL}requests.{fmt}", body, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )


def errors(resp) -> list[tuple[int, str]]:
    return [(e["code"], e["description"]) for e in resp.json()]


def xml(resp) -> ET.Element:
    assert resp["Content-Type"] == "text/xml; charset=utf-8"
    assert resp.content.startswith(XML_DECLARATION)
    return ET.fromstring(resp.content)


def written() -> tuple:
    return (
        Case.objects.count(),
        CaseReport.objects.count(),
        CaseEvent.objects.count(),
        Attachment.objects.count(),
        AuditRecord.objects.count(),
        list(Open311Client.objects.values_list("requests", "last_used_at")),
    )


def make_case(users, item="E-GARBAGE", grid=1, channel=Channel.RESIDENT, days_ago=0, **kw):
    lon, lat = grid_centre(grid)
    case = case_intake(
        IntakeIn(channel=channel, item_code=item, lon=lon, lat=lat, reporter=Reporter(**kw))
    ).case
    if days_ago:
        Case.objects.filter(pk=case.pk).update(reported_at=timezone.now() - timedelta(days=days_ago))
    return case


# --- discovery and services ---------------------------------------------------------------------


def test_discovery_in_json_and_xml(client, catalogue):
    resp = client.get(f"{URL}discovery.json")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/json; charset=utf-8"
    body = resp.json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2" and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert body["changeset"].endswith("+08:00")
    root = xml(client.get(f"{URL}discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == endpoint["formats"]
    assert root.findtext("endpoints/endpoint/url") == endpoint["url"]
    assert xml(client.get(URL)).tag == "discovery"


def test_service_list_holds_the_resident_reportable_items(client, catalogue):
    body = client.get(f"{URL}services.json").json()
    assert [s["service_code"] for s in body] == ["E-FIRE", "E-GARBAGE"]  # not C-MANHOLE
    garbage = body[1]
    assert garbage == {
        "service_code": "E-GARBAGE",
        "service_name": "暴露垃圾",
        "description": None,
        "metadata": True,
        "type": "realtime",
        "keywords": "暴露垃圾, 市容环境, 事件",  # the API speaks the centre's language
        "group": "市容环境",
    }
    root = xml(client.get(f"{URL}services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == ["E-FIRE", "E-GARBAGE"]
    assert root.find("service/metadata").text == "true" and root.find("service/group").text == "市容环境"
    PatrolItem.objects.filter(code="E-FIRE").update(active=False, filing_condition="堵塞消防通道")
    assert [s["service_code"] for s in client.get(f"{URL}services.json").json()] == ["E-GARBAGE"]


def test_service_definition_in_json_and_xml(client, catalogue):
    body = client.get(f"{URL}services/E-GARBAGE.json").json()
    assert body["service_code"] == "E-GARBAGE"
    assert [(a["code"], a["datatype"], a["required"], a["order"]) for a in body["attributes"]] == [
        ("severity", "singlevaluelist", False, 1),
        ("hazards", "multivaluelist", False, 2),
    ]
    assert [v["key"] for v in body["attributes"][0]["values"]] == ["minor", "serious", "dangerous"]
    root = xml(client.get(f"{URL}services/E-GARBAGE.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "E-GARBAGE"
    attr = root.find("attributes/attribute")
    assert attr.findtext("variable") == "true" and attr.findtext("required") == "false"
    assert [v.findtext("key") for v in attr.findall("values/value")] == ["minor", "serious", "dangerous"]
    PatrolItem.objects.filter(code="E-FIRE").update(urgency="urgent")
    attrs = client.get(f"{URL}services/E-FIRE.json").json()["attributes"]
    assert [(a["code"], a["required"]) for a in attrs][-1] == ("danger_now", True)


@pytest.mark.parametrize("code", ["C-MANHOLE", "NOPE"])
def test_unknown_or_staff_only_service_is_a_404(client, catalogue, code):
    resp = client.get(f"{URL}services/{code}.json")
    assert resp.status_code == 404 and errors(resp) == [(404, f"service_code {code!r} was not found")]
    root = xml(client.get(f"{URL}services/{code}.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"
    assert root.findtext("error/description") == f"service_code {code!r} was not found"


# --- posting ------------------------------------------------------------------------------------


def test_post_opens_a_case(client, key):
    data = fields(
        key,
        email="li@example.org",
        first_name="小明",
        last_name="李",
        phone="13800000001",
        device_id="dev-1",
        account_id="acc-1",
        media_url="https://photos.example.org/1.jpg",
        address_string="幸福路 3 号",
        **{"attribute[severity]": "serious"},
    )
    resp = post(client, data)
    assert resp.status_code == 200, resp.content
    (answer,) = resp.json()
    case = Case.objects.get()
    assert answer == {
        "service_request_id": case.number,
        "service_notice": f"Case {case.number} was opened.",
        "account_id": "acc-1",
    }
    assert case.channel == Channel.OPEN311 and case.grid.code == "G1" and case.address == "幸福路 3 号"
    report = case.report_set.get()
    assert (report.contact_name, report.phone, report.email) == ("小明 李", "13800000001", "li@example.org")
    assert report.external_ref == "street-app"
    assert report.attributes["open311"] == {
        "client": "street-app",
        "attributes": {"severity": "serious"},
        "media_url": "https://photos.example.org/1.jpg",
        "device_id": "dev-1",
        "account_id": "acc-1",
    }
    app = Open311Client.objects.get()
    assert app.requests == 1 and app.last_used_at is not None


def test_a_key_that_files_too_many_requests_in_an_hour_is_refused_until_the_hour_ends(client, key, settings):
    settings.CITYOPS_OPEN311_POSTS_PER_HOUR = 2
    other = client_issue(name="hotline-12345", contact="ops@example.org")[1]
    assert [post(client, fields(key)).status_code for i in range(2)] == [200, 200]
    before = written()
    resp = post(client, fields(key))
    assert resp.status_code == 429 and 0 < int(resp["Retry-After"]) <= 3600
    ((code, text),) = errors(resp)
    assert code == 429 and text.startswith("this api_key has filed 2 service requests in the last hour")
    assert written() == before  # refused before anything was read or written
    assert post(client, fields(other)).status_code == 200  # each key has its own hour
    later = timezone.now() + timedelta(hours=1)
    with mock.patch("cityops.core.ratelimit._now", return_value=later):
        assert post(client, fields(key)).status_code == 200


def test_post_answers_in_xml(client, key):
    root = xml(post(client, fields(key), fmt="xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == Case.objects.get().number
    assert root.find("request/account_id").text is None


def test_a_report_10_m_away_joins_the_open_case(client, key):
    first = post(client, fields(key)).json()[0]
    second = post(client, fields(key, dx=10 * METRE_LON, description="还在")).json()[0]
    assert second["service_request_id"] == first["service_request_id"]
    assert "already reported as case" in second["service_notice"]
    assert first["service_request_id"] in second["service_notice"]
    case = Case.objects.get()
    assert case.reports == 2 and Open311Client.objects.get().requests == 2


def test_third_party_client_form_encoding_of_arrays(client, key):
    # what `requests.post(url, data={"attribute[hazards][]": [...]})` sends, and PHP's indexed arrays
    body = urlencode(
        [
            *fields(key).items(),
            ("attribute[hazards][]", "traffic"),
            ("attribute[hazards][]", "fire"),
            ("attribute[severity]", "minor"),
        ]
    )
    assert "attribute%5Bhazards%5D%5B%5D=traffic&attribute%5Bhazards%5D%5B%5D=fire" in body
    assert post(client, body).status_code == 200
    php = urlencode([*fields(key, grid=5).items(), ("attribute[hazards][0]", "hygiene")])
    assert post(client, php).status_code == 200
    stored = [r.attributes["open311"]["attributes"] for r in CaseReport.objects.order_by("id")]
    assert stored == [{"severity": "minor", "hazards": ["traffic", "fire"]}, {"hazards": ["hygiene"]}]


def test_multipart_post_with_a_photo_publishes_it_without_where_the_phone_was(client, key):
    lon, lat = grid_centre(1)
    original = exif_jpeg(lon, lat)
    data = fields(key)
    data["media"] = _upload("p.jpg", original)
    resp = client.post(f"{URL}requests.json", data)  # multipart/form-data
    assert resp.status_code == 200, resp.content
    number = resp.json()[0]["service_request_id"]
    att = Attachment.objects.get()
    row = client.get(f"{URL}requests/{number}.json").json()[0]
    assert row["media_url"] == f"http://testserver{URL}photos/{att.pk}"
    for _ in range(2):  # made on the first request, kept for the next
        photo = client.get(row["media_url"])
        assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
        public = b"".join(photo.streaming_content)
        with Image.open(io.BytesIO(public)) as img:
            assert img.format == "JPEG" and img.size == (40, 30)
            assert not img.getexif() and "exif" not in img.info  # no position, no camera, no time
    with Image.open(io.BytesIO(original)) as img:
        assert img.getexif().get_ifd(0x8825)  # the control: the upload did carry a position
    with att.file.open("rb") as kept:
        assert kept.read() == original  # the evidence is untouched
    assert att.exif_lon == pytest.approx(lon, abs=1e-5)  # staff still see where it was taken


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_post_is_csrf_exempt(key):
    resp = post(Client(enforce_csrf_checks=True), fields(key))
    assert resp.status_code == 200


@pytest.mark.parametrize(
    ("address", "grid"),
    [("第二小学食堂门口", "G5"), ("第一小学东门", "G1"), ("村4 幸福路", None), ("网格3 旁边", "G3")],
)
def test_address_string_is_located_by_a_known_name(client, key, address, grid):
    data = fields(key, lat=None, long=None, address_string=address)
    assert post(client, data).status_code == 200
    case = Case.objects.get()
    assert case.address == address
    assert case.grid.code == grid if grid else case.village.code == "V4"
    assert "located_by" in case.report_set.get().attributes["open311"]


LONG = "长" * 4001
BAD_INPUTS = [
    ("no api_key", {"api_key": None}, 403, ["api_key is required to post a service request"]),
    ("unknown api_key", {"api_key": "o311_deadbeef_nope"}, 403, ["api_key is not valid"]),
    ("unknown service", {"service_code": "NOPE"}, 404, ["service_code 'NOPE' was not found"]),
    ("staff-only service", {"service_code": "C-MANHOLE"}, 404, ["service_code 'C-MANHOLE' was not found"]),
    ("no service_code", {"service_code": None}, 400, ["service_code is required"]),
    (
        "outside",
        {"lat": "22.5", "long": "113.5"},
        400,
        ["lat and long (22.500000, 113.500000) are outside the town"],
    ),
    ("bad lat", {"lat": "abc"}, 400, ["lat 'abc' is not a number"]),
    ("nan lat", {"lat": "nan"}, 400, ["lat 'nan' is not a number"]),
    ("lat range", {"lat": "95"}, 400, ["lat 95 is out of range (-90 to 90)"]),
    ("no long", {"long": None}, 400, ["long is required when lat is sent"]),
    (
        "unlocatable address",
        {"lat": None, "long": None, "address_string": "月球路 1 号"},
        400,
        ["address_string could not be located; send lat and long"],
    ),
    (
        "address_id",
        {"lat": None, "long": None, "address_id": "545483"},
        400,
        ["address_id is not supported; send lat and long, or address_string"],
    ),
    (
        "no location",
        {"lat": None, "long": None},
        400,
        ["a location is required: lat and long, or address_string"],
    ),
    ("long description", {"description": LONG}, 400, ["description is longer than 4000 characters"]),
    (
        "bad attribute value",
        {"attribute[severity]": "huge"},
        400,
        ["attribute[severity] 'huge' is not one of minor, serious, dangerous"],
    ),
    (
        "unknown attribute",
        {"attribute[colour]": "red"},
        400,
        ["attribute[colour] is not an attribute of service_code E-GARBAGE"],
    ),
    ("bad email", {"email": "not-an-email"}, 400, ["email 'not-an-email' is not an email address"]),
    (
        "bad media_url",
        {"media_url": "ftp://x/y.jpg"},
        400,
        ["media_url 'ftp://x/y.jpg' is not an http or https URL"],
    ),
    (
        "wrong jurisdiction",
        {"jurisdiction_id": "other.gov"},
        404,
        ["jurisdiction_id 'other.gov' was not found"],
    ),
    (
        "several problems",
        {"service_code": None, "lat": None, "long": None, "description": LONG},
        400,
        [
            "service_code is required",
            "a location is required: lat and long, or address_string",
            "description is longer than 4000 characters",
        ],
    ),
]


@pytest.mark.parametrize(
    ("name", "changes", "status", "descriptions"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS]
)
def test_every_bad_post_is_refused_and_changes_nothing(client, key, name, changes, status, descriptions):
    post(client, fields(key))  # one good report first, so that "nothing changed" is not trivially true
    before = written()
    resp = post(client, fields(key, grid=5, **changes))
    assert resp.status_code == status
    assert errors(resp) == [(status, d) for d in descriptions]
    assert written() == before


def test_revoked_key_and_missing_required_attribute(client, key):
    PatrolItem.objects.filter(code="E-FIRE").update(urgency="urgent")
    before = written()
    resp = post(client, fields(key, service_code="E-FIRE"))
    assert resp.status_code == 400
    assert errors(resp) == [(400, "attribute[danger_now] is required for service_code E-FIRE")]
    client_revoke(name="street-app")
    before = written()
    resp = post(client, fields(key, service_code="E-FIRE", **{"attribute[danger_now]": "no"}), fmt="xml")
    assert resp.status_code == 403
    root = xml(resp)
    assert root.findtext("error/code") == "403"
    assert root.findtext("error/description") == "api_key has been revoked; ask the town for a new one"
    assert written() == before


def test_a_photo_that_is_not_an_image_is_refused(client, key):
    before = written()
    data = fields(key)
    data["media"] = _upload("note.txt", b"hello")
    resp = client.post(f"{URL}requests.json", data)
    assert resp.status_code == 400
    assert errors(resp) == [(400, "media: note.txt is not a JPEG, PNG or WebP image.")]
    assert written() == before


def test_wrong_methods_and_unknown_resources(client, catalogue):
    resp = client.put(f"{URL}services.json")
    assert resp.status_code == 400 and resp["Allow"] == "GET, HEAD"
    assert errors(resp) == [(400, "PUT is not allowed here; use GET")]
    resp = client.get(f"{URL}services.html")
    assert resp.status_code == 404 and xml(resp).tag == "errors"
    resp = client.get(f"{URL}nothing.json")
    assert errors(resp) == [(404, "there is no resource 'nothing.json'; see discovery.xml for the endpoints")]


# --- reading requests ---------------------------------------------------------------------------


def numbers(resp) -> list[str]:
    assert resp.status_code == 200, resp.content
    return [r["service_request_id"] for r in resp.json()]


def test_requests_default_to_the_last_90_days_and_hide_staff_only_items(client, users, catalogue):
    recent = make_case(users, days_ago=10)
    make_case(users, grid=3, days_ago=100)
    make_case(users, item="C-MANHOLE", channel=Channel.PATROL, grid=5)
    assert numbers(client.get(f"{URL}requests.json")) == [recent.number]


def test_date_range_filters(client, users, catalogue):
    old = make_case(users, days_ago=100)
    new = make_case(users, grid=3)
    now = timezone.localtime()
    start = (now - timedelta(days=120)).isoformat()
    end = (now - timedelta(days=60)).isoformat()
    assert numbers(client.get(f"{URL}requests.json", {"start_date": start, "end_date": end})) == [old.number]
    assert numbers(client.get(f"{URL}requests.json", {"start_date": start})) == [old.number]
    assert numbers(client.get(f"{URL}requests.json", {"end_date": now.date().isoformat()})) == [new.number]
    # an unencoded "+" of the offset arrives as a space
    raw = f"start_date={start}&end_date={end}"
    assert numbers(client.get(f"{URL}requests.json?{raw}")) == [old.number]
    resp = client.get(
        f"{URL}requests.json", {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-04-02T00:00:00Z"}
    )
    assert resp.status_code == 400
    assert errors(resp) == [(400, "start_date and end_date may be at most 90 days apart")]
    resp = client.get(f"{URL}requests.json", {"start_date": "yesterday"})
    assert errors(resp) == [
        (400, "start_date 'yesterday' is not an ISO 8601 date and time, e.g. 2025-03-01T00:00:00+08:00")
    ]
    resp = client.get(f"{URL}requests.json", {"start_date": "2025-02-01", "end_date": "2025-01-01"})
    assert errors(resp) == [(400, "end_date is before start_date")]


def test_status_and_service_code_filters(client, users, catalogue):
    open_case = make_case(users)
    closed = make_case(users, grid=3)
    cancelled = make_case(users, item="E-FIRE", grid=5)
    Case.objects.filter(pk=closed.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    Case.objects.filter(pk=cancelled.pk).update(status=Status.CANCELLED, cancel_reason="不属实")
    url = f"{URL}requests.json"
    assert numbers(client.get(url, {"status": "open"})) == [open_case.number]
    assert set(numbers(client.get(url, {"status": "closed"}))) == {closed.number, cancelled.number}
    assert len(numbers(client.get(url, {"status": "open,closed"}))) == 3
    assert numbers(client.get(url, {"service_code": "E-FIRE"})) == [cancelled.number]
    assert len(numbers(client.get(url, {"service_code": "E-FIRE,E-GARBAGE"}))) == 3
    assert numbers(client.get(url, {"service_code": "E-GARBAGE", "status": "closed"})) == [closed.number]
    rows = {r["service_request_id"]: r for r in client.get(url).json()}
    assert rows[cancelled.number]["status"] == "closed"
    assert rows[cancelled.number]["status_notes"] == str(STATUS_NOTES[Status.CANCELLED])
    assert "不属实" not in client.get(url).content.decode()
    assert rows[open_case.number]["status"] == "open"
    assert errors(client.get(url, {"status": "pending"})) == [
        (400, "status 'pending' is not one of open, closed")
    ]


def test_service_request_ids_override_the_other_filters(client, users, catalogue):
    old = make_case(users, days_ago=200)
    new = make_case(users, grid=3)
    got = numbers(
        client.get(
            f"{URL}requests.json", {"service_request_id": f"{old.number},{new.number}", "status": "closed"}
        )
    )
    assert got == [new.number, old.number]


def test_paging(client, users, catalogue):
    cases = [make_case(users, grid=g, days_ago=g) for g in (1, 3, 5)]
    url = f"{URL}requests.json"
    assert numbers(client.get(url, {"page_size": 2})) == [cases[0].number, cases[1].number]
    assert numbers(client.get(url, {"page_size": 2, "page": 2})) == [cases[2].number]
    assert numbers(client.get(url, {"page_size": 2, "page": 3})) == []
    assert errors(client.get(url, {"page_size": 1001})) == [
        (400, "page_size '1001' is not a whole number from 1 to 1000")
    ]
    assert errors(client.get(url, {"page": "0"})) == [
        (400, "page '0' is not a whole number from 1 to 1000000")
    ]


def test_a_request_in_json_and_xml_without_personal_data(client, users, catalogue):
    case = make_case(users, name="王五", phone="13912345678", email="wang@example.org")
    row = client.get(f"{URL}requests/{case.number}.json").json()[0]
    assert list(row) == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert row["requested_datetime"] == timezone.localtime(case.reported_at).isoformat(timespec="seconds")
    assert row["requested_datetime"].endswith("+08:00") and row["agency_responsible"] == "城市管理局"
    assert (row["lat"], row["long"]) == (case.lat, case.lon) and row["address"] == "网格1, 村1"
    for fmt in ("json", "xml"):
        text = client.get(f"{URL}requests.{fmt}", {"extensions": "true"}).content.decode()
        assert "王五" not in text and "13912345678" not in text and "wang@example.org" not in text
    Case.objects.filter(pk=case.pk).update(description="a\x01b <&> 垃圾")
    root = xml(client.get(f"{URL}requests/{case.number}.xml"))
    assert root.findtext("request/description") == "ab <&> 垃圾"
    assert root.tag == "service_requests" and root.findtext("request/service_request_id") == case.number
    assert root.findtext("request/status") == "open" and root.findtext("request/long") == repr(case.lon)
    resp = client.get(f"{URL}requests/999.json")
    assert resp.status_code == 404 and errors(resp) == [(404, "service_request_id '999' was not found")]
    staff_only = make_case(users, item="C-MANHOLE", channel=Channel.PATROL, grid=5)
    assert client.get(f"{URL}requests/{staff_only.number}.json").status_code == 404


def test_extensions_add_extended_attributes_and_notes(client, users, catalogue):
    case = make_case(users)
    make_case(users)  # a duplicate report joins it
    by = users["dispatcher_v1"]
    case_transition(case_id=case.pk, by=by, data=ActionIn(action="send_to_verify", note="内部备注"))
    plain = client.get(f"{URL}requests/{case.number}.json").json()[0]
    assert "notes" not in plain and "extended_attributes" not in plain
    row = client.get(f"{URL}requests/{case.number}.json", {"extensions": "true"}).json()[0]
    ext = row["extended_attributes"]
    assert (ext["channel"], ext["status"], ext["grid"], ext["village"], ext["reports"]) == (
        "resident",
        "verifying",
        "G1",
        "V1",
        2,
    )
    assert ext["status_label"] == str(Status.VERIFYING.label) and ext["photos"] == []
    assert [n["type"] for n in row["notes"]] == ["report", "duplicate_report", "send_to_verify"]
    assert all(n["datetime"].endswith("+08:00") for n in row["notes"])
    assert "内部备注" not in str(row)  # staff notes stay inside
    assert row["updated_datetime"] == row["notes"][-1]["datetime"]
    root = xml(client.get(f"{URL}requests.xml", {"extensions": "true"}))
    assert [n.findtext("type") for n in root.findall("request/notes/note")] == [
        "report",
        "duplicate_report",
        "send_to_verify",
    ]
    assert root.findtext("request/extended_attributes/grid") == "G1"


def test_listing_takes_the_same_queries_for_one_or_many_cases(client, users, catalogue):
    make_case(users)
    url = f"{URL}requests.json?extensions=true"
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for g in (3, 5, 7):
        make_case(users, grid=g)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).json()) == 4
    assert len(one.captured_queries) <= 5 and len(many.captured_queries) == len(one.captured_queries)


def test_token_gives_the_service_request_id(client, key):
    number = post(client, fields(key)).json()[0]["service_request_id"]
    token = CaseReport.objects.get().token
    assert client.get(f"{URL}tokens/{token}.json").json() == [{"service_request_id": number, "token": token}]
    root = xml(client.get(f"{URL}tokens/{token}.xml"))
    assert root.findtext("request/service_request_id") == number and root.findtext("request/token") == token
    resp = client.get(f"{URL}tokens/nope.json")
    assert resp.status_code == 404 and errors(resp) == [(404, "token 'nope' was not found")]


def test_jurisdiction_id(client, key):
    assert client.get(f"{URL}services.json", {"jurisdiction_id": "T"}).status_code == 200
    for path in ("services.json", "requests.json", "discovery.json", "services/E-GARBAGE.json"):
        resp = client.get(f"{URL}{path}", {"jurisdiction_id": "sfgov.org"})
        assert resp.status_code == 404 and errors(resp) == [
            (404, "jurisdiction_id 'sfgov.org' was not found")
        ]
    root = xml(client.get(f"{URL}services.xml", {"jurisdiction_id": "sfgov.org"}))
    assert root.findtext("error/description") == "jurisdiction_id 'sfgov.org' was not found"
    assert post(client, fields(key, jurisdiction_id="T")).status_code == 200


# --- api keys -----------------------------------------------------------------------------------


def test_cli_issues_lists_and_revokes_keys(catalogue, capsys):
    call_command("open311-key", "issue", "partner", "--contact", "ops@partner.example")
    raw = capsys.readouterr().out.strip()
    assert re.fullmatch(r"o311_[0-9a-f]{8}_[\w-]{43}", raw)
    app = Open311Client.objects.get(name="partner")
    assert app.contact == "ops@partner.example" and raw not in (app.digest, app.prefix)
    assert client_authenticate(raw) == app
    call_command("open311-key", "list")
    assert re.search(r"partner\s+[0-9a-f]{8}\s+active\s+0", capsys.readouterr().out)
    with pytest.raises(CommandError, match="already an Open311 client named 'partner'"):
        call_command("open311-key", "issue", "partner")
    call_command("open311-key", "revoke", "partner")
    with pytest.raises(Forbidden, match="revoked"):
        client_authenticate(raw)
    call_command("open311-key", "reissue", "partner")
    assert client_authenticate(capsys.readouterr().out.strip().splitlines()[-1]) == app
    with pytest.raises(CommandError, match="no Open311 client named 'ghost'"):
        call_command("open311-key", "revoke", "ghost")
    actions = list(
        AuditRecord.objects.filter(object_type="cases.open311client")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "cases.open311client.issue",
        "cases.open311client.revoke",
        "cases.open311client.reissue",
    ]


def test_admin_shows_a_new_key_once_and_revokes(client, catalogue):
    client.force_login(catalogue["admin"])
    resp = client.post(reverse("admin:cases_open311client_add"), {"name": "kiosk", "contact": "x"})
    assert resp.status_code == 200 and "no-store" in resp["Cache-Control"]
    raw = re.search(r"o311_[0-9a-f]{8}_[\w-]{43}", resp.content.decode()).group(0)
    app = Open311Client.objects.get(name="kiosk")
    assert client_authenticate(raw) == app
    page = client.get(reverse("admin:cases_open311client_change", args=[app.pk])).content.decode()
    assert raw not in page and app.digest not in page
    changelist = reverse("admin:cases_open311client_changelist")
    client.post(changelist, {"action": "revoke_keys", "_selected_action": [app.pk]})
    app.refresh_from_db()
    assert not app.active
    resp = client.post(changelist, {"action": "reissue_keys", "_selected_action": [app.pk]})
    fresh = re.search(r"o311_[0-9a-f]{8}_[\w-]{43}", resp.content.decode()).group(0)
    assert fresh != raw and client_authenticate(fresh) == app


# --- what is published: never a staff note ------------------------------------------------------

SECRET_NOTE = "INTERNAL ONLY: reporter 王五 13812345678 calls every week"


def test_internal_notes_reach_no_public_surface(client, users, catalogue):
    """A dispatcher's notes stay inside: Open311 list, detail (with extensions, JSON and XML), the
    residents' tracking page and the departments' webhooks carry fixed texts instead."""
    from cityops.cases.models import DepartmentWebhook, WebhookDelivery

    DepartmentWebhook.objects.create(
        department=PatrolItem.objects.get(code="E-GARBAGE").department, url="http://127.0.0.1:1/", secret="s"
    )
    case = make_case(users, name="王五", phone="13812345678")
    case_transition(
        case_id=case.pk, by=users["dispatcher_v1"], data=ActionIn(action="comment", note=SECRET_NOTE)
    )
    case_transition(
        case_id=case.pk, by=users["dispatcher_v1"], data=ActionIn(action="cancel", note=SECRET_NOTE)
    )
    texts = []
    for fmt in ("json", "xml"):
        for ext in ("false", "true"):
            texts.append(
                client.get(f"{URL}requests/{case.number}.{fmt}", {"extensions": ext}).content.decode()
            )
            texts.append(client.get(f"{URL}requests.{fmt}", {"extensions": ext}).content.decode())
    report = CaseReport.objects.get(case=case)
    texts.append(
        client.post("/report/track/", {"number": case.number, "code": report.token}).content.decode()
    )
    texts += [json.dumps(d.payload, ensure_ascii=False) for d in WebhookDelivery.objects.all()]
    assert WebhookDelivery.objects.filter(event__action="cancel").exists()
    for text in texts:
        assert "INTERNAL" not in text and "13812345678" not in text and "王五" not in text
    row = client.get(f"{URL}requests/{case.number}.json").json()[0]
    assert row["status"] == "closed" and row["status_notes"] == str(STATUS_NOTES[Status.CANCELLED])


def test_every_status_has_a_public_text():
    assert set(STATUS_NOTES) == set(Status)


def test_only_descriptions_written_by_the_public_are_published(client, users, catalogue):
    from cityops.cases.public import description

    resident = make_case(users)
    Case.objects.filter(pk=resident.pk).update(description="路边垃圾")
    hotline = make_case(users, grid=3, channel=Channel.HOTLINE)
    Case.objects.filter(pk=hotline.pk).update(description="来电人张三 13700000000 称")
    assert client.get(f"{URL}requests/{resident.number}.json").json()[0]["description"] == "路边垃圾"
    assert client.get(f"{URL}requests/{hotline.number}.json").json()[0]["description"] is None
    assert description(Case.objects.get(pk=hotline.pk)) is None


@pytest.mark.parametrize("name", ["start_date", "end_date"])
@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01",
        "9999-12-31",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59+14:00",
        "0001-01-01T00:00:00-14:00",
        "1969-12-31T23:59:59Z",
    ],
)
def test_dates_beyond_the_calendar_are_400_naming_the_parameter(client, catalogue, name, value):
    resp = client.get(f"{URL}requests.json", {name: value})
    assert resp.status_code == 400
    ((status, description),) = errors(resp)
    assert description.startswith(f"{name} ") and "outside the years 1970–2199" in description


@pytest.mark.parametrize("name", ["page", "page_size"])
def test_huge_page_numbers_are_400(client, catalogue, name):
    resp = client.get(f"{URL}requests.json", {name: "99999999999999999999"})
    assert resp.status_code == 400 and errors(resp)[0][1].startswith(f"{name} '99999999999999999999' is not")


def test_an_id_too_long_for_the_database_is_a_404(client, catalogue):
    resp = client.get(f"{URL}photos/99999999999999999999")
    assert resp.status_code == 404
