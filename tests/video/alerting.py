"""What the alert and kitchen suites share: the patrol items the default alert kinds map to, the
workstations that take their cases, the seeded kinds, and a signed POST to the webhook."""

import base64
import io
import json
import time

import pytest
from PIL import Image

from cityops.video.signing import HEADER, sign

KEY = "test-webhook-key-0123456789"
URL = "/api/v1/video/alerts"
# (code, name, department) of the demo catalogue's items the default kinds open cases of
ITEMS = [
    ("SJ090302", "餐饮卫生脏乱（学校食堂）", "D-CG"),
    ("SJ160202", "病媒生物孳生（鼠患）", "D-CG"),
    ("SJ041201", "机动车乱停放（主次干道）", "D-CG"),
    ("SJ040101", "占道经营（主次干道）", "D-CG"),
]


def make_alert_items():
    from cityops.cases.models import ItemCategory, PatrolItem
    from cityops.org.models import Department

    big = ItemCategory.objects.create(code="SJ09", name="食品药品", kind="event")
    small = ItemCategory.objects.create(code="SJ0903", name="餐饮卫生", kind="event", parent=big)
    for code, name, dept in ITEMS:
        PatrolItem.objects.create(
            code=code,
            name=name,
            kind="event",
            category=small,
            big_category=big,
            department=Department.objects.get(code=dept),
            dispatch_limit=2,
            dispatch_unit="hours",
            disposal_limit=1,
            disposal_unit="days",
            recheck_limit=4,
            recheck_unit="hours",
        )


def jpeg(size=(64, 48), colour=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(name="alerting")
def alerting_fixture(settings, users, video_channels):
    """Channels, users, patrol items, workstations, the default kinds and the webhook key."""
    from cityops.video.alerts import alert_kinds_seed
    from tests.cases.conftest import make_workstations

    settings.CITYOPS_VIDEO_WEBHOOK_KEY = KEY
    settings.CITYOPS_VIDEO_WEBHOOK_WINDOW_S = 300
    make_workstations()
    make_alert_items()
    alert_kinds_seed()
    return {**video_channels, "users": users}


def event(channel, event_id="e-1", kind="no_hat", at="2026-03-02T09:15:00+08:00", confidence=0.9, **extra):
    body = {
        "source": "hikvision-ai",
        "event_id": event_id,
        "kind": kind,
        "channel": channel.gb_id if hasattr(channel, "gb_id") else channel,
        "at": at,
        "confidence": confidence,
    }
    body.update(extra)
    return body


def post(client, body, *, key=KEY, t=None, header=None, raw=None):
    """POST ``body`` signed with ``key`` at ``t`` (now), or with the ``header`` given."""
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    t = int(time.time()) if t is None else t
    headers = {}
    if header is not False:
        headers[f"HTTP_{HEADER.upper().replace('-', '_')}"] = header or sign(key, data, t)
    return client.post(URL, data=data, content_type="application/json", **headers)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
