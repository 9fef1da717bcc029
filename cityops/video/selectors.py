"""Reads of the video app (the registry, AI alerts, bright kitchens), each narrowed to the acting
user's scope with ``restrict``.

Projects and the virtual-organisation tree are town-wide reference data; the counts shown on them
are of the channels the user may see, so a village dispatcher's dashboard is their village's.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from cityops.audit.models import AuditRecord
from cityops.core.errors import NotFound
from cityops.geo.models import Village
from cityops.video.choices import BUILD_ORDER, BuildStatus
from cityops.video.models import Alert, Channel, Group, HealthChange, Outage, Project, Site

VIEW = "video.view"


@dataclass
class ChannelFilter:
    project: str | None = None
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    site: str | None = None
    build_status: str | None = None
    health: str | None = None
    group: str | None = None
    text: str | None = None


def channel_list(*, user, filters: ChannelFilter | None = None, action: str = VIEW):
    """Channels the user may see (or act on), filtered, by ID."""
    f = filters or ChannelFilter()
    qs = Channel.objects.restrict(user, action).select_related("site", "project", "group", "village", "grid")
    for name, lookup in (
        ("project", "project__code"),
        ("area", "area__code"),
        ("village", "village__code"),
        ("grid", "grid__code"),
        ("site", "site__code"),
        ("build_status", "build_status"),
        ("health", "health"),
        ("group", "group__gb_id"),
    ):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**{lookup: value})
    if f.text:
        t = f.text
        qs = qs.filter(
            Q(gb_id__icontains=t)
            | Q(name__icontains=t)
            | Q(site__code__icontains=t)
            | Q(site__name__icontains=t)
        )
    return qs.order_by("gb_id")


def channel_get(*, user, gb_id: str, action: str = VIEW) -> Channel:
    channel = (
        Channel.objects.restrict(user, action)
        .select_related("site", "project", "group", "area", "village", "grid", "canteen", "device")
        .filter(gb_id=gb_id)
        .first()
    )
    if channel is None:
        raise NotFound(f"There is no channel {gb_id!r} in your scope.")
    return channel


def channel_build_history(channel: Channel) -> list[AuditRecord]:
    """The channel's registration and build-status changes, newest first (from the audit trail)."""
    return list(
        AuditRecord.objects.filter(
            object_type="video.channel",
            object_id=str(channel.pk),
            action__in=("video.channel.create", "video.channel.build"),
        ).order_by("-id")[:100]
    )


@dataclass
class SiteFilter:
    project: str | None = None
    village: str | None = None
    text: str | None = None


def site_list(*, user, filters: SiteFilter | None = None, action: str = VIEW):
    """Sites the user may see, with their channel counts, by code."""
    f = filters or SiteFilter()
    qs = Site.objects.restrict(user, action).select_related("project", "area", "village", "grid")
    if f.project:
        qs = qs.filter(project__code=f.project)
    if f.village:
        qs = qs.filter(village__code=f.village)
    if f.text:
        qs = qs.filter(Q(code__icontains=f.text) | Q(name__icontains=f.text) | Q(address__icontains=f.text))
    return qs.annotate(channel_count=Count("channels")).order_by("code")


def site_get(*, user, code: str, action: str = VIEW) -> Site:
    site = (
        Site.objects.restrict(user, action)
        .select_related("project", "area", "village", "grid")
        .filter(code=code)
        .first()
    )
    if site is None:
        raise NotFound(f"There is no site {code!r} in your scope.")
    return site


@dataclass
class Progress:
    """Channels by build status, and how far the plan is built."""

    planned: int = 0
    building: int = 0
    built: int = 0
    accepted: int = 0
    plan: int = 0  # the plan it is measured against

    @property
    def registered(self) -> int:
        return self.planned + self.building + self.built + self.accepted

    @property
    def in_service(self) -> int:
        return self.built + self.accepted

    @property
    def percent(self) -> float | None:
        """Built or accepted channels as a share of the plan (None without a plan)."""
        return round(100.0 * self.in_service / self.plan, 1) if self.plan else None

    def segments(self) -> list[dict]:
        """Each status's share of the bar, with its label and colour."""
        total = max(self.plan, self.registered) or 1
        return [
            {
                "status": s,
                "label": BuildStatus(s).label,
                "colour": BuildStatus(s).colour,
                "count": getattr(self, s),
                "width": round(100.0 * getattr(self, s) / total, 2),
            }
            for s in BUILD_ORDER
        ]


def _progress(counts: dict[str, int], plan: int) -> Progress:
    p = Progress(**{s: counts.get(s, 0) for s in BUILD_ORDER})
    p.plan = max(plan, p.registered) if plan else p.registered
    return p


@dataclass
class ProjectRow:
    project: Project
    progress: Progress
    sites: int = 0
    villages: list = field(default_factory=list)


def _town_wide(user) -> bool:
    return not any(user.scope_ids().values())


def project_list(*, user) -> list[ProjectRow]:
    """Every project with its channels in the user's scope by build status and its build progress.

    Town-wide users measure progress against the project's plan; a narrower scope has no plan of
    its own, so there it is measured against the channels registered in the scope."""
    channels = Channel.objects.restrict(user, VIEW)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for project_id, status, n in (
        channels.order_by().values_list("project_id", "build_status").annotate(n=Count("id"))
    ):
        counts[project_id][status] = n
    sites = dict(
        Site.objects.restrict(user, VIEW).order_by().values_list("project_id").annotate(n=Count("id"))
    )
    wide = _town_wide(user)
    return [
        ProjectRow(p, _progress(counts[p.pk], p.planned_channels if wide else 0), sites.get(p.pk, 0))
        for p in Project.objects.order_by("code")
    ]


