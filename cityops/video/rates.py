"""Online rates and fault time: the video figures that pages and the big screen show.

Every figure is read from the ``ChannelDay`` rollup (seconds online, offline and unknown per
channel and day), never from probes, so a page costs a few GROUP BYs at any history length. The
counts of cameras online *now* are read from ``Channel.health``.

- The online rate (完好率) of a unit over a period is ``online_s / (online_s + offline_s)``:
  time nobody probed (``unknown_s``) counts neither way, so a prober that was stopped for an hour
  does not make the town look worse or better.
- Each project is assessed against its own target (``Project.target_rate``: 98 % in key public
  areas, 95 % elsewhere, 发改高技〔2015〕996号); a unit that mixes projects (a village) is held to
  the strictest target of the projects it has cameras of.
- Fault time is the offline seconds of a channel in a month. An O&M contract deducts a point for
  every channel whose fault time in a month exceeds 8 hours (``FAULT_LIMIT_HOURS``).

Only built and accepted channels are counted "now"; planned ones and those under construction
are not expected to answer. Functions take the acting user and show only what ``video.view``
lets them see; they return plain dataclasses and lists, ready for a template or JSON.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet, Sum

from cityops.geo.models import Area, Village
from cityops.video.choices import IN_SERVICE, Health
from cityops.video.models import Canteen, Channel, ChannelDay, Project, School, Site

ACTION = "video.view"
FAULT_LIMIT_HOURS = 8.0
DAY_S = 86_400


def month_bounds(day: date) -> tuple[date, date]:
    """The first and the last day of ``day``'s month."""
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


def _rate(online_s: int, offline_s: int) -> float | None:
    """The online share in percent, or None when no time was observed."""
    seen = online_s + offline_s
    return round(100.0 * online_s / seen, 2) if seen else None


@dataclass
class Rate:
    """A unit's online time over a period, its rate (percent) and the target it is held to."""

    key: str
    name: str
    online_s: int = 0
    offline_s: int = 0
    unknown_s: int = 0
    target: float | None = None
    channels: int = 0

    @property
    def rate(self) -> float | None:
        return _rate(self.online_s, self.offline_s)

    @property
    def met(self) -> bool | None:
        if self.rate is None or self.target is None:
            return None
        return self.rate >= self.target

    def as_dict(self) -> dict:
        return {**asdict(self), "rate": self.rate, "met": self.met}


@dataclass
class Now:
    """Channels of a project in service now, by health."""

    key: str
    name: str
    online: int = 0
    offline: int = 0
    unknown: int = 0

    @property
    def total(self) -> int:
        return self.online + self.offline + self.unknown

    @property
    def rate(self) -> float | None:
        return _rate(self.online, self.offline)


@dataclass
class Progress:
    """A project's build progress: what it planned and what is in service."""

    key: str
    name: str
    kind: str
    target: float
    planned_sites: int
    planned_channels: int
    sites: int = 0
    channels: int = 0  # built or accepted
    by_status: dict = field(default_factory=dict)

    @property
    def share(self) -> float | None:
        """Channels in service as a percent of the plan."""
        return round(100.0 * self.channels / self.planned_channels, 1) if self.planned_channels else None


@dataclass
class Fault:
    """One channel's fault (offline) time in a period."""

    gb_id: str
    name: str
    project: str
    area: str
    village: str
    health: str
    offline_s: int
    online_s: int
    days: int  # days with any offline time

    @property
    def hours(self) -> float:
        return round(self.offline_s / 3600, 1)


# ---- scope -----------------------------------------------------------------------------------------


def channels_in_scope(user) -> QuerySet:
    return Channel.objects.restrict(user, ACTION)


