"""The analytics webhook's signature: ``X-Cityops-Signature: t=<unix seconds>,v1=<hex>``.

``v1`` is HMAC-SHA256 under the shared key of ``f"{t}.{raw body}"``. The timestamp is signed with the
body, so a captured request cannot be replayed once it is older than the window; within the window
a replay carries the same event id and is answered from the stored alert (idempotency). Several
``v1`` values may be sent while the key is being changed; one matching is enough.
"""

import hashlib
import hmac

HEADER = "X-Cityops-Signature"


class BadSignature(Exception):
    """The request is not signed, or not by the key, or too old or too new; the text says which."""


def sign(key: str, body: bytes, t: int) -> str:
    """The header value for ``body`` sent at ``t`` (senders and tests use this)."""
    mac = hmac.new(key.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _parse(header: str) -> tuple[int, list[str]]:
    t, macs = None, []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if name == "t" and value.isdigit():
            t = int(value)
        elif name == "v1" and value:
            macs.append(value.lower())
    if t is None or not macs:
        raise BadSignature(f"The {HEADER} header must read t=<unix seconds>,v1=<hex HMAC-SHA256>.")
    return t, macs


def verify(*, key: str, header: str | None, body: bytes, now: float, window_s: int) -> int:
    """The signed timestamp, if ``header`` signs ``body`` under ``key`` within ``window_s`` of ``now``."""
    if not header:
        raise BadSignature(f"The request has no {HEADER} header.")
    t, macs = _parse(header)
    expected = hmac.new(key.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    # compare_digest with every candidate, so the time taken does not tell which one came close
    matched = False
    for mac in macs:
        matched |= hmac.compare_digest(mac.encode(), expected.encode())
    if not matched:
        raise BadSignature("The signature does not match the body under the shared key.")
    if abs(now - t) > window_s:
        raise BadSignature(
            f"The signed time {t} is {abs(int(now) - t)} s from the server's clock; at most {window_s} s "
            "is accepted (a replayed or delayed request). Sign each request when it is sent."
        )
    return t
