"""The government services API's schemas: inputs strict, outputs their own."""

from datetime import datetime

from ninja import Field, Schema

from cityops.core.api import PageMeta


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