def days_in_scope(user) -> QuerySet:
    """ChannelDay rows the user may see: the rollup copies area and village, the grid is the channel's."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.can(ACTION):
        return ChannelDay.objects.none()
    scope = user.scope_ids()
    qs = ChannelDay.objects.all()
    if scope.get("area") is not None:
        qs = qs.filter(area_id=scope["area"])
    if scope.get("village") is not None:
        qs = qs.filter(village_id=scope["village"])
    if scope.get("grid") is not None:
        qs = qs.filter(channel__grid_id=scope["grid"])
    return qs


def _projects() -> dict[int, Project]:
    return {p.pk: p for p in Project.objects.all()}


def _sums(qs: QuerySet, *by: str) -> list[dict]:
    return list(
        qs.order_by()
        .values(*by)
        .annotate(
            on=Sum("online_s"),
            off=Sum("offline_s"),
            unk=Sum("unknown_s"),
            n=Count("channel_id", distinct=True),
        )
    )


# ---- rates -----------------------------------------------------------------------------------------


def project_rates(*, user, start: date, end: date) -> list[Rate]:
    """Each project's online rate from ``start`` to ``end`` (inclusive) against its target."""
    rows = {
        r["project_id"]: r for r in _sums(days_in_scope(user).filter(day__range=(start, end)), "project_id")
    }
    out = []
    for p in _projects().values():
        r = rows.get(p.pk, {})
        out.append(
            Rate(
                p.code,
                p.name,
                r.get("on") or 0,
                r.get("off") or 0,
                r.get("unk") or 0,
                p.target_rate,
                r.get("n") or 0,
            )
        )
    return out


def unit_rates(
    *, user, start: date, end: date, level: str = "village", project: str | None = None
) -> list[Rate]:
    """The online rate of every area or village with cameras, worst first, each held to the
    strictest target of the projects counted in it."""
    if level not in ("area", "village"):
        raise ValueError("level is area or village")
    projects = _projects()
    qs = days_in_scope(user).filter(day__range=(start, end))
    if project:
        qs = qs.filter(project_id__in=[p.pk for p in projects.values() if p.code == project])
    path = f"{level}_id"
    rows = _sums(qs, path, "project_id")
    model = Area if level == "area" else Village
    names = dict(model.objects.filter(pk__in={r[path] for r in rows}).values_list("pk", "name"))
    codes = dict(model.objects.filter(pk__in={r[path] for r in rows}).values_list("pk", "code"))
    units: dict[int, Rate] = {}
    for r in rows:
        unit = units.setdefault(r[path], Rate(codes.get(r[path], ""), names.get(r[path], "")))
        unit.online_s += r["on"] or 0
        unit.offline_s += r["off"] or 0
        unit.unknown_s += r["unk"] or 0
        unit.channels += r["n"]
        target = projects[r["project_id"]].target_rate if r["project_id"] in projects else None
        if target is not None:
            unit.target = max(unit.target or 0, target)
    return sorted(units.values(), key=lambda u: (u.rate if u.rate is not None else 101, u.key))


def _unit_filter(unit, channel_path: str = "") -> dict:
    """A screen unit's filter on ChannelDay (``channel_path`` "channel__" for the grid) or Channel."""
    if unit.level == "town":
        return {}
    prefix = channel_path if unit.level == "grid" else ""
    return {f"{prefix}{unit.level}_id": unit.id}


def unit_rate(*, user, unit, start: date, end: date) -> Rate:
    """The online rate of one screen unit (``cityops.core.screen.Unit``: the town, an area, a village
    or a grid) from ``start`` to ``end``, held to the strictest target of its projects."""
    projects = _projects()
    qs = days_in_scope(user).filter(day__range=(start, end), **_unit_filter(unit, "channel__"))
    out = Rate(unit.code or "town", unit.name)
    for r in _sums(qs, "project_id"):
        out.online_s += r["on"] or 0
        out.offline_s += r["off"] or 0
        out.unknown_s += r["unk"] or 0
        out.channels += r["n"]
        target = projects[r["project_id"]].target_rate if r["project_id"] in projects else None
        if target is not None:
            out.target = max(out.target or 0, target)
    return out


def unit_health_now(*, user, unit) -> dict[str, int]:
    """Channels in service in one screen unit by their health now: {online, offline, unknown}."""
    counts = dict.fromkeys(Health.values, 0)
    qs = channels_in_scope(user).filter(build_status__in=IN_SERVICE, **_unit_filter(unit))
    for r in qs.order_by().values("health").annotate(n=Count("id")):
        if r["health"] in counts:
            counts[r["health"]] = r["n"]
    return counts


def daily_rates(*, user, start: date, end: date) -> dict[str, list[float | None]]:
    """Each project's online rate day by day from ``start`` to ``end``: {project code: [rate per day]}."""
    projects = _projects()
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    index = {d: n for n, d in enumerate(days)}
    series: dict[str, list[float | None]] = {p.code: [None] * len(days) for p in projects.values()}
    for r in _sums(days_in_scope(user).filter(day__range=(start, end)), "project_id", "day"):
        if r["project_id"] in projects:
            series[projects[r["project_id"]].code][index[r["day"]]] = _rate(r["on"] or 0, r["off"] or 0)
    return series


