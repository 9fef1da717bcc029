"""POST requests: the posted form read into an intake, every problem named by its field, then filed.

Nothing is written until the whole form is valid; the case, its report, the audit record and the
client's request count are written in one transaction by ``file_request``.
"""

import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction

from cityops.cases.choices import Channel
from cityops.cases.intake import MAX_DESCRIPTION, IntakeIn, IntakeResult, Reporter, case_intake
from cityops.cases.models import Open311Client
from cityops.cases.open311.attributes import read_attributes
from cityops.cases.open311.keys import client_used
from cityops.cases.open311.render import Open311Error
from cityops.cases.open311.selectors import locate_address, service_item
from cityops.cases.photos import read_photo
from cityops.core.errors import DomainError
from cityops.geo.selectors import locate_point

MAX_MEDIA = 9
MAX_MEDIA_URL = 500
# intake's field names as the spec names them
FIELD_NAMES = {"location": "lat/long", "item": "service_code", "photos": "media"}


@dataclass
class Where:
    lon: float
    lat: float
    address: str
    located_by: str = ""


def _param(data, name: str) -> str:
    return (data.get(name) or "").strip()


def _number(name: str, raw: str, limit: float, errors: list[str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        errors.append(f"{name} {raw!r} is not a number")
        return None
    if not -limit <= value <= limit:
        errors.append(f"{name} {raw} is out of range (-{limit:g} to {limit:g})")
        return None
    return value


def _point(data, errors: list[str]) -> Where | None:
    lat_raw, long_raw = _param(data, "lat"), _param(data, "long")
    if not lat_raw or not long_raw:
        errors.append(
            "lat is required when long is sent" if long_raw else "long is required when lat is sent"
        )
        return None
    lat = _number("lat", lat_raw, 90, errors)
    lon = _number("long", long_raw, 180, errors)
    if lat is None or lon is None:
        return None
    if locate_point(lon, lat) is None:
        errors.append(f"lat and long ({lat:.6f}, {lon:.6f}) are outside the town")
        return None
    return Where(lon, lat, _param(data, "address_string"))


def _where(data, errors: list[str]) -> Where | None:
    """lat and long, else a place, grid or village named in address_string; address_id is unsupported."""
    if _param(data, "lat") or _param(data, "long"):
        return _point(data, errors)
    address = _param(data, "address_string")
    if address:
        hit = locate_address(address)
        if hit is None:
            errors.append("address_string could not be located; send lat and long")
            return None
        return Where(hit[0], hit[1], address, located_by=hit[2])
    if _param(data, "address_id"):
        errors.append("address_id is not supported; send lat and long, or address_string")
    else:
        errors.append("a location is required: lat and long, or address_string")
    return None


def _contact(data, errors: list[str]) -> Reporter:
    email, phone = _param(data, "email"), _param(data, "phone")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(f"email {email!r} is not an email address")
    if len(email) > 120:
        errors.append("email is longer than 120 characters")
    if len(phone) > 20:
        errors.append("phone is longer than 20 characters")
    name = " ".join(p for p in (_param(data, "first_name"), _param(data, "last_name")) if p)
    return Reporter(name=name, phone=phone, email=email)


def _media_url(data, errors: list[str]) -> str:
    url = _param(data, "media_url")
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors.append(f"media_url {url[:100]!r} is not an http or https URL")
    if len(url) > MAX_MEDIA_URL:
        errors.append(f"media_url is longer than {MAX_MEDIA_URL} characters")
    return url


def _media(files, errors: list[str]) -> list:
    uploads = files.getlist("media")
    if len(uploads) > MAX_MEDIA:
        errors.append(f"media: at most {MAX_MEDIA} files")
        return []
    photos = []
    for upload in uploads:
        try:
            photos.append(read_photo(upload.name or "media", upload.read(), field="media"))
        except DomainError as exc:
            errors.append(f"media: {exc.detail}")
    return photos


def _item(data, errors: list[str]):
    code = _param(data, "service_code")
    if not code:
        errors.append("service_code is required")
        return None
    item = service_item(code)
    if item is None:
        raise Open311Error(404, f"service_code {code!r} was not found")
    return item


def read_request(data, files, client: Open311Client) -> IntakeIn:
    """The intake of a posted service request; Open311Error (404 or 400) naming every problem."""
    errors: list[str] = []
    item = _item(data, errors)
    where = _where(data, errors)
    description = (data.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors.append(f"description is longer than {MAX_DESCRIPTION} characters")
    values, problems = read_attributes(data, item) if item is not None else ({}, [])
    errors += problems
    reporter = _contact(data, errors)
    media_url = _media_url(data, errors)
    photos = _media(files, errors)
    if errors:
        raise Open311Error(400, *errors)
    extra = {
        "client": client.name,
        "attributes": values,
        "media_url": media_url,
        "device_id": _param(data, "device_id")[:100],
        "account_id": _param(data, "account_id")[:100],
        "located_by": where.located_by,
    }
    return IntakeIn(
        channel=Channel.OPEN311,
        item_code=item.code,
        lon=where.lon,
        lat=where.lat,
        description=description,
        address=where.address,
        reporter=reporter,
        external_ref=client.name,
        attributes={"open311": {k: v for k, v in extra.items() if v}},
        photos=photos,
    )


def file_request(data: IntakeIn, client: Open311Client) -> IntakeResult:
    """Open the case (or join an open duplicate) and count the client's request, all or nothing."""
    try:
        with transaction.atomic():
            result = case_intake(data, by=None)
            client_used(client)
    except DomainError as exc:
        described = [f"{FIELD_NAMES.get(e['field'], e['field'])}: {e['message']}" for e in exc.errors]
        raise Open311Error(400, *(described or [exc.detail])) from None
    return result
