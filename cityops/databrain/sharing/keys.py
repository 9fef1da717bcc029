"""Consumer keys and what they may read: the small interface the query API and the CKAN API use.

- ``authenticate(raw)``: the active ``ApiKey`` of a raw key, or ``KeyRejected`` saying whether the
  key is unknown, expired or revoked, or its consumer switched off.
- ``granted_fields(key=, resource=)``: the field names the key's consumer holds an active grant for
  (None: no active grant, read as "no such resource" by the callers).
- ``unmasked_fields(key=, resource=)``: the personal fields among them granted in clear.
- ``log_access(...)``: one row of the usage log per read (one INSERT).
"""

import hashlib
import secrets
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.errors import DomainError
from cityops.databrain.models import AccessLog, ApiKey, Grant

KEY_PREFIX = "cdk_"
LAST_USED_EVERY = timedelta(minutes=5)  # last use is written at most this often: reads stay one INSERT


class KeyRejected(DomainError):
    """A consumer key that is unknown, expired or revoked (HTTP 401)."""

    status = 401
    title = "Unauthorized"

    def __init__(self, detail: str, *, reason: str):
        super().__init__(detail, errors=[{"field": "Authorization", "message": reason}])
        self.reason = reason


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_key() -> tuple[str, str]:
    """A fresh key and its prefix (the part pages show to tell keys apart)."""
    prefix = secrets.token_hex(4)
    return f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def looks_like_key(raw: str) -> bool:
    return bool(raw) and raw.startswith(KEY_PREFIX)


def authenticate(raw: str, *, now=None) -> ApiKey:
    """The active key of ``raw``; ``KeyRejected`` naming why not (unknown, expired, revoked, or its
    consumer switched off)."""
    raw = (raw or "").strip()
    key = None
    if looks_like_key(raw) and len(raw) <= 200:
        key = ApiKey.objects.select_related("consumer").filter(digest=digest(raw)).first()
    if key is None:
        raise KeyRejected(_("The key is not known. Check that it was copied whole."), reason="unknown")
    now = now or timezone.now()
    if key.revoked_at is not None:
        raise KeyRejected(
            _("The key %(prefix)s… was revoked on %(at)s.")
            % {"prefix": key.prefix, "at": timezone.localtime(key.revoked_at).strftime("%Y-%m-%d %H:%M")},
            reason="revoked",
        )
    if key.expires_at <= now:
        raise KeyRejected(
            _("The key %(prefix)s… expired on %(at)s.")
            % {"prefix": key.prefix, "at": timezone.localtime(key.expires_at).strftime("%Y-%m-%d %H:%M")},
            reason="expired",
        )
    if not key.consumer.active:
        off = key.consumer.switched_off_at
        raise KeyRejected(
            _(
                "The consumer %(code)s of this key was switched off on %(at)s; its keys work again when it is switched back on."
            )
            % {
                "code": key.consumer.code,
                "at": timezone.localtime(off).strftime("%Y-%m-%d %H:%M") if off else "—",
            },
            reason="switched_off",
        )
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def active_grants(*, consumer_id: int, resource_id: int | None = None, today=None):
    """The grants in force for a consumer (on one resource, or on any)."""
    today = today or timezone.localdate()
    grants = Grant.objects.filter(
        Q(revoked_at__isnull=True), consumer_id=consumer_id, starts_on__lte=today, expires_on__gte=today
    )
    return grants if resource_id is None else grants.filter(resource_id=resource_id)


def granted_resource_ids(*, key: ApiKey):
    """The ids of the resources the key's consumer holds a grant in force for (one query, as a
    subquery where it is used in a filter)."""
    return active_grants(consumer_id=key.consumer_id).values("resource_id")


def _grant_union(key: ApiKey, resource) -> tuple[set, set] | None:
    rows = list(
        active_grants(consumer_id=key.consumer_id, resource_id=resource.pk).values("fields", "unmasked")
    )
    if not rows:
        return None
    fields, clear = set(), set()
    for row in rows:
        fields.update(row["fields"])
        clear.update(row["unmasked"])
    return fields, clear


def granted_fields(*, key: ApiKey, resource) -> list[str] | None:
    """The fields of ``resource`` the key's consumer may read now, in the resource's order; None
    when it holds no active grant."""
    union = _grant_union(key, resource)
    if union is None:
        return None
    return [f.name for f in resource.fields.all() if f.name in union[0]]


def unmasked_fields(*, key: ApiKey, resource) -> list[str]:
    """The personal fields the key reads in clear (granted so); every other personal field is masked."""
    union = _grant_union(key, resource)
    if union is None:
        return []
    return [f.name for f in resource.fields.all() if f.personal and f.name in union[0] and f.name in union[1]]


def log_access(
    *, resource, channel: str, fields, rows: int, user=None, key: ApiKey | None = None
) -> AccessLog:
    """One row of the usage log: who (a user, or a key and its consumer) read which fields, how many rows."""
    if key is not None:
        actor = f"{key.consumer.code}/{key.prefix}"
    else:
        actor = getattr(user, "username", "") or "anonymous"
    return AccessLog.objects.create(
        resource_id=resource.pk,
        consumer_id=key.consumer_id if key is not None else None,
        key=key,
        user=user if getattr(user, "pk", None) else None,
        actor=actor[:150],
        channel=channel,
        fields=list(fields),
        rows=rows,
    )
