"""Sending the webhook outbox: claim a row with a conditional UPDATE, POST it signed, retry with backoff.

A delivery is POSTed by one worker at a time: the claim sets ``claimed_until``, and that value is
the claim's token — the outcome is written only where it still stands. A worker killed during the
POST leaves the claim to lapse after ``CLAIM_SECONDS``; the delivery is then sent again with the
same ``X-Cityops-Delivery`` id, by which a receiver recognises a repeat (docs/cases.md).
"""

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from cityops.cases.models import WebhookDelivery

MAX_ATTEMPTS = 10
CLAIM_SECONDS = 60
TIMEOUT_SECONDS = 5


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>"; receivers recompute it and reject old timestamps."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post(url: str, body: bytes, headers: dict) -> None:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:  # noqa: S310 - configured URLs
        if resp.status >= 300:
            raise urllib.error.HTTPError(url, resp.status, "not a 2xx answer", resp.headers, None)


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def _claim(delivery_id: int, now) -> bool:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return bool(
        WebhookDelivery.objects.filter(free, pk=delivery_id, state=WebhookDelivery.State.PENDING).update(
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS)
        )
    )


def _send_one(d: WebhookDelivery, now, send) -> bool:
    body = json.dumps(d.payload, ensure_ascii=False, sort_keys=True).encode()
    ts = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Cityops-Event": d.payload.get("event", ""),
        "X-Cityops-Delivery": str(d.pk),
        "X-Cityops-Timestamp": ts,
        "X-Cityops-Signature": signature(d.webhook.secret, ts, body),
    }
    attempts = d.attempts + 1
    mine = WebhookDelivery.objects.filter(pk=d.pk, claimed_until=d.claimed_until)  # the claim still ours
    try:
        send(d.webhook.url, body, headers)
    except Exception as exc:  # noqa: BLE001 - any failure is retried later, never lost
        state = WebhookDelivery.State.FAILED if attempts >= MAX_ATTEMPTS else WebhookDelivery.State.PENDING
        mine.update(
            attempts=attempts,
            state=state,
            next_attempt_at=now + backoff(attempts),
            claimed_until=None,
            last_error=str(exc)[:300],
        )
        return False
    mine.update(attempts=attempts, state=WebhookDelivery.State.SENT, claimed_until=None, last_error="")
    return True


def deliver_due(*, limit: int = 100, send=post, now=None) -> tuple[int, int]:
    """Send the deliveries that are due; returns (sent, failed attempts)."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
    ).values_list("id", flat=True)[:limit]
    sent = failed = 0
    for delivery_id in list(due):
        if not _claim(delivery_id, now):
            continue  # another worker has it
        d = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
        if _send_one(d, now, send):
            sent += 1
        else:
            failed += 1
    return sent, failed
