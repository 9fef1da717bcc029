"""The demo's cameras: exact counts, valid IDs, every camera in a grid, a month of history that
matches the health now, and a second seed that changes nothing."""

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from cityops.core.scoping import SYSTEM_READER
from cityops.demo.services import geography_seed
from cityops.demo.video import seed_video
from cityops.video import gbid, rates
from cityops.video.models import Canteen, Channel, ChannelDay, Group, Project, School, Site
from tests.conftest import rows_for_the_module

NOW = timezone.make_aware(datetime(2026, 11, 20, 15, 0))


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """The demo's cameras are seeded once for the module (a seed takes seconds); each test reads them
    in its own savepoint."""
    with rows_for_the_module(django_db_blocker):
        geography_seed()
        yield seed_video(now=NOW)


@pytest.fixture
def seeded(_seeded_once, db):
    return _seeded_once


def test_the_alert_kinds_step_maps_kinds_to_the_catalogue_once(db):
    from cityops.demo.catalogue import catalogue_seed
    from cityops.demo.people import org_seed
    from cityops.demo.video import seed_alert_kinds
    from cityops.video.models import AlertKind

    geography_seed()
    org_seed()
    catalogue_seed()
    first = seed_alert_kinds()
    assert first.created == AlertKind.objects.count() == 10
    assert not AlertKind.objects.filter(item_code="").exists()
    again = seed_alert_kinds()
    assert (again.created, again.unchanged) == (0, 10)


def test_exact_counts_at_ninety_and_a_hundred_percent_of_plan(seeded):
    ps, kitchen = Project.objects.get(code="kjhcq"), Project.objects.get(code="mcld")
    assert (ps.planned_sites, ps.planned_channels, ps.target_rate) == (654, 1130, 98.0)
    assert (kitchen.planned_sites, kitchen.planned_channels, kitchen.target_rate) == (51, 357, 95.0)
    assert Site.objects.filter(project=ps).count() == 589
    assert Channel.objects.filter(project=ps).count() == 1017
    assert round(100 * 1017 / ps.planned_channels) == 90
    assert (School.objects.count(), Canteen.objects.count()) == (50, 51)
    assert Site.objects.filter(project=kitchen).count() == 51
    assert Channel.objects.filter(project=kitchen).count() == 357
    per_canteen = Channel.objects.filter(project=kitchen).values("canteen").annotate(n=Count("id"))
    assert {r["n"] for r in per_canteen} == {7}
    rooms = Counter(Channel.objects.filter(project=kitchen).values_list("room", flat=True))
    assert rooms == {"store": 51, "prep": 51, "cooking": 102, "cold": 51, "washing": 51, "sample": 51}
    assert set(Channel.objects.values_list("build_status", flat=True)) <= {"built", "accepted"}
    assert set(Channel.objects.filter(project=kitchen).values_list("build_status", flat=True)) == {"accepted"}


def test_ids_are_valid_and_say_industry_and_type(seeded):
    for gb_id, industry in Channel.objects.values_list("gb_id", "project__code"):
        parsed = gbid.parse(gb_id, types=gbid.CHANNEL_TYPES)
        assert parsed.centre == "44190000"
        assert parsed.industry in ({"00", "01"} if industry == "kjhcq" else {"11"})
    assert Group.objects.filter(gb_id__regex=r"^\d{10}215").count() == 2
    villages = Group.objects.filter(gb_id__startswith="4419000000216")
    assert villages.count() == 23 and not villages.filter(parent__isnull=True).exists()
    assert not Channel.objects.filter(group__isnull=True).exists()
    url = Channel.objects.values_list("gb_id", "main_url").first()
    assert url[1] == f"rtsp://127.0.0.1:8554/{url[0]}"
    assert not Channel.objects.exclude(credentials_sealed="").exists()


def test_cameras_stand_in_their_grid_and_copy_their_site(seeded):
    from cityops.geo.selectors import locate_point

    for c in Channel.objects.select_related("site").order_by("?")[:200]:
        where = locate_point(c.lon, c.lat)
        assert (where.grid_id, where.village_id, where.area_id) == (c.grid_id, c.village_id, c.area_id)
        assert (c.site.grid_id, c.site.project_id) == (c.grid_id, c.project_id)
    assert Site.objects.values("grid").distinct().count() == 125


