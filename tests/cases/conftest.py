"""A small catalogue and the workstations on top of the small town."""

import io

import pytest
from PIL import Image

from cityops.cases.models import ItemCategory, PatrolItem
from cityops.geo.models import Area, Village
from cityops.org.models import Department, Workstation


def make_items():
    big_c = ItemCategory.objects.create(code="01", name="公用设施类", kind="component")
    small_c = ItemCategory.objects.create(code="0101", name="井盖", kind="component", parent=big_c)
    big_e = ItemCategory.objects.create(code="E01", name="市容环境", kind="event")
    small_e = ItemCategory.objects.create(code="E0101", name="暴露垃圾", kind="event", parent=big_e)
    cg = Department.objects.get(code="D-CG")
    common = {"dispatch_limit": 2, "dispatch_unit": "hours", "recheck_limit": 4, "recheck_unit": "hours"}
    PatrolItem.objects.create(
        code="E-GARBAGE",
        name="暴露垃圾",
        kind="event",
        category=small_e,
        big_category=big_e,
        department=cg,
        disposal_limit=1,
        disposal_unit="days",
        on_the_spot=True,
        **common,
    )
    PatrolItem.objects.create(
        code="C-MANHOLE",
        name="井盖缺失",
        kind="component",
        category=small_c,
        big_category=big_c,
        department=cg,
        disposal_limit=4,
        disposal_unit="hours",
        urgency="urgent",
        resident_reportable=False,
        **common,
    )
    PatrolItem.objects.create(
        code="E-FIRE",
        name="消防通道堵塞",
        kind="event",
        category=small_e,
        big_category=big_e,
        department=Department.objects.get(code="D-XF"),
        disposal_limit=2,
        disposal_unit="days",
        **common,
    )


def make_workstations():
    Workstation.objects.create(code="W0", name="指挥中心", level="town")
    for a in Area.objects.all():
        Workstation.objects.create(code=f"W{a.code}", name=f"{a.name}工作站", level="area", area=a)
    for v in Village.objects.all():
        Workstation.objects.create(
            code=f"W{v.code}", name=f"{v.name}工作站", level="village", area=v.area, village=v
        )


@pytest.fixture
def catalogue(users):
    make_workstations()
    make_items()
    return users


def jpeg(size=(64, 48), colour=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()