def project_get(*, user, code: str) -> ProjectRow:
    """One project, with its progress in the user's scope and per village."""
    if not user.can(VIEW):
        raise NotFound(f"There is no project {code!r}.")
    project = Project.objects.filter(code=code).first()
    if project is None:
        raise NotFound(f"There is no project {code!r}.")
    row = next(r for r in project_list(user=user) if r.project.pk == project.pk)
    row.villages = project_villages(user=user, project=project)
    return row


def project_villages(*, user, project: Project) -> list[dict]:
    """Per village in scope: the project's channels by build status."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    qs = Channel.objects.restrict(user, VIEW).filter(project=project).order_by()
    for village_id, status, n in qs.values_list("village_id", "build_status").annotate(n=Count("id")):
        counts[village_id][status] = n
    villages = Village.objects.filter(pk__in=counts).select_related("area").order_by("code")
    return [{"village": v, "progress": _progress(counts[v.pk], 0)} for v in villages]


@dataclass
class GroupNode:
    group: Group
    own: int = 0  # channels filed directly under it, in scope
    total: int = 0  # with every group below it
    children: list["GroupNode"] = field(default_factory=list)

    @property
    def type_code(self) -> str:
        return self.group.type_code


def group_tree(*, user) -> list[GroupNode]:
    """The business groups and virtual organisations as a tree, with the channels in the user's scope
    under each (directly and in all)."""
    own = dict(
        Channel.objects.restrict(user, VIEW)
        .filter(group__isnull=False)
        .order_by()
        .values_list("group_id")
        .annotate(n=Count("id"))
    )
    nodes = (
        {g.pk: GroupNode(g, own.get(g.pk, 0)) for g in Group.objects.order_by("gb_id")}
        if user.can(VIEW)
        else {}
    )
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.group.parent_id)
        (parent.children if parent else roots).append(node)

    def total(node: GroupNode, depth: int = 0) -> int:
        node.total = node.own + (sum(total(c, depth + 1) for c in node.children) if depth < 50 else 0)
        return node.total

    for root in roots:
        total(root)
    return roots


def group_get(*, user, gb_id: str) -> Group:
    group = Group.objects.filter(gb_id=gb_id).first() if user.can(VIEW) else None
    if group is None:
        raise NotFound(f"There is no group {gb_id!r}.")
    return group


def projects_for_choice():
    return Project.objects.order_by("code")


@dataclass
class AlertFilter:
    kind: str | None = None
    scene: str | None = None
    status: str | None = None
    village: str | None = None  # village code
    day_from: date | None = None  # local days, both ends included
    day_to: date | None = None
    channel: str | None = None  # GB/T 28181 ID


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def alert_list(*, user, filters: AlertFilter | None = None):
    """Alerts the user may see, filtered, the newest first."""
    f = filters or AlertFilter()
    qs = Alert.objects.restrict(user, "video.view").select_related("channel", "kind")
    if f.kind:
        qs = qs.filter(kind_code=f.kind)
    if f.scene:
        qs = qs.filter(kind__scene=f.scene)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.village:
        village = Village.objects.restrict(user, "geo.view").filter(code=f.village).values("id")
        qs = qs.filter(village_id__in=village)
    if f.channel:
        qs = qs.filter(channel__gb_id=f.channel)
    if f.day_from:
        qs = qs.filter(at__gte=_local_start(f.day_from))
    if f.day_to:
        qs = qs.filter(at__lt=_local_start(f.day_to + timedelta(days=1)))
    return qs.order_by("-at", "-id")


def alert_get(*, user, alert_id: int) -> Alert:
    alert = (
        Alert.objects.restrict(user, "video.view")
        .select_related("channel", "kind", "duplicate_of")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(f"There is no alert {alert_id} in your scope.")
    return alert


def village_names(ids) -> dict[int, str]:
    """Names of these villages, in one query (alerts carry only the id)."""
    return dict(Village.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def live_channel(*, user, gb_id: str) -> Channel:
    """A channel the user may watch live (scope and the video.live action)."""
    channel = (
        Channel.objects.restrict(user, "video.live")
        .select_related("site", "project")
        .filter(gb_id=gb_id)
        .first()
    )
    if channel is None:
        raise NotFound(f"There is no channel {gb_id} in your scope.")
    return channel


HEALTH_ROWS = 30


@dataclass
class ChannelHealth:
    """What the channel page shows of a channel's health: its transitions and its outages, newest first."""

    changes: list = field(default_factory=list)
    outages: list = field(default_factory=list)
    more_changes: bool = False
    more_outages: bool = False


def channel_health(*, user, channel: Channel, limit: int = HEALTH_ROWS) -> ChannelHealth:
    """The last ``limit`` health changes and outages of a channel in the user's scope."""
    visible = Channel.objects.restrict(user, VIEW).filter(pk=channel.pk)
    changes = list(HealthChange.objects.filter(channel__in=visible).order_by("-at", "-id")[: limit + 1])
    outages = list(
        Outage.objects.restrict(user, VIEW)
        .filter(channel_id=channel.pk)
        .order_by("-started_at", "-id")[: limit + 1]
    )
    return ChannelHealth(changes[:limit], outages[:limit], len(changes) > limit, len(outages) > limit)
