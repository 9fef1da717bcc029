"""Public reads of Open311: services, service requests (cases of resident-reportable items), tokens.

Nothing here returns a reporter's name, phone, email, device or account, nor a staff member's name
or free-text note: only what the spec publishes (description, address, position, status, photos),
and the texts of ``cases/public.py`` (a fixed note per status; a description only from the public).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import shapely
from django.db.models import Max, OuterRef, Prefetch, Subquery
from django.utils.translation import gettext_lazy as _

from cityops.cases import public
from cityops.cases.choices import OPEN_STATUSES, Channel, ItemKind, Status
from cityops.cases.models import Attachment, Case, CaseEvent, CaseReport, PatrolItem
from cityops.cases.open311.attributes import attributes_for
from cityops.cases.workflow import TRANSITIONS
from cityops.geo.models import Grid, Place, Town, Village
from cityops.geo.selectors import locate_point

CLOSED_STATUSES = frozenset({Status.CLOSED, Status.CANCELLED})
# photos of these steps are public: what reporters sent and the disposal's proof
PUBLIC_PHOTO_ACTIONS = ("report", "duplicate_report", "dispose")
NOTE_LABELS = {"report": _("Reported"), "duplicate_report": _("Another report joined this request")}


def town_code() -> str | None:
    return Town.objects.values_list("code", flat=True).order_by("pk").first()


def service_items():
    """The patrol items residents may report, as Open311 services."""
    return (
        PatrolItem.objects.filter(active=True, resident_reportable=True)
        .select_related("category", "big_category")
        .order_by("code")
    )


def service_item(code: str) -> PatrolItem | None:
    return service_items().filter(code=code).first()


def services_changeset() -> datetime | None:
    return PatrolItem.objects.filter(resident_reportable=True).aggregate(at=Max("updated_at"))["at"]


def service_row(item: PatrolItem) -> dict:
    keywords = dict.fromkeys([item.category.name, item.big_category.name, str(ItemKind(item.kind).label)])
    return {
        "service_code": item.code,
        "service_name": item.name,
        "description": item.filing_condition or None,
        "metadata": bool(attributes_for(item)),
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": item.big_category.name,
    }


@dataclass
class RequestFilter:
    ids: list[str] | None = None  # overrides every other filter
    codes: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None  # exclusive
    statuses: set[str] | None = None  # "open", "closed"


def public_cases():
    """Every case of a resident-reportable item, whatever channel it came from."""
    last_event = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-at").values("at")[:1]
    return (
        Case.objects.filter(item__resident_reportable=True)
        .select_related("item", "department", "grid", "village", "area")
        .annotate(last_event_at=Subquery(last_event))
    )


def _with_related(qs, extensions: bool):
    photos = Attachment.objects.filter(event__action__in=PUBLIC_PHOTO_ACTIONS).order_by("at", "id")
    reports = (
        CaseReport.objects.filter(channel=Channel.OPEN311)
        .order_by("at", "id")
        .only("id", "case_id", "attributes", "at")
    )
    qs = qs.prefetch_related(
        Prefetch("attachments", queryset=photos, to_attr="public_photos"),
        Prefetch("report_set", queryset=reports, to_attr="open311_reports"),
    )
    if extensions:
        events = CaseEvent.objects.order_by("at", "id").only(
            "id", "case_id", "action", "from_status", "to_status", "at", "data"
        )
        qs = qs.prefetch_related(Prefetch("events", queryset=events, to_attr="public_events"))
    return qs


def request_list(f: RequestFilter, *, offset: int, limit: int, extensions: bool) -> list[Case]:
    """One page of service requests, newest first."""
    qs = public_cases()
    if f.ids is not None:
        qs = qs.filter(number__in=f.ids)
    else:
        if f.codes:
            qs = qs.filter(item__code__in=f.codes)
        qs = qs.filter(reported_at__gte=f.start, reported_at__lt=f.end)
        if f.statuses == {"open"}:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif f.statuses == {"closed"}:
            qs = qs.filter(status__in=CLOSED_STATUSES)
    qs = qs.order_by("-reported_at", "-id")[offset : offset + limit]
    return list(_with_related(qs, extensions))


def request_get(number: str, *, extensions: bool) -> Case | None:
    return _with_related(public_cases().filter(number=number), extensions).first()


def report_by_token(token: str) -> CaseReport | None:
    if not token or len(token) > 32:
        return None
    return (
        CaseReport.objects.select_related("case")
        .filter(token=token, case__item__resident_reportable=True)
        .first()
    )


def photo_get(pk: int) -> Attachment | None:
    """A public photo (see PUBLIC_PHOTO_ACTIONS) of a public case."""
    return Attachment.objects.filter(
        pk=pk, event__action__in=PUBLIC_PHOTO_ACTIONS, case__item__resident_reportable=True
    ).first()


def _note(e: CaseEvent) -> dict:
    transition = TRANSITIONS.get(e.action)
    text = str(NOTE_LABELS.get(e.action) or (transition.label if transition else e.action))
    channel = (e.data or {}).get("channel")
    if e.action in NOTE_LABELS and channel in Channel.values:
        text = f"{text} ({Channel(channel).label})"
    elif e.from_status and e.to_status and e.from_status != e.to_status:
        text = f"{text} ({Status(e.from_status).label} → {Status(e.to_status).label})"
    return {"datetime": e.at, "description": text, "type": e.action}


def _client_media_url(case: Case) -> str | None:
    for report in case.open311_reports:
        url = (report.attributes or {}).get("open311", {}).get("media_url")
        if url:
            return url
    return None


def request_row(case: Case, *, photo_url: Callable[[Attachment], str], extensions: bool) -> dict:
    """One case as a GeoReport v2 request (with extended_attributes and notes when asked)."""
    photos = [{"media_url": photo_url(a), "created_at": a.at} for a in case.public_photos]
    closed = case.status in CLOSED_STATUSES
    updated = (case.closed_at if closed else None) or case.last_event_at or case.reported_at
    row = {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": public.status_note(case.status),
        "service_name": case.item.name,
        "service_code": case.item.code,
        "description": public.description(case),
        "agency_responsible": case.department.name,
        "service_notice": None,
        "requested_datetime": case.reported_at,
        "updated_datetime": updated,
        "expected_datetime": case.due_at,
        "address": case.address or f"{case.grid.name}, {case.village.name}",
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": photos[0]["media_url"] if photos else _client_media_url(case),
    }
    if extensions:
        row["extended_attributes"] = {
            "channel": case.channel,
            "status": case.status,
            "status_label": str(Status(case.status).label),
            "area": case.area.code,
            "village": case.village.code,
            "village_name": case.village.name,
            "grid": case.grid.code,
            "grid_name": case.grid.name,
            "reports": case.reports,
            "photos": photos,
        }
        row["notes"] = [_note(e) for e in case.public_events]
    return row


def _inside_point(region) -> tuple[float, float]:
    """The centroid of a grid or village, or a point surely inside it when the centroid is not."""
    shape = shapely.geometry.shape(json.loads(region.geometry))
    centre = shapely.Point(region.centroid_lon, region.centroid_lat)
    point = centre if shape.contains(centre) else shape.representative_point()
    return point.x, point.y


def locate_address(text: str) -> tuple[float, float, str] | None:
    """(lon, lat, what matched) of the most specific place, grid or village named in ``text``."""
    folded = text.casefold()

    def longest(rows):
        hits = [r for r in rows if len(r[1].strip()) >= 2 and r[1].strip().casefold() in folded]
        return max(hits, key=lambda r: len(r[1].strip()), default=None)

    place = longest(Place.objects.values_list("pk", "name", "lon", "lat"))
    if place is not None:
        return place[2], place[3], f"place {place[1]}"
    for level, model in (("grid", Grid), ("village", Village)):
        hit = longest(model.objects.values_list("pk", "name"))
        if hit is not None:
            lon, lat = _inside_point(model.objects.get(pk=hit[0]))
            if locate_point(lon, lat) is not None:
                return lon, lat, f"{level} {hit[1]}"
    return None
