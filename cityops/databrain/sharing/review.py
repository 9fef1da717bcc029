"""The consumer keys as an access review lists and revokes them (registered with accounts' hooks
in ``DatabrainConfig.ready``: accounts stands below the data brain and never imports it)."""

from django.utils import timezone

from cityops.accounts.hooks import Credential, CredentialSource
from cityops.databrain.models import ApiKey
from cityops.databrain.sharing.services import key_revoke


def active_keys():
    now = timezone.now()
    for key in ApiKey.objects.select_related("consumer").filter(revoked_at__isnull=True, expires_at__gt=now):
        yield Credential(
            subject_type="databrain.apikey",
            subject_id=str(key.pk),
            subject=f"{key.name} ({key.prefix}…)",
            holder=key.consumer.code,
            holder_id=None,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            expires_at=key.expires_at,
        )


def revoke(subject_id: str, *, by, reason: str) -> None:
    key_revoke(key=ApiKey.objects.get(pk=int(subject_id)), by=by, reason=reason)


KEYS = CredentialSource("key", active_keys, revoke)
