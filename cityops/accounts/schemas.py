from datetime import datetime

from ninja import Schema
from pydantic import Field

from cityops.core.api import PageMeta


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    scope_level: str
    scope_unit: str | None
    scope_unit_name: str | None
    departments: list[str]
    actions: list[str]


class UserOut(Schema):
    username: str
    display_name: str
    role: str
    scope_level: str
    scope_unit: str | None
    phone: str = Field(description="Masked.")
    is_active: bool


class UserPage(PageMeta):
    results: list[UserOut]


class InspectorOut(Schema):
    username: str
    display_name: str
    phone: str = Field(description="Masked.")


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    days: int = Field(90, ge=1, le=366)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    active: bool


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret, shown this once only.")
