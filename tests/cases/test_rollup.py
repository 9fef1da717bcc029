"""Daily rollups: attribution of each counter, idempotence, and rollups = direct computation."""

import io
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cityops.cases.choices import OPEN_STATUSES, RESIDENT_CHANNELS, Channel, Status
from cityops.cases.kpis import kpi_table
from cityops.cases.models import Case, CaseDailyStat, CaseEvent
from cityops.cases.models.stats import COUNTERS
from cityops.cases.rollup import local_day, rollup_all, rollup_days, rollup_recent, settlement_at
from cityops.core.scoping import SYSTEM_READER
from cityops.core.workcalendar import get_calendar
from cityops.demo.history import history_generate
from tests.cases.test_lifecycle import act, photo, report
from tests.conftest import _user

pytestmark = pytest.mark.django_db


def add_inspectors(users: dict) -> dict:
    """Two more inspectors in every grid of the small town, added to ``users``."""
    for n in range(1, 9):
        for k in range(2):
            users[f"insp_g{n}_{k}"] = _user(f"insp_g{n}_{k}", "inspector", "grid", f"G{n}")
    return users


@pytest.fixture
def staffed(catalogue):
    """The small town with its catalogue, workstations and two more inspectors in every grid."""
    return add_inspectors(catalogue)


def _stat_rows() -> list[tuple]:
    fields = ["day", "grid_id", "department_id", "big_category_id", "channel", "inspector_id", *COUNTERS]
    return sorted(CaseDailyStat.objects.values_list(*fields), key=lambda r: tuple(map(str, r)))


def _close(users, case, late_by: timedelta | None = None):
    case = act(users, case, "dispatcher_v1", "register")
    case = act(users, case, "dispatcher_v1", "dispatch")
    case = act(users, case, "handler", "accept")
    case = act(users, case, "handler", "dispose", note="已处理", photos=photo())
    return act(users, case, "inspector_g1", "recheck_pass", note="已整改")


def _shift(case: Case, delta: timedelta) -> Case:
    """Move a case and its history back in time (as if it had happened ``delta`` earlier)."""
    fields = [
        "reported_at",
        "registered_at",
        "dispatched_at",
        "disposed_at",
        "closed_at",
        "due_at",
        "step_deadline",
    ]
    values = {f: getattr(case, f) - delta for f in fields if getattr(case, f) is not None}
    Case.objects.filter(pk=case.pk).update(**values)
    for event in CaseEvent.objects.filter(case=case):
        CaseEvent.objects.filter(pk=event.pk).update(at=event.at - delta)
    case.refresh_from_db()
    return case


# attribution --------------------------------------------------------------------------------------


def _case(**kw) -> dict:
    base = {"status": Status.CLOSED, "closed_at": None, "due_at": None, "disposed_at": None}
    return {**base, **kw}


def test_the_settlement_moment_is_closure_or_deadline_whichever_first():
    now = timezone.now()
    due = now - timedelta(days=3)
    early = now - timedelta(days=5)
    assert settlement_at(_case(closed_at=early, due_at=due), now) == early
    assert settlement_at(_case(closed_at=now, due_at=due), now) == due
    assert settlement_at(_case(closed_at=early), now) == early  # approved on the spot: no deadline
    assert settlement_at(_case(status=Status.ACCEPTED, due_at=due), now) == due  # overdue, open
    assert settlement_at(_case(status=Status.ACCEPTED, due_at=now + timedelta(hours=1)), now) is None
    assert settlement_at(_case(status=Status.ON_HOLD, due_at=due), now) is None  # clock stopped
    assert settlement_at(_case(status=Status.CANCELLED, closed_at=early, due_at=due), now) is None
    assert settlement_at(_case(status=Status.REGISTERED), now) is None


