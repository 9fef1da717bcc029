"""Every write to Open311 clients: issuing, re-issuing and revoking api_keys; and checking a key.

A key is ``o311_<prefix>_<secret>``; only its SHA-256 digest is stored, the raw key is shown once.
"""

import hashlib
import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cityops.audit.services import audit_record
from cityops.cases.models import Open311Client
from cityops.core.errors import Forbidden, NotFound, ValidationFailed

KEY_PREFIX = "o311_"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def _fail(field: str, message: str):
    raise ValidationFailed(message, errors=[{"field": field, "message": message}])


@transaction.atomic
def client_issue(*, name: str, contact: str = "", by=None, actor_name: str = "") -> tuple[Open311Client, str]:
    """A new client with its api_key; the raw key is returned once and never stored."""
    name, contact = name.strip(), contact.strip()
    if not name:
        _fail("name", "a client needs a name")
    if len(name) > 100:
        _fail("name", "a client's name is at most 100 characters")
    if len(contact) > 200:
        _fail("contact", "the contact is at most 200 characters")
    if Open311Client.objects.filter(name=name).exists():
        _fail("name", f"there is already an Open311 client named {name!r}")
    prefix, raw = _new_key()
    client = Open311Client.objects.create(name=name, contact=contact, prefix=prefix, digest=_digest(raw))
    audit_record(
        action="cases.open311client.issue",
        actor=by,
        actor_name=actor_name,
        obj=client,
        after={"name": name, "contact": contact, "prefix": prefix},
    )
    return client, raw


def _locked(name: str) -> Open311Client:
    client = Open311Client.objects.select_for_update().filter(name=name).first()
    if client is None:
        raise NotFound(f"There is no Open311 client named {name!r}.")
    return client


@transaction.atomic
def client_reissue(*, name: str, by=None, actor_name: str = "") -> tuple[Open311Client, str]:
    """A fresh api_key for an existing client (the old key stops working; a revoked client is active again)."""
    client = _locked(name)
    old_prefix, was_revoked = client.prefix, client.revoked_at is not None
    client.prefix, raw = _new_key()
    client.digest = _digest(raw)
    client.revoked_at = None
    client.save(update_fields=["prefix", "digest", "revoked_at"])
    audit_record(
        action="cases.open311client.reissue",
        actor=by,
        actor_name=actor_name,
        obj=client,
        before={"prefix": old_prefix, "revoked": was_revoked},
        after={"prefix": client.prefix, "revoked": False},
    )
    return client, raw


@transaction.atomic
def client_revoke(*, name: str, by=None, actor_name: str = "") -> Open311Client:
    """Revoke a client's api_key; revoking twice changes nothing."""
    client = _locked(name)
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        audit_record(action="cases.open311client.revoke", actor=by, actor_name=actor_name, obj=client)
    return client


def client_authenticate(raw: str) -> Open311Client:
    """The active client of an api_key; Forbidden (403) naming what is wrong otherwise."""
    raw = (raw or "").strip()
    if not raw:
        raise Forbidden("api_key is required to post a service request")
    client = None
    if raw.startswith(KEY_PREFIX) and len(raw) <= 200:
        client = Open311Client.objects.filter(digest=_digest(raw)).first()
    if client is None:
        raise Forbidden("api_key is not valid")
    if not client.active:
        raise Forbidden("api_key has been revoked; ask the town for a new one")
    return client


def client_used(client: Open311Client) -> None:
    """Count one accepted service request (called inside the request's transaction)."""
    Open311Client.objects.filter(pk=client.pk).update(requests=F("requests") + 1, last_used_at=timezone.now())
