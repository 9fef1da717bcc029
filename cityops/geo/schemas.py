from ninja import Schema
from pydantic import Field

from cityops.core.api import PageMeta


class LocateOut(Schema):
    inside: bool = Field(description="False when the point lies outside the town.")
    lon: float
    lat: float
    grid: str | None = None
    grid_name: str | None = None
    village: str | None = None
    village_name: str | None = None
    area: str | None = None
    area_name: str | None = None


class LocateQuery(Schema):
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude.")
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude.")


class GridFilter(Schema):
    area: str | None = Field(None, description="Area code.")
    village: str | None = Field(None, description="Village code.")


class FeatureCollectionPage(Schema):
    type: str = "FeatureCollection"
    features: list[dict]
    paging: PageMeta


class PlaceOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    lon: float
    lat: float
    address: str
    parent: str | None
    grid: str
    village: str
    area: str


class PlacePage(PageMeta):
    results: list[PlaceOut]


class PlaceFilter(Schema):
    kind: str | None = None
    village: str | None = None


class ImportOut(Schema):
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: int