def test_counters_fall_on_report_dispatch_and_settlement_days(staffed):
    users = staffed
    closed = _shift(_close(users, report(users).case), timedelta(days=10))
    overdue = report(users, item="E-FIRE", grid=2, by="insp_g2_0").case
    overdue = act(users, overdue, "dispatcher_v1", "register")
    overdue = _shift(act(users, overdue, "dispatcher_v1", "dispatch"), timedelta(days=20))
    rollup_all()

    def day_counts(day) -> dict:
        rows = CaseDailyStat.objects.filter(day=day)
        return {c: sum(getattr(r, c) for r in rows) for c in COUNTERS}

    closed_day = day_counts(local_day(closed.reported_at))
    assert closed_day["reported"] == closed_day["registered"] == closed_day["dispatched"] == 1
    assert closed_day["due"] == closed_day["closed"] == closed_day["closed_on_time"] == 1
    assert closed_day["effective"] == closed_day["rechecks"] == closed_day["rechecks_on_time"] == 1
    assert day_counts(local_day(overdue.reported_at))["reported"] == 1
    late = day_counts(local_day(overdue.due_at))
    assert (late["due"], late["overdue_open"], late["closed"], late["effective"]) == (1, 1, 0, 0)
    patrol = CaseDailyStat.objects.filter(channel=Channel.PATROL, reported=1)
    assert set(patrol.values_list("inspector_id", flat=True)) == {
        users["inspector_g1"].pk,
        users["insp_g2_0"].pk,
    }


def test_a_case_not_yet_due_counts_only_as_reported(staffed):
    users = staffed
    case = report(users).case
    case = act(users, case, "dispatcher_v1", "register")
    act(users, case, "dispatcher_v1", "dispatch")
    rollup_all()
    totals = {c: sum(CaseDailyStat.objects.values_list(c, flat=True)) for c in COUNTERS}
    assert totals["reported"] == totals["registered"] == totals["dispatched"] == 1
    assert totals["due"] == totals["overdue_open"] == 0


# idempotence and recomputation --------------------------------------------------------------------


def test_rebuilding_a_range_twice_gives_identical_rows(staffed):
    now = timezone.now()
    history_generate(n=600, now=now)
    first = _stat_rows()
    today = local_day(now)
    again = rollup_days(today - timedelta(days=364), today, now=now)
    assert again.rows == len(first) > 0
    assert _stat_rows() == first
    rollup_days(today - timedelta(days=40), today - timedelta(days=10), now=now)
    assert _stat_rows() == first


def test_a_late_closure_of_an_old_case_reaches_its_old_day(staffed):
    users = staffed
    case = report(users).case
    case = act(users, case, "dispatcher_v1", "register")
    case = _shift(act(users, case, "dispatcher_v1", "dispatch"), timedelta(days=60))
    rollup_all()
    old_day = local_day(case.due_at)
    before = CaseDailyStat.objects.get(day=old_day, due=1)
    assert (before.overdue_open, before.closed) == (1, 0)

    case = act(users, case, "handler", "accept")
    case = act(users, case, "handler", "dispose", note="已处理", photos=photo())
    act(users, case, "inspector_g1", "recheck_pass", note="已整改")
    result = rollup_recent(days=3)

    after = CaseDailyStat.objects.get(day=old_day, due=1)
    assert (after.overdue_open, after.closed, after.closed_on_time, after.effective) == (0, 1, 0, 1)
    assert result.days > 3


def test_the_command_rebuilds_and_reports(staffed):
    _close(staffed, report(staffed).case)
    out = io.StringIO()
    call_command("kpi-rollup", "--all", stdout=out)
    assert "Rebuilt" in out.getvalue() and CaseDailyStat.objects.exists()
    call_command("kpi-rollup", "--days", "2", stdout=out)
    call_command("kpi-rollup", "--start", "2026-01-01", "--end", "2026-01-31", stdout=out)


# rollups = direct computation ---------------------------------------------------------------------


