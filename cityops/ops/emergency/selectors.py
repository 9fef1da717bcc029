"""Every read of emergency command, each taking the acting user and narrowed by ``restrict``.

Drills are kept out of every real figure: ``incident_figures`` (and the screen's ``ops.incidents``
panel built on it) counts real incidents only. Lists show drills, marked, and filter them.
"""

from django.db.models import Count, Q
from django.utils import timezone

from cityops.iot.models import Datastream
from cityops.ops.choices.emergency import IncidentStatus, Level, TaskStatus
from cityops.ops.models import Incident, IncidentTask, Resource, TimelineEntry
from cityops.video.models import Channel

VIEW = "ops.view"
NEARBY_DEG = 0.01  # about 1 km round the affected grids, in which sensors, cameras and resources are shown


def incident_list(*, user, filters: dict | None = None):
    """Incidents the user may see, newest first; filters: status, kind, level, drill ("real"/"drill")."""
    f = filters or {}
    qs = Incident.objects.restrict(user, VIEW)
    for key in ("status", "kind", "level"):
        if f.get(key):
            qs = qs.filter(**{key: f[key]})
    if f.get("drill") == "real":
        qs = qs.filter(drill=False)
    elif f.get("drill") == "drill":
        qs = qs.filter(drill=True)
    return (
        qs.select_related("plan")
        .order_by("-started_at", "-id")
        .annotate(
            task_count=Count("tasks"), tasks_done=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE))
        )
    )


def incident_get(*, user, pk: int, action: str = VIEW) -> Incident | None:
    return Incident.objects.restrict(user, action).select_related("plan", "raised_by").filter(pk=pk).first()


def incident_tasks(incident) -> list[IncidentTask]:
    """The task board: every task with its unit, and whether it is past its deadline."""
    now = timezone.now()
    tasks = list(incident.tasks.select_related("department", "workstation").order_by("deadline_at", "id"))
    for t in tasks:
        t.overdue = t.status != TaskStatus.DONE and t.deadline_at < now
        t.late = t.status == TaskStatus.DONE and t.done_at and t.done_at > t.deadline_at
    return tasks


def incident_timeline(incident) -> list[TimelineEntry]:
    return list(incident.timeline.order_by("at", "id"))


def affected_grids(incident):
    return [a.grid for a in incident.affected.select_related("grid", "grid__village").order_by("grid__code")]


def _box(grids) -> dict:
    return {
        "lon__gte": min(g.min_lon for g in grids) - NEARBY_DEG,
        "lon__lte": max(g.max_lon for g in grids) + NEARBY_DEG,
        "lat__gte": min(g.min_lat for g in grids) - NEARBY_DEG,
        "lat__lte": max(g.max_lat for g in grids) + NEARBY_DEG,
    }


def nearby(*, user, grids) -> dict:
    """Sensors with their latest readings, cameras with their health and resources near the grids,
    each only when the user may see them."""
    if not grids:
        return {"sensors": [], "cameras": [], "resources": []}
    box = _box(grids)
    streams = (
        Datastream.objects.restrict(user, "iot.view")
        .filter(**{f"device__{k}": v for k, v in box.items()})
        .select_related("device", "quantity")
        .order_by("device__code", "quantity__code")[:200]
    )
    sensors: dict[int, dict] = {}
    for s in streams:
        d = sensors.setdefault(
            s.device_id,
            {
                "code": s.device.code,
                "name": s.device.name,
                "lon": s.device.lon,
                "lat": s.device.lat,
                "connectivity": s.device.connectivity,
                "readings": [],
            },
        )
        d["readings"].append(
            {
                "quantity": s.quantity.name,
                "value": s.last_value,
                "unit": s.quantity.unit_symbol,
                "time": s.last_time,
            }
        )
    cameras = list(
        Channel.objects.restrict(user, "video.view")
        .filter(**box)
        .only("id", "name", "lon", "lat", "health")
        .order_by("name")[:200]
    )
    resources = list(Resource.objects.restrict(user, VIEW).filter(**box).order_by("kind", "code")[:200])
    return {"sensors": list(sensors.values()), "cameras": cameras, "resources": resources}


def incident_figures(*, user, unit_filter: dict | None = None) -> dict:
    """Open real incidents (drills excluded) by level, and their tasks past deadline."""
    qs = Incident.objects.restrict(user, VIEW).filter(
        status=IncidentStatus.OPEN, drill=False, **(unit_filter or {})
    )
    counted = dict(qs.order_by().values_list("level").annotate(n=Count("id")))
    overdue = (
        IncidentTask.objects.filter(incident__in=qs, deadline_at__lt=timezone.now())
        .exclude(status=TaskStatus.DONE)
        .count()
    )
    return {
        "open": sum(counted.values()),
        "by_level": [
            {
                "level": lv.value,
                "label": str(lv.label),
                "colour": lv.colour,
                "count": counted.get(lv.value, 0),
            }
            for lv in Level
        ],
        "tasks_overdue": overdue,
    }
