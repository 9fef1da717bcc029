"""Video fixtures shared by every video suite: two projects, four sites and six channels in the
small town, a school with a canteen, and English messages (each suite adds its own fixtures).

Channels are written straight to the tables here (the registry's own services are tested in their
own suite); what they hold is what the registry would have written: area, village and grid copied
from the site, the project copied from the site."""

import pytest
from django.utils import translation

from tests.builders import grid_centre

PS_CENTRE = "44190000"


def gb(type_code: str, serial: int, industry: str = "00", network: str = "7") -> str:
    return f"{PS_CENTRE}{industry}{type_code}{network}{serial:06d}"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def english_pages(client, settings):
    """Pages in English too (the language cookie a user's choice sets), for suites that read
    messages on pages; use with ``pytest.mark.usefixtures("english_pages")``."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def video_projects(db):
    from cityops.video.models import Project

    return {
        "ps": Project.objects.create(
            code="kjhcq",
            name="科技护城墙",
            kind="public_security",
            target_rate=98.0,
            planned_sites=6,
            planned_channels=8,
        ),
        "kitchen": Project.objects.create(
            code="mcld",
            name="明厨亮灶",
            kind="kitchen",
            target_rate=95.0,
            planned_sites=1,
            planned_channels=2,
        ),
    }


def make_site(project, code, grid_no, name=None):
    from cityops.geo.selectors import locate_point
    from cityops.video.models import Site

    lon, lat = grid_centre(grid_no)
    where = locate_point(lon, lat)
    return Site.objects.create(
        project=project,
        code=code,
        name=name or code,
        lon=lon,
        lat=lat,
        area_id=where.area_id,
        village_id=where.village_id,
        grid_id=where.grid_id,
    )


def make_channel(site, gb_id, name=None, **extra):
    from cityops.video.models import Channel

    fields = {
        "build_status": "built",
        "lon": site.lon,
        "lat": site.lat,
        "area_id": site.area_id,
        "village_id": site.village_id,
        "grid_id": site.grid_id,
        **extra,
    }
    return Channel.objects.create(gb_id=gb_id, name=name or gb_id, site=site, project=site.project, **fields)


@pytest.fixture
def video_channels(town, video_projects):
    """PS-G1 (2 channels, grid 1), PS-G2 (1, grid 2), PS-G5 (1, grid 5), PS-G8 (1 planned, grid 8);
    the kitchen of school S2's canteen (2 channels, grid 5). Keyed by short names."""
    from cityops.video.models import Canteen, School

    ps, kitchen = video_projects["ps"], video_projects["kitchen"]
    s1 = make_site(ps, "PS-G1", 1, "一号路口")
    s2 = make_site(ps, "PS-G2", 2, "二号路口")
    s5 = make_site(ps, "PS-G5", 5, "五号路口")
    s8 = make_site(ps, "PS-G8", 8, "八号路口")
    k5 = make_site(kitchen, "K-S2", 5, "第二小学食堂")
    lon, lat = grid_centre(5)
    school = School.objects.create(
        code="S2",
        name="第二小学",
        lon=lon,
        lat=lat,
        area_id=k5.area_id,
        village_id=k5.village_id,
        grid_id=k5.grid_id,
    )
    canteen = Canteen.objects.create(
        school=school, code="S2-C1", name="第二小学食堂", meal_hours=["06:30-08:30", "10:30-13:00"]
    )
    return {
        "g1a": make_channel(s1, gb("132", 1), "一号路口东"),
        "g1b": make_channel(s1, gb("132", 2), "一号路口西"),
        "g2": make_channel(s2, gb("131", 3), "二号路口"),
        "g5": make_channel(s5, gb("132", 4), "五号路口"),
        "g8": make_channel(s8, gb("132", 5), "八号路口", build_status="planned"),
        "cook": make_channel(k5, gb("132", 6, industry="11"), "烹饪区", canteen=canteen, room="cooking"),
        "cold": make_channel(k5, gb("132", 7, industry="11"), "专间", canteen=canteen, room="cold"),
        "school": school,
        "canteen": canteen,
    }


@pytest.fixture
def outage_item(users, settings):
    """The outage case settings, the small catalogue and workstations, and the camera fault item."""
    from tests.cases.conftest import make_items, make_workstations

    settings.CITYOPS_VIDEO_OUTAGE_CASE_MINUTES = 30
    settings.CITYOPS_VIDEO_OUTAGE_ITEM = "camera_fault"
    make_workstations()
    make_items()
    make_camera_item()


def make_camera_item():
    from cityops.cases.models import ItemCategory, PatrolItem
    from cityops.org.models import Department

    small = ItemCategory.objects.get(code="0101")
    return PatrolItem.objects.create(
        code="camera_fault",
        name="监控设施（故障）",
        kind="component",
        category=small,
        big_category=small.parent,
        department=Department.objects.get(code="D-CG"),
        dispatch_limit=2,
        dispatch_unit="hours",
        disposal_limit=1,
        disposal_unit="days",
        recheck_limit=4,
        recheck_unit="hours",
    )
