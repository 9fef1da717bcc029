"""Values passed between the ingest, the rules and the storage of the IoT platform."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StoredReading:
    """A reading the ingest has just written (a duplicate of a stored one is not passed on)."""

    device_id: int
    datastream_id: int
    quantity_code: str
    time: datetime
    value: float
