"""Intake: every channel creates a case through ``case_intake`` — located, routed, deadlined, de-duplicated."""

import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from cityops.audit.services import audit_record
from cityops.cases.choices import OPEN_STATUSES, RESIDENT_CHANNELS, Channel, Status, Urgency
from cityops.cases.deadlines import check_deadline, step_deadline
from cityops.cases.models import Case, CaseEvent, CaseReport, PatrolItem
from cityops.cases.notify import Pending
from cityops.cases.numbering import number_case
from cityops.cases.photos import Photo, save_photo
from cityops.core.cache import ProcessCache
from cityops.core.errors import ValidationFailed
from cityops.core.events import emit
from cityops.geo.selectors import locate_point
from cityops.org.models import Workstation

MAX_DESCRIPTION = 4000


@dataclass
class IntakeResult:
    case: Case
    report: CaseReport
    duplicate: bool

    @property
    def notice(self) -> str:
        if self.duplicate:
            return (
                f"This problem was already reported as case {self.case.number}; your report was added to it."
            )
        return f"Case {self.case.number} was opened."


@dataclass
class Reporter:
    user: object = None
    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class IntakeIn:
    channel: str
    item_code: str
    lon: float | None
    lat: float | None
    description: str = ""
    address: str = ""
    reporter: Reporter = field(default_factory=Reporter)
    external_ref: str = ""
    attributes: dict = field(default_factory=dict)
    photos: list[Photo] = field(default_factory=list)
    on_the_spot: bool = False
    deadline: datetime | None = None  # a hotline ticket may arrive with its own deadline


def _fail(field_name: str, message: str):
    raise ValidationFailed(message, errors=[{"field": field_name, "message": message}])


def _version(model) -> tuple:
    row = model.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return row["n"], row["last"]


def _refresh() -> float:
    return settings.CITYOPS_CATALOGUE_REFRESH_SECONDS


# Every intake needs its item and its village's workstation: both are read from per-process caches,
# rebuilt when a row is added, removed or saved (a bulk update must set updated_at).
_ITEMS = ProcessCache(
    lambda: {i.code: i for i in PatrolItem.objects.select_related("department", "category", "big_category")},
    lambda: _version(PatrolItem),
    _refresh,
)
_WORKSTATIONS = ProcessCache(
    lambda: dict(Workstation.objects.filter(village__isnull=False).values_list("village_id", "id")),
    lambda: _version(Workstation),
    _refresh,
)


def _item(data: IntakeIn) -> PatrolItem:
    item = _ITEMS.get().get(data.item_code)
    if item is None or not item.active:
        _fail("item", f"there is no active patrol item with code {data.item_code!r}")
    if data.channel in RESIDENT_CHANNELS and not item.resident_reportable:
        _fail("item", f"patrol item {item.code} cannot be reported by residents")
    if data.on_the_spot and not (item.on_the_spot and data.channel == Channel.PATROL):
        _fail("on_the_spot", f"patrol item {item.code} may not be disposed on the spot")
    return item


def _position(data: IntakeIn) -> tuple[float, float]:
    lon, lat = data.lon, data.lat
    if lon is None or lat is None:
        exif = next((p for p in data.photos if p.exif_lon is not None), None)
        if exif is None:
            _fail(
                "location", "a location is required: longitude and latitude, or a photo with a GPS position"
            )
        lon, lat = exif.exif_lon, exif.exif_lat
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        _fail("location", f"({lon}, {lat}) is not a WGS84 longitude and latitude")
    return lon, lat


# Channels where the reporter is a staff member reporting what they found on their own beat; the
# other channels (residents, Open311, the hotline, IoT and video) report for the whole town.
SCOPED_CHANNELS = frozenset({Channel.PATROL})
_SCOPE_PATHS = {"grid": ("scope_grid_id", "grid_id"), "village": ("scope_village_id", "village_id")}
_SCOPE_PATHS["area"] = ("scope_area_id", "area_id")


