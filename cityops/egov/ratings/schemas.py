"""The schemas of 好差评's API: inputs strict, outputs their own."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from cityops.core.api import PageMeta
from cityops.core.inputs import Day

NUMBER = Field(min_length=1, max_length=20, description="The application's tracking number")
PHONE = Field(
    min_length=1, max_length=20, description="The applicant's mobile number, as given when applying"
)
PROBLEMS = Field(
    default_factory=list,
    max_length=7,
    description="With a bad rating (1 or 2), what went wrong: attitude, efficiency, guide, visits, "
    "materials, system, other (at least one online and at a kiosk)",
)


class Strict(Schema):
    model_config = {"extra": "forbid"}


class LookupIn(Strict):
    number: str = NUMBER
    phone: str = PHONE


class PublicRatingIn(LookupIn):
    level: int = Field(ge=1, le=5, description="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")
    problems: list[str] = PROBLEMS
    comment: str = Field("", max_length=500)


class PublicRatingOut(Schema):
    number: str
    item: str
    department: str
    concluded_at: datetime | None
    state: str = Field(description="invited, rated, defaulted; empty while the application is not concluded")
    level: int | None
    level_label: str
    can_rate: bool
    again: bool = Field(description="A re-rating after the department answered a bad rating")
    rate_by: datetime | None
    message: str


class WindowRatingIn(Strict):
    level: int = Field(ge=1, le=5)
    problems: list[str] = PROBLEMS
    comment: str = Field("", max_length=500)
    revision: int | None = Field(None, ge=1, le=2**31 - 1, description="The rating's revision as you read it")


class RatingQuery(Strict):
    start: Day | None = Field(None, description="Concluded on or after this day (with end)")
    end: Day | None = Field(None, description="Concluded on or before this day (with start)")
    department: str = Field("", max_length=32)
    state: Literal["", "invited", "rated", "defaulted"] = ""
    source: Literal["", "online", "kiosk", "window", "default"] = ""
    level: int | None = Field(None, ge=1, le=5)
    bad: bool = Field(False, description="Only those first rated 2 or 1")


class FollowUpBrief(Schema):
    state: str
    contact_due_at: datetime
    rectify_due_at: datetime
    outcome: str


class RatingOut(Schema):
    number: str
    item_code: str
    item: str
    department: str
    clerk: str
    channel: str
    concluded_at: datetime
    state: str
    due_at: datetime
    level: int | None
    first_level: int | None
    source: str
    rated_at: datetime | None
    rerated_at: datetime | None
    problems: list[str]
    comment: str
    excluded: bool
    revision: int
    follow_up: FollowUpBrief | None


class RatingPage(Schema):
    items: list[RatingOut]
    meta: PageMeta


class FollowUpQuery(Strict):
    state: Literal["", "active", "open", "contacted", "rectified", "appealed", "closed"] = ""
    department: str = Field("", max_length=32)
    overdue: bool = False


class FollowUpActForm(Strict):
    action: Literal["contact", "rectify", "appeal", "decide"]
    note: str = Field("", max_length=2000)
    method: Literal["", "phone", "visit", "message"] = ""
    disposition: Literal["", "rectified", "explained"] = ""
    decision: Literal["", "upheld", "refused"] = ""
    revision: int | None = Field(None, ge=1, le=2**31 - 1)


class RatingStepOut(Schema):
    action: str
    label: str
    at: datetime
    actor: str
    note: str


class FollowUpOut(Schema):
    number: str
    item: str
    department: str
    level: int | None
    first_level: int | None
    problems: list[str]
    comment: str
    state: str
    opened_at: datetime
    contact_due_at: datetime
    rectify_due_at: datetime
    overdue: bool
    escalation: int
    contacted_at: datetime | None
    contact_method: str
    contact_note: str
    rectified_at: datetime | None
    disposition: str
    rectify_note: str
    rerate_due_at: datetime | None
    appealed_at: datetime | None
    appeal_reason: str
    evidence: list[str]
    appeal_decision: str
    appeal_decided_at: datetime | None
    appeal_note: str
    closed_at: datetime | None
    outcome: str
    revision: int
    actions: list[str] = Field(description="The steps you may take now")
    steps: list[RatingStepOut]


class FollowUpPage(Schema):
    items: list[FollowUpOut]
    meta: PageMeta


class RatingFiguresQuery(Strict):
    by: Literal["department", "clerk", "item"] = "department"
    start: Day | None = Field(None, description="First day (default: the first of the end's month)")
    end: Day | None = Field(None, description="Last day (default: today)")
    department: str = Field("", max_length=32)
    area: str = Field("", max_length=32, description="An area's code: the ratings of its village centres")
    village: str = Field("", max_length=32, description="A village's code: the ratings of its centre")


class KpiRow(Schema):
    code: str = ""
    name: str = ""
    ended: int
    rated: int
    defaulted: int
    awaiting: int
    counted: int
    satisfied: int
    bad: int
    upheld: int
    contacted: int
    contacted_on_time: int
    rectified: int
    rectified_on_time: int
    coverage: float | None
    satisfaction: float | None
    score: float | None
    follow_up_rate: float | None
    rectification_rate: float | None


class KpiOut(Schema):
    start: date
    end: date
    by: str
    total: KpiRow
    rows: list[KpiRow]
