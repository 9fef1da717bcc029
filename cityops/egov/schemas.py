"""The government services API's schemas: inputs strict, outputs their own."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from cityops.core.api import PageMeta
from cityops.core.inputs import Day


class ItemQuery(Schema):
    q: str = Field(
        "", description="The resident's own words (开餐馆, 生孩子), pinyin or initials, or an item code"
    )
    department: str = Field("", description="A department code")
    item_type: str = Field(
        "",
        description="licensing, confirmation, adjudication, benefit, award, filing, other_power or public_service",
    )
    channel: str = Field("", description="online, window or kiosk")
    state: str = Field("", description="draft: items with a draft waiting; unpublished: never published")

    model_config = {"extra": "forbid"}


class PublicQuery(Schema):
    q: str = Field(..., min_length=1, max_length=50, description="What the resident typed")
    limit: int = Field(20, ge=1, le=50)

    model_config = {"extra": "forbid"}


class SituationOut(Schema):
    name: str
    description: str


class MaterialOut(Schema):
    name: str
    situation: str = Field(description="The situation it is asked in; empty: always")
    form: str
    copies: int
    required: bool
    source: str
    resource: str = Field(description="The data brain resource the platform fetches it from, if any")
    note: str


class GuideOut(Schema):
    version: int
    state: str
    name: str
    item_type: str
    implementing_body: str
    applicant: str
    legal_basis: str
    conditions: str
    limit_kind: str
    legal_days: int | None
    promised_days: int
    fee: bool
    fee_standard: str
    fee_basis: str
    online: bool
    window: bool
    kiosk: bool
    visits: int
    online_depth: int
    place: str
    hours: str
    phone: str
    result_name: str
    delivery: list[str]
    published_at: datetime | None


class GuideDetailOut(GuideOut):
    situations: list[SituationOut]
    materials: list[MaterialOut]


class ItemOut(Schema):
    code: str
    department: str
    department_name: str
    published: GuideOut | None
    draft: GuideOut | None


class ItemPage(Schema):
    items: list[ItemOut]
    meta: PageMeta


class ItemDetail(Schema):
    code: str
    department: str
    department_name: str
    published: GuideDetailOut | None
    draft: GuideDetailOut | None


class PublicItemOut(Schema):
    code: str
    department: str
    department_name: str
    guide: GuideOut


class PublicItemDetail(Schema):
    code: str
    department: str
    department_name: str
    guide: GuideDetailOut


# ---- applications ----------------------------------------------------------------------------------


class ApplicantSchema(Schema):
    kind: Literal["person", "organisation"] = "person"
    name: str = Field("", max_length=100)
    id_number: str = Field(
        "", max_length=18, description="Resident ID number, or a unified social credit code"
    )
    phone: str = Field("", max_length=20, description="A mainland mobile number: the steps are sent to it")
    note: str = Field("", max_length=1000)
    delivery: Literal["", "window", "post", "electronic", "none"] = ""

    model_config = {"extra": "forbid"}


class ApplicationIn(Schema):
    item: str = Field(..., min_length=1, max_length=40, description="The item's code")
    channel: Literal["window", "online"] = Field(
        "window", description="window: a clerk for a walk-in applicant; online: a resident for themselves"
    )
    applicant: ApplicantSchema = ApplicantSchema()
    situations: list[str] = Field(
        default_factory=list, max_length=20, description="Names of the guide's situations"
    )
    submit: bool = Field(False, description="Submit at once (else a draft is saved)")
    submission_key: str = Field(
        "",
        max_length=40,
        description="16–40 letters, digits, - or _: the same key twice makes one application (the second "
        "call answers 200 with the first one's)",
    )

    model_config = {"extra": "forbid"}


class DraftUpdate(Schema):
    applicant: ApplicantSchema = ApplicantSchema()
    situations: list[str] = Field(default_factory=list, max_length=20)

    model_config = {"extra": "forbid"}


class ActionBody(Schema):
    """What an action carries; each action needs its own part (a 422 names what is missing)."""

    note: str = Field("", max_length=2000)
    reason_code: str = Field(
        "", max_length=16, description="not_competent, not_eligible, materials, not_required, law or other"
    )
    days: int | None = Field(None, ge=1, le=10, description="Working days of an extension")
    special_kind: str = Field(
        "", max_length=12, description="hearing, tender, inspection, appraisal, experts or site"
    )
    outcome: str = Field("", max_length=8, description="decide_on_the_spot: approve or deny")
    fee_amount: Decimal | None = Field(None, ge=0, le=999999, max_digits=10, decimal_places=2)
    reference: str = Field("", max_length=60, description="The fee payment's receipt number")
    method: str = Field("", max_length=12, description="deliver: window, post or electronic")
    material: int | None = Field(None, ge=1, le=999, description="check: the material's position")
    finding: str = Field("", max_length=10, description="check: ok, missing or defective")
    revision: int | None = Field(
        None, ge=1, le=2_000_000_000, description="The revision read; a 409 when it changed since"
    )

    model_config = {"extra": "forbid"}


class ApplicationQuery(Schema):
    view: Literal["todo", "review", "waiting", "deliver", "overdue", "mine", "open", "done", "all"] = "open"
    department: str = Field("", max_length=32)
    item: str = Field("", max_length=40)
    channel: Literal["", "online", "window", "kiosk"] = ""
    q: str = Field(
        "", max_length=40, description="A tracking number (or its start), or words of the item's name"
    )

    model_config = {"extra": "forbid"}


class DashboardQuery(Schema):
    department: str = Field("", max_length=32)
    start: Day | None = Field(None, description="First day (default: the month's first)")
    end: Day | None = Field(None, description="Last day (default: today); at most 366 days in all")

    model_config = {"extra": "forbid"}


class TrackIn(Schema):
    number: str = Field(..., min_length=1, max_length=40)
    phone: str = Field(..., min_length=1, max_length=40)

    model_config = {"extra": "forbid"}


class ClockOut(Schema):
    phase: str = Field(description="intake, decision, delivery or none")
    running: bool
    due_at: datetime | None
    legal_due_at: datetime | None
    minutes_left: int | None = Field(description="Working minutes left (negative: overdue)")


class ApplicationRow(Schema):
    number: str
    item: str
    item_name: str
    version: int
    department: str
    channel: str
    status: str
    received_at: datetime
    due_at: datetime | None
    assignee: str | None


class ApplicationPage(Schema):
    items: list[ApplicationRow]
    meta: PageMeta


class MaterialCheckOut(Schema):
    position: int
    name: str
    required: bool
    situation: str
    finding: str
    note: str
    requested: bool


class ApplicationEventOut(Schema):
    action: str
    label: str
    from_status: str
    to_status: str
    actor: str
    at: datetime
    note: str


class ApplicationDetail(ApplicationRow):
    revision: int
    situations: list[str]
    applicant_kind: str
    applicant_name: str
    id_number: str = Field(description="Masked")
    phone: str = Field(description="Masked")
    accepted_at: datetime | None
    deemed_accepted: bool
    decided_at: datetime | None
    decision: str
    reason_code: str
    fee_amount: Decimal | None
    extension_requested: int | None
    extension_days: int
    clock: ClockOut
    materials: list[MaterialCheckOut]
    events: list[ApplicationEventOut]
    actions: list[str] = Field(description="The actions you may take now")


class DraftOut(Schema):
    id: int
    item: str
    item_name: str
    channel: str
    situations: list[str]
    applicant: ApplicantSchema
    updated_at: datetime


class ApplicationFiguresOut(Schema):
    now: dict[str, int]
    period: dict[str, int | float | None]
    items: list[dict[str, int | float | str | None]]


class PublicStep(Schema):
    label: str
    at: datetime


class PublicApplication(Schema):
    number: str
    item: str
    department: str
    channel: str
    status: str
    status_label: str
    status_note: str
    received_at: datetime
    due_at: datetime | None
    days_left: int | None
    paused: bool
    supplement: list[str] = Field(description="The materials asked for, during a request for supplement")
    steps: list[PublicStep]
