"""Patrols: plans, check-in inside the grid, track chunks (validated, idempotent), check-out,
coverage and missed patrols on working days, the sweeper, scope, the API and the demo history."""

import io
import json
import math
import time as clock
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.http import Http404
from django.urls import Resolver404, path, resolve
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from cityops import api as main_api
from cityops.accounts.services import user_create
from cityops.audit.models import AuditRecord
from cityops.cases.api.patrols import router
from cityops.cases.models import PatrolCoverage, PatrolPlan, PatrolSession, PatrolTrackChunk
from cityops.cases.patrols.selectors import SessionFilter, coverage_list, session_list
from cityops.cases.patrols.services import (
    PlanIn,
    coverage_compute,
    patrol_sweep,
    plan_deactivate,
    plan_set,
    session_end,
    session_points,
    session_start,
    sessions_close_stale,
)
from cityops.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from cityops.core.models import CalendarDay
from cityops.core.upsert import Outcome
from cityops.geo.geometry import M_PER_DEG_LAT, M_PER_DEG_LON_EQUATOR
from tests.builders import LAT0, LON0, STEP, grid_centre

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2025, 3, 3)  # a week with no public holiday
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)
MID_G1 = LON0 + STEP / 2  # the meridian down the middle of G1
PROBLEM = "application/problem+json"
KX = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(LAT0 + STEP))  # metres per degree of longitude


def _test_api() -> NinjaAPI:
    """The patrols router under /api/v1/ with the project's auth and problem details, for a project
    whose api.py does not mount it yet."""
    api = NinjaAPI(
        urls_namespace="patrols-test",
        auth=[main_api.TokenAuth(), main_api.TokenHeaderAuth(), django_auth],
        docs_url=None,
    )
    for exc, handler in (
        (DomainError, main_api._domain_error),
        (NinjaValidationError, main_api._validation_error),
        (AuthenticationError, main_api._auth_error),
        (Http404, main_api._not_found),
        (PermissionDenied, main_api._forbidden),
        (HttpError, main_api._http_error),
    ):
        api.add_exception_handler(exc, handler)
    api.add_router("/patrols", router)
    return api


urlpatterns = [path("api/v1/", _test_api().urls)]


@pytest.fixture
def base(settings):
    try:
        resolve("/api/v1/patrols/sessions")
    except Resolver404:
        settings.ROOT_URLCONF = __name__
    return "/api/v1/patrols"


def inspector(username: str, grid: str):
    return user_create(
        username=username, role="inspector", scope_level="grid", scope_unit=grid, password=None
    )


def walk(lon: float, lat0: float, lat1: float, t0: datetime, minutes: int, accuracy: float = 8.0) -> list:
    """A point a minute from (lon, lat0) to (lon, lat1), evenly spaced."""
    n = minutes + 1
    start = t0.timestamp()
    return [[lon, lat0 + (lat1 - lat0) * i / minutes, start + 60 * i, accuracy] for i in range(n)]


def start(user, grid_no: int = 1, at: datetime = T0, **kw):
    lon, lat = grid_centre(grid_no)
    return session_start(by=user, lon=lon, lat=lat, accuracy=10, now=at, **kw)


def state(session) -> tuple:
    session.refresh_from_db()
    return (
        session.points,
        round(session.distance_m, 3),
        round(session.minutes_inside, 3),
        session.chunks.count(),
    )


# check-in ---------------------------------------------------------------------------------------


def test_check_in_inside_the_grid_and_a_retry_finds_the_same_session(users):
    session, created = start(users["inspector_g1"])
    assert created and session.grid.code == "G1" and session.village.code == "V1" and session.state == "open"
    again, created = start(users["inspector_g1"], at=T0 + timedelta(minutes=1))
    assert not created and again.pk == session.pk
    assert PatrolSession.objects.count() == 1


