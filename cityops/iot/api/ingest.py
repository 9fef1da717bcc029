"""POST /api/v1/iot/telemetry: the HTTP door of the ingest, for devices that cannot keep an MQTT
session. Same body as over MQTT; HTTP Basic with the device code and its secret."""

import base64
import binascii

from django.http import JsonResponse
from ninja import Router, Schema

from cityops.core.api import problem
from cityops.iot.choices import DeadLetterReason, IngestSource
from cityops.iot.credentials import device_authenticate
from cityops.iot.store import Message, ingest_messages

router = Router(tags=["iot"])
REALM = 'Basic realm="cityops devices", charset="UTF-8"'
WHOLE_STATUS = {
    DeadLetterReason.MALFORMED: (400, "Malformed message"),
    DeadLetterReason.OVERSIZED: (413, "Payload too large"),
    DeadLetterReason.INACTIVE_DEVICE: (403, "Device retired"),
}


class TelemetryRejection(Schema):
    index: int | None
    reason: str
    detail: str


class TelemetryAccepted(Schema):
    stored: int
    duplicates: int
    rejected: list[TelemetryRejection]


_VALUE = {
    "anyOf": [
        {"type": "number"},
        {"type": "boolean"},
        {
            "type": "object",
            "properties": {"value": {"type": "number"}, "unit": {"type": "string"}},
            "required": ["value"],
        },
    ]
}
_RECORD = {
    "type": "object",
    "properties": {
        "ts": {
            "anyOf": [{"type": "string", "format": "date-time"}, {"type": "integer"}],
            "description": "ISO 8601 with an offset, or milliseconds since the Unix epoch; omitted: now.",
        },
        "values": {"type": "object", "additionalProperties": _VALUE, "description": "quantity code → value"},
        "device": {"type": "string", "description": "Optional; must be the authenticated device."},
    },
    "required": ["values"],
}
# The body is read as bytes (the same reader as the MQTT worker's, which reports each bad record
# instead of refusing the batch); this documents its shape for clients and the fuzzing.
TELEMETRY_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"anyOf": [_RECORD, {"type": "array", "items": _RECORD}]}}},
}


def _basic(request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    kind, _, encoded = header.partition(" ")
    if kind.lower() != "basic" or not encoded:
        return None
    try:
        code, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (code, secret) if sep and code else None


def _unauthorized(request):
    response = problem(
        request,
        401,
        "Unauthorized",
        "Send the device code and its secret with HTTP Basic authentication.",
    )
    response["WWW-Authenticate"] = REALM
    return response


@router.post(
    "",
    auth=None,
    response={202: TelemetryAccepted},
    openapi_extra={"requestBody": TELEMETRY_BODY},
    summary="Send readings of a device",
    description=(
        "Body: one record or an array of records, as over MQTT (docs/iot.md). 202 with counts; records "
        "that fail are listed under `rejected` (and kept as dead letters) while the others are stored."
    ),
)
def telemetry(request):
    credentials = _basic(request)
    device = device_authenticate(code=credentials[0], secret=credentials[1]) if credentials else None
    if device is None:
        return _unauthorized(request)
    message = Message(payload=request.body, device_code=device.code, source=IngestSource.HTTP)
    outcome = ingest_messages(messages=[message]).outcomes[0]
    if outcome.whole is not None:
        status, title = WHOLE_STATUS.get(outcome.whole.reason, (422, "Readings refused"))
        return problem(request, status, title, outcome.whole.detail)
    rejected = [{"index": r.index, "reason": r.reason, "detail": r.detail} for r in outcome.rejected]
    if not outcome.stored and not outcome.duplicates:
        errors = [{"field": f"[{r['index']}]", "message": f"{r['reason']}: {r['detail']}"} for r in rejected]
        return problem(request, 422, "Readings refused", "No reading of the message could be stored.", errors)
    body = {"stored": outcome.stored, "duplicates": outcome.duplicates, "rejected": rejected}
    return JsonResponse(body, status=202, json_dumps_params={"ensure_ascii": False})
