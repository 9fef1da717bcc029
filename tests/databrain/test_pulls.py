"""Scheduled pulls: an HTTP API (paged, with a sealed token) and a SQL query, loaded through the same
path as a file; a failing source is a refused load with its reason; the schedule."""

import json
import sqlite3
import threading
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cityops.core.errors import ValidationFailed
from cityops.databrain import datastore
from cityops.databrain.models import Load, PullSource
from cityops.databrain.pulls.schedule import next_run
from cityops.databrain.pulls.services import PullIn, pull_run, pull_source_save, pulls_due
from tests.databrain.files import rid

pytestmark = pytest.mark.django_db

PEOPLE = [
    {"id": rid(f"441900199001010{n:02d}"), "person": {"姓名": f"人{n}"}, "rooms": n} for n in range(1, 6)
]
MAPPING = {"id": "id_number", "person/姓名": "name", "rooms": "rooms"}


class Api(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if self.headers.get("X-Token") != "s3cret":
            return self._send(401, b"{}")
        if url.path == "/broken":
            return self._send(200, b'{"data": [')
        if url.path == "/fail":
            return self._send(500, b"oops")
        page, size = int(q.get("page", 1)), int(q.get("size", 100))
        body = {"result": {"records": PEOPLE[(page - 1) * size : page * size]}}
        return self._send(200, json.dumps(body, ensure_ascii=False).encode())

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def mapped(rented):
    rented.mapping = MAPPING
    rented.save(update_fields=["mapping"])
    return rented


def http_source(resource, url, **changes):
    data = PullIn(
        name="户籍接口",
        kind="http",
        url=url,
        token_header="X-Token",
        token="s3cret",
        json_path="result.records",
        paging="page",
        page_size=2,
        every_minutes=60,
    )
    for k, v in changes.items():
        setattr(data, k, v)
    return pull_source_save(resource_code=resource.code, data=data)


def test_an_http_source_is_pulled_page_by_page_and_loaded_by_its_mapping(mapped, api):
    source = http_source(mapped, f"{api}/people")
    assert source.token_sealed and "s3cret" not in source.token_sealed  # sealed
    load = pull_run(source_id=source.pk)
    assert (load.status, load.filename, load.rows_read, load.inserted) == ("done", "pull: 户籍接口", 5, 5), (
        load.errors
    )
    rows = datastore.page(mapped, list(mapped.fields.all()), filters=[], limit=10).rows
    assert [r["name"] for r in rows] == ["人1", "人2", "人3", "人4", "人5"]
    again = pull_run(source_id=source.pk)  # an unchanged source changes nothing
    assert (again.status, again.inserted, again.updated) == ("done", 0, 5)
    assert datastore.totals(mapped)[0] == 5
    source.refresh_from_db()
    assert source.last_load_id == again.pk and source.claimed_until is None


@pytest.mark.parametrize(
    ("path", "changes", "reason"),
    [
        ("/fail", {}, "HTTP 500 Internal Server Error from {api}/fail"),
        ("/people", {"token": "wrong"}, "HTTP 401 Unauthorized from {api}/people"),
        (
            "/broken",
            {"paging": "none"},
            "{api}/broken: the file is not valid JSON: Expecting value at line 1, column 11",
        ),
        ("/people", {"json_path": "data"}, "{api}/people: the JSON has no key data under the top level"),
    ],
)
def test_a_failing_source_is_a_refused_load_with_the_reason(mapped, api, path, changes, reason):
    source = http_source(mapped, f"{api}{path}", **changes)
    load = pull_run(source_id=source.pk)
    assert load.status == "refused" and load.filename == "pull: 户籍接口"
    assert load.errors[0]["message"] == reason.format(api=api)
    assert not datastore.table_exists(mapped) or datastore.totals(mapped)[0] == 0


def test_an_unreachable_source_is_refused_and_the_job_goes_on(mapped):
    source = http_source(mapped, "http://127.0.0.1:9/none")
    PullSource.objects.filter(pk=source.pk).update(next_run_at=timezone.now())
    [load] = pulls_due()
    assert load.status == "refused" and "cannot be reached" in load.errors[0]["message"]
    source.refresh_from_db()
    assert source.next_run_at > timezone.now() and source.claimed_until is None
    assert pulls_due() == []  # not due again before its hour


@pytest.fixture
def sqlite_db(tmp_path):
    path = tmp_path / "source.db"
    with sqlite3.connect(path) as db:
        db.execute("create table p (id text, name text, rooms integer)")
        db.executemany(
            "insert into p values (?, ?, ?)", [(p["id"], p["person"]["姓名"], p["rooms"]) for p in PEOPLE]
        )
    return f"sqlite:///{path}"


def test_a_sql_source_runs_its_select_read_only(rented, sqlite_db):
    rented.mapping = {"id": "id_number", "name": "name", "rooms": "rooms"}
    rented.save(update_fields=["mapping"])
    data = PullIn(
        name="库", kind="sql", db_url=sqlite_db, query="select id, name, rooms from p where rooms > 2;"
    )
    source = pull_source_save(resource_code=rented.code, data=data)
    assert "source.db" not in source.db_url_sealed
    load = pull_run(source_id=source.pk)
    assert (load.status, load.inserted) == ("done", 3), load.errors
    PullSource.objects.filter(pk=source.pk).update(query="select nope from p")
    load = pull_run(source_id=source.pk)
    assert load.status == "refused" and load.errors[0]["message"] == "the query failed: no such column: nope"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("delete from p", "only a SELECT may be run, not DELETE"),
        ("select 1; drop table p", "the query must be exactly one SELECT statement (found 2)"),
        ("", "the query must be exactly one SELECT statement (found 0)"),
    ],
)
def test_anything_but_one_select_is_refused_when_saved(rented, sqlite_db, query, message):
    with pytest.raises(ValidationFailed) as exc:
        pull_source_save(
            resource_code=rented.code, data=PullIn(name="库", kind="sql", db_url=sqlite_db, query=query)
        )
    assert {"field": "query", "message": message} in exc.value.errors
    assert not PullSource.objects.exists()


