"""Answers in the spec's XML (element names of GeoReport v2) or in JSON by the Spark convention.

A body is plain data: dicts, lists, strings, numbers, booleans, None and datetimes. In XML a list
is a container element whose children take the singular name from ``ITEMS``; in JSON a list is an
array, as the Spark convention maps a container with one kind of child.
"""

import json
import math
import re
from datetime import datetime
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot hold

# container element -> the element of each of its items
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "photos": "photo",
}


class Open311Error(Exception):
    """An error answered in the spec's format: HTTP 400, 403, 404 or 429 and one description per problem."""

    def __init__(self, status: int, *descriptions: str, headers: dict | None = None):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)
        self.headers = headers or {}


def w3c(dt: datetime | None) -> str | None:
    """ISO 8601 (the W3C profile) in the town's zone with its offset, e.g. 2025-03-01T09:30:00+08:00."""
    return None if dt is None else timezone.localtime(dt).isoformat(timespec="seconds")


def _plain(value):
    if isinstance(value, datetime):
        return w3c(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # lazy translations


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return NOT_XML.sub("", str(value))


def _fill(elem: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(elem, key), child)
    elif isinstance(value, list):
        item = ITEMS.get(elem.tag, "item")
        for child in value:
            _fill(ET.SubElement(elem, item), child)
    else:
        elem.text = _text(value)


def to_xml(root: str, data) -> bytes:
    elem = ET.Element(root)
    _fill(elem, _plain(data))
    return XML_DECLARATION + ET.tostring(elem, encoding="unicode").encode("utf-8")


def to_json(data) -> bytes:
    return json.dumps(_plain(data), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def respond(fmt: str, root: str, data, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """``data`` as XML with ``root`` as its root element, or as JSON."""
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    errors = [{"code": error.status, "description": d} for d in error.descriptions]
    return respond(fmt if fmt in FORMATS else "xml", "errors", errors, error.status, error.headers)
