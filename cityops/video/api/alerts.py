"""POST /api/v1/video/alerts: the door of the video analytics, signed with a shared HMAC key.

No session or token: the sender proves itself with ``X-Cityops-Signature`` (``cityops.video.signing``).
The order of the checks is the order of the answers: no key configured 503, body too big 413, bad or
old signature 401, bad body 422 (an unknown channel too: such an alert is not stored), then 201 with
the new alert, or 200 with the stored one when the event was seen before.
"""

import base64
import binascii
import time

import pydantic
from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone
from ninja import Router

from cityops.core.api import problem, problem_response
from cityops.core.errors import DomainError, PayloadTooLarge, ValidationFailed
from cityops.video import signing
from cityops.video.alerts import AlertIn, alert_receive, read_snapshot
from cityops.video.choices import AlertStatus
from cityops.video.schemas import AlertEventIn, AlertOut

router = Router(tags=["video"])
BODY_SLACK = 16 * 1024  # the JSON around the snapshot


def snapshot_max_bytes() -> int:
    return settings.CITYOPS_VIDEO_SNAPSHOT_MAX_BYTES


def body_max_bytes() -> int:
    return snapshot_max_bytes() * 4 // 3 + 4 + BODY_SLACK


def _too_big(request, size: int):
    limit = body_max_bytes()
    return problem(
        request,
        413,
        "Payload too large",
        f"The body is {size:,} bytes; at most {limit:,} are accepted "
        f"(a snapshot of at most {snapshot_max_bytes():,} bytes, base64-encoded).",
    )


def _invalid(exc: pydantic.ValidationError) -> list[dict]:
    errors = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ())) or "body"
        errors.append({"field": loc, "message": err.get("msg", "invalid")})
    return errors


def _snapshot(encoded: str | None):
    """The decoded snapshot, checked; DomainError names the field."""
    if not encoded:
        return None
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            "snapshot_base64 is not valid base64",
            errors=[{"field": "snapshot_base64", "message": "not base64"}],
        ) from None
    if len(data) > snapshot_max_bytes():
        raise PayloadTooLarge(
            f"The snapshot is {len(data):,} bytes; at most {snapshot_max_bytes():,} are accepted.",
            errors=[{"field": "snapshot_base64", "message": "too large"}],
        )
    return read_snapshot(data)


def alert_out(alert) -> dict:
    return AlertOut(
        id=alert.pk,
        status=alert.status,
        status_label=str(AlertStatus(alert.status).label),
        kind=alert.kind_code,
        channel=alert.channel.gb_id,
        at=timezone.localtime(alert.at),
        duplicate_of=alert.duplicate_of_id,
        case_number=alert.case_number,
        note=alert.note,
    ).model_dump(mode="json")


@router.post(
    "",
    auth=None,
    response={200: AlertOut, 201: AlertOut},
    openapi_extra={
        "responses": {503: problem_response("No webhook key is configured.")},
        # read as bytes (the signature is over them), validated as AlertEventIn
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": AlertEventIn.model_json_schema()}},
        },
    },
    summary="Receive an alert of the video analytics",
    description=(
        'Signed: `X-Cityops-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, "{t}.{raw body}")>`. '
        "Idempotent by (source, event_id): a repeat is answered 200 with the stored alert. "
        "201 for a new alert (stored also when its kind is unknown, with status no_case)."
    ),
)
def receive(request):
    key = settings.CITYOPS_VIDEO_WEBHOOK_KEY
    if not key:
        return problem(
            request,
            503,
            "Service unavailable",
            "No webhook key is configured (CITYOPS_VIDEO_WEBHOOK_KEY); alerts cannot be verified, so none "
            "are accepted.",
        )
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > body_max_bytes():
        return _too_big(request, int(declared))
    body = request.body
    if len(body) > body_max_bytes():
        return _too_big(request, len(body))
    try:
        signing.verify(
            key=key,
            header=request.headers.get(signing.HEADER),
            body=body,
            now=time.time(),
            window_s=settings.CITYOPS_VIDEO_WEBHOOK_WINDOW_S,
        )
    except signing.BadSignature as exc:
        return problem(request, 401, "Unauthorized", str(exc))
    try:
        event = AlertEventIn.model_validate_json(body)
    except pydantic.ValidationError as exc:
        errors = _invalid(exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(request, 422, "Validation failed", detail, errors)
    try:
        data = AlertIn(
            source=event.source,
            event_id=event.event_id,
            kind=event.kind,
            channel=event.channel,
            at=event.at,
            confidence=event.confidence,
            snapshot=_snapshot(event.snapshot_base64),
        )
        received = alert_receive(data=data)
    except DomainError as exc:
        return problem(request, exc.status, exc.title, exc.detail, exc.errors)
    status = 201 if received.created else 200
    return JsonResponse(alert_out(received.alert), status=status, json_dumps_params={"ensure_ascii": False})
