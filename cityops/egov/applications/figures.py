"""The figures of the department dashboard and of the operations centre's screen.

Figures of *now* (in progress, overdue, waiting for 补正) are counted from the open applications on the
queue's indexes; figures of a period (received, decided, on time, average time) are summed from the
daily rollup (``rollup.py``), never from the applications' history at request time. Both read only what
the user may see (``restrict``), so a department's handler sees their departments' figures.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.errors import ValidationFailed
from cityops.core.workcalendar import get_calendar
from cityops.egov.choices import DECIDED_STATUSES, OPEN_STATUSES, Status
from cityops.egov.models import Application, ApplicationDailyStat, ServiceItem
from cityops.geo.models import Area, Village

NOT_FINAL = OPEN_STATUSES | DECIDED_STATUSES
PERIOD_SUMS = (
    "received",
    "accepted",
    "not_accepted",
    "approved",
    "denied",
    "on_time",
    "worked_minutes",
    "withdrawn",
)


@dataclass
class Where:
    """Which applications: ``department`` (a code) and ``area``/``village`` ids narrow the user's scope."""

    department: str = ""
    area: int | None = None
    village: int | None = None

    def q(self) -> Q:
        q = Q()
        if self.department:
            q &= Q(department__code=self.department)
        if self.area:
            q &= Q(area_id=self.area)
        if self.village:
            q &= Q(village_id=self.village)
        return q


def place_ids(*, area: str = "", village: str = "", field_prefix: str = "") -> tuple[int | None, int | None]:
    """The ids of the area and village codes a page or the API was given; an unknown code, or a
    village outside the area given with it, is named."""
    errors, area_id, village_id = [], None, None
    if area:
        area_id = Area.objects.filter(code=area).values_list("pk", flat=True).first()
        if area_id is None:
            errors.append({"field": f"{field_prefix}area", "message": _("no area %(code)s") % {"code": area}})
    if village:
        found = Village.objects.filter(code=village).values_list("pk", "area_id").first()
        if found is None:
            errors.append(
                {"field": f"{field_prefix}village", "message": _("no village %(code)s") % {"code": village}}
            )
        elif area_id is not None and found[1] != area_id:
            errors.append(
                {
                    "field": f"{field_prefix}village",
                    "message": _("village %(village)s is not in area %(area)s")
                    % {"village": village, "area": area},
                }
            )
        else:
            village_id = found[0]
    if errors:
        raise ValidationFailed(_("The place asked for is not known."), errors=errors)
    return area_id, village_id


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _days(minutes: int, decided: int) -> float | None:
    return round(minutes / decided / get_calendar().minutes_per_day, 1) if decided else None


def now_figures(*, user, where: Where, now=None) -> dict:
    """In progress, overdue, waiting for supplement, in a special procedure, awaiting a fee."""
    now = now or timezone.now()
    qs = Application.objects.restrict(user, "egov.applications").filter(where.q(), status__in=NOT_FINAL)
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "in_progress": sum(by_status.values()),
        "to_check": by_status.get(Status.RECEIVED, 0),
        "supplement": by_status.get(Status.SUPPLEMENT, 0),
        "special": by_status.get(Status.SPECIAL, 0),
        "awaiting_fee": by_status.get(Status.AWAITING_FEE, 0),
        "overdue": qs.filter(clock_started_at__isnull=False, due_at__lt=now).count(),
    }


def period_figures(*, user, where: Where, start: date, end: date) -> dict:
    """The sums of the period's days, with the on-time rate and the average working days to a decision."""
    stats = ApplicationDailyStat.objects.restrict(user, "egov.applications").filter(
        where.q(), day__gte=start, day__lte=end
    )
    totals = stats.aggregate(**{name: Sum(name) for name in PERIOD_SUMS})
    totals = {k: v or 0 for k, v in totals.items()}
    decided = totals["approved"] + totals["denied"]
    return {
        **totals,
        "decided": decided,
        "on_time_rate": _rate(totals["on_time"], decided),
        "average_days": _days(totals["worked_minutes"], decided),
    }


def by_item(*, user, where: Where, start: date, end: date, now=None, limit: int = 200) -> list[dict]:
    """Per item: the period's figures and the applications in progress and overdue now, the busiest first."""
    now = now or timezone.now()
    stats = (
        ApplicationDailyStat.objects.restrict(user, "egov.applications")
        .filter(where.q(), day__gte=start, day__lte=end)
        .values("item_id")
        .annotate(**{name: Sum(name) for name in PERIOD_SUMS})
    )
    live = (
        Application.objects.restrict(user, "egov.applications")
        .filter(where.q(), status__in=NOT_FINAL)
        .values("item_id")
        .annotate(
            in_progress=Count("id"),
            overdue=Count("id", filter=Q(clock_started_at__isnull=False, due_at__lt=now)),
        )
    )
    rows: dict[int, dict] = {}
    for s in stats:
        rows[s["item_id"]] = {**{k: s[k] or 0 for k in PERIOD_SUMS}, "in_progress": 0, "overdue": 0}
    for s in live:
        row = rows.setdefault(s["item_id"], {**dict.fromkeys(PERIOD_SUMS, 0)})
        row.update(in_progress=s["in_progress"], overdue=s["overdue"])
    items = {
        i.pk: i
        for i in ServiceItem.objects.filter(pk__in=list(rows)).select_related("published", "department")
    }
    out = []
    for pk, row in rows.items():
        decided = row["approved"] + row["denied"]
        item = items[pk]
        out.append(
            {
                "code": item.code,
                "name": item.published.name if item.published_id else item.code,
                "department": item.department.name,
                **row,
                "decided": decided,
                "on_time_rate": _rate(row["on_time"], decided),
                "average_days": _days(row["worked_minutes"], decided),
            }
        )
    out.sort(key=lambda r: (-(r["received"] + r["in_progress"]), r["code"]))
    return out[:limit]