def _check_scope(data: IntakeIn, where, by) -> None:
    """A patrol report must lie in the reporter's scope (docs/cases.md): a case opened elsewhere
    would be one its reporter cannot see, and the work of another area's inspectors."""
    level = getattr(by, "scope_level", "town")
    if data.channel not in SCOPED_CHANNELS or level not in _SCOPE_PATHS:
        return
    mine, its = _SCOPE_PATHS[level]
    if getattr(by, mine) == getattr(where, its):
        return
    unit = by.scope_unit
    message = (
        f"the point lies in grid {where.grid_code} {where.grid_name}, outside your scope "
        f"({unit.code} {unit.name}); report only inside your scope, and pass what you saw "
        "elsewhere to the dispatcher of that place"
    )
    raise ValidationFailed(
        message,
        errors=[{"field": "location", "message": message, "grid": where.grid_code, "scope": unit.code}],
    )


def _validate(data: IntakeIn, by=None):
    if data.channel not in Channel.values:
        _fail("channel", f"channel {data.channel!r} is not one of {', '.join(Channel.values)}")
    if len(data.description) > MAX_DESCRIPTION:
        _fail("description", f"the description is longer than {MAX_DESCRIPTION} characters")
    if data.on_the_spot and not data.photos:
        _fail("photos", "a disposal on the spot needs at least one photo")
    if data.deadline is not None:
        check_deadline(data.deadline, now=timezone.now())
    item = _item(data)
    lon, lat = _position(data)
    where = locate_point(lon, lat)
    if where is None:
        _fail("location", f"the point ({lon:.6f}, {lat:.6f}) is outside the town")
    _check_scope(data, where, by)
    return item, lon, lat, where


def _metres(lon1, lat1, lon2, lat2) -> float:
    kx = 111_320.0 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lon2 - lon1) * kx, (lat2 - lat1) * 110_574.0)


def find_duplicate(item: PatrolItem, lon: float, lat: float, now: datetime) -> Case | None:
    """The nearest open case of the same item within the radius and time window, if any."""
    radius = getattr(settings, "CITYOPS_DUPLICATE_RADIUS_M", 50)
    hours = getattr(settings, "CITYOPS_DUPLICATE_HOURS", 72)
    dlat = radius / 110_574.0
    dlon = radius / (111_320.0 * math.cos(math.radians(lat)))
    near = Case.objects.filter(
        item=item,
        status__in=OPEN_STATUSES,
        reported_at__gte=now - timedelta(hours=hours),
        lon__range=(lon - dlon, lon + dlon),
        lat__range=(lat - dlat, lat + dlat),
    ).only("id", "lon", "lat", "number", "status", "reports")
    best = min(near, key=lambda c: _metres(lon, lat, c.lon, c.lat), default=None)
    if best is not None and _metres(lon, lat, best.lon, best.lat) <= radius:
        return best
    return None


