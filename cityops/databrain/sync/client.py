"""The HTTP side of a push: POST one batch as JSON and say what the receiver's answer means.

Acknowledged: a 2xx whose JSON body names the batch id. Retry: no answer (refused, reset, dropped
mid-body, timed out), a 5xx, a 408 or 429, or a 2xx that does not name the batch. Rejected: any
other 4xx, which a retry cannot mend (a bad token, a payload the receiver refuses): a person must look.
"""

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

ACK, RETRY, REJECT = "ack", "retry", "reject"
RETRYABLE_4XX = (408, 425, 429)
MESSAGE_CHARS = 2000


@dataclass(frozen=True)
class Reply:
    outcome: str  # ACK, RETRY or REJECT
    http_status: int | None
    message: str


def _message(body: bytes) -> str:
    """The receiver's own words: a JSON body's detail, message or error, else the text."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:MESSAGE_CHARS]
    if isinstance(data, dict):
        for key in ("detail", "message", "error"):
            if data.get(key):
                return str(data[key])[:MESSAGE_CHARS]
    return text[:MESSAGE_CHARS]


def post(*, url: str, token: str, batch_id: str, payload: dict, timeout: float) -> Reply:
    """Send one batch; never raises for what the network or the receiver does."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": batch_id}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as exc:
        message = _message(exc.read() or b"") or exc.reason
        outcome = RETRY if exc.code >= 500 or exc.code in RETRYABLE_4XX else REJECT
        return Reply(outcome, exc.code, f"HTTP {exc.code}: {message}")
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return Reply(RETRY, None, f"{type(exc).__name__}: {reason}"[:MESSAGE_CHARS])
    try:
        acked = json.loads(answer).get("batch_id") == batch_id
    except (ValueError, AttributeError):
        acked = False
    if not acked:
        return Reply(RETRY, status, f"HTTP {status} without an acknowledgement of batch {batch_id}")
    return Reply(ACK, status, "")
