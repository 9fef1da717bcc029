"""Bright kitchens (明厨亮灶): schools, their canteens' cameras by room, online rates during meal
hours, alerts by kind, and the monthly compliance report.

Who sees a school: a food-safety officer only the schools they are an officer of; anyone else whose
role grants ``video.kitchen`` the schools in their geographic scope. Meal-hour seconds come from the
online-rate rollup (``ChannelDay.meal_online_s`` / ``meal_offline_s``); this module only reads them.
A room counts as offline on a day when any of its cameras was offline during that day's meal hours.
"""

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.accounts.roles import Role
from cityops.core.errors import NotFound
from cityops.core.export import Column, Sheet
from cityops.video.choices import AlertStatus, Health, KitchenRoom
from cityops.video.models import Alert, AlertKind, Canteen, Channel, ChannelDay, School

ROOMS = list(KitchenRoom)


def schools_for(user):
    """The schools ``user`` may see on the kitchen pages."""
    if not user.can("video.kitchen"):
        return School.objects.none()
    if user.role == Role.FOOD_SAFETY:
        return School.objects.filter(officers=user)
    return School.objects.restrict(user, "video.kitchen")


def school_get(*, user, code: str) -> School:
    school = schools_for(user).filter(code=code).first()
    if school is None:
        raise NotFound(f"There is no school {code!r} among yours.")
    return school


def month_bounds(month: date) -> tuple[date, date]:
    """First and last day of ``month``."""
    first = month.replace(day=1)
    return first, first.replace(day=monthrange(first.year, first.month)[1])


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def rate(online: int, offline: int) -> float | None:
    """Online share of the known seconds; None with nothing known."""
    known = online + offline
    return online / known if known else None


@dataclass
class RoomView:
    room: str
    label: str
    channels: list = field(default_factory=list)
    online_s: int = 0
    offline_s: int = 0
    offline_days: set = field(default_factory=set)

    @property
    def covered(self) -> bool:
        return bool(self.channels)

    @property
    def meal_rate(self) -> float | None:
        return rate(self.online_s, self.offline_s)

    @property
    def online_now(self) -> int:
        return sum(c.health == Health.ONLINE for c in self.channels)


@dataclass
class CanteenView:
    canteen: Canteen
    rooms: list[RoomView]

    @property
    def covered(self) -> int:
        return sum(r.covered for r in self.rooms)

    @property
    def cameras(self) -> int:
        return sum(len(r.channels) for r in self.rooms)

    @property
    def meal_rate(self) -> float | None:
        return rate(sum(r.online_s for r in self.rooms), sum(r.offline_s for r in self.rooms))

    @property
    def offline_days(self) -> set:
        return set().union(*(r.offline_days for r in self.rooms))


@dataclass
class KindCount:
    code: str
    name: str
    total: int
    closed: int
    with_case: int


@dataclass
class SchoolView:
    school: School
    start: date
    end: date
    canteens: list[CanteenView]
    kinds: list[KindCount]

    @property
    def offline_days(self) -> list[date]:
        return sorted(set().union(*(c.offline_days for c in self.canteens)))

    @property
    def meal_rate(self) -> float | None:
        rooms = [r for c in self.canteens for r in c.rooms]
        return rate(sum(r.online_s for r in rooms), sum(r.offline_s for r in rooms))

    @property
    def alerts(self) -> int:
        return sum(k.total for k in self.kinds)

    @property
    def closed(self) -> int:
        return sum(k.closed for k in self.kinds)


def _rooms(canteen: Canteen, channels: list[Channel]) -> list[RoomView]:
    views = {r.value: RoomView(r.value, str(r.label)) for r in ROOMS}
    for ch in channels:
        if ch.room in views:
            views[ch.room].channels.append(ch)
    return list(views.values())


def _meal_seconds(rooms_of: dict[int, RoomView], start: date, end: date) -> None:
    days = ChannelDay.objects.filter(channel_id__in=list(rooms_of), day__gte=start, day__lte=end)
    for channel_id, day, on, off in days.values_list("channel_id", "day", "meal_online_s", "meal_offline_s"):
        room = rooms_of[channel_id]
        room.online_s += on
        room.offline_s += off
        if off:
            room.offline_days.add(day)


def alerts_by_kind(school: School, start: date, end: date) -> list[KindCount]:
    """Alerts of the school's kitchen cameras in the period, by kind, with how many were closed."""
    rows = (
        Alert.objects.filter(
            channel__canteen__school=school, at__gte=_moment(start), at__lt=_moment(end + timedelta(days=1))
        )
        .values("kind_code")
        .annotate(
            total=Count("id"),
            closed=Count("id", filter=Q(status=AlertStatus.CASE_CLOSED)),
            with_case=Count("id", filter=Q(status__in=[AlertStatus.CASE_OPENED, AlertStatus.CASE_CLOSED])),
        )
        .order_by("kind_code")
    )
    names = dict(AlertKind.objects.values_list("code", "name"))
    return [
        KindCount(
            r["kind_code"], names.get(r["kind_code"], r["kind_code"]), r["total"], r["closed"], r["with_case"]
        )
        for r in rows
    ]


