"""The demo's patrol item catalogue: 893 items over the 19 in-grid departments, the same every time."""

from collections import Counter

import pytest

from cityops.audit.models import AuditRecord
from cityops.cases.catalogue import read_table
from cityops.cases.catalogue_rows import parse_items
from cityops.cases.models import ItemCategory, PatrolItem
from cityops.demo import names
from cityops.demo.catalogue import catalogue_seed, demo_items, demo_records
from cityops.demo.people import org_seed

IN_GRID = {code for code, _, _, in_grid, _ in names.DEPARTMENTS if in_grid}


@pytest.fixture(scope="module")
def records():
    return demo_records()


def test_893_items_over_exactly_the_19_in_grid_departments(records):
    per_department = Counter(r["department_code"] for r in records)

    assert len(records) == 893 == len({r["code"] for r in records}) == len({r["name"] for r in records})
    assert set(per_department) == IN_GRID and len(IN_GRID) == 19
    assert per_department.most_common(1)[0][0] == names.URBAN_MANAGEMENT
    assert 150 <= per_department[names.URBAN_MANAGEMENT] <= 200
    big_five = ("D-XFJY", "D-STHJ", "D-SCJG", "D-AQSC")
    assert min(per_department[d] for d in big_five) > max(
        n for d, n in per_department.items() if d not in (*big_five, names.URBAN_MANAGEMENT)
    )


def test_categories_in_the_style_of_the_national_standards(records):
    bigs = {(r["kind"], r["big_category_name"]) for r in records}
    smalls = {r["small_category_name"] for r in records}

    for name in ("公用设施类", "道路交通类", "市容环境类", "园林绿化类", "房屋土地类", "其他设施类"):
        assert ("component", name) in bigs
    for name in ("市容环境", "宣传广告", "施工管理", "街面秩序", "突发事件", "消防安全", "安全生产", "生态环境",
                 "食品药品", "矛盾纠纷"):  # fmt: skip
        assert ("event", name) in bigs
    assert {
        "上水井盖", "污水井盖", "路灯", "交通标志牌", "垃圾箱", "行道树", "暴露垃圾", "占道经营", "非法小广告",
        "私搭乱建", "施工占道", "路面塌陷", "消防通道堵塞", "灭火器过期", "电动车违规充电", "油烟扰民",
        "噪声扰民", "污水直排",
    } <= smalls  # fmt: skip
    assert {"消防通道堵塞（出租屋）", "消防通道堵塞（商铺）", "上水井盖（缺失）"} <= {
        r["name"] for r in records
    }
    assert all(r["filing_condition"] and r["closing_condition"] for r in records)


def test_time_limits_and_flags_follow_real_catalogues(records):
    by_small = {r["small_category_name"]: r for r in records}
    limit = {name: (by_small[name]["disposal_limit"], by_small[name]["disposal_unit"]) for name in by_small}
    urgent = sum(r["urgency"] == "urgent" for r in records)
    on_the_spot = sum(r["on_the_spot"] == "yes" for r in records)

    assert limit["暴露垃圾"] == (1, "days") and limit["道路不洁"] == (5, "hours")
    assert limit["违法搭建"] == (15, "days") and limit["施工占道"] == (4, "hours")
    assert {(r["dispatch_limit"], r["dispatch_unit"]) for r in records} <= {
        (30, "minutes"),
        (1, "hours"),
        (2, "hours"),
    }
    assert {(r["recheck_limit"], r["recheck_unit"]) for r in records} <= {
        (2, "hours"),
        (4, "hours"),
        (1, "days"),
    }
    assert 0.04 <= urgent / 893 <= 0.06
    assert 0.13 <= on_the_spot / 893 <= 0.17
    events = [r for r in records if r["kind"] == "event"]
    assert sum(r["resident_reportable"] == "yes" for r in events) / len(events) > 0.85
    assert not any(r["urgency"] == "urgent" and r["on_the_spot"] == "yes" for r in records)


def test_the_file_is_the_same_every_time_and_passes_the_import_checks():
    data = demo_items()

    parsed = parse_items(read_table(data, "demo.csv"))

    assert data == demo_items()
    assert parsed.errors == [] and len(parsed.items) == 893


@pytest.mark.django_db
def test_seeding_imports_through_the_catalogue_import_and_twice_changes_nothing():
    org_seed()

    first = catalogue_seed()
    audit = AuditRecord.objects.count()
    second = catalogue_seed()

    assert (first.created, first.updated, first.unchanged) == (893, 0, 0)
    assert (second.created, second.updated, second.unchanged, second.changed) == (0, 0, 893, False)
    assert AuditRecord.objects.count() == audit
    assert AuditRecord.objects.filter(action="cases.catalogue.import", actor="seed-demo").count() == 1
    assert PatrolItem.objects.count() == 893
    assert PatrolItem.objects.values("department").distinct().count() == 19
    assert ItemCategory.objects.filter(parent__isnull=True).count() == 28
