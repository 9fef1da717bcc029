"""The demo's operations centre: a roster around today led by the demo's duty officer, a week of
handovers with items carried over, response plans a duty officer can activate, resources in the
town, and a second seed that changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityops.accounts.models import User
from cityops.demo import ops
from cityops.demo.people import logins_seed, org_seed
from cityops.demo.services import geography_seed
from cityops.geo.models import Grid, Place
from cityops.ops.duty.selectors import on_duty
from cityops.ops.emergency.services import incident_raise, plan_activate
from cityops.ops.models import Handover, HandoverItem, Resource, ResponsePlan, RosterEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    geography_seed()
    org_seed()
    logins_seed()
    return ops.duty_seed(), ops.plans_seed(), ops.resources_seed()


def test_a_roster_around_today_led_by_the_demo_officer_with_a_week_of_handovers(seeded):
    today = timezone.localdate()
    days = RosterEntry.objects.order_by("date").values_list("date", flat=True)
    assert (days.first(), days.last()) == (today - timedelta(days=7), today + timedelta(days=28))
    assert RosterEntry.objects.count() == 2 * 36
    duty = User.objects.get(username="duty")
    assert RosterEntry.objects.get(date=today, template__code="day").leader == duty
    # someone leads the shift running now, whatever the hour of the seeding
    assert on_duty().entry is not None and on_duty().entry.leader is not None

    # the week before handed over, and carries open items
    now = timezone.now()
    ended = RosterEntry.objects.filter(ends_at__lte=now)
    # a week of two shifts a day is 14, save yesterday's night shift while it runs (until 08:00)
    assert Handover.objects.count() == ended.count() >= 13
    # every handover but possibly the last is acknowledged by the shift after it
    assert Handover.objects.filter(acknowledged_at__isnull=True).count() <= 1
    closed = HandoverItem.objects.get(text="三号排水口堵塞待疏通")
    assert closed.closed_at is not None and "疏通" in closed.closed_note
    carried = set(HandoverItem.objects.filter(closed_at__isnull=True).values_list("text", flat=True))
    expected = {"电动车集中充电点需安全检查"}
    last_night = RosterEntry.objects.get(date=today - timedelta(days=1), template__code="night")
    if last_night.ends_at <= now:  # its handover (with the cameras' item) is written once it has ended
        expected.add("两路治安视频离线待修复")
    assert expected <= carried
    assert not ops.duty_seed().changed


def test_plans_activate_and_resources_stand_in_the_town(seeded):
    assert ResponsePlan.objects.count() == len(ops.PLANS)
    duty = User.objects.get(username="duty")
    incident = incident_raise(
        by=duty,
        kind="flood",
        level="3",
        title="演练：城区内涝",
        grid_ids=[Grid.objects.order_by("code").first().pk],
        drill=True,
    )
    tasks = plan_activate(incident=incident, by=duty)
    plan = ResponsePlan.objects.get(code="flood-3")
    assert len(tasks) == plan.tasks.count() == 5
    assert {t.workstation is not None for t in tasks} == {True, False}

    # resources stand in the town, and every shelter is one
    shelters = Place.objects.filter(kind="shelter")
    assert Resource.objects.filter(kind="shelter").count() == shelters.count() == 12
    assert Resource.objects.filter(place__isnull=False).count() == 12
    assert Resource.objects.count() == len(ops.RESOURCES) + 12
    assert not Resource.objects.filter(grid__isnull=True).exists()
    assert Resource.objects.get(code="RES-DLS-SHL-01").capacity == 3000

    assert not ops.plans_seed().changed and not ops.resources_seed().changed
