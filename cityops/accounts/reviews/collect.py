"""What a review asks about, read when it opens: dormant accounts, privileged roles, live tokens and
keys (each source registered in ``accounts.hooks``), and leavers who still hold access."""

from datetime import datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from cityops.accounts.choices import ItemKind
from cityops.accounts.hooks import Credential, CredentialSource, credential_sources, register_credentials
from cityops.accounts.models import ApiToken, User
from cityops.accounts.roles import ROLE_ACTIONS, Role
from cityops.accounts.services import token_revoke

# A role is privileged when it administers the platform, changes accounts or reads the audit trail.
PRIVILEGED_ACTIONS = frozenset({"admin.access", "accounts.change", "audit.view"})
PRIVILEGED_ROLES = frozenset(role for role, actions in ROLE_ACTIONS.items() if actions & PRIVILEGED_ACTIONS)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def last_activity(users) -> dict[int, datetime]:
    """Each account's last sign-in or use of one of its tokens (its creation when neither happened)."""
    used = dict(
        ApiToken.objects.filter(user__in=[u.pk for u in users], last_used_at__isnull=False)
        .values_list("user_id")
        .annotate(last=Max("last_used_at"))
    )
    return {
        u.pk: max(t for t in (u.last_login, used.get(u.pk), u.date_joined) if t is not None) for u in users
    }


def dormant(now: datetime, days: int) -> list[tuple[User, datetime]]:
    """Active staff accounts with no sign-in or token use for ``days`` days, with their last activity."""
    cutoff = now - timedelta(days=days)
    staff = list(
        User.objects.filter(is_active=True, date_joined__lt=cutoff)
        .exclude(role=Role.RESIDENT)
        .filter(Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
        .order_by("username")
    )
    seen = last_activity(staff)
    return [(u, seen[u.pk]) for u in staff if seen[u.pk] < cutoff]


def privileged() -> list[User]:
    """Active accounts with a privileged role, or Django's staff or superuser flag whatever the role."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role__in=PRIVILEGED_ROLES) | Q(is_staff=True) | Q(is_superuser=True))
        .order_by("role", "username")
    )


def leavers(now: datetime) -> list[tuple[User, list[str]]]:
    """Disabled accounts that still hold something: a staff role, staff flags, departments, live
    tokens; each with what it holds."""
    out = []
    live_tokens = Q(api_tokens__revoked_at__isnull=True, api_tokens__expires_at__gt=now)
    candidates = (
        User.objects.filter(is_active=False)
        .filter(
            ~Q(role=Role.RESIDENT)
            | Q(is_staff=True)
            | Q(is_superuser=True)
            | Q(departments__isnull=False)
            | live_tokens
        )
        .distinct()
        .order_by("username")
    )
    for user in candidates:
        held = []
        if user.role != Role.RESIDENT:
            held.append(f"role:{user.role}")
        if user.is_staff or user.is_superuser:
            held.append("staff")
        depts = list(user.departments.values_list("code", flat=True))
        if depts:
            held.append("departments:" + ",".join(sorted(depts)))
        tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count()
        if tokens:
            held.append(f"tokens:{tokens}")
        out.append((user, held))
    return out


def user_facts(user: User, **more) -> dict:
    return {
        "role": user.role,
        "scope": user.scope_unit.code if user.scope_unit else "town",
        "last_login": _iso(user.last_login),
        "joined": _iso(user.date_joined),
        **more,
    }


def credential_facts(cred: Credential, now: datetime) -> dict:
    return {
        "created_at": _iso(cred.created_at),
        "age_days": (now - cred.created_at).days,
        "last_used_at": _iso(cred.last_used_at),
        "idle_days": (now - (cred.last_used_at or cred.created_at)).days,
        "expires_at": _iso(cred.expires_at),
    }


# --- the API tokens accounts issues itself, as one source beside those the apps above register ----


def _active_tokens():
    """Live tokens of active accounts (a disabled account's tokens are listed with it, as a leaver's)."""
    now = timezone.now()
    live = ApiToken.objects.select_related("user").filter(
        revoked_at__isnull=True, expires_at__gt=now, user__is_active=True
    )
    for t in live.order_by("user__username", "created_at"):
        yield Credential(
            subject_type="accounts.apitoken",
            subject_id=str(t.pk),
            subject=f"{t.name} ({t.prefix}…)",
            holder=t.user.username,
            holder_id=t.user_id,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            expires_at=t.expires_at,
        )


def _revoke_token(subject_id: str, *, by, reason: str) -> None:
    token = ApiToken.objects.select_related("user").get(pk=int(subject_id))
    token_revoke(token_id=token.pk, user=token.user, by=by)


def register_tokens() -> None:
    register_credentials(CredentialSource(ItemKind.TOKEN.value, _active_tokens, _revoke_token))


def sources() -> dict[str, CredentialSource]:
    return credential_sources()