def test_check_in_outside_the_grid_names_the_fields_and_creates_nothing(users):
    insp = users["inspector_g1"]
    lon, lat = grid_centre(2)
    with pytest.raises(ValidationFailed) as exc:
        session_start(by=insp, lon=lon, lat=lat, now=T0)
    assert [e["field"] for e in exc.value.errors] == ["lon", "lat"]
    assert "grid G2" in exc.value.detail and "which you do not patrol" in exc.value.detail
    with pytest.raises(ValidationFailed) as exc:
        session_start(by=insp, lon=lon, lat=lat, grid="G1", now=T0)
    assert [e["field"] for e in exc.value.errors] == ["lon", "lat"] and "outside grid G1" in exc.value.detail
    with pytest.raises(ValidationFailed) as exc:
        session_start(by=insp, lon=lon, lat=lat, grid="G2", now=T0)
    assert exc.value.errors[0]["field"] == "grid"
    with pytest.raises(ValidationFailed) as exc:
        session_start(by=insp, lon=114.9, lat=23.9, now=T0)
    assert "outside the town" in exc.value.detail
    with pytest.raises(ValidationFailed) as exc:
        session_start(by=insp, lon=grid_centre(1)[0], lat=grid_centre(1)[1], accuracy=150, now=T0)
    assert exc.value.errors[0]["field"] == "accuracy"
    with pytest.raises(ValidationFailed) as exc:
        session_start(by=insp, lon=float("nan"), lat=95, now=T0)
    assert [e["field"] for e in exc.value.errors] == ["lon", "lat"]
    with pytest.raises(Forbidden):
        start(users["dispatcher_v1"])
    assert PatrolSession.objects.count() == 0
    assert not AuditRecord.objects.filter(action__startswith="cases.patrol").exists()


def test_a_planned_grid_of_the_village_may_be_patrolled_but_one_patrol_at_a_time(users):
    insp = users["inspector_g1"]
    plan_set(by=users["dispatcher_v1"], data=PlanIn(grid="G2", inspector="inspector_g1"))
    g2, created = start(insp, grid_no=2)
    assert created and g2.grid.code == "G2"
    with pytest.raises(Conflict) as exc:
        start(insp, grid_no=1)
    assert "check out of it" in exc.value.detail
    session_end(session_id=g2.pk, by=insp, now=T0 + timedelta(minutes=40))
    g1, created = start(insp, grid_no=1, at=T0 + timedelta(minutes=41))
    assert created and g1.grid.code == "G1"


# track chunks -----------------------------------------------------------------------------------


def test_distance_and_minutes_inside_on_a_known_track(users):
    insp = users["inspector_g1"]
    session, _ = start(insp)
    north = walk(MID_G1, LAT0 + 0.001, LAT0 + 0.019, T0, 30)  # 30 minutes up the middle of G1
    session_points(session_id=session.pk, by=insp, seq=0, points=north[:16], now=T0 + timedelta(minutes=16))
    session_points(session_id=session.pk, by=insp, seq=1, points=north[16:], now=T0 + timedelta(minutes=31))
    up = 0.018 * M_PER_DEG_LAT
    assert state(session) == (31, round(up, 3), 30.0, 2)

    t = north[-1][2]
    lat = LAT0 + 0.019
    east = [[LON0 + 1.5 * STEP, lat, t + 60, 5]]  # into G2: the segment is half inside
    back = [[MID_G1, lat, t + 60 + 20 * 60, 5]]  # back after a 20-minute hole: no time counts
    session_points(session_id=session.pk, by=insp, seq=2, points=east, now=T0 + timedelta(minutes=40))
    session_points(session_id=session.pk, by=insp, seq=3, points=back, now=T0 + timedelta(minutes=60))
    across = STEP * M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat))
    assert state(session) == (33, round(up + 2 * across, 3), 30.5, 4)


