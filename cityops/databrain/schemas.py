"""The data brain API's schemas: inputs strict, outputs their own."""

from datetime import date, datetime

from ninja import Field, Schema

from cityops.core.api import PageMeta


class ResourceQuery(Schema):
    q: str = Field("", description="Chinese search of the catalogue (jieba words, all must be found)")
    category: str = Field("", description="A classification code: the resources under it at any depth")
    provider: str = Field("", description="A department code")
    share_type: str = Field("", description="unconditional, conditional or none")

    model_config = {"extra": "forbid"}


class FieldOut(Schema):
    name: str
    title: str
    type: str
    length: int | None
    description: str
    personal: bool
    required: bool
    rule: str


class ResourceOut(Schema):
    code: str
    name: str
    category: str
    category_name: str
    provider: str
    provider_name: str
    abstract: str
    format: str
    share_type: str
    share_condition: str
    share_method: str
    open_type: str
    open_condition: str
    update_cycle: str
    published_on: date | None
    related: list[str]
    key_fields: list[str]
    version: int
    record_count: int
    flagged_count: int
    loaded_at: datetime | None


class ResourceDetail(ResourceOut):
    fields: list[FieldOut]


class ResourcePage(Schema):
    items: list[ResourceOut]
    meta: PageMeta


class RecordPage(Schema):
    fields: list[FieldOut]
    records: list[dict]
    limit: int
    next: str | None = Field(
        None, description="The cursor of the next page (pass it as `after`); null on the last"
    )
    next_url: str | None = None
    total: int | None = Field(None, description="How many records match (only when asked with total=1)")
