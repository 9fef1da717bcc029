from datetime import datetime

from ninja import Schema
from pydantic import Field

from cityops.core.api import PageMeta
from cityops.core.inputs import Moment


class CaseRow(Schema):
    number: str
    item: str
    item_name: str
    kind: str
    channel: str
    status: str
    status_label: str
    status_colour: str
    colour: str
    urgency: str
    grid: str
    village: str
    area: str
    department: str
    workstation: str
    escalation: int
    supervision: int
    reports: int
    reported_at: datetime
    step_deadline: datetime | None
    due_at: datetime | None
    version: int


class CasePage(PageMeta):
    results: list[CaseRow]


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor: str
    at: datetime
    note: str
    data: dict
    attachments: list[str]


class CaseDetail(CaseRow):
    description: str
    address: str
    lon: float
    lat: float
    assignee: str | None
    rework_count: int
    return_count: int
    extension_requested: int | None
    closed_at: datetime | None
    closed_on_time: bool | None
    actions: list[str] = Field(description="What you may do with this case now.")
    history: list[EventOut]


class IntakeOut(Schema):
    number: str
    duplicate: bool
    notice: str
    token: str
    status: str


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    case: str | None
    created_at: datetime
    read: bool


class HotlineIn(Schema):
    ticket: str = Field(min_length=1, max_length=64, description="The 12345 work order number.")
    item: str = Field(min_length=1, max_length=32, description="Patrol item code.")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    address: str = Field("", max_length=200)
    description: str = Field("", max_length=4000)
    caller_name: str = Field("", max_length=50)
    caller_phone: str = Field("", max_length=20)
    deadline: Moment | None = Field(
        None, description="The hotline's deadline, if it set one, with its offset (e.g. +08:00)."
    )
