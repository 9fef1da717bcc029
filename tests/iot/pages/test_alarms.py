"""The alarm console and alarm page: order, filters, refresh, scope and the people's actions."""

import pytest

from tests.iot.pages.conftest import make_alarm

pytestmark = pytest.mark.django_db

HTMX_LIST = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "alarm-list"}
HTMX_PANEL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "alarm-panel"}


def row_ids(html: str) -> list[int]:
    import re

    return [int(m) for m in re.findall(r'<tr data-alarm="(\d+)"', html)]


def test_console_lists_active_first_by_severity_then_time(client, users, iot_alarms, iot_devices, iot_rules):
    newer_minor = make_alarm(iot_devices["WL-G6"], iot_rules["water"], severity="minor", minutes_ago=1)
    client.force_login(users["officer"])
    response = client.get("/iot/alarms/")
    assert response.status_code == 200
    html = response.content.decode()
    a = iot_alarms
    assert row_ids(html) == [a["v3_active"].pk, a["v1_active"].pk, newer_minor.pk, a["v1_cleared"].pk]
    # polling keeps the filters: the list reloads itself with the filter form included
    assert 'hx-trigger="every 10s" hx-include="#alarm-filters"' in html
    assert 'data-severity-count="critical"><b>1</b>' in html


def test_filters_and_the_htmx_refresh(client, users, iot_alarms):
    client.force_login(users["officer"])
    a = iot_alarms
    html = client.get("/iot/alarms/", {"status": "cleared"}).content.decode()
    assert row_ids(html) == [a["v1_cleared"].pk]
    html = client.get(
        "/iot/alarms/", {"severity": "critical", "status": "active"}, **HTMX_LIST
    ).content.decode()
    assert "<html" not in html and row_ids(html) == [a["v3_active"].pk]
    html = client.get("/iot/alarms/", {"village": "V1", "ack": "no"}).content.decode()
    assert row_ids(html) == [a["v1_active"].pk, a["v1_cleared"].pk]
    html = client.get("/iot/alarms/", {"device_type": "water"}).content.decode()
    assert row_ids(html) == [a["v1_cleared"].pk]


def test_village_dispatcher_sees_only_her_alarms(client, users, iot_alarms):
    client.force_login(users["dispatcher_v1"])
    html = client.get("/iot/alarms/").content.decode()
    assert row_ids(html) == [iot_alarms["v1_active"].pk, iot_alarms["v1_cleared"].pk]
    assert client.get(f"/iot/alarms/{iot_alarms['v3_active'].pk}/").status_code == 404
    response = client.post(f"/iot/alarms/{iot_alarms['v3_active'].pk}/ack/")
    assert response.status_code == 404
    iot_alarms["v3_active"].refresh_from_db()
    assert iot_alarms["v3_active"].acknowledged_at is None