def test_a_late_chunk_is_merged_in_time_order(users):
    insp = users["inspector_g1"]
    session, _ = start(insp)
    north = walk(MID_G1, LAT0 + 0.001, LAT0 + 0.019, T0, 30)
    now = T0 + timedelta(minutes=31)
    session_points(session_id=session.pk, by=insp, seq=1, points=north[16:], now=now)
    session_points(session_id=session.pk, by=insp, seq=0, points=north[:16], now=now)
    assert state(session) == (31, round(0.018 * M_PER_DEG_LAT, 3), 30.0, 2)
    session.refresh_from_db()
    assert session.last_point_at.timestamp() == north[-1][2] and session.last_lat == pytest.approx(
        LAT0 + 0.019
    )


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("nope", "points must be a list of 1 to 1000 points"),
        ([], "points must be a list of 1 to 1000 points"),
        ([[MID_G1, 22.89, "soon", 5]], "four numbers"),
        ([[MID_G1, 22.89]], "four numbers"),
        ([[MID_G1, 22.89, True, 5]], "four numbers"),
        ([[190.0, 22.89, None, 5]], "four numbers"),
        ([[190.0, 22.89, 0, 5]], "is not a WGS84 longitude and latitude"),
        ([[MID_G1, 22.89, "FUTURE", 5]], "more than 2 minutes in the future"),
        ([[MID_G1, 22.89, "BEFORE", 5]], "before the patrol started"),
        ([[MID_G1, 22.89, "OK", -1]], "accuracy must be 0 or more metres"),
    ],
)
def test_bad_points_answer_422_naming_the_point_and_change_nothing(users, bad, message):
    insp = users["inspector_g1"]
    session, _ = start(insp)
    now = T0 + timedelta(minutes=10)
    session_points(
        session_id=session.pk, by=insp, seq=0, points=[[MID_G1, 22.89, now.timestamp() - 60, 5]], now=now
    )
    before = state(session)
    times = {"FUTURE": now.timestamp() + 121, "BEFORE": T0.timestamp() - 121, "OK": now.timestamp()}
    field = "points"
    if isinstance(bad, list) and bad:
        bad = [[times.get(v, v) if isinstance(v, str) else v for v in p] for p in bad]
        bad = [[MID_G1, 22.89, now.timestamp(), 5], *bad]  # the good point before it is not kept either
        field = "points[1]"
    with pytest.raises(ValidationFailed) as exc:
        session_points(session_id=session.pk, by=insp, seq=1, points=bad, now=now)
    assert exc.value.errors[0]["field"] == field and message in exc.value.errors[0]["message"]
    assert state(session) == before


def test_seq_must_be_a_whole_number(users):
    insp = users["inspector_g1"]
    session, _ = start(insp)
    for seq in (-1, 1.5, "1", None, True):
        with pytest.raises(ValidationFailed) as exc:
            session_points(session_id=session.pk, by=insp, seq=seq, points=[], now=T0)
        assert exc.value.errors == [{"field": "seq", "message": "seq must be a whole number, 0 or more"}]


def test_inaccurate_fixes_are_dropped_and_a_resend_changes_nothing(users):
    insp = users["inspector_g1"]
    session, _ = start(insp)
    pts = walk(MID_G1, LAT0 + 0.001, LAT0 + 0.005, T0, 4)
    pts[2][3] = 150  # worse than 100 m
    now = T0 + timedelta(minutes=5)
    first = session_points(session_id=session.pk, by=insp, seq=7, points=pts, now=now)
    assert (first.kept, first.dropped, first.duplicate) == (4, 1, False)
    before = state(session)
    other = walk(MID_G1, LAT0 + 0.01, LAT0 + 0.011, T0, 1)  # even a different body: seq 7 is stored
    again = session_points(session_id=session.pk, by=insp, seq=7, points=other, now=now)
    assert again.duplicate and (again.kept, again.dropped) == (0, 0)
    assert state(session) == before
    chunk = PatrolTrackChunk.objects.get(session=session, seq=7)
    assert chunk.dropped == 1 and len(chunk.points) == 4


def test_check_out_then_resends_are_accepted_but_new_chunks_refused(users):
    insp = users["inspector_g1"]
    session, _ = start(insp)
    pts = walk(MID_G1, LAT0 + 0.001, LAT0 + 0.005, T0, 4)
    session_points(session_id=session.pk, by=insp, seq=0, points=pts, now=T0 + timedelta(minutes=5))
    ended = session_end(session_id=session.pk, by=insp, now=T0 + timedelta(minutes=6))
    assert ended.state == "checkout" and ended.ended_at == T0 + timedelta(minutes=6)
    assert session_end(session_id=session.pk, by=insp, now=T0 + timedelta(hours=1)).ended_at == ended.ended_at
    assert session_points(session_id=session.pk, by=insp, seq=0, points=pts, now=T0).duplicate
    with pytest.raises(Conflict):
        session_points(session_id=session.pk, by=insp, seq=1, points=pts, now=T0 + timedelta(minutes=7))
    records = AuditRecord.objects.filter(object_type="cases.patrolsession", object_id=str(session.pk))
    actions = list(records.order_by("id").values_list("action", flat=True))
    assert actions == ["cases.patrol.check_in", "cases.patrol.check_out"]