def school_view(school: School, *, start: date, end: date) -> SchoolView:
    """Cameras by room with their health, meal-hour online rates and alerts by kind, for a period."""
    canteens = list(Canteen.objects.filter(school=school).order_by("code"))
    channels = defaultdict(list)
    for ch in Channel.objects.filter(canteen__in=canteens).order_by("room", "gb_id"):
        channels[ch.canteen_id].append(ch)
    views, rooms_of = [], {}
    for canteen in canteens:
        rooms = _rooms(canteen, channels[canteen.pk])
        views.append(CanteenView(canteen, rooms))
        rooms_of.update({ch.pk: r for r in rooms for ch in r.channels})
    _meal_seconds(rooms_of, start, end)
    return SchoolView(school, start, end, views, alerts_by_kind(school, start, end))


@dataclass
class SchoolSummary:
    school: School
    canteens: int
    cameras: int
    online: int
    meal_online_s: int
    meal_offline_s: int
    alerts: int

    @property
    def meal_rate(self) -> float | None:
        return rate(self.meal_online_s, self.meal_offline_s)


def school_summaries(user, *, start: date, end: date) -> list[SchoolSummary]:
    """Per visible school: canteens, cameras, online now, meal-hour rate and alerts in the period."""
    schools = list(schools_for(user).order_by("code"))
    ids = [s.pk for s in schools]
    cams = dict(
        Channel.objects.filter(canteen__school__in=ids)
        .values("canteen__school")
        .annotate(n=Count("id"))
        .values_list("canteen__school", "n")
    )
    online = dict(
        Channel.objects.filter(canteen__school__in=ids, health=Health.ONLINE)
        .values("canteen__school")
        .annotate(n=Count("id"))
        .values_list("canteen__school", "n")
    )
    canteens = dict(
        Canteen.objects.filter(school__in=ids)
        .values("school")
        .annotate(n=Count("id"))
        .values_list("school", "n")
    )
    seconds = {
        row[0]: row[1:]
        for row in ChannelDay.objects.filter(channel__canteen__school__in=ids, day__gte=start, day__lte=end)
        .values("channel__canteen__school")
        .annotate(on=Sum("meal_online_s"), off=Sum("meal_offline_s"))
        .values_list("channel__canteen__school", "on", "off")
    }
    alerts = dict(
        Alert.objects.filter(
            channel__canteen__school__in=ids, at__gte=_moment(start), at__lt=_moment(end + timedelta(days=1))
        )
        .values("channel__canteen__school")
        .annotate(n=Count("id"))
        .values_list("channel__canteen__school", "n")
    )
    return [
        SchoolSummary(
            s,
            canteens.get(s.pk, 0),
            cams.get(s.pk, 0),
            online.get(s.pk, 0),
            *(seconds.get(s.pk) or (0, 0)),
            alerts.get(s.pk, 0),
        )
        for s in schools
    ]


# ---- the monthly compliance report -----------------------------------------------------------------


def monthly_report(school: School, month: date) -> list[Sheet]:
    """The school's compliance report for ``month``: canteens, rooms, alerts by kind, offline days."""
    start, end = month_bounds(month)
    view = school_view(school, start=start, end=end)
    period = f"{start.isoformat()} – {end.isoformat()}"
    summary = [
        [_("School"), f"{school.name} ({school.code})"],
        [_("Month"), period],
        [_("Rooms covered"), sum(c.covered for c in view.canteens)],
        [_("Rooms required"), len(ROOMS) * len(view.canteens)],
        [_("Cameras"), sum(c.cameras for c in view.canteens)],
        [_("Meal-hour online rate"), "—" if view.meal_rate is None else f"{view.meal_rate:.1%}"],
        [_("Days with an offline room"), len(view.offline_days)],
        [_("Alerts"), view.alerts],
        [_("Alerts whose case was closed"), view.closed],
    ]
    rooms = [
        [
            c.canteen.name,
            r.label,
            len(r.channels),
            _("yes") if r.covered else _("no"),
            r.meal_rate,
            len(r.offline_days),
        ]
        for c in view.canteens
        for r in c.rooms
    ]
    kinds = [[k.name, k.code, k.total, k.with_case, k.closed] for k in view.kinds]
    offline = [
        [day, c.canteen.name, "、".join(r.label for r in c.rooms if day in r.offline_days)]
        for day in view.offline_days
        for c in view.canteens
        if day in c.offline_days
    ]
    pct = "percent"
    return [
        Sheet(_("Summary"), [Column(_("Item"), 28), Column(_("Value"), 36)], summary, header=True),
        Sheet(
            _("Rooms"),
            [
                Column(_("Canteen"), 24),
                Column(_("Room"), 20),
                Column(_("Cameras"), 10),
                Column(_("Covered"), 10),
                Column(_("Meal-hour online rate"), 14, pct),
                Column(_("Days offline"), 12),
            ],
            rooms,
        ),
        Sheet(
            _("Alerts by kind"),
            [
                Column(_("Kind"), 18),
                Column(_("Kind code"), 18),
                Column(_("Alerts"), 10),
                Column(_("With a case"), 12),
                Column(_("Closed"), 10),
            ],
            kinds,
        ),
        Sheet(
            _("Offline days"),
            [Column(_("Day"), 12, "date"), Column(_("Canteen"), 24), Column(_("Rooms offline"), 40)],
            offline,
        ),
    ]
