"""Fixtures of the operations centre: the two default shifts, leaders and officers (the duty
desk); workstations of the small town, a water-level alarm, two plans (emergency command)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from cityops.cases.choices import Channel
from cityops.cases.intake import IntakeIn, Reporter, case_intake
from cityops.ops.models import ShiftTemplate
from tests.builders import grid_centre
from tests.cases.conftest import catalogue  # noqa: F401 (the cases' catalogue and workstations)
from tests.conftest import _user
from tests.iot.conftest import iot_devices, iot_types  # noqa: F401 — fixtures used here


@pytest.fixture
def shifts(db):
    return {t.code: t for t in ShiftTemplate.objects.all()}


@pytest.fixture
def people(users):
    """Two leaders (town duty officers) and three duty officers, besides the named users."""
    return {
        **users,
        "lead1": _user("lead1", "duty_officer"),
        "lead2": _user("lead2", "duty_officer"),
        "duty1": _user("duty1", "duty_officer"),
        "duty2": _user("duty2", "duty_officer"),
        "duty3": _user("duty3", "duty_officer"),
        "area_officer": _user("area_officer", "duty_officer", "area", "A1"),
    }


@pytest.fixture
def future_day():
    return timezone.localdate() + timedelta(days=3)


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages in English in these tests, from services and on pages alike."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def workstations(town):
    from cityops.geo.models import Area, Village
    from cityops.org.models import Workstation

    out = {"town": Workstation.objects.create(code="W-T", name="指挥调度中心", level="town")}
    for area in Area.objects.all():
        out[area.code] = Workstation.objects.create(
            code=f"W-{area.code}", name=f"{area.name}工作站", level="area", area=area
        )
    for village in Village.objects.all():
        out[village.code] = Workstation.objects.create(
            code=f"W-{village.code}",
            name=f"{village.name}工作站",
            level="village",
            area=village.area,
            village=village,
        )
    return out


@pytest.fixture
def water_alarm(iot_devices):  # noqa: F811 — the fixture imported above
    """An active critical water-level alarm on WL-G2 (grid G2, village V1)."""
    from cityops.iot.models import Alarm, Datastream, Rule

    device = iot_devices["WL-G2"]
    Datastream.objects.filter(device=device).update(last_value=4.62, last_time=timezone.now())
    rule = Rule.objects.create(
        code="wl-high",
        name="水位超警戒",
        device_type=device.device_type,
        kind="threshold",
        severity="critical",
        params={"op": ">", "value": 4.0},
    )
    now = timezone.now()
    return Alarm.objects.create(
        device=device,
        rule=rule,
        severity="critical",
        status="active",
        message="水位 4.62 m 超过警戒 4.0 m",
        value=4.62,
        started_at=now,
        last_seen_at=now,
        area_id=device.area_id,
        village_id=device.village_id,
        grid_id=device.grid_id,
    )


@pytest.fixture
def plans(town):
    """A level-II flood plan (a department task and a task to every affected village) and a level-I one."""
    from cityops.ops.models import PlanTask, ResponsePlan
    from cityops.org.models import Department

    dept = Department.objects.get(code="D-XF")
    flood2 = ResponsePlan.objects.create(code="flood-2", name="防汛Ⅱ级应急响应", kind="flood", level="2")
    PlanTask.objects.create(plan=flood2, order=1, title="抢险队伍集结", department=dept, deadline_minutes=30)
    PlanTask.objects.create(
        plan=flood2, order=2, title="转移低洼地带群众", to_affected_villages=True, deadline_minutes=120
    )
    flood1 = ResponsePlan.objects.create(code="flood-1", name="防汛Ⅰ级应急响应", kind="flood", level="1")
    PlanTask.objects.create(plan=flood1, order=1, title="全员上岗", department=dept, deadline_minutes=15)
    return {"flood2": flood2, "flood1": flood1}


def new_case(users, grid: int, item: str = "E-GARBAGE", by: str = "officer"):
    """A case opened through the intake at the middle of grid ``grid`` (the big screen's tests)."""
    lon, lat = grid_centre(grid)
    user = users[by]
    return case_intake(
        IntakeIn(channel=Channel.PATROL, item_code=item, lon=lon, lat=lat, reporter=Reporter(user=user)),
        by=user,
    ).case