def test_an_inspector_cannot_post_to_another_inspectors_session(users):
    other = inspector("inspector_g1b", "G1")
    session, _ = start(users["inspector_g1"])
    pts = walk(MID_G1, LAT0 + 0.001, LAT0 + 0.005, T0, 4)
    for intruder in (other, users["dispatcher_v1"], users["officer"]):
        with pytest.raises(NotFound):
            session_points(
                session_id=session.pk, by=intruder, seq=0, points=pts, now=T0 + timedelta(minutes=5)
            )
        with pytest.raises(NotFound):
            session_end(session_id=session.pk, by=intruder)
    assert state(session) == (0, 0.0, 0.0, 0) and session.ended_at is None
    assert not session_list(user=other).exists()


# the sweeper ------------------------------------------------------------------------------------


def test_the_sweeper_closes_sessions_open_for_12_hours_at_their_last_point(users):
    now = timezone.now()
    walker, idle = users["inspector_g1"], inspector("inspector_g2", "G2")
    s1, _ = start(walker, at=now - timedelta(hours=13))
    pts = walk(MID_G1, LAT0 + 0.001, LAT0 + 0.005, now - timedelta(hours=12, minutes=50), 4)
    session_points(session_id=s1.pk, by=walker, seq=0, points=pts, now=now - timedelta(hours=12, minutes=45))
    s2, _ = start(idle, grid_no=2, at=now - timedelta(hours=12, minutes=1))
    fresh = inspector("inspector_g1c", "G1")
    s4, _ = start(fresh, at=now - timedelta(hours=11))
    assert sessions_close_stale(now=now) == 2
    assert sessions_close_stale(now=now) == 0
    for s in (s1, s2, s4):
        s.refresh_from_db()
    assert s1.state == "timeout" and s1.ended_at.timestamp() == pts[-1][2]
    assert s2.state == "timeout" and s2.ended_at == s2.started_at
    assert s4.state == "open"
    assert AuditRecord.objects.filter(action="cases.patrol.timeout", actor="sweeper").count() == 2
    swept = patrol_sweep(now=now)
    assert swept == {"closed": 0, "coverage": True}
    assert PatrolCoverage.objects.filter(day=timezone.localdate(now)).count() == 8
    assert patrol_sweep(now=now + timedelta(minutes=1)) == {"closed": 0, "coverage": False}


# coverage and missed patrols --------------------------------------------------------------------


def _patrol(user, day: date, minutes: int, lat_span=(0.0, 0.02), grid_no: int = 1, hour: int = 9):
    """A patrol walked straight up the middle of the grid for ``minutes``, checked out at its end.

    The walk keeps 12.5 m east of the meridian, halfway between two columns of 25 m cells, so the
    cells within 25 m of it are exactly two columns (no centre lies near the 25 m edge).
    """
    lon = grid_centre(grid_no)[0] + 12.5 / KX
    at = datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI)
    session, _ = start(user, grid_no=grid_no, at=at)
    pts = walk(lon, LAT0 + lat_span[0], LAT0 + lat_span[1], at, minutes)
    end = at + timedelta(minutes=minutes + 1)
    session_points(session_id=session.pk, by=user, seq=0, points=pts, now=end)
    session_end(session_id=session.pk, by=user, now=end)
    return session


def test_coverage_of_a_walk_down_the_middle_of_a_grid(users):
    _patrol(users["inspector_g1"], MONDAY, 34)
    coverage_compute(day=MONDAY)
    rows = {c.grid.code: c for c in PatrolCoverage.objects.filter(day=MONDAY).select_related("grid")}
    assert len(rows) == 8
    strip = 2 * 25 / (STEP * KX)  # a 50 m strip of a 1,026 m wide grid: 2 of its 41 columns of cells
    assert rows["G1"].coverage == pytest.approx(strip, abs=0.0005) == pytest.approx(2 / 41, abs=0.0001)
    assert rows["G2"].coverage == 0 and rows["G1"].sessions == 1 and rows["G1"].minutes == pytest.approx(34)
    _patrol(users["inspector_g1"], MONDAY, 17, lat_span=(0.0, 0.01), hour=14)  # half of it again
    assert coverage_compute(day=MONDAY).grids == 8
    again = PatrolCoverage.objects.get(day=MONDAY, grid__code="G1")
    assert again.coverage == pytest.approx(rows["G1"].coverage) and again.sessions == 2
    assert PatrolCoverage.objects.filter(day=MONDAY).count() == 8  # recomputing changes no row count


