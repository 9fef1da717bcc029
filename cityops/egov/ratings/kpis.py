"""The figures of 好差评, over the applications concluded in a period (the town's days), by department,
by window (the clerk who handled the application) or by item, or for all together.

- **coverage** (主动评价率) = rated by the applicant or the window device / concluded. Ratings given by
  default are counted apart (``defaulted``), never as rated; those still awaiting are ``awaiting``.
- **satisfaction** (满意率) = rated 满意 or 非常满意 / rated, and the **score** = the mean level (1–5)
  of the rated; both leave out a rating whose appeal was upheld (``excluded``), and both take a rating
  as it stands after a re-rating.
- **bad ratings** (差评) are the follow-ups opened (the first level given was 不满意 or 非常不满意);
  those excluded on appeal (``upheld``) leave the two rates below. **follow-up rate** (回访率) = contacted / bad;
  **rectification rate** (整改率) = answered (rectified, or explained) / bad; each with how many were in
  time.

One grouped query over the ratings (their follow-up joined one to one), read only where the user may
see (``restrict``): a department's handler sees their departments' figures.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityops.accounts.models import User
from cityops.egov.applications import figures
from cityops.egov.choices import GOOD_LEVEL, FollowUpState, RatingLevel, RatingState
from cityops.egov.models import FollowUp, Rating, ServiceItem
from cityops.org.models import Department

DIMENSIONS = {
    "department": _("Department"),
    "clerk": _("Window (clerk)"),
    "item": _("Service item"),
}
_KEYS = {"department": "department_id", "clerk": "clerk_id", "item": "item_id"}
_COUNTED = Q(state=RatingState.RATED, excluded=False)
_FOLLOWED = Q(follow_up__isnull=False, excluded=False)
SUMS = {
    "ended": Count("id"),
    "rated": Count("id", filter=Q(state=RatingState.RATED)),
    "defaulted": Count("id", filter=Q(state=RatingState.DEFAULTED)),
    "awaiting": Count("id", filter=Q(state=RatingState.INVITED)),
    "counted": Count("id", filter=_COUNTED),
    "satisfied": Count("id", filter=_COUNTED & Q(level__gte=GOOD_LEVEL)),
    "level_sum": Sum("level", filter=_COUNTED),
    "bad": Count("id", filter=Q(follow_up__isnull=False)),
    "upheld": Count("id", filter=Q(excluded=True)),
    "contacted": Count("id", filter=_FOLLOWED & Q(follow_up__contacted_at__isnull=False)),
    "contacted_on_time": Count(
        "id", filter=_FOLLOWED & Q(follow_up__contacted_at__lte=F("follow_up__contact_due_at"))
    ),
    "rectified": Count("id", filter=_FOLLOWED & Q(follow_up__rectified_at__isnull=False)),
    "rectified_on_time": Count(
        "id", filter=_FOLLOWED & Q(follow_up__rectified_at__lte=F("follow_up__rectify_due_at"))
    ),
}
COUNTS = [k for k in SUMS if k != "level_sum"]


@dataclass
class Where:
    """Which ratings: concluded from ``start`` to ``end`` (the town's days, both included), of a
    department (its code) and at an area or village (ids), inside the user's scope. The department
    and the place narrow as they narrow the applications' figures (``figures.Where``)."""

    start: date
    end: date
    department: str = ""
    area: int | None = None
    village: int | None = None

    def place(self) -> figures.Where:
        return figures.Where(department=self.department, area=self.area, village=self.village)

    def q(self) -> Q:
        zone = timezone.get_current_timezone()
        since = timezone.make_aware(datetime.combine(self.start, time.min), zone)
        until = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), zone)
        return Q(concluded_at__gte=since, concluded_at__lt=until) & self.place().q()


def period(start: date | None, end: date | None) -> tuple[date, date]:
    """The days asked for: by default from the first of the end's month to the end (today)."""
    end = end or timezone.localdate()
    return start or end.replace(day=1), end


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def derive(row: dict) -> dict:
    """The rates of one row of sums."""
    row = {k: row.get(k) or 0 for k in SUMS} | {k: v for k, v in row.items() if k not in SUMS}
    to_follow = row["bad"] - row["upheld"]
    return {
        **row,
        "coverage": _rate(row["rated"], row["ended"]),
        "satisfaction": _rate(row["satisfied"], row["counted"]),
        "score": round(row["level_sum"] / row["counted"], 2) if row["counted"] else None,
        "followed": max(to_follow, 0),
        "follow_up_rate": _rate(row["contacted"], to_follow),
        "rectification_rate": _rate(row["rectified"], to_follow),
    }


def _ratings(user, where: Where):
    return Rating.objects.restrict(user, "egov.applications").filter(where.q())


def totals(*, user, where: Where) -> dict:
    """The figures of every rating the user may see in ``where``."""
    return derive(_ratings(user, where).aggregate(**SUMS))


def levels(*, user, where: Where) -> list[dict]:
    """How many were rated at each level (the rated, not the defaulted or excluded), 5 to 1."""
    counts = dict(
        _ratings(user, where)
        .filter(_COUNTED)
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    total = sum(counts.values())
    return [
        {
            "level": lv,
            "label": lv.label,
            "colour": lv.colour,
            "n": counts.get(lv.value, 0),
            "share": _rate(counts.get(lv.value, 0), total),
        }
        for lv in sorted(RatingLevel, reverse=True)
    ]


def _names(dimension: str, keys: list) -> dict:
    ids = [k for k in keys if k is not None]
    if dimension == "department":
        return {d.pk: (d.code, d.name) for d in Department.objects.filter(pk__in=ids)}
    if dimension == "clerk":
        return {u.pk: (u.username, u.display_name or u.username) for u in User.objects.filter(pk__in=ids)}
    items = ServiceItem.objects.filter(pk__in=ids).select_related("published")
    return {i.pk: (i.code, i.published.name if i.published_id else i.code) for i in items}


def table(*, user, where: Where, dimension: str) -> list[dict]:
    """One row per department, clerk or item with ratings in ``where``, the most concluded first."""
    key = _KEYS[dimension]
    rows = list(_ratings(user, where).order_by().values(key).annotate(**SUMS))
    names = _names(dimension, [r[key] for r in rows])
    out = []
    for r in rows:
        code, name = names.get(r[key], ("", str(_("No clerk"))))
        out.append(derive({**r, "code": code, "name": name}))
    out.sort(key=lambda r: (-r["ended"], r["code"]))
    return out


def follow_up_now(*, user, where: Where | None = None, now=None) -> dict:
    """The follow-ups open now and how many of them are overdue (whenever their ratings were given)."""
    now = now or timezone.now()
    qs = FollowUp.objects.restrict(user, "egov.applications").exclude(state=FollowUpState.CLOSED)
    if where is not None:
        qs = qs.filter(where.place().q())
    late = Q(state=FollowUpState.OPEN, contact_due_at__lt=now) | Q(
        state__in=[FollowUpState.OPEN, FollowUpState.CONTACTED], rectify_due_at__lt=now
    )
    return qs.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=late),
        appealed=Count("id", filter=Q(state=FollowUpState.APPEALED)),
    )
