"""Incidents: registering, the six steps in order, the report timers (wall clock by grade, working
days for the summary), drills kept out of real figures, and every refused change — a role that may
not, a step out of order, a stale version — changing nothing and landing on the audit trail."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cityops.audit.models import AuditRecord
from cityops.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from cityops.core.models import CalendarDay
from cityops.core.workcalendar import get_calendar, invalidate
from cityops.security.choices import TimerState
from cityops.security.incidents import rules, selectors, services, sweeper
from cityops.security.models import Incident, IncidentEntry, IncidentStep, ReportTimer
from tests.security.conftest import register_incident

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def state_of(incident):
    """What a refused change must leave alone: the incident row, its steps, timers and timeline."""
    i = Incident.objects.get(pk=incident.pk)
    return (
        (i.grade, i.status, i.version, i.summary),
        list(IncidentStep.objects.filter(incident=i).values_list("kind", "owner", "done_at", "note")),
        list(ReportTimer.objects.filter(incident=i).values_list("kind", "due_at", "met_at", "started_at")),
        IncidentEntry.objects.filter(incident=i).count(),
    )


def refusals():
    return list(AuditRecord.objects.filter(action="security.incident.refused").order_by("id"))


# ---- registering -------------------------------------------------------------------------------------


def test_registering_records_detection_and_starts_the_first_reports_clock(people, incident, system):
    steps = list(incident.steps.order_by("position"))
    assert [s.kind for s in steps] == ["detect", "report", "contain", "eradicate", "recover", "review"]
    assert steps[0].done_at == incident.discovered_at and steps[0].owner == "security"
    assert all(s.done_at is None for s in steps[1:])
    first = incident.timers.get(kind="initial")
    # a 较大 incident of an ordinary operator: 4 hours on the wall clock, warned with an hour left
    assert first.due_at == incident.discovered_at + timedelta(hours=4)
    assert first.warn_at == incident.discovered_at + timedelta(hours=3)
    assert not first.working_days and "第四条" in first.rule
    summary = incident.timers.get(kind="summary")
    assert summary.started_at is None and summary.working_days
    assert list(incident.systems.values_list("code", flat=True)) == [system.code]
    assert incident.number.startswith(f"SEC-{timezone.localdate().year}-")
    assert AuditRecord.objects.filter(
        action="security.incident.register", object_id=str(incident.pk)
    ).exists()


@pytest.mark.parametrize(
    ("grade", "operator", "hours"),
    [
        ("especially_grave", "other", 4),
        ("grave", "cii", 1),
        ("major", "central", 2),
        ("ordinary", "other", 24),  # the town's own rule: the 办法 sets no time for 一般
        ("ordinary", "cii", 24),
    ],
)
def test_the_first_report_is_due_by_grade_and_operator(people, settings, grade, operator, hours):
    settings.CITYOPS_SECURITY_OPERATOR = operator
    incident = register_incident(people["security"], grade=grade)
    first = incident.timers.get(kind="initial")
    assert first.due_at - first.started_at == timedelta(hours=hours)


def test_a_registration_with_bad_input_names_each_problem_and_writes_nothing(people):
    before = Incident.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        register_incident(people["security"], category="attack", subcategory="ransomware")
    assert exc.value.errors[0]["field"] == "subcategory"
    with pytest.raises(ValidationFailed) as exc:
        register_incident(people["security"], discovered_at=timezone.now() + timedelta(hours=2))
    assert exc.value.errors[0]["field"] == "discovered_at"
    with pytest.raises(ValidationFailed) as exc:
        register_incident(people["security"], systems=["NO-SUCH"])
    assert "NO-SUCH" in exc.value.errors[0]["message"]
    assert Incident.objects.count() == before
    assert [r.after["attempted"] for r in refusals()] == ["register"] * 3


@pytest.mark.parametrize("who", ["auditor", "officer", "admin"])
def test_only_the_security_officer_registers(people, who):
    with pytest.raises(Forbidden):
        register_incident(people[who])
    assert not Incident.objects.exists()
    (refusal,) = refusals()
    assert refusal.actor == who and refusal.after["status"] == 403


# ---- the steps ---------------------------------------------------------------------------------------


def done(people, incident, step, minutes_after, **kw):
    incident.refresh_from_db()
    return services.step_done(
        by=people["security"],
        number=incident.number,
        step=step,
        done_at=incident.discovered_at + timedelta(minutes=minutes_after),
        owner=kw.pop("owner", "王工 (信息中心)"),
        version=incident.version,
        **kw,
    )


def test_the_steps_in_order_meet_the_timers_and_the_review_closes_the_incident(people, incident):
    done(people, incident, "report", 20)
    first = incident.timers.get(kind="initial")
    assert first.met_at == incident.discovered_at + timedelta(minutes=20)
    assert selectors.incident_timers(incident)[0].state == TimerState.MET
    done(people, incident, "contain", 25)
    done(people, incident, "eradicate", 26)
    done(people, incident, "recover", 29)
    summary = incident.timers.get(kind="summary")
    recovered = incident.discovered_at + timedelta(minutes=29)
    assert summary.started_at == recovered
    assert summary.due_at == get_calendar().add_working_days(recovered, 5)
    done(people, incident, "review", 29, note="弱口令导致后台被登录；已改口令并加双因素。")
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closed_at is not None
    assert incident.summary.startswith("弱口令")
    assert incident.timers.get(kind="summary").met_at == recovered
    # closed: nothing more changes
    with pytest.raises(Conflict):
        services.incident_note(by=people["security"], number=incident.number, text="late")


def test_a_step_out_of_order_is_refused_changes_nothing_and_is_audited(people, incident):
    before = state_of(incident)
    with pytest.raises(Conflict) as exc:
        done(people, incident, "eradicate", 10)
    assert "“Report” must be done before “Eradicate”" in exc.value.detail
    assert state_of(incident) == before
    (refusal,) = refusals()
    assert refusal.object_id == incident.number and refusal.after["attempted"] == "step"
    assert refusal.after["status"] == 409 and refusal.actor == "security"


def test_a_step_done_before_the_step_before_it_or_in_the_future_is_refused(people, incident):
    done(people, incident, "report", 20)
    before = state_of(incident)
    with pytest.raises(ValidationFailed) as exc:
        done(people, incident, "contain", 10)
    assert exc.value.errors[0]["field"] == "done_at" and "before the step “Report”" in exc.value.detail
    with pytest.raises(ValidationFailed):
        done(people, incident, "contain", 60 * 24)
    assert state_of(incident) == before
    assert len(refusals()) == 2


def test_a_step_needs_an_owner_and_the_review_its_conclusions(people, incident):
    incident.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        services.step_done(
            by=people["security"],
            number=incident.number,
            step="report",
            done_at=timezone.now(),
            version=incident.version,
        )
    assert exc.value.errors[0]["field"] == "owner"
    services.step_owner(
        by=people["security"], number=incident.number, step="report", owner="张科长", version=incident.version
    )
    incident.refresh_from_db()
    services.step_done(
        by=people["security"],
        number=incident.number,
        step="report",
        done_at=incident.discovered_at + timedelta(minutes=5),
        version=incident.version,
    )
    assert incident.steps.get(kind="report").owner == "张科长"
    for step in ("contain", "eradicate", "recover"):
        done(people, incident, step, 30)
    with pytest.raises(ValidationFailed) as exc:
        done(people, incident, "review", 30, note="")
    assert exc.value.errors[0]["field"] == "note"


def test_a_stale_form_is_refused_changes_nothing_and_is_audited(people, incident):
    seen = incident.version
    services.step_owner(
        by=people["security"], number=incident.number, step="report", owner="甲", version=seen
    )
    before = state_of(incident)
    with pytest.raises(Conflict) as exc:
        services.incident_grade(
            by=people["security"], number=incident.number, grade="grave", reason="扩散", version=seen
        )
    assert "changed by someone else" in exc.value.detail
    assert state_of(incident) == before
    assert refusals()[-1].after["attempted"] == "grade"


@pytest.mark.parametrize("who", ["auditor", "officer", "dispatcher_v1", "admin"])
def test_a_change_by_a_role_that_may_not_respond_is_refused_and_audited(people, incident, who):
    before = state_of(incident)
    attempts = [
        lambda: services.incident_grade(
            by=people[who], number=incident.number, grade="grave", reason="x", version=1
        ),
        lambda: services.step_owner(
            by=people[who], number=incident.number, step="report", owner="x", version=1
        ),
        lambda: services.step_done(
            by=people[who],
            number=incident.number,
            step="report",
            done_at=timezone.now(),
            owner="x",
            version=1,
        ),
        lambda: services.incident_systems(by=people[who], number=incident.number, systems=[], version=1),
        lambda: services.incident_note(by=people[who], number=incident.number, text="x"),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden):
            attempt()
    assert state_of(incident) == before
    assert [(r.actor, r.after["attempted"]) for r in refusals()] == [
        (who, a) for a in ("grade", "owner", "step", "systems", "note")
    ]


def test_an_unknown_incident_or_step_is_refused(people, incident):
    with pytest.raises(NotFound):
        services.incident_note(by=people["security"], number="SEC-1999-0001", text="x")
    with pytest.raises(ValidationFailed):
        services.step_owner(by=people["security"], number=incident.number, step="pray", owner="x", version=1)
    assert [r.object_id for r in refusals()] == ["SEC-1999-0001", incident.number]


# ---- timers ------------------------------------------------------------------------------------------


def test_a_grade_change_recomputes_the_first_reports_clock_from_discovery(people, incident):
    services.incident_grade(
        by=people["security"],
        number=incident.number,
        grade="ordinary",
        reason="影响小",
        version=incident.version,
    )
    first = incident.timers.get(kind="initial")
    assert first.due_at == incident.discovered_at + timedelta(hours=24)
    entry = incident.entries.get(kind="grade")
    assert entry.data == {"before": "major", "after": "ordinary"}


def test_the_worker_warns_then_marks_overdue_each_once(people):
    discovered = timezone.now() - timedelta(hours=3, minutes=10)
    incident = register_incident(people["security"], discovered_at=discovered)
    assert sweeper.sweep().warned == 1
    assert sweeper.sweep().warned == 0  # once
    first = incident.timers.get(kind="initial")
    assert first.warned_at is not None and first.overdue_at is None
    later = discovered + timedelta(hours=4, minutes=1)
    result = sweeper.sweep(now=later)
    assert (result.warned, result.overdue) == (0, 1)
    assert sweeper.sweep(now=later).overdue == 0
    assert list(incident.entries.filter(kind__in=["warned", "overdue"]).values_list("kind", flat=True)) == [
        "warned",
        "overdue",
    ]
    assert (
        AuditRecord.objects.filter(action="security.timer.overdue", object_id=str(incident.pk)).count() == 1
    )
    assert [t.incident_id for t in selectors.attention(user=people["auditor"], now=later)] == [incident.pk]


def test_a_met_report_is_never_warned(people):
    discovered = timezone.now() - timedelta(hours=3, minutes=30)
    incident = register_incident(people["security"], discovered_at=discovered)
    done(people, incident, "report", 10)
    assert sweeper.sweep(now=discovered + timedelta(hours=5)).overdue == 0


def test_the_summary_report_counts_working_days_on_the_calendar():
    """Recovered on Friday 16:00: five working days end the next Friday 16:00; a holiday on the
    Wednesday between moves it to the Monday after, where a wall clock would not move."""
    recovered = datetime(2030, 5, 10, 16, 0, tzinfo=SHANGHAI)  # a Friday
    limit = rules.summary_limit()
    due, warn = rules.clock(limit, recovered)
    assert due == datetime(2030, 5, 17, 16, 0, tzinfo=SHANGHAI)
    assert warn == datetime(2030, 5, 16, 16, 0, tzinfo=SHANGHAI)
    CalendarDay.objects.create(date=datetime(2030, 5, 15).date(), kind="holiday", name="测试假日")
    invalidate()
    due, _warn = rules.clock(limit, recovered)
    assert due == datetime(2030, 5, 20, 16, 0, tzinfo=SHANGHAI)


# ---- drills and figures ------------------------------------------------------------------------------


def test_drills_are_recorded_and_timed_but_kept_out_of_real_figures(people, incident):
    drill = register_incident(people["security"], grade="grave", drill=True, title="勒索病毒演练")
    assert drill.timers.get(kind="initial").due_at is not None
    figures = selectors.incident_figures(user=people["auditor"])
    assert figures["open"] == 1
    assert {b["grade"]: b["count"] for b in figures["by_grade"]} == {
        "especially_grave": 0,
        "grave": 0,
        "major": 1,
        "ordinary": 0,
    }
    listed = selectors.incident_list(user=people["auditor"], filters=selectors.IncidentFilter(drill="drill"))
    assert [i.number for i in listed] == [drill.number]


def test_only_the_security_officer_and_the_auditor_read_incidents(people, incident):
    for who in ("security", "auditor"):
        assert selectors.incident_get(user=people[who], number=incident.number) == incident
    for who in ("officer", "admin", "steward", "handler"):
        assert not selectors.incident_list(user=people[who]).exists()
        with pytest.raises(NotFound):
            selectors.incident_get(user=people[who], number=incident.number)
