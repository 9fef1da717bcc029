"""Input and output schemas of the video API (inputs strict, outputs their own)."""

from datetime import datetime

from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


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
