"""The clocks of an incident's reports, from ``data/report_rules.json`` (each rule with its source).

- The **first report** is due a number of hours after discovery, on the wall clock: an incident
  does not wait for Monday. For a 较大 or graver incident the hours are the 办法's for the operator
  the town is (``CITYOPS_SECURITY_OPERATOR``); for an ordinary one, the town's own rule.
- The **summary report** is due a number of working days after the systems are recovered, on the
  working calendar (``core/workcalendar.py``): the rule counts working days.

The warning comes when a quarter of the hours is left, or one working day.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from cityops.core.workcalendar import get_calendar
from cityops.security.choices import Grade, TimerKind, TimerState

DATA = Path(__file__).resolve().parent.parent / "data" / "report_rules.json"


@cache
def _rules() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Limit:
    kind: str
    working_days: bool
    amount: int  # hours on the wall clock, or working days
    to: str
    rule: str


def initial_limit(grade: str) -> Limit:
    """The first report's limit for an incident of ``grade``."""
    r = _rules()["initial"]
    if grade in r["statutory_grades"]:
        op = r["operators"][settings.CITYOPS_SECURITY_OPERATOR]
        return Limit(TimerKind.INITIAL, False, op["hours"], op["to"], op["rule"])
    o = r["ordinary"]
    return Limit(TimerKind.INITIAL, False, o["hours"], o["to"], o["rule"])


def summary_limit() -> Limit:
    s = _rules()["summary"]
    return Limit(TimerKind.SUMMARY, True, s["working_days"], s["to"], s["rule"])


def limits_by_grade() -> list[tuple[Grade, Limit]]:
    """Each grade with its first report's limit, for the pages and the docs."""
    return [(g, initial_limit(g.value)) for g in Grade]


def clock(limit: Limit, start: datetime) -> tuple[datetime, datetime]:
    """(due, warn from) of a report whose clock starts at ``start``."""
    if limit.working_days:
        cal = get_calendar()
        left = _rules()["summary"]["warn_working_days_left"]
        return cal.add_working_days(start, limit.amount), cal.add_working_days(start, limit.amount - left)
    hours = timedelta(hours=limit.amount)
    share = _rules()["initial"]["warn_share_left"]
    due = start + hours
    return due, due - hours * share


def state(timer, now: datetime | None = None) -> TimerState:
    """Where a report's timer stands now."""
    if timer.started_at is None or timer.due_at is None:
        return TimerState.WAITING
    if timer.met_at is not None:
        return TimerState.MET if timer.met_at <= timer.due_at else TimerState.MET_LATE
    now = now or timezone.now()
    if now > timer.due_at:
        return TimerState.OVERDUE
    if now >= timer.warn_at:
        return TimerState.WARNING
    return TimerState.RUNNING


def minutes_left(timer, now: datetime | None = None) -> int | None:
    """Minutes until the timer runs out (negative: past it), counted as the timer counts: working
    minutes for a working-day rule, wall-clock minutes otherwise. None when not running."""
    if timer.started_at is None or timer.due_at is None or timer.met_at is not None:
        return None
    now = now or timezone.now()
    if timer.working_days:
        return get_calendar().working_minutes_between(now, timer.due_at)
    return int((timer.due_at - now).total_seconds() // 60)