def test_missed_patrols_are_flagged_on_working_days_only(users):
    CalendarDay.objects.create(date=MONDAY + timedelta(days=2), kind="holiday", name="测试假日")
    insp = users["inspector_g1"]
    plan_set(  # a plan of the past can only be loaded by the system (users plan from today on)
        by=None,
        actor_name="test",
        data=PlanIn(
            grid="G1", inspector="inspector_g1", item_kind="event", visits_per_week=4, valid_from=MONDAY
        ),
    )
    _patrol(insp, MONDAY, 40)  # a visit
    _patrol(insp, MONDAY + timedelta(days=1), 20)  # too short to be a visit
    days = [MONDAY + timedelta(days=n) for n in range(7)]
    for day in days:
        coverage_compute(day=day)
    g1 = {c.day: c for c in PatrolCoverage.objects.filter(grid__code="G1")}
    assert [g1[d].working_day for d in days] == [True, True, False, True, True, False, False]
    assert [g1[d].expected_visits for d in days] == [1, 1, 0, 1, 1, 0, 0]
    assert [g1[d].visits for d in days] == [1, 0, 0, 0, 0, 0, 0]
    assert [g1[d].missed for d in days] == [False, True, False, True, True, False, False]
    assert g1[MONDAY].planned_visits == pytest.approx(1.0) and g1[days[2]].planned_visits == 0
    g2 = PatrolCoverage.objects.get(grid__code="G2", day=days[1])
    assert g2.planned_visits == 0 and not g2.missed


def test_today_is_not_missed_before_it_ends(users):
    plan_set(by=users["officer"], data=PlanIn(grid="G1", inspector="inspector_g1", visits_per_week=21))
    today = timezone.localdate()
    coverage_compute(day=today)
    row = PatrolCoverage.objects.get(grid__code="G1", day=today)
    assert not row.missed


def test_the_coverage_command(users):
    _patrol(users["inspector_g1"], MONDAY, 40)
    out = io.StringIO()
    call_command("patrol-coverage", "--day", MONDAY.isoformat(), "--quiet", stdout=out)
    assert out.getvalue() == "2025-03-03: 8 grids, 1 visits, 0 missed\n"
    call_command("patrol-coverage", "--quiet", "--close-stale", stdout=out)
    assert PatrolCoverage.objects.filter(day=timezone.localdate()).count() == 8
    with pytest.raises(CommandError):
        call_command("patrol-coverage", "--day", "2025-03-03", "--since", "2025-03-01")
    with pytest.raises(CommandError):
        call_command("patrol-coverage", "--since", "2099-01-01")


# plans ------------------------------------------------------------------------------------------