def test_a_month_of_history_near_the_targets_and_health_now(seeded):
    today = timezone.localdate(NOW)
    assert ChannelDay.objects.count() == 1374 * 31
    assert (
        ChannelDay.objects.filter(day=today).aggregate(s=Sum("online_s") + Sum("offline_s"))["s"]
        == 1374 * 15 * 3600
    )
    start = today - timedelta(days=30)
    by_key = {r.key: r for r in rates.project_rates(user=SYSTEM_READER, start=start, end=today)}
    assert 98.0 <= by_key["kjhcq"].rate <= 99.5 and by_key["kjhcq"].met
    assert 97.0 <= by_key["mcld"].rate <= 99.5 and by_key["mcld"].met
    villages = rates.unit_rates(user=SYSTEM_READER, start=start, end=today, project="kjhcq")
    assert 1 <= sum(1 for v in villages if not v.met) <= 5
    offline = Channel.objects.filter(health="offline")
    assert 0.005 < offline.count() / 1374 < 0.04 and not Channel.objects.filter(health="unknown").exists()
    # a camera offline now was offline at the end of today, and its outage started when it says
    for c in offline:
        last = ChannelDay.objects.get(channel=c, day=today)
        assert last.offline_s >= min(15 * 3600, (NOW - c.health_since).total_seconds()) - 1
    faults = rates.channel_faults(user=SYSTEM_READER, start=start, end=today, min_hours=8)
    assert 20 <= len(faults) <= 400
    kitchen_day = ChannelDay.objects.filter(channel__project__code="mcld", day=date(2026, 11, 10)).first()
    assert kitchen_day.meal_online_s + kitchen_day.meal_offline_s > 0


def test_seeding_again_changes_nothing(seeded):
    assert seeded.created == 2 + 2 + 23 + 6 + 50 + 51 + 640 + 1374
    ids = list(Channel.objects.values_list("gb_id", "name", "lon", "lat", "health"))
    again = seed_video(now=NOW)
    assert again.created == 0 and again.unchanged == 1374
    assert list(Channel.objects.values_list("gb_id", "name", "lon", "lat", "health")) == ids


def test_the_registry_is_written_through_the_import_and_the_history_through_outages(seeded):
    from cityops.audit.models import AuditRecord
    from cityops.video.models import HealthChange, Outage

    imports = AuditRecord.objects.filter(action="video.channel.import")
    assert imports.count() == 1
    assert imports.get().after["channels_created"] == 1374 and imports.get().after["sites_created"] == 640
    assert AuditRecord.objects.filter(action="video.project.create").count() == 2
    assert AuditRecord.objects.filter(action="video.group.create").count() == 2 + 23 + 6
    # each camera offline now has its one open outage, begun when its health says
    offline = Channel.objects.filter(health="offline")
    open_ = Outage.objects.filter(ended_at__isnull=True)
    assert set(open_.values_list("channel_id", flat=True)) == set(offline.values_list("pk", flat=True))
    for outage in open_.select_related("channel"):
        assert outage.started_at == outage.channel.health_since and outage.case_id is None
    # every camera was first seen at the start of the month; every outage went offline once, and
    # every ended one came back once
    assert HealthChange.objects.filter(previous="unknown").count() == 1374
    assert HealthChange.objects.filter(health="offline").count() == Outage.objects.count()
    ended = Outage.objects.exclude(ended_at=None).count()
    assert HealthChange.objects.filter(previous="offline", health="online").count() == ended


def test_the_rollup_of_the_history_gives_the_same_days(seeded):
    from cityops.video.rollup import rollup_days

    today = timezone.localdate(NOW)
    recent = ChannelDay.objects.filter(day__gte=today - timedelta(days=1)).order_by("channel", "day")
    before = [r[1:] for r in recent.values_list()]
    rollup_days(today - timedelta(days=1), today, now=NOW)
    assert [r[1:] for r in recent.values_list()] == before and len(before) == 1374 * 2
