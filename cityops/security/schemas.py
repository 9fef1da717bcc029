"""Input and output schemas of the security API (inputs strict, outputs their own)."""

from datetime import date, datetime

from ninja import Schema
from pydantic import ConfigDict, Field

from cityops.core.api import PageMeta
from cityops.core.inputs import Day, Moment


def _version():
    return Field(
        ge=1,
        le=2**31 - 1,
        description="The version you read; a change made on an older one is refused (409).",
    )


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


# ---- the register ---------------------------------------------------------------------------------


class SystemQuery(Schema):
    level: int | None = Field(None, ge=1, le=5, description="等保 level, 1 to 5.")
    exposure: str | None = Field(None, max_length=12, description="internet, extranet or intranet")
    personal_data: bool | None = None
    due: str | None = Field(None, max_length=12, description="overdue, due_soon, current or not_set")
    owner: str | None = Field(None, max_length=32, description="The owner department's code.")
    status: str | None = Field(None, max_length=12, description="building, in_service or retired")
    q: str | None = Field(None, max_length=100, description="Text in the code, name or filing number.")


class ContactBody(StrictIn):
    role: str = Field(description="responsible, security, operations or vendor")
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=100)


class SystemBody(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    owner: str = Field(min_length=1, max_length=32, description="The owner department's code.")
    level: int = Field(ge=1, le=5, description="等保 level.")
    exposure: str = Field(description="internet, extranet or intranet")
    filing_number: str = Field("", max_length=40, description="备案号; required from level 2.")
    status: str = Field("in_service", description="building, in_service or retired")
    personal_data: bool = False
    data_note: str = Field("", max_length=300)
    description: str = Field("", max_length=4000)
    next_due_on: Day | None = Field(
        None, description="Earlier than the level's cycle gives, or for levels 1–2."
    )
    contacts: list[ContactBody] = Field(default_factory=list, max_length=10)


class SystemCreate(SystemBody):
    code: str = Field(min_length=1, max_length=32)


class SystemUpdate(SystemBody):
    version: int = _version()


class AssessmentIn(StrictIn):
    assessed_on: Day
    result: str = Field(description="excellent, good, fair or poor")
    assessor: str = Field(min_length=1, max_length=100, description="The assessment body.")
    next_due_on: Day | None = Field(None, description="Empty: the level's cycle decides.")
    version: int = _version()


class ContactOut(Schema):
    role: str
    name: str
    phone: str
    email: str


class SystemOut(Schema):
    code: str
    name: str
    owner: str
    owner_name: str
    level: int
    filing_number: str
    status: str
    exposure: str
    personal_data: bool
    data_note: str
    last_assessed_on: date | None
    last_result: str
    next_due_on: date | None
    due_state: str
    version: int


class SystemDetail(SystemOut):
    description: str
    last_assessor: str
    contacts: list[ContactOut]


class SystemPage(Schema):
    items: list[SystemOut]
    meta: PageMeta


class TerminalQuery(Schema):
    problem: str | None = Field(None, max_length=12, description="offline, unprotected or any (either)")
    agent_status: str | None = Field(
        None, max_length=12, description="protected, outdated, disabled or missing"
    )
    department: str | None = Field(None, max_length=32, description="A department's code.")
    q: str | None = Field(None, max_length=100, description="Text in the asset code, host name or keeper.")


class TerminalOut(Schema):
    code: str
    hostname: str
    ip: str | None
    mac: str
    department: str | None
    keeper: str
    os: str
    agent_status: str
    agent_version: str
    last_heartbeat_at: datetime | None
    offline: bool


class TerminalPage(Schema):
    items: list[TerminalOut]
    meta: PageMeta


# ---- incidents ------------------------------------------------------------------------------------


class IncidentQuery(Schema):
    status: str | None = Field(None, max_length=10, description="open or closed")
    grade: str | None = Field(None, max_length=20, description="especially_grave, grave, major or ordinary")
    category: str | None = Field(
        None, max_length=40, description="A category code (GET /security/categories)."
    )
    drill: str | None = Field(None, max_length=5, description="real or drill")
    q: str | None = Field(None, max_length=100, description="Text in the number or title.")


class IncidentIn(StrictIn):
    title: str = Field(min_length=1, max_length=200)
    category: str = Field(max_length=40, description="A category code (GET /security/categories).")
    subcategory: str = Field(max_length=60, description="A subcategory code of that category.")
    grade: str = Field(description="especially_grave, grave, major or ordinary")
    discovered_at: Moment
    description: str = Field("", max_length=4000)
    detected_by: str = Field("", max_length=150, description="Who detected it (name and unit); empty: you.")
    drill: bool = False
    systems: list[str] = Field(default_factory=list, max_length=50, description="Codes of affected systems.")


class GradeIn(StrictIn):
    grade: str = Field(description="especially_grave, grave, major or ordinary")
    reason: str = Field(min_length=1, max_length=500)
    version: int = _version()


class OwnerIn(StrictIn):
    owner: str = Field(min_length=1, max_length=150, description="Name and unit.")
    version: int = _version()


class StepDoneIn(StrictIn):
    done_at: Moment
    owner: str = Field("", max_length=150, description="Empty: the owner named before.")
    note: str = Field("", max_length=4000, description="Required for the review: its conclusions.")
    version: int = _version()


class SystemsIn(StrictIn):
    systems: list[str] = Field(
        max_length=50, description="Codes of the affected systems (replaces the list)."
    )
    version: int = _version()


class IncidentNoteIn(StrictIn):
    text: str = Field(min_length=1, max_length=4000)


class IncidentStepOut(Schema):
    step: str
    owner: str
    done_at: datetime | None
    recorded_by: str
    note: str


class TimerOut(Schema):
    report: str
    state: str
    working_days: bool
    amount: int
    started_at: datetime | None
    due_at: datetime | None
    met_at: datetime | None
    minutes_left: int | None
    rule: str


class IncidentOut(Schema):
    number: str
    title: str
    category: str
    subcategory: str
    grade: str
    drill: bool
    status: str
    discovered_at: datetime
    closed_at: datetime | None
    version: int


class IncidentDetail(IncidentOut):
    category_name: str
    subcategory_name: str
    description: str
    summary: str
    registered_at: datetime
    registered_by: str
    systems: list[str]
    steps: list[IncidentStepOut]
    timers: list[TimerOut]


class IncidentPage(Schema):
    items: list[IncidentOut]
    meta: PageMeta


class EntryOut(Schema):
    at: datetime
    kind: str
    by: str
    text: str


class GradeCount(Schema):
    grade: str
    label: str
    count: int


class IncidentFiguresOut(Schema):
    open: int
    by_grade: list[GradeCount]
    reports_overdue: int
    reports_warning: int


class SubcategoryOut(Schema):
    code: str
    name: str


class CategoryOut(Schema):
    code: str
    name: str
    subcategories: list[SubcategoryOut]
