"""Emergency command: from an IoT alarm to the after-action report, and every refusal on the way."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cityops.audit.models import AuditRecord
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.core.screen import TOWN, figures
from cityops.geo.models import Grid
from cityops.ops.emergency import services
from cityops.ops.models import Incident, IncidentTask, TimelineEntry

pytestmark = pytest.mark.django_db


def grid(code):
    return Grid.objects.get(code=code)


def test_alarm_to_after_action_report(users, workstations, plans, water_alarm, client):
    officer = users["officer"]
    incident = services.incident_from_alarm(
        by=officer, alarm_id=water_alarm.pk, kind="flood", level="2", extra_grid_ids=[grid("G3").pk]
    )
    assert incident.source_alarm_id == water_alarm.pk and incident.title == water_alarm.message
    assert sorted(incident.grids.values_list("code", flat=True)) == ["G2", "G3"]
    # G2 is in V1, G3 in V2: both in A1, so the incident stands at the area
    assert (incident.area.code, incident.village_id, incident.grid_id) == ("A1", None, None)

    before = timezone.now()
    tasks = services.plan_activate(incident=incident, by=officer)
    # one department task, and one task to each affected village's workstation (V1, V2)
    assert sorted((t.title, t.assignee.name) for t in tasks) == [
        ("抢险队伍集结", "消防救援"),
        ("转移低洼地带群众", "村1工作站"),
        ("转移低洼地带群众", "村2工作站"),
    ]
    dept_task = next(t for t in tasks if t.department_id)
    # deadlines on the clock: 30 and 120 minutes after activation
    assert timedelta(minutes=30) <= dept_task.deadline_at - before < timedelta(minutes=31)
    village_task = next(t for t in tasks if t.workstation_id)
    assert timedelta(minutes=120) <= village_task.deadline_at - before < timedelta(minutes=121)
    with pytest.raises(Conflict):
        services.plan_activate(incident=incident, by=officer)

    services.task_update(task=dept_task, status="accepted", by=officer)
    services.task_update(task=dept_task, status="done", by=officer)
    with pytest.raises(ValidationFailed) as exc:
        services.task_update(task=village_task, status="blocked", by=officer)
    assert exc.value.errors[0]["field"] == "reason"
    services.task_update(task=village_task, status="blocked", reason="道路积水无法通行", by=officer)
    with pytest.raises(Conflict):
        services.task_update(task=IncidentTask.objects.get(pk=dept_task.pk), status="accepted", by=officer)
    services.incident_set_level(incident=incident, level="1", reason="水位继续上涨", by=officer)
    services.note_add(incident=incident, text="已通知沿河居民", by=officer)
    with pytest.raises(ValidationFailed):
        services.incident_close(incident=incident, summary="  ", by=officer)
    services.incident_close(incident=incident, summary="洪水退去，人员全部安全转移。", by=officer)
    with pytest.raises(Conflict):
        services.note_add(incident=incident, text="late", by=officer)

    kinds = list(TimelineEntry.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == ["raised", "plan", "task", "task", "task", "level", "note", "closed"]
    actions = set(
        AuditRecord.objects.filter(
            object_id__in=[str(incident.pk), str(dept_task.pk), str(village_task.pk)]
        ).values_list("action", flat=True)
    )
    assert {
        "ops.incident.raise",
        "ops.incident.plan",
        "ops.task.update",
        "ops.incident.level",
        "ops.incident.note",
        "ops.incident.close",
    } <= actions

    client.force_login(officer)
    page = client.get(f"/ops/incidents/{incident.pk}/report/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    for expected in [
        "洪水退去，人员全部安全转移。",
        "抢险队伍集结",
        "村2工作站",
        "道路积水无法通行",
        "已通知沿河居民",
        f"IoT alarm {water_alarm.pk}",
        "防汛Ⅱ级应急响应",
        "3 tasks: 1 done on time, 0 done late, 2 unfinished",
    ]:
        assert expected in text, expected


def test_no_affected_area_is_refused(users):
    with pytest.raises(ValidationFailed) as exc:
        services.incident_raise(by=users["officer"], kind="fire", level="4", title="火情", grid_ids=[])
    assert exc.value.detail == "An incident needs at least one affected grid."
    assert exc.value.errors == [
        {"field": "grids", "message": "An incident needs at least one affected grid."}
    ]
    assert not Incident.objects.exists()


def test_raise_form_says_so(users, client):
    client.force_login(users["officer"])
    page = client.post(
        "/ops/incidents/new/", {"kind": "fire", "level": "4", "title": "火情"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 422
    assert "An incident needs at least one affected grid." in page.content.decode()
    assert not Incident.objects.exists()


def test_task_to_a_unit_outside_the_incident_is_refused(users, workstations):
    officer = users["officer"]
    incident = services.incident_raise(
        by=officer, kind="fire", level="3", title="仓库火灾", grid_ids=[grid("G1").pk]
    )
    with pytest.raises(ValidationFailed) as exc:
        services.task_create(
            incident=incident, by=officer, title="疏散", deadline_minutes=30, workstation=workstations["V4"]
        )
    assert exc.value.detail == "村4工作站 is outside the incident's affected area."
    with pytest.raises(ValidationFailed):
        services.task_create(
            incident=incident, by=officer, title="疏散", deadline_minutes=30, workstation=workstations["A2"]
        )
    assert not incident.tasks.exists()
    for unit in (workstations["V1"], workstations["A1"], workstations["town"]):
        services.task_create(
            incident=incident, by=officer, title="疏散", deadline_minutes=30, workstation=unit
        )
    assert incident.tasks.count() == 3


def test_drills_are_kept_out_of_the_figures(users):
    officer = users["officer"]
    services.incident_raise(by=officer, kind="flood", level="2", title="真实内涝", grid_ids=[grid("G1").pk])
    services.incident_raise(
        by=officer, kind="flood", level="1", title="防汛演练", grid_ids=[grid("G2").pk], drill=True
    )
    panel = next(f for f in figures(officer, TOWN, keys={"ops.incidents"}))
    assert panel["data"]["open"] == 1
    assert {b["level"]: b["count"] for b in panel["data"]["by_level"]} == {"1": 0, "2": 1, "3": 0, "4": 0}
    # the wall reads names, not keys: the open count, the levels that have one, the overdue tasks
    for language, names in (
        ("zh-hans", ["处置中", "Ⅱ级 · 重大", "逾期任务"]),
        ("en", ["Open", "Level II · grave", "Tasks overdue"]),
    ):
        with translation.override(language):
            panel = next(f for f in figures(officer, TOWN, keys={"ops.incidents"}))
        assert [(i["label"], i["value"]) for i in panel["data"]["items"]] == list(
            zip(names, [1, 1, 0], strict=True)
        )


def test_scope_and_permissions(users, client):
    officer = users["officer"]
    g1 = services.incident_raise(
        by=officer, kind="fire", level="4", title="V1 火情", grid_ids=[grid("G1").pk]
    )
    g5 = services.incident_raise(
        by=officer, kind="fire", level="4", title="V3 火情", grid_ids=[grid("G5").pk]
    )
    # a dispatcher may look (ops.view) but not command, and sees only their village
    client.force_login(users["dispatcher_v1"])
    assert client.get(f"/ops/incidents/{g1.pk}/").status_code == 200
    assert client.get(f"/ops/incidents/{g5.pk}/").status_code == 404
    assert client.post(f"/ops/incidents/{g1.pk}/note/", {"text": "x"}).status_code == 403
    assert client.get("/ops/incidents/new/").status_code == 403
    listing = client.get("/ops/incidents/").content.decode()
    assert "V1 火情" in listing and "V3 火情" not in listing
    with pytest.raises(Forbidden):
        services.note_add(incident=g1, text="x", by=users["dispatcher_v1"])
    # an inspector has no ops.view at all
    client.force_login(users["inspector_g1"])
    assert client.get("/ops/incidents/").status_code == 403
    # an alarm the actor cannot see is not found
    with pytest.raises(NotFound):
        services.incident_from_alarm(by=officer, alarm_id=999999, kind="flood", level="4")


def test_incident_page_and_board(users, workstations, plans, water_alarm, client):
    officer = users["officer"]
    incident = services.incident_from_alarm(by=officer, alarm_id=water_alarm.pk, kind="flood", level="2")
    client.force_login(officer)
    assert client.post(f"/ops/incidents/{incident.pk}/plan/").status_code == 302
    page = client.get(f"/ops/incidents/{incident.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "incident-map-data" in page and "WL-G2" in page and "4.62" in page
    board = client.get(f"/ops/incidents/{incident.pk}/board/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "抢险队伍集结" in board and "村1工作站" in board and 'hx-trigger="every 5s"' in board
    task = incident.tasks.first()
    client.post(f"/ops/incidents/{incident.pk}/tasks/{task.pk}/", {"status": "accepted"})
    assert IncidentTask.objects.get(pk=task.pk).status == "accepted"


def test_plans_are_edited_in_the_admin_with_an_audit_record(users, client):
    from cityops.org.models import Department

    client.force_login(users["admin"])
    dept = Department.objects.get(code="D-XF")
    page = client.post(
        "/admin/ops/responseplan/add/",
        {
            "code": "typhoon-4",
            "name": "防台风Ⅳ级应急响应",
            "kind": "typhoon",
            "level": "4",
            "tasks-TOTAL_FORMS": "1",
            "tasks-INITIAL_FORMS": "0",
            "tasks-0-order": "1",
            "tasks-0-title": "加固户外广告牌",
            "tasks-0-department": str(dept.pk),
            "tasks-0-deadline_minutes": "180",
        },
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    record = AuditRecord.objects.get(action="ops.responseplan.tasks")
    assert record.after["tasks"][0]["title"] == "加固户外广告牌"