# ---- now -------------------------------------------------------------------------------------------


def health_now(*, user) -> list[Now]:
    """Channels in service per project by their health now."""
    projects = _projects()
    counts = (
        channels_in_scope(user)
        .filter(build_status__in=IN_SERVICE)
        .order_by()
        .values("project_id", "health")
        .annotate(n=Count("id"))
    )
    out = {p.pk: Now(p.code, p.name) for p in projects.values()}
    for r in counts:
        now = out.get(r["project_id"])
        if now is not None and r["health"] in Health.values:
            setattr(now, r["health"], r["n"])
    return list(out.values())


def build_progress(*, user) -> list[Progress]:
    """Each project's plan beside the sites and channels in service (and channels by build status)."""
    scoped = channels_in_scope(user).order_by()
    by_status = defaultdict(dict)
    for r in scoped.values("project_id", "build_status").annotate(n=Count("id")):
        by_status[r["project_id"]][r["build_status"]] = r["n"]
    in_service = scoped.filter(build_status__in=IN_SERVICE)
    sites = dict(
        in_service.values("project_id")
        .annotate(n=Count("site_id", distinct=True))
        .values_list("project_id", "n")
    )
    out = []
    for p in _projects().values():
        statuses = by_status.get(p.pk, {})
        channels = sum(n for s, n in statuses.items() if s in IN_SERVICE)
        out.append(
            Progress(
                p.code,
                p.name,
                p.kind,
                p.target_rate,
                p.planned_sites,
                p.planned_channels,
                sites.get(p.pk, 0),
                channels,
                statuses,
            )
        )
    return out


# ---- fault time ------------------------------------------------------------------------------------


def channel_faults(
    *, user, start: date, end: date, min_hours: float = 0.0, project: str | None = None
) -> list[Fault]:
    """Channels with offline time from ``start`` to ``end``, the longest first; ``min_hours`` keeps
    only those above it (``FAULT_LIMIT_HOURS`` for the monthly O&M list)."""
    qs = days_in_scope(user).filter(day__range=(start, end))
    if project:
        qs = qs.filter(channel__project__code=project)
    rows = (
        qs.order_by()
        .values("channel_id")
        .annotate(off=Sum("offline_s"), on=Sum("online_s"), days=Count("id", filter=Q(offline_s__gt=0)))
        .filter(off__gt=int(min_hours * 3600))
        .order_by("-off", "channel_id")
    )
    rows = list(rows)
    channels = {
        c.pk: c
        for c in Channel.objects.filter(pk__in=[r["channel_id"] for r in rows]).select_related(
            "project", "area", "village"
        )
    }
    out = []
    for r in rows:
        c = channels[r["channel_id"]]
        out.append(
            Fault(
                c.gb_id,
                c.name,
                c.project.name,
                c.area.name,
                c.village.name,
                c.health,
                r["off"],
                r["on"] or 0,
                r["days"],
            )
        )
    return out


def long_faults(*, user, month: date, project: str | None = None) -> list[Fault]:
    """Channels whose fault time in ``month`` exceeds the O&M contract's 8 hours."""
    first, last = month_bounds(month)
    return channel_faults(user=user, start=first, end=last, min_hours=FAULT_LIMIT_HOURS, project=project)


def video_counts() -> dict:
    """Counts of the video registry for ``cityops stats``: projects, sites, channels by project and by
    health (in service), schools, canteens, days of online history."""
    in_service = Channel.objects.filter(build_status__in=IN_SERVICE).order_by()
    return {
        "video_projects": Project.objects.count(),
        "video_sites": Site.objects.count(),
        "video_channels": Channel.objects.count(),
        "video_channels_by_project": dict(
            Channel.objects.order_by()
            .values_list("project__code")
            .annotate(n=Count("id"))
            .order_by("project__code")
        ),
        "video_channels_by_health": dict(
            in_service.values_list("health").annotate(n=Count("id")).order_by("health")
        ),
        "video_schools": School.objects.count(),
        "video_canteens": Canteen.objects.count(),
        "video_channel_days": ChannelDay.objects.count(),
    }