def test_plan_validation_names_the_field_and_changes_nothing(users):
    d = users["dispatcher_v1"]
    inspector("inspector_g3", "G3")
    for bad, field in (
        ({"visits_per_week": 0}, "visits_per_week"),
        ({"visits_per_week": 22}, "visits_per_week"),
        ({"min_minutes": 0}, "min_minutes"),
        ({"item_kind": "cars"}, "item_kind"),
        ({"inspector": "dispatcher_v4"}, "inspector"),
        ({"inspector": "nobody"}, "inspector"),
        ({"valid_from": timezone.localdate() - timedelta(days=1)}, "valid_from"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            plan_set(by=d, data=PlanIn(**{"grid": "G1", "inspector": "inspector_g1", **bad}))
        assert [e["field"] for e in exc.value.errors] == [field]
    with pytest.raises(ValidationFailed) as exc:
        plan_set(by=users["area_dispatcher"], data=PlanIn(grid="G1", inspector="inspector_g3"))
    assert "scoped neither to grid G1 nor to its village" in exc.value.detail
    with pytest.raises(NotFound):
        plan_set(by=users["dispatcher_v4"], data=PlanIn(grid="G1", inspector="inspector_g1"))
    with pytest.raises(Forbidden):
        plan_set(by=users["inspector_g1"], data=PlanIn(grid="G1", inspector="inspector_g1"))
    assert PatrolPlan.objects.count() == 0


def test_plans_are_set_changed_and_deactivated_with_audit_records(users):
    d = users["dispatcher_v1"]
    inspector("inspector_g2", "G2")
    plan, outcome = plan_set(by=d, data=PlanIn(grid="G1", inspector="inspector_g2", item_kind="event"))
    assert outcome == Outcome.CREATED and (plan.area.code, plan.village.code) == ("A1", "V1")
    assert (
        plan_set(by=d, data=PlanIn(grid="G1", inspector="inspector_g2", item_kind="event"))[1]
        == Outcome.UNCHANGED
    )
    _, outcome = plan_set(
        by=d, data=PlanIn(grid="G1", inspector="inspector_g2", item_kind="event", visits_per_week=3)
    )
    assert outcome == Outcome.UPDATED
    with pytest.raises(NotFound):
        plan_deactivate(by=users["dispatcher_v4"], plan_id=plan.pk)
    stopped = plan_deactivate(by=d, plan_id=plan.pk)
    assert not stopped.active and stopped.valid_until == timezone.localdate()
    plan_deactivate(by=d, plan_id=plan.pk)
    actions = list(
        AuditRecord.objects.filter(object_type="cases.patrolplan", object_id=str(plan.pk))
        .order_by("id")
        .values_list("action", "after")
    )
    assert [a for a, _ in actions] == [
        "cases.patrol_plan.create",
        "cases.patrol_plan.update",
        "cases.patrol_plan.deactivate",
    ]
    assert actions[1][1]["visits_per_week"] == 3


# scope ------------------------------------------------------------------------------------------


def test_sessions_and_coverage_are_seen_only_in_scope(users):
    session = _patrol(users["inspector_g1"], MONDAY, 40)
    coverage_compute(day=MONDAY)
    sees = {name: session_list(user=users[name]).filter(pk=session.pk).exists() for name in users}
    assert sees == {
        "officer": True,
        "area_dispatcher": True,
        "dispatcher_v1": True,
        "dispatcher_v4": False,
        "inspector_g1": True,
        "handler": False,
        "resident": False,
        "steward": False,
        "auditor": True,
        "admin": True,
    }
    other = inspector("inspector_g1b", "G1")
    assert not session_list(user=other).exists()
    assert (
        session_list(user=users["inspector_g1"], filters=SessionFilter(day=MONDAY, open=False)).count() == 1
    )
    v4 = coverage_list(user=users["dispatcher_v4"], day=MONDAY)
    assert sorted(v4.values_list("grid__code", flat=True)) == ["G7", "G8"]
    assert list(
        coverage_list(user=users["inspector_g1"], day=MONDAY).values_list("grid__code", flat=True)
    ) == ["G1"]


# the API ----------------------------------------------------------------------------------------


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_phone_checks_in_sends_its_track_and_checks_out(client, users, base):
    insp = users["inspector_g1"]
    client.force_login(insp)
    lon, lat = grid_centre(1)
    resp = post(client, f"{base}/sessions", {"lon": lon, "lat": lat, "accuracy": 12})
    assert resp.status_code == 201, resp.content
    sid = resp.json()["id"]
    assert resp.json()["grid"] == "G1" and resp.json()["state_colour"] == "#0958d9"
    assert post(client, f"{base}/sessions", {"lon": lon, "lat": lat}).json()["id"] == sid
    now = clock.time()
    pts = [[lon, lat + 0.0005 * i, now - 50 + 10 * i, 6] for i in range(5)]
    resp = post(client, f"{base}/sessions/{sid}/points", {"seq": 0, "points": pts})
    assert resp.status_code == 200 and resp.json()["kept"] == 5 and not resp.json()["duplicate"]
    assert (
        post(client, f"{base}/sessions/{sid}/points", {"seq": 0, "points": pts}).json()["duplicate"] is True
    )
    bad = post(
        client, f"{base}/sessions/{sid}/points", {"seq": 1, "points": [pts[0], [lon, lat, now + 600, 5]]}
    )
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM
    assert bad.json()["errors"][0]["field"] == "points[1]"
    outside = post(client, f"{base}/sessions", {"lon": 114.9, "lat": 23.9})
    assert outside.status_code == 422 and {e["field"] for e in outside.json()["errors"]} == {"lon", "lat"}
    resp = post(client, f"{base}/sessions/{sid}/end", {})
    assert resp.status_code == 200 and resp.json()["state"] == "checkout" and resp.json()["points"] == 5
    listed = client.get(f"{base}/sessions", {"mine": "true"}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == sid
    track = client.get(f"{base}/sessions/{sid}/track").json()
    assert track["geometry"]["type"] == "LineString" and len(track["geometry"]["coordinates"]) == 5

    client.force_login(users["dispatcher_v4"])
    assert client.get(f"{base}/sessions/{sid}").status_code == 404
    assert client.get(f"{base}/sessions").json()["count"] == 0
    assert post(client, f"{base}/sessions/{sid}/points", {"seq": 5, "points": pts}).status_code == 404
    assert post(client, f"{base}/sessions", {"lon": lon, "lat": lat}).status_code == 403
    client.force_login(users["dispatcher_v1"])
    assert client.get(f"{base}/sessions/{sid}").json()["inspector"] == "inspector_g1"
    client.force_login(users["resident"])
    assert client.get(f"{base}/sessions").status_code == 403


def test_plans_and_coverage_over_the_api(client, users, base):
    client.force_login(users["dispatcher_v1"])
    body = {"grid": "G1", "inspector": "inspector_g1", "item_kind": "event", "visits_per_week": 5}
    resp = post(client, f"{base}/plans", body)
    assert resp.status_code == 201, resp.content
    assert post(client, f"{base}/plans", body).status_code == 200
    bad = post(client, f"{base}/plans", {**body, "visits_per_week": 30})
    assert bad.status_code == 422 and bad.json()["errors"] == [
        {"field": "visits_per_week", "message": "visits_per_week must be a whole number from 1 to 21"}
    ]
    plans = client.get(f"{base}/plans").json()
    assert plans["count"] == 1 and plans["results"][0]["visits_per_week"] == 5
    client.force_login(users["dispatcher_v4"])
    assert client.get(f"{base}/plans").json()["count"] == 0
    assert post(client, f"{base}/plans", body).status_code == 404
    assert post(client, f"{base}/plans/{resp.json()['id']}/deactivate", {}).status_code == 404

    _patrol(users["inspector_g1"], MONDAY, 40)
    coverage_compute(day=MONDAY)
    client.force_login(users["dispatcher_v1"])
    cov = client.get(f"{base}/coverage", {"day": MONDAY.isoformat()}).json()
    assert [r["grid"] for r in cov["results"]] == ["G1", "G2"]
    assert cov["totals"]["grids"] == 2 and cov["totals"]["visits"] == 1
    one = client.get(f"{base}/coverage", {"day": MONDAY.isoformat(), "grid": "G1"}).json()["results"][0]
    assert one["visits"] == 1 and one["coverage"] > 0.04 and one["colour"]


# the demo history -------------------------------------------------------------------------------


def test_the_demo_history_is_realistic_and_seeding_twice_changes_nothing(users):
    from cityops.demo.patrols import HISTORY_DAYS, patrols_seed

    first = patrols_seed()
    assert first.created > HISTORY_DAYS // 2
    assert set(PatrolPlan.objects.values_list("item_kind", "visits_per_week")) == {
        ("event", 5),
        ("component", 2),
    }
    sessions = PatrolSession.objects.all()
    assert {s.grid.code for s in sessions} == {"G1"} and all(s.state == "imported" for s in sessions)
    assert all(s.points > 10 and 0 < s.minutes_inside <= 111 for s in sessions)
    assert PatrolCoverage.objects.count() == 8 * HISTORY_DAYS
    walked = PatrolCoverage.objects.filter(grid__code="G1", sessions__gt=0)
    assert walked.exists() and all(0.01 < c.coverage < 0.9 for c in walked)
    counts = (PatrolSession.objects.count(), PatrolTrackChunk.objects.count(), AuditRecord.objects.count())
    second = patrols_seed()
    assert not second.changed
    assert (
        PatrolSession.objects.count(),
        PatrolTrackChunk.objects.count(),
        AuditRecord.objects.count(),
    ) == counts
