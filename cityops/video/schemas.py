"""Input and output schemas of the video API (inputs strict, outputs their own).

Stream credentials are write-only: an input may carry them (in the address or apart), no output
has a field for them, only ``has_credentials``."""

from datetime import date, datetime

from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field

from cityops.core.api import PageMeta
from cityops.core.inputs import Day


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


class ChannelQuery(Schema):
    project: str | None = Field(None, description="Project code.")
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    site: str | None = Field(None, description="Site code.")
    build_status: str | None = Field(None, description="planned, building, built or accepted")
    health: str | None = Field(None, description="unknown, online or offline")
    group: str | None = Field(None, description="GB/T 28181 ID of the virtual organisation.")
    q: str | None = Field(None, max_length=100, description="Text in the ID, name or site.")


class SiteQuery(Schema):
    project: str | None = None
    village: str | None = None
    q: str | None = Field(None, max_length=100)


class ChannelIn(StrictIn):
    gb_id: str = Field(min_length=1, max_length=20, description="GB/T 28181 ID, type 131 or 132.")
    name: str = Field(min_length=1, max_length=150)
    site: str = Field(min_length=1, max_length=40, description="Site code; the channel takes its location.")
    vendor: str = Field("", max_length=60)
    model: str = Field("", max_length=60)
    main_url: str = Field(
        "", max_length=400, description="rtsp://; user:password in it are taken out and sealed."
    )
    sub_url: str = Field("", max_length=400)
    username: str | None = Field(None, max_length=100, description="Write-only.")
    password: str | None = Field(None, max_length=200, description="Write-only; never returned.")
    lon: float | None = Field(None, ge=-180, le=180, description="Default: the site's point.")
    lat: float | None = Field(None, ge=-90, le=90)
    group: str | None = Field(None, max_length=20, description="A virtual organisation (216).")
    build_status: str = "planned"
    planned_on: Day | None = None
    building_on: Day | None = None
    built_on: Day | None = None
    accepted_on: Day | None = None


class ChannelPatch(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=150)
    site: str | None = Field(None, min_length=1, max_length=40)
    vendor: str | None = Field(None, max_length=60)
    model: str | None = Field(None, max_length=60)
    main_url: str | None = Field(None, max_length=400)
    sub_url: str | None = Field(None, max_length=400)
    username: str | None = Field(None, max_length=100, description="Write-only.")
    password: str | None = Field(None, max_length=200, description="Write-only.")
    clear_credentials: bool = False
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    group: str | None = Field(None, max_length=20, description="Empty string: no group.")
    build_status: str | None = Field(None, description="Forward, or back with a reason.")
    build_on: Day | None = Field(None, description="Date of the new build stage (default today).")
    reason: str = Field("", max_length=300, description="Why the build status goes back.")


class ChannelOut(Schema):
    gb_id: str
    name: str
    project: str
    site: str
    site_name: str
    group: str | None
    vendor: str
    model: str
    main_url: str
    sub_url: str
    has_credentials: bool
    lon: float
    lat: float
    area: str
    village: str
    grid: str
    build_status: str
    build_status_label: str
    build_status_colour: str
    planned_on: date | None
    building_on: date | None
    built_on: date | None
    accepted_on: date | None
    health: str
    health_label: str
    health_colour: str
    health_since: datetime | None


class ChannelPage(PageMeta):
    results: list[ChannelOut]


class SiteOut(Schema):
    code: str
    name: str
    project: str
    lon: float
    lat: float
    address: str
    area: str
    village: str
    grid: str
    channels: int


class SitePage(PageMeta):
    results: list[SiteOut]


class ProgressOut(Schema):
    planned: int
    building: int
    built: int
    accepted: int
    plan: int
    percent: float | None


class VillageProgressOut(Schema):
    village: str
    village_name: str
    progress: ProgressOut


class ProjectOut(Schema):
    code: str
    name: str
    kind: str
    target_rate: float
    planned_sites: int
    planned_channels: int
    sites: int
    progress: ProgressOut


class ProjectDetail(ProjectOut):
    description: str
    villages: list[VillageProgressOut]


class AlertEventIn(StrictIn):
    """One event of the video analytics (the webhook's body)."""

    source: str = Field(min_length=1, max_length=60, description="The analytics system's name.")
    event_id: str = Field(min_length=1, max_length=100, description="Unique within the source.")
    kind: str = Field(min_length=1, max_length=40, description="Alert kind code, e.g. no_hat.")
    channel: str = Field(pattern=r"^\d{20}$", description="The channel's GB/T 28181 ID (20 digits).")
    at: AwareDatetime = Field(description="When it was seen, ISO 8601 with a time zone.")
    confidence: float = Field(ge=0, le=1)
    snapshot_base64: str | None = Field(None, description="A JPEG or PNG picture, base64.")


class AlertOut(Schema):
    id: int
    status: str
    status_label: str
    kind: str
    channel: str
    at: datetime
    duplicate_of: int | None
    case_number: str
    note: str