def _lock_item(item: PatrolItem) -> None:
    """Serialise intakes of one item so two duplicate reports cannot both open a case (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7301, item.pk])


def _report(case, data: IntakeIn, lon, lat, now) -> CaseReport:
    r = data.reporter
    return CaseReport.objects.create(
        case=case,
        channel=data.channel,
        reporter=r.user if getattr(r.user, "pk", None) else None,
        contact_name=r.name[:50],
        phone=r.phone[:20],
        email=r.email[:120],
        external_ref=data.external_ref[:64],
        token=secrets.token_hex(8),
        description=data.description,
        lon=lon,
        lat=lat,
        attributes=data.attributes,
        at=now,
    )


def _join_duplicate(case: Case, data: IntakeIn, lon, lat, now, by) -> IntakeResult:
    report = _report(case, data, lon, lat, now)
    Case.objects.filter(pk=case.pk).update(reports=F("reports") + 1)
    case.reports += 1  # intakes of one item are serialised (_lock_item), so this is the stored count
    event = CaseEvent.objects.create(
        case=case,
        action="duplicate_report",
        from_status=case.status,
        to_status=case.status,
        actor=by,
        actor_name=_name(by, data),
        at=now,
        note=data.description[:500],
        data={"channel": data.channel},
    )
    for photo in data.photos:
        save_photo(photo, case=case, event=event, by=by)
    audit_record(
        action="cases.case.duplicate_report",
        actor=by,
        actor_name=_name(by, data),
        obj=case,
        after={"channel": data.channel, "report": report.token},
    )
    return IntakeResult(case, report, duplicate=True)


def _name(by, data: IntakeIn) -> str:
    """The actor recorded in history and audit: a staff username, else only the channel — a
    resident's name is personal data and stays in the report's contact fields."""
    return getattr(by, "username", "") or data.channel


def _open_case(item, data: IntakeIn, lon, lat, where, now, by) -> IntakeResult:
    status = Status.SELF_DISPOSED if data.on_the_spot else Status.REPORTED
    deadline, warn = step_deadline(now, item.dispatch_limit, item.dispatch_unit)
    reporter = data.reporter.user if getattr(data.reporter.user, "pk", None) else None
    workstation_id = _WORKSTATIONS.get().get(where.village_id)
    if workstation_id is None:
        _fail("location", f"village {where.village_name} has no workstation to take the case")
    case = Case.objects.create(
        number=f"~{secrets.token_hex(8)}",  # the real number is taken last, see below
        item=item,
        category=item.category,
        big_category=item.big_category,
        channel=data.channel,
        status=status,
        urgency=item.urgency,
        description=data.description,
        address=data.address[:200],
        lon=lon,
        lat=lat,
        area_id=where.area_id,
        village_id=where.village_id,
        grid_id=where.grid_id,
        department=item.department,
        workstation_id=workstation_id,
        reporter=reporter,
        reported_at=now,
        step_deadline=deadline,
        step_warn_at=warn,
        due_at=data.deadline,
    )
    report = _report(case, data, lon, lat, now)
    event = CaseEvent.objects.create(
        case=case,
        action="report",
        to_status=status,
        actor=by,
        actor_name=_name(by, data),
        at=now,
        note=data.description[:500],
        data={"channel": data.channel, "on_the_spot": data.on_the_spot},
    )
    for photo in data.photos:
        save_photo(photo, case=case, event=event, by=by)
    pending = Pending(case, event)
    # On SQLite the year's counter row stays locked until commit (on PostgreSQL a sequence gives the
    # number and holds nothing): taking it last, with every read done before, keeps short the part
    # where intakes would queue behind each other.
    case.number = number_case(case.pk, timezone.localtime(now).year)
    pending.send(f"New case {case.number}: {item.name} in {where.grid_name}")
    emit(
        "case_new",
        title=gettext_noop("New case %(number)s: %(item)s in %(grid)s"),
        params={"number": case.number, "item": item.name, "grid": where.grid_name},
        severity="major" if case.urgency == Urgency.URGENT else "info",
        area_id=where.area_id,
        village_id=where.village_id,
        grid_id=where.grid_id,
        lon=lon,
        lat=lat,
        link=reverse("cases:detail", args=[case.number]),
        data={"case": case.number, "channel": data.channel},
        at=now,
    )
    audit_record(
        action="cases.case.report",
        actor=by,
        actor_name=_name(by, data),
        obj=case,
        after={
            "item": item.code,
            "channel": data.channel,
            "grid": where.grid_code,
            "status": status,
        },
    )
    return IntakeResult(case, report, duplicate=False)


def case_intake(data: IntakeIn, *, by=None) -> IntakeResult:
    """Open a case from any channel, or add the report to an open duplicate; validates first."""
    item, lon, lat, where = _validate(data, by)
    now = timezone.now()
    with transaction.atomic():
        _lock_item(item)
        dup = None if data.on_the_spot else find_duplicate(item, lon, lat, now)
        if dup is not None:
            return _join_duplicate(dup, data, lon, lat, now, by)
        return _open_case(item, data, lon, lat, where, now, by)


def intake_alarm(
    *,
    channel: str,
    item_code: str,
    lon: float,
    lat: float,
    description: str,
    source_ref: str,
    attributes: dict | None = None,
    photos: list[Photo] | None = None,
) -> IntakeResult:
    """A case from an IoT alarm or a video AI alert (the capabilities call this; nobody is the reporter)."""
    if channel not in (Channel.IOT, Channel.VIDEO):
        _fail("channel", f"an alarm comes from iot or video, not {channel!r}")
    data = IntakeIn(
        channel=channel,
        item_code=item_code,
        lon=lon,
        lat=lat,
        description=description,
        external_ref=source_ref,
        attributes=attributes or {},
        photos=photos or [],
        reporter=Reporter(name=channel),
    )
    return case_intake(data)
