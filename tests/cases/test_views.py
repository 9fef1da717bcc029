"""The pages of grid governance: who may open them, scope, actions through the forms, export, photos,
the residents' report and tracking pages and their rate limit."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from cityops.cases.choices import Channel, Status
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.cases.models import Case, CaseEvent, CaseReport, Notification
from cityops.core.models import RateCounter
from tests.builders import grid_centre
from tests.cases.conftest import jpeg
from tests.cases.test_lifecycle import act, report

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def as_user(client, users, who):
    client.force_login(users[who])
    return client


def upload(name="p.jpg", data=None):
    return SimpleUploadedFile(name, data or jpeg(), content_type="image/jpeg")


def spread(users, n, grid=1, item="E-GARBAGE"):
    """n patrol reports in one grid, each farther than the duplicate radius from the others."""
    results = []
    lon, lat = grid_centre(grid)
    for i in range(n):
        dx, dy = (i % 8 - 4) * 0.0011, (i // 8 - 4) * 0.0011
        data = IntakeIn(
            channel=Channel.PATROL,
            item_code=item,
            lon=lon + dx,
            lat=lat + dy,
            reporter=Reporter(user=users["inspector_g1"]),
        )
        results.append(case_intake(data, by=users["inspector_g1"]))
    return results


@pytest.fixture
def two_villages(catalogue):
    """A case in grid G1 (village V1) and one in grid G7 (village V4)."""
    users = catalogue
    return users, report(users).case, report(users, grid=7, by=None, channel=Channel.HOTLINE).case


# ---- who may open which page ------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, url, status",
    [
        ("dispatcher_v1", "/cases/", 200),
        ("officer", "/cases/", 200),
        ("area_dispatcher", "/cases/map/", 200),
        ("officer", "/cases/inbox/", 200),
        ("inspector_g1", "/cases/m/", 200),
        ("inspector_g1", "/cases/m/tasks/", 200),
        ("inspector_g1", "/cases/m/patrol/", 200),
        ("handler", "/cases/dept/", 200),
        ("resident", "/cases/", 403),
        ("resident", "/cases/inbox/", 200),  # the steps of their own applications
        ("steward", "/cases/", 403),
        ("steward", "/cases/map/points.json", 403),
        ("handler", "/cases/m/", 403),
        ("dispatcher_v1", "/cases/dept/", 403),
    ],
)
def test_pages_open_for_their_roles_only(client, catalogue, who, url, status):
    resp = as_user(client, catalogue, who).get(url)
    assert resp.status_code == status


def test_staff_pages_need_a_sign_in_and_resident_pages_do_not(client, catalogue):
    for url in ("/cases/", "/cases/m/", "/cases/dept/", "/cases/inbox/", "/cases/map/"):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")
    for url in ("/report/", "/report/track/", "/report/grids.json", "/report/items/"):
        assert client.get(url).status_code == 200


def test_the_navigation_follows_the_role(client, catalogue):
    page = as_user(client, catalogue, "dispatcher_v1").get("/cases/").content.decode()
    assert 'href="/cases/"' in page and 'href="/cases/map/"' in page and 'href="/cases/inbox/"' in page
    page = as_user(client, catalogue, "inspector_g1").get("/cases/m/").content.decode()
    assert 'href="/cases/m/tasks/"' in page and 'href="/cases/dept/"' not in page
    page = as_user(client, catalogue, "handler").get("/cases/dept/").content.decode()
    assert 'href="/cases/dept/"' in page and 'href="/cases/"' not in page


# ---- the workbench ------------------------------------------------------------------------------


def test_the_workbench_lists_only_the_cases_in_scope(client, two_villages):
    users, v1_case, v4_case = two_villages
    page = as_user(client, users, "dispatcher_v1").get("/cases/").content.decode()
    assert v1_case.number in page and v4_case.number not in page
    page = as_user(client, users, "dispatcher_v4").get("/cases/").content.decode()
    assert v4_case.number in page and v1_case.number not in page
    page = as_user(client, users, "officer").get("/cases/").content.decode()
    assert v1_case.number in page and v4_case.number in page
    assert "待受理" in page and "案件工作台" in page


def test_tabs_count_and_switch_as_partials(client, catalogue):
    users = catalogue
    a, b, c = (r.case for r in spread(users, 3))
    act(users, b, "dispatcher_v1", "register")
    act(users, c, "dispatcher_v1", "register")
    as_user(client, users, "dispatcher_v1")
    resp = client.get("/cases/?tab=dispatch", HTTP_HX_TARGET="workbench-list", **HTMX)
    body = resp.content.decode()
    assert resp.status_code == 200 and "<html" not in body
    assert b.number in body and c.number in body and a.number not in body
    assert 'data-tab="intake"' in body and 'data-tab="dispatch"' in body
    tabs = dict(_tab_counts(body))
    assert tabs["intake"] == 1 and tabs["dispatch"] == 2 and tabs["all"] == 3


def _tab_counts(html):
    for m in re.finditer(r'data-tab="(\w+)"[^>]*>[^<]*<span class="tab-count">(\d+)</span>', html):
        yield m.group(1), int(m.group(2))


def test_filters_by_colour_item_grid_and_supervision(client, catalogue):
    users = catalogue
    garbage = report(users).case
    manhole = report(users, item="C-MANHOLE", grid=2).case
    Case.objects.filter(pk=garbage.pk).update(step_deadline=timezone.now() - timedelta(minutes=5))
    as_user(client, users, "dispatcher_v1")

    def numbers(query):
        page = client.get(f"/cases/?tab=all&{query}").content.decode()
        return {n for n in (garbage.number, manhole.number) if f'data-case="{n}"' in page}

    assert numbers("colour=red") == {garbage.number}
    assert numbers("colour=green") == {manhole.number}
    assert numbers("item=C-MANHOLE") == {manhole.number}
    assert numbers("item=垃圾") == {garbage.number}
    assert numbers("grid=G2") == {manhole.number}
    assert numbers("supervised=1") == set()
    assert numbers("channel=patrol") == {garbage.number, manhole.number}


def test_the_workbench_pages_by_fifty(client, catalogue):
    users = catalogue
    spread(users, 53)
    as_user(client, users, "dispatcher_v1")
    first = client.get("/cases/").content.decode()
    assert first.count('<tr data-case="') == 50 and "共 53 件" in first and "第 1 / 2 页" in first
    assert 'href="/cases/?page=2"' in first
    second = client.get("/cases/?page=2").content.decode()
    assert second.count('<tr data-case="') == 3


def test_the_workbench_queries_do_not_grow_with_the_rows(client, catalogue, django_assert_max_num_queries):
    users = catalogue
    spread(users, 30)
    as_user(client, users, "dispatcher_v1")
    client.get("/cases/")  # warm the calendar and the session
    with django_assert_max_num_queries(13):
        assert client.get("/cases/").status_code == 200


def test_export_downloads_the_filtered_list(client, two_villages):
    users, v1_case, v4_case = two_villages
    as_user(client, users, "officer")
    resp = client.get("/cases/export/?tab=all&format=xlsx")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="cases-all-' in resp["Content-Disposition"]
    rows = list(
        load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active.iter_rows(values_only=True)
    )
    assert rows[0][0] == "案件编号" and {r[0] for r in rows[1:]} == {v1_case.number, v4_case.number}

    resp = client.get("/cases/export/?tab=all&grid=G7&format=csv")
    text = b"".join(resp.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r[0] for r in lines[1:]] == [v4_case.number] and lines[1][3] == "12345 热线"

    as_user(client, users, "dispatcher_v1")
    text = b"".join(client.get("/cases/export/?tab=all&format=csv").streaming_content).decode()
    assert v1_case.number in text and v4_case.number not in text


def test_bulk_register_reports_each_case(client, catalogue):
    users = catalogue
    a, b, c = (r.case for r in spread(users, 3))
    act(users, c, "dispatcher_v1", "register")  # someone was quicker: the page's version is stale
    hotline = report(users, grid=2, by=None, channel=Channel.HOTLINE).case
    as_user(client, users, "dispatcher_v1")
    resp = client.post(
        "/cases/bulk/",
        {
            "action": "register",
            "cases": [
                f"{a.number}:{a.version}",
                f"{b.number}:{b.version}",
                f"{c.number}:1",
                f"{hotline.number}:1",
            ],
            "back": "tab=intake",
        },
        **HTMX,
    )
    body = resp.content.decode()
    assert resp.status_code == 200
    assert Case.objects.get(pk=a.pk).status == Status.REGISTERED == Case.objects.get(pk=b.pk).status
    assert body.count('class="is-ok"') == 2 and body.count('class="is-failed"') == 2
    assert f"案件 {c.number} 已被他人处理" in body
    assert "群众或热线上报的案件须先经现场核实，才能立案。" in body
    assert Case.objects.get(pk=hotline.pk).status == Status.REPORTED


def test_bulk_dispatch_goes_to_the_routed_department(client, catalogue):
    users = catalogue
    cases = [r.case for r in spread(users, 2)]
    for case in cases:
        act(users, case, "dispatcher_v1", "register")
    as_user(client, users, "dispatcher_v1")
    values = [f"{c.number}:{Case.objects.get(pk=c.pk).version}" for c in cases]
    resp = client.post("/cases/bulk/", {"action": "dispatch", "cases": values, "back": "tab=dispatch"})
    assert resp.status_code == 200
    for case in cases:
        case.refresh_from_db()
        assert case.status == Status.DISPATCHED and case.department.code == "D-CG"


def test_bulk_cannot_reach_a_case_out_of_scope(client, two_villages):
    users, v1_case, v4_case = two_villages
    as_user(client, users, "dispatcher_v1")
    body = client.post(
        "/cases/bulk/", {"action": "register", "cases": [f"{v4_case.number}:1"]}
    ).content.decode()
    assert "您的管辖范围内没有该案件。" in body
    assert Case.objects.get(pk=v4_case.pk).status == Status.REPORTED


# ---- one case: detail, actions, photos --------------------------------------------------------


def test_the_detail_page_shows_the_case_and_only_the_allowed_actions(client, two_villages):
    users, v1_case, v4_case = two_villages
    as_user(client, users, "dispatcher_v1")
    resp = client.get(f"/cases/{v1_case.number}/")
    page = resp.content.decode()
    assert resp.status_code == 200
    assert "暴露垃圾" in page and "网格1 · 村1 · 片区1" in page and "城市管理局" in page
    assert 'data-action="register"' in page and 'data-action="cancel"' in page
    assert 'data-action="dispose"' not in page and 'data-action="supervise"' not in page
    assert "/api/v1/geo/grids/G1" in page and 'name="version" value="1"' in page
    assert client.get(f"/cases/{v4_case.number}/").status_code == 404
    assert client.get("/cases/20990000001/").status_code == 404
    page = as_user(client, users, "area_dispatcher").get(f"/cases/{v1_case.number}/").content.decode()
    assert 'data-action="supervise"' in page


def test_an_action_through_the_page_rerenders_the_detail(client, catalogue):
    users = catalogue
    case = report(users).case
    as_user(client, users, "dispatcher_v1")
    resp = client.post(
        f"/cases/{case.number}/act/", {"action": "register", "version": 1, "mode": "page"}, **HTMX
    )
    assert resp.status_code == 200 and resp["HX-Trigger"] == "case-changed"
    body = resp.content.decode()
    assert "<html" not in body and "已完成：立案" in body and 'data-status="registered"' in body
    assert 'data-action="dispatch"' in body
    resp = client.post(
        f"/cases/{case.number}/act/",
        {"action": "dispatch", "department": "D-XF", "note": "转消防", "version": 2, "mode": "page"},
    )
    assert resp.status_code == 302 and resp["Location"] == f"/cases/{case.number}/?done=dispatch"
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.department.code == "D-XF"
    assert "已完成：派遣" in client.get(resp["Location"]).content.decode()


def test_field_errors_are_shown_in_the_form_and_nothing_changes(client, catalogue):
    users = catalogue
    case = report(users).case
    as_user(client, users, "dispatcher_v1")
    resp = client.post(f"/cases/{case.number}/act/", {"action": "cancel", "version": 1}, **HTMX)
    body = resp.content.decode()
    assert resp.status_code == 422
    assert "请修改标出的内容。" in body and "请填写说明。" in body
    assert (
        '<details class="action action-danger" name="actions-' in body and 'data-action="cancel" open' in body
    )
    case.refresh_from_db()
    assert case.status == Status.REPORTED and case.version == 1
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_a_stale_page_gets_the_conflict_message(client, catalogue):
    users = catalogue
    case = report(users).case
    act(users, case, "officer", "register")  # another dispatcher acted meanwhile
    as_user(client, users, "dispatcher_v1")
    resp = client.post(
        f"/cases/{case.number}/act/", {"action": "cancel", "note": "重复", "version": 1}, **HTMX
    )
    body = resp.content.decode()
    assert resp.status_code == 409
    assert f"案件 {case.number} 已被他人处理，当前状态为“已立案”。请刷新页面后重试。" in body
    assert Case.objects.get(pk=case.pk).status == Status.REGISTERED


def test_an_action_the_state_does_not_allow_is_a_conflict(client, catalogue):
    users = catalogue
    case = report(users, by=None, channel=Channel.RESIDENT).case
    as_user(client, users, "dispatcher_v1")
    resp = client.post(f"/cases/{case.number}/act/", {"action": "register"}, **HTMX)
    assert resp.status_code == 409
    assert "群众或热线上报的案件须先经现场核实，才能立案。" in resp.content.decode()
    resp = client.post(f"/cases/{case.number}/act/", {"action": "accept"}, **HTMX)
    assert resp.status_code == 403 and "您的角色无权执行此操作。" in resp.content.decode()


def test_actions_on_a_hidden_case_are_404(client, two_villages):
    users, v1_case, v4_case = two_villages
    as_user(client, users, "dispatcher_v1")
    resp = client.post(f"/cases/{v4_case.number}/act/", {"action": "send_to_verify"}, **HTMX)
    assert resp.status_code == 404
    assert Case.objects.get(pk=v4_case.pk).status == Status.REPORTED


def test_the_handler_disposes_with_a_photo_and_the_inspector_closes_from_the_phone(client, catalogue):
    users = catalogue
    case = report(users).case
    for who, action in (("dispatcher_v1", "register"), ("dispatcher_v1", "dispatch"), ("handler", "accept")):
        case = act(users, case, who, action)
    as_user(client, users, "handler")
    resp = client.post(
        f"/cases/{case.number}/act/", {"action": "dispose", "note": "已清理", "mode": "panel"}, **HTMX
    )
    assert resp.status_code == 422 and "请至少上传一张照片。" in resp.content.decode()
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    resp = client.post(
        f"/cases/{case.number}/act/", {"action": "dispose", "note": "已清理", "photos": [bad]}, **HTMX
    )
    assert resp.status_code == 422 and "x.jpg 不是 JPEG、PNG 或 WebP 格式的图片。" in resp.content.decode()
    resp = client.post(
        f"/cases/{case.number}/act/",
        {"action": "dispose", "note": "已清理", "photos": [upload()], "mode": "panel"},
        **HTMX,
    )
    assert resp.status_code == 200 and 'id="case-map"' not in resp.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.DISPOSED

    as_user(client, users, "inspector_g1")
    tasks = client.get("/cases/m/tasks/").content.decode()
    assert f'id="task-{case.number}"' in tasks and 'data-action="recheck_pass"' in tasks
    resp = client.post(
        f"/cases/{case.number}/act/", {"action": "recheck_pass", "note": "干净了", "mode": "task"}, **HTMX
    )
    body = resp.content.decode()
    assert resp.status_code == 200 and body.startswith("\n<article") and "已结案" in body
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    assert f'id="task-{case.number}"' not in client.get("/cases/m/tasks/").content.decode()


def test_photos_are_served_only_inside_the_scope(client, catalogue):
    users = catalogue
    lon, lat = grid_centre(1)
    as_user(client, users, "inspector_g1")
    resp = client.post(
        "/cases/m/",
        {"item": "E-GARBAGE", "lon": lon, "lat": lat, "photos": [upload()]},
        **HTMX,
    )
    assert resp.status_code == 201
    case = Case.objects.get()
    att = case.attachments.get()
    for who in ("inspector_g1", "dispatcher_v1", "officer", "handler"):
        as_user(client, users, who)
        full = client.get(f"/cases/{case.number}/photos/{att.pk}/")
        assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
        assert b"".join(full.streaming_content) == jpeg()
        thumb = client.get(f"/cases/{case.number}/photos/{att.pk}/thumb/")
        assert thumb.status_code == 200 and "private" in thumb["Cache-Control"]
    as_user(client, users, "dispatcher_v4")
    assert client.get(f"/cases/{case.number}/photos/{att.pk}/").status_code == 404
    assert client.get(f"/cases/{case.number}/photos/{att.pk}/thumb/").status_code == 404
    other = report(users, grid=2).case
    as_user(client, users, "dispatcher_v1")
    assert client.get(f"/cases/{other.number}/photos/{att.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/cases/{case.number}/photos/{att.pk}/").status_code == 302


# ---- the inspector's phone page ---------------------------------------------------------------


def test_the_inspector_reports_from_the_phone(client, catalogue):
    users = catalogue
    as_user(client, users, "inspector_g1")
    page = client.get("/cases/m/").content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page and "上报案件" in page
    choices = client.get("/cases/items/?q=井盖").content.decode()
    assert 'value="C-MANHOLE"' in choices and 'value="E-FIRE"' not in choices
    kept = client.get("/cases/items/?q=消防&item=C-MANHOLE").content.decode()
    assert kept.index('value="C-MANHOLE" checked') < kept.index('value="E-FIRE"')

    lon, lat = grid_centre(1)
    data = {"item": "C-MANHOLE", "lon": lon, "lat": lat, "description": "井盖缺失", "photos": [upload()]}
    resp = client.post("/cases/m/", data, **HTMX)
    body = resp.content.decode()
    assert resp.status_code == 201 and "上报成功" in body
    case = Case.objects.get()
    assert (
        case.channel == Channel.PATROL
        and case.reporter == users["inspector_g1"]
        and case.item.code == "C-MANHOLE"
    )
    assert f'data-number="{case.number}"' in body
    again = client.post("/cases/m/", {**data, "photos": []}, **HTMX)
    assert again.status_code == 200 and "该问题已有人上报" in again.content.decode()


def test_a_phone_report_without_a_place_names_the_field(client, catalogue):
    users = catalogue
    as_user(client, users, "inspector_g1")
    resp = client.post("/cases/m/", {"item": "E-GARBAGE", "description": "x"}, **HTMX)
    body = resp.content.decode()
    assert resp.status_code == 422 and resp["HX-Retarget"] == "#report-errors"
    assert '<div id="err-location" class="field-error-slot" hx-swap-oob="true">' in body
    assert "请提供位置：允许获取 GPS 定位，或在地图上点选。" in body
    resp = client.post("/cases/m/", {"item": "E-GARBAGE", "lon": 114.5, "lat": 23.5}, **HTMX)
    assert resp.status_code == 422 and "该位置不在本镇范围内" in resp.content.decode()
    resp = client.post("/cases/m/", {"lon": 113.805, "lat": 22.89})
    assert resp.status_code == 422 and "请从列表中选择问题类型。" in resp.content.decode()
    assert Case.objects.count() == 0


def test_the_patrol_page_waits_for_the_patrol_api(client, catalogue, monkeypatch):
    from cityops.cases.views import phone as views_phone

    as_user(client, catalogue, "inspector_g1")
    monkeypatch.setattr(views_phone, "patrol_api_ready", lambda: False)
    assert "巡查签到功能即将上线" in client.get("/cases/m/patrol/").content.decode()
    monkeypatch.setattr(views_phone, "patrol_api_ready", lambda: True)
    page = client.get("/cases/m/patrol/").content.decode()
    assert 'id="patrol-in"' in page and 'data-api="/api/v1/patrols/sessions"' in page
    assert 'data-interval="30000"' in page


# ---- the department page, the case map and the inbox ------------------------------------------


def test_the_department_page_lists_the_handlers_cases(client, catalogue):
    users = catalogue
    mine = report(users).case
    fire = report(users, item="E-FIRE", grid=2).case
    for case in (mine, fire):
        act(users, case, "dispatcher_v1", "register")
        act(users, case, "dispatcher_v1", "dispatch")
    as_user(client, users, "handler")
    page = client.get("/cases/dept/").content.decode()
    assert f'data-case="{mine.number}"' in page and f'data-case="{fire.number}"' not in page
    assert "待接收" in page
    panel = client.get(f"/cases/{mine.number}/?panel=1", **HTMX).content.decode()
    assert "<html" not in panel and 'data-action="accept"' in panel and 'data-action="return"' in panel
    assert 'data-action="request_extension"' in panel
    assert client.get(f"/cases/{fire.number}/?panel=1", **HTMX).status_code == 404
    page = client.get(f"/cases/dept/?case={mine.number}").content.decode()
    assert 'data-action="accept"' in page
    resp = client.post(
        f"/cases/{mine.number}/act/",
        {"action": "request_extension", "note": "需要更多时间", "days": "40"},
        **HTMX,
    )
    assert resp.status_code == 422 and "请填写延期工作日数（1 至 30 天）。" in resp.content.decode()


def test_the_case_map_points_are_open_cases_in_scope(client, two_villages):
    users, v1_case, v4_case = two_villages
    closed = report(users, grid=2).case
    act(users, closed, "dispatcher_v1", "cancel", note="重复")
    as_user(client, users, "dispatcher_v1")
    assert "案件地图" in client.get("/cases/map/").content.decode()
    body = client.get("/cases/map/points.json").json()
    assert [p["n"] for p in body["points"]] == [v1_case.number] and body["total"] == 1
    point = body["points"][0]
    assert point["c"] == "green" and point["s"] == "待受理" and point["i"] == "暴露垃圾"
    as_user(client, users, "officer")
    assert client.get("/cases/map/points.json?village=V4").json()["total"] == 1


def test_the_inbox_lists_and_marks_read(client, catalogue):
    users = catalogue
    case = report(users).case
    as_user(client, users, "dispatcher_v1")
    note = Notification.objects.get(user=users["dispatcher_v1"])
    assert 'data-unread="1"' in client.get("/cases/inbox/badge/").content.decode()
    page = client.get("/cases/inbox/").content.decode()
    assert f'href="/cases/{case.number}/"' in page and "is-unread" in page
    report(users, grid=2)
    resp = client.post("/cases/inbox/read/", {"id": note.pk}, HTTP_HX_TARGET="inbox-list", **HTMX)
    assert resp.status_code == 200 and resp["HX-Trigger"] == "inbox-changed"
    note.refresh_from_db()
    assert note.read_at is not None
    assert Notification.objects.filter(user=users["dispatcher_v1"], read_at__isnull=True).count() == 1
    assert client.post("/cases/inbox/read/").status_code == 302
    assert not Notification.objects.filter(user=users["dispatcher_v1"], read_at__isnull=True).exists()
    assert "data-unread" not in client.get("/cases/inbox/badge/").content.decode()
    # 50 a page
    Notification.objects.bulk_create(
        [Notification(user=users["dispatcher_v1"], case=case, kind="comment", text="x") for _ in range(55)]
    )
    first = client.get("/cases/inbox/").content.decode()
    assert first.count('class="inbox-item') == 50 and "1 / 2" in first
    assert client.get("/cases/inbox/?page=2").content.decode().count('class="inbox-item') == 7
    # one user cannot mark another's notifications
    other = Notification.objects.create(user=users["officer"], kind="x", text="x")
    client.post("/cases/inbox/read/", {"id": other.pk})
    other.refresh_from_db()
    assert other.read_at is None


# ---- the residents' pages ---------------------------------------------------------------------


def resident_post(client, meta=None, **extra):
    lon, lat = grid_centre(5)
    data = {
        "item": "E-FIRE",
        "lon": lon,
        "lat": lat,
        "description": "消防通道被占用",
        "contact_name": "李女士",
        "phone": "139 0000 2222",
        **extra,
    }
    return client.post("/report/", data, **HTMX, **(meta or {}))


def test_a_resident_reports_and_tracks_the_report(client, catalogue):
    users = catalogue
    page = client.get("/report/").content.decode()
    assert "随手拍" in page and 'value="C-MANHOLE"' not in page and 'value="E-FIRE"' in page
    resp = resident_post(client, photos=[upload()])
    body = resp.content.decode()
    assert resp.status_code == 201 and "上报成功" in body and "查询码" in body
    case = Case.objects.get()
    report_row = CaseReport.objects.get(case=case)
    assert case.channel == Channel.RESIDENT and report_row.phone == "13900002222"
    assert report_row.contact_name == "李女士" and report_row.token in body

    act(users, case, "officer", "send_to_verify", note="请核实 officer")
    track = client.post("/report/track/", {"number": case.number, "code": report_row.token})
    text = track.content.decode()
    assert track.status_code == 200 and "待核实" in text and "派发现场核实" in text
    assert "officer" not in text and "inspector_g1" not in text and "请核实" not in text
    assert "13900002222" not in text and "139****" not in text and "李女士" not in text

    wrong = client.post("/report/track/", {"number": case.number, "code": "0" * 16})
    assert wrong.status_code == 404 and "没有与该案件编号和查询码相符的上报。" in wrong.content.decode()


def test_a_resident_duplicate_is_joined_to_the_open_case(client, catalogue):
    first = resident_post(client)
    second = resident_post(client, contact_name="王先生", phone="13800001111")
    assert first.status_code == 201 and second.status_code == 200
    assert "该问题已有人上报" in second.content.decode()
    case = Case.objects.get()
    assert case.reports == 2 and CaseReport.objects.filter(case=case).count() == 2


@pytest.mark.parametrize(
    "extra, field, message",
    [
        ({"phone": "12345"}, "phone", "请填写中国大陆手机号码：以 1 开头的 11 位数字。"),
        ({"phone": ""}, "phone", "请填写手机号码，以便与您联系。"),
        ({"contact_name": ""}, "contact_name", "请填写您的姓名，以便与您联系。"),
        ({"lon": "", "lat": ""}, "location", "请提供位置：允许获取 GPS 定位，或在地图上点选。"),
        ({"item": "C-MANHOLE"}, "item", "该事项不接受群众上报。"),
        ({"description": ""}, "description", "请简要描述问题。"),
    ],
)
def test_bad_resident_reports_name_the_field(client, catalogue, extra, field, message):
    resp = resident_post(client, **extra)
    body = resp.content.decode()
    assert resp.status_code == 422
    slot = body.split(f'<div id="err-{field}" class="field-error-slot" hx-swap-oob="true">', 1)[1].split(
        "</div></div>"
    )[0]
    assert message in slot
    assert Case.objects.count() == 0


def test_residents_are_limited_to_five_reports_an_hour(client, catalogue):
    lon, lat = grid_centre(5)
    for i in range(5):
        resp = resident_post(client, lon=lon + 0.001 * (i - 2), lat=lat + 0.002 * (i % 2))
        assert resp.status_code == 201
    resp = resident_post(client, lon=lon - 0.004)
    assert resp.status_code == 429
    assert "每小时最多 5 次" in resp.content.decode()
    assert Case.objects.count() == 5
    # another network is not limited
    assert resident_post(client, {"REMOTE_ADDR": "10.0.0.9"}, lon=lon + 0.004).status_code == 201
    # failed reports do not count
    RateCounter.objects.all().delete()
    for _ in range(6):
        assert resident_post(client, phone="1").status_code == 422
    assert resident_post(client, lon=lon - 0.0045, lat=lat - 0.005).status_code == 201


def test_the_public_grid_outlines_have_no_people(client, catalogue):
    body = client.get("/report/grids.json").json()
    assert len(body["features"]) == 8
    assert set(body["features"][0]["properties"]) == {"code", "name", "parent", "village_name"}
    assert body["features"][0]["properties"]["village_name"] == "村1"


def test_the_resident_report_limit_lasts_an_hour(client, catalogue, monkeypatch):
    """Five reports, then refused for the rest of the hour (not only five minutes), then allowed."""
    from datetime import UTC, datetime

    from cityops.core import ratelimit

    start = datetime(2030, 5, 6, 1, 0, tzinfo=UTC)
    clock = {"now": start}
    monkeypatch.setattr(ratelimit, "_now", lambda: clock["now"])
    lon, lat = grid_centre(5)
    for i in range(5):
        assert resident_post(client, lon=lon + 0.001 * (i - 2), lat=lat + 0.002 * (i % 2)).status_code == 201
    for minutes in (6, 31, 59):
        clock["now"] = start + timedelta(minutes=minutes)
        assert resident_post(client, lon=lon - 0.004).status_code == 429
    assert Case.objects.count() == 5
    clock["now"] = start + timedelta(hours=1)
    assert resident_post(client, lon=lon - 0.004).status_code == 201


def test_tracking_look_ups_are_limited_per_hour(client, catalogue, monkeypatch, settings):
    from datetime import UTC, datetime

    from cityops.core import ratelimit

    settings.CITYOPS_TRACK_LOOKUPS_PER_HOUR = 2
    start = datetime(2030, 5, 6, 1, 0, tzinfo=UTC)
    clock = {"now": start}
    monkeypatch.setattr(ratelimit, "_now", lambda: clock["now"])
    form = {"number": "20300000001", "code": "0123456789abcdef"}
    assert [client.post("/report/track/", form).status_code for _ in range(3)] == [404, 404, 429]
    clock["now"] = start + timedelta(minutes=59)
    assert client.post("/report/track/", form).status_code == 429
    clock["now"] = start + timedelta(hours=1)
    assert client.post("/report/track/", form).status_code == 404


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/cases/", {"page": "99999999999999999999"}),
        ("/cases/inbox/", {"page": "99999999999999999999"}),
        ("/cases/kpis/", {"start": "0001-01-01", "end": "9999-12-31"}),
        ("/cases/kpis/", {"start": "9990-01-01", "end": "9999-12-31"}),
        ("/iot/devices/", {"page": "99999999999999999999"}),
        ("/iot/alarms/99999999999999999999/", {}),
    ],
)
def test_pages_take_out_of_range_paging_and_dates_without_error(client, catalogue, url, query):
    client.force_login(catalogue["officer"])
    resp = client.get(url, query)
    assert resp.status_code in (200, 404, 422), resp.status_code  # never a 500
    if "start" in query:
        assert "1970" in resp.content.decode() and "2199" in resp.content.decode()


def test_marking_a_notification_with_a_huge_id_marks_nothing(client, catalogue):
    report(catalogue)
    client.force_login(catalogue["dispatcher_v1"])
    resp = client.post("/cases/inbox/read/", {"id": "99999999999999999999"})
    assert resp.status_code in (200, 302)
    assert Notification.objects.filter(user=catalogue["dispatcher_v1"], read_at__isnull=True).exists()