def _checks(case: Case, events: list, now: datetime, cal) -> list[tuple[datetime, int, bool, str]]:
    """(attribution moment, inspector, on time, kind) of each verification and re-check of a case."""
    out, current = [], None
    limit = (case.item.recheck_limit, case.item.recheck_unit)
    for e in events:
        if e.action in ("send_to_verify", "dispose"):
            current = ("verifications" if e.action == "send_to_verify" else "rechecks", e.at)
        elif current and e.action in ("verify", "recheck_pass", "recheck_fail"):
            deadline = cal.deadline(current[1], *limit)
            out.append((min(e.at, deadline), e.actor_id, e.at <= deadline, current[0]))
            current = None
        elif e.action == "cancel":
            current = None
    pending = {"verifications": Status.VERIFYING, "rechecks": Status.DISPOSED}
    if current and case.status == pending[current[0]]:
        deadline = cal.deadline(current[1], *limit)
        if deadline < now:
            out.append((deadline, case.assignee_id, False, current[0]))
    return out


def _direct(now: datetime) -> dict:
    """Counters per (month, village) straight from cases and events, as docs/kpis.md defines them."""
    cal = get_calendar()
    out: dict = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))

    def add(moment, case, *names):
        counts = out[(f"{local_day(moment):%Y-%m}", case.village.code)]
        for name in names:
            counts[name] += 1

    for case in Case.objects.select_related("village", "item").prefetch_related("events"):
        add(case.reported_at, case, "reported")
        if case.registered_at:
            add(case.reported_at, case, "registered")
        if case.status == Status.CANCELLED:
            add(case.reported_at, case, "cancelled")
        if case.dispatched_at:
            add(case.dispatched_at, case, "dispatched", *(["returned"] if case.return_count else []))
        closed = case.status == Status.CLOSED
        if closed:
            due = case.closed_at if case.due_at is None else min(case.closed_at, case.due_at)
        elif case.status in OPEN_STATUSES - {Status.ON_HOLD} and case.due_at and case.due_at < now:
            due = case.due_at
        else:
            due = None
        if due is not None:
            add(due, case, "due", "closed" if closed else "overdue_open")
            if closed and case.closed_on_time:
                add(due, case, "closed_on_time")
            if closed or case.disposed_at:
                add(due, case, "disposed", *(["disposed_on_time"] if case.disposed_on_time else []))
            if case.rework_count:
                add(due, case, "reworked")
            if closed and (not case.rework_count or case.closed_on_time):
                add(due, case, "effective")
        events = sorted(case.events.all(), key=lambda e: (e.at, e.id))
        for at, _, on_time, kind in _checks(case, events, now, cal):
            add(at, case, kind, *([f"{kind}_on_time"] if on_time else []))
    return {k: v for k, v in out.items() if any(v.values())}


def test_kpis_from_rollups_equal_the_direct_computation(staffed):
    users = staffed
    now = timezone.now()
    history_generate(n=2000, now=now)
    _close(users, report(users, grid=1).case)
    resident = report(users, channel=Channel.RESIDENT, by=None, grid=2).case
    act(users, resident, "dispatcher_v1", "send_to_verify")
    now = timezone.now()
    rollup_days(local_day(now) - timedelta(days=400), local_day(now), now=now)

    start = local_day(now) - timedelta(days=400)
    rows = kpi_table(user=SYSTEM_READER, group="village", period="month", start=start, end=local_day(now))
    from_rollups = {(r.period, r.key): r.counts for r in rows if any(r.counts.values())}

    assert from_rollups == _direct(now)
    assert sum(c["due"] for c in from_rollups.values()) > 1500
    assert sum(c["rechecks"] for c in from_rollups.values()) > 1000
    assert sum(c["verifications"] for c in from_rollups.values()) > 100
    resident_share = (
        sum(1 for c in Case.objects.all() if c.channel in RESIDENT_CHANNELS) / Case.objects.count()
    )
    assert 0.1 < resident_share < 0.2
