"""Input and output schemas of the IoT API (inputs strict, outputs their own)."""

from datetime import date, datetime

from ninja import Schema
from pydantic import ConfigDict, Field

from cityops.core.api import PageMeta
from cityops.core.inputs import Day


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


class DeviceQuery(Schema):
    type: str | None = Field(None, description="Device type code.")
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    status: str | None = Field(None, description="active, maintenance or retired")
    connectivity: str | None = Field(None, description="never, online or offline")
    q: str | None = Field(None, max_length=100, description="Text in the code, name or address.")


class DeviceIn(StrictIn):
    code: str = Field(min_length=1, max_length=40, description="Letters, digits, '-' and '_'.")
    name: str = Field(min_length=1, max_length=150)
    type: str = Field(min_length=1, max_length=40, description="Device type code.")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    description: str = Field("", max_length=4000)
    address: str = Field("", max_length=200)
    install_date: Day | None = None
    status: str = "active"
    properties: dict = Field(default_factory=dict)


class DevicePatch(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=150)
    description: str | None = Field(None, max_length=4000)
    address: str | None = Field(None, max_length=200)
    install_date: Day | None = None
    properties: dict | None = None
    status: str | None = None
    lon: float | None = Field(None, ge=-180, le=180, description="With lat: move the device.")
    lat: float | None = Field(None, ge=-90, le=90)


class DeviceOut(Schema):
    code: str
    name: str
    type: str
    type_name: str
    status: str
    status_label: str
    status_colour: str
    connectivity: str
    connectivity_label: str
    connectivity_colour: str
    lon: float
    lat: float
    address: str
    area: str
    village: str
    grid: str
    install_date: date | None
    last_seen_at: datetime | None
    has_secret: bool


class DevicePage(PageMeta):
    results: list[DeviceOut]


class StreamOut(Schema):
    quantity: str
    unit: str
    last_value: float | None
    last_time: datetime | None


class RuleOut(Schema):
    id: int
    code: str
    name: str
    type: str
    device: str | None
    kind: str
    severity: str
    severity_colour: str
    quantity: str | None
    params: dict
    enabled: bool
    case_item_code: str


class DeviceDetail(DeviceOut):
    description: str
    properties: dict
    streams: list[StreamOut]
    rules: list[RuleOut]
    active_alarms: int


class SecretOut(Schema):
    device: str
    secret: str = Field(description="Shown once; store it in the device. Only its hash is kept.")


class TypeQuantityOut(Schema):
    quantity: str
    name: str
    unit: str
    min_valid: float | None
    max_valid: float | None


class DeviceTypeOut(Schema):
    code: str
    name: str
    description: str
    report_interval_s: int
    offline_after_s: int
    quantities: list[TypeQuantityOut]


class RuleIn(StrictIn):
    type: str = Field(min_length=1, max_length=40, description="Device type code.")
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(description="threshold, rate, offline or combination")
    severity: str = Field(description="critical, major, minor or warning")
    quantity: str | None = None
    params: dict = Field(default_factory=dict, description="By kind; see docs/iot.md.")
    enabled: bool = True
    case_item_code: str = Field("", max_length=32)
    device: str | None = Field(
        None, description="A device code: the rule overrides the type's rule of this code."
    )


class RulePatch(StrictIn):
    name: str | None = Field(None, min_length=1, max_length=100)
    severity: str | None = None
    quantity: str | None = None
    params: dict | None = None
    enabled: bool | None = None
    case_item_code: str | None = Field(None, max_length=32)


class AlarmQuery(Schema):
    status: str | None = Field(None, description="active or cleared")
    severity: str | None = None
    type: str | None = Field(None, description="Device type code.")
    device: str | None = None
    area: str | None = None
    village: str | None = None
    grid: str | None = None
    acknowledged: bool | None = None


class AlarmOut(Schema):
    id: int
    device: str
    device_name: str
    rule: str
    rule_name: str
    severity: str
    severity_label: str
    severity_colour: str
    status: str
    status_colour: str
    message: str
    value: float | None
    started_at: datetime
    last_seen_at: datetime
    trigger_count: int
    cleared_at: datetime | None
    acknowledged_at: datetime | None
    case_number: str
    case_status: str
    area: str
    village: str
    grid: str


class AlarmPage(PageMeta):
    results: list[AlarmOut]


class CommentOut(Schema):
    id: int
    author: str | None = Field(description="None: a system comment.")
    text: str
    created_at: datetime


class CaseStateOut(Schema):
    number: str
    status: str
    closed_at: datetime | None


class AlarmDetail(AlarmOut):
    acknowledged_by: str | None
    cleared_by: str | None
    comments: list[CommentOut]
    case: CaseStateOut | None


class NoteIn(StrictIn):
    note: str = Field("", max_length=2000)


class CommentIn(StrictIn):
    text: str = Field(min_length=1, max_length=2000)