def test_acknowledge_from_the_console(client, users, iot_alarms):
    alarm = iot_alarms["v1_active"]
    client.force_login(users["dispatcher_v1"])
    response = client.post(f"/iot/alarms/{alarm.pk}/ack/", {"back": "status=active"}, **HTMX_LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-swap-oob="true"' in html and f"告警 {alarm.pk} 已确认" in html
    assert row_ids(html) == [alarm.pk]  # the list keeps its filter (active only)
    alarm.refresh_from_db()
    assert alarm.acknowledged_by == users["dispatcher_v1"] and alarm.acknowledged_at is not None


def test_acknowledging_twice_is_refused_with_a_message(client, users, iot_alarms):
    alarm = iot_alarms["v1_active"]
    client.force_login(users["officer"])
    assert client.post(f"/iot/alarms/{alarm.pk}/ack/", **HTMX_LIST).status_code == 200
    response = client.post(f"/iot/alarms/{alarm.pk}/ack/", **HTMX_LIST)
    assert response.status_code == 409
    assert f"告警 {alarm.pk} 已由他人确认" in response.content.decode()


def test_clear_and_clearing_again_is_a_409(client, users, iot_alarms):
    alarm = iot_alarms["v1_active"]
    client.force_login(users["officer"])
    response = client.post(f"/iot/alarms/{alarm.pk}/clear/", {"text": "现场已处置"}, **HTMX_PANEL)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"告警 {alarm.pk} 已解除" in html and 'data-status="cleared"' in html and "现场已处置" in html
    alarm.refresh_from_db()
    assert alarm.status == "cleared" and alarm.cleared_by == users["officer"]
    response = client.post(f"/iot/alarms/{alarm.pk}/clear/", **HTMX_PANEL)
    assert response.status_code == 409
    assert f"告警 {alarm.pk} 已经解除" in response.content.decode()


def test_comment_and_an_empty_comment_is_refused(client, users, iot_alarms):
    from cityops.iot.models import AlarmComment

    alarm = iot_alarms["v1_active"]
    client.force_login(users["officer"])
    response = client.post(
        f"/iot/alarms/{alarm.pk}/comment/", {"text": "已通知网格员<b>张三</b>"}, **HTMX_PANEL
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "已通知网格员&lt;b&gt;张三&lt;/b&gt;" in html  # escaped
    assert AlarmComment.objects.filter(alarm=alarm, author=users["officer"]).count() == 1
    response = client.post(f"/iot/alarms/{alarm.pk}/comment/", {"text": "  "}, **HTMX_PANEL)
    assert response.status_code == 422
    assert "请先填写评论" in response.content.decode()
    assert AlarmComment.objects.filter(alarm=alarm).count() == 1


def test_plain_post_redirects_on_success_and_renders_the_refusal(client, users, iot_alarms):
    alarm = iot_alarms["v1_cleared"]
    client.force_login(users["officer"])
    response = client.post(f"/iot/alarms/{alarm.pk}/ack/")
    assert response.status_code == 302 and response["Location"] == f"/iot/alarms/{alarm.pk}/"
    response = client.post(f"/iot/alarms/{alarm.pk}/clear/")
    assert response.status_code == 409
    assert "<html" in response.content.decode() and f"告警 {alarm.pk} 已经解除" in response.content.decode()


def test_a_role_that_may_see_but_not_act_gets_a_403_message(client, users, iot_alarms):
    alarm = iot_alarms["v1_active"]
    client.force_login(users["steward"])  # iot.view without iot.alarm
    html = client.get("/iot/alarms/").content.decode()
    assert row_ids(html) and 'data-action="ack"' not in html
    response = client.post(f"/iot/alarms/{alarm.pk}/ack/", **HTMX_PANEL)
    assert response.status_code == 403
    assert "您的角色无权" in response.content.decode()
    alarm.refresh_from_db()
    assert alarm.acknowledged_at is None


def test_unknown_action_is_a_404(client, users, iot_alarms):
    client.force_login(users["officer"])
    assert client.post(f"/iot/alarms/{iot_alarms['v1_active'].pk}/delete/").status_code == 404
    assert client.get(f"/iot/alarms/{iot_alarms['v1_active'].pk}/ack/").status_code == 405


def test_alarm_detail_shows_history_comments_and_the_case(client, users, iot_alarms):
    from cityops.iot.alarms import alarm_acknowledge, alarm_comment
    from cityops.iot.models import Alarm, AlarmComment

    alarm = iot_alarms["v1_active"]
    AlarmComment.objects.create(alarm=alarm, text="告警升级为 严重")
    alarm_comment(alarm_id=alarm.pk, by=users["officer"], text="已派人")
    alarm_acknowledge(alarm_id=alarm.pk, by=users["dispatcher_v1"])
    Alarm.objects.filter(pk=alarm.pk).update(case_number="20260001", case_id=987654, case_status="registered")
    client.force_login(users["officer"])
    html = client.get(f"/iot/alarms/{alarm.pk}/").content.decode()
    assert [e for e in ("raised", "system", "comment", "ack") if f'data-event="{e}"' in html] == [
        "raised",
        "system",
        "comment",
        "ack",
    ]
    assert html.index('data-event="raised"') < html.index('data-event="ack"')
    assert "告警升级为 严重" in html and "已派人" in html
    # the case link (the case itself is gone: its last known state is shown)
    assert 'href="/cases/20260001/"' in html and "已立案" in html