def test_the_schedule_every_n_minutes_or_daily_at_a_local_time():
    shanghai = ZoneInfo("Asia/Shanghai")
    at = datetime(2026, 3, 2, 9, 30, tzinfo=shanghai)
    assert next_run(every_minutes=90, daily_at=None, after=at) == datetime(2026, 3, 2, 11, 0, tzinfo=shanghai)
    assert next_run(every_minutes=None, daily_at=time(2, 0), after=at) == datetime(
        2026, 3, 3, 2, 0, tzinfo=shanghai
    )
    assert next_run(every_minutes=None, daily_at=time(10, 0), after=at) == datetime(
        2026, 3, 2, 10, 0, tzinfo=shanghai
    )
    assert next_run(every_minutes=None, daily_at=None, after=at) is None


def test_a_pull_claimed_by_another_run_is_not_run_twice(mapped, api):
    source = http_source(mapped, f"{api}/people")
    PullSource.objects.filter(pk=source.pk).update(claimed_until=timezone.now() + timedelta(minutes=5))
    assert pull_run(source_id=source.pk) is None
    assert not Load.objects.exists()


@pytest.mark.usefixtures("english_pages")
def test_the_pages_save_a_source_without_showing_its_token_and_pull_now(client, users, mapped, api):
    client.force_login(users["steward"])
    form = {
        "name": "接口",
        "kind": "http",
        "url": f"{api}/people",
        "headers": "X-Trace: 1",
        "token_header": "X-Token",
        "token": "s3cret",
        "format": "json",
        "json_path": "result.records",
        "paging": "page",
        "page_size": "2",
        "max_pages": "10",
        "unit": "daily",
        "daily_at": "02:30",
        "enabled": "on",
    }
    response = client.post(f"/data/resources/{mapped.code}/pulls/new/", form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    source = PullSource.objects.get()
    assert (
        source.headers == {"X-Trace": "1"} and source.daily_at == time(2, 30) and source.every_minutes is None
    )
    edit = client.get(f"/data/resources/{mapped.code}/pulls/{source.pk}/").content.decode()
    assert "s3cret" not in edit and 'data-testid="token-set"' in edit
    listing = client.get(f"/data/resources/{mapped.code}/pulls/").content.decode()
    assert "daily at 02:30" in listing and "s3cret" not in listing
    ran = client.post(f"/data/resources/{mapped.code}/pulls/{source.pk}/run/")
    load = Load.objects.get()
    assert ran.url == f"/data/loads/{load.pk}/" and load.inserted == 5
    client.post(
        f"/data/resources/{mapped.code}/pulls/{source.pk}/", form | {"token": ""}
    )  # kept when left empty
    source.refresh_from_db()
    assert source.token_sealed and pull_run(source_id=source.pk).status == "done"


@pytest.mark.usefixtures("english_pages")
def test_a_dispatcher_does_not_see_the_pull_pages(client, users, rented):
    client.force_login(users["dispatcher_v1"])
    assert client.get(f"/data/resources/{rented.code}/pulls/").status_code in (403, 404)
