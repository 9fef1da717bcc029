"""`seed-demo` and `stats` on a database: exact figures, idempotent, reported."""

import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Count

from cityops.accounts.models import User
from cityops.accounts.roles import Role
from cityops.audit.models import AuditRecord
from cityops.demo import ops, security
from cityops.demo.people import DEMO_INSPECTOR, DEMO_LOGINS, DEMO_PASSWORD
from cityops.demo.selectors import entity_counts
from cityops.demo.services import SEED_STEPS
from cityops.geo.models import Area, Grid, Place, Town, Village
from cityops.org.models import Department, Workstation
from cityops.video.models import School

MODELS = (Town, Area, Village, Grid, Place, Department, Workstation, User, AuditRecord)


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def _rows() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.mark.django_db
def test_seeding_twice_changes_nothing_and_stats_reports_the_figures():
    first = _run("seed-demo")
    rows, counts = _rows(), entity_counts()

    second = _run("seed-demo", "--quiet")

    assert _rows() == rows
    assert entity_counts() == counts
    assert second.count("already up to date") == len(SEED_STEPS)
    assert "created" not in second
    assert f"password for all: {DEMO_PASSWORD}" in first
    for username in [login.username for login in DEMO_LOGINS] + [DEMO_INSPECTOR]:
        assert f"\n{username} " in first
    stats = json.loads(_run("stats", "--json"))
    assert stats == counts
    expected = {
        "towns": 1,
        "areas": 6,
        "villages": 23,
        "grids": 125,
        "inspectors": 446,
        "schools": 50,
        "canteens": 51,
        "departments": 35,
        "departments_in_grid": 19,
        "departments_with_services": 28,
        "service_items": 1264,
        "workstations": 30,
        "users": 446 + len(DEMO_LOGINS) + len(ops.LEADERS) + len(ops.OFFICERS),
        "video_projects": 2,
        "video_sites": 589 + 51,
        "video_channels": 1017 + 357,
        "video_channels_by_project": {"kjhcq": 1017, "mcld": 357},
        "video_schools": 50,
        "video_canteens": 51,
        "video_channel_days": 1374 * 31,
        "ops_roster_entries": 2 * (ops.DAYS_BEFORE + 1 + ops.DAYS_AFTER),
        "ops_response_plans": len(ops.PLANS),
        "ops_resources_by_kind": {"shelter": 12, "supplies": 3, "team": 5, "vehicle": 4},
        "security_systems": len(security.SYSTEMS),
        "security_terminals": security.TERMINALS,
        "security_incidents": 4,
        "security_drills": 1,
    }
    assert {k: stats[k] for k in expected} == expected
    assert stats["places_by_kind"]["service_centre"] == 24
    assert stats["devices"] == sum(stats["devices_by_type"].values()) > 3000
    assert set(stats["devices_by_type"]) >= {"air_quality", "water_level", "smoke", "streetlight"}
    assert stats["devices_by_connectivity"] == {"never": stats["devices"]}  # nothing has reported yet
    assert stats["readings"] == stats["active_alarms"] == 0
    assert sum(stats["video_channels_by_health"].values()) == 1374
    assert stats["audit_records"] == AuditRecord.objects.count() > 446
    table = _run("stats")
    assert "grids" in table and "places_by_kind.canteen" in table

    # the people and workstations seeded
    per_grid = User.objects.filter(role=Role.INSPECTOR).values("scope_grid").annotate(n=Count("id"))
    assert {row["n"] for row in per_grid} == {3, 4} and len(per_grid) == 125
    levels = dict(Workstation.objects.values_list("level").annotate(n=Count("id")))
    assert levels == {"town": 1, "area": 6, "village": 23}
    for username in [login.username for login in DEMO_LOGINS] + [DEMO_INSPECTOR]:
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD)
    assert not User.objects.get(username="insp001").has_usable_password()
    handler = User.objects.get(username="handler")
    assert list(handler.departments.values_list("code", flat=True)) == ["D-CGZF"]
    dispatcher = User.objects.get(username="dispatcher_village")
    assert dispatcher.scope_village.code == "DLS-A1-V01"
    # the food-safety officer sees the kitchens of the first school only
    food = User.objects.get(username="food_safety")
    assert list(food.food_safety_schools.values_list("code", flat=True)) == [
        School.objects.order_by("code").values_list("code", flat=True)[0]
    ]
    canteens = Place.objects.filter(kind="canteen")
    assert all(c.parent.kind == "school" for c in canteens.select_related("parent"))
